"""Segmenting on Dask: throughput with 1 and 2 local workers, and the distributed path's overhead.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_distributed.py [--size 3072] [--delay-ms 50]
        [--chunk-tiles 4] [--repeats 3]

The model is a stand-in whose cost is a sleep per tile (``--delay-ms``), so that two workers
can show their scaling on a 2-core machine; it returns one square instance per tile, so the
mask -> piece -> seam merge path runs as well. Throughput is tiles per second of the whole
``segment`` call (read, model, merge, vectorize, write). Every figure is the median of
``--repeats`` runs on a cluster started (and warmed up by one run) beforehand: starting a
local cluster costs a few seconds once per run of ``landseg segment --workers N``, printed
separately. The overhead compares 1 Dask worker with a local run; most of it is per chunk
(a chunk's first batch is read before its model can start, where a local run overlaps every
read but the first), so it shrinks as chunks grow: on the 2-core reference machine, 2 x 2
chunks cost about +14 %, 4 x 4 chunks about +5 %.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from landseg.inference.distributed import dask_client
from landseg.inference.pipeline import segment
from landseg.inference.segmenter import Tile, TileInstance
from landseg.io.synthetic import CLASS_NAMES, write_scene

TILE_SIZE_PX, OVERLAP_PX = 256, 32


class SleepySegmenter:
    """Sleeps ``delay_s`` per tile, as a model's forward pass would take; one square per tile."""

    def __init__(self, delay_s: float) -> None:
        self.class_names = list(CLASS_NAMES)
        self.delay_s = delay_s

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        time.sleep(self.delay_s * len(tiles))
        out = []
        for tile in tiles:
            mask = np.zeros(tile.image.shape[:2], dtype=bool)
            mask[96:160, 96:160] = True
            out.append([TileInstance(mask, 0, 0.9)])
        return out


def timed_runs(raster: Path, folder: Path, label: str, repeats: int, **options) -> list[float]:
    """Seconds of each of ``repeats`` runs of ``segment``."""
    seconds = []
    for i in range(repeats):
        started = time.perf_counter()
        result = segment(
            raster,
            folder / f"{label}-{i}.gpkg",
            tile_size_px=TILE_SIZE_PX,
            overlap_px=OVERLAP_PX,
            min_area_m2=0.0,
            **options,
        )
        seconds.append(time.perf_counter() - started)
        assert result.tiles_run == result.tiles_total  # every tile holds data: all reach the model
    return seconds


def tile_count(raster: Path, folder: Path) -> int:
    result = segment(
        raster,
        folder / "probe.gpkg",
        model=SleepySegmenter(0.0),
        tile_size_px=TILE_SIZE_PX,
        overlap_px=OVERLAP_PX,
    )
    return result.tiles_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3072, help="Scene side in pixels.")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="Model time per tile.")
    parser.add_argument("--chunk-tiles", type=int, default=4, help="Tiles per side of a chunk.")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    model = SleepySegmenter(args.delay_ms / 1000)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        raster = write_scene(folder / "scene", size_px=args.size, seed=300).raster_path
        tiles = tile_count(raster, folder)
        print(
            f"{args.size} x {args.size} px, {tiles} tiles of {TILE_SIZE_PX} px, model "
            f"{args.delay_ms:g} ms/tile (sleep), chunks of {args.chunk_tiles} x "
            f"{args.chunk_tiles} tiles, median of {args.repeats} runs"
        )
        local = statistics.median(timed_runs(raster, folder, "local", args.repeats, model=model))
        print(f"local (no Dask):   {local:6.2f} s  {tiles / local:6.1f} tiles/s")
        medians = {}
        for workers in (1, 2):
            started = time.perf_counter()
            with dask_client(None, workers) as client:
                startup = time.perf_counter() - started
                options = {"model": model, "scheduler": client, "chunk_tiles": args.chunk_tiles}
                timed_runs(raster, folder, f"warm-{workers}", 1, **options)
                runs = timed_runs(raster, folder, f"dask-{workers}", args.repeats, **options)
            medians[workers] = statistics.median(runs)
            print(
                f"Dask, {workers} worker{'s' if workers > 1 else ' '}:  {medians[workers]:6.2f} s  "
                f"{tiles / medians[workers]:6.1f} tiles/s  (cluster start {startup:.1f} s, once)"
            )
        print(f"speed-up 2 workers / 1 worker: {medians[1] / medians[2]:.2f}x")
        print(f"overhead of Dask with 1 worker over a local run: {medians[1] / local - 1:+.1%}")


if __name__ == "__main__":
    main()
