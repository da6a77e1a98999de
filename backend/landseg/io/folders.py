"""Output folders built beside their target and swapped in whole; only LandSeg's files go.

A dataset, a run or a partitioned GeoParquet folder is written into a hidden staging folder
next to the target. When it is complete, LandSeg records in the folder's marker every file it
wrote (size and modification time) and only then moves it into place. A folder it replaces is
set aside first, and of it only the files its marker lists, unchanged, are removed, then the
folders they leave empty. So ``--overwrite`` refuses, before anything is touched, a folder that
holds an input of the command or anything LandSeg did not write (naming it), and a file a user
adds while a run goes on survives the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from landseg.errors import (
    InvalidParameterError,
    LandSegError,
    LandSegWarning,
    OutputExistsError,
    OutputNotWritableError,
)
from landseg.io.atomic import check_writable_folder, hidden_sibling
from landseg.messages import Message

MARKER_NAME = ".landseg-folder"
_SHOWN_FOREIGN = 5  # entries named in a refusal


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _files(folder: Path) -> dict[str, list[int]]:
    """Every regular file under ``folder`` (symlinks not followed): relative path to
    ``[size, mtime_ns]``; the marker itself left out."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            if relative == MARKER_NAME:
                continue
            status = path.lstat()
            found[relative] = [status.st_size, status.st_mtime_ns]
    return found


def record_folder(folder: Path, *, kind: str) -> None:
    """Write ``folder``'s marker: its ``kind`` and every file in it now, as LandSeg's own."""
    temporary = folder / f"{MARKER_NAME}.partial"
    temporary.write_text(json.dumps({"kind": kind, "files": _files(folder)}), encoding="utf-8")
    os.replace(temporary, folder / MARKER_NAME)


def _marker(folder: Path) -> dict | None:
    with contextlib.suppress(OSError, ValueError):
        content = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
        return content if isinstance(content, dict) else None
    return None


def foreign_entries(folder: Path, *, kind: str) -> list[str] | None:
    """What in ``folder`` LandSeg did not write, as relative paths (links, added or changed
    files, added folders); ``None`` when it is not a LandSeg ``kind`` folder with a file list."""
    marker = _marker(folder)
    if marker is None or marker.get("kind") != kind or not isinstance(marker.get("files"), dict):
        return None
    own = {name: list(value) for name, value in marker["files"].items()}
    own_folders = {parent.as_posix() for name in own for parent in Path(name).parents}
    foreign = [name for name, value in _files(folder).items() if own.get(name) != value]
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink() or (name in dirs and relative not in own_folders):
                foreign.append(relative + ("/" if name in dirs else ""))
    return sorted(set(foreign))


def check_replaceable_folder(
    target: Path,
    *,
    overwrite: bool,
    kind: str,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Raise unless ``target`` may receive a new ``kind`` folder; touches nothing.

    Raises:
        InvalidParameterError: ``target`` is a file, or holds (or is inside) one of ``inputs``.
        OutputExistsError: ``target`` is not empty and ``overwrite`` is off, or it holds
            anything LandSeg did not write.
        OutputNotWritableError: The folder that would hold ``target`` cannot be written.
    """
    target = Path(target).absolute()
    for item in inputs:
        source = Path(item).absolute()
        if _is_inside(source, target) or _is_inside(target, source):
            raise InvalidParameterError(Message("output.replaces_input", folder=target, input=item))
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise InvalidParameterError(Message("output.is_link", path=target))
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise OutputExistsError(Message("output.not_empty", folder=target))
        foreign = foreign_entries(target, kind=kind)
        if foreign is None:
            raise OutputExistsError(Message("output.not_listed", folder=target, folder_kind=kind))
        if foreign:
            listed = ", ".join(foreign[:_SHOWN_FOREIGN])
            if len(foreign) > _SHOWN_FOREIGN:
                listed += f", … +{len(foreign) - _SHOWN_FOREIGN}"
            raise OutputExistsError(
                Message("output.foreign_listed", folder=target, files=listed, folder_kind=kind)
            )
    parent = next((p for p in target.parents if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise OutputNotWritableError(Message("output.cannot_create", path=target))
    check_writable_folder(parent)


@contextlib.contextmanager
def atomic_folder(
    target: str | os.PathLike[str],
    *,
    overwrite: bool,
    kind: str,
    inputs: Iterable[str | Path] = (),
) -> Iterator[Path]:
    """Yield a staging folder beside ``target``; swap it into place when the block succeeds.

    On any exception (cancellation included) the staging folder is removed and ``target`` is
    as it was. See :func:`check_replaceable_folder` for what may be replaced.
    """
    target = Path(target).absolute()
    check_replaceable_folder(target, overwrite=overwrite, kind=kind, inputs=inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = hidden_sibling(target, f"{uuid.uuid4().hex[:8]}.partial")
    try:
        staging.mkdir()
        yield staging
        record_folder(staging, kind=kind)
        swap_in(staging, target, kind=kind)
    except OSError as error:
        if isinstance(error, LandSegError):  # a read error of an input says so itself
            raise
        raise OutputNotWritableError(
            Message("output.cannot_write", path=target, cause=error.strerror or error)
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging: Path, target: Path, *, kind: str) -> None:
    """Move ``staging`` to ``target``; a replaced folder is set aside and only LandSeg's own
    files of it are removed, last."""
    previous = None
    if target.is_dir():
        if any(target.iterdir()):
            previous = hidden_sibling(target, f"{uuid.uuid4().hex[:8]}.old")
            os.replace(target, previous)
        else:
            target.rmdir()
    os.replace(staging, target)
    if previous is not None:
        _remove_own_files(previous, kind=kind)


def _remove_own_files(folder: Path, *, kind: str) -> None:
    """Remove the files ``folder``'s marker lists (unchanged), then the folders left empty;
    anything else stays where it is, and the user is told."""
    marker = _marker(folder) or {}
    for name, value in (marker.get("files") or {}).items():
        path = folder / name
        with contextlib.suppress(OSError):
            status = path.lstat()
            if [status.st_size, status.st_mtime_ns] == list(value) and not path.is_symlink():
                path.unlink()
    with contextlib.suppress(OSError):
        (folder / MARKER_NAME).unlink()
    for root, _, _ in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):
            os.rmdir(root)  # only succeeds on a folder left empty
    if folder.exists():
        warnings.warn(
            Message("output.kept_added", folder_kind=kind, folder=folder),
            LandSegWarning,
            stacklevel=3,
        )
