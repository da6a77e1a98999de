"""The report's closing summary: ratings of the final metrics and of how training went."""

from __future__ import annotations

import itertools
from typing import Any

from landseg.reporting.blocks import Block, Bullets, Cell, Heading, Section, Table
from landseg.reporting.formatting import metric_label, pct, pp, pp_abs
from landseg.reporting.run_view import RunView, entry_value
from landseg.reporting.sections_losses import overfitting_risk
from landseg.reporting.texts import Bi, same, text
from landseg.reporting.thresholds import ReportThresholds

_RATED = (
    ("mask", "map50"),
    ("mask", "map50_95"),
    ("mask", "precision"),
    ("mask", "recall"),
    ("box", "map50"),
    ("box", "map50_95"),
)


def _rating(value: float | None, bounds: tuple[float, float, float]) -> Bi:
    if value is None:
        return same("—")
    for name, bound in zip(("excellent", "good", "fair"), bounds, strict=True):
        if value >= bound:
            return text(f"rating_{name}")
    return text("rating_poor")


def section_summary(
    run: RunView, thresholds: ReportThresholds, analysis: dict[str, Any] | None, missing: list[Bi]
) -> Section:
    """Rated final metrics, stability, convergence, overfitting, gradients and completeness."""
    section = Section("summary", text("sec_summary"))
    source_entry = (run.final or {}).get("overall") if run.final else None
    source = text("summary_source_final")
    if source_entry is None and run.epochs:
        source_entry = run.epochs[-1]
        source = text("summary_source_epoch", epoch=run.epochs[-1]["epoch"])
    rows: list[list[Cell]] = []
    if source_entry is not None:
        for kind, metric in _RATED:
            value = entry_value(source_entry, f"{kind}.{metric}")
            rows.append(
                [
                    metric_label(kind, metric),
                    pct(value),
                    _rating(value, thresholds.ratings[metric]),
                ]
            )
    rows.extend(_progress_rows(run, thresholds))
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
    section.blocks.append(Heading(text("summary_rules_title")))
    section.blocks.extend(_rules(thresholds))
    return section


def _progress_rows(run: RunView, thresholds: ReportThresholds) -> list[list[Cell]]:
    """The stability, convergence and overfitting rows of the summary."""
    rows: list[list[Cell]] = []
    values = [entry_value(e, "mask.map50") or 0.0 for e in run.epochs]
    if len(values) > 1:
        rows.append(_stability_row(values, thresholds))
        rows.append(_convergence_row(run, values, thresholds))
    risks = overfitting_risk(run, thresholds)
    if risks:
        last_risk = risks[run.epochs[-1]["epoch"]]["risk"] if run.epochs else "na"
        worst = "high" if any(r["risk"] == "high" for r in risks.values()) else last_risk
        rows.append(
            [text("ind_overfitting"), text(f"risk_{last_risk}"), text(f"overfit_rating_{worst}")]
        )
    return rows


def _stability_row(values: list[float], thresholds: ReportThresholds) -> list[Cell]:
    """How many epochs fell in mask mAP50, and whether that makes training unstable."""
    drops = [b - a for a, b in itertools.pairwise(values) if b - a < -thresholds.regression_drop]
    if not drops:
        stability = text("stability_stable")
    elif min(drops) >= -thresholds.unstable_drop:
        stability = text("stability_minor", count=len(drops), worst=pp(min(drops)))
    else:
        stability = text("stability_unstable", count=len(drops), worst=pp(min(drops)))
    return [text("ind_stability"), text("regressions_count", count=len(drops)), stability]


def _convergence_row(run: RunView, values: list[float], thresholds: ReportThresholds) -> list[Cell]:
    """The epoch mask mAP50 first reached 90 % of its best, and how fast that is."""
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
        return [
            text("ind_convergence"),
            text("convergence_value", epoch=run.epochs[reached]["epoch"], total=len(values)),
            speed,
        ]
    return [text("ind_convergence"), "—", text("speed_na")]


def _rules(thresholds: ReportThresholds) -> list[Block]:
    """The thresholds behind the ratings."""
    rule_rows = [
        [text(f"metric_{metric}"), *(f"≥ {pct(b, 0)}" for b in bounds), f"< {pct(bounds[2], 0)}"]
        for metric, bounds in thresholds.ratings.items()
    ]
    return [
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
        ),
        Bullets(
            [
                text(
                    "rule_stability",
                    drop=pp_abs(thresholds.regression_drop),
                    unstable=pp_abs(thresholds.unstable_drop),
                ),
                text(
                    "rule_convergence",
                    fast=pct(thresholds.convergence[0], 0),
                    moderate=pct(thresholds.convergence[1], 0),
                ),
                text("rule_overfitting"),
            ]
        ),
    ]
