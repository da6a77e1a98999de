"""Segmentations that stopped with their work kept (``landseg: kept: PATH``): offered again as
"Resume the interrupted run" for the same output, forgotten once a run to it completes."""

from __future__ import annotations

import json
from pathlib import Path

from . import settings


def _runs() -> dict[str, str]:
    try:
        runs = json.loads(settings.value(settings.INTERRUPTED, "{}") or "{}")
    except ValueError:
        return {}
    return runs if isinstance(runs, dict) else {}


def remember(output: str, work_file: str) -> None:
    """``output``'s run stopped and kept ``work_file`` to resume from."""
    settings.set_value(settings.INTERRUPTED, json.dumps(_runs() | {str(output): work_file}))


def forget(output: str) -> None:
    """A run to ``output`` completed (or started again): nothing to resume there."""
    runs = _runs()
    if runs.pop(str(output), None) is not None:
        settings.set_value(settings.INTERRUPTED, json.dumps(runs))


def work_file(output: str) -> str | None:
    """The work file an interrupted run to ``output`` kept, if it is still there."""
    kept = _runs().get(str(output))
    return kept if kept and Path(kept).is_file() else None
