"""The thresholds behind the report's observations and ratings, and the metric names they use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from landseg.errors import InvalidParameterError
from landseg.messages import Message
from landseg.reporting.analysis import GradientThresholds

KINDS = ("mask", "box")
METRICS = ("precision", "recall", "map50", "map50_95")


@dataclass(frozen=True)
class ReportThresholds:
    """Every threshold the report's observations and ratings use; all are stated in it.

    Attributes:
        milestones: ``(metric, value)`` pairs; the report gives the first epoch at or above
            each. Metrics are ``mask.map50``, ``mask.map50_95``, ``box.map50``, ... .
        fast_gain: A one-epoch gain in mask mAP50 at least this large is fast convergence.
        regression_drop: A one-epoch fall in mask mAP50 larger than this is a regression.
        plateau_change: Epoch-to-epoch changes smaller than this (absolute) are flat ...
        plateau_epochs: ... and this many flat changes in a row make a plateau.
        overfit_window: Epochs (within one phase) over which loss trends are fitted.
        overfit_slope: Relative loss change per epoch below which a trend counts as flat.
        ratings: Per metric, the lower bounds of "excellent", "good" and "fair".
        convergence: Fractions of the run's epochs within which mask mAP50 reaching 90 % of
            its best counts as fast and moderate convergence.
        unstable_drop: A regression larger than this makes training "unstable".
        gradients: When gradients are flagged in the gradient-flow analysis.
    """

    milestones: tuple[tuple[str, float], ...] = (
        ("mask.map50", 0.80),
        ("mask.map50", 0.85),
        ("mask.map50", 0.90),
        ("mask.map50_95", 0.80),
    )
    fast_gain: float = 0.05
    regression_drop: float = 0.005
    plateau_change: float = 0.005
    plateau_epochs: int = 2
    overfit_window: int = 3
    overfit_slope: float = 0.01
    ratings: Mapping[str, tuple[float, float, float]] = field(
        default_factory=lambda: {
            "map50": (0.85, 0.70, 0.50),
            "map50_95": (0.70, 0.50, 0.30),
            "precision": (0.85, 0.70, 0.50),
            "recall": (0.85, 0.70, 0.50),
        }
    )
    convergence: tuple[float, float] = (0.3, 0.6)
    unstable_drop: float = 0.02
    gradients: GradientThresholds = field(default_factory=GradientThresholds)


_METRIC_ALIASES = {
    "map50": "mask.map50",
    "map50-95": "mask.map50_95",
    "map50_95": "mask.map50_95",
    "map": "mask.map50_95",
}


def normalise_metric(name: str) -> str:
    """``mask.map50`` style name of a metric, accepting short forms such as ``map50-95``."""
    key = name.strip().lower().replace("map@0.5:0.95", "map50_95").replace("map@0.5", "map50")
    key = _METRIC_ALIASES.get(key, key).replace("-", "_")
    kind, _, metric = key.partition(".")
    if kind not in KINDS or metric not in METRICS:
        known = ", ".join(f"{k}.{m}" for k in KINDS for m in METRICS)
        raise InvalidParameterError(Message("report.metric", name=name, known=known))
    return key


def parse_milestones(values: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """Milestones from ``METRIC=VALUE[,VALUE...]`` strings, e.g. ``map50=80,85,90``.

    Values may be fractions (0.8) or percentages (80 or 80%).

    Args:
        values: The milestone strings, as given on the command line.

    Returns:
        ``(metric, fraction)`` pairs, metrics named as :func:`normalise_metric` names them.

    Raises:
        InvalidParameterError: A string, metric or value is not understood.
    """
    milestones = []
    for item in values:
        name, separator, numbers = item.partition("=")
        if not separator or not numbers.strip():
            raise InvalidParameterError(Message("report.milestone", item=item))
        metric = normalise_metric(name)
        for number in numbers.split(","):
            raw = number.strip().rstrip("%")
            try:
                value = float(raw)
            except ValueError:
                raise InvalidParameterError(
                    Message("report.milestone_number", value=number.strip(), item=item)
                ) from None
            value = value / 100 if value > 1 or number.strip().endswith("%") else value
            if not 0 < value <= 1:
                raise InvalidParameterError(Message("report.milestone_range", value=number.strip()))
            milestones.append((metric, value))
    return tuple(milestones)


def resolve_thresholds(value: ReportThresholds | Mapping[str, Any] | None) -> ReportThresholds:
    """The report's thresholds from themselves, a mapping of the fields to change, or ``None``.

    Args:
        value: :class:`ReportThresholds`, a mapping of field names to new values (milestone
            metrics in any form :func:`normalise_metric` accepts, ``gradients`` as a mapping),
            or ``None`` for the defaults.

    Raises:
        InvalidParameterError: An unknown field or milestone metric.
    """
    if value is None:
        return ReportThresholds()
    if isinstance(value, ReportThresholds):
        result = value
    else:
        names = {f.name for f in fields(ReportThresholds)}
        unknown = sorted(set(value) - names)
        if unknown:
            raise InvalidParameterError(
                Message(
                    "report.thresholds", unknown=", ".join(unknown), known=", ".join(sorted(names))
                )
            )
        updates = dict(value)
        if "milestones" in updates:
            updates["milestones"] = tuple(
                (normalise_metric(m), float(v)) for m, v in updates["milestones"]
            )
        if isinstance(updates.get("gradients"), Mapping):
            updates["gradients"] = GradientThresholds(**updates["gradients"])
        result = replace(ReportThresholds(), **updates)
    for metric, _ in result.milestones:
        normalise_metric(metric)
    return result
