"""The report's "calibrated confidence" section: how well ``p_correct`` held on validation
polygons that each fit did not see, against the raw score."""

from __future__ import annotations

from typing import TYPE_CHECKING

from landseg.reporting.blocks import Figure, Note, Paragraph, Section, Table
from landseg.reporting.run_view import RunView
from landseg.reporting.texts import text

if TYPE_CHECKING:
    from landseg.reporting.figures import Figures

BINS = 10


def section_calibration(run: RunView, figures: Figures) -> Section | None:
    """ECE of the raw score and of ``p_correct`` per class, and the reliability diagram;
    ``None`` for a run recorded before calibrations were fitted."""
    calibration = run.record.get("calibration")
    if not isinstance(calibration, dict):
        return None
    section = Section("calibration", text("sec_calibration"))
    if "skipped" in calibration:
        reason = calibration["skipped"]
        section.blocks.append(Note(text("calibration_skipped", reason=reason), kind="caution"))
        return section
    if "p_correct" not in calibration:
        section.blocks.append(Note(text("calibration_no_held_out"), kind="caution"))
        return section
    section.blocks.append(
        Paragraph(
            text(
                "calibration_intro",
                polygons=calibration["polygons"],
                right=calibration.get("right", 0),
            )
        )
    )
    classes = calibration.get("classes") or {}
    rows = [
        [
            name,
            str(figures_of["polygons"]),
            text("calibration_own") if figures_of["own_fit"] else text("calibration_pooled"),
            f"{figures_of['ece_score']:.3f}",
            f"{figures_of['ece_p_correct']:.3f}",
        ]
        for name, figures_of in classes.items()
    ]
    rows.append(
        [
            text("calibration_all"),
            str(calibration["polygons"]),
            "",
            f"{calibration['score']['ece']:.3f}",
            f"{calibration['p_correct']['ece']:.3f}",
        ]
    )
    headers = ["col_class", "col_polygons", "col_fit", "col_ece_score", "col_ece_p_correct"]
    section.blocks.append(
        Table(
            [text(h) for h in headers],
            rows,
            caption=text("calibration_caption"),
            key="calibration",
        )
    )
    pooled = [name for name, c in classes.items() if not c["own_fit"]]
    if pooled:
        section.blocks.append(
            Note(text("calibration_pooled_note", classes=", ".join(pooled)), kind="info")
        )
    section.blocks.append(_reliability_figure(calibration, figures))
    return section


def _reliability_figure(calibration: dict, figures: Figures) -> Figure:
    """Share right against the probability given, per tenth, for the score and p_correct."""
    from landseg.reporting.plots import Panel, line_figure

    centres = [(b + 0.5) / BINS for b in range(BINS)]
    series = {figures.label("calibration_ideal"): centres}
    for key, label in (("score", "calibration_score"), ("p_correct", "calibration_p")):
        by_bin: list[float | None] = [None] * BINS
        points = calibration[key]
        for probability, right in zip(points["probability"], points["right"], strict=True):
            by_bin[min(int(probability * BINS), BINS - 1)] = right
        series[figures.label(label)] = by_bin
    panel = Panel(
        title=figures.label("calibration_plot_title"),
        ylabel=figures.label("calibration_plot_y"),
        xlabel=figures.label("calibration_plot_x"),
        series=series,
        x=centres,
        percent=True,
    )
    return Figure("reliability", line_figure([panel], columns=1), text("fig_reliability"))
