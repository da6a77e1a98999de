"""Segmentation benchmarks: speed against the forward pass alone, memory, SAHI.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_segment.py overhead [--size 4096] [--tile 320] [--repeat 3]
    .venv/bin/python benchmarks/bench_segment.py memory [--sizes 2048 16384]
    .venv/bin/python benchmarks/bench_segment.py sahi [--size 4096]
    .venv/bin/python benchmarks/bench_segment.py startup [--size 256]
    .venv/bin/python benchmarks/bench_segment.py instances [--size 2048]
    .venv/bin/python benchmarks/bench_segment.py device [--device cuda] [--size 16384] [--batch 32]
    .venv/bin/python benchmarks/bench_segment.py ceiling [--size 4096] [--tile 320]

``overhead`` measures, in one run on the same tiles (a synthetic scene segmented with the
shipped weights at ``--tile`` px, 64 px overlap): ONNX Runtime's forward pass alone
(``session.run`` on batches of 8 prepared in memory, with one session on all cores and with
two sessions on half of them each, as LandSeg runs it; the faster is the limit on a CPU),
torch's forward pass alone, LandSeg end to end with each runtime (the job's own time and the
whole ``landseg segment`` process), and SAHI with the same weights (its sliced prediction in
this process, and ``sahi_run.py`` as a whole process, imports included); each
figure is the best of ``--repeat`` rounds and is also given as a ratio to the limit.
``memory`` runs each size in a fresh process and prints peak RSS and the ratio. ``sahi``
compares time and map-level accuracy.
``startup`` times the whole ``landseg segment`` process on a small raster with a cached ONNX
model. ``instances`` compares peak memory with 3 and 300 instances per 512 px tile.
``device`` compares the torch runtime's tiles per second end to end with its forward pass alone
on ``--device`` (fp16 on CUDA, batches already on the GPU; ``--device cpu`` runs it here).
``ceiling`` runs LandSeg with the model's answers for every tile found beforehand and given back
at once (a network that costs nothing): the most tiles per second that any model, on any GPU,
can get through the rest of the pipeline on this machine's CPU. SAHI is
not a LandSeg dependency: ``.venv/bin/pip install --no-deps sahi==0.12.8 fire`` (keeps numpy<2).
"""

from __future__ import annotations

import argparse
import compileall
import json
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from sahi_run import sahi_frame

import landseg
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.runtimes.loading import load
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH
from landseg.inference.runtimes.onnx_runtime import cached_onnx
from landseg.inference.runtimes.yolo_seg import batch, input_size
from landseg.inference.tiling import read_tile, tile_grid
from landseg.io.rasters import compute_scaling, open_raster, select_bands
from landseg.io.synthetic import write_scene

SCENE_SEED = 300
BATCH = 8
OVERLAP = 64


def scene(folder: Path, size: int):
    return write_scene(folder / f"scene-{size}", size_px=size, seed=SCENE_SEED, overwrite=True)


def network_batches(raster: Path, tile: int, size: int = BATCH) -> list[np.ndarray]:
    """The pipeline's tiles as network input batches, prepared in memory beforehand."""
    info = load(DEFAULT_MODEL_PATH, device="cpu").info
    with open_raster(raster) as src:
        bands = select_bands(src, info.bands)
        scaling = compute_scaling(src, bands)
        specs = tile_grid(src.width, src.height, tile, OVERLAP)
        tiles = [r.tile for s in specs if (r := read_tile(src, s, bands, scaling)) is not None]
    network_px = input_size(info, tile)
    return [batch(tiles[i : i + size], network_px) for i in range(0, len(tiles), size)]


def onnx_forward_s(batches: list[np.ndarray], sessions: int) -> float:
    """ONNX Runtime's ``session.run`` alone on every batch: one session on all cores (ONNX
    Runtime's defaults), or ``sessions`` sessions sharing the cores, each running every
    ``sessions``-th batch on a thread of its own (LandSeg's layout on a CPU)."""
    import onnxruntime
    import psutil

    path = str(cached_onnx(DEFAULT_MODEL_PATH)[0])
    options = onnxruntime.SessionOptions()
    if sessions > 1:
        options.intra_op_num_threads = max(1, psutil.cpu_count(logical=False) // sessions)
    runners = [
        onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        for _ in range(sessions)
    ]
    name = runners[0].get_inputs()[0].name
    for runner in runners:
        runner.run(None, {name: batches[0]})  # warm-up

    def run_share(k: int) -> None:
        for images in batches[k::sessions]:
            runners[k].run(None, {name: images})

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(run_share, range(sessions)))
    return time.perf_counter() - started


def torch_forward_s(batches: list[np.ndarray], device: str = "cpu") -> float:
    """torch's ``model(x)`` alone: fp32 on the CPU; fp16 on CUDA, as LandSeg runs it, with
    the batches already on the GPU."""
    import torch

    from landseg.inference.runtimes.ultralytics_runtime import read_model

    half = device.startswith("cuda")
    model = read_model(DEFAULT_MODEL_PATH)[0].model.fuse(verbose=False).eval().to(device)
    model = model.half() if half else model.float()
    inputs = [torch.from_numpy(images).to(device) for images in batches]
    inputs = [images.half() for images in inputs] if half else inputs
    with torch.inference_mode():
        model(inputs[0])  # warm-up
        _synchronize(device)
        started = time.perf_counter()
        for images in inputs:
            model(images)
        _synchronize(device)
    return time.perf_counter() - started


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def landseg_process(raster: Path, out: Path, runtime: str, tile: int) -> tuple[float, float]:
    """The whole ``landseg segment`` process: its wall seconds, and the job's own."""
    wall, timings = landseg_timings(raster, out, runtime, tile)
    return wall, timings["total"]


def landseg_timings(
    raster: Path, out: Path, runtime: str, tile: int, device: str = "cpu", batch: int = BATCH
) -> tuple[float, dict[str, float]]:
    """The whole ``landseg segment`` process: its wall seconds, and the job's timings."""
    command = [
        sys.executable,
        "-m",
        "landseg",
        "segment",
        str(raster),
        "-o",
        str(out),
        "--overwrite",
        "--runtime",
        runtime,
        "--device",
        device,
        "--batch",
        str(batch),
        "--tile-size",
        str(tile),
        "--overlap",
        str(OVERLAP),
        "--progress",
        "json",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    return wall, json.loads(done.stdout.strip().splitlines()[-1])["timings_s"]


def device_throughput(args: argparse.Namespace) -> None:
    """The torch runtime's throughput end to end against its forward pass alone, on the same
    tiles and batch size (on a GPU: fp16, the issue's target is at least 85 %)."""
    installed_bytecode()
    with tempfile.TemporaryDirectory() as folder:
        raster = scene(Path(folder), args.size).raster_path
        batches = network_batches(raster, args.tile, args.batch)
        n_tiles = sum(len(b) for b in batches)
        forward = min(torch_forward_s(batches, args.device) for _ in range(args.repeat))
        out = Path(folder) / "o.gpkg"
        runs = [
            landseg_timings(raster, out, "torch", args.tile, args.device, args.batch)[1]
            for _ in range(args.repeat)
        ]
        job = min(run["total"] for run in runs)
        loaded = min(run["total"] - run["model_load"] for run in runs)
        merging = min(run["stitch_and_vectorize"] for run in runs)
        print(
            f"{args.size}x{args.size} px, {n_tiles} tiles of {args.tile} px, batch {args.batch}, "
            f"{args.device}, best of {args.repeat}: forward alone {n_tiles / forward:.1f} tiles/s; "
            f"LandSeg once the model is loaded {n_tiles / loaded:.1f} tiles/s "
            f"({forward / loaded:.0%}), whole job {n_tiles / job:.1f} tiles/s "
            f"({forward / job:.0%}); the thread that merges and makes polygons was busy "
            f"{merging:.2f} s of {loaded:.2f} s (if near all of it, that thread sets the pace)"
        )


def installed_bytecode() -> None:
    """Compile LandSeg's modules, as installing a package does, so that timed processes load
    bytecode instead of compiling every module (a machine may set PYTHONDONTWRITEBYTECODE)."""
    compileall.compile_dir(Path(landseg.__file__).parent, quiet=1)


def overhead(args: argparse.Namespace) -> None:
    """Every figure is the best of ``--repeat`` rounds; a round measures each item once, so
    a slower spell of a shared machine touches every item alike."""
    installed_bytecode()
    with tempfile.TemporaryDirectory() as folder:
        written = scene(Path(folder), args.size)
        raster = written.raster_path
        batches = network_batches(raster, args.tile)
        n_tiles = sum(len(b) for b in batches)
        rounds = [
            _overhead_round(written, batches, Path(folder), args.tile) for _ in range(args.repeat)
        ]
        best = {label: min(r[label] for r in rounds) for label in rounds[0]}
        limit = min(best["ORT forward alone, 1 session"], best["ORT forward alone, 2 sessions"])
        print(
            f"{args.size}x{args.size} px, {n_tiles} tiles of {args.tile} px, batch {BATCH}, "
            f"best of {args.repeat}:"
        )
        print(f"  the limit: ONNX Runtime's forward pass alone, faster layout = {limit:.2f} s")
        for label, seconds in best.items():
            print(f"  {label:45} {seconds:7.2f} s   x{seconds / limit:5.2f} of the limit")
        ours = best["LandSeg --runtime onnx: whole process"]
        for theirs in ("SAHI sliced prediction", "SAHI as a whole process"):
            if f"{theirs}, same weights" in best:
                ratio = best[f"{theirs}, same weights"] / ours
                print(f"  {theirs} / LandSeg whole process (onnx) = {ratio:.2f}")


def _overhead_round(written, batches: list[np.ndarray], folder: Path, tile: int) -> dict:
    """One measurement of each item, in seconds."""
    seconds = {
        "ORT forward alone, 1 session": onnx_forward_s(batches, 1),
        "ORT forward alone, 2 sessions": onnx_forward_s(batches, 2),
        "torch forward alone": torch_forward_s(batches),
    }
    for runtime in ("onnx", "torch", "ultralytics"):
        wall, job = landseg_process(written.raster_path, folder / f"{runtime}.gpkg", runtime, tile)
        seconds[f"LandSeg --runtime {runtime}: job"] = job
        seconds[f"LandSeg --runtime {runtime}: whole process"] = wall
    sahi_s = sahi_seconds(written, tile)
    if sahi_s is not None:
        seconds["SAHI sliced prediction, same weights"] = sahi_s[0]
        seconds["SAHI as a whole process, same weights"] = sahi_s[1]
    return seconds


_INSTANCES_RUN = """
import resource, sys
import numpy as np
from landseg.inference.pipeline import segment
from landseg.inference.segmenter import TileInstance

class Boxes:
    # N box-sized 10 x 10 px instances per tile, as LandSeg's runtimes return them
    class_names = ["roof", "farm", "rice-fields", "Baren-Land"]

    def __init__(self, n):
        side = int(np.ceil(np.sqrt(n)))
        self.cells = [(16 + 28 * (i // side), 16 + 28 * (i % side)) for i in range(n)]

    def predict(self, tiles):
        mask = np.ones((10, 10), dtype=bool)
        return [[TileInstance(mask, 0, 0.9, row_off=r, col_off=c) for r, c in self.cells]
                for _ in tiles]

segment(sys.argv[1], sys.argv[2], model=Boxes(int(sys.argv[3])), tile_size_px=512,
        overlap_px=64, batch_size=8)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def instances(args: argparse.Namespace) -> None:
    """Peak RSS with 3 and with 300 instances per 512 px tile (batch 8), fresh processes."""
    with tempfile.TemporaryDirectory() as folder:
        raster = scene(Path(folder), args.size).raster_path
        peaks = {}
        for count in (3, 300):
            out = Path(folder) / f"o{count}.gpkg"
            done = subprocess.run(
                [sys.executable, "-c", _INSTANCES_RUN, str(raster), str(out), str(count)],
                capture_output=True,
                text=True,
                check=True,
            )
            peaks[count] = float(done.stdout.strip().splitlines()[-1])
            print(f"{count:>4} instances per tile: peak RSS {peaks[count]:7.1f} MiB")
        print(f"300 - 3 instances per tile: {peaks[300] - peaks[3]:+.1f} MiB")


def startup(args: argparse.Namespace) -> None:
    """Whole ``landseg segment`` process on a small raster, the ONNX model already cached."""
    installed_bytecode()
    with tempfile.TemporaryDirectory() as folder:
        raster = scene(Path(folder), args.size).raster_path
        cached_onnx(DEFAULT_MODEL_PATH)
        runs = [landseg_process(raster, Path(folder) / "o.gpkg", "auto", 256)[0] for _ in range(5)]
        print(
            f"{args.size}x{args.size} px raster, cached ONNX model: whole process "
            f"{min(runs):.2f} s (best of 5; median {sorted(runs)[2]:.2f} s)"
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


def sahi_seconds(written, tile: int) -> tuple[float, float] | None:
    """SAHI's time on the raster with the same weights: its sliced prediction alone (in this
    process, SAHI and torch already imported) and SAHI as a whole process, as a user runs it
    (imports included); None (and a hint) without SAHI."""
    try:
        import sahi  # noqa: F401
    except ImportError:
        print("SAHI is not installed: .venv/bin/pip install --no-deps sahi==0.12.8 fire")
        return None
    started = time.perf_counter()
    sahi_frame(written.raster_path, DEFAULT_MODEL_PATH, tile, OVERLAP)
    in_process = time.perf_counter() - started
    command = [sys.executable, str(Path(__file__).with_name("sahi_run.py"))]
    arguments = [str(written.raster_path), str(DEFAULT_MODEL_PATH), str(tile), str(OVERLAP)]
    started = time.perf_counter()
    subprocess.run(command + arguments, check=True, capture_output=True)
    return in_process, time.perf_counter() - started


def sahi(args: argparse.Namespace) -> None:
    from landseg.evaluation import maps as map_metrics

    tile = load(DEFAULT_MODEL_PATH, device="cpu").info.tile_size_px
    with tempfile.TemporaryDirectory() as folder:
        written = scene(Path(folder), args.size)
        out = Path(folder) / "landseg.gpkg"
        started = time.perf_counter()
        segment(written.raster_path, out, device="cpu", tile_size_px=tile, overlap_px=OVERLAP)
        landseg_s = time.perf_counter() - started
        started = time.perf_counter()
        theirs_frame = sahi_frame(written.raster_path, DEFAULT_MODEL_PATH, tile, OVERLAP)
        sahi_s = time.perf_counter() - started
        import geopandas as gpd

        ours = map_metrics.evaluate_map(gpd.read_file(out, layer=LAYER_NAME), written.labels_path)
        theirs = map_metrics.evaluate_map(theirs_frame, written.labels_path)
        for name, seconds, metrics in (("LandSeg", landseg_s, ours), ("SAHI", sahi_s, theirs)):
            overall = metrics.to_dict()["overall"]
            print(
                f"{name:8} {seconds:7.2f} s  mask AP50 {overall['map50']:.3f}  "
                f"AP50-95 {overall['map50_95']:.3f}  P {overall['precision']:.3f}  "
                f"R {overall['recall']:.3f}"
            )
        print(f"time SAHI / LandSeg = {sahi_s / landseg_s:.2f}")


class Replayed:
    """A model's instances for each tile, given back at once (found beforehand by the model)."""

    def __init__(self, model) -> None:
        self.model = model
        self.class_names = model.class_names
        self.found: dict[tuple[int, int], list] = {}

    def predict(self, tiles):
        if self.model is not None:  # the first run: the model finds them
            for tile, instances in zip(tiles, self.model.predict(tiles), strict=True):
                self.found[_position(tile)] = instances
        return [self.found[_position(tile)] for tile in tiles]


def _position(tile) -> tuple[int, int]:
    return int(tile.window.col_off), int(tile.window.row_off)


def ceiling(args: argparse.Namespace) -> None:
    """Tiles per second of the whole pipeline when the network costs nothing (best of 3)."""
    with tempfile.TemporaryDirectory() as folder:
        raster = scene(Path(folder), args.size).raster_path
        replayed = Replayed(load(DEFAULT_MODEL_PATH, device="cpu", runtime="onnx"))
        options = {"tile_size_px": args.tile, "overlap_px": OVERLAP, "batch_size": BATCH}
        segment(raster, Path(folder) / "o.gpkg", model=replayed, **options)
        replayed.model = None
        runs = [
            segment(raster, Path(folder) / "o.gpkg", model=replayed, overwrite=True, **options)
            for _ in range(3)
        ]
        best = min(runs, key=lambda run: run.timings_s["total"])
        seconds = best.timings_s["total"]
        print(
            f"{args.size}x{args.size} px, {best.tiles_run} tiles of {args.tile} px, the model's "
            f"answers replayed: {best.tiles_run / seconds:.1f} tiles/s end to end (best of 3); "
            f"the thread that merges and makes polygons was busy "
            f"{best.timings_s['stitch_and_vectorize']:.2f} s of {seconds:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sizes = (
        ("overhead", 4096),
        ("device", 4096),
        ("sahi", 4096),
        ("startup", 256),
        ("instances", 2048),
        ("ceiling", 4096),
    )
    for name, size in sizes:
        command = sub.add_parser(name)
        command.add_argument("--size", type=int, default=size)
    for name in ("overhead", "device", "ceiling"):
        sub.choices[name].add_argument("--tile", type=int, default=320)
        sub.choices[name].add_argument("--repeat", type=int, default=3)
    sub.choices["device"].add_argument("--batch", type=int, default=BATCH)
    sub.choices["device"].add_argument("--device", default="cuda")
    mem = sub.add_parser("memory")
    mem.add_argument("--sizes", type=int, nargs="+", default=[2048, 16384])
    mem.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    commands = {
        "overhead": overhead,
        "memory": memory,
        "sahi": sahi,
        "startup": startup,
        "instances": instances,
        "device": device_throughput,
        "ceiling": ceiling,
    }
    commands[args.command](args)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(benchmark process peak RSS {peak_mib:.0f} MiB)")


if __name__ == "__main__":
    main()
