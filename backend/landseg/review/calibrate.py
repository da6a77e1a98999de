"""Fitting ``p_correct``: which polygons were right, a logistic regression per class on their
signals, and how well calibrated a probability is (reliability and ECE).

A class with fewer than :data:`MIN_CLASS_POLYGONS` labelled polygons (or fewer than
:data:`MIN_OUTCOME` right or wrong ones) uses the fit pooled over every class. The figures of a
calibration are measured out of fold: the polygons are split into two blocks (by image, or by
the map's halves), each block predicted by the fit on the other, so no polygon is judged by a
fit that saw it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from landseg.errors import InvalidParameterError
from landseg.inference.confidence import POOLED, SIGNALS, Calibration
from landseg.messages import Message
from landseg.review.ranking import errors

MIN_CLASS_POLYGONS = 30
MIN_OUTCOME = 5  # right and wrong polygons each, for a class of its own
MIN_POLYGONS = 10  # fewer: no calibration at all
RIDGE = 1.0  # L2 penalty on the standardised weights (not the intercept)
BINS = 10


@dataclass
class Reliability:
    """How often polygons were right against the probability given them, in equal bins."""

    probability: list[float]  # mean probability given, per bin with polygons
    right: list[float]  # share of those polygons that were right
    count: list[int]
    ece: float  # expected calibration error: the bins' |right - probability|, count-weighted


def right_polygons(predictions: gpd.GeoDataFrame, labels: gpd.GeoDataFrame) -> np.ndarray:
    """Per predicted polygon: True when a label of its class matches it at IoU 0.5."""
    return ~errors(predictions, labels)


def signal_frame_columns(frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """The signals of a ``--review`` output's polygons, as :class:`Calibration` reads them."""
    missing = [name for name in SIGNALS if name not in frame.columns]
    if missing:
        raise InvalidParameterError(Message("calibration.no_signals", missing=", ".join(missing)))
    return {name: frame[name].to_numpy(dtype=float) for name in SIGNALS}


def fit(
    columns: dict[str, np.ndarray],
    classes: Sequence[str],
    right: np.ndarray,
    *,
    source: str,
) -> Calibration:
    """A calibration of ``p_correct`` from polygons' signals, class names and outcomes."""
    names = np.asarray(classes, dtype=object)
    right = np.asarray(right, dtype=bool)
    if (count := len(names)) < MIN_POLYGONS:
        raise InvalidParameterError(
            Message("calibration.too_few", count=count, min_polygons=MIN_POLYGONS)
        )
    values = np.column_stack([np.asarray(columns[s], dtype=float) for s in SIGNALS])
    centre = np.nan_to_num(np.nanmean(values, axis=0))
    spread = np.nan_to_num(np.nanstd(values, axis=0))
    spread = np.where(spread > 1e-9, spread, 1.0)
    draft = Calibration(centre.tolist(), spread.tolist(), {}, {})
    standard = draft.standardise(columns)
    weights = {POOLED: _logistic(standard, right).tolist()}
    polygons = {POOLED: len(names)}
    for name in sorted(set(names.tolist())):
        chosen = names == name
        polygons[name] = int(chosen.sum())
        outcomes = min(right[chosen].sum(), (~right[chosen]).sum())
        if chosen.sum() >= MIN_CLASS_POLYGONS and outcomes >= MIN_OUTCOME:
            weights[name] = _logistic(standard[chosen], right[chosen]).tolist()
    return Calibration(draft.centre, draft.spread, weights, polygons, source)


def _logistic(x: np.ndarray, y: np.ndarray, *, iterations: int = 50) -> np.ndarray:
    """Intercept and weights of an L2-penalised logistic regression (Newton's method)."""
    design = np.column_stack([np.ones(len(x)), x])
    penalty = np.full(design.shape[1], RIDGE)
    penalty[0] = 1e-3  # the intercept follows the base rate, however extreme
    w = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def out_of_fold(
    columns: dict[str, np.ndarray],
    classes: Sequence[str],
    right: np.ndarray,
    blocks: np.ndarray,
) -> np.ndarray:
    """Each polygon's ``p_correct`` from the fit on the other block (``blocks``: 0 or 1)."""
    names = np.asarray(classes, dtype=object)
    predicted = np.full(len(names), np.nan)
    for block in (0, 1):
        held = blocks == block
        fitted = fit(_take(columns, ~held), names[~held], right[~held], source="fold")
        predicted[held] = fitted.p_correct(_take(columns, held), names[held])
    return predicted


def _take(columns: dict[str, np.ndarray], chosen: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.asarray(values)[chosen] for name, values in columns.items()}


def reliability(probability: np.ndarray, right: np.ndarray, *, bins: int = BINS) -> Reliability:
    """The reliability diagram's points and the expected calibration error."""
    probability, right = np.asarray(probability, dtype=float), np.asarray(right, dtype=bool)
    which = np.minimum((probability * bins).astype(int), bins - 1)
    points = [
        (probability[which == b].mean(), right[which == b].mean(), int((which == b).sum()))
        for b in range(bins)
        if (which == b).any()
    ]
    total = max(1, len(probability))
    ece = sum(n * abs(r - p) for p, r, n in points) / total
    return Reliability(
        [round(float(p), 4) for p, _, _ in points],
        [round(float(r), 4) for _, r, _ in points],
        [n for _, _, n in points],
        round(float(ece), 4),
    )
