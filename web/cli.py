"""`passerelle`: the indexer's commands plus `serve`, which runs the web app.

``python -m indexer`` still gives the indexing commands without importing Flask.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

from indexer import CorpusWatcher
from indexer import TaskQueue
from indexer import TaskRunner
from indexer import has_index
from indexer import load_settings
from indexer import main
from indexer import number_setting
from web import create_app

DEFAULT_THREADS = 8
WRITERS_STOP_SECONDS = 30
# A writers' process that dies is started again after these waits (seconds), one per death in a
# row; one that dies again each time is "dead" (health answers 503) and is tried once a minute.
RESTART_DELAYS = (0, 1, 2, 4, 8)
DEAD_RETRY_SECONDS = 60
STABLE_SECONDS = 60  # a process that ran this long before it died starts the count again
# Search is CPU-bound Python: one process uses one core whatever its threads, so one worker per
# core of the 2-core machine this runs on; more workers only add an open index (memory) each.
DEFAULT_WORKERS = 2


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [default: var/index].")
@click.option(
    "--workers",
    default=DEFAULT_WORKERS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes: more than 1 runs gunicorn with pre-forked workers, 1 runs waitress in this process.",
)
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per worker process.",
)
@click.option(
    "--debug", is_flag=True, help="Use Flask's development server, with reloader and debugger (never in production)."
)
@click.option("--watch", is_flag=True, help="Also re-index the corpus folder whenever its files change.")
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path),
    help="Corpus folder, for --watch and uploads [default: corpus].",
)
@click.option(
    "--replica",
    is_flag=True,
    help="Serve an index that `passerelle publish` fills: never write to it (no uploads, no --watch).",
)
def serve(host, port, index_dir, workers, threads, debug, watch, corpus_dir, replica):
    """Serve the search pages and the JSON API (gunicorn workers, or waitress; Flask's server with --debug)."""
    settings = load_settings({"index": index_dir, "corpus": corpus_dir})
    corpus, index_root = Path(settings["corpus"]), Path(settings["index"])
    app = create_app({"INDEX_DIR": settings["index"], "CORPUS_DIR": settings["corpus"], "REPLICA": replica})
    prefork = workers > 1 and not debug
    if watch and replica:
        raise click.UsageError("--watch writes to the index; a --replica never does")
    if watch and not corpus.is_dir():
        raise click.ClickException(f"corpus folder not found: {corpus}")
    if not replica:
        task_settings()  # a bad one is named now, not in the writers' process
    if not watch and not has_index(index_root):
        warning = f"warning: no index at {settings['index']} yet; searches answer 503 until `passerelle index` runs"
        click.secho(warning, fg="yellow", err=True)

    def start_writers():
        """The task runner and the watcher run once per server, never in a worker; a replica has neither."""
        if replica:
            return
        start_task_runner(corpus, index_root)
        TaskQueue(index_root).record_runner("running", os.getpid())
        if watch:
            start_watcher(corpus, index_root)  # its first run builds the index

    processes = f"{workers} worker processes × {threads} threads" if prefork else f"{threads} threads"
    click.echo(f"Serving Passerelle on http://{host}:{port}/ (index: {settings['index']}; {processes})")
    if debug:
        start_writers()
        app.run(host=host, port=port, debug=True)
    elif prefork:
        from web.prefork import serve_prefork  # imported here: gunicorn is only needed with workers

        # The writers get a process of their own, a fresh interpreter, not threads of the master:
        # gunicorn forks workers from the master, and a fork while another thread holds a lock
        # (an import's, for one) leaves that lock held forever in the worker.
        writers = WritersProcess(corpus, index_root, watch)
        hooks = {} if replica else {"when_ready": writers.start, "on_exit": writers.stop, "on_tick": writers.check}
        serve_prefork(app, host, port, workers=workers, threads=threads, **hooks)
    else:
        import waitress  # imported here: only the single-process production path needs it

        start_writers()
        waitress.serve(app, host=host, port=port, threads=threads)


class WritersProcess:
    """``run_writers`` in a child interpreter, started when the master listens, started again when it
    dies (its tasks resume: those left processing are taken again), stopped when the master exits.

    ``check`` is the supervision: the master calls it often. Each change of state is recorded in
    the index's task folder, where ``/api/health`` of every worker reads it.
    """

    def __init__(self, corpus: Path, index_root: Path, watch: bool, command: list[str] | None = None):
        code = f"from web.cli import run_writers; run_writers({str(corpus)!r}, {str(index_root)!r}, {watch!r})"
        self.command = command or [sys.executable, "-c", code]
        self.queue = TaskQueue(Path(index_root))
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.deaths = 0  # in a row, each soon after its start
        self.restart_at: float | None = None
        self.stopping = False

    def start(self) -> None:
        self.restart_at = None
        self.started = time.monotonic()
        try:
            self.process = subprocess.Popen(self.command)
        except OSError as error:
            self.process = None
            self._died(f"could not be started: {error}")
            return
        self.queue.record_runner("running", self.process.pid)

    def check(self) -> None:
        """Start the writers again if they died and their wait is over."""
        if self.stopping:
            return
        if self.process is not None and self.process.poll() is not None:
            # The master may have reaped it already (gunicorn waits for any child): then no status.
            pid, self.process = self.process.pid, None
            self._died(f"(pid {pid}) stopped")
        if self.process is None and self.restart_at is not None and time.monotonic() >= self.restart_at:
            self.start()

    def _died(self, how: str) -> None:
        soon = time.monotonic() - self.started < STABLE_SECONDS
        self.deaths = self.deaths + 1 if soon else 1
        if self.deaths > len(RESTART_DELAYS):
            delay, state = DEAD_RETRY_SECONDS, "dead"
        else:
            delay, state = RESTART_DELAYS[self.deaths - 1], "restarting"
        self.restart_at = time.monotonic() + delay
        self.queue.record_runner(state)
        click.secho(f"the task runner {how}; starting it again in {delay} s ({state})", fg="red", err=True)

    def stop(self) -> None:
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WRITERS_STOP_SECONDS)
        self.queue.record_runner("stopped")


def run_writers(corpus: Path | str, index_root: Path | str, watch: bool) -> None:
    """The writers' process beside a multi-worker server: the task runner and, with ``--watch``, the watcher."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the master, which then ends this process
    corpus, index_root = Path(corpus), Path(index_root)
    start_task_runner(corpus, index_root)
    if watch:
        start_watcher(corpus, index_root)
    threading.Event().wait()  # their threads do the work; the master ends this process when it stops


def start_task_runner(corpus: Path, index_root: Path):
    """Run a ``TaskRunner`` in a daemon thread: uploads and deletions recorded by any worker are applied here.

    :returns: the runner and its thread (``runner.stop()`` ends it).
    """
    runner = TaskRunner(corpus, index_root, on_batch=_echo_tasks, **task_settings())
    thread = threading.Thread(target=runner.run_forever, name="task-runner", daemon=True)
    thread.start()
    return runner, thread


def task_settings() -> dict:
    """The runner's time limit and retries, from the settings.

    :raises BadParameter: naming a setting that is not a number in range.
    """
    settings = load_settings()
    return {
        "timeout": number_setting(settings, "task_timeout_seconds", low=1),
        "retries": int(number_setting(settings, "task_retries", low=1)),
        "retry_seconds": number_setting(settings, "task_retry_seconds"),
    }


def start_watcher(corpus: Path, index_root: Path):
    """Run a ``CorpusWatcher`` in a daemon thread beside the server, printing each run's summary line.

    :returns: the watcher and its thread (``watcher.stop()`` ends it).

    :raises click.ClickException: when ``corpus`` is not a folder.
    """
    if not corpus.is_dir():
        raise click.ClickException(f"corpus folder not found: {corpus}")
    watcher = CorpusWatcher(corpus, index_root, on_report=_echo_report)
    thread = threading.Thread(target=_watch, args=(watcher,), name="corpus-watcher", daemon=True)
    thread.start()
    click.echo(f"Watching {corpus} for changes (index: {index_root})")
    return watcher, thread


def _watch(watcher) -> None:
    """The watcher thread: an error is printed rather than lost, and the server keeps serving."""
    try:
        watcher.run_forever()
    except Exception as error:  # noqa: BLE001 - a dead watcher must say why; searches go on
        click.secho(f"watch stopped: {error}", fg="red", err=True)


def _echo_tasks(tasks, report) -> None:
    for task in tasks:
        outcome = task.error["message"] if task.error else ", ".join(d["doc_id"] for d in task.documents)
        click.echo(f"task {task.id} ({task.type} {task.path}): {task.status}: {outcome}")


def _echo_report(report) -> None:
    click.echo(f"watch: {report.summary()}")
    for rel, reason in report.skipped:
        click.secho(f"watch: skipped {rel}: {reason}", fg="yellow", err=True)


main.add_command(serve)
