"""Paths as the user meant them: absolute before they reach the worker, output folders made.

The worker runs in a private folder, so a relative path would land (or be looked for) there. A
relative path is read against the caller's working directory: for ``qgis_process`` the folder
it was started from; in QGIS desktop the project's folder when the project has one.
"""

from __future__ import annotations

import os
from pathlib import Path

from .translation import tr


def is_file_path(value: str) -> bool:
    """Whether ``value`` names a local file (not a URL, GDAL XML or a ``/vsi`` dataset)."""
    return bool(value) and not value.startswith(("<", "/vsi")) and "://" not in value


def base_folders() -> list[Path]:
    """Where relative paths are read from, in order: the project's folder, then the cwd."""
    folders = []
    try:
        from qgis.core import QgsProject

        home = QgsProject.instance().absolutePath()
        if home:
            folders.append(Path(home))
    except ImportError:  # pragma: no cover - plain Python (tests of the worker client)
        pass
    folders.append(Path.cwd())
    return folders


def absolute_input(value: str) -> str:
    """An existing input, absolute: the first base folder where it exists (else the first)."""
    if not is_file_path(value) or Path(value).is_absolute():
        return value
    path, _, rest = value.partition("|")  # OGR's "file.gpkg|layername=x"
    folders = base_folders()
    found = next((f / path for f in folders if (f / path).exists()), folders[0] / path)
    return str(Path(os.path.normpath(found))) + (f"|{rest}" if rest else "")


def absolute_output(value: str) -> str:
    """An output, absolute against the first base folder (the project's, else the cwd)."""
    if not is_file_path(value) or Path(value).is_absolute():
        return value
    return os.path.normpath(base_folders()[0] / value)


def make_parent(output: str) -> None:
    """Create the folder an output (a file, or a folder the backend makes) goes into.

    Raises:
        ValueError: The folder cannot be created or written to (the message says which).
    """
    parent = Path(output).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(
            tr("Cannot create the output folder '{folder}': {reason}").format(
                folder=parent, reason=error.strerror or error
            )
        ) from None
    if not os.access(parent, os.W_OK):
        raise ValueError(
            tr("The output folder '{folder}' is not writable: choose another place.").format(
                folder=parent
            )
        )


def output_problem(output: str) -> str:
    """Why ``output`` cannot be written ('' when it can), without creating anything.

    The nearest folder that exists must be a writable folder: the missing ones below it are
    created when the run starts.
    """
    if not is_file_path(output):
        return ""
    folder = Path(absolute_output(output)).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return tr("Cannot create the output folder under '{path}': it is a file.").format(
            path=folder
        )
    if not os.access(folder, os.W_OK):
        return tr("The output folder '{folder}' is not writable: choose another place.").format(
            folder=folder
        )
    return ""
