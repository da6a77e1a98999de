"""One long-lived ``landseg serve`` worker per QGIS session: models stay loaded across jobs.

A batch of small rasters would otherwise pay, for every raster, Python's and torch's imports,
the model load and the first forward pass (seconds each). The worker starts on first use,
serves one job at a time over JSON lines, and stops when QGIS closes or after
``IDLE_TIMEOUT_S`` without work. A job that does not stop within ``CANCEL_GRACE_S`` of a cancel
kills the worker; the next job starts a fresh one. Nothing here imports QGIS.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

from .worker import (
    _KILL,
    DETAILS_LINES,
    ProgressCallback,
    WorkerError,
    WorkerRun,
    _signal_group,
    check_outcome,
    handle_event,
    start_process,
    worker_environment,
)

# jobs that gain from a warm worker
WARM_COMMANDS = ("segment", "model-info", "export-dataset", "class-weights")
IDLE_TIMEOUT_S = 900.0
CANCEL_GRACE_S = 5.0
START_TIMEOUT_S = 120.0

_ids = itertools.count(1)


class WarmWorker:
    """A ``python -m landseg serve`` process and the job it runs now."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.process: subprocess.Popen | None = None
        self.events: queue.Queue = queue.Queue()  # (kind, payload) of the running job
        self.busy = threading.Lock()
        self.log: list[str] = []  # lines printed outside any job (start-up errors)
        self._timer: threading.Timer | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.alive() else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the process and wait for its ``ready`` line."""
        self.events = queue.Queue()
        command = [self.python, "-m", "landseg", "serve"]
        self.process = start_process(command, stdin=subprocess.PIPE)
        for target, stream in ((_read_out, self.process.stdout), (self._read_err, None)):
            stream = stream or self.process.stderr
            threading.Thread(target=target, args=(stream, self.events), daemon=True).start()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                kind, payload = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if kind == "event" and payload.get("event") == "ready":
                return
            if kind == "exit":
                break
        self.stop()
        raise WorkerError(
            "The LandSeg worker did not start (this environment may have no 'serve' command: "
            "update LandSeg in the LandSeg settings).",
            details="\n".join(self.log[-DETAILS_LINES:]),
        )

    def _read_err(self, stream, events: queue.Queue) -> None:
        for line in iter(stream.readline, ""):
            line = line.rstrip("\r\n")
            self.log.append(line)
            del self.log[:-DETAILS_LINES]
            events.put(("log", line))

    def run(
        self,
        args: Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        on_log: Callable[[str], None] | None = None,
        on_start: Callable[[int], None] | None = None,
        poll_s: float = 0.1,
    ) -> WorkerRun:
        """Run one command in the worker (started when needed); raises like ``run_worker``."""
        self._cancel_timer()
        if not self.alive():
            self.start()
        job_id = f"j{next(_ids)}"
        run = WorkerRun(pid=self.process.pid)
        if on_start is not None:
            on_start(self.process.pid)
        self._send({"id": job_id, "argv": [str(a) for a in args]})
        code, cancelled = self._follow(job_id, run, progress, is_cancelled, on_log, poll_s)
        self._arm_timer()
        check_outcome(run, code, cancelled=cancelled)
        return run

    def _follow(self, job_id, run, progress, is_cancelled, on_log, poll_s) -> tuple[int, bool]:
        """Handle the job's events until it is done; (exit code, cancelled)."""
        cancel_sent: float | None = None
        while True:
            if cancel_sent is None and is_cancelled is not None and is_cancelled():
                self._send({"cancel": job_id})
                cancel_sent = time.monotonic()
            if cancel_sent is not None and time.monotonic() - cancel_sent > CANCEL_GRACE_S:
                self.kill()
                return 130, True
            try:
                kind, payload = self.events.get(timeout=poll_s)
            except queue.Empty:
                continue
            if kind == "exit":
                self.kill()
                run.stderr.extend(self.log[-50:])
                return (130, True) if cancel_sent else (self._exit_code(), False)
            if kind == "log":
                run.stderr.append(payload)
                if on_log is not None and payload.strip():
                    on_log(payload)
            elif payload.get("id") == job_id and payload.get("event") == "done":
                run.models_read = payload.get("models_read")
                return int(payload.get("code", 1)), cancel_sent is not None
            elif payload.get("id") in (job_id, None):
                handle_event(payload, run, progress, on_log)

    def _exit_code(self) -> int:
        code = self.process.wait() if self.process is not None else 1
        return code if code not in (0, 130) else 1  # a worker that vanished mid-job failed it

    def _send(self, request: dict) -> None:
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            pass  # the worker is gone: its end shows up as an "exit" event

    def stop(self, grace_s: float = 5.0) -> None:
        """End the worker: end of input first, then SIGKILL to its group after ``grace_s``."""
        self._cancel_timer()
        if self.process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace_s)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the worker and whatever it started."""
        if self.process is None:
            return
        _signal_group(self.process, _KILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.close()

    def _arm_timer(self) -> None:
        self._timer = threading.Timer(IDLE_TIMEOUT_S, self._idle)
        self._timer.daemon = True
        self._timer.start()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _idle(self) -> None:
        if self.busy.acquire(blocking=False):
            try:
                self.stop()
            finally:
                self.busy.release()


def _read_out(stream, events: queue.Queue) -> None:
    """The worker's protocol lines as events, then ``exit`` (each process has its own queue)."""
    for line in iter(stream.readline, ""):
        try:
            event = json.loads(line)
        except ValueError:
            event = {"event": "stderr", "line": line.rstrip("\r\n")}
        events.put(("event", event if isinstance(event, dict) else {}))
    events.put(("exit", None))


_workers: dict[tuple[str, str], WarmWorker] = {}
_workers_lock = threading.Lock()


def _worker_for(python: str) -> WarmWorker:
    """The session's worker for this interpreter and language (a new one when they change)."""
    key = (python, worker_environment().get("LANDSEG_LANG", ""))
    with _workers_lock:
        if key not in _workers:
            _workers[key] = WarmWorker(python)
        return _workers[key]


def run_job(python: str, args: Sequence[str], **options) -> WorkerRun:
    """Run ``args`` in the warm worker when it helps and is free, else in a one-off worker."""
    from .worker import run_worker

    if args and args[0] in WARM_COMMANDS and "timeout_s" not in options:
        worker = _worker_for(python)
        if worker.busy.acquire(blocking=False):
            try:
                options.pop("grace_s", None)
                return worker.run(args, **options)
            finally:
                worker.busy.release()
    return run_worker(python, args, **options)


def stop_all() -> None:
    """Stop every warm worker (QGIS closing, the plugin unloading, the settings changing)."""
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stop()


atexit.register(stop_all)
