"""Atomic, never-clobbering output files.

Every file LandSeg writes goes to a hidden temporary file beside the target and is renamed
into place only when complete, so a failed or cancelled run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from landseg.errors import InvalidParameterError, OutputExistsError, OutputNotWritableError
from landseg.messages import Message

# Files GDAL/SQLite may create beside a dataset while writing it.
_SIDECAR_SUFFIXES = ("-journal", "-wal", "-shm", ".aux.xml", ".ovr", ".msk")
# The longest file name most file systems take, in bytes, less room for the sidecars above.
_NAME_LIMIT = 255 - max(map(len, _SIDECAR_SUFFIXES))


def hidden_sibling(target: Path, tag: str, *, base: str | None = None) -> Path:
    """``.BASE.TAG`` beside ``target`` (``BASE`` defaults to its name), a hidden name that
    stays within the file system's limit: a name too long is replaced by its hash."""
    base = target.name if base is None else base
    name = f".{base}.{tag}"
    if len(os.fsencode(name)) > _NAME_LIMIT:
        name = f".{hashlib.sha256(os.fsencode(base)).hexdigest()[:16]}.{tag}"
    return target.with_name(name)


def check_writable_folder(folder: Path) -> None:
    """Raise :class:`OutputNotWritableError` unless files can be created in ``folder``."""
    if not folder.is_dir():
        raise OutputNotWritableError(Message("output.no_folder", folder=folder))
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OutputNotWritableError(
            Message("output.folder_not_writable", folder=folder, error=error.strerror)
        ) from None


def check_output(target: Path, *, overwrite: bool) -> None:
    """Check that ``target``'s folder is writable and that it is new or may be replaced."""
    check_writable_folder(target.parent)
    if target.is_dir() and not target.is_symlink():
        raise InvalidParameterError(Message("output.is_folder", path=target))
    if os.path.lexists(target) and not overwrite:  # a dangling link is an output too
        raise OutputExistsError(Message("output.exists", path=target))


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
    tag = f"{uuid.uuid4().hex[:8]}.partial{target.suffix}"
    temporary = hidden_sibling(target, tag, base=target.stem)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        remove_with_sidecars(temporary)


def write_text(target: str | os.PathLike[str], text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` as UTF-8 to ``target``, whole or not at all; the path written."""
    with atomic_output(target, overwrite=overwrite) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(target)


def write_json(target: str | os.PathLike[str], data: Any, *, overwrite: bool = False) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``target``, whole or not at all."""
    return write_text(
        target, json.dumps(data, indent=2, ensure_ascii=False) + "\n", overwrite=overwrite
    )
