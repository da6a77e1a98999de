"""The report's per-class section: instances, weights, final metrics and class balance."""

from __future__ import annotations

from typing import Any

from landseg.reporting.blocks import Block, Bullets, Cell, Heading, Note, Section, Table
from landseg.reporting.figures import Figures
from landseg.reporting.formatting import metric_label, pct, pp, pp_abs, pp_change, relative
from landseg.reporting.run_view import RunView, class_metrics, entry_value
from landseg.reporting.texts import Bi, text
from landseg.reporting.thresholds import METRICS


def section_classes(run: RunView, figures: Figures) -> Section:
    """Per class: instances, weights, final metrics, change since the first epoch, balance."""
    section = Section("classes", text("sec_classes"))
    names = run.class_names
    if not names:
        section.blocks.append(Note(text("missing_classes")))
        return section
    section.blocks.append(Heading(text("classes_mask_title")))
    section.blocks.append(_mask_metrics(run))
    section.blocks.extend(_box_metrics(run))
    # the change from the first epoch, only when per-class figures per epoch exist
    section.blocks.append(Heading(text("classes_improvement_title")))
    final_map = _final_map50(run)
    improvement, base_map = _improvement(run, final_map)
    section.blocks.append(improvement)
    section.blocks.append(Heading(text("classes_balance_title")))
    section.blocks.append(_balance(run, final_map, base_map))
    if run.final is not None:
        section.blocks.append(figures.classes(run))
    if run.dataset.get("instances"):
        section.blocks.append(figures.distribution(run))
    return section


def _metric_cells(metrics: dict[str, Any] | None) -> list[Cell]:
    """A class's figures of one kind, or a note in the first cell where it has none."""
    return [
        pct(metrics.get(m)) if metrics else text("no_val_instances") if i == 0 else "—"
        for i, m in enumerate(METRICS)
    ]


def _mask_metrics(run: RunView) -> Table:
    """The classes' instances, shares and weights, and their final mask metrics."""
    final = run.final
    instances = run.dataset.get("instances") or {}
    ratios = run.dataset.get("ratios") or {}
    weights = run.record.get("class_weights")
    headers: list[Cell] = [
        text("col_class"),
        text("col_instances"),
        text("col_share"),
        text("col_class_weight"),
    ]
    if final is not None:
        headers.append(text("col_val_instances"))
        headers.extend(metric_label("mask", m) for m in METRICS)
    rows = []
    for name in run.class_names:
        weight = (weights or {}).get(name)
        row: list[Cell] = [
            name,
            f"{instances[name]:,}" if name in instances else "—",
            pct(ratios.get(name), 1) if name in ratios else "—",
            f"{weight:.2f}" if isinstance(weight, int | float) else text("unweighted"),
        ]
        if final is not None:
            entry = class_metrics(final, name) or {}
            count = entry.get("instances")
            row.append(f"{count:,}" if isinstance(count, int) else "—")
            row.extend(_metric_cells(entry.get("mask")))
        rows.append(row)
    return Table(headers, rows, caption=text("classes_caption"), key="classes-mask")


def _box_metrics(run: RunView) -> list[Block]:
    """The classes' final box metrics, or a note that the run has no final evaluation."""
    if run.final is None:
        return [Note(text("missing_final_classes"))]
    rows = [
        [name, *_metric_cells((class_metrics(run.final, name) or {}).get("box"))]
        for name in run.class_names
    ]
    return [
        Heading(text("classes_box_title")),
        Table(
            [text("col_class"), *(metric_label("box", m) for m in METRICS)],
            rows,
            key="classes-box",
        ),
    ]


def _final_map50(run: RunView) -> dict[str, float]:
    """The final mask mAP50 of each class that has mask figures."""
    return {
        n: m["mask"]["map50"]
        for n in run.class_names
        if (m := class_metrics(run.final, n)) and isinstance(m.get("mask"), dict)
    }


def _improvement(
    run: RunView, final_map: dict[str, float]
) -> tuple[Table | Note, dict[str, float]]:
    """The change of each class's mask mAP50 from the first epoch, and those first values.

    Only when the first epoch has per-class figures; otherwise a note with the overall value.
    """
    baseline = run.epochs[0] if run.epochs else None
    base_map: dict[str, float] = {}
    if baseline is None or not isinstance(baseline.get("classes"), dict) or run.final is None:
        overall = entry_value(baseline, "mask.map50") if baseline else None
        note = Note(
            text(
                "classes_no_baseline",
                overall=pct(overall),
                epoch=baseline["epoch"] if baseline else "—",
            ),
            kind="info",
        )
        return note, base_map
    weights = run.record.get("class_weights")
    rows = []
    for name in run.class_names:
        before = entry_value(class_metrics(baseline, name), "mask.map50")
        after = final_map.get(name)
        if before is not None:
            base_map[name] = before
        weight = (weights or {}).get(name)
        rows.append(
            [
                name,
                f"{weight:.2f}" if isinstance(weight, int | float) else "—",
                pct(before),
                pct(after),
                pp_change(before, after),
                relative(after, before),
            ]
        )
    table = Table(
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
    return table, base_map


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
        return text(f"{key}_equal", value=pct(values[gap[1]]))
    return text(key, gap=pp_abs(gap[0]), best=gap[1], worst=gap[2])


def _balance(run: RunView, final_map: dict[str, float], base_map: dict[str, float]) -> Bullets:
    """How far apart the best and worst classes are, before and after training."""
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
                change=pp(after_gap[0] - before_gap[0]),
            )
        )
    excluded = [n for n in run.class_names if run.final is not None and n not in final_map]
    if excluded:
        items.append(text("balance_excluded", classes=", ".join(excluded)))
    return Bullets(items)
