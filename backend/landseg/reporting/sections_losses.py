"""The report's loss section: training and validation losses and the overfitting risk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from landseg.reporting.blocks import Block, Cell, Heading, Note, Paragraph, Section, Table
from landseg.reporting.figures import Figures
from landseg.reporting.formatting import loss_text, phase_label, phase_name, relative
from landseg.reporting.run_view import RunView, entry_value, loss_names, total_loss
from landseg.reporting.texts import text
from landseg.reporting.thresholds import ReportThresholds
from landseg.training.record import load_record


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

    Args:
        run_dir_or_record: A run folder (holding ``record.json``) or a :class:`RunView`.
        thresholds: The window and tolerance; defaults to :class:`ReportThresholds`.

    Returns:
        Per epoch number: ``risk`` (``high``, ``moderate``, ``none`` or ``na``) and the
        ``train`` and ``val`` relative slopes (``None`` where they cannot be fitted).
    """
    thresholds = thresholds or ReportThresholds()
    run = (
        run_dir_or_record
        if isinstance(run_dir_or_record, RunView)
        else RunView(Path(run_dir_or_record), load_record(run_dir_or_record))
    )
    tolerance = thresholds.overfit_slope
    result = {}
    for phase in run.present_phases:
        entries = run.phase_epochs(phase["name"])
        for i, entry in enumerate(entries):
            window = entries[max(0, i - thresholds.overfit_window + 1) : i + 1]
            train = [total_loss(e.get("train_loss")) for e in window]
            val = [total_loss(e.get("val_loss")) for e in window]
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


def section_losses(run: RunView, thresholds: ReportThresholds, figures: Figures) -> Section:
    """Training losses, their reduction per phase, validation losses and overfitting risk."""
    section = Section("losses", text("sec_losses"))
    if not run.epochs:
        section.blocks.append(Note(text("missing_no_epochs")))
        return section
    losses = loss_names(run)
    section.blocks.append(Heading(text("losses_train_title")))
    section.blocks.append(_training_losses(run, losses))
    section.blocks.append(Heading(text("losses_reduction_title")))
    section.blocks.extend(_loss_reduction(run, losses))
    section.blocks.append(Heading(text("losses_val_title")))
    section.blocks.extend(_validation_losses(run, losses, thresholds))
    section.blocks.append(figures.losses(run))
    return section


def _training_losses(run: RunView, losses: Sequence[str]) -> Table:
    """Every epoch's training losses and the total's reduction from the first epoch."""
    first_total = total_loss(run.epochs[0].get("train_loss"))
    rows = []
    for entry in run.epochs:
        total = total_loss(entry.get("train_loss"))
        rows.append(
            [
                str(entry["epoch"]),
                phase_label(entry.get("phase", "main")),
                *(loss_text(entry_value(entry, f"train_loss.{n}")) for n in losses),
                loss_text(total),
                text("baseline") if entry is run.epochs[0] else relative(total, first_total),
            ]
        )
    return Table(
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


def _loss_reduction(run: RunView, losses: Sequence[str]) -> list[Block]:
    """Per loss, the change over the run and within each phase, and the largest reduction."""
    phases = run.present_phases
    headers: list[Cell] = [
        text("col_loss_name"),
        text("col_first_epoch"),
        text("col_last_epoch"),
        text("col_total_change"),
    ]
    headers.extend(text("col_phase_change", phase=phase_name(p["name"])) for p in phases)
    rows = [_reduction_row(run, name) for name in [*losses, "total"]]
    blocks: list[Block] = [
        Table(headers, rows, caption=text("losses_reduction_caption"), key="loss-reduction")
    ]
    last = run.epochs[-1]
    reductions = []
    for name in losses:
        a, b = (
            entry_value(run.epochs[0], f"train_loss.{name}"),
            entry_value(last, f"train_loss.{name}"),
        )
        if a and b is not None:
            reductions.append(((b - a) / abs(a), name))
    if reductions and len(run.epochs) > 1:
        change, name = min(reductions)
        blocks.append(
            Paragraph(
                text("losses_largest", name=text(f"loss_{name}"), change=f"{change * 100:+.1f}%")
            )
        )
    return blocks


def _reduction_row(run: RunView, name: str) -> list[Cell]:
    """One row of the loss-reduction table: a loss component, or ``total``."""

    def get(entry: dict[str, Any]) -> float | None:
        if name == "total":
            return total_loss(entry.get("train_loss"))
        return entry_value(entry, f"train_loss.{name}")

    last = run.epochs[-1]
    row: list[Cell] = [
        text("col_total_loss") if name == "total" else text(f"loss_{name}"),
        loss_text(get(run.epochs[0])),
        loss_text(get(last)),
        relative(get(last), get(run.epochs[0])),
    ]
    for phase in run.present_phases:
        entries = run.phase_epochs(phase["name"])
        start = run.phase_reference(phase["name"])
        if start is None and len(entries) == 1:
            row.append("—")  # a first phase of one epoch spans no change
        else:
            row.append(relative(get(entries[-1]), get(start or entries[0])))
    return row


def _validation_losses(
    run: RunView, losses: Sequence[str], thresholds: ReportThresholds
) -> list[Block]:
    """Every epoch's validation losses with the loss trends and overfitting risk, and the rule."""
    risks = overfitting_risk(run, thresholds)
    rows = []
    for entry in run.epochs:
        risk = risks.get(entry["epoch"], {"risk": "na", "train": None, "val": None})
        rows.append(
            [
                str(entry["epoch"]),
                *(loss_text(entry_value(entry, f"val_loss.{n}")) for n in losses),
                loss_text(total_loss(entry.get("val_loss"))),
                _slope_text(risk["train"]),
                _slope_text(risk["val"]),
                text(f"risk_{risk['risk']}"),
            ]
        )
    counts = {k: sum(r["risk"] == k for r in risks.values()) for k in ("high", "moderate", "na")}
    return [
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
        ),
        Paragraph(text("overfit_summary", **counts, total=len(run.epochs))),
        Paragraph(
            text(
                "overfit_rule",
                window=thresholds.overfit_window,
                tol=f"{thresholds.overfit_slope * 100:.1f}%",
            )
        ),
    ]
