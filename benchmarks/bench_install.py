"""The core install (``pip install landseg``, no PyTorch) against the full one: disk size,
install time, and the first ``landseg segment`` of a 2048² scene on each.

Builds a fresh virtual environment from this checkout (from the package index, or only from
``--wheelhouse``), proves ``import torch`` fails there, runs ``landseg doctor`` and a first
segmentation (no model cache yet), and prints the figures beside this checkout's full
environment (``.venv``). Usage::

    .venv/bin/python benchmarks/bench_install.py [--wheelhouse DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def folder_mb(path: Path) -> float:
    """Bytes under ``path`` (links not followed), in MB."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += (Path(root) / name).lstat().st_size
    return total / 1e6


def run(command: list[str], **kwargs) -> float:
    """Run ``command`` (it must succeed); its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(command, check=True, **kwargs)
    return time.perf_counter() - started


def first_segment(python: Path, scene: Path, out: Path, cache: Path) -> float:
    """The first ``landseg segment`` with an empty model cache, in seconds."""
    env = dict(os.environ, LANDSEG_CACHE_DIR=str(cache))
    return run([str(python), "-m", "landseg", "segment", str(scene), "-o", str(out)], env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheelhouse", help="install only from this folder (no index)")
    parser.add_argument("--keep", help="build the core environment here and keep it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="landseg-bench-install-"))
    env_dir = Path(args.keep) if args.keep else work / "core"
    python = env_dir / "bin" / "python"
    build = run([sys.executable, "-m", "venv", str(env_dir)])
    sources = ["--no-index", "--find-links", args.wheelhouse] if args.wheelhouse else []
    install = run([str(python), "-m", "pip", "install", "-q", *sources, str(ROOT)])
    torch_absent = subprocess.run([str(python), "-c", "import torch"], capture_output=True)
    assert torch_absent.returncode != 0, "torch is importable in the core environment"
    subprocess.run([str(python), "-m", "landseg", "doctor"], check=True)

    from landseg.io.synthetic import write_scene

    scene = write_scene(work / "scene", size_px=2048, seed=1).raster_path
    core_s = first_segment(python, scene, work / "core.gpkg", work / "core-cache")
    full_python = ROOT / ".venv" / "bin" / "python"
    first_segment(full_python, scene, work / "warm.gpkg", work / "full-cache")  # warms it
    full_s = first_segment(full_python, scene, work / "full.gpkg", work / "full-cache")
    print(f"core environment:  {folder_mb(env_dir):8.0f} MB, installed in {build + install:.0f} s")
    print(f"full environment:  {folder_mb(ROOT / '.venv'):8.0f} MB (.venv, every extra)")
    print(f"first segment 2048² on the fresh core: {core_s:.1f} s")
    print(f"segment 2048² on the warm full env:    {full_s:.1f} s  (ratio {core_s / full_s:.2f})")


if __name__ == "__main__":
    main()
