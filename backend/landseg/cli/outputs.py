"""Side outputs of the commands (JSON figures, Markdown), written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_text(path: Path, text: str, *, overwrite: bool) -> None:
    """Write ``text`` as UTF-8 to ``path``; nothing half-written is left on failure."""
    from landseg.io.atomic import atomic_output

    with atomic_output(path, overwrite=overwrite) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json(path: Path, data: Any, *, overwrite: bool) -> None:
    """Write ``data`` as indented JSON to ``path``, atomically."""
    write_text(path, json.dumps(data, indent=2), overwrite=overwrite)
