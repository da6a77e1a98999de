"""The probability that a polygon is right (``p_correct``), from what the run knew of it.

A polygon is *right* when it matches a label of its class at IoU 0.5 or more. The raw score is
not that probability: how much it, the class margin or the mask's sharpness say depends on the
model and the imagery. A :class:`Calibration` — a logistic regression on the signals below,
fitted on labelled tiles the model did not learn from (``landseg calibrate``, or at the end of
``landseg train``) and stored in the model file's metadata — turns them into one.

Signals, all free at segment time:

- ``score``: the detector's score (the best piece's, over the tiles that saw the object);
- ``class_gap``: that score minus the best other class's score for the same box;
- ``sharpness``: the mean |mask logit| inside the box (a blurred mask is an unsure one);
- ``edge``: how far the best-placed view stayed from its tile's edge, in tiles (0 to 0.5);
- ``views``: how many tiles saw the object;
- ``log_area``: log(1 + area in processing-grid pixels);
- ``compactness``: 4πA/P² of the outline (1 for a disc, towards 0 for slivers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import shapely

from landseg.inference.stitch import MergedInstance

SIGNALS = ("score", "class_gap", "sharpness", "edge", "views", "log_area", "compactness")
POOLED = "*"  # the fit over every class, for classes with too few polygons of their own


def signal_columns(merged: Sequence[MergedInstance], tile_px: int) -> dict[str, np.ndarray]:
    """Each signal of :data:`SIGNALS`, one value per merged instance."""
    geometries = np.array([m.geometry for m in merged], dtype=object)
    area = shapely.area(geometries) if len(merged) else np.empty(0)
    perimeter = shapely.length(geometries) if len(merged) else np.empty(0)
    score = np.array([m.score for m in merged], dtype=float)
    runner_up, sharpness, edge_px = (
        np.array([m.signals.as_tuple() for m in merged], dtype=float).reshape(-1, 3).T
    )
    return {
        "score": score,
        "class_gap": score - runner_up,
        "sharpness": sharpness,
        "edge": np.clip(edge_px / tile_px, 0.0, 0.5),
        "views": np.array([m.tile_count for m in merged], dtype=float),
        "log_area": np.log1p(area),
        "compactness": np.divide(
            4 * np.pi * area, perimeter**2, out=np.zeros_like(area), where=perimeter > 0
        ),
    }


@dataclass(frozen=True)
class Calibration:
    """A logistic regression per class (or pooled) on standardised signals.

    ``centre`` and ``spread`` standardise each signal (a signal a model cannot give, NaN, is
    taken at its centre); ``weights[name]`` are the intercept then one weight per signal, for
    a class name or :data:`POOLED`. ``polygons[name]`` says how many labelled polygons each
    fit saw; a class without weights of its own uses the pooled ones.
    """

    centre: list[float]
    spread: list[float]
    weights: dict[str, list[float]]
    polygons: dict[str, int]
    source: str = ""  # what it was fitted on, in words
    held_out: dict = field(default_factory=dict)  # how it held on polygons it did not see

    def p_correct(self, columns: dict[str, np.ndarray], classes: Sequence[str]) -> np.ndarray:
        """The probability that each polygon is right, from its signals and class name."""
        standard = self.standardise(columns)
        names = np.asarray(classes, dtype=object)
        logits = np.empty(len(names))
        for name in set(names.tolist()):
            chosen = names == name
            w = np.asarray(self.weights.get(name, self.weights[POOLED]))
            logits[chosen] = w[0] + standard[chosen] @ w[1:]
        return 1.0 / (1.0 + np.exp(-logits))

    def standardise(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """The signals as an N x len(SIGNALS) array, centred and scaled, NaN at the centre."""
        values = np.column_stack([np.asarray(columns[s], dtype=float) for s in SIGNALS])
        standard = (values - np.asarray(self.centre)) / np.asarray(self.spread)
        return np.nan_to_num(standard, nan=0.0, posinf=0.0, neginf=0.0)

    def own_fit(self, name: str) -> bool:
        """Whether class ``name`` has a fit of its own (else it uses the pooled one)."""
        return name in self.weights and name != POOLED

    def to_dict(self) -> dict:
        """As stored in a model file's metadata."""
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict | None) -> Calibration | None:
        """The calibration a model file stored (``None`` when it has none)."""
        return cls(**stored) if stored else None
