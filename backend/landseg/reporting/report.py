"""Bilingual (English / 日本語) training reports, computed from a run record.

:func:`build_report` reads ``RUN_DIR/record.json`` (written by :mod:`landseg.training.train`),
derives every table, observation and rating from its numbers, optionally adds the feature-map and
gradient analysis of ``best.pt`` (:mod:`landseg.reporting.analysis`), and writes one self-contained HTML
file (plots embedded as PNG data URIs, no network resources) and, if asked, a Markdown file
whose figures go to a ``<name>_figures/`` folder beside it. :func:`compare_runs` gives the
per-class deltas between two runs in the same bilingual form.

The report is first assembled as plain blocks (tables, paragraphs, bullet lists, notes and
figures, each carrying its text in every language), then rendered, so Markdown and HTML always
say the same thing. Numbers and class names are shared across languages; words come from
:mod:`landseg.reporting.texts`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from landseg import __version__
from landseg.errors import InvalidParameterError, RunRecordError
from landseg.reporting.analysis import FEATURE_COLUMNS, GRADIENT_COLUMNS, GradientThresholds
from landseg.reporting.texts import Bi, check_languages, same, text
from landseg.training.record import BEST_NAME, load_record

KINDS = ("mask", "box")
METRICS = ("precision", "recall", "map50", "map50_95")
LOSSES = ("box", "seg", "cls", "dfl")
GRADIENT_ISSUES_SHOWN = 10  # flagged parameter tensors listed by name
ProgressCallback = Callable[[float, str], None]
Cell = str | Bi


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class ReportThresholds:
    """Every threshold the report's observations and ratings use; all are stated in it.

    Attributes:
        milestones: ``(metric, value)`` pairs; the report gives the first epoch at or above
            each. Metrics are ``mask.map50``, ``mask.map50_95``, ``box.map50``, ... .
        fast_gain: A one-epoch gain in mask mAP50 at least this large is fast convergence.
        regression_drop: A one-epoch fall in mask mAP50 larger than this is a regression.
        plateau_change: Epoch-to-epoch changes smaller than this (absolute) are flat ...
        plateau_epochs: ... and this many flat changes in a row make a plateau.
        overfit_window: Epochs (within one phase) over which loss trends are fitted.
        overfit_slope: Relative loss change per epoch below which a trend counts as flat.
        ratings: Per metric, the lower bounds of "excellent", "good" and "fair".
        convergence: Fractions of the run's epochs within which mask mAP50 reaching 90 % of
            its best counts as fast and moderate convergence.
        unstable_drop: A regression larger than this makes training "unstable".
        gradients: When gradients are flagged in the gradient-flow analysis.
    """

    milestones: tuple[tuple[str, float], ...] = (
        ("mask.map50", 0.80),
        ("mask.map50", 0.85),
        ("mask.map50", 0.90),
        ("mask.map50_95", 0.80),
    )
    fast_gain: float = 0.05
    regression_drop: float = 0.005
    plateau_change: float = 0.005
    plateau_epochs: int = 2
    overfit_window: int = 3
    overfit_slope: float = 0.01
    ratings: Mapping[str, tuple[float, float, float]] = field(
        default_factory=lambda: {
            "map50": (0.85, 0.70, 0.50),
            "map50_95": (0.70, 0.50, 0.30),
            "precision": (0.85, 0.70, 0.50),
            "recall": (0.85, 0.70, 0.50),
        }
    )
    convergence: tuple[float, float] = (0.3, 0.6)
    unstable_drop: float = 0.02
    gradients: GradientThresholds = field(default_factory=GradientThresholds)


_METRIC_ALIASES = {
    "map50": "mask.map50",
    "map50-95": "mask.map50_95",
    "map50_95": "mask.map50_95",
    "map": "mask.map50_95",
}


def normalise_metric(name: str) -> str:
    """``mask.map50`` style name of a metric, accepting short forms such as ``map50-95``."""
    key = name.strip().lower().replace("map@0.5:0.95", "map50_95").replace("map@0.5", "map50")
    key = _METRIC_ALIASES.get(key, key).replace("-", "_")
    kind, _, metric = key.partition(".")
    if kind not in KINDS or metric not in METRICS:
        known = ", ".join(f"{k}.{m}" for k in KINDS for m in METRICS)
        raise InvalidParameterError(
            f"Unknown metric '{name}': use one of {known} (map50 and map50-95 mean the mask ones)."
        )
    return key


def parse_milestones(values: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """Milestones from ``METRIC=VALUE[,VALUE...]`` strings, e.g. ``map50=80,85,90``.

    Values may be fractions (0.8) or percentages (80 or 80%).
    """
    milestones = []
    for item in values:
        name, separator, numbers = item.partition("=")
        if not separator or not numbers.strip():
            raise InvalidParameterError(
                f"Milestone '{item}' is not understood: write METRIC=VALUE, e.g. map50=0.8 "
                "or map50-95=80%."
            )
        metric = normalise_metric(name)
        for number in numbers.split(","):
            raw = number.strip().rstrip("%")
            try:
                value = float(raw)
            except ValueError:
                raise InvalidParameterError(
                    f"Milestone value '{number.strip()}' in '{item}' is not a number: use e.g. "
                    "0.8 or 80%."
                ) from None
            value = value / 100 if value > 1 or number.strip().endswith("%") else value
            if not 0 < value <= 1:
                raise InvalidParameterError(
                    f"Milestone value '{number.strip()}' must lie between 0 and 100%."
                )
            milestones.append((metric, value))
    return tuple(milestones)


def _thresholds(value: ReportThresholds | Mapping[str, Any] | None) -> ReportThresholds:
    if value is None:
        return ReportThresholds()
    if isinstance(value, ReportThresholds):
        result = value
    else:
        names = {f.name for f in fields(ReportThresholds)}
        unknown = sorted(set(value) - names)
        if unknown:
            raise InvalidParameterError(
                f"Unknown report threshold(s) {', '.join(unknown)}: use {', '.join(sorted(names))}."
            )
        updates = dict(value)
        if "milestones" in updates:
            updates["milestones"] = tuple(
                (normalise_metric(m), float(v)) for m, v in updates["milestones"]
            )
        if isinstance(updates.get("gradients"), Mapping):
            updates["gradients"] = GradientThresholds(**updates["gradients"])
        result = replace(ReportThresholds(), **updates)
    for metric, _ in result.milestones:
        normalise_metric(metric)
    return result


# --------------------------------------------------------------------------- the run


class _Run:
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


def _value(entry: dict[str, Any] | None, key: str) -> float | None:
    """``entry['mask']['map50']`` for ``key='mask.map50'``; ``None`` when absent."""
    current: Any = entry
    for part in key.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return float(current) if isinstance(current, int | float) else None


def _total_loss(losses: dict[str, Any] | None) -> float | None:
    if not isinstance(losses, dict):
        return None
    values = [losses.get(name) for name in LOSSES]
    if any(not isinstance(v, int | float) for v in values):
        return None
    return float(sum(values)) + float(losses.get("sem") or 0.0)


def _loss_names(run: _Run) -> list[str]:
    """Recorded loss components; ``sem`` only when it is not always zero."""
    names = list(LOSSES)
    if any((e.get("train_loss") or {}).get("sem") for e in run.epochs):
        names.append("sem")
    return names


# --------------------------------------------------------------------------- formatting


def _pct(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _pp_abs(value: float) -> str:
    """A threshold in percentage points, without a sign."""
    return f"{value * 100:.2f} pp"


def _pp(change: float | None) -> str:
    return "—" if change is None else f"{change * 100:+.2f} pp"


def _relative(new: float | None, old: float | None, digits: int = 1) -> str:
    if new is None or old is None or old == 0:
        return "—"
    return f"{(new - old) / abs(old) * 100:+.{digits}f}%"


def _loss(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _epochs_label(entries: Sequence[dict[str, Any]]) -> str:
    first, last = entries[0]["epoch"], entries[-1]["epoch"]
    return f"{first}" if first == last else f"{first}–{last}"


# --------------------------------------------------------------------------- report blocks


@dataclass
class Table:
    """A table whose cells are shared strings or per-language text."""

    headers: list[Cell]
    rows: list[list[Cell]]
    caption: Bi | None = None
    key: str = ""


@dataclass
class Paragraph:
    text: Bi


@dataclass
class Bullets:
    items: list[Bi]


_NOTE_TITLES = {"missing": "missing_title", "info": "note_title", "caution": "caution_title"}


@dataclass
class Note:
    """A notice; ``kind`` is ``missing`` (data absent from the record), ``caution`` or ``info``."""

    text: Bi
    kind: str = "missing"


@dataclass
class Heading:
    text: Bi


@dataclass
class Figure:
    name: str
    png: bytes
    caption: Bi


Block = Table | Paragraph | Bullets | Note | Heading | Figure


@dataclass
class Section:
    key: str
    title: Bi
    blocks: list[Block] = field(default_factory=list)
    number: int | None = None

    def heading(self, languages: Sequence[str]) -> str:
        prefix = f"{self.number}. " if self.number is not None else ""
        return prefix + _joined(self.title, languages)


@dataclass
class Report:
    title: Bi
    subtitle: str
    overview: Table | None
    missing: list[Bi]
    sections: list[Section]
    footer: Bi


def _metric_label(kind: str, metric: str) -> Bi:
    return text("metric_with_kind", metric=text(f"metric_{metric}"), kind=text(f"kind_{kind}"))


def _phase_name(name: str) -> Bi:
    return text(f"phase_{name}") if name in ("main", "continued") else same(name)


def _phase_label(name: str) -> Bi:
    """A phase's name as a heading or table cell (capitalised)."""
    return text(f"phase_title_{name}") if name in ("main", "continued") else same(name)


def _phase_title(phase: dict[str, Any], entries: Sequence[dict[str, Any]]) -> Bi:
    key = "phase_with_epoch" if len(entries) == 1 else "phase_with_epochs"
    return text(key, phase=_phase_label(phase["name"]), epochs=_epochs_label(entries))


# --------------------------------------------------------------------------- missing data


def _missing(run: _Run, analysis_note: Bi | None) -> list[Bi]:
    notes: list[Bi] = []
    if not run.epochs:
        notes.append(text("missing_no_epochs"))
    else:
        numbers = [e["epoch"] for e in run.epochs]
        gaps = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        if gaps:
            notes.append(text("missing_epoch_gaps", epochs=", ".join(map(str, gaps))))
    for phase in run.phases:
        status = phase.get("status", "complete" if run.phase_epochs(phase["name"]) else "pending")
        planned = phase.get("epochs")
        done = len(run.phase_epochs(phase["name"]))
        if status != "complete":
            notes.append(
                text(
                    "missing_phase_incomplete",
                    phase=_phase_name(phase["name"]),
                    status=text(f"status_{status}") if status in _STATUSES else same(status),
                    done=done,
                    planned=_plain(planned),
                )
            )
    if run.final is None:
        notes.append(text("missing_final", run_dir=str(run.run_dir)))
    if not (run.run_dir / BEST_NAME).is_file():
        notes.append(text("missing_best"))
    # a missing dataset is missing input; "not requested" or "no best.pt" (above) are not new
    if analysis_note is not None and analysis_note not in (
        text("analysis_off"),
        text("analysis_no_model"),
    ):
        notes.append(analysis_note)
    return notes


_STATUSES = ("complete", "interrupted", "running", "pending")


# --------------------------------------------------------------------------- section builders


def _overview(run: _Run) -> Table:
    record = run.record
    versions = record.get("library_versions") or {}
    dataset = run.dataset
    tiles = dataset.get("tiles") or {}
    base = record.get("base_model") or {}
    planned = sum(int(p.get("epochs") or 0) for p in run.phases)
    rows: list[list[Cell]] = [
        [text("ov_run_dir"), str(run.run_dir)],
        [text("ov_created"), _plain(record.get("created_utc"))],
        [
            text("ov_finished"),
            _plain(record.get("finished_utc"))
            if record.get("finished_utc")
            else text("not_finished"),
        ],
        [text("ov_versions"), ", ".join(f"{k} {v}" for k, v in versions.items()) or "—"],
        [text("ov_device"), _plain(record.get("device"))],
        [text("ov_base_model"), _plain(base.get("path"))],
        [text("ov_dataset"), _plain(dataset.get("data_yaml"))],
        [text("ov_classes"), ", ".join(run.class_names) or "—"],
        [
            text("ov_tiles"),
            text(
                "ov_tiles_value",
                train=_plain(tiles.get("train")),
                val=_plain(tiles.get("val")),
                size=_plain(dataset.get("tile_size_px")),
                pixel=_plain(dataset.get("pixel_size_m")),
            ),
        ],
        [
            text("ov_phases"),
            same(", ").join([_phase_label(p["name"]) for p in run.phases])
            if run.phases
            else same("—"),
        ],
        [text("ov_epochs"), text("ov_epochs_value", recorded=len(run.epochs), planned=planned)],
    ]
    return Table([text("col_item"), text("col_value")], rows, key="overview")


def _reference_points(run: _Run) -> list[tuple[Bi, dict[str, Any] | None, str]]:
    """The columns of the primary-metrics table: (header, entry, source)."""
    points: list[tuple[Bi, dict[str, Any] | None, str]] = []
    if run.epochs:
        first = run.epochs[0]
        points.append((text("col_baseline", epoch=first["epoch"]), first, "epoch"))
    for phase in run.present_phases:
        last = run.phase_epochs(phase["name"])[-1]
        points.append(
            (
                text("col_end_of_phase", phase=_phase_name(phase["name"]), epoch=last["epoch"]),
                last,
                "epoch",
            )
        )
    if run.final is not None:
        points.append((text("col_final_model"), run.final.get("overall"), "final"))
    return points


def _section_primary(run: _Run) -> Section:
    section = Section("primary", text("sec_primary"))
    points = _reference_points(run)
    if not points:
        section.blocks.append(Note(text("missing_no_metrics")))
        return section
    baseline = points[0][1] if points[0][2] == "epoch" else None
    last = points[-1][1]
    headers: list[Cell] = [text("col_metric"), *(p[0] for p in points)]
    if baseline is not None and len(points) > 1:
        headers.append(text("col_total_improvement"))
    rows = []
    order = [
        ("mask", "map50"),
        ("mask", "map50_95"),
        ("box", "map50"),
        ("box", "map50_95"),
        ("box", "precision"),
        ("box", "recall"),
        ("mask", "precision"),
        ("mask", "recall"),
    ]
    for kind, metric in order:
        key = f"{kind}.{metric}"
        row: list[Cell] = [_metric_label(kind, metric)]
        row.extend(_pct(_value(entry, key)) for _, entry, _ in points)
        if baseline is not None and len(points) > 1:
            old, new = _value(baseline, key), _value(last, key)
            change = None if old is None or new is None else new - old
            row.append(f"{_relative(new, old)} ({_pp(change)})")
        rows.append(row)
    section.blocks.append(Table(headers, rows, caption=text("primary_caption"), key="primary"))
    if baseline is not None and len(points) > 1:
        old, new = _value(baseline, "mask.map50"), _value(last, "mask.map50")
        if old is not None and new is not None:
            section.blocks.append(
                Paragraph(
                    text(
                        "primary_summary_final"
                        if points[-1][2] == "final"
                        else "primary_summary_epoch",
                        start=_pct(old),
                        epoch=baseline["epoch"],
                        end=_pct(new),
                        last=run.epochs[-1]["epoch"],
                        pp=_pp(new - old),
                        relative=_relative(new, old),
                    )
                )
            )
    if run.final is None:
        section.blocks.append(Note(text("missing_final_short")))
    return section


def _section_milestones(run: _Run, thresholds: ReportThresholds) -> Section:
    section = Section("milestones", text("sec_milestones"))
    if not run.epochs:
        section.blocks.append(Note(text("missing_no_epochs")))
        return section
    items = []
    for key, level in thresholds.milestones:
        kind, metric = key.split(".")
        label = text("milestone_label", level=_pct(level, 0), metric=_metric_label(kind, metric))
        reached = next((e for e in run.epochs if (_value(e, key) or 0.0) >= level - 1e-12), None)
        if reached is not None:
            items.append(
                text(
                    "milestone_reached",
                    label=label,
                    epoch=reached["epoch"],
                    value=_pct(_value(reached, key)),
                )
            )
        else:
            best = max(run.epochs, key=lambda e: _value(e, key) or 0.0)
            items.append(
                text(
                    "milestone_not_reached",
                    label=label,
                    best=_pct(_value(best, key)),
                    epoch=best["epoch"],
                )
            )
    section.blocks.append(Bullets(items))
    section.blocks.append(Paragraph(text("milestone_rule")))
    return section


def _deltas(values: list[float], prior: float | None) -> list[float | None]:
    """Epoch-to-epoch changes; the first is relative to ``prior`` (the previous phase)."""
    previous = [prior, *values[:-1]]
    return [None if p is None else v - p for v, p in zip(values, previous, strict=True)]


def _phase_observations(run: _Run, phase: dict[str, Any], thresholds: ReportThresholds) -> list[Bi]:
    entries = run.phase_epochs(phase["name"])
    reference = run.phase_reference(phase["name"])
    values = [_value(e, "mask.map50") or 0.0 for e in entries]
    prior = _value(reference, "mask.map50") if reference else None
    start = prior if prior is not None else values[0]
    start_epoch = reference["epoch"] if reference else entries[0]["epoch"]
    notes = []
    if len(entries) == 1 and reference is None:
        notes.append(text("obs_single_epoch", value=_pct(values[0]), epoch=entries[0]["epoch"]))
    else:
        notes.append(
            text(
                "obs_phase_change",
                start=_pct(start),
                start_epoch=start_epoch,
                end=_pct(values[-1]),
                end_epoch=entries[-1]["epoch"],
                pp=_pp(values[-1] - start),
                relative=_relative(values[-1], start),
                epochs=len(entries),
            )
        )
    all_zero = all(v == 0 for v in values) and not prior
    if all_zero:
        notes.append(text("obs_all_zero"))
    deltas = _deltas(values, prior)
    fast = [
        (e["epoch"], d)
        for e, d in zip(entries, deltas, strict=True)
        if d is not None and d >= thresholds.fast_gain
    ]
    drops = [
        (e["epoch"], d)
        for e, d in zip(entries, deltas, strict=True)
        if d is not None and d < -thresholds.regression_drop
    ]
    if fast:
        notes.append(text("obs_fast", epochs=", ".join(f"{n} ({_pp(d)})" for n, d in fast)))
    if drops:
        notes.append(text("obs_regression", epochs=", ".join(f"{n} ({_pp(d)})" for n, d in drops)))
    if not all_zero:
        for first, last in _plateaus(entries, deltas, thresholds):
            notes.append(
                text(
                    "obs_plateau", first=first, last=last, change=_pp_abs(thresholds.plateau_change)
                )
            )
    best = max(range(len(values)), key=lambda i: values[i])
    if not all_zero and best != len(values) - 1:
        notes.append(
            text(
                "obs_best_not_last",
                epoch=entries[best]["epoch"],
                value=_pct(values[best]),
                last=_pct(values[-1]),
            )
        )
    loss_start = _total_loss((reference or entries[0]).get("train_loss"))
    loss_end = _total_loss(entries[-1].get("train_loss"))
    if loss_start is not None and loss_end is not None and (reference or len(entries) > 1):
        notes.append(
            text(
                "obs_loss",
                start=_loss(loss_start),
                end=_loss(loss_end),
                relative=_relative(loss_end, loss_start),
            )
        )
    if len(notes) == 1 + all_zero and not fast and not drops and len(entries) > 1:
        notes.append(text("obs_steady"))
    return notes


def _plateaus(
    entries: Sequence[dict[str, Any]], deltas: Sequence[float | None], thresholds: ReportThresholds
) -> list[tuple[int, int]]:
    runs, current = [], []
    for i, change in enumerate(deltas):
        if change is not None and abs(change) < thresholds.plateau_change:
            current.append(i)
            continue
        if len(current) >= thresholds.plateau_epochs:
            runs.append(current)
        current = []
    if len(current) >= thresholds.plateau_epochs:
        runs.append(current)
    # a run of changes i..j spans from the epoch before i to epoch j
    return [
        (
            entries[r[0] - 1]["epoch"] if r[0] > 0 else entries[r[0]]["epoch"] - 1,
            entries[r[-1]]["epoch"],
        )
        for r in runs
    ]


def _section_epochs(run: _Run, thresholds: ReportThresholds) -> Section:
    section = Section("epochs", text("sec_epochs"))
    if not run.epochs:
        section.blocks.append(Note(text("missing_no_epochs")))
        return section
    losses = _loss_names(run)
    for phase in run.present_phases:
        entries = run.phase_epochs(phase["name"])
        reference = run.phase_reference(phase["name"]) or entries[0]
        section.blocks.append(Heading(_phase_title(phase, entries)))
        headers: list[Cell] = [
            text("col_epoch"),
            text("col_lr"),
            *(text(f"metric_{m}") for m in METRICS[2:]),
            *(text(f"metric_{m}") for m in METRICS[:2]),
            *(text("col_loss", name=text(f"loss_{n}")) for n in losses),
            text("col_change_vs", epoch=reference["epoch"]),
        ]
        rows = []
        base = _value(reference, "mask.map50")
        for entry in entries:
            value = _value(entry, "mask.map50")
            change = None if value is None or base is None else value - base
            rows.append(
                [
                    str(entry["epoch"]),
                    _plain(entry.get("lr")),
                    _pct(value),
                    _pct(_value(entry, "mask.map50_95")),
                    _pct(_value(entry, "mask.precision")),
                    _pct(_value(entry, "mask.recall")),
                    *(_loss(_value(entry, f"train_loss.{n}")) for n in losses),
                    f"{_pp(change)} ({_relative(value, base)})",
                ]
            )
        section.blocks.append(
            Table(
                headers,
                rows,
                caption=text("epochs_caption", epoch=reference["epoch"]),
                key=f"epochs-{phase['name']}",
            )
        )
        section.blocks.append(Heading(text("observations")))
        section.blocks.append(Bullets(_phase_observations(run, phase, thresholds)))
    section.blocks.append(
        Paragraph(
            text(
                "obs_rules",
                fast=_pp_abs(thresholds.fast_gain),
                drop=_pp_abs(thresholds.regression_drop),
                flat=_pp_abs(thresholds.plateau_change),
                count=thresholds.plateau_epochs,
            )
        )
    )
    return section


def _relative_slope(values: Sequence[float]) -> float | None:
    """Least-squares slope per epoch divided by the mean magnitude."""
    n = len(values)
    if n < 2:
        return None
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    if mean_y == 0:
        return None
    slope = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values)) / sum(
        (i - mean_x) ** 2 for i in range(n)
    )
    return slope / abs(mean_y)


def overfitting_risk(
    run_dir_or_record: Any, thresholds: ReportThresholds | None = None
) -> dict[int, dict[str, Any]]:
    """Per epoch: training and validation loss trends and the overfitting risk.

    The rule (stated in the report): over the last ``overfit_window`` epochs of the same phase,
    fit the relative slope per epoch of the total training and validation losses. Risk is
    ``high`` when validation rises (slope > +tol) while training falls (slope < -tol),
    ``moderate`` when validation is flat (|slope| <= tol) while training falls, ``none``
    otherwise, and ``n/a`` with fewer than two epochs in the window.
    """
    thresholds = thresholds or ReportThresholds()
    run = (
        run_dir_or_record
        if isinstance(run_dir_or_record, _Run)
        else _Run(Path(run_dir_or_record), load_record(run_dir_or_record))
    )
    tolerance = thresholds.overfit_slope
    result = {}
    for phase in run.present_phases:
        entries = run.phase_epochs(phase["name"])
        for i, entry in enumerate(entries):
            window = entries[max(0, i - thresholds.overfit_window + 1) : i + 1]
            train = [_total_loss(e.get("train_loss")) for e in window]
            val = [_total_loss(e.get("val_loss")) for e in window]
            train_slope = val_slope = None
            if None not in train and None not in val:
                train_slope, val_slope = _relative_slope(train), _relative_slope(val)
            if train_slope is None or val_slope is None:
                risk = "na"
            elif val_slope > tolerance and train_slope < -tolerance:
                risk = "high"
            elif abs(val_slope) <= tolerance and train_slope < -tolerance:
                risk = "moderate"
            else:
                risk = "none"
            result[entry["epoch"]] = {"risk": risk, "train": train_slope, "val": val_slope}
    return result


def _slope_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def _section_losses(run: _Run, thresholds: ReportThresholds, figures: _Figures) -> Section:
    section = Section("losses", text("sec_losses"))
    if not run.epochs:
        section.blocks.append(Note(text("missing_no_epochs")))
        return section
    losses = _loss_names(run)
    first_total = _total_loss(run.epochs[0].get("train_loss"))
    section.blocks.append(Heading(text("losses_train_title")))
    rows = []
    for entry in run.epochs:
        total = _total_loss(entry.get("train_loss"))
        rows.append(
            [
                str(entry["epoch"]),
                _phase_label(entry.get("phase", "main")),
                *(_loss(_value(entry, f"train_loss.{n}")) for n in losses),
                _loss(total),
                text("baseline") if entry is run.epochs[0] else _relative(total, first_total),
            ]
        )
    section.blocks.append(
        Table(
            [
                text("col_epoch"),
                text("col_phase"),
                *(text("col_loss", name=text(f"loss_{n}")) for n in losses),
                text("col_total_loss"),
                text("col_total_reduction"),
            ],
            rows,
            caption=text("losses_train_caption", epoch=run.epochs[0]["epoch"]),
            key="train-losses",
        )
    )
    # per-loss reduction, overall and by phase
    phases = run.present_phases
    headers: list[Cell] = [
        text("col_loss_name"),
        text("col_first_epoch"),
        text("col_last_epoch"),
        text("col_total_change"),
    ]
    headers.extend(text("col_phase_change", phase=_phase_name(p["name"])) for p in phases)
    rows = []
    last = run.epochs[-1]
    for name in [*losses, "total"]:

        def get(entry: dict[str, Any], name: str = name) -> float | None:
            if name == "total":
                return _total_loss(entry.get("train_loss"))
            return _value(entry, f"train_loss.{name}")

        row: list[Cell] = [
            text("col_total_loss") if name == "total" else text(f"loss_{name}"),
            _loss(get(run.epochs[0])),
            _loss(get(last)),
            _relative(get(last), get(run.epochs[0])),
        ]
        for phase in phases:
            entries = run.phase_epochs(phase["name"])
            start = run.phase_reference(phase["name"])
            if start is None and len(entries) == 1:
                row.append("—")  # a first phase of one epoch spans no change
            else:
                row.append(_relative(get(entries[-1]), get(start or entries[0])))
        rows.append(row)
    section.blocks.append(Heading(text("losses_reduction_title")))
    section.blocks.append(
        Table(headers, rows, caption=text("losses_reduction_caption"), key="loss-reduction")
    )
    reductions = []
    for name in losses:
        a, b = _value(run.epochs[0], f"train_loss.{name}"), _value(last, f"train_loss.{name}")
        if a and b is not None:
            reductions.append(((b - a) / abs(a), name))
    if reductions and len(run.epochs) > 1:
        change, name = min(reductions)
        section.blocks.append(
            Paragraph(
                text("losses_largest", name=text(f"loss_{name}"), change=f"{change * 100:+.1f}%")
            )
        )
    # validation losses and overfitting risk
    risks = overfitting_risk(run, thresholds)
    section.blocks.append(Heading(text("losses_val_title")))
    rows = []
    for entry in run.epochs:
        risk = risks.get(entry["epoch"], {"risk": "na", "train": None, "val": None})
        rows.append(
            [
                str(entry["epoch"]),
                *(_loss(_value(entry, f"val_loss.{n}")) for n in losses),
                _loss(_total_loss(entry.get("val_loss"))),
                _slope_text(risk["train"]),
                _slope_text(risk["val"]),
                text(f"risk_{risk['risk']}"),
            ]
        )
    section.blocks.append(
        Table(
            [
                text("col_epoch"),
                *(text("col_val_loss", name=text(f"loss_{n}")) for n in losses),
                text("col_val_total"),
                text("col_train_trend"),
                text("col_val_trend"),
                text("col_overfitting"),
            ],
            rows,
            caption=text("losses_val_caption"),
            key="val-losses",
        )
    )
    counts = {k: sum(r["risk"] == k for r in risks.values()) for k in ("high", "moderate", "na")}
    section.blocks.append(
        Paragraph(
            text(
                "overfit_summary",
                high=counts["high"],
                moderate=counts["moderate"],
                na=counts["na"],
                total=len(run.epochs),
            )
        )
    )
    section.blocks.append(
        Paragraph(
            text(
                "overfit_rule",
                window=thresholds.overfit_window,
                tol=f"{thresholds.overfit_slope * 100:.1f}%",
            )
        )
    )
    section.blocks.append(figures.losses(run))
    return section


def _class_metrics(entry: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    classes = (entry or {}).get("classes")
    return classes.get(name) if isinstance(classes, dict) else None


def _gap(metrics: dict[str, float]) -> tuple[float, str, str] | None:
    if len(metrics) < 2:
        return None
    best = max(metrics, key=metrics.get)
    worst = min(metrics, key=metrics.get)
    return metrics[best] - metrics[worst], best, worst


def _gap_text(gap: tuple[float, str, str] | None, values: dict[str, float], key: str) -> Bi:
    if gap is None:
        return text(f"{key}_missing")
    if gap[0] == 0:
        return text(f"{key}_equal", value=_pct(values[gap[1]]))
    return text(key, gap=_pp_abs(gap[0]), best=gap[1], worst=gap[2])


def _section_classes(run: _Run, figures: _Figures) -> Section:
    section = Section("classes", text("sec_classes"))
    names = run.class_names
    if not names:
        section.blocks.append(Note(text("missing_classes")))
        return section
    instances = run.dataset.get("instances") or {}
    ratios = run.dataset.get("ratios") or {}
    weights = run.record.get("class_weights")
    final = run.final
    section.blocks.append(Heading(text("classes_mask_title")))
    headers: list[Cell] = [
        text("col_class"),
        text("col_instances"),
        text("col_share"),
        text("col_class_weight"),
    ]
    if final is not None:
        headers.append(text("col_val_instances"))
        headers.extend(_metric_label("mask", m) for m in METRICS)
    rows = []
    for name in names:
        weight = (weights or {}).get(name)
        row: list[Cell] = [
            name,
            f"{instances[name]:,}" if name in instances else "—",
            _pct(ratios.get(name), 1) if name in ratios else "—",
            f"{weight:.2f}" if isinstance(weight, int | float) else text("unweighted"),
        ]
        if final is not None:
            entry = _class_metrics(final, name) or {}
            count = entry.get("instances")
            row.append(f"{count:,}" if isinstance(count, int) else "—")
            mask = entry.get("mask")
            row.extend(
                _pct(mask.get(m)) if mask else text("no_val_instances") if i == 0 else "—"
                for i, m in enumerate(METRICS)
            )
        rows.append(row)
    section.blocks.append(Table(headers, rows, caption=text("classes_caption"), key="classes-mask"))
    if final is None:
        section.blocks.append(Note(text("missing_final_classes")))
    else:
        section.blocks.append(Heading(text("classes_box_title")))
        rows = []
        for name in names:
            box = (_class_metrics(final, name) or {}).get("box")
            rows.append(
                [
                    name,
                    *(
                        _pct(box.get(m)) if box else text("no_val_instances") if i == 0 else "—"
                        for i, m in enumerate(METRICS)
                    ),
                ]
            )
        section.blocks.append(
            Table(
                [text("col_class"), *(_metric_label("box", m) for m in METRICS)],
                rows,
                key="classes-box",
            )
        )
    # improvement from the baseline epoch, only when per-class figures per epoch exist
    section.blocks.append(Heading(text("classes_improvement_title")))
    baseline = run.epochs[0] if run.epochs else None
    per_class_baseline = baseline is not None and isinstance(baseline.get("classes"), dict)
    final_map = {
        n: m["mask"]["map50"]
        for n in names
        if (m := _class_metrics(final, n)) and isinstance(m.get("mask"), dict)
    }
    base_map: dict[str, float] = {}
    if per_class_baseline and final is not None:
        rows = []
        for name in names:
            before = _value(_class_metrics(baseline, name), "mask.map50")
            after = final_map.get(name)
            if before is not None:
                base_map[name] = before
            weight = (weights or {}).get(name)
            rows.append(
                [
                    name,
                    f"{weight:.2f}" if isinstance(weight, int | float) else "—",
                    _pct(before),
                    _pct(after),
                    _pp(None if before is None or after is None else after - before),
                    _relative(after, before),
                ]
            )
        section.blocks.append(
            Table(
                [
                    text("col_class"),
                    text("col_class_weight"),
                    text("col_baseline_map", epoch=baseline["epoch"]),
                    text("col_final_map"),
                    text("col_change_pp"),
                    text("col_change_rel"),
                ],
                rows,
                key="classes-improvement",
            )
        )
    else:
        overall = _value(baseline, "mask.map50") if baseline else None
        section.blocks.append(
            Note(
                text(
                    "classes_no_baseline",
                    overall=_pct(overall),
                    epoch=baseline["epoch"] if baseline else "—",
                ),
                kind="info",
            )
        )
    # class balance effect
    section.blocks.append(Heading(text("classes_balance_title")))
    after_gap, before_gap = _gap(final_map), _gap(base_map)
    items = [
        _gap_text(before_gap, base_map, "balance_before"),
        _gap_text(after_gap, final_map, "balance_after"),
    ]
    if before_gap is not None and after_gap is not None:
        narrowed = after_gap[0] < before_gap[0]
        items.append(
            text(
                "balance_narrowed" if narrowed else "balance_widened",
                change=_pp(after_gap[0] - before_gap[0]),
            )
        )
    excluded = [n for n in names if final is not None and n not in final_map]
    if excluded:
        items.append(text("balance_excluded", classes=", ".join(excluded)))
    section.blocks.append(Bullets(items))
    if final is not None:
        section.blocks.append(figures.classes(run))
    if instances:
        section.blocks.append(figures.distribution(run))
    return section


_SETTING_KEYS = ("epochs", "lr0", "lrf", "imgsz", "copy_paste")


def _section_phases(run: _Run) -> Section:
    section = Section("phases", text("sec_phases"))
    if not run.phases:
        section.blocks.append(Note(text("missing_phases")))
        return section
    rows = []
    for phase in run.phases:
        entries = run.phase_epochs(phase["name"])
        status = phase.get("status", "complete")
        status_cell = text(f"status_{status}") if status in _STATUSES else same(str(status))
        if not entries:
            rows.append(
                [_phase_label(phase["name"]), "—", status_cell, "—", "—", "—", "—", "—", "—"]
            )
            continue
        start = run.phase_reference(phase["name"]) or entries[0]
        end = entries[-1]
        cells: list[Cell] = [_phase_label(phase["name"]), _epochs_label(entries), status_cell]
        for key in ("mask.map50", "mask.map50_95"):
            a, b = _value(start, key), _value(end, key)
            cells.append(f"{_pct(a)} → {_pct(b)}")
            cells.append(f"{_pp(None if a is None or b is None else b - a)} ({_relative(b, a)})")
        a, b = _value(start, "mask.map50"), _value(end, "mask.map50")
        steps = end["epoch"] - start["epoch"]
        cells.append(_pp((b - a) / steps) if steps and a is not None and b is not None else "—")
        cells.append(
            _relative(_total_loss(end.get("train_loss")), _total_loss(start.get("train_loss")))
            if steps
            else "—"
        )
        rows.append(cells)
    section.blocks.append(Heading(text("phases_improvement_title")))
    section.blocks.append(
        Table(
            [
                text("col_phase"),
                text("col_epochs"),
                text("col_status"),
                text("col_start_end", metric=_metric_label("mask", "map50")),
                text("col_change"),
                text("col_start_end", metric=_metric_label("mask", "map50_95")),
                text("col_change"),
                text("col_per_epoch"),
                text("col_train_loss_change"),
            ],
            rows,
            caption=text("phases_caption"),
            key="phases",
        )
    )
    # the settings of each phase and what changed
    section.blocks.append(Heading(text("phases_settings_title")))
    augmentation_keys = list(
        dict.fromkeys(k for p in run.phases for k in (p.get("augmentation") or {}))
    )
    settings: list[tuple[Cell, Callable[[dict[str, Any]], Any]]] = [
        (text("set_epochs"), lambda p: f"{p.get('epochs_done', '—')} / {_plain(p.get('epochs'))}"),
        (text("set_lr0"), lambda p: _plain(p.get("lr0"))),
        (text("set_lrf"), lambda p: _plain(p.get("lrf"))),
        (text("set_imgsz"), lambda p: _plain(p.get("imgsz"))),
        (text("set_copy_paste"), lambda p: _plain(p.get("copy_paste"))),
        *(
            (
                text("set_augmentation", name=key),
                lambda p, key=key: _plain((p.get("augmentation") or {}).get(key)),
            )
            for key in augmentation_keys
        ),
        (text("set_class_weights"), lambda p: _weights_cell(p)),
        (text("set_started"), lambda p: _plain(p.get("started_utc"))),
        (text("set_finished"), lambda p: _plain(p.get("finished_utc"))),
    ]
    section.blocks.append(
        Table(
            [text("col_setting"), *(_phase_label(p["name"]) for p in run.phases)],
            [[label, *(getter(p) for p in run.phases)] for label, getter in settings],
            key="phase-settings",
        )
    )
    section.blocks.append(Heading(text("phases_changes_title")))
    if len(run.phases) < 2:
        section.blocks.append(Paragraph(text("phases_single")))
        return section
    for before, after in zip(run.phases, run.phases[1:], strict=False):
        items = _phase_changes(before, after)
        section.blocks.append(
            Paragraph(
                text("phases_between", a=_phase_name(before["name"]), b=_phase_name(after["name"]))
            )
        )
        section.blocks.append(Bullets(items))
    return section


def _weights_cell(phase: dict[str, Any]) -> Cell:
    weights = phase.get("class_weights_in_loss", "unknown")
    if weights == "unknown":
        return "—"
    if weights is None:
        return text("unweighted")
    return ", ".join(f"{w:g}" for w in weights)


def _ratio(a: Any, b: Any) -> str:
    if isinstance(a, int | float) and isinstance(b, int | float) and a:
        return f" (×{b / a:.3g})"
    return ""


def _phase_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Bi]:
    items = []
    unchanged = []
    labels = {
        "lr0": "set_lr0",
        "lrf": "set_lrf",
        "imgsz": "set_imgsz",
        "copy_paste": "set_copy_paste",
        "epochs": "set_epochs_planned",
    }
    for key in ("lr0", "lrf", "imgsz", "copy_paste", "epochs"):
        a, b = before.get(key), after.get(key)
        if a is None and b is None:
            continue
        if a != b:
            items.append(
                text(
                    "change_setting",
                    setting=text(labels[key]),
                    a=_plain(a),
                    b=_plain(b),
                    ratio=_ratio(a, b),
                )
            )
        else:
            unchanged.append(text("unchanged_setting", setting=text(labels[key]), value=_plain(a)))
    aug_a, aug_b = before.get("augmentation") or {}, after.get("augmentation") or {}
    changed = [k for k in dict.fromkeys([*aug_a, *aug_b]) if aug_a.get(k) != aug_b.get(k)]
    if changed:
        factors = {
            round(aug_b[k] / aug_a[k], 4)
            for k in changed
            if isinstance(aug_a.get(k), int | float)
            and isinstance(aug_b.get(k), int | float)
            and aug_a[k]
        }
        detail = ", ".join(f"{k} {_plain(aug_a.get(k))} → {_plain(aug_b.get(k))}" for k in changed)
        scale = f" (×{next(iter(factors)):g})" if len(factors) == 1 else ""
        items.append(text("change_augmentation", detail=detail, scale=scale))
    if aug_a and aug_b and not changed:
        unchanged.append(text("unchanged_augmentation"))
    weights_a = before.get("class_weights_in_loss", "unknown")
    weights_b = after.get("class_weights_in_loss", "unknown")
    if "unknown" not in (weights_a, weights_b):
        if weights_a != weights_b:
            items.append(text("change_class_weights"))
        else:
            unchanged.append(text("unchanged_class_weights"))
    if before.get("best_weights"):
        items.append(text("change_start_weights", weights=before["best_weights"]))
    if unchanged:
        items.append(text("unchanged_list", items=same("; ").join(unchanged)))
    return items or [text("no_changes")]


# --------------------------------------------------------------------------- analysis sections


def _section_features(
    analysis: dict[str, Any] | None, note: Bi | None, figures: _Figures
) -> Section:
    from landseg.reporting.analysis import NEAR_ZERO, feature_rows

    section = Section("features", text("sec_features"))
    if analysis is None:
        section.blocks.append(Note(note or text("analysis_off"), kind="info"))
        return section
    section.blocks.append(
        Paragraph(
            text(
                "features_intro",
                images=analysis["images"],
                split=analysis["split"],
                imgsz=analysis["imgsz"],
                model=Path(analysis["model"]).name,
            )
        )
    )
    section.blocks.append(
        Table(
            [text(k) for k in FEATURE_COLUMNS],
            feature_rows(analysis),
            caption=text("features_definitions", near_zero=NEAR_ZERO),
            key="features",
        )
    )
    section.blocks.append(Bullets(_feature_observations(analysis)))
    section.blocks.append(figures.features(analysis))
    return section


def _feature_observations(analysis: dict[str, Any]) -> list[Bi]:
    rows = [r for r in analysis["features"] if r["role"] != "head"]
    items = []
    if not rows:
        return [text("features_none")]
    sparse = max(rows, key=lambda r: r["near_zero"])
    items.append(
        text("features_most_sparse", layer=sparse["name"], share=_pct(sparse["near_zero"]))
    )
    widest = max(rows, key=lambda r: r["dynamic_range"])
    items.append(
        text("features_widest", layer=widest["name"], value=f"{widest['dynamic_range']:.3g}")
    )
    flat = [r["name"] for r in rows if r["std"] < 1e-3]
    if flat:
        items.append(text("features_collapsed", layers=", ".join(flat)))
    else:
        items.append(text("features_no_collapse"))
    return items


def _section_gradients(
    analysis: dict[str, Any] | None, note: Bi | None, figures: _Figures
) -> Section:
    from landseg.reporting.analysis import _number, gradient_rows

    section = Section("gradients", text("sec_gradients"))
    if analysis is None:
        section.blocks.append(Note(note or text("analysis_off"), kind="info"))
        return section
    gradients = analysis["gradients"]
    thresholds = analysis["thresholds"]
    items = gradients["loss"]["items"]
    weights = gradients.get("class_weights_in_loss")
    section.blocks.append(
        Paragraph(
            text(
                "gradients_intro",
                images=analysis["images"],
                batch=min(analysis["batch_size"], analysis["images"]),
                total=_number(gradients["total_grad_norm"]),
                loss=_number(gradients["loss"]["total"]),
                items=", ".join(f"{k} {v:.4f}" for k, v in items.items() if v or k != "sem"),
                weights=", ".join(f"{w:g}" for w in weights) if weights else text("unweighted"),
            )
        )
    )
    flags = {k: text(f"flag_{k}") for k in ("vanishing", "exploding", "dead", "ok")}
    by_language = {
        lang: gradient_rows(analysis, {k: v[lang] for k, v in flags.items()})
        for lang in flags["ok"]
    }
    rows = [
        [
            Bi({lang: by_language[lang][i][j] for lang in by_language}) if j == 5 else cell
            for j, cell in enumerate(row)
        ]
        for i, row in enumerate(by_language["en"])
    ]
    section.blocks.append(
        Table(
            [text(k) for k in GRADIENT_COLUMNS],
            rows,
            caption=text(
                "gradient_rule",
                vanishing=thresholds["vanishing"],
                exploding=thresholds["exploding"],
                dead=thresholds["dead_ratio"],
            ),
            key="gradients",
        )
    )
    issues = gradients["issues"]
    if issues:
        counts = {
            k: sum(i["kind"] == k for i in issues) for k in ("exploding", "vanishing", "dead")
        }
        section.blocks.append(
            Paragraph(
                text(
                    "gradient_issue_counts",
                    total=len(issues),
                    layers=len({i["layer"] for i in issues}),
                    **counts,
                    shown=min(len(issues), GRADIENT_ISSUES_SHOWN),
                )
            )
        )
        # the most extreme first: largest norms for exploding, smallest for the others
        extreme = sorted(
            issues,
            key=lambda i: -i["grad_norm"] if i["kind"] == "exploding" else i["grad_norm"],
        )
        section.blocks.append(
            Bullets(
                [
                    text(
                        "gradient_issue",
                        kind=flags[i["kind"]],
                        name=i["name"],
                        grad=_number(i["grad_norm"]),
                        ratio=_number(i["ratio"]),
                    )
                    for i in extreme[:GRADIENT_ISSUES_SHOWN]
                ]
            )
        )
    else:
        section.blocks.append(Paragraph(text("gradient_no_issues")))
    extra = []
    if gradients["frozen"]:
        extra.append(text("gradient_frozen", count=len(gradients["frozen"])))
    if gradients["without_gradient"]:
        extra.append(text("gradient_without", names=", ".join(gradients["without_gradient"][:10])))
    if extra:
        section.blocks.append(Bullets(extra))
    section.blocks.append(figures.gradients(analysis))
    return section


# --------------------------------------------------------------------------- summary


def _rating(value: float | None, bounds: tuple[float, float, float]) -> Bi:
    if value is None:
        return same("—")
    for name, bound in zip(("excellent", "good", "fair"), bounds, strict=True):
        if value >= bound:
            return text(f"rating_{name}")
    return text("rating_poor")


def _section_summary(
    run: _Run, thresholds: ReportThresholds, analysis: dict[str, Any] | None, missing: list[Bi]
) -> Section:
    section = Section("summary", text("sec_summary"))
    source_entry = (run.final or {}).get("overall") if run.final else None
    source = text("summary_source_final")
    if source_entry is None and run.epochs:
        source_entry = run.epochs[-1]
        source = text("summary_source_epoch", epoch=run.epochs[-1]["epoch"])
    rows: list[list[Cell]] = []
    if source_entry is not None:
        for kind, metric in (
            ("mask", "map50"),
            ("mask", "map50_95"),
            ("mask", "precision"),
            ("mask", "recall"),
            ("box", "map50"),
            ("box", "map50_95"),
        ):
            value = _value(source_entry, f"{kind}.{metric}")
            rows.append(
                [
                    _metric_label(kind, metric),
                    _pct(value),
                    _rating(value, thresholds.ratings[metric]),
                ]
            )
    values = [_value(e, "mask.map50") or 0.0 for e in run.epochs]
    if len(values) > 1:
        drops = [
            b - a for a, b in itertools.pairwise(values) if b - a < -thresholds.regression_drop
        ]
        if not drops:
            stability = text("stability_stable")
        elif min(drops) >= -thresholds.unstable_drop:
            stability = text("stability_minor", count=len(drops), worst=_pp(min(drops)))
        else:
            stability = text("stability_unstable", count=len(drops), worst=_pp(min(drops)))
        rows.append([text("ind_stability"), text("regressions_count", count=len(drops)), stability])
        best = max(values)
        if best > 0:
            reached = next(i for i, v in enumerate(values) if v >= 0.9 * best)
            share = (reached + 1) / len(values)
            fast, moderate = thresholds.convergence
            speed = text(
                "speed_fast"
                if share <= fast
                else "speed_moderate"
                if share <= moderate
                else "speed_slow"
            )
            rows.append(
                [
                    text("ind_convergence"),
                    text(
                        "convergence_value", epoch=run.epochs[reached]["epoch"], total=len(values)
                    ),
                    speed,
                ]
            )
        else:
            rows.append([text("ind_convergence"), "—", text("speed_na")])
    risks = overfitting_risk(run, thresholds)
    if risks:
        last_risk = risks[run.epochs[-1]["epoch"]]["risk"] if run.epochs else "na"
        worst = "high" if any(r["risk"] == "high" for r in risks.values()) else last_risk
        rows.append(
            [text("ind_overfitting"), text(f"risk_{last_risk}"), text(f"overfit_rating_{worst}")]
        )
    if analysis is not None:
        count = len(analysis["gradients"]["issues"])
        rows.append(
            [
                text("ind_gradients"),
                text("gradient_issue_count", count=count),
                text("gradients_healthy") if count == 0 else text("gradients_check"),
            ]
        )
    rows.append(
        [
            text("ind_completeness"),
            text("completeness_missing", count=len(missing))
            if missing
            else text("completeness_ok"),
            text("rating_complete") if not missing else text("rating_partial"),
        ]
    )
    section.blocks.append(
        Table(
            [text("col_indicator"), text("col_value"), text("col_rating")],
            rows,
            caption=source,
            key="summary",
        )
    )
    # the thresholds behind the ratings
    rule_rows = [
        [text(f"metric_{metric}"), *(f"≥ {_pct(b, 0)}" for b in bounds), f"< {_pct(bounds[2], 0)}"]
        for metric, bounds in thresholds.ratings.items()
    ]
    section.blocks.append(Heading(text("summary_rules_title")))
    section.blocks.append(
        Table(
            [
                text("col_metric"),
                text("rating_excellent"),
                text("rating_good"),
                text("rating_fair"),
                text("rating_poor"),
            ],
            rule_rows,
            key="rating-rules",
        )
    )
    section.blocks.append(
        Bullets(
            [
                text(
                    "rule_stability",
                    drop=_pp_abs(thresholds.regression_drop),
                    unstable=_pp_abs(thresholds.unstable_drop),
                ),
                text(
                    "rule_convergence",
                    fast=_pct(thresholds.convergence[0], 0),
                    moderate=_pct(thresholds.convergence[1], 0),
                ),
                text("rule_overfitting"),
            ]
        )
    )
    return section


# --------------------------------------------------------------------------- figures


class _Figures:
    """Builds the report's plots with labels in the report's languages."""

    def __init__(self, languages: Sequence[str]) -> None:
        self.languages = list(languages)

    def label(self, key: str, **values: Any) -> str:
        phrase = text(key, **values)
        return " / ".join(dict.fromkeys(phrase[lang] for lang in self.languages))

    def say(self, phrase: Bi) -> str:
        return " / ".join(dict.fromkeys(phrase[lang] for lang in self.languages))

    def _boundaries(self, run: _Run) -> list[tuple[float, str]]:
        lines = []
        for phase in run.present_phases[1:]:
            first = run.phase_epochs(phase["name"])[0]["epoch"]
            lines.append((first - 0.5, self.say(_phase_label(phase["name"]))))
        return lines

    def metrics(self, run: _Run, thresholds: ReportThresholds) -> Figure:
        from landseg.reporting.plots import Panel, line_figure

        x = [e["epoch"] for e in run.epochs]
        boundaries = self._boundaries(run)
        levels = sorted({v for k, v in thresholds.milestones if k == "mask.map50"})
        panels = [
            Panel(
                title=self.label("plot_map_title"),
                xlabel=self.label("col_epoch"),
                x=x,
                series={
                    self.say(_metric_label(k, m)): [_value(e, f"{k}.{m}") for e in run.epochs]
                    for k in KINDS
                    for m in ("map50", "map50_95")
                },
                percent=True,
                vlines=boundaries,
                hlines=[(v, _pct(v, 0)) for v in levels],
            ),
            Panel(
                title=self.label("plot_pr_title"),
                xlabel=self.label("col_epoch"),
                x=x,
                series={
                    self.say(_metric_label(k, m)): [_value(e, f"{k}.{m}") for e in run.epochs]
                    for k in KINDS
                    for m in ("precision", "recall")
                },
                percent=True,
                vlines=boundaries,
            ),
        ]
        png = line_figure(panels)
        return Figure("metrics", png, text("fig_metrics"))

    def losses(self, run: _Run) -> Figure:
        from landseg.reporting.plots import Panel, line_figure

        x = [e["epoch"] for e in run.epochs]
        boundaries = self._boundaries(run)
        panels = [
            Panel(
                title=self.label(title),
                xlabel=self.label("col_epoch"),
                ylabel=self.label("plot_loss"),
                x=x,
                series={
                    self.say(text(f"loss_{n}")): [_value(e, f"{part}.{n}") for e in run.epochs]
                    for n in _loss_names(run)
                },
                vlines=boundaries,
            )
            for part, title in (
                ("train_loss", "plot_train_loss_title"),
                ("val_loss", "plot_val_loss_title"),
            )
        ]
        return Figure("losses", line_figure(panels), text("fig_losses"))

    def classes(self, run: _Run) -> Figure:
        from landseg.reporting.plots import Panel, bar_figure

        names = run.class_names
        panels = [
            Panel(
                title=self.say(text(f"kind_{kind}")),
                categories=names,
                series={
                    self.say(text(f"metric_{m}")): [
                        _value(_class_metrics(run.final, n), f"{kind}.{m}") for n in names
                    ]
                    for m in METRICS
                },
                percent=True,
            )
            for kind in KINDS
        ]
        return Figure(
            "classes",
            bar_figure(panels, title=self.label("plot_classes_title")),
            text("fig_classes"),
        )

    def distribution(self, run: _Run) -> Figure:
        from landseg.reporting.plots import Panel, bar_figure

        names = run.class_names
        stats = run.dataset
        series: dict[str, list[float | None]] = {}
        for key, label in (
            ("train_instances", "plot_train_split"),
            ("val_instances", "plot_val_split"),
        ):
            if isinstance(stats.get(key), dict):
                series[self.label(label)] = [stats[key].get(n) for n in names]
        if not series:
            series[self.label("col_instances")] = [stats["instances"].get(n) for n in names]
        panels = [Panel(title=self.label("col_instances"), categories=names, series=series)]
        weights = run.record.get("class_weights")
        if weights:
            panels.append(
                Panel(
                    title=self.label("col_class_weight"),
                    categories=names,
                    series={self.label("col_class_weight"): [weights.get(n) for n in names]},
                    hlines=[(1.0, "1.0")],
                )
            )
        return Figure(
            "distribution",
            bar_figure(panels, title=self.label("plot_distribution")),
            text("fig_distribution"),
        )

    def features(self, analysis: dict[str, Any]) -> Figure:
        from landseg.reporting.plots import Panel, bar_figure

        # spatial maps only: the head's per-anchor outputs have other scales and meanings
        rows = [r for r in analysis["features"] if len(r["shape"]) == 3]
        names = [r["name"] for r in rows]
        panels = [
            Panel(
                title=self.label("col_mean"),
                categories=names,
                series={self.label("col_mean"): [r["mean"] for r in rows]},
            ),
            Panel(
                title=self.label("col_std"),
                categories=names,
                series={self.label("col_std"): [r["std"] for r in rows]},
                log=True,
            ),
            Panel(
                title=self.label("col_near_zero"),
                categories=names,
                series={
                    self.label("col_sparsity"): [r["sparsity"] for r in rows],
                    self.label("col_near_zero"): [r["near_zero"] for r in rows],
                },
                percent=True,
            ),
            Panel(
                title=self.label("col_dynamic_range"),
                categories=names,
                series={self.label("col_dynamic_range"): [r["dynamic_range"] for r in rows]},
                log=True,
            ),
        ]
        return Figure(
            "features",
            bar_figure(panels, title=self.label("plot_features_title")),
            text("fig_features"),
        )

    def gradients(self, analysis: dict[str, Any]) -> Figure:
        from landseg.reporting.plots import Panel, bar_figure

        rows = analysis["gradients"]["layers"]
        names = [f"{r['role']}.{r['layer']} {r['module']}" for r in rows]
        limits = analysis["thresholds"]
        panels = [
            Panel(
                title=self.label("col_grad_norm"),
                categories=names,
                series={
                    self.label("col_grad_norm"): [r["grad_norm"] for r in rows],
                    self.label("col_param_norm"): [r["param_norm"] for r in rows],
                },
                log=True,
                hlines=[
                    (limits["exploding"], self.label("flag_exploding")),
                    (limits["vanishing"], self.label("flag_vanishing")),
                ],
            ),
            Panel(
                title=self.label("col_ratio"),
                categories=names,
                series={self.label("col_ratio"): [r["ratio"] for r in rows]},
                log=True,
                hlines=[(limits["dead_ratio"], self.label("flag_dead"))],
            ),
        ]
        return Figure(
            "gradients",
            bar_figure(panels, columns=1, title=self.label("plot_gradients_title")),
            text("fig_gradients"),
        )


# --------------------------------------------------------------------------- assembly


def assemble_report(
    run_dir: str | Path,
    *,
    languages: Sequence[str] | str = ("en", "ja"),
    thresholds: ReportThresholds | Mapping[str, Any] | None = None,
    analysis: dict[str, Any] | None = None,
    analysis_note: Bi | None = None,
) -> Report:
    """The report's content (tables, text, figures) for a run, before rendering."""
    languages = check_languages(languages)
    thresholds = _thresholds(thresholds)
    run_dir = Path(run_dir).absolute()
    run = _Run(run_dir, load_record(run_dir))
    figures = _Figures(languages)
    if "ja" in languages:
        from landseg.reporting.plots import cjk_font

        cjk_font()  # fail early, with advice, when no Japanese font exists
    from landseg.reporting.plots import plotting

    with plotting(languages):
        missing = _missing(run, analysis_note if analysis is None else None)
        sections = [_section_primary(run)]
        if run.epochs:
            sections[0].blocks.append(figures.metrics(run, thresholds))
        sections += [
            _section_milestones(run, thresholds),
            _section_epochs(run, thresholds),
            _section_losses(run, thresholds, figures),
            _section_classes(run, figures),
            _section_phases(run),
            _section_features(analysis, analysis_note, figures),
            _section_gradients(analysis, analysis_note, figures),
            _section_summary(run, thresholds, analysis, missing),
        ]
    for number, section in enumerate(sections, 1):
        section.number = number
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return Report(
        title=text("report_title"),
        subtitle=run_dir.name,
        overview=_overview(run),
        missing=missing,
        sections=sections,
        footer=text("footer", version=__version__, time=now),
    )


# --------------------------------------------------------------------------- rendering


def _cell(cell: Cell, language: str) -> str:
    return cell[language] if isinstance(cell, dict) else str(cell)


def _md_cell(cell: Cell, language: str) -> str:
    return _cell(cell, language).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table, language: str) -> list[str]:
    headers = [_md_cell(h, language) for h in table.headers]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(c, language) for c in row) + " |" for row in table.rows]
    if table.caption is not None:
        lines = [f"*{table.caption[language]}*", "", *lines]
    return lines


def _joined(phrase: Bi, languages: Sequence[str]) -> str:
    return " | ".join(dict.fromkeys(phrase[lang] for lang in languages))


def _markdown_blocks(
    blocks: Sequence[Block], languages: Sequence[str], figure_links: Mapping[str, str]
) -> list[str]:
    label = {lang: text(f"language_{lang}")[lang] for lang in languages}
    multi = len(languages) > 1
    lines: list[str] = []

    def per_language(render: Callable[[str], list[str]]) -> None:
        for lang in languages:
            if multi:
                lines.extend([f"**{label[lang]}:**", ""])
            lines.extend(render(lang))
            lines.append("")

    for block in blocks:
        if isinstance(block, Heading):
            lines.extend([f"### {_joined(block.text, languages)}", ""])
        elif isinstance(block, Table):
            per_language(lambda lang, b=block: _md_table(b, lang))
        elif isinstance(block, Paragraph):
            per_language(lambda lang, b=block: [b.text[lang]])
        elif isinstance(block, Bullets):
            per_language(lambda lang, b=block: [f"- {item[lang]}" for item in b.items])
        elif isinstance(block, Note):
            title = text(_NOTE_TITLES[block.kind])
            for lang in languages:
                lines.extend([f"> **{title[lang]}:** {block.text[lang]}", ">"])
            lines[-1] = ""
        elif isinstance(block, Figure):
            caption = _joined(block.caption, languages)
            link = figure_links.get(block.name)
            if link:
                lines.extend([f"![{caption}]({link})", ""])
            lines.extend([f"*{caption}*", ""])
    return lines


def render_markdown(
    report: Report, languages: Sequence[str], *, figure_links: Mapping[str, str] | None = None
) -> str:
    """The report as Markdown; ``figure_links`` maps figure names to image paths."""
    languages = check_languages(languages)
    lines = [f"# {_joined(report.title, languages)}", "", f"**{report.subtitle}**", ""]
    if report.overview is not None:
        lines += _markdown_blocks([report.overview], languages, {})
    if report.missing:
        lines.extend([f"> **{_joined(text('missing_title'), languages)}**", ">"])
        lines.extend(f"> - {note[lang]}" for lang in languages for note in report.missing)
        lines.append("")
    lines.extend(["---", ""])
    for section in report.sections:
        lines.extend([f"## {section.heading(languages)}", ""])
        lines += _markdown_blocks(section.blocks, languages, figure_links or {})
        lines.extend(["---", ""])
    lines.append(f"*{_joined(report.footer, languages)}*")
    return "\n".join(lines) + "\n"


_CSS = """
:root { --ink: #1d2330; --muted: #5b6475; --rule: #d8dde6; --band: #f4f6fa; --accent: #2457a6; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo,
  "DejaVu Sans", sans-serif; color: var(--ink); margin: 0; padding: 24px 32px 48px;
  line-height: 1.5; font-size: 14px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px;
  border-bottom: 2px solid var(--accent); }
h3 { font-size: 16px; margin: 22px 0 8px; color: var(--accent); }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr));
  gap: 12px 28px; margin: 8px 0 14px; }
.pair.wide { grid-template-columns: 1fr; }
.lang-label { font-size: 11px; font-weight: 700; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; margin-bottom: 2px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; }
th { background: var(--band); text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tr:nth-child(even) td { background: #fafbfd; }
.caption { color: var(--muted); font-size: 12px; margin: 0 0 4px; }
.note { border-left: 4px solid #d08a00; background: #fff7e6; padding: 8px 12px; margin: 8px 0; }
.note.info { border-color: var(--accent); background: #eef3fb; }
.note b { margin-right: 4px; }
figure { margin: 12px 0 18px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 12px; }
ul { margin: 4px 0; padding-left: 20px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""


def _is_number(cell: str) -> bool:
    stripped = cell.replace("pp", "").replace("%", "").replace(",", "").replace("—", "").strip()
    stripped = stripped.split(" (")[0].lstrip("+-≥<→ ")
    try:
        float(stripped)
    except ValueError:
        return False
    return True


def _html_table(table: Table, language: str) -> str:
    esc = html.escape
    parts = []
    if table.caption is not None:
        parts.append(f'<p class="caption">{esc(table.caption[language])}</p>')
    parts.append(f'<div class="scroll"><table data-table="{esc(table.key)}">')
    parts.append(
        "<thead><tr>"
        + "".join(f"<th>{esc(_cell(h, language))}</th>" for h in table.headers)
        + "</tr></thead><tbody>"
    )
    for row in table.rows:
        cells = []
        for cell in row:
            value = _cell(cell, language)
            kind = ' class="num"' if not isinstance(cell, dict) and _is_number(value) else ""
            cells.append(f"<td{kind}>{esc(value)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def render_html(report: Report, languages: Sequence[str]) -> str:
    """The report as one self-contained HTML page (no external resources)."""
    languages = check_languages(languages)
    esc = html.escape
    multi = len(languages) > 1
    label = {lang: text(f"language_{lang}")[lang] for lang in languages}

    def pair(render: Callable[[str], str], *, wide: bool = False) -> str:
        columns = []
        for lang in languages:
            heading = f'<div class="lang-label">{esc(label[lang])}</div>' if multi else ""
            columns.append(f'<div lang="{lang}">{heading}{render(lang)}</div>')
        return f'<div class="pair{" wide" if wide else ""}">{"".join(columns)}</div>'

    body = [
        f"<h1>{esc(_joined(report.title, languages))}</h1>",
        f'<p class="subtitle">{esc(report.subtitle)}</p>',
    ]
    if report.overview is not None:
        body.append(pair(lambda lang: _html_table(report.overview, lang)))
    if report.missing:
        body.append(
            pair(
                lambda lang: (
                    '<div class="note"><b>'
                    + esc(text("missing_title")[lang])
                    + "</b><ul>"
                    + "".join(f"<li>{esc(n[lang])}</li>" for n in report.missing)
                    + "</ul></div>"
                )
            )
        )
    for section in report.sections:
        body.append(f'<section id="{section.key}">')
        body.append(f"<h2>{esc(section.heading(languages))}</h2>")
        for block in section.blocks:
            if isinstance(block, Heading):
                body.append(f"<h3>{esc(_joined(block.text, languages))}</h3>")
            elif isinstance(block, Table):
                body.append(
                    pair(lambda lang, b=block: _html_table(b, lang), wide=len(block.headers) > 5)
                )
            elif isinstance(block, Paragraph):
                body.append(pair(lambda lang, b=block: f"<p>{esc(b.text[lang])}</p>"))
            elif isinstance(block, Bullets):
                body.append(
                    pair(
                        lambda lang, b=block: (
                            "<ul>"
                            + "".join(f"<li>{esc(item[lang])}</li>" for item in b.items)
                            + "</ul>"
                        )
                    )
                )
            elif isinstance(block, Note):
                title = text(_NOTE_TITLES[block.kind])
                css = "note" if block.kind == "missing" else "note info"
                body.append(
                    pair(
                        lambda lang, b=block, t=title, c=css: (
                            f'<div class="{c}"><b>{esc(t[lang])}:</b>{esc(b.text[lang])}</div>'
                        )
                    )
                )
            elif isinstance(block, Figure):
                data = base64.b64encode(block.png).decode("ascii")
                body.append(
                    f'<figure><img alt="{esc(_joined(block.caption, languages))}" '
                    f'src="data:image/png;base64,{data}">'
                    f"<figcaption>{esc(_joined(block.caption, languages))}</figcaption></figure>"
                )
        body.append("</section>")
    body.append(f"<footer>{esc(_joined(report.footer, languages))}</footer>")
    html_lang = languages[0]
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(_joined(report.title, languages))} — {esc(report.subtitle)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- public API


def _figures_folder(markdown_path: Path) -> Path:
    return markdown_path.with_name(f"{markdown_path.stem}_figures")


def build_report(
    run_dir: str | Path,
    output_html: str | Path,
    *,
    languages: Sequence[str] | str = ("en", "ja"),
    markdown_path: str | Path | None = None,
    overwrite: bool = False,
    thresholds: ReportThresholds | Mapping[str, Any] | None = None,
    analysis: bool | dict[str, Any] = True,
    device: str = "cpu",
    max_images: int = 8,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write the bilingual HTML report of a training run (and optionally Markdown).

    Args:
        run_dir: A folder written by ``landseg train`` (holds ``record.json``).
        output_html: The HTML file to write; self-contained, plots embedded.
        languages: Report languages in display order, from ``en`` and ``ja`` (a list, or a
            comma-separated string such as ``"en,ja"``).
        markdown_path: Also write Markdown here; its figures go to ``<name>_figures/``.
        overwrite: Replace outputs that already exist.
        thresholds: :class:`ReportThresholds`, or a mapping of the fields to change.
        analysis: Add the feature-map and gradient analysis of ``best.pt`` on the run's
            validation images (needs the model and the dataset; skipped with a note otherwise);
            ``False`` leaves it out; a result of :func:`landseg.reporting.analysis.analyze_model` is
            used as it is.
        device: Device for the analysis.
        max_images: Validation images the analysis uses.
        progress: Called with (fraction, message).

    Returns:
        The path of the HTML report.

    Raises:
        RunRecordNotFoundError: ``run_dir`` holds no run record.
        RunRecordError: The record cannot be read.
        InvalidParameterError: Unknown language or threshold.
        OutputExistsError: An output exists and ``overwrite`` is false.
        FontNotFoundError: Japanese is asked for and no Japanese font is installed.
    """
    from landseg.io.atomic import atomic_output, check_output

    languages = check_languages(languages)
    thresholds = _thresholds(thresholds)
    run_dir = Path(run_dir).absolute()
    record = load_record(run_dir)
    if "ja" in languages:
        from landseg.reporting.plots import cjk_font

        cjk_font()  # before the analysis, which takes a while
    output_html = Path(output_html).absolute()
    markdown = Path(markdown_path).absolute() if markdown_path is not None else None
    check_output(output_html, overwrite=overwrite)
    if markdown is not None:
        check_output(markdown, overwrite=overwrite)
        check_output(_figures_folder(markdown), overwrite=overwrite)
    report_progress = progress or (lambda fraction, message: None)
    result, note = None, None
    if isinstance(analysis, dict):
        result = analysis
    elif analysis:
        report_progress(0.05, "feature-map and gradient analysis")
        result, note = _run_analysis(run_dir, record, thresholds, device, max_images)
    else:
        note = text("analysis_off")
    report_progress(0.5, "tables and plots")
    report = assemble_report(
        run_dir, languages=languages, thresholds=thresholds, analysis=result, analysis_note=note
    )
    report_progress(0.9, "writing")
    with atomic_output(output_html, overwrite=overwrite) as temporary:
        temporary.write_text(render_html(report, languages), encoding="utf-8")
    if markdown is not None:
        _write_markdown(report, languages, markdown, overwrite=overwrite)
    report_progress(1.0, f"report written to {output_html.name}")
    return output_html


def _write_markdown(
    report: Report, languages: Sequence[str], target: Path, *, overwrite: bool
) -> None:
    from landseg.io.atomic import atomic_output

    folder = _figures_folder(target)
    figures = [b for s in report.sections for b in s.blocks if isinstance(b, Figure)]
    links = {}
    staging = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        if figures:
            staging.mkdir()
            for number, figure in enumerate(figures, 1):
                name = f"{number:02d}-{figure.name}.png"
                (staging / name).write_bytes(figure.png)
                links[figure.name] = f"{folder.name}/{name}"
        with atomic_output(target, overwrite=overwrite) as temporary:
            temporary.write_text(
                render_markdown(report, languages, figure_links=links), encoding="utf-8"
            )
            if figures:
                if folder.exists():
                    shutil.rmtree(folder)
                os.replace(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _run_analysis(
    run_dir: Path,
    record: dict[str, Any],
    thresholds: ReportThresholds,
    device: str,
    max_images: int,
) -> tuple[dict[str, Any] | None, Bi | None]:
    from landseg.reporting.analysis import analyze_model

    model = run_dir / BEST_NAME
    data = (record.get("dataset") or {}).get("data_yaml")
    if not model.is_file():
        return None, text("analysis_no_model")
    if not data or not Path(data).is_file():
        return None, text("analysis_no_data", data=_plain(data))
    return (
        analyze_model(
            model, data, max_images=max_images, device=device, thresholds=thresholds.gradients
        ),
        None,
    )


def compare_runs(
    run_a: str | Path,
    run_b: str | Path,
    *,
    languages: Sequence[str] | str = ("en", "ja"),
    output_format: str = "markdown",
) -> str:
    """Per-class deltas of the final metrics, run B minus run A, in the report's languages.

    Args:
        run_a: The reference run folder (e.g. before fine-tuning).
        run_b: The run compared with it.
        languages: ``en`` and/or ``ja``.
        output_format: ``markdown`` (also fine in a terminal) or ``html``.

    Raises:
        RunRecordNotFoundError, RunRecordError: A run folder or record is missing or unusable,
            or a run has no final evaluation.
    """
    languages = check_languages(languages)
    if output_format not in ("markdown", "html"):
        raise InvalidParameterError(
            f"Unknown output format '{output_format}': use markdown or html."
        )
    runs = []
    for folder in (run_a, run_b):
        run = _Run(Path(folder).absolute(), load_record(folder))
        if run.final is None:
            raise RunRecordError(
                f"Run '{folder}' has no final evaluation (its training did not finish): "
                f"finish it with landseg train --resume {folder}, then compare again."
            )
        runs.append(run)
    a, b = runs
    blocks: list[Block] = [
        Table(
            [text("col_item"), "A", "B"],
            [
                [text("ov_run_dir"), str(a.run_dir), str(b.run_dir)],
                [
                    text("ov_dataset"),
                    _plain(a.dataset.get("data_yaml")),
                    _plain(b.dataset.get("data_yaml")),
                ],
                [text("ov_epochs"), str(len(a.epochs)), str(len(b.epochs))],
                [
                    text("ov_finished"),
                    _plain(a.record.get("finished_utc")),
                    _plain(b.record.get("finished_utc")),
                ],
            ],
            key="compare-runs",
        ),
    ]
    a_val = {n: (a.final["classes"].get(n) or {}).get("instances") for n in a.final["classes"]}
    b_val = {n: (b.final["classes"].get(n) or {}).get("instances") for n in b.final["classes"]}
    notes = []
    if a.dataset.get("data_yaml") != b.dataset.get("data_yaml") or a_val != b_val:
        notes.append(Note(text("compare_different_data"), kind="caution"))
    rows = []
    for kind in KINDS:
        for metric in METRICS:
            key = f"{kind}.{metric}"
            old, new = _value(a.final.get("overall"), key), _value(b.final.get("overall"), key)
            rows.append(
                [
                    _metric_label(kind, metric),
                    _pct(old),
                    _pct(new),
                    _pp(None if old is None or new is None else new - old),
                    _relative(new, old),
                ]
            )
    blocks.append(Heading(text("compare_overall")))
    blocks.append(
        Table(
            [text("col_metric"), "A", "B", text("col_delta"), text("col_change_rel")],
            rows,
            key="compare-overall",
        )
    )
    names = list(dict.fromkeys([*a.class_names, *b.class_names]))
    summary = []
    for kind in KINDS:
        rows = []
        gains: dict[str, float] = {}
        for name in names:
            ea = (_class_metrics(a.final, name) or {}).get(kind)
            eb = (_class_metrics(b.final, name) or {}).get(kind)
            row: list[Cell] = [name]
            for metric in ("map50", "map50_95"):
                old = ea.get(metric) if ea else None
                new = eb.get(metric) if eb else None
                row += [
                    _pct(old),
                    _pct(new),
                    _pp(None if old is None or new is None else new - old),
                ]
                if metric == "map50" and old is not None and new is not None:
                    gains[name] = new - old
            for metric in ("precision", "recall"):
                old = ea.get(metric) if ea else None
                new = eb.get(metric) if eb else None
                row.append(_pp(None if old is None or new is None else new - old))
            rows.append(row)
        blocks.append(Heading(text("compare_classes", kind=text(f"kind_{kind}"))))
        blocks.append(
            Table(
                [
                    text("col_class"),
                    text("col_run_metric", run="A", metric=text("metric_map50")),
                    text("col_run_metric", run="B", metric=text("metric_map50")),
                    text("col_delta_metric", metric=text("metric_map50")),
                    text("col_run_metric", run="A", metric=text("metric_map50_95")),
                    text("col_run_metric", run="B", metric=text("metric_map50_95")),
                    text("col_delta_metric", metric=text("metric_map50_95")),
                    text("col_delta_metric", metric=text("metric_precision")),
                    text("col_delta_metric", metric=text("metric_recall")),
                ],
                rows,
                caption=text("compare_caption"),
                key=f"compare-{kind}",
            )
        )
        if gains:
            better = sum(g > 0 for g in gains.values())
            best = max(gains, key=gains.get)
            worst = min(gains, key=gains.get)
            summary.append(
                text(
                    "compare_summary",
                    kind=text(f"kind_{kind}"),
                    better=better,
                    total=len(gains),
                    best=best,
                    best_gain=_pp(gains[best]),
                    worst=worst,
                    worst_gain=_pp(gains[worst]),
                )
            )
    missing = [n for n in names if n not in a.final["classes"] or n not in b.final["classes"]]
    if missing:
        notes.append(
            Note(text("compare_missing_classes", classes=", ".join(missing)), kind="caution")
        )
    if summary:
        blocks.append(Heading(text("compare_verdict")))
        blocks.append(Bullets(summary))
    section = Section("compare", text("compare_title"), [*notes, *blocks])
    if output_format == "markdown":
        lines = [f"# {_joined(section.title, languages)}", ""]
        lines += _markdown_blocks(section.blocks, languages, {})
        return "\n".join(lines).rstrip() + "\n"
    report = Report(
        title=text("compare_title"),
        subtitle=f"A = {a.run_dir.name}, B = {b.run_dir.name}",
        overview=None,
        missing=[],
        sections=[Section("compare", text("compare_deltas"), section.blocks)],
        footer=text(
            "footer",
            version=__version__,
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ),
    )
    return render_html(report, languages)
