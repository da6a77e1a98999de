"""``landseg report``, ``analyze`` and ``compare``: training runs and models explained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from landseg import defaults
from landseg.cli.options import (
    batch_option,
    data_option,
    device_option,
    json_option,
    lang_option,
    max_images_option,
    option,
    output_option,
    overwrite_option,
    path,
    progress_option,
    split_option,
)
from landseg.cli.progress import Progress
from landseg.io.atomic import write_json, write_text
from landseg.messages import Message, said


@click.command("report")
@click.argument("run_dir", type=path(file=False))
@output_option("HTML report to write (self-contained: plots embedded, no network resources).")
@lang_option("Report languages in display order: en, ja or en,ja.")
@option(
    "--markdown",
    "markdown_path",
    type=path(folder=False),
    help="Also write Markdown; its figures go to <name>_figures/ beside it.",
)
@click.option(
    "--milestone",
    "milestones",
    multiple=True,
    help="Milestone METRIC=VALUE[,VALUE...], e.g. map50=80,85,90 or map50-95=0.8 "
    "(repeatable; replaces the defaults).",
)
@click.option(
    "--no-analysis", is_flag=True, help="Leave out the feature-map and gradient analysis."
)
@max_images_option("Validation images for the feature-map and gradient analysis.")
@device_option()
@overwrite_option()
@progress_option(cancellable=False)
def report_command(
    run_dir: Path,
    output: Path,
    milestones: tuple[str, ...],
    no_analysis: bool,
    progress: Progress,
    **options: Any,
) -> dict[str, Any]:
    """Bilingual (English / 日本語) HTML report of a training run in RUN_DIR."""
    from landseg.reporting.report import build_report
    from landseg.reporting.thresholds import parse_milestones

    thresholds = {"milestones": parse_milestones(milestones)} if milestones else None
    report = build_report(
        run_dir,
        output,
        thresholds=thresholds,
        analysis=not no_analysis,
        progress=progress,
        **options,
    )
    progress.say(Message("cli.wrote", path=report))
    markdown_path = options["markdown_path"]
    return {"report": str(report), "markdown": str(markdown_path) if markdown_path else None}


@click.command("analyze")
@click.argument("model", type=path(folder=False))
@data_option("YOLO-seg dataset folder (or its data.yaml) whose images are analysed.", required=True)
@split_option("Dataset split to read.")
@max_images_option("Images to use.")
@batch_option("batch_size", defaults.ANALYSIS_BATCH, "Images per pass.")
@lang_option("en or ja.", name="language", default=defaults.ANALYSIS_LANGUAGE)
@device_option()
@json_option()
@overwrite_option()
def analyze_command(
    model: Path,
    data: Path,
    language: str,
    json_path: Path | None,
    overwrite: bool,
    **options: Any,
) -> None:
    """Feature-map statistics and gradient flow of MODEL (.pt) on a dataset's images."""
    from landseg.reporting.analysis import analyze_model
    from landseg.reporting.analysis_tables import format_analysis
    from landseg.reporting.texts import check_languages

    check_languages([language])  # fail before the model loads
    result = analyze_model(model, data, **options)
    click.echo(format_analysis(result, language=language))
    if json_path:
        write_json(json_path, result, overwrite=overwrite)


@click.command("compare")
@click.argument("run_a", type=path())
@click.argument("run_b", type=path())
@lang_option("Languages in display order: en, ja or en,ja.")
@option(
    "--reviewed",
    type=path(folder=False),
    help="Compare two result layers (RUN_A, RUN_B: GeoPackages from landseg segment) on the "
    "area of this reviewed layer, against its reviewed labels.",
)
@output_option(
    "Write to a file instead of printing: .html gives HTML, any other name Markdown.",
    required=False,
)
@overwrite_option()
def compare_command(
    run_a: Path,
    run_b: Path,
    languages: str,
    reviewed: Path | None,
    output: Path | None,
    overwrite: bool,
) -> None:
    """Per-class deltas, B minus A: of two runs' final metrics (did the fine-tune help?), or
    with --reviewed, of two results' map metrics on the reviewed area."""
    html = output is not None and output.suffix.lower() in (".html", ".htm")
    options = {"languages": languages, "output_format": "html" if html else "markdown"}
    if reviewed is not None:
        from landseg.reporting.compare_reviewed import compare_on_reviewed

        result = compare_on_reviewed(run_a, run_b, reviewed, **options)
    else:
        from landseg.reporting.compare import compare_runs

        result = compare_runs(run_a, run_b, **options)
    if output is None:
        click.echo(result)
        return
    write_text(output, result, overwrite=overwrite)
    click.echo(said(Message("cli.wrote", path=output)))
