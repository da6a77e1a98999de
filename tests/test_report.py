"""The bilingual training report, built from real run records and checked by value."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import string
import subprocess
import warnings
from pathlib import Path

import pytest

from landseg.errors import (
    InvalidParameterError,
    OutputExistsError,
    RunRecordError,
    RunRecordNotFoundError,
)
from landseg.reporting.compare import compare_runs
from landseg.reporting.report import build_report
from landseg.reporting.sections_losses import overfitting_risk
from landseg.reporting.texts import LANGUAGES, TEXT, check_languages
from landseg.reporting.thresholds import parse_milestones
from tests.conftest import RECORDED_RUN
from tests.run_records import copy_run, edit_record, user_record

CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


# --------------------------------------------------------------------------- helpers


def tables(markdown: str) -> list[dict]:
    """Every Markdown table with its section, sub-heading and language."""
    found, section, heading, language = [], "", "", "en"
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section, heading = line[3:], ""
        elif line.startswith("### "):
            heading = line[4:]
        elif line in ("**English:**", "**日本語:**"):
            language = "en" if line == "**English:**" else "ja"
        elif line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            header = [c.strip() for c in line.strip("|").split(" | ")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split(" | ")])
                i += 1
            found.append(
                {
                    "section": section,
                    "heading": heading,
                    "language": language,
                    "header": header,
                    "rows": rows,
                }
            )
            continue
        i += 1
    return found


def table(markdown: str, section: str, heading: str = "", language: str = "en") -> dict:
    matches = [
        t
        for t in tables(markdown)
        if section in t["section"] and heading in t["heading"] and t["language"] == language
    ]
    assert matches, f"no table in section {section!r} / {heading!r}"
    return matches[0]


def number(cell: str) -> float:
    """The first number in a cell: '63.62%' -> 63.62, '+2.80 pp (+3.2%)' -> 2.8."""
    match = re.search(r"[-+]?\d[\d,]*\.?\d*(?:e[-+]?\d+)?", cell)
    assert match, cell
    return float(match.group().replace(",", ""))


def pct(value: float) -> float:
    return round(value * 100, 2)


def build(run_dir: Path, tmp: Path, **options) -> tuple[str, str]:
    """Build HTML and Markdown; return their text."""
    html_path, md_path = tmp / "report.html", tmp / "report.md"
    options.setdefault("analysis", False)
    build_report(run_dir, html_path, markdown_path=md_path, **options)
    return html_path.read_text(), md_path.read_text()


@pytest.fixture(scope="module")
def full(tiny_run, tiny_analysis, tmp_path_factory):
    """The report of the real two-phase run, with its feature and gradient analysis."""
    run_dir, _ = tiny_run
    out = tmp_path_factory.mktemp("full_report")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html, markdown = build(run_dir, out, analysis=tiny_analysis)
    record = json.loads((run_dir / "record.json").read_text())
    return {"html": html, "md": markdown, "record": record, "out": out, "warnings": caught}


@pytest.fixture(scope="module")
def user_run(tmp_path_factory):
    """A copy of a recorded run whose record holds the figures of the user's own report."""
    run_dir = copy_run(RECORDED_RUN, tmp_path_factory.mktemp("user") / "run", with_model=False)
    edit_record(run_dir, user_record)
    return run_dir


@pytest.fixture(scope="module")
def user_report(user_run, tmp_path_factory):
    return build(user_run, tmp_path_factory.mktemp("user_report"))[1]


# --------------------------------------------------------------------------- by value


@pytest.mark.slow
def test_tables_match_the_record(full):
    record, markdown = full["record"], full["md"]
    epochs = {e["epoch"]: e for e in record["epochs"]}
    for phase, title in (("main", "Main phase"), ("continued", "Continued phase")):
        found = table(markdown, "Epoch-by-epoch", title)
        columns = {name: i for i, name in enumerate(found["header"])}
        assert [int(r[0]) for r in found["rows"]] == [
            e["epoch"] for e in record["epochs"] if e["phase"] == phase
        ]
        for row in found["rows"]:
            epoch = epochs[int(row[0])]
            assert number(row[columns["mAP50"]]) == pct(epoch["mask"]["map50"])
            assert number(row[columns["mAP50-95"]]) == pct(epoch["mask"]["map50_95"])
            assert number(row[columns["Recall"]]) == pct(epoch["mask"]["recall"])
            for loss in ("box", "seg", "cls", "dfl"):
                name = {"box": "Box", "seg": "Seg", "cls": "Cls", "dfl": "DFL"}[loss]
                cell = row[columns[f"{name} loss"]]
                assert number(cell) == pytest.approx(epoch["train_loss"][loss], abs=5e-5)
    primary = table(markdown, "Primary metrics")
    assert primary["header"][1] == "Baseline (epoch 1)"
    assert primary["header"][-2] == "Final model (best.pt)"
    rows = {r[0]: r for r in primary["rows"]}
    assert number(rows["mAP50 (Mask)"][1]) == pct(record["epochs"][0]["mask"]["map50"])
    assert number(rows["Recall (Box)"][-2]) == pct(record["final"]["overall"]["box"]["recall"])
    losses = table(markdown, "Loss analysis", "Training losses")
    for row, epoch in zip(losses["rows"], record["epochs"], strict=True):
        total = sum(epoch["train_loss"][k] for k in ("box", "seg", "cls", "dfl"))
        assert number(row[-2]) == pytest.approx(total, abs=5e-5)
    last = losses["rows"][-1][-1]
    first_total = sum(record["epochs"][0]["train_loss"][k] for k in ("box", "seg", "cls", "dfl"))
    assert number(last) == pytest.approx(round((total / first_total - 1) * 100, 1))
    classes = table(markdown, "Per-class", "Dataset and final mask")
    for row in classes["rows"]:
        name = row[0]
        assert number(row[1]) == record["dataset"]["instances"][name]
        assert number(row[3]) == pytest.approx(record["class_weights"][name], abs=0.005)
        final = record["final"]["classes"][name]
        if final["mask"] is None:
            assert row[5] == "no validation instances"
        else:
            assert number(row[7]) == pct(final["mask"]["map50"])


def test_user_report_figures_are_reproduced(user_report):
    primary = table(user_report, "Primary metrics")
    assert primary["header"][1:] == [
        "Baseline (epoch 1)",
        "End of main phase (epoch 7)",
        "End of continued phase (epoch 10)",
        "Final model (best.pt)",
        "Total improvement",
    ]
    rows = {r[0]: r for r in primary["rows"]}
    assert rows["mAP50 (Mask)"][1:] == [
        "63.62%",
        "87.67%",
        "90.77%",
        "90.77%",
        "+42.7% (+27.15 pp)",
    ]
    assert rows["Precision (Mask)"][1:3] == ["74.89%", "84.07%"]
    milestones = user_report.split("## 2. Milestones")[1].split("## 3.")[0]
    assert "✓ 80% mAP50 (Mask): first reached at epoch 2 (80.50%)" in milestones
    assert "✓ 85% mAP50 (Mask): first reached at epoch 5 (85.64%)" in milestones
    assert "✓ 90% mAP50 (Mask): first reached at epoch 8 (90.47%)" in milestones
    # 80.27% at epoch 9 is the first epoch at or above 80% (the hand-written report said 10)
    assert "✓ 80% mAP50-95 (Mask): first reached at epoch 9 (80.27%)" in milestones
    continued = table(user_report, "Epoch-by-epoch", "Continued phase (epochs 8–10)")
    assert continued["header"][-1] == "Δ mAP50 vs epoch 7"
    assert continued["rows"][0][-1] == "+2.80 pp (+3.2%)"
    epochs_section = user_report.split("## 3.")[1].split("## 4.")[0]
    assert "Fast convergence at epoch(s) 2 (+16.88 pp)." in epochs_section
    assert "Plateau from epoch 8 to 10" in epochs_section
    assert "Regression" not in epochs_section  # epoch 4 fell 0.12 pp, under the 0.50 pp rule
    improvement = table(user_report, "Per-class", "Improvement from the baseline")
    rows = {r[0]: r for r in improvement["rows"]}
    assert rows["Baren-Land"][1:] == ["1.96", "65.00%", "90.30%", "+25.30 pp", "+38.9%"]
    balance = user_report.split("### Class balance effect")[1].split("![")[0]
    assert "at the baseline: 20.00 pp (roof vs Baren-Land)" in balance
    assert "in the final model: 4.80 pp (roof vs rice-fields)" in balance
    assert "The gap narrowed (-15.20 pp)." in balance
    validation = table(user_report, "Loss analysis", "Validation losses")
    assert {r[-1] for r in validation["rows"]} <= {"none", "n/a (too few epochs)"}
    phases = user_report.split("## 6.")[1].split("## 7.")[0]
    assert "Initial learning rate (lr0): 0.0001 → 5e-05 (×0.5)" in phases


def test_overfitting_rule_flags_diverging_losses(user_run, tmp_path):
    run_dir = copy_run(user_run, tmp_path / "run", with_model=False)

    def diverge(record):
        for entry in record["epochs"][4:7]:  # validation loss rises while training falls
            entry["val_loss"]["cls"] = 1.2 + 0.4 * entry["epoch"]

    edit_record(run_dir, diverge)
    risks = overfitting_risk(run_dir)
    assert risks[1]["risk"] == "na" and risks[8]["risk"] == "na"
    assert risks[3]["risk"] == "none"
    assert risks[7]["risk"] == "high" and risks[7]["val"] > 0 > risks[7]["train"]


# --------------------------------------------------------------------------- bilingual


@pytest.mark.slow
def test_every_english_part_has_its_japanese_counterpart(full):
    markdown, html = full["md"], full["html"]
    assert markdown.count("**English:**") == markdown.count("**日本語:**") > 20
    headings = [line for line in markdown.splitlines() if line.startswith(("## ", "### "))]
    assert len([h for h in headings if h.startswith("## ")]) == 10
    assert any("Calibrated confidence (p_correct) | 較正済みの確信度" in h for h in headings)
    for heading in headings:
        english, japanese = heading.split(" | ")
        assert re.search("[A-Za-z]", english) and CJK.search(japanese), heading
    for english, japanese in zip(tables(markdown)[0::2], tables(markdown)[1::2], strict=True):
        assert (english["language"], japanese["language"]) == ("en", "ja")
        assert len(english["rows"]) == len(japanese["rows"])
        assert any(CJK.search(h) for h in japanese["header"]), japanese["header"]
    pairs = re.findall(
        r'<div class="pair[^"]*"><div lang="en">(.*?)</div><div lang="ja">', html, flags=re.S
    )
    assert len(pairs) == html.count('<div lang="en">') == html.count('<div lang="ja">')
    for block in re.findall(r'<div lang="ja">(.*?)</div></div>', html, flags=re.S):
        assert CJK.search(block), block[:200]


def test_every_text_has_every_language_with_the_same_fields():
    fields = string.Formatter()
    for key, entry in TEXT.items():
        assert set(entry) == set(LANGUAGES), key
        names = [{f for _, f, _, _ in fields.parse(entry[lang]) if f} for lang in LANGUAGES]
        assert all(n == names[0] for n in names), key


def test_languages_subset_and_unknown(recorded_run, tmp_path):
    run_dir = recorded_run
    (tmp_path / "en").mkdir()
    html, markdown = build(run_dir, tmp_path / "en", languages="en")
    assert not CJK.search(markdown) and not CJK.search(html.split("<body>")[1])
    assert "**English:**" not in markdown
    (tmp_path / "ja").mkdir()
    _, markdown = build(run_dir, tmp_path / "ja", languages=["ja"])
    assert "## 1. 主要メトリック比較" in markdown and "Primary metrics" not in markdown
    with pytest.raises(InvalidParameterError, match=r"fr.*en \(English\), ja \(日本語\)"):
        build_report(run_dir, tmp_path / "x.html", languages=("en", "fr"))
    with pytest.raises(InvalidParameterError, match="No language"):
        check_languages("")
    assert not (tmp_path / "x.html").exists()


# --------------------------------------------------------------------------- HTML and plots


@pytest.mark.slow
def test_html_is_self_contained(full):
    html = full["html"]
    assert not re.search(r"https?://", html)
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert "url(" not in html and "@font-face" not in html and "<iframe" not in html
    sources = re.findall(r'src="([^"]*)"', html)
    assert len(sources) == 6
    assert all(s.startswith("data:image/png;base64,") for s in sources)


@pytest.mark.slow
def test_embedded_plots_are_valid_pngs(full):
    import matplotlib.image

    for source in re.findall(r'src="data:image/png;base64,([^"]*)"', full["html"]):
        data = base64.b64decode(source, validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        image = matplotlib.image.imread(io.BytesIO(data), format="png")
        assert image.shape[0] > 200 and image.shape[1] > 400
        assert image.std() > 0.01  # not a blank canvas
    figures = sorted((full["out"] / "report_figures").glob("*.png"))
    assert [f.name for f in figures] == [
        "01-metrics.png",
        "02-losses.png",
        "03-classes.png",
        "04-distribution.png",
        "05-features.png",
        "06-gradients.png",
    ]
    for figure in figures:
        assert f"](report_figures/{figure.name})" in full["md"]


@pytest.mark.slow
def test_japanese_plot_text_uses_a_cjk_font(full):
    from matplotlib.ft2font import FT2Font

    from landseg.reporting.plots import cjk_font

    path = cjk_font()
    font = FT2Font(str(path))
    assert "CJK" in path.name or font.get_char_index(ord("訓"))
    japanese = "".join(entry["ja"] for entry in TEXT.values())
    missing = {c for c in japanese if CJK.match(c) and not font.get_char_index(ord(c))}
    assert not missing
    glyph_warnings = [w for w in full["warnings"] if "missing from" in str(w.message)]
    assert not glyph_warnings, glyph_warnings[:3]
    plot_warnings = [
        w for w in full["warnings"] if "landseg" in w.filename or "matplotlib" in w.filename
    ]
    assert not plot_warnings, [str(w.message) for w in plot_warnings[:3]]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.slow
def test_html_renders_in_headless_chromium(full, tmp_path):
    import matplotlib.image

    screenshot = tmp_path / "page.png"
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--window-size=1200,3000",
            (full["out"] / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    image = matplotlib.image.imread(screenshot)
    assert image.shape[:2] == (3000, 1200)
    assert image[..., :3].std() > 0.05  # text, tables and plots, not an empty page


# --------------------------------------------------------------------------- partial input


def test_single_phase_run_omits_continued_columns(recorded_run, tmp_path):
    run_dir = recorded_run

    def single_phase(record):
        record["phases"] = record["phases"][:1]
        record["epochs"] = [e for e in record["epochs"] if e["phase"] == "main"]
        record["arguments"]["continue_epochs"] = 0

    edit_record(run_dir, single_phase)
    _, markdown = build(run_dir, tmp_path)
    assert "ontinued" not in markdown and "継続" not in markdown
    primary = table(markdown, "Primary metrics")
    assert primary["header"] == [
        "Metric",
        "Baseline (epoch 1)",
        "End of main phase (epoch 1)",
        "Final model (best.pt)",
        "Total improvement",
    ]
    assert table(markdown, "Loss analysis", "Loss reduction")["header"][-1] == (
        "Change in main phase"
    )
    assert "Only one phase was run" in markdown and "フェーズは1つのみ" in markdown


def test_partial_record_builds_and_says_what_is_missing(recorded_run, tmp_path):
    run_dir = recorded_run

    def interrupt(record):
        record["final"] = None
        record.pop("finished_utc", None)
        record["epochs"] = [e for e in record["epochs"] if e["epoch"] != 1]
        record["phases"][1]["status"] = "interrupted"

    edit_record(run_dir, interrupt)
    html, markdown = build(run_dir, tmp_path, analysis=True)
    for phrase in (
        "Missing from the record: epoch(s) 1;",
        "記録にないエポック: 1。",
        "The continued phase is interrupted: 1 of 1 epochs recorded.",
        "継続訓練フェーズは中断です",
        "No final evaluation of best.pt",
        "best.pt の最終評価がありません",
        f"landseg train --resume {run_dir}",
        "Skipped: best.pt is not in the run folder",
        "No final evaluation: metrics of the last recorded epoch (2).",
    ):
        assert phrase in markdown, phrase
    assert "Final model (best.pt)" not in table(markdown, "Primary metrics")["header"]
    assert "Missing data" in html and "欠落データ" in html


def test_record_without_epochs_still_builds(recorded_run, tmp_path):
    run_dir = recorded_run

    def nothing(record):
        record["epochs"], record["final"] = [], None
        for phase in record["phases"]:
            phase["status"] = "pending" if phase["name"] == "continued" else "interrupted"

    edit_record(run_dir, nothing)
    html, markdown = build(run_dir, tmp_path)
    assert "The record holds no epochs" in markdown and "記録にエポックがありません" in markdown
    assert html.count("data:image/png") == 1  # only the class distribution


def test_bad_run_folders(tmp_path):
    with pytest.raises(RunRecordNotFoundError, match=r"record\.json is missing"):
        build_report(tmp_path, tmp_path / "r.html")
    with pytest.raises(RunRecordNotFoundError, match="does not exist"):
        build_report(tmp_path / "nope", tmp_path / "r.html")
    (tmp_path / "record.json").write_text("{not json")
    with pytest.raises(RunRecordError, match="not valid JSON"):
        build_report(tmp_path, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_existing_outputs_need_overwrite(full, tiny_run):
    with pytest.raises(OutputExistsError, match="--overwrite"):
        build_report(tiny_run[0], full["out"] / "report.html", analysis=False)
    (full["out"] / "fresh_figures").mkdir()
    (full["out"] / "fresh_figures" / "photo.png").write_bytes(b"a user's photo")
    with pytest.raises(OutputExistsError, match="fresh_figures"):
        build_report(
            tiny_run[0],
            full["out"] / "other.html",
            analysis=False,
            markdown_path=full["out"] / "fresh.md",
        )
    assert not (full["out"] / "other.html").exists()


def test_milestone_options():
    assert parse_milestones(["map50=50%,0.6", "box.map50_95=70"]) == (
        ("mask.map50", 0.5),
        ("mask.map50", 0.6),
        ("box.map50_95", 0.7),
    )
    with pytest.raises(InvalidParameterError, match="Unknown metric 'f1'"):
        parse_milestones(["f1=0.5"])
    with pytest.raises(InvalidParameterError, match="METRIC=VALUE"):
        parse_milestones(["map50"])


def test_custom_milestones_in_report(user_run, tmp_path):
    _, markdown = build(
        user_run,
        tmp_path,
        languages="en",
        thresholds={"milestones": [("map50", 0.95)], "fast_gain": 0.03},
    )
    assert "✗ 95% mAP50 (Mask): not reached (best 90.77% at epoch 10)" in markdown
    assert "Fast convergence at epoch(s) 2 (+16.88 pp), 5 (+3.14 pp)." in markdown
    with pytest.raises(InvalidParameterError, match="Unknown report threshold"):
        build_report(user_run, tmp_path / "x.html", thresholds={"speed": 1})


# --------------------------------------------------------------------------- compare


def test_compare_runs_gives_per_class_deltas(recorded_run, user_run):
    record = json.loads((recorded_run / "record.json").read_text())
    markdown = compare_runs(recorded_run, user_run)
    mask = table(markdown, "", "Per class: Mask")
    rows = {r[0]: r for r in mask["rows"]}
    roof_a = record["final"]["classes"]["roof"]["mask"]["map50"]
    assert number(rows["roof"][3]) == pytest.approx(round((0.932 - roof_a) * 100, 2))
    assert rows["Baren-Land"][1] == "—" and rows["Baren-Land"][3] == "—"
    assert table(markdown, "", "Per class: Mask", "ja")["header"][0] == "クラス"
    assert "B is better on" in markdown and "B は" in markdown
    assert "different validation data" in markdown
    html = compare_runs(recorded_run, user_run, languages="en,ja", output_format="html")
    assert html.startswith("<!DOCTYPE html>") and not re.search(r"https?://", html)


def test_compare_needs_finished_runs(recorded_run, tmp_path):
    run_dir = copy_run(recorded_run, tmp_path / "run", with_model=False)
    edit_record(run_dir, lambda record: record.update(final=None))
    with pytest.raises(RunRecordError, match="--resume"):
        compare_runs(recorded_run, run_dir)


@pytest.mark.slow
def test_complete_run_reports_nothing_missing(full, tiny_run, tmp_path):
    assert "Missing data" not in full["md"] and "欠落データ" not in full["md"]
    summary = table(full["md"], "Summary")
    assert summary["rows"][-1][1:] == ["nothing missing", "Complete"]
    run_dir = copy_run(tiny_run[0], tmp_path / "run")
    edit_record(run_dir, lambda r: r["dataset"].update(data_yaml=str(tmp_path / "gone.yaml")))
    _, markdown = build(run_dir, tmp_path, analysis=True)
    assert markdown.count("Skipped: the run's dataset") == 3  # missing list, sections 7 and 8
    assert "landseg analyze MODEL --data DATASET" in markdown


def test_missing_japanese_font_is_a_clear_error(recorded_run, tmp_path, monkeypatch):
    from matplotlib import font_manager

    from landseg.errors import FontNotFoundError
    from landseg.reporting import plots

    monkeypatch.setattr(plots, "_fontconfig_candidates", lambda: [])
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    plots.cjk_font.cache_clear()
    try:
        with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
            build_report(recorded_run, tmp_path / "r.html", analysis=False)
        assert not (tmp_path / "r.html").exists()
        build_report(recorded_run, tmp_path / "en.html", analysis=False, languages="en")
    finally:
        plots.cjk_font.cache_clear()


def test_compare_summary_names_gains_and_losses_by_their_sign():
    from landseg.reporting.compare import _class_summary

    all_better = _class_summary("mask", {"roof": 0.05, "farm": 0.01})["en"]
    assert "largest gain roof" in all_better and "smallest gain farm" in all_better
    assert "loss" not in all_better
    all_worse = _class_summary("mask", {"roof": -0.05, "farm": -0.01})["en"]
    assert "smallest loss farm" in all_worse and "largest loss roof" in all_worse
    assert "gain" not in all_worse
    mixed = _class_summary("mask", {"roof": 0.05, "farm": -0.01})["ja"]
    assert "最大の向上 roof" in mixed and "最大の低下 farm" in mixed


def test_a_run_trained_on_reviewed_labels_gets_a_review_round_section(recorded_run, tmp_path):
    review = {"layer": "result.gpkg", "decisions": {"accepted": 41, "rejected": 7, "corrected": 3}}
    edit_record(recorded_run, lambda record: record["dataset"].update(review=review))
    _, markdown = build(recorded_run, tmp_path)
    assert "Review round" in markdown and "レビューラウンド" in markdown
    rows = {r[0]: r[1] for r in table(markdown, "Review round")["rows"]}
    assert rows["accepted"] == "41" and rows["corrected"] == "3" and rows["reviewed area"] == "0"
    plain = tmp_path / "plain"
    plain.mkdir()
    edit_record(recorded_run, lambda record: record["dataset"].pop("review"))
    assert "Review round" not in build(recorded_run, plain)[1]
