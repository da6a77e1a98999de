"""``landseg serve``: a long-lived worker that runs commands one after another, models kept loaded.

Protocol (JSON lines). On stdin, one object a line:

* ``{"id": "j1", "argv": ["segment", "in.tif", "-o", "out.gpkg", ...], "cwd": "/abs/base"}``
  runs a job: ``id`` a string no earlier job had, ``argv`` a list of strings, ``cwd`` (optional)
  the absolute folder relative paths are taken from (without it, relative paths are refused
  when the worker was started with ``LANDSEG_ABSOLUTE_PATHS=1``, as the QGIS plugin does, and
  taken from the worker's own folder otherwise);
* ``{"cancel": "j1"}`` cancels that job, queued or running (it stops at its next check, as on
  SIGTERM); a job that has finished is not touched.

On stdout: ``{"event": "ready", ...}`` once, then for each job the command's own events
(``progress``, ``result``) and its printed lines (``stdout``, ``stderr``), all tagged with
``"id"``, and last ``{"event": "done", "id": ..., "code": N}`` with the exit code the command
would have had. Every line that is not a valid request is answered with ``{"event": "error",
"id": ..., "message": ...}`` (and, when it had a usable id, a ``done`` with code 2); no request
stops the worker. SIGTERM or SIGINT cancel the running job; when none runs they stop the worker
(jobs still queued end with code 130). End of stdin ends the worker.
"""

from __future__ import annotations

import contextlib
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
from landseg.cli.parsing import ABSOLUTE_PATHS_ENV
from landseg.cli.runner import run_command
from landseg.errors import LandSegWarning
from landseg.messages import Message


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


class BadRequest(ValueError):
    """A request line the worker cannot run; the message says why."""


def parse_request(line: str) -> dict[str, Any]:
    """One request line as ``{"cancel": id}`` or ``{"id", "argv", "cwd"}``, checked.

    Raises:
        BadRequest: Not a JSON object, or a field of the wrong type.
    """
    try:
        request = json.loads(line)
    except ValueError:
        request = None
    if not isinstance(request, dict):
        raise BadRequest(Message("serve.not_object"))
    if "cancel" in request:
        if not isinstance(request["cancel"], str):
            raise BadRequest(Message("serve.cancel"))
        return {"cancel": request["cancel"]}
    job_id, argv, cwd = request.get("id"), request.get("argv"), request.get("cwd")
    if not isinstance(job_id, str) or not job_id:
        raise BadRequest(Message("serve.id"))
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise BadRequest(Message("serve.argv", id=repr(job_id)))
    if cwd is not None and not (isinstance(cwd, str) and os.path.isabs(cwd)):
        raise BadRequest(Message("serve.cwd", id=repr(job_id)))
    if cwd is not None and not os.path.isdir(cwd):
        raise BadRequest(Message("serve.no_cwd", id=repr(job_id), path=repr(cwd)))
    return {"id": job_id, "argv": argv, "cwd": cwd}


class Server:
    """Reads jobs from ``requests``, runs them on this (the main) thread, writes events."""

    def __init__(self, out: TextIO, group: click.Group) -> None:
        self.out = out
        self.group = group  # the landseg command group, whose commands the jobs run
        self.lock = threading.Lock()
        self.jobs: queue.Queue = queue.Queue()
        self.running: tuple[str, threading.Event] | None = None
        self.cancelled: set[str] = set()  # cancelled before they started
        self.seen: set[str] = set()  # ids of every job queued so far
        self.finished: set[str] = set()
        self.stopping = False

    def emit(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.out.write(json.dumps(event, default=str, ensure_ascii=False) + "\n")
            self.out.flush()

    def read_requests(self, requests: TextIO) -> None:
        """Reader thread: queue jobs, act on cancels at once, answer bad lines; ``None`` queued
        at end of input."""
        for line in requests:
            if line.strip():
                self.take(line)
        self.jobs.put(None)

    def take(self, line: str) -> None:
        """Queue, cancel, or answer with an error: never raises."""
        try:
            request = parse_request(line)
            if "cancel" in request:
                self.cancel(request["cancel"])
                return
            with self.lock:
                if request["id"] in self.seen:
                    raise BadRequest(Message("serve.id_reused", id=repr(request["id"])))
                self.seen.add(request["id"])
            self.jobs.put(request)
        except BadRequest as error:
            self.emit({"event": "error", "id": _id_of(line), "message": str(error)})

    def cancel(self, job_id: str | None = None) -> None:
        """Cancel the running job (``job_id`` None: whichever runs, or, when none runs, stop
        the worker), or a queued one; a finished job is left alone."""
        running = self.running
        if running is not None and job_id in (None, running[0]):
            running[1].set()
        elif job_id is None:
            self.stopping = True
            self.jobs.put(None)
        elif job_id not in self.finished:
            self.cancelled.add(job_id)

    def serve(self) -> None:
        import pyogrio.raw  # noqa: F401 - the GeoPackage writer, loaded once for every job

        from landseg.inference.runtimes.loading import kept_loaded

        self.emit({"event": "ready", "version": __version__, "pid": os.getpid()})
        with kept_loaded() as kept:
            while True:
                request = self.jobs.get()
                if request is None:  # end of input, or a stop: jobs still queued end as 130
                    if self.jobs.empty():
                        break
                    continue
                job_id = request["id"]
                code = 130 if self.stopping else self.run_job(job_id, request["argv"], request)
                self.finished.add(job_id)
                self.emit({"event": "done", "id": job_id, "code": code, "models_read": kept.loads})

    def run_job(self, job_id: str, argv: list[str], request: dict[str, Any] | None = None) -> int:
        """Run one command in this process (from the request's ``cwd``); its exit code."""
        with _working_folder((request or {}).get("cwd")):
            return self._run(job_id, argv)

    def _run(self, job_id: str, argv: list[str]) -> int:
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
                # each job shows LandSeg's warnings again; libraries' stay filtered as in the CLI
                warnings.simplefilter("default", LandSegWarning)
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


def _id_of(line: str) -> str | None:
    """The id a bad request line names, if it names one (to tag the error with)."""
    with contextlib.suppress(ValueError, AttributeError):
        job_id = json.loads(line).get("id")
        return job_id if isinstance(job_id, str) else None
    return None


@contextlib.contextmanager
def _working_folder(cwd: str | None):
    """Relative paths of a job taken from ``cwd`` (the request stated it, so they are allowed)."""
    if cwd is None:
        yield
        return
    before, required = os.getcwd(), os.environ.pop(ABSOLUTE_PATHS_ENV, None)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)
        if required is not None:
            os.environ[ABSOLUTE_PATHS_ENV] = required


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
