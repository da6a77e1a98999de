"""The report's phase section: each phase's gains and settings, and what changed between them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from landseg.reporting.blocks import Bullets, Cell, Heading, Note, Paragraph, Section, Table
from landseg.reporting.formatting import (
    epochs_label,
    metric_label,
    pct,
    phase_label,
    phase_name,
    plain,
    pp,
    pp_change,
    relative,
    status_label,
)
from landseg.reporting.run_view import RunView, entry_value, total_loss
from landseg.reporting.texts import Bi, same, text


def section_phases(run: RunView) -> Section:
    """Per phase: the improvement, the settings, and the changes from the phase before."""
    section = Section("phases", text("sec_phases"))
    if not run.phases:
        section.blocks.append(Note(text("missing_phases")))
        return section
    section.blocks.append(Heading(text("phases_improvement_title")))
    section.blocks.append(_improvement(run))
    section.blocks.append(Heading(text("phases_settings_title")))
    section.blocks.append(_settings(run))
    section.blocks.append(Heading(text("phases_changes_title")))
    if len(run.phases) < 2:
        section.blocks.append(Paragraph(text("phases_single")))
        return section
    for before, after in zip(run.phases, run.phases[1:], strict=False):
        items = _phase_changes(before, after)
        section.blocks.append(
            Paragraph(
                text("phases_between", a=phase_name(before["name"]), b=phase_name(after["name"]))
            )
        )
        section.blocks.append(Bullets(items))
    return section


def _improvement(run: RunView) -> Table:
    """Each phase's epochs, status and mask mAP changes, per epoch and in training loss."""
    return Table(
        [
            text("col_phase"),
            text("col_epochs"),
            text("col_status"),
            text("col_start_end", metric=metric_label("mask", "map50")),
            text("col_change"),
            text("col_start_end", metric=metric_label("mask", "map50_95")),
            text("col_change"),
            text("col_per_epoch"),
            text("col_train_loss_change"),
        ],
        [_improvement_row(run, phase) for phase in run.phases],
        caption=text("phases_caption"),
        key="phases",
    )


def _improvement_row(run: RunView, phase: dict[str, Any]) -> list[Cell]:
    entries = run.phase_epochs(phase["name"])
    status_cell = status_label(phase.get("status", "complete"))
    if not entries:
        return [phase_label(phase["name"]), "—", status_cell, "—", "—", "—", "—", "—", "—"]
    start = run.phase_reference(phase["name"]) or entries[0]
    end = entries[-1]
    cells: list[Cell] = [phase_label(phase["name"]), epochs_label(entries), status_cell]
    for key in ("mask.map50", "mask.map50_95"):
        a, b = entry_value(start, key), entry_value(end, key)
        cells.append(f"{pct(a)} → {pct(b)}")
        cells.append(f"{pp_change(a, b)} ({relative(b, a)})")
    a, b = entry_value(start, "mask.map50"), entry_value(end, "mask.map50")
    steps = end["epoch"] - start["epoch"]
    cells.append(pp((b - a) / steps) if steps and a is not None and b is not None else "—")
    cells.append(
        relative(total_loss(end.get("train_loss")), total_loss(start.get("train_loss")))
        if steps
        else "—"
    )
    return cells


def _settings(run: RunView) -> Table:
    """The settings of every phase, side by side."""
    augmentation_keys = list(
        dict.fromkeys(k for p in run.phases for k in (p.get("augmentation") or {}))
    )
    settings: list[tuple[Cell, Callable[[dict[str, Any]], Any]]] = [
        (text("set_epochs"), lambda p: f"{p.get('epochs_done', '—')} / {plain(p.get('epochs'))}"),
        (text("set_lr0"), lambda p: plain(p.get("lr0"))),
        (text("set_lrf"), lambda p: plain(p.get("lrf"))),
        (text("set_imgsz"), lambda p: plain(p.get("imgsz"))),
        (text("set_copy_paste"), lambda p: plain(p.get("copy_paste"))),
        *(
            (
                text("set_augmentation", name=key),
                lambda p, key=key: plain((p.get("augmentation") or {}).get(key)),
            )
            for key in augmentation_keys
        ),
        (text("set_class_weights"), lambda p: _weights_cell(p)),
        (text("set_started"), lambda p: plain(p.get("started_utc"))),
        (text("set_finished"), lambda p: plain(p.get("finished_utc"))),
    ]
    return Table(
        [text("col_setting"), *(phase_label(p["name"]) for p in run.phases)],
        [[label, *(getter(p) for p in run.phases)] for label, getter in settings],
        key="phase-settings",
    )


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
                    a=plain(a),
                    b=plain(b),
                    ratio=_ratio(a, b),
                )
            )
        else:
            unchanged.append(text("unchanged_setting", setting=text(labels[key]), value=plain(a)))
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
        detail = ", ".join(f"{k} {plain(aug_a.get(k))} → {plain(aug_b.get(k))}" for k in changed)
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
