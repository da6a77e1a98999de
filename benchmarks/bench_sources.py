"""Real-world input benchmarks: bytes read for an area of interest, cost of resampling.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_sources.py aoi [--size 8192]
    .venv/bin/python benchmarks/bench_sources.py resample [--size 1536]

``aoi`` serves a COG of the scene over loopback HTTP and counts the bytes the server sends
when segmenting an area of interest covering 10% of the raster, against the whole raster.
``resample`` times a 10 cm raster segmented at 30 cm (read resampled) against the same
scene written natively at 30 cm.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import rasterio
import shapely
from rasterio.shutil import copy as copy_raster

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from landseg.inference.pipeline import segment
from landseg.inference.runtimes.loading import load
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH
from landseg.io.synthetic import write_scene
from tests.http_server import serve
from tests.standins import EmptySegmenter


def aoi(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        scene = write_scene(Path(folder) / "scene", size_px=args.size, seed=400)
        served = Path(folder) / "served"
        served.mkdir()
        with rasterio.open(scene.raster_path) as src:
            copy_raster(src, served / "scene.tif", driver="COG", compress="deflate")
            left, bottom, right, top = src.bounds
        side = (right - left) * 0.1**0.5  # a square of 10% of the raster's area
        centre_x, centre_y = (left + right) / 2, (bottom + top) / 2
        area = shapely.box(
            centre_x - side / 2, centre_y - side / 2, centre_x + side / 2, centre_y + side / 2
        )
        sent = {}
        for label, region in (("whole raster", None), ("10% area of interest", area)):
            with serve(served) as server:
                url = f"http://127.0.0.1:{server.server_port}/scene.tif"
                started = time.perf_counter()
                segment(
                    url,
                    Path(folder) / f"out-{len(sent)}.gpkg",
                    model=EmptySegmenter(),
                    aoi=region,
                    tile_size_px=512,
                    overlap_px=64,
                )
                sent[label] = server.bytes_sent
                print(
                    f"{label:22} {server.bytes_sent / 2**20:8.2f} MiB read over HTTP "
                    f"in {time.perf_counter() - started:.2f} s"
                )
        whole, part = sent.values()
        print(f"bytes read, area of interest / whole raster = {part / whole:.3f}")


def resample(args: argparse.Namespace) -> None:
    model = load(args.model, device="cpu")
    with tempfile.TemporaryDirectory() as folder:
        fine = write_scene(Path(folder) / "fine", size_px=3 * args.size, seed=401, pixel_size_m=0.1)
        coarse = write_scene(Path(folder) / "coarse", size_px=args.size, seed=401, pixel_size_m=0.3)
        times = {}
        for label, raster in (
            ("native 30 cm", coarse.raster_path),
            ("10 cm read at 30 cm", fine.raster_path),
        ):
            segment(
                raster, Path(folder) / "warm.gpkg", model=model, pixel_size_m=0.3, overwrite=True
            )  # warm caches and the model
            started = time.perf_counter()
            result = segment(
                raster, Path(folder) / "out.gpkg", model=model, pixel_size_m=0.3, overwrite=True
            )
            times[label] = time.perf_counter() - started
            print(
                f"{label:20} {times[label]:6.2f} s, {result.tiles_run} tiles, "
                f"{sum(result.counts.values())} polygons"
            )
        native, resampled = times.values()
        print(f"time resampled / native = {resampled / native:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("aoi").add_argument("--size", type=int, default=8192)
    command = sub.add_parser("resample")
    command.add_argument("--size", type=int, default=1536)
    command.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    {"aoi": aoi, "resample": resample}[args.command](args)


if __name__ == "__main__":
    main()
