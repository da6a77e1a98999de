"""Per-class deltas of the final metrics between two runs, in the report's languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from landseg import __version__
from landseg.errors import InvalidParameterError, RunRecordError
from landseg.messages import Message
from landseg.reporting.blocks import Block, Bullets, Cell, Heading, Note, Report, Section, Table
from landseg.reporting.formatting import joined, metric_label, pct, plain, pp, pp_change, relative
from landseg.reporting.render import markdown_blocks, render_html
from landseg.reporting.run_view import RunView, class_metrics, entry_value
from landseg.reporting.texts import Bi, check_languages, text
from landseg.reporting.thresholds import KINDS, METRICS
from landseg.training.record import load_record


def compare_runs(
    run_a: str | Path,
    run_b: str | Path,
    *,
    languages: Sequence[str] | str = ("en", "ja"),
    output_format: str = "markdown",
) -> str:
    """Per-class deltas of the final metrics, run B minus run A, in the report's languages.

    Args:
        run_a: The reference run folder (e.g. before fine-tuning).
        run_b: The run compared with it.
        languages: ``en`` and/or ``ja``.
        output_format: ``markdown`` (also fine in a terminal) or ``html``.

    Returns:
        The comparison as Markdown or as a self-contained HTML page.

    Raises:
        RunRecordNotFoundError, RunRecordError: A run folder or record is missing or unusable,
            or a run has no final evaluation.
        InvalidParameterError: An unknown language or output format.
    """
    languages = check_languages(languages)
    if output_format not in ("markdown", "html"):
        raise InvalidParameterError(Message("compare.format", name=output_format))
    a, b = _finished_run(run_a), _finished_run(run_b)
    notes = []
    if not _same_data(a, b):
        notes.append(Note(text("compare_different_data"), kind="caution"))
    blocks: list[Block] = [_runs_table(a, b), Heading(text("compare_overall")), _overall(a, b)]
    names = list(dict.fromkeys([*a.class_names, *b.class_names]))
    summary = []
    for kind in KINDS:
        table, gains = _class_table(a, b, kind, names)
        blocks.append(Heading(text("compare_classes", kind=text(f"kind_{kind}"))))
        blocks.append(table)
        if gains:
            summary.append(_class_summary(kind, gains))
    missing = [n for n in names if n not in a.final["classes"] or n not in b.final["classes"]]
    if missing:
        notes.append(
            Note(text("compare_missing_classes", classes=", ".join(missing)), kind="caution")
        )
    if summary:
        blocks.append(Heading(text("compare_verdict")))
        blocks.append(Bullets(summary))
    subtitle = f"A = {a.run_dir.name}, B = {b.run_dir.name}"
    return render_comparison([*notes, *blocks], subtitle, languages, output_format)


def _finished_run(folder: str | Path) -> RunView:
    """A run whose training finished with a final evaluation."""
    run = RunView(Path(folder).absolute(), load_record(folder))
    if run.final is None:
        raise RunRecordError(Message("compare.unfinished", folder=folder))
    return run


def _same_data(a: RunView, b: RunView) -> bool:
    """Whether both runs were evaluated on the same dataset (as far as the records say)."""
    a_val = {n: (a.final["classes"].get(n) or {}).get("instances") for n in a.final["classes"]}
    b_val = {n: (b.final["classes"].get(n) or {}).get("instances") for n in b.final["classes"]}
    return a.dataset.get("data_yaml") == b.dataset.get("data_yaml") and a_val == b_val


def _runs_table(a: RunView, b: RunView) -> Table:
    """Which runs are compared: folders, datasets, epochs and finishing times."""
    return Table(
        [text("col_item"), "A", "B"],
        [
            [text("ov_run_dir"), str(a.run_dir), str(b.run_dir)],
            [
                text("ov_dataset"),
                plain(a.dataset.get("data_yaml")),
                plain(b.dataset.get("data_yaml")),
            ],
            [text("ov_epochs"), str(len(a.epochs)), str(len(b.epochs))],
            [
                text("ov_finished"),
                plain(a.record.get("finished_utc")),
                plain(b.record.get("finished_utc")),
            ],
        ],
        key="compare-runs",
    )


def _overall(a: RunView, b: RunView) -> Table:
    """The overall final metrics of both runs and their differences."""
    rows = []
    for kind in KINDS:
        for metric in METRICS:
            key = f"{kind}.{metric}"
            old = entry_value(a.final.get("overall"), key)
            new = entry_value(b.final.get("overall"), key)
            rows.append(
                [
                    metric_label(kind, metric),
                    pct(old),
                    pct(new),
                    pp_change(old, new),
                    relative(new, old),
                ]
            )
    return Table(
        [text("col_metric"), "A", "B", text("col_delta"), text("col_change_rel")],
        rows,
        key="compare-overall",
    )


def _class_table(
    a: RunView, b: RunView, kind: str, names: Sequence[str]
) -> tuple[Table, dict[str, float]]:
    """Per class, the final metrics of one kind in both runs; and each class's mAP50 gain."""
    rows = []
    gains: dict[str, float] = {}
    for name in names:
        ea = (class_metrics(a.final, name) or {}).get(kind)
        eb = (class_metrics(b.final, name) or {}).get(kind)
        row: list[Cell] = [name]
        for metric in ("map50", "map50_95"):
            old = ea.get(metric) if ea else None
            new = eb.get(metric) if eb else None
            row += [pct(old), pct(new), pp_change(old, new)]
            if metric == "map50" and old is not None and new is not None:
                gains[name] = new - old
        for metric in ("precision", "recall"):
            old = ea.get(metric) if ea else None
            new = eb.get(metric) if eb else None
            row.append(pp_change(old, new))
        rows.append(row)
    table = Table(
        [
            text("col_class"),
            text("col_run_metric", run="A", metric=text("metric_map50")),
            text("col_run_metric", run="B", metric=text("metric_map50")),
            text("col_delta_metric", metric=text("metric_map50")),
            text("col_run_metric", run="A", metric=text("metric_map50_95")),
            text("col_run_metric", run="B", metric=text("metric_map50_95")),
            text("col_delta_metric", metric=text("metric_map50_95")),
            text("col_delta_metric", metric=text("metric_precision")),
            text("col_delta_metric", metric=text("metric_recall")),
        ],
        rows,
        caption=text("compare_caption"),
        key=f"compare-{kind}",
    )
    return table, gains


def _class_summary(kind: str, gains: dict[str, float]) -> Bi:
    """How many classes improved in mAP50, and which gained and lost most."""
    best = max(gains, key=gains.get)
    worst = min(gains, key=gains.get)

    def label(change: float, *, when_gain: str, when_loss: str) -> Bi:
        return text(when_gain if change > 0 else when_loss if change < 0 else "no_change")

    return text(
        "compare_summary",
        kind=text(f"kind_{kind}"),
        better=sum(g > 0 for g in gains.values()),
        total=len(gains),
        best_label=label(gains[best], when_gain="largest_gain", when_loss="smallest_loss"),
        best=best,
        best_gain=pp(gains[best]),
        worst_label=label(gains[worst], when_gain="smallest_gain", when_loss="largest_loss"),
        worst=worst,
        worst_gain=pp(gains[worst]),
    )


def render_comparison(
    blocks: list[Block], subtitle: str, languages: Sequence[str], output_format: str
) -> str:
    """A comparison's blocks as Markdown or as an HTML page."""
    if output_format == "markdown":
        lines = [f"# {joined(text('compare_title'), languages)}", ""]
        lines += markdown_blocks(blocks, languages, {})
        return "\n".join(lines).rstrip() + "\n"
    report = Report(
        title=text("compare_title"),
        subtitle=subtitle,
        overview=None,
        missing=[],
        sections=[Section("compare", text("compare_deltas"), blocks)],
        footer=text(
            "footer",
            version=__version__,
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ),
    )
    return render_html(report, languages)
