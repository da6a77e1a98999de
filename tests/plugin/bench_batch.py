"""Benchmark: a Processing batch of small rasters through the plugin vs the model kept loaded.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.plugin.bench_batch [N]``. Prints,
per raster, the time ``processing.run("landseg:segment")`` took in real headless QGIS (warm
worker), and the time the backend itself needs for the same raster with the model already
loaded in one process ("model-only"), and their ratio after the first raster.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZE_PX = 512
MODEL_ONLY = r"""
import json, sys, time
import landseg
from landseg.inference.runtimes.loading import load
rasters = sys.argv[1:]
model = load(None, device="cpu")
landseg.segment(rasters[0], rasters[0] + ".warm.gpkg", model=model, device="cpu", overwrite=True)
times, forward = [], []
for raster in rasters:
    before, started = model.forward_seconds, time.perf_counter()
    landseg.segment(raster, raster + ".only.gpkg", model=model, device="cpu", overwrite=True)
    times.append(time.perf_counter() - started)
    forward.append(model.forward_seconds - before)
print(json.dumps({"segment_s": times, "forward_s": forward}))
"""


def scenes(folder: Path, count: int) -> list[str]:
    from landseg.io.synthetic import write_scene

    return [
        str(write_scene(folder / f"s{i}", size_px=SIZE_PX, seed=100 + i).raster_path)
        for i in range(count)
    ]


def plugin_times(rasters: list[str], folder: Path) -> list[float]:
    """Wall time of each ``processing.run`` in real QGIS, one after another as a batch does."""
    from tests.plugin.conftest import PROCESSING_PLUGINS

    sys.path.append(PROCESSING_PLUGINS)
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import processing

    import plugin

    instance = plugin.classFactory(None)
    instance.initProcessing()
    times = []
    for index, raster in enumerate(rasters):
        started = time.perf_counter()
        parameters = {"INPUT": raster, "DEVICE": 1, "OUTPUT": str(folder / f"out{index}.gpkg")}
        processing.run("landseg:segment", parameters)
        times.append(time.perf_counter() - started)
    instance.unload()
    return times


def main(count: int = 20) -> None:
    with tempfile.TemporaryDirectory(prefix="landseg-bench-") as temporary:
        folder = Path(temporary)
        rasters = scenes(folder, count)
        from plugin import environment

        python = environment.detect().python
        done = subprocess.run(
            [python, "-c", MODEL_ONLY, *rasters], capture_output=True, text=True, check=True
        )
        only = json.loads(done.stdout.strip().splitlines()[-1])
        batch = plugin_times(rasters, folder)
    after_first = statistics.median(batch[1:])
    model_only = statistics.median(only["segment_s"])
    print(f"{count} rasters of {SIZE_PX}² px, CPU, shipped model")
    print(f"plugin batch: first {batch[0]:.2f} s, then median {after_first:.3f} s per raster")
    print(f"model kept loaded in one process: median {model_only:.3f} s per raster")
    print(f"  of which the forward pass: median {statistics.median(only['forward_s']):.3f} s")
    print(f"ratio after the first raster: {after_first / model_only:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
