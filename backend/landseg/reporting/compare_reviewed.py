"""Before and after a review round, on the reviewed area: per-class map metrics of two results.

Both result layers (e.g. from the model before and after fine-tuning on the reviewed labels)
are scored against the reviewed labels (accepted and corrected polygons), inside the reviewed
extent only — the places a person checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from landseg.errors import InvalidParameterError
from landseg.evaluation.maps import ClassMetrics, evaluate_map
from landseg.messages import Message
from landseg.reporting.blocks import Heading, Note, Table
from landseg.reporting.compare import render_comparison
from landseg.reporting.formatting import pct, pp_change
from landseg.reporting.texts import check_languages, text
from landseg.review.reviewed import read_reviewed

METRICS = ("ap50", "ap50_95", "f1")


def compare_on_reviewed(
    before: str | Path,
    after: str | Path,
    reviewed: str | Path,
    *,
    languages: Sequence[str] | str = ("en", "ja"),
    output_format: str = "markdown",
) -> str:
    """Per class: AP50, AP50-95 and F1 of ``before`` and ``after`` on the reviewed area."""
    languages = check_languages(languages)
    if output_format not in ("markdown", "html"):
        raise InvalidParameterError(Message("compare.format", name=output_format))
    import geopandas as gpd

    review = read_reviewed(reviewed)
    extent = gpd.GeoSeries([review.extent], crs=review.labels.crs)  # reprojected if need be
    scores = [
        evaluate_map(result, review.labels, aoi=extent, class_field="class")
        for result in (before, after)
    ]
    names = list(dict.fromkeys([*scores[0].classes, *scores[1].classes]))
    headers = [text("col_class")]
    for metric in METRICS:
        headers += [text(f"reviewed_{metric}", run=run) for run in ("A", "B")]
        headers.append(text("col_delta"))
    rows = [
        [name, *_cells(scores[0].classes.get(name), scores[1].classes.get(name))] for name in names
    ]
    blocks = [
        Note(text("reviewed_compare_note", layer=str(reviewed)), kind="info"),
        Heading(text("compare_classes", kind=text("reviewed_area"))),
        Table(headers, rows, caption=text("reviewed_compare_caption"), key="compare-reviewed"),
    ]
    subtitle = f"A = {Path(before).name}, B = {Path(after).name}"
    return render_comparison(blocks, subtitle, languages, output_format)


def _cells(a: ClassMetrics | None, b: ClassMetrics | None) -> list[str]:
    cells = []
    for metric in METRICS:
        old = getattr(a, metric) if a else None
        new = getattr(b, metric) if b else None
        cells += [pct(old), pct(new), pp_change(old, new)]
    return cells
