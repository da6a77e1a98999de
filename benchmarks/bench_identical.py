"""Digests of the polygons ``segment`` writes: a change that must not alter outputs keeps them.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_identical.py [--seeds 300 301] [--size 1536]

For each synthetic scene (shipped model, one seed per scene) it segments a local run, a run
cancelled after a few batches and resumed, a run with ``--review`` and a run on a local Dask
cluster of two workers, and prints the SHA-256 of each output's features (geometry as WKB and
every attribute, in file order; the run's metadata holds a time stamp and is left out). Run it
before and after a change and compare the lines.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import tempfile
from pathlib import Path

import pyogrio

from landseg.errors import Cancelled
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.io.synthetic import write_scene


def digest(path: Path, layer: str = LAYER_NAME) -> str:
    """SHA-256 of a layer's geometries (WKB) and attributes, in file order."""
    frame = pyogrio.read_dataframe(path, layer=layer)
    sha = hashlib.sha256()
    for row in frame.itertuples(index=False):
        sha.update(repr(row[:-1]).encode())
        sha.update(row[-1].wkb)
    return f"{sha.hexdigest()[:16]} ({len(frame)} features)"


class _StopAfter:
    """A cancel token set after ``calls`` progress reports."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def report(self, *_args) -> None:
        self.calls -= 1

    def is_set(self) -> bool:
        return self.calls <= 0


def runs(scene: Path, out: Path) -> dict[str, str]:
    """The digest of each kind of run on ``scene``."""
    options = {"tile_size_px": 320, "overlap_px": 64}
    segment(scene, out / "local.gpkg", **options)
    stop = _StopAfter(4)
    with contextlib.suppress(Cancelled):
        segment(
            scene,
            out / "resumed.gpkg",
            checkpoint=True,
            cancel=stop,
            progress=stop.report,
            **options,
        )
    segment(scene, out / "resumed.gpkg", resume=True, **options)
    segment(scene, out / "review.gpkg", review=True, **options)
    segment(scene, out / "dask.gpkg", workers=2, chunk_tiles=2, **options)
    digests = {name: digest(out / f"{name}.gpkg") for name in ("local", "resumed", "dask")}
    digests["review"] = digest(out / "review.gpkg")
    digests["review layer"] = digest(out / "review.gpkg", "review")
    return digests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[300, 301])
    parser.add_argument("--size", type=int, default=1536)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            scene = write_scene(Path(folder) / f"scene{seed}", size_px=args.size, seed=seed)
            out = Path(folder) / f"out{seed}"
            out.mkdir()
            for name, value in runs(scene.raster_path, out).items():
                print(f"seed {seed} {name:>12}: {value}")


if __name__ == "__main__":
    main()
