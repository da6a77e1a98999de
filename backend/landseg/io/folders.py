"""Output folders built beside their target and swapped in whole; only LandSeg's are replaced.

A dataset or a run folder is written into a hidden staging folder next to the target. Only when
it is complete does it take the target's place; a folder it replaces is moved aside first and
removed last. A folder is replaced only when LandSeg made it (its marker file, or, for folders
of version 0.1, exactly the files LandSeg writes), never when it holds an input of the same
command, and never before every check has passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from landseg.errors import (
    InvalidParameterError,
    LandSegError,
    OutputExistsError,
    OutputNotWritableError,
)
from landseg.io.atomic import check_writable_folder

MARKER_NAME = ".landseg-folder"


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def made_by_landseg(folder: Path, *, kind: str, known_entries: Iterable[str] = ()) -> bool:
    """Whether ``folder`` is a LandSeg folder of this ``kind`` (and so may be replaced).

    Args:
        folder: An existing folder.
        kind: ``dataset`` or ``run``: what the marker must say.
        known_entries: For folders written before markers existed: a folder whose entries
            are all among these names (and that holds the first one) counts as LandSeg's.
    """
    marker = folder / MARKER_NAME
    if marker.is_file():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            return json.loads(marker.read_text(encoding="utf-8")).get("kind") == kind
        return False
    known = list(known_entries)
    entries = {entry.name for entry in folder.iterdir()}
    return bool(known) and known[0] in entries and entries <= set(known)


def check_replaceable_folder(
    target: Path,
    *,
    overwrite: bool,
    kind: str,
    inputs: Iterable[str | Path] = (),
    known_entries: Iterable[str] = (),
) -> None:
    """Raise unless ``target`` may receive a new ``kind`` folder; touches nothing.

    Raises:
        InvalidParameterError: ``target`` is a file, or holds one of ``inputs``.
        OutputExistsError: ``target`` is not empty and ``overwrite`` is off, or it is not a
            LandSeg folder of this kind.
        OutputNotWritableError: The folder that would hold ``target`` cannot be written.
    """
    for item in inputs:
        source = Path(item).absolute()
        if _is_inside(source, target) or _is_inside(target, source):
            raise InvalidParameterError(
                f"Output folder '{target}' would replace the input '{item}': choose an output "
                "folder outside your inputs."
            )
    if target.exists() and not target.is_dir():
        raise InvalidParameterError(
            f"Output '{target}' is a file, not a folder: choose a folder path."
        )
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise OutputExistsError(
                f"Folder '{target}' is not empty: choose a new folder or allow overwriting "
                "(--overwrite)."
            )
        if not made_by_landseg(target, kind=kind, known_entries=known_entries):
            raise OutputExistsError(
                f"Folder '{target}' holds files LandSeg did not write, so --overwrite will not "
                f"replace it: choose a new or empty folder for the {kind}."
            )
    parent = next((p for p in target.parents if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise OutputNotWritableError(f"Cannot create '{target}': choose a writable location.")
    check_writable_folder(parent)


@contextlib.contextmanager
def atomic_folder(
    target: str | os.PathLike[str],
    *,
    overwrite: bool,
    kind: str,
    inputs: Iterable[str | Path] = (),
    known_entries: Iterable[str] = (),
) -> Iterator[Path]:
    """Yield a staging folder beside ``target``; swap it into place when the block succeeds.

    On any exception (cancellation included) the staging folder is removed and ``target`` is
    as it was. See :func:`check_replaceable_folder` for what may be replaced.
    """
    target = Path(target).absolute()
    check_replaceable_folder(
        target, overwrite=overwrite, kind=kind, inputs=inputs, known_entries=known_entries
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        staging.mkdir()
        (staging / MARKER_NAME).write_text(json.dumps({"kind": kind}), encoding="utf-8")
        yield staging
        swap_in(staging, target)
    except OSError as error:
        if isinstance(error, LandSegError):  # a read error of an input says so itself
            raise
        raise OutputNotWritableError(
            f"Cannot write '{target}' ({error.strerror or error}): choose a writable location "
            "with enough free space."
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; a replaced folder is set aside and removed last."""
    previous = None
    if target.is_dir():
        if any(target.iterdir()):
            previous = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
            os.replace(target, previous)
        else:
            target.rmdir()
    os.replace(staging, target)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
