"""Serving with several pre-forked worker processes: gunicorn, embedded rather than run as a command.

Searching is CPU-bound Python, so one process uses one core however many threads it has;
``passerelle serve --workers N`` runs N processes, each with its own open index and
``--threads`` threads, behind one listening socket owned by the master process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

from flask import Flask

# glibc's mallopt parameters (malloc.h). A worker's eight threads each got an arena of their own,
# and freed arrays raised the threshold under which blocks come from an arena rather than
# mmap: the workers' memory kept growing over an hour's searches (docs/reliability.md).
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024  # fixed: a search's collection-sized arrays go back to the system when freed


def serve_prefork(
    app: Flask,
    host: str,
    port: int,
    workers: int,
    threads: int,
    when_ready: Callable[[], None] | None = None,
    on_exit: Callable[[], None] | None = None,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` with gunicorn until the master gets SIGTERM or SIGINT.

    The app is built once, in the master, and inherited by the workers when they are forked;
    it opens the index lazily, on its first search, so each worker opens its own.

    :param when_ready: called once in the master when it listens (it starts the writers' process).
    :param on_exit: called once in the master just before it exits (it stops the writers' process).
    :param on_tick: called by the master's main loop about once a second and whenever a child ends
        (it restarts a writers' process that died); on the main thread, as a thread in the master
        could hold a lock while a worker is forked.
    """
    from gunicorn.app.base import BaseApplication  # imported here: only multi-worker serving needs it
    from gunicorn.arbiter import Arbiter

    bound_malloc()  # in the master: the workers forked from it inherit the settings

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",  # threads, and keep-alive connections, in every worker
        # The default control socket is one path per user (~/.gunicorn/gunicorn.ctl): two servers
        # on one machine would fight over it, and nothing here uses it.
        "control_socket_disable": True,
        "accesslog": None,
        "errorlog": "-",
    }
    if when_ready is not None:
        options["when_ready"] = lambda arbiter: when_ready()
    if on_exit is not None:
        options["on_exit"] = lambda arbiter: on_exit()

    class TickingArbiter(Arbiter):
        def manage_workers(self):
            super().manage_workers()
            if on_tick is not None:
                on_tick()

    class EmbeddedGunicorn(BaseApplication):
        def load_config(self):
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self):
            return app

        def run(self):
            TickingArbiter(self).run()

    EmbeddedGunicorn().run()


def bound_malloc() -> bool:
    """Fewer malloc arenas and a fixed mmap threshold in this process (glibc only); whether they were set."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS): its own allocator's habits
        return False
    return bool(mallopt(M_ARENA_MAX, ARENAS)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
