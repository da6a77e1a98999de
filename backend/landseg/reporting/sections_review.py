"""The report's "review round" section, for a run trained on labels a person reviewed."""

from __future__ import annotations

from landseg.reporting.blocks import Paragraph, Section, Table
from landseg.reporting.run_view import RunView
from landseg.reporting.texts import text

DECISIONS = ("accepted", "corrected", "rejected", "area")


def section_review(run: RunView) -> Section | None:
    """How the labels came from a review: the decisions behind them; ``None`` otherwise."""
    review = (run.record.get("dataset") or {}).get("review")
    if not review:
        return None
    decisions = review.get("decisions") or {}
    section = Section("review", text("sec_review"))
    section.blocks.append(Paragraph(text("review_intro", layer=review.get("layer", ""))))
    section.blocks.append(
        Table(
            [text("col_decision"), text("col_features")],
            [[text(f"decision_{name}"), str(decisions.get(name, 0))] for name in DECISIONS],
            caption=text("review_caption"),
            key="review-decisions",
        )
    )
    return section
