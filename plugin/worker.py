"""Run the ``landseg`` backend as a worker subprocess and follow its JSON-lines progress.

Nothing here imports QGIS: the same runner serves Processing algorithms (feedback), QGIS tasks
(``QgsTask.setProgress``) and plain tests. The worker runs in its own process group, so a
cancel (SIGTERM, then SIGKILL after a grace period) also ends whatever it started, and a crash
in torch or GDAL cannot take QGIS down.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_USAGE = 2
EXIT_CANCELLED = 130
ERROR_PREFIX = "landseg: error: "
KEPT_PREFIX = "landseg: kept: "  # the work file a stopped segmentation kept for --resume
TERMINATE_GRACE_S = 10.0
language = "en"  # the worker's LANDSEG_LANG: the plugin's translator sets QGIS's language here
DETAILS_LINES = 400  # stderr lines kept for the "details" view

ProgressCallback = Callable[[float, str], None]
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)


class WorkerError(Exception):
    """The worker failed; ``message`` is the backend's one-line error, ``details`` its log,
    ``kept`` the work file a segmentation kept to be resumed (``None``: nothing is left)."""

    def __init__(
        self,
        message: str,
        *,
        details: str = "",
        returncode: int | None = None,
        kept: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.details = details
        self.returncode = returncode
        self.kept = kept


class WorkerCancelled(WorkerError):
    """The run was cancelled (by the user or the caller); nothing was written, unless a
    segmentation ``kept`` its work to be resumed."""


@dataclass
class WorkerRun:
    """What a finished worker produced."""

    result: dict[str, Any] = field(default_factory=dict)  # the final "result" event
    stdout: list[str] = field(default_factory=list)  # non-JSON stdout lines
    stderr: list[str] = field(default_factory=list)
    pid: int | None = None
    models_read: int | None = None  # warm worker: model files it has read so far


def worker_environment() -> dict[str, str]:
    """The environment for a worker: QGIS's Python and Qt settings stripped out.

    QGIS may set ``PYTHONHOME``/``PYTHONPATH`` for its own interpreter (Windows, macOS) and Qt
    plugin paths; another Python must not inherit them.
    """
    env = dict(os.environ)
    for name in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "QT_QPA_PLATFORM_PLUGIN_PATH"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env["LANDSEG_ABSOLUTE_PATHS"] = "1"  # the worker's folder is not the user's: no guessing
    env["LANDSEG_LANG"] = language  # progress and error messages in QGIS's language
    return env


def worker_cwd() -> str:
    """An empty private working folder.

    ``python -m landseg`` puts its working folder first on ``sys.path``; started from QGIS's
    plugin folder it would import this plugin (installed as ``landseg``) instead of the backend.
    """
    user = os.getuid() if hasattr(os, "getuid") else "user"
    folder = Path(tempfile.gettempdir()) / f"landseg-worker-{user}"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def _popen_group_kwargs() -> dict[str, Any]:
    if sys.platform == "win32":  # pragma: no cover - Windows
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def start_process(command: list[str], *, stdin: int) -> subprocess.Popen:
    """Start ``python -m landseg ...`` as a worker: text pipes, its own process group.

    Raises:
        WorkerError: The Python in ``command[0]`` could not be started.
    """
    try:
        return subprocess.Popen(
            command,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            env=worker_environment(),
            cwd=worker_cwd(),
            **_popen_group_kwargs(),
        )
    except OSError as error:
        raise WorkerError(
            f"Could not start the LandSeg worker '{command[0]}': {error.strerror or error}. "
            "Check the Python environment in the LandSeg settings.",
            details=" ".join(command),
        ) from None


def _read_lines(stream, tag: str, lines: queue.Queue) -> None:
    try:
        for line in iter(stream.readline, ""):
            lines.put((tag, line.rstrip("\r\n")))
    finally:
        lines.put((tag, None))


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        with contextlib.suppress(OSError):
            process.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def terminate(process: subprocess.Popen, grace_s: float = TERMINATE_GRACE_S) -> None:
    """SIGTERM the worker (it cancels cleanly), SIGKILL its whole group after ``grace_s``."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(process, _KILL)
            process.wait()


def error_message(stderr: Sequence[str], returncode: int) -> str:
    """The backend's one-line message, else the last line it printed."""
    for line in reversed(stderr):
        if line.startswith(ERROR_PREFIX):
            return line[len(ERROR_PREFIX) :].strip()
    for line in reversed(stderr):
        if line.strip() and not line.startswith(KEPT_PREFIX):
            return f"{line.strip()} (exit code {returncode})"
    return f"The LandSeg worker stopped with exit code {returncode} and no message."


def run_worker(
    python: str,
    args: Sequence[str],
    *,
    progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    on_log: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    poll_s: float = 0.1,
    grace_s: float = TERMINATE_GRACE_S,
    timeout_s: float | None = None,
) -> WorkerRun:
    """Run ``python -m landseg ARGS`` and wait for it, reporting progress as it goes.

    Args:
        python: The interpreter of the LandSeg environment.
        args: Command and options, e.g. ``["segment", raster, "-o", out, "--progress", "json"]``.
        progress: Called with (fraction 0-1, message) for each progress event.
        is_cancelled: Polled while waiting; when it returns true the worker is terminated.
        on_log: Called with every stderr line (and stdout lines that are not JSON events).
        on_start: Called with the worker's process id once it runs.
        poll_s: How often to poll ``is_cancelled``.
        grace_s: Seconds between SIGTERM and SIGKILL on cancel.
        timeout_s: Give up (and terminate) after this long.

    Raises:
        WorkerCancelled: Cancelled by ``is_cancelled`` or the worker exited with code 130.
        WorkerError: The worker could not start or exited with an error.
    """
    command = [python, "-m", "landseg", *[str(a) for a in args]]
    process = start_process(command, stdin=subprocess.DEVNULL)
    run = WorkerRun(pid=process.pid)
    if on_start is not None:
        on_start(process.pid)
    lines: queue.Queue = queue.Queue()
    readers = [
        threading.Thread(target=_read_lines, args=(process.stdout, "out", lines), daemon=True),
        threading.Thread(target=_read_lines, args=(process.stderr, "err", lines), daemon=True),
    ]
    for reader in readers:
        reader.start()
    open_streams = 2
    cancelled = timed_out = False
    started = time.monotonic()
    try:
        while open_streams:
            if is_cancelled is not None and is_cancelled():
                cancelled = True
                break
            if timeout_s is not None and time.monotonic() - started > timeout_s:
                timed_out = True
                break
            try:
                tag, line = lines.get(timeout=poll_s)
            except queue.Empty:
                continue
            if line is None:
                open_streams -= 1
            elif tag == "err":
                run.stderr.append(line)
                del run.stderr[:-DETAILS_LINES]
                if on_log is not None:
                    on_log(line)
            else:
                _handle_stdout(line, run, progress, on_log)
    finally:
        # Streams still open means we stopped waiting early (cancel, timeout, an exception in
        # a callback): end the worker. Otherwise it closed its output and is exiting by itself.
        if open_streams:
            terminate(process, grace_s)
        process.wait()
        _signal_group(process, _KILL)  # whatever the worker started and left behind
        for reader in readers:
            reader.join(timeout=1.0)
        for stream in (process.stdout, process.stderr):
            with contextlib.suppress(OSError):
                stream.close()
    check_outcome(
        run, process.returncode, cancelled=cancelled, timed_out=timed_out, timeout_s=timeout_s
    )
    return run


def check_outcome(
    run: WorkerRun,
    returncode: int | None,
    *,
    cancelled: bool = False,
    timed_out: bool = False,
    timeout_s: float | None = None,
) -> None:
    """Raise what a finished job means: cancelled, timed out or failed (nothing if it worked)."""
    details = "\n".join(run.stderr)
    kept = kept_work_file(run.stderr)
    if cancelled or returncode == EXIT_CANCELLED:
        raise WorkerCancelled(
            "Cancelled: the LandSeg worker was stopped and wrote no output.",
            details=details,
            returncode=returncode,
            kept=kept,
        )
    if timed_out:
        raise WorkerError(
            f"The LandSeg worker did not finish within {timeout_s or 0:.0f} s and was stopped.",
            details=details,
            returncode=returncode,
        )
    if returncode != 0:
        code = -1 if returncode is None else returncode
        raise WorkerError(
            error_message(run.stderr, code), details=details, returncode=returncode, kept=kept
        )


def kept_work_file(stderr: Sequence[str]) -> str | None:
    """The work file the backend said it kept for ``--resume`` (``landseg: kept: PATH``)."""
    for line in reversed(stderr):
        if line.startswith(KEPT_PREFIX):
            return line[len(KEPT_PREFIX) :].strip()
    return None


def handle_event(
    event: dict, run: WorkerRun, progress: ProgressCallback | None, on_log: Callable | None
) -> None:
    """Act on one JSON event of a job: progress, result, or a line it printed."""
    kind = event.get("event")
    if kind == "progress":
        if progress is not None:
            progress(float(event.get("fraction", 0.0)), str(event.get("message", "")))
    elif kind == "result":
        run.result = {k: v for k, v in event.items() if k not in ("event", "id")}
    elif kind in ("stdout", "stderr"):
        line = str(event.get("line", ""))
        (run.stdout if kind == "stdout" else run.stderr).append(line)
        del run.stderr[:-DETAILS_LINES]
        if on_log is not None and line.strip():
            on_log(line)


def _handle_stdout(
    line: str, run: WorkerRun, progress: ProgressCallback | None, on_log: Callable | None
) -> None:
    event = None
    if line.startswith("{"):
        with contextlib.suppress(ValueError):
            event = json.loads(line)
    if not isinstance(event, dict) or "event" not in event:
        run.stdout.append(line)
        if on_log is not None and line.strip():
            on_log(line)
        return
    handle_event(event, run, progress, on_log)


def last_json_object(lines: Sequence[str]) -> dict[str, Any] | None:
    """The last stdout line that parses as a JSON object (for commands printing JSON)."""
    for line in reversed(lines):
        text = line.strip()
        if text.startswith("{"):
            with contextlib.suppress(ValueError):
                value = json.loads(text)
                if isinstance(value, dict):
                    return value
    return None


def remove_partial_outputs(target: str | os.PathLike[str]) -> None:
    """Delete the backend's hidden temporary files for ``target`` after a killed run.

    The backend writes ``.<stem>.<id>.partial<suffix>`` beside the target and removes it on
    error or cancel; only a worker killed outright (SIGKILL) can leave one behind.
    """
    path = Path(target)
    if not path.parent.is_dir():
        return
    for leftover in path.parent.glob(f".{path.stem}.*.partial{path.suffix}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id still exists (zombies included)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
