"""GeoPackage writes made by a helper process that a ``segment`` command starts first thing.

Loading pyogrio imports pandas, geopandas and pyarrow: a third of a second or more of CPU,
which in the segmenting process competes with the model for every core. The helper loads
them on a core that the command's own start-up leaves idle, and the segmenting process never
imports them. The helper makes the same ``pyogrio.raw.write`` calls, one at a time and in
order, each answered before the next. Where it cannot start, or stopped between two writes,
writes are made in this process; one that stops during a write fails that write (it may have
written it: making it again could write the features twice).

This file runs as the helper's script too (it imports nothing of LandSeg).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from landseg.messages import Message

_helper: subprocess.Popen | None = None
_lock = threading.Lock()  # one write at a time through the helper's pipes


@contextlib.contextmanager
def helper() -> Iterator[None]:
    """Writes made in a helper process while the block runs, unless this process has loaded
    pyogrio already (a warm worker keeps it loaded: a helper would only add a process).

    Every write has been answered when the block ends (they are made one at a time), so the
    helper holds nothing and is stopped at once.
    """
    global _helper
    _helper = None if "pyogrio" in sys.modules else _start()
    try:
        yield
    finally:
        with _lock:
            process, _helper = _helper, None
        _stop(process)


def _start() -> subprocess.Popen | None:
    """The helper, or ``None`` where it cannot start (writes are then made here). Only a
    Python interpreter is started (inside QGIS, ``sys.executable`` is QGIS itself)."""
    if not Path(sys.executable or "").name.lower().startswith("python"):
        return None
    try:
        return subprocess.Popen(
            [sys.executable, "-P", __file__],  # -P: nothing beside this file shadows a module
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def _stop(process: subprocess.Popen | None) -> None:
    """Stop the helper (it is between writes: nothing of a file is lost)."""
    if process is not None:
        process.kill()
        process.wait()
        with contextlib.suppress(OSError):  # what a dead helper did not read
            process.stdin.close()
        process.stdout.close()


def write(*args: Any, **kwargs: Any) -> None:
    """``pyogrio.raw.write(*args, **kwargs)``, in the helper when it runs.

    Raises:
        OSError: The file cannot be written (pyogrio's data source and layer errors included),
            or the helper stopped during the write.
    """
    with _lock:
        if _helper is not None:
            try:
                _send(_helper, (args, kwargs))
            except BaseException as error:
                _drop_helper()
                if not isinstance(error, OSError):
                    raise
                # it had stopped before this write: this one and the next are made here
            else:
                failure = _answer()
                if failure is not None:
                    raise failure
                return
    _write_here(*args, **kwargs)


def _send(process: subprocess.Popen, request: tuple) -> None:
    pickle.dump(request, process.stdin)
    process.stdin.flush()


def _answer() -> BaseException | None:
    """The helper's answer to the write just sent: ``None``, or why it failed."""
    try:
        return pickle.load(_helper.stdout)
    except BaseException as error:  # it stopped during the write, or the wait was interrupted
        _drop_helper()
        if isinstance(error, (OSError, EOFError, pickle.UnpicklingError)):
            raise OSError(Message("output.writer_stopped")) from None
        raise


def _drop_helper() -> None:
    """Stop the helper after a failed exchange; later writes are made here."""
    global _helper
    _stop(_helper)
    _helper = None


def _write_here(*args: Any, **kwargs: Any) -> None:
    import pyogrio.errors
    import pyogrio.raw

    try:
        pyogrio.raw.write(*args, **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise OSError(str(error)) from None


def _serve() -> None:
    """The helper: writes what comes on stdin, answers each on stdout, until stdin ends."""
    for number in (signal.SIGINT, signal.SIGTERM):  # the parent's to handle: it stops this
        signal.signal(number, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes elsewhere, never among the answers
    import pyogrio.raw  # noqa: F401 - loaded now, while the parent starts up

    commands = sys.stdin.buffer
    while True:
        try:
            args, kwargs = pickle.load(commands)
        except EOFError:
            return
        try:
            _write_here(*args, **kwargs)
            failure = None
        except Exception as error:  # raised in the parent, as if the write had been made there
            failure = error if _picklable(error) else RuntimeError(f"{error!r}")
        pickle.dump(failure, answers)
        answers.flush()


def _picklable(error: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # any failure means: send a plain copy
        return False
    return True


if __name__ == "__main__":
    _serve()
