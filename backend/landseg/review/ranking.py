"""How well a ranking finds the model's mistakes: the share of errors among the first polygons.

An *error* is a predicted polygon that matches no labelled polygon of its class at IoU 0.5 or
more (a false positive, or a wrong class when it overlaps a label of another class). A *missed*
object is a labelled polygon that no prediction touches.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

TOP_SHARE = 0.2


@dataclass
class RankingQuality:
    """Shares of all errors found among the first ``TOP_SHARE`` of polygons, per ranking."""

    polygons: int
    errors: int
    by_priority: float  # highest review_priority first
    by_score: float  # lowest score first
    by_random: float  # the expected share: TOP_SHARE
    missed: int  # labelled objects no prediction touches
    missed_covered: float  # share of those that a review item touches


def errors(predictions: gpd.GeoDataFrame, labels: gpd.GeoDataFrame) -> np.ndarray:
    """Per prediction: True when no label of its class matches it at IoU 0.5."""
    tree = shapely.STRtree(np.asarray(labels.geometry.array, dtype=object))
    wrong = np.ones(len(predictions), dtype=bool)
    pairs = zip(predictions["class"], predictions.geometry, strict=True)
    for i, (name, geometry) in enumerate(pairs):
        for j in tree.query(geometry, predicate="intersects"):
            label = labels.geometry.iloc[j]
            union = shapely.area(shapely.union(geometry, label))
            iou = shapely.area(shapely.intersection(geometry, label)) / union if union else 0
            if labels["class"].iloc[j] == name and iou >= 0.5:
                wrong[i] = False
                break
    return wrong


def ranking_quality(
    predictions: gpd.GeoDataFrame, labels: gpd.GeoDataFrame, review: gpd.GeoDataFrame
) -> RankingQuality:
    """How many of the model's errors the first 20 % of polygons hold, by each ranking, and how
    many of the objects it missed the review items touch."""
    labels = labels.to_crs(predictions.crs)
    wrong = errors(predictions, labels)
    count = max(1, round(TOP_SHARE * len(predictions)))
    total = max(1, int(wrong.sum()))

    def share(order: np.ndarray) -> float:
        return float(wrong[order[:count]].sum()) / total

    by_priority = np.argsort(-predictions["review_priority"].to_numpy(), kind="stable")
    by_score = np.argsort(predictions["score"].to_numpy(), kind="stable")
    touched = shapely.STRtree(np.asarray(predictions.geometry.array, dtype=object))
    missed = [g for g in labels.geometry if not len(touched.query(g, predicate="intersects"))]
    items = shapely.STRtree(np.asarray(review.to_crs(predictions.crs).geometry.array, dtype=object))
    covered = sum(bool(len(items.query(g, predicate="intersects"))) for g in missed)
    return RankingQuality(
        polygons=len(predictions),
        errors=int(wrong.sum()),
        by_priority=share(by_priority),
        by_score=share(by_score),
        by_random=TOP_SHARE,
        missed=len(missed),
        missed_covered=covered / len(missed) if missed else 1.0,
    )
