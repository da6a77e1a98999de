"""Atomic, never-clobbering output files.

Every file LandSeg writes goes to a hidden temporary file beside the target and is renamed
into place only when complete, so a failed or cancelled run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from landseg.errors import OutputExistsError, OutputNotWritableError

# Files GDAL/SQLite may create beside a dataset while writing it.
_SIDECAR_SUFFIXES = ("-journal", "-wal", "-shm", ".aux.xml", ".ovr", ".msk")


def check_writable_folder(folder: Path) -> None:
    """Raise :class:`OutputNotWritableError` unless files can be created in ``folder``."""
    if not folder.is_dir():
        raise OutputNotWritableError(
            f"Output folder '{folder}' does not exist: create it or choose another output path."
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OutputNotWritableError(
            f"Output folder '{folder}' is not writable ({error.strerror}): "
            "choose a folder you can write to."
        ) from None


def check_output(target: Path, *, overwrite: bool) -> None:
    """Check that ``target``'s folder is writable and that it is new or may be replaced."""
    check_writable_folder(target.parent)
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"Output '{target}' already exists: choose another path or allow overwriting "
            "(--overwrite)."
        )


def remove_with_sidecars(path: Path) -> None:
    """Delete ``path`` and whatever GDAL or SQLite left beside it."""
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in _SIDECAR_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


@contextlib.contextmanager
def atomic_output(target: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    The temporary name keeps the target's extension, since GDAL picks drivers by it.
    On any exception (cancellation included) the temporary file is removed.
    """
    target = Path(target).absolute()
    check_output(target, overwrite=overwrite)
    temporary = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.partial{target.suffix}")
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        remove_with_sidecars(temporary)
