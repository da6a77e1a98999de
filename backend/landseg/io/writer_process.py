"""GeoPackage writes made by a helper process that a ``segment`` command starts first thing.

Loading pyogrio imports pandas, geopandas and pyarrow: a third of a second or more of CPU,
which in the segmenting process competes with the model for every core. The helper loads
them on a core that the command's own start-up leaves idle, and the segmenting process never
imports them. The helper makes the same ``pyogrio.raw.write`` calls, one at a time and in
order, each answered before the next; where it cannot start or has stopped, the write is made
in this process instead.

This file runs as the helper's script too (it imports nothing of LandSeg).
"""

from __future__ import annotations

import contextlib
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

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
    """The helper, or ``None`` where it cannot start (writes are then made here)."""
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
        OSError: The file cannot be written (pyogrio's data source and layer errors included).
    """
    global _helper
    with _lock:
        if _helper is not None:
            try:
                pickle.dump((args, kwargs), _helper.stdin)
                _helper.stdin.flush()
                failure = pickle.load(_helper.stdout)
            except (OSError, EOFError, pickle.UnpicklingError):
                _stop(_helper)  # it stopped: this write, and the next ones, are made here
                _helper = None
            else:
                _raise(failure)
                return
    _write_here(*args, **kwargs)


def _write_here(*args: Any, **kwargs: Any) -> None:
    import pyogrio.errors
    import pyogrio.raw

    try:
        pyogrio.raw.write(*args, **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise OSError(str(error)) from None


def _raise(failure: tuple[str, str] | None) -> None:
    """The helper's answer: nothing, or the failure of its write."""
    if failure is None:
        return
    kind, message = failure
    raise OSError(message) if kind == "io" else RuntimeError(message)


def _serve() -> None:
    """The helper: writes what comes on stdin, answers each on stdout, until stdin ends."""
    for number in (signal.SIGINT, signal.SIGTERM):  # the parent's to handle: it stops this
        signal.signal(number, signal.SIG_IGN)
    import pyogrio.raw  # noqa: F401 - loaded now, while the parent starts up

    commands, answers = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            args, kwargs = pickle.load(commands)
        except EOFError:
            return
        try:
            _write_here(*args, **kwargs)
            failure = None
        except OSError as error:
            failure = ("io", str(error))
        except Exception as error:  # returned to the parent, raised there
            failure = ("error", f"{type(error).__name__}: {error}")
        pickle.dump(failure, answers)
        answers.flush()


if __name__ == "__main__":
    _serve()
