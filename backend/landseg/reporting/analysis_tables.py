"""Text tables of the model analysis: its column keys, row formatting and the terminal view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from landseg.reporting.analysis import NEAR_ZERO
from landseg.reporting.texts import check_languages, display_width, text

# Text keys of the feature-map table columns (landseg.reporting.texts), shared with the report.
FEATURE_COLUMNS = (
    "col_layer",
    "col_shape",
    "col_stride",
    "col_mean",
    "col_std",
    "col_sparsity",
    "col_near_zero",
    "col_dynamic_range",
)
# ... and of the gradient-flow table.
GRADIENT_COLUMNS = (
    "col_layer",
    "col_parameters",
    "col_grad_norm",
    "col_param_norm",
    "col_ratio",
    "col_flags",
    "col_flagged_tensors",
)


def format_number(value: float | None) -> str:
    """A statistic or norm as compact text: four decimals or scientific; ``-`` when unknown."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4f}"
    return f"{value:.3e}"


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [
        max(display_width(str(cell)) for cell in column)
        for column in zip(headers, *rows, strict=True)
    ]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (width - display_width(str(cell)))
            parts.append(f"{cell}{pad}" if i == 0 else f"{pad}{cell}")
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def feature_rows(result: dict[str, Any]) -> list[list[str]]:
    """Table rows of the feature statistics (shared by the terminal and the report)."""
    return [
        [
            row["name"],
            "x".join(str(s) for s in row["shape"]),
            f"{row['stride']}" if row["stride"] else "-",
            format_number(row["mean"]),
            format_number(row["std"]),
            f"{row['sparsity'] * 100:.2f}%",
            f"{row['near_zero'] * 100:.2f}%",
            format_number(row["dynamic_range"]),
        ]
        for row in result["features"]
    ]


def gradient_rows(result: dict[str, Any], flag_names: dict[str, str]) -> list[list[str]]:
    """Table rows of the per-layer gradient figures; ``flag_names`` translates the flags."""
    return [
        [
            f"{row['role']}.{row['layer']} {row['module']}",
            f"{row['parameters']:,}",
            format_number(row["grad_norm"]),
            format_number(row["param_norm"]),
            format_number(row["ratio"]),
            ", ".join(flag_names[f] for f in row["flags"]) or flag_names["ok"],
            f"{row['flagged_tensors']}/{row['tensors']}",
        ]
        for row in result["gradients"]["layers"]
    ]


def format_analysis(result: dict[str, Any], *, language: str = "en") -> str:
    """The feature-map and gradient tables of :func:`analyze_model` as terminal text.

    Args:
        result: What :func:`analyze_model` returned.
        language: ``en`` or ``ja``.
    """
    (language,) = check_languages([language])

    def say(key: str, **values: Any) -> str:
        return text(key, **values)[language]

    flags = {k: say(f"flag_{k}") for k in ("vanishing", "exploding", "dead", "ok")}
    gradients = result["gradients"]
    thresholds = result["thresholds"]
    lines = [
        say(
            "analysis_intro",
            model=result["model"],
            images=result["images"],
            split=result["split"],
            imgsz=result["imgsz"],
            device=result["device"],
        ),
        "",
        say("features_title"),
        _text_table(
            [say(k) for k in FEATURE_COLUMNS],
            feature_rows(result),
        ),
        say("features_definitions", near_zero=NEAR_ZERO),
        "",
        say("gradients_title"),
        say(
            "gradient_loss",
            loss=format_number(gradients["loss"]["total"]),
            total=format_number(gradients["total_grad_norm"]),
        ),
        _text_table(
            [say(k) for k in GRADIENT_COLUMNS],
            gradient_rows(result, flags),
        ),
        say(
            "gradient_rule",
            vanishing=thresholds["vanishing"],
            exploding=thresholds["exploding"],
            dead=thresholds["dead_ratio"],
        ),
    ]
    issues = gradients["issues"]
    if issues:
        lines.append(say("gradient_issues", count=len(issues)))
        lines.extend(
            f"  - {flags[i['kind']]}: {i['name']} "
            f"({say('col_grad_norm')} {format_number(i['grad_norm'])})"
            for i in issues[:40]
        )
        if len(issues) > 40:
            lines.append("  " + say("and_more", count=len(issues) - 40))
    else:
        lines.append(say("gradient_no_issues"))
    return "\n".join(lines)
