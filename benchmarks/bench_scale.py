"""Memory against the number of objects: a dense stand-in model on rasters of growing size.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_scale.py [--sizes 2048 8192 16384] [--workers 2]

The stand-in finds a 10 x 10 px roof every 16 px (256 objects per 256 x 256 px), so a 16384 px
raster holds over a million objects. Each size runs in a fresh process; the script prints its
objects, time and peak RSS, then the growth from the smallest size. With ``--workers N`` the
sizes also run on a local Dask cluster and the client's peak RSS is printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.windows import Window

RUN = """
import json, resource, sys, time
import numpy as np
from landseg.inference.pipeline import segment
from landseg.inference.segmenter import TileInstance

class DenseRoofs:
    '''A 10 x 10 px roof every 16 px of the raster (cut to each tile, as a model sees it).'''
    class_names = ["roof", "farm", "rice-fields", "Baren-Land"]

    def predict(self, tiles):
        found = []
        for tile in tiles:
            r0, c0 = int(tile.window.row_off), int(tile.window.col_off)
            size = tile.image.shape[0]
            rows = np.arange(-(r0 % 16) + 3, size, 16)
            cols = np.arange(-(c0 % 16) + 3, size, 16)
            instances = []
            for r in rows:
                for c in cols:
                    top, left = max(r, 0), max(c, 0)
                    bottom, right = min(r + 10, size), min(c + 10, size)
                    if bottom > top and right > left:
                        mask = np.ones((bottom - top, right - left), dtype=bool)
                        instances.append(TileInstance(mask, 0, 0.9, row_off=top, col_off=left))
            found.append(instances)
        return found

started = time.perf_counter()
workers = int(sys.argv[3])
result = segment(sys.argv[1], sys.argv[2], model=DenseRoofs(), tile_size_px=512, overlap_px=64,
                 min_area_m2=0.0, workers=workers or None, checkpoint=False)
print(json.dumps({"objects": sum(result.counts.values()), "seconds": time.perf_counter() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def blank_raster(path: Path, size: int) -> Path:
    """A compressed 3-band raster of ``size`` px holding data everywhere (written by rows)."""
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:32654",
        "transform": Affine(0.5, 0, 500000, 0, -0.5, 4650000),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        rows = np.full((3, 512, size), 120, dtype=np.uint8)
        for row in range(0, size, 512):
            height = min(512, size - row)
            dst.write(rows[:, :height], window=Window(0, row, size, height))
    return path


def run(raster: Path, out: Path, workers: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(raster), str(out), str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2048, 8192])
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for workers in sorted({0, args.workers}):
            label = f"Dask, {workers} workers (client)" if workers else "local"
            peaks = {}
            for size in args.sizes:
                raster = blank_raster(Path(folder) / f"blank-{size}.tif", size)
                figures = run(raster, Path(folder) / f"out-{size}-{workers}.gpkg", workers)
                peaks[size] = figures["peak_mib"]
                print(
                    f"{label:28} {size:>6} px: {figures['objects']:>9,} objects, "
                    f"{figures['seconds']:7.1f} s, peak RSS {figures['peak_mib']:7.1f} MiB"
                )
            smallest = min(peaks)
            for size in sorted(peaks)[1:]:
                growth = peaks[size] - peaks[smallest]
                print(f"{label:28} peak RSS {size} px - {smallest} px: {growth:+.1f} MiB")


if __name__ == "__main__":
    main()
