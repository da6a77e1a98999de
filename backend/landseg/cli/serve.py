"""``landseg serve``: a long-lived worker that runs commands one after another, models kept loaded.

Protocol (JSON lines). On stdin, one object a line:

* ``{"id": "j1", "argv": ["segment", "/abs/in.tif", "-o", "/abs/out.gpkg", ...]}`` runs a job;
* ``{"cancel": "j1"}`` cancels that job (it stops at its next check, as on SIGTERM).

On stdout: ``{"event": "ready", ...}`` once, then for each job the command's own events
(``progress``, ``result``) and its printed lines (``stdout``, ``stderr``), all tagged with
``"id"``, and last ``{"event": "done", "id": ..., "code": N}`` with the exit code the command
would have had. SIGTERM or SIGINT cancel the running job only; end of stdin ends the worker.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
import traceback
import warnings
from typing import Any, TextIO

import click

from landseg import __version__
from landseg.cli import progress as progress_module
from landseg.cli.runner import run_command


class _Lines:
    """A text stream that hands every complete line to ``emit`` (a job's stdout or stderr)."""

    def __init__(self, emit) -> None:
        self.emit = emit
        self.buffer = ""
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            self.emit(line.rstrip("\r"))
        return len(text)

    def flush(self) -> None:
        if self.buffer:
            self.emit(self.buffer)
            self.buffer = ""

    def isatty(self) -> bool:
        return False


class Server:
    """Reads jobs from ``requests``, runs them on this (the main) thread, writes events."""

    def __init__(self, out: TextIO, group: click.Group) -> None:
        self.out = out
        self.group = group  # the landseg command group, whose commands the jobs run
        self.lock = threading.Lock()
        self.jobs: queue.Queue = queue.Queue()
        self.running: tuple[str, threading.Event] | None = None
        self.cancelled: set[str] = set()  # cancelled before they started

    def emit(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.out.write(json.dumps(event, default=str, ensure_ascii=False) + "\n")
            self.out.flush()

    def read_requests(self, requests: TextIO) -> None:
        """Reader thread: queue jobs, act on cancels at once; ``None`` queued at end of input."""
        for line in requests:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if not isinstance(request, dict):
                continue
            if "cancel" in request:
                self.cancel(str(request["cancel"]))
            elif "argv" in request:
                self.jobs.put(request)
        self.jobs.put(None)

    def cancel(self, job_id: str | None = None) -> None:
        """Cancel the running job (``job_id`` None: whichever runs), or a queued one."""
        running = self.running
        if running is not None and job_id in (None, running[0]):
            running[1].set()
        elif job_id is not None:
            self.cancelled.add(job_id)

    def serve(self) -> None:
        import pyogrio.raw  # noqa: F401 - the GeoPackage writer, loaded once for every job

        from landseg.inference.models import kept_loaded

        self.emit({"event": "ready", "version": __version__, "pid": os.getpid()})
        with kept_loaded() as kept:
            while (request := self.jobs.get()) is not None:
                job_id = str(request.get("id", ""))
                code = self.run_job(job_id, [str(a) for a in request["argv"]])
                self.emit({"event": "done", "id": job_id, "code": code, "models_read": kept.loads})

    def run_job(self, job_id: str, argv: list[str]) -> int:
        """Run one command in this process; its exit code."""
        if job_id in self.cancelled:
            self.cancelled.discard(job_id)
            return 130
        if argv[:1] == ["serve"]:
            self.emit({"event": "stderr", "id": job_id, "line": "landseg: error: nested serve"})
            return 2
        event = threading.Event()
        self.running = (job_id, event)
        streams = sys.stdout, sys.stderr
        sys.stdout = _Lines(lambda line: self.emit({"event": "stdout", "id": job_id, "line": line}))
        sys.stderr = _Lines(lambda line: self.emit({"event": "stderr", "id": job_id, "line": line}))
        progress_module.current_job = progress_module.Job(
            emit=lambda fields: self.emit({**fields, "id": job_id}), cancel=event
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default")  # each job shows its own warnings again
                return run_command(self.group, argv)
        except SystemExit as error:
            return error.code if isinstance(error.code, int) else 1
        except Exception:
            print(traceback.format_exc(), file=sys.stderr)
            return 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = streams
            progress_module.current_job = None
            self.running = None


@click.command("serve", hidden=True)
def serve_command() -> None:
    """Run jobs read as JSON lines from stdin, keeping models loaded (for the QGIS plugin)."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # anything else printed to stdout (libraries' logs) goes to stderr
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", closefd=False)
    server = Server(out, click.get_current_context().find_root().command)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: server.cancel())
    reader = threading.Thread(target=server.read_requests, args=(sys.stdin,), daemon=True)
    reader.start()
    server.serve()
