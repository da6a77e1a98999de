"""Does the review priority find the model's mistakes? Shares of errors among the first polygons.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_review.py [--size 1536] [--scenes 6]

Synthetic scenes at finer pixel sizes than the shipped model learnt at (0.5 m), where it makes
mistakes, are segmented with ``--review``. Over all their polygons pooled, the script prints the
share of the model's errors (false positives at IoU 0.5 and wrong classes) held by the first
20 % of polygons ranked by ``review_priority``, by ``score`` alone (lowest first) and at random
(20 %), the share of the objects the model missed entirely that a review item touches, and what
``--review`` costs in time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from landseg.inference.pipeline import segment
from landseg.io.synthetic import write_scene
from landseg.review.ranking import TOP_SHARE, errors

# finer than the model learnt at (it over- and mis-predicts), then coarser (it misses objects)
PIXEL_SIZES = (0.2, 0.25, 0.3, 1.0, 1.1, 1.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1536)
    parser.add_argument("--scenes", type=int, default=6)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    frames, reviews, labels, seconds = [], [], [], {True: 0.0, False: 0.0}
    with tempfile.TemporaryDirectory() as folder:
        for k in range(args.scenes):
            pixel = PIXEL_SIZES[k % len(PIXEL_SIZES)]
            scene = write_scene(
                Path(folder) / f"s{k}", size_px=args.size, seed=500 + k, pixel_size_m=pixel
            )
            for review in (False, True):
                out = Path(folder) / f"s{k}-{review}.gpkg"
                started = time.perf_counter()
                segment(scene.raster_path, out, review=review, device="cpu", pixel_size_m=pixel)
                seconds[review] += time.perf_counter() - started
            predicted = gpd.read_file(out, layer="landcover")
            truth = gpd.read_file(scene.labels_path).to_crs(predicted.crs)
            predicted["error"] = errors(predicted, truth)
            frames.append(predicted)
            reviews.append(gpd.read_file(out, layer="review").to_crs(predicted.crs))
            labels.append(_missed(predicted, truth))
    pooled = pd.concat(frames, ignore_index=True)
    wrong, count = pooled["error"].to_numpy(), max(1, round(TOP_SHARE * len(pooled)))
    shares = {
        "review_priority": _share(wrong, np.argsort(-pooled["review_priority"].to_numpy()), count),
        "score alone": _share(wrong, np.argsort(pooled["score"].to_numpy()), count),
        "random": TOP_SHARE,
    }
    print(f"{len(pooled)} polygons on {args.scenes} scenes, {int(wrong.sum())} errors")
    for name, value in shares.items():
        print(f"  errors among the first {TOP_SHARE:.0%} by {name:16} {value:6.1%}")
    missed = sum(len(m) for m in labels)
    covered = sum(_covered(m, r) for m, r in zip(labels, reviews, strict=True))
    print(
        f"  objects missed entirely: {missed}; touched by a review item: "
        f"{covered / missed if missed else 1:.1%}"
    )
    print(
        f"  --review costs {seconds[True] / seconds[False] - 1:+.1%} time "
        f"({seconds[False]:.1f} s without, {seconds[True]:.1f} s with)"
    )


def _share(wrong: np.ndarray, order: np.ndarray, count: int) -> float:
    return float(wrong[order[:count]].sum()) / max(1, int(wrong.sum()))


def _missed(predicted: gpd.GeoDataFrame, truth: gpd.GeoDataFrame) -> gpd.GeoSeries:
    touched = predicted.sindex.query(truth.geometry, predicate="intersects")[0]
    return truth.geometry[~np.isin(np.arange(len(truth)), touched)]


def _covered(missed: gpd.GeoSeries, review: gpd.GeoDataFrame) -> int:
    if not len(missed) or not len(review):
        return 0
    return len(set(review.sindex.query(missed, predicate="intersects")[0]))


if __name__ == "__main__":
    main()
