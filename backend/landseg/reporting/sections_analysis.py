"""The report's model-analysis sections: feature-map statistics and gradient flow of ``best.pt``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landseg.reporting.analysis import NEAR_ZERO
from landseg.reporting.analysis_tables import (
    FEATURE_COLUMNS,
    GRADIENT_COLUMNS,
    feature_rows,
    format_number,
    gradient_rows,
)
from landseg.reporting.blocks import Block, Bullets, Note, Paragraph, Section, Table
from landseg.reporting.figures import Figures
from landseg.reporting.formatting import pct
from landseg.reporting.texts import Bi, text

GRADIENT_ISSUES_SHOWN = 10  # flagged parameter tensors listed by name


def section_features(analysis: dict[str, Any] | None, note: Bi | None, figures: Figures) -> Section:
    """Feature-map statistics per layer and what stands out in them."""
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
    items.append(text("features_most_sparse", layer=sparse["name"], share=pct(sparse["near_zero"])))
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


def section_gradients(
    analysis: dict[str, Any] | None, note: Bi | None, figures: Figures
) -> Section:
    """The gradient flow per layer, the flagged tensors, and what has no gradient."""
    section = Section("gradients", text("sec_gradients"))
    if analysis is None:
        section.blocks.append(Note(note or text("analysis_off"), kind="info"))
        return section
    gradients = analysis["gradients"]
    flags = {k: text(f"flag_{k}") for k in ("vanishing", "exploding", "dead", "ok")}
    section.blocks.append(_gradient_intro(analysis))
    section.blocks.append(_gradient_table(analysis, flags))
    section.blocks.extend(_gradient_issues(gradients["issues"], flags))
    extra = []
    if gradients["frozen"]:
        extra.append(text("gradient_frozen", count=len(gradients["frozen"])))
    if gradients["without_gradient"]:
        extra.append(text("gradient_without", names=", ".join(gradients["without_gradient"][:10])))
    if extra:
        section.blocks.append(Bullets(extra))
    section.blocks.append(figures.gradients(analysis))
    return section


def _gradient_intro(analysis: dict[str, Any]) -> Paragraph:
    """The images, batch, loss and class weights the gradients were computed with."""
    gradients = analysis["gradients"]
    items = gradients["loss"]["items"]
    weights = gradients.get("class_weights_in_loss")
    return Paragraph(
        text(
            "gradients_intro",
            images=analysis["images"],
            batch=min(analysis["batch_size"], analysis["images"]),
            total=format_number(gradients["total_grad_norm"]),
            loss=format_number(gradients["loss"]["total"]),
            items=", ".join(f"{k} {v:.4f}" for k, v in items.items() if v or k != "sem"),
            weights=", ".join(f"{w:g}" for w in weights) if weights else text("unweighted"),
        )
    )


def _gradient_table(analysis: dict[str, Any], flags: dict[str, Bi]) -> Table:
    """The per-layer gradient table; its flag column is translated, the rest shared."""
    thresholds = analysis["thresholds"]
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
    return Table(
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


def _gradient_issues(issues: list[dict[str, Any]], flags: dict[str, Bi]) -> list[Block]:
    """How many tensors are flagged, and the most extreme of them by name."""
    if not issues:
        return [Paragraph(text("gradient_no_issues"))]
    counts = {k: sum(i["kind"] == k for i in issues) for k in ("exploding", "vanishing", "dead")}
    # the most extreme first: largest norms for exploding, smallest for the others
    extreme = sorted(
        issues,
        key=lambda i: -i["grad_norm"] if i["kind"] == "exploding" else i["grad_norm"],
    )
    return [
        Paragraph(
            text(
                "gradient_issue_counts",
                total=len(issues),
                layers=len({i["layer"] for i in issues}),
                **counts,
                shown=min(len(issues), GRADIENT_ISSUES_SHOWN),
            )
        ),
        Bullets(
            [
                text(
                    "gradient_issue",
                    kind=flags[i["kind"]],
                    name=i["name"],
                    grad=format_number(i["grad_norm"]),
                    ratio=format_number(i["ratio"]),
                )
                for i in extreme[:GRADIENT_ISSUES_SHOWN]
            ]
        ),
    ]
