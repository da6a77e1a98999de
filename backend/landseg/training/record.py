"""The run record: ``record.json`` (the one source of truth) and ``epochs.csv`` beside it.

``train`` writes it, ``report``/``compare`` read it; this module alone knows its file names.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from landseg.errors import RunRecordError, RunRecordNotFoundError
from landseg.io.folders import record_folder
from landseg.messages import Message

RUN_KIND = "run"  # what a run folder's marker says
RECORD_NAME = "record.json"
EPOCHS_CSV = "epochs.csv"
BEST_NAME = "best.pt"


def load_record(run_dir: str | Path) -> dict[str, Any]:
    """The run record of ``run_dir``.

    Raises:
        RunRecordNotFoundError: The folder or its ``record.json`` does not exist.
        RunRecordError: ``record.json`` is not a LandSeg run record.
    """
    folder = Path(run_dir)
    path = folder / RECORD_NAME
    if not folder.is_dir():
        raise RunRecordNotFoundError(Message("record.no_folder", folder=folder))
    if not path.is_file():
        raise RunRecordNotFoundError(Message("record.no_record", folder=folder))
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RunRecordError(Message("record.bad_json", path=path, error=error)) from None
    if not isinstance(record, dict) or not isinstance(record.get("epochs", []), list):
        raise RunRecordError(Message("record.not_record", path=path))
    return record


class RunRecord:
    """The run record on disk: ``record.json`` plus ``epochs.csv``, rewritten atomically."""

    def __init__(self, run_dir: Path, content: dict[str, Any]) -> None:
        self.run_dir = run_dir
        self.content = content

    @classmethod
    def load(cls, run_dir: Path) -> RunRecord:
        return cls(run_dir, load_record(run_dir))

    def save(self) -> None:
        temporary = self.run_dir / f".{RECORD_NAME}.partial"
        temporary.write_text(json.dumps(self.content, indent=2))
        os.replace(temporary, self.run_dir / RECORD_NAME)
        self._save_csv()
        record_folder(self.run_dir, kind=RUN_KIND)  # what is in the folder now is the run's

    def _save_csv(self) -> None:
        rows = [_flatten(epoch) for epoch in self.content["epochs"]]
        columns = list(dict.fromkeys(k for row in rows for k in row))
        temporary = self.run_dir / f".{EPOCHS_CSV}.partial"
        with open(temporary, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, self.run_dir / EPOCHS_CSV)

    def phase(self, name: str) -> dict[str, Any]:
        return next(p for p in self.content["phases"] if p["name"] == name)


def _flatten(entry: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in entry.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
