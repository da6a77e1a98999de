"""One run per output at a time: an operating-system lock on a hidden file beside the output.

The lock is held for the whole run and released by the operating system when the process
ends, however it ends, so a run that was killed never blocks the next one. A second run on the
same output is refused at once instead of taking over the first one's work file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from landseg.errors import OutputInUseError, OutputNotWritableError
from landseg.io.atomic import hidden_sibling
from landseg.messages import Message

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def lock_file(target: Path) -> Path:
    """The hidden lock file of ``target``."""
    return hidden_sibling(Path(target).absolute(), "landseg-lock")


@contextlib.contextmanager
def output_lock(target: Path) -> Iterator[None]:
    """Hold ``target``'s lock for the block.

    Raises:
        OutputInUseError: Another LandSeg run holds it.
        OutputNotWritableError: The lock file cannot be made.
    """
    path = lock_file(target)
    while True:
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise OutputNotWritableError(
                Message("output.lock", path=path, error=error.strerror)
            ) from None
        if not _try_lock(descriptor):
            os.close(descriptor)
            raise OutputInUseError(Message("output.in_use", name=Path(target).name))
        with contextlib.suppress(OSError):  # the holder before us may have removed the file
            if os.fstat(descriptor).st_ino == os.stat(path).st_ino:
                break
        os.close(descriptor)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(descriptor)
