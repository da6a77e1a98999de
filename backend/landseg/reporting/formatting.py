"""How the report writes numbers, changes, metric and phase names in its cells and sentences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from landseg.reporting.texts import Bi, same, text

STATUSES = ("complete", "interrupted", "running", "pending")


def pct(value: float | None, digits: int = 2) -> str:
    """A fraction as a percentage, ``—`` when unknown."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def pp_abs(value: float) -> str:
    """A threshold in percentage points, without a sign."""
    return f"{value * 100:.2f} pp"


def pp(change: float | None) -> str:
    """A change of a fraction in signed percentage points, ``—`` when unknown."""
    return "—" if change is None else f"{change * 100:+.2f} pp"


def pp_change(old: float | None, new: float | None) -> str:
    """The change from ``old`` to ``new`` in signed percentage points, ``—`` when unknown."""
    return pp(None if old is None or new is None else new - old)


def relative(new: float | None, old: float | None, digits: int = 1) -> str:
    """The signed relative change from ``old`` to ``new``, ``—`` when it has no meaning."""
    if new is None or old is None or old == 0:
        return "—"
    return f"{(new - old) / abs(old) * 100:+.{digits}f}%"


def loss_text(value: float | None) -> str:
    """A loss value with four decimals, ``—`` when unknown."""
    return "—" if value is None else f"{value:.4f}"


def plain(value: Any) -> str:
    """Any recorded value as text, ``—`` when absent."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def epochs_label(entries: Sequence[dict[str, Any]]) -> str:
    """The epoch numbers of consecutive entries: ``3`` or ``3–7``."""
    first, last = entries[0]["epoch"], entries[-1]["epoch"]
    return f"{first}" if first == last else f"{first}–{last}"


def joined(phrase: Bi, languages: Sequence[str]) -> str:
    """One phrase in several languages on one line, each distinct wording once."""
    return " | ".join(dict.fromkeys(phrase[lang] for lang in languages))


def metric_label(kind: str, metric: str) -> Bi:
    """A metric's name with its kind, e.g. "mAP50 (mask)"."""
    return text("metric_with_kind", metric=text(f"metric_{metric}"), kind=text(f"kind_{kind}"))


def phase_name(name: str) -> Bi:
    """A phase's name within a sentence."""
    return text(f"phase_{name}") if name in ("main", "continued") else same(name)


def phase_label(name: str) -> Bi:
    """A phase's name as a heading or table cell (capitalised)."""
    return text(f"phase_title_{name}") if name in ("main", "continued") else same(name)


def phase_title(phase: dict[str, Any], entries: Sequence[dict[str, Any]]) -> Bi:
    """A phase's heading with its epochs."""
    key = "phase_with_epoch" if len(entries) == 1 else "phase_with_epochs"
    return text(key, phase=phase_label(phase["name"]), epochs=epochs_label(entries))


def status_label(status: Any) -> Bi:
    """A phase's status (``complete``, ``interrupted``, ...), translated when it is known."""
    return text(f"status_{status}") if status in STATUSES else same(status)
