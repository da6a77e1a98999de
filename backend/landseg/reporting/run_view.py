"""Defensive access to a (possibly partial) run record: its epochs, phases, values and losses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LOSSES = ("box", "seg", "cls", "dfl")


class RunView:
    """Convenient, defensive access to a (possibly partial) run record."""

    def __init__(self, run_dir: Path, record: dict[str, Any]) -> None:
        self.run_dir = run_dir
        self.record = record
        by_number: dict[int, dict[str, Any]] = {}
        for entry in record.get("epochs") or []:
            if isinstance(entry, dict) and isinstance(entry.get("epoch"), int):
                by_number[entry["epoch"]] = entry
        self.epochs = [by_number[n] for n in sorted(by_number)]
        self.phases = [p for p in record.get("phases") or [] if isinstance(p, dict)]
        if not self.phases and self.epochs:
            names = dict.fromkeys(e.get("phase", "main") for e in self.epochs)
            self.phases = [{"name": name} for name in names]
        self.final = record.get("final") if isinstance(record.get("final"), dict) else None
        dataset = record.get("dataset") or {}
        self.dataset = dataset
        self.class_names = list(dataset.get("class_names") or (self.final or {}).get("classes", {}))

    def phase_epochs(self, name: str) -> list[dict[str, Any]]:
        """The recorded epochs of a phase, in order."""
        return [e for e in self.epochs if e.get("phase", "main") == name]

    @property
    def present_phases(self) -> list[dict[str, Any]]:
        """Phases with at least one recorded epoch, in order."""
        return [p for p in self.phases if self.phase_epochs(p["name"])]

    def phase_reference(self, name: str) -> dict[str, Any] | None:
        """The epoch a phase is measured from: the last epoch of the phase before it."""
        before = None
        for phase in self.present_phases:
            if phase["name"] == name:
                return before
            before = self.phase_epochs(phase["name"])[-1]
        return None


def entry_value(entry: dict[str, Any] | None, key: str) -> float | None:
    """``entry['mask']['map50']`` for ``key='mask.map50'``; ``None`` when absent."""
    current: Any = entry
    for part in key.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return float(current) if isinstance(current, int | float) else None


def total_loss(losses: dict[str, Any] | None) -> float | None:
    """The sum of a loss entry's components; ``None`` when one is missing."""
    if not isinstance(losses, dict):
        return None
    values = [losses.get(name) for name in LOSSES]
    if any(not isinstance(v, int | float) for v in values):
        return None
    return float(sum(values)) + float(losses.get("sem") or 0.0)


def loss_names(run: RunView) -> list[str]:
    """Recorded loss components; ``sem`` only when it is not always zero."""
    names = list(LOSSES)
    if any((e.get("train_loss") or {}).get("sem") for e in run.epochs):
        names.append("sem")
    return names


def class_metrics(entry: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    """The per-class figures of class ``name`` in an epoch or final entry, if recorded."""
    classes = (entry or {}).get("classes")
    return classes.get(name) if isinstance(classes, dict) else None
