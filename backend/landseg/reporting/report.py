"""Bilingual (English / 日本語) training reports, computed from a run record.

:func:`build_report` reads ``RUN_DIR/record.json`` (written by :mod:`landseg.training.train`),
derives every table, observation and rating from its numbers, optionally adds the feature-map
and gradient analysis of ``best.pt`` (:mod:`landseg.reporting.analysis`), and writes one
self-contained HTML file (plots embedded as PNG data URIs, no network resources) and, if asked,
a Markdown file whose figures go to a ``<name>_figures/`` folder beside it.
:func:`landseg.reporting.compare.compare_runs` gives the per-class deltas between two runs in
the same bilingual form.

The report is first assembled as plain blocks (:mod:`landseg.reporting.blocks`: tables,
paragraphs, bullet lists, notes and figures, each carrying its text in every language) by the
section builders (``landseg.reporting.sections_*`` and :mod:`landseg.reporting.summary`), then
rendered (:mod:`landseg.reporting.render`), so Markdown and HTML always say the same thing.
Numbers and class names are shared across languages; words come from
:mod:`landseg.reporting.texts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from landseg import __version__
from landseg.checks import require
from landseg.messages import Message
from landseg.reporting.blocks import Figure, Report
from landseg.reporting.figures import Figures
from landseg.reporting.formatting import plain
from landseg.reporting.render import render_html, render_markdown
from landseg.reporting.run_view import RunView
from landseg.reporting.sections_analysis import section_features, section_gradients
from landseg.reporting.sections_calibration import section_calibration
from landseg.reporting.sections_classes import section_classes
from landseg.reporting.sections_losses import section_losses
from landseg.reporting.sections_phases import section_phases
from landseg.reporting.sections_review import section_review
from landseg.reporting.sections_training import (
    missing_notes,
    overview_table,
    section_epochs,
    section_milestones,
    section_primary,
)
from landseg.reporting.summary import section_summary
from landseg.reporting.texts import Bi, check_languages, text
from landseg.reporting.thresholds import ReportThresholds, resolve_thresholds
from landseg.training.record import BEST_NAME, load_record

ProgressCallback = Callable[[float, str], None]


def assemble_report(
    run_dir: str | Path,
    *,
    languages: Sequence[str] | str = ("en", "ja"),
    thresholds: ReportThresholds | Mapping[str, Any] | None = None,
    analysis: dict[str, Any] | None = None,
    analysis_note: Bi | None = None,
) -> Report:
    """The report's content (tables, text, figures) for a run, before rendering.

    Args:
        run_dir: A folder written by ``landseg train`` (holds ``record.json``).
        languages: Report languages in display order.
        thresholds: :class:`ReportThresholds`, or a mapping of the fields to change.
        analysis: A result of :func:`landseg.reporting.analysis.analyze_model`, or ``None``.
        analysis_note: Why there is no analysis, when ``analysis`` is ``None``.
    """
    languages = check_languages(languages)
    thresholds = resolve_thresholds(thresholds)
    run_dir = Path(run_dir).absolute()
    run = RunView(run_dir, load_record(run_dir))
    figures = Figures(languages)
    if "ja" in languages:
        from landseg.reporting.plots import cjk_font

        cjk_font()  # fail early, with advice, when no Japanese font exists
    from landseg.reporting.plots import plotting

    with plotting(languages):
        missing = missing_notes(run, analysis_note if analysis is None else None)
        sections = [section_primary(run)]
        if run.epochs:
            sections[0].blocks.append(figures.metrics(run, thresholds))
        sections += [
            section_milestones(run, thresholds),
            section_epochs(run, thresholds),
            section_losses(run, thresholds, figures),
            section_classes(run, figures),
            section_phases(run),
            *([review] if (review := section_review(run)) else []),
            *([calibrated] if (calibrated := section_calibration(run, figures)) else []),
            section_features(analysis, analysis_note, figures),
            section_gradients(analysis, analysis_note, figures),
            section_summary(run, thresholds, analysis, missing),
        ]
    for number, section in enumerate(sections, 1):
        section.number = number
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return Report(
        title=text("report_title"),
        subtitle=run_dir.name,
        overview=overview_table(run),
        missing=missing,
        sections=sections,
        footer=text("footer", version=__version__, time=now),
    )


FIGURES = "report figures"  # the kind of folder the Markdown's figures go to


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
    from landseg.io.folders import check_replaceable_folder

    languages = check_languages(languages)
    thresholds = resolve_thresholds(thresholds)
    run_dir = Path(run_dir).absolute()
    record = load_record(run_dir)
    if "ja" in languages:
        from landseg.reporting.plots import cjk_font

        cjk_font()  # before the analysis, which takes a while
    output_html = Path(output_html).absolute()
    markdown = Path(markdown_path).absolute() if markdown_path is not None else None
    require(
        output_html.suffix.lower() in (".html", ".htm"),
        Message("report.html", name=output_html.name),
    )
    if markdown is not None:
        require(
            markdown.suffix.lower() in (".md", ".markdown"),
            Message("report.markdown", name=markdown.name),
        )
    check_output(output_html, overwrite=overwrite)
    if markdown is not None:
        check_output(markdown, overwrite=overwrite)
        check_replaceable_folder(_figures_folder(markdown), overwrite=overwrite, kind=FIGURES)
    report_progress = progress or (lambda fraction, message: None)
    result, note = None, None
    if isinstance(analysis, dict):
        result = analysis
    elif analysis:
        report_progress(0.05, Message("report.analysis"))
        result, note = _run_analysis(run_dir, record, thresholds, device, max_images)
    else:
        note = text("analysis_off")
    report_progress(0.5, Message("report.tables"))
    report = assemble_report(
        run_dir, languages=languages, thresholds=thresholds, analysis=result, analysis_note=note
    )
    report_progress(0.9, Message("report.writing"))
    with atomic_output(output_html, overwrite=overwrite) as temporary:
        temporary.write_text(render_html(report, languages), encoding="utf-8")
    if markdown is not None:
        _write_markdown(report, languages, markdown, overwrite=overwrite)
    report_progress(1.0, Message("report.written", name=output_html.name))
    return output_html


def _write_markdown(
    report: Report, languages: Sequence[str], target: Path, *, overwrite: bool
) -> None:
    """The Markdown file, and its figures in a folder beside it, both put in place whole."""
    from landseg.io.atomic import atomic_output
    from landseg.io.folders import atomic_folder

    folder = _figures_folder(target)
    figures = [b for s in report.sections for b in s.blocks if isinstance(b, Figure)]
    names = {figure.name: f"{n:02d}-{figure.name}.png" for n, figure in enumerate(figures, 1)}
    links = {name: f"{folder.name}/{file}" for name, file in names.items()}
    with atomic_output(target, overwrite=overwrite) as temporary:
        temporary.write_text(
            render_markdown(report, languages, figure_links=links), encoding="utf-8"
        )
        if figures:
            with atomic_folder(folder, overwrite=overwrite, kind=FIGURES) as staging:
                for figure in figures:
                    (staging / names[figure.name]).write_bytes(figure.png)


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
        return None, text("analysis_no_data", data=plain(data))
    return (
        analyze_model(
            model, data, max_images=max_images, device=device, thresholds=thresholds.gradients
        ),
        None,
    )
