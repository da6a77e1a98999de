"""Segmentation benchmarks: pipeline overhead, memory against raster size, SAHI comparison.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_segment.py overhead [--size 4096] [--model PATH]
    .venv/bin/python benchmarks/bench_segment.py memory [--sizes 2048 16384]
    .venv/bin/python benchmarks/bench_segment.py sahi [--size 4096]

``overhead`` prints end-to-end time divided by the model's own time on the same tiles (read
into memory beforehand), for the .pt model and its ONNX export. ``memory`` runs each size in a
fresh process and prints peak RSS and the ratio. ``sahi`` needs SAHI (not a LandSeg
dependency; install it with ``.venv/bin/pip install --no-deps sahi==0.12.8 fire`` so that it
keeps numpy<2) and compares time and map-level accuracy on the same raster and weights.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from landseg.inference.model_files import DEFAULT_MODEL_PATH
from landseg.inference.models import load
from landseg.inference.onnx_export import export_onnx
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.tiling import read_tile, tile_grid
from landseg.io.rasters import compute_scaling, open_raster, select_bands
from landseg.io.synthetic import write_scene

SCENE_SEED = 300


def scene(folder: Path, size: int):
    return write_scene(folder / f"scene-{size}", size_px=size, seed=SCENE_SEED, overwrite=True)


def forward_only_seconds(model, raster: Path) -> tuple[float, int]:
    """The model's own time on the pipeline's tiles, read into memory first."""
    info = model.info
    with open_raster(raster) as src:
        bands = select_bands(src, info.bands)
        scaling = compute_scaling(src, bands)
        specs = tile_grid(src.width, src.height, info.tile_size_px, info.overlap_px)
        tiles = [t.tile for s in specs if (t := read_tile(src, s, bands, scaling)) is not None]
    model.predict(tiles[: model.batch_size])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(tiles), model.batch_size):
        model.predict(tiles[start : start + model.batch_size])
    return time.perf_counter() - started, len(tiles)


def overhead(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        raster = scene(Path(folder), args.size).raster_path
        onnx = export_onnx(args.model, Path(folder) / "model.onnx")
        for label, path in (("PyTorch .pt", args.model), ("ONNX Runtime", onnx)):
            model = load(path, device="cpu")
            forward, n_tiles = forward_only_seconds(model, raster)
            out = Path(folder) / f"out-{path.suffix[1:]}.gpkg"
            result = segment(raster, out, model=model)
            total = result.timings_s["total"]
            print(
                f"{label:13} {args.size}x{args.size}, {n_tiles} tiles: end-to-end {total:6.2f} s, "
                f"model alone {forward:6.2f} s -> ratio {total / forward:.3f} "
                f"({sum(result.counts.values())} polygons)"
            )


def _segment_peak_rss(raster: Path, output: Path, model: Path) -> float:
    """Run one segmentation in a fresh process; its peak RSS in MiB."""
    code = (
        "import resource, sys\n"
        "from landseg.inference.pipeline import segment\n"
        "segment(sys.argv[1], sys.argv[2], model=sys.argv[3], device='cpu')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(raster), str(output), str(model)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def memory(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        peaks = {}
        for size in args.sizes:
            raster = scene(Path(folder), size).raster_path
            started = time.perf_counter()
            peaks[size] = _segment_peak_rss(raster, Path(folder) / f"out-{size}.gpkg", args.model)
            print(
                f"{size:>6} px: peak RSS {peaks[size]:7.1f} MiB "
                f"({time.perf_counter() - started:.0f} s)"
            )
        small, large = min(peaks), max(peaks)
        print(f"peak memory {large} px / {small} px = {peaks[large] / peaks[small]:.3f}")


def sahi(args: argparse.Namespace) -> None:
    import geopandas as gpd
    import numpy as np
    import shapely
    from sahi import AutoDetectionModel
    from sahi.predict import get_sliced_prediction

    from landseg.evaluation import maps as map_metrics

    model_info = load(args.model, device="cpu").info
    tile, overlap = model_info.tile_size_px, model_info.overlap_px
    with tempfile.TemporaryDirectory() as folder:
        written = scene(Path(folder), args.size)
        out = Path(folder) / "landseg.gpkg"
        started = time.perf_counter()
        segment(written.raster_path, out, model=args.model, device="cpu")
        landseg_s = time.perf_counter() - started

        started = time.perf_counter()
        with open_raster(written.raster_path) as src:
            image = np.moveaxis(src.read(), 0, -1)  # SAHI holds the whole raster in memory
            transform, crs = src.transform, src.crs
        detector = AutoDetectionModel.from_pretrained(
            model_type="ultralytics",
            model_path=str(args.model),
            confidence_threshold=0.25,
            device="cpu",
            image_size=tile,
        )
        prediction = get_sliced_prediction(
            image,
            detector,
            slice_height=tile,
            slice_width=tile,
            overlap_height_ratio=overlap / tile,
            overlap_width_ratio=overlap / tile,
            perform_standard_pred=False,
            postprocess_type="GREEDYNMM",
            postprocess_match_metric="IOS",
            postprocess_match_threshold=0.5,
            verbose=0,
        )
        rows = []
        for item in prediction.object_prediction_list:
            parts = [
                shapely.Polygon(np.reshape(ring, (-1, 2)))
                for ring in item.mask.segmentation
                if len(ring) >= 6
            ]
            geometry = shapely.make_valid(shapely.MultiPolygon([p for p in parts if p.is_valid]))
            matrix = [
                transform.a,
                transform.b,
                transform.d,
                transform.e,
                transform.xoff,
                transform.yoff,
            ]
            rows.append(
                (
                    item.category.name,
                    item.score.value,
                    shapely.affinity.affine_transform(geometry, matrix),
                )
            )
        sahi_s = time.perf_counter() - started
        sahi_frame = gpd.GeoDataFrame(
            {"class": [r[0] for r in rows], "score": [r[1] for r in rows]},
            geometry=[r[2] for r in rows],
            crs=crs,
        )
        ours = map_metrics.evaluate_map(gpd.read_file(out, layer=LAYER_NAME), written.labels_path)
        theirs = map_metrics.evaluate_map(sahi_frame, written.labels_path)
        for name, seconds, metrics in (("LandSeg", landseg_s, ours), ("SAHI", sahi_s, theirs)):
            overall = metrics.to_dict()["overall"]
            print(
                f"{name:8} {seconds:7.2f} s  mask AP50 {overall['map50']:.3f}  "
                f"AP50-95 {overall['map50_95']:.3f}  P {overall['precision']:.3f}  "
                f"R {overall['recall']:.3f}"
            )
        print(f"time SAHI / LandSeg = {sahi_s / landseg_s:.2f}")
        print(json.dumps({"landseg_s": landseg_s, "sahi_s": sahi_s}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, size in (("overhead", 4096), ("sahi", 4096)):
        command = sub.add_parser(name)
        command.add_argument("--size", type=int, default=size)
    mem = sub.add_parser("memory")
    mem.add_argument("--sizes", type=int, nargs="+", default=[2048, 16384])
    for command in sub.choices.values():
        command.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    {"overhead": overhead, "memory": memory, "sahi": sahi}[args.command](args)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(benchmark process peak RSS {peak_mib:.0f} MiB)")


if __name__ == "__main__":
    main()
