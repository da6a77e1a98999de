"""Report plots: matplotlib (Agg) figures rendered to PNG bytes, with a real CJK font.

Plot labels arrive already translated (joined across the report's languages). Japanese text
is drawn with a CJK font found on the system (Debian: fonts-noto-cjk), registered with
matplotlib's font manager, so no glyph is ever drawn as an empty box.
"""

from __future__ import annotations

import contextlib
import functools
import io
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from landseg.errors import FontNotFoundError
from landseg.messages import Message

PROBE_CHARACTERS = "訓練損失エポック"  # kanji and katakana the report's plots draw
# Families known to cover Japanese, tried when fontconfig is unavailable.
_KNOWN_CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "VL Gothic",
)
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def _covers_japanese(path: Path) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(str(path))
    except (OSError, RuntimeError):
        return False
    return all(font.get_char_index(ord(c)) for c in PROBE_CHARACTERS)


def _fontconfig_candidates() -> list[Path]:
    if shutil.which("fc-list") is None:
        return []
    try:
        listing = subprocess.run(
            ["fc-list", ":lang=ja", "file", "family", "style"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []

    def preference(line: str) -> tuple[int, int, int, str]:
        # sans before serif, regular weight, Japanese-first faces, then by name
        return (
            "Serif" in line or "Mincho" in line,
            "Regular" not in line and "Book" not in line,
            "JP" not in line,
            line,
        )

    paths = []
    for line in sorted(listing.splitlines(), key=preference):
        path = Path(line.split(":", 1)[0].strip())
        if path.suffix.lower() in (".ttf", ".otf", ".ttc", ".otc") and path not in paths:
            paths.append(path)
    return paths


@functools.lru_cache(maxsize=1)
def cjk_font() -> Path:
    """The file of a font that can draw Japanese, registered with matplotlib.

    Raises:
        FontNotFoundError: No installed font covers Japanese.
    """
    from matplotlib import font_manager

    candidates = _fontconfig_candidates()
    for entry in font_manager.fontManager.ttflist:
        if any(entry.name.startswith(name) for name in _KNOWN_CJK_FAMILIES) or "CJK" in entry.name:
            candidates.append(Path(entry.fname))
    for path in candidates:
        if path.is_file() and _covers_japanese(path):
            font_manager.fontManager.addfont(str(path))
            return path
    raise FontNotFoundError(Message("report.font"))


def cjk_family() -> str:
    """The family name matplotlib uses for :func:`cjk_font`."""
    from matplotlib import font_manager

    return font_manager.FontProperties(fname=str(cjk_font())).get_name()


@contextlib.contextmanager
def plotting(languages: Sequence[str]) -> Iterator[None]:
    """Agg backend and fonts for ``languages``: a CJK font first when Japanese is drawn."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    families = [cjk_family(), "DejaVu Sans"] if "ja" in languages else ["DejaVu Sans"]
    settings = {
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "axes.unicode_minus": False,
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with plt.rc_context(settings):
        yield


@dataclass
class Panel:
    """One subplot.

    ``series`` maps a legend label to y values (``None`` for a gap); for line panels ``x``
    holds the x values, for bar panels ``categories`` the bar labels.
    """

    title: str
    ylabel: str = ""
    xlabel: str = ""
    series: dict[str, list[float | None]] = field(default_factory=dict)
    x: list[float] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    log: bool = False
    percent: bool = False
    hlines: list[tuple[float, str]] = field(default_factory=list)
    vlines: list[tuple[float, str]] = field(default_factory=list)


def _png(figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _finish_axes(axes, panel: Panel) -> None:
    from matplotlib.ticker import PercentFormatter

    axes.set_title(panel.title, fontsize=11)
    axes.set_ylabel(panel.ylabel)
    axes.set_xlabel(panel.xlabel)
    if panel.percent:
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    for value, label in panel.hlines:
        axes.axhline(value, color="0.4", linestyle=":", linewidth=1)
        axes.annotate(
            label,
            (1.0, value),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize=7,
            color="0.3",
        )
    if panel.log:
        axes.set_yscale("log")


def line_figure(panels: Sequence[Panel], *, columns: int = 2, title: str = "") -> bytes:
    """Line panels sharing phase boundaries (``vlines``), as PNG bytes."""
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // columns)
    figure, grid = plt.subplots(rows, columns, figsize=(6 * columns, 3.6 * rows), squeeze=False)
    for axes, panel in zip(grid.flat, panels, strict=False):
        for i, (label, values) in enumerate(panel.series.items()):
            points = [(x, y) for x, y in zip(panel.x, values, strict=True) if y is not None]
            if not points or (panel.log and all(y <= 0 for _, y in points)):
                continue
            xs, ys = zip(*points, strict=True)
            axes.plot(
                xs,
                ys,
                marker="o",
                markersize=3.5,
                linewidth=1.6,
                label=label,
                color=_COLORS[i % len(_COLORS)],
            )
        for position, label in panel.vlines:
            axes.axvline(position, color="0.5", linestyle="--", linewidth=1)
            axes.annotate(
                label,
                (position, 0.02),
                xycoords=("data", "axes fraction"),
                xytext=(3, 0),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=8,
                color="0.25",
                bbox={
                    "boxstyle": "round,pad=0.2",
                    "facecolor": "white",
                    "edgecolor": "0.8",
                    "alpha": 0.85,
                },
            )
        if panel.percent:  # shares are never negative; all-zero curves get a 0-100% axis
            low, high = axes.get_ylim()
            peak = max((v for vs in panel.series.values() for v in vs if v is not None), default=0)
            top = max([high if peak > 0 else 1.0, *(v * 1.05 for v, _ in panel.hlines)])
            axes.set_ylim(max(0.0, low), top)
        if panel.x:
            from matplotlib.ticker import MaxNLocator

            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        _finish_axes(axes, panel)
        if panel.series:
            axes.legend(fontsize=8)
    for axes in list(grid.flat)[len(panels) :]:
        axes.set_visible(False)
    if title:
        figure.suptitle(title, fontsize=13)
    figure.tight_layout()
    return _png(figure)


def bar_figure(panels: Sequence[Panel], *, columns: int = 2, title: str = "") -> bytes:
    """Grouped-bar panels, as PNG bytes."""
    import matplotlib.pyplot as plt
    import numpy as np

    rows = -(-len(panels) // columns)
    widest = max(len(p.categories) for p in panels)
    width_in = max(5.0, min(7.0, 0.25 * widest * max(1, len(panels[0].series)) + 2))
    figure, grid = plt.subplots(
        rows, columns, figsize=(width_in * columns, 3.8 * rows), squeeze=False
    )
    for axes, panel in zip(grid.flat, panels, strict=False):
        count = max(1, len(panel.series))
        positions = np.arange(len(panel.categories))
        bar_width = 0.8 / count
        for i, (label, values) in enumerate(panel.series.items()):
            heights = [np.nan if v is None else v for v in values]
            if panel.log:
                heights = [np.nan if (h is None or h <= 0) else h for h in heights]
            axes.bar(
                positions - 0.4 + bar_width * (i + 0.5),
                heights,
                bar_width,
                label=label,
                color=_COLORS[i % len(_COLORS)],
            )
        axes.set_xticks(positions)
        rotate = max((len(c) for c in panel.categories), default=0) > 10 or len(positions) > 6
        axes.set_xticklabels(
            panel.categories,
            rotation=35 if rotate else 0,
            ha="right" if rotate else "center",
            fontsize=8,
        )
        _finish_axes(axes, panel)
        if len(panel.series) > 1:
            if panel.percent:  # room above the bars for a one-line legend
                axes.set_ylim(0, 1.2)
                axes.legend(fontsize=8, loc="upper center", ncol=len(panel.series))
            else:
                axes.legend(fontsize=8)
    for axes in list(grid.flat)[len(panels) :]:
        axes.set_visible(False)
    if title:
        figure.suptitle(title, fontsize=13)
    figure.tight_layout()
    return _png(figure)
