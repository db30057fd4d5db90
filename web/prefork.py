"""Serving with several pre-forked worker processes: gunicorn, embedded rather than run as a command.

Searching is CPU-bound Python, so one process uses one core however many threads it has;
``passerelle serve --workers N`` runs N processes, each with its own open index and
``--threads`` threads, behind one listening socket owned by the master process.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


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
