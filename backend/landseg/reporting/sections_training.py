"""The report's overview, missing-data notes and training-progress sections (metrics, epochs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from landseg.reporting.blocks import Bullets, Cell, Heading, Note, Paragraph, Section, Table
from landseg.reporting.formatting import (
    loss_text,
    metric_label,
    pct,
    phase_label,
    phase_name,
    phase_title,
    plain,
    pp,
    pp_abs,
    relative,
    status_label,
)
from landseg.reporting.run_view import RunView, entry_value, loss_names, total_loss
from landseg.reporting.texts import Bi, same, text
from landseg.reporting.thresholds import METRICS, ReportThresholds
from landseg.training.record import BEST_NAME


def missing_notes(run: RunView, analysis_note: Bi | None) -> list[Bi]:
    """What the record lacks (epochs, phases, final evaluation, model, analysis input)."""
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
                    phase=phase_name(phase["name"]),
                    status=status_label(status),
                    done=done,
                    planned=plain(planned),
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


def overview_table(run: RunView) -> Table:
    """The run at a glance: folder, times, versions, dataset, phases and epochs."""
    record = run.record
    versions = record.get("library_versions") or {}
    dataset = run.dataset
    tiles = dataset.get("tiles") or {}
    base = record.get("base_model") or {}
    planned = sum(int(p.get("epochs") or 0) for p in run.phases)
    rows: list[list[Cell]] = [
        [text("ov_run_dir"), str(run.run_dir)],
        [text("ov_created"), plain(record.get("created_utc"))],
        [
            text("ov_finished"),
            plain(record.get("finished_utc"))
            if record.get("finished_utc")
            else text("not_finished"),
        ],
        [text("ov_versions"), ", ".join(f"{k} {v}" for k, v in versions.items()) or "—"],
        [text("ov_device"), plain(record.get("device"))],
        [text("ov_base_model"), plain(base.get("path"))],
        [text("ov_dataset"), plain(dataset.get("data_yaml"))],
        [text("ov_classes"), ", ".join(run.class_names) or "—"],
        [
            text("ov_tiles"),
            text(
                "ov_tiles_value",
                train=plain(tiles.get("train")),
                val=plain(tiles.get("val")),
                size=plain(dataset.get("tile_size_px")),
                pixel=plain(dataset.get("pixel_size_m")),
            ),
        ],
        *_objects_row(dataset.get("object_sizes")),
        [
            text("ov_phases"),
            same(", ").join([phase_label(p["name"]) for p in run.phases])
            if run.phases
            else same("—"),
        ],
        [text("ov_epochs"), text("ov_epochs_value", recorded=len(run.epochs), planned=planned)],
    ]
    return Table([text("col_item"), text("col_value")], rows, key="overview")


def _objects_row(sizes: dict[str, Any] | None) -> list[list[Cell]]:
    """How large the labelled objects were against the tiles (datasets that measured it)."""
    if not sizes or not sizes.get("count"):
        return []
    value = text(
        "ov_objects_value",
        count=plain(sizes["count"]),
        median=plain(sizes["extent_m"]["p50"]),
        p90=plain(sizes["extent_m"]["p90"]),
        whole=plain(f"{sizes['used']['seen_whole']:.0%}"),
    )
    return [[text("ov_objects"), value]]


def _reference_points(run: RunView) -> list[tuple[Bi, dict[str, Any] | None, str]]:
    """The columns of the primary-metrics table: (header, entry, source)."""
    points: list[tuple[Bi, dict[str, Any] | None, str]] = []
    if run.epochs:
        first = run.epochs[0]
        points.append((text("col_baseline", epoch=first["epoch"]), first, "epoch"))
    for phase in run.present_phases:
        last = run.phase_epochs(phase["name"])[-1]
        points.append(
            (
                text("col_end_of_phase", phase=phase_name(phase["name"]), epoch=last["epoch"]),
                last,
                "epoch",
            )
        )
    if run.final is not None:
        points.append((text("col_final_model"), run.final.get("overall"), "final"))
    return points


def section_primary(run: RunView) -> Section:
    """The primary metrics from the first epoch through each phase to the final model."""
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
        row: list[Cell] = [metric_label(kind, metric)]
        row.extend(pct(entry_value(entry, key)) for _, entry, _ in points)
        if baseline is not None and len(points) > 1:
            old, new = entry_value(baseline, key), entry_value(last, key)
            change = None if old is None or new is None else new - old
            row.append(f"{relative(new, old)} ({pp(change)})")
        rows.append(row)
    section.blocks.append(Table(headers, rows, caption=text("primary_caption"), key="primary"))
    if baseline is not None and len(points) > 1:
        old, new = entry_value(baseline, "mask.map50"), entry_value(last, "mask.map50")
        if old is not None and new is not None:
            section.blocks.append(
                Paragraph(
                    text(
                        "primary_summary_final"
                        if points[-1][2] == "final"
                        else "primary_summary_epoch",
                        start=pct(old),
                        epoch=baseline["epoch"],
                        end=pct(new),
                        last=run.epochs[-1]["epoch"],
                        pp=pp(new - old),
                        relative=relative(new, old),
                    )
                )
            )
    if run.final is None:
        section.blocks.append(Note(text("missing_final_short")))
    return section


def section_milestones(run: RunView, thresholds: ReportThresholds) -> Section:
    """The first epoch at or above each milestone."""
    section = Section("milestones", text("sec_milestones"))
    if not run.epochs:
        section.blocks.append(Note(text("missing_no_epochs")))
        return section
    items = []
    for key, level in thresholds.milestones:
        kind, metric = key.split(".")
        label = text("milestone_label", level=pct(level, 0), metric=metric_label(kind, metric))
        reached = next(
            (e for e in run.epochs if (entry_value(e, key) or 0.0) >= level - 1e-12), None
        )
        if reached is not None:
            items.append(
                text(
                    "milestone_reached",
                    label=label,
                    epoch=reached["epoch"],
                    value=pct(entry_value(reached, key)),
                )
            )
        else:
            best = max(run.epochs, key=lambda e: entry_value(e, key) or 0.0)
            items.append(
                text(
                    "milestone_not_reached",
                    label=label,
                    best=pct(entry_value(best, key)),
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


def _phase_observations(
    run: RunView, phase: dict[str, Any], thresholds: ReportThresholds
) -> list[Bi]:
    entries = run.phase_epochs(phase["name"])
    reference = run.phase_reference(phase["name"])
    values = [entry_value(e, "mask.map50") or 0.0 for e in entries]
    prior = entry_value(reference, "mask.map50") if reference else None
    start = prior if prior is not None else values[0]
    start_epoch = reference["epoch"] if reference else entries[0]["epoch"]
    notes = []
    if len(entries) == 1 and reference is None:
        notes.append(text("obs_single_epoch", value=pct(values[0]), epoch=entries[0]["epoch"]))
    else:
        notes.append(
            text(
                "obs_phase_change",
                start=pct(start),
                start_epoch=start_epoch,
                end=pct(values[-1]),
                end_epoch=entries[-1]["epoch"],
                pp=pp(values[-1] - start),
                relative=relative(values[-1], start),
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
        notes.append(text("obs_fast", epochs=", ".join(f"{n} ({pp(d)})" for n, d in fast)))
    if drops:
        notes.append(text("obs_regression", epochs=", ".join(f"{n} ({pp(d)})" for n, d in drops)))
    if not all_zero:
        for first, last in _plateaus(entries, deltas, thresholds):
            notes.append(
                text(
                    "obs_plateau", first=first, last=last, change=pp_abs(thresholds.plateau_change)
                )
            )
    best = max(range(len(values)), key=lambda i: values[i])
    if not all_zero and best != len(values) - 1:
        notes.append(
            text(
                "obs_best_not_last",
                epoch=entries[best]["epoch"],
                value=pct(values[best]),
                last=pct(values[-1]),
            )
        )
    loss_start = total_loss((reference or entries[0]).get("train_loss"))
    loss_end = total_loss(entries[-1].get("train_loss"))
    if loss_start is not None and loss_end is not None and (reference or len(entries) > 1):
        notes.append(
            text(
                "obs_loss",
                start=loss_text(loss_start),
                end=loss_text(loss_end),
                relative=relative(loss_end, loss_start),
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


def section_epochs(run: RunView, thresholds: ReportThresholds) -> Section:
    """Per phase, every epoch's figures and the observations drawn from them."""
    section = Section("epochs", text("sec_epochs"))
    if not run.epochs:
        section.blocks.append(Note(text("missing_no_epochs")))
        return section
    losses = loss_names(run)
    for phase in run.present_phases:
        entries = run.phase_epochs(phase["name"])
        reference = run.phase_reference(phase["name"]) or entries[0]
        section.blocks.append(Heading(phase_title(phase, entries)))
        headers: list[Cell] = [
            text("col_epoch"),
            text("col_lr"),
            *(text(f"metric_{m}") for m in METRICS[2:]),
            *(text(f"metric_{m}") for m in METRICS[:2]),
            *(text("col_loss", name=text(f"loss_{n}")) for n in losses),
            text("col_change_vs", epoch=reference["epoch"]),
        ]
        rows = []
        base = entry_value(reference, "mask.map50")
        for entry in entries:
            value = entry_value(entry, "mask.map50")
            change = None if value is None or base is None else value - base
            rows.append(
                [
                    str(entry["epoch"]),
                    plain(entry.get("lr")),
                    pct(value),
                    pct(entry_value(entry, "mask.map50_95")),
                    pct(entry_value(entry, "mask.precision")),
                    pct(entry_value(entry, "mask.recall")),
                    *(loss_text(entry_value(entry, f"train_loss.{n}")) for n in losses),
                    f"{pp(change)} ({relative(value, base)})",
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
                fast=pp_abs(thresholds.fast_gain),
                drop=pp_abs(thresholds.regression_drop),
                flat=pp_abs(thresholds.plateau_change),
                count=thresholds.plateau_epochs,
            )
        )
    )
    return section
