"""The core install (``pip install landseg``, no PyTorch) against the full one: disk size,
install time from a warm wheelhouse, and the first ``landseg segment`` of a 2048² scene.

Fills a wheelhouse with every wheel the full install needs (or takes ``--wheelhouse``), then
installs from it alone (``--no-index``) three fresh environments: the core on its own Python and
the full ``landseg[train]`` as ``pip install`` makes them (bytecode compiled), and the core on
QGIS's Python as the plugin's installer makes it (``--no-compile``, its system packages and
QGIS's numpy kept, ending with ``landseg doctor --try-segment``; the plugin's environment from
the index, where QGIS's interpreter is this machine's ``python3``). It proves ``import torch``
fails in the core, runs ``landseg doctor`` there and a first segmentation (no
model cache yet), and prints the figures beside this checkout's warm full environment
(``.venv``); sizes with and without the bytecode files. Usage::

    .venv/bin/python benchmarks/bench_install.py [--wheelhouse DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the plugin's installer, to install as it does
QGIS_PYTHON = Path("/usr/bin/python3")


def folder_mb(path: Path, *, bytecode: bool = True) -> float:
    """Bytes under ``path`` (links not followed; ``.pyc`` files only with ``bytecode``), in MB
    (10⁶ bytes)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            if bytecode or not name.endswith(".pyc"):
                total += (Path(root) / name).lstat().st_size
    return total / 1e6


def run(command: list[str], **kwargs) -> float:
    """Run ``command`` (it must succeed) as a user's shell would, Python writing bytecode; its
    wall time in seconds."""
    kwargs.setdefault("env", os.environ)
    kwargs["env"] = {k: v for k, v in kwargs["env"].items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    subprocess.run(command, check=True, **kwargs)
    return time.perf_counter() - started


def fill_wheelhouse(folder: Path, keep_numpy: list[str]) -> Path:
    """Every wheel ``landseg[train]`` needs, and those the core needs beside ``keep_numpy``
    (the plugin's choice on QGIS's Python), in ``folder``; LandSeg's wheel."""
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "-w", str(folder)]
    run([*pip_wheel, f"{ROOT}[train]"])
    run([*pip_wheel, str(ROOT), *keep_numpy])
    return next(folder.glob("landseg-*.whl"))


def install(
    base: Path, env_dir: Path, requirements: list[str], wheelhouse: Path, *, plugin: bool = False
) -> float:
    """A fresh environment at ``env_dir`` holding ``requirements``, as pip makes it by default
    or (``plugin``) as the plugin's installer does; seconds it took."""
    seconds = run([str(base), "-m", "venv", *(["--system-site-packages"] * plugin), str(env_dir)])
    sources = ["--no-index", "--find-links", str(wheelhouse)]
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    return seconds + run([*pip, *(["--no-compile"] * plugin), *sources, *requirements])


def first_segment(python: Path, scene: Path, out: Path, cache: Path) -> float:
    """A ``landseg segment`` with the model cache at ``cache``, in seconds."""
    env = dict(os.environ, LANDSEG_CACHE_DIR=str(cache))
    return run([str(python), "-m", "landseg", "segment", str(scene), "-o", str(out)], env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheelhouse", help="a folder already holding every wheel needed")
    parser.add_argument("--keep", help="build the core environment here and keep it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="landseg-bench-install-"))
    wheelhouse = Path(args.wheelhouse) if args.wheelhouse else work / "wheels"
    from plugin.installer import numpy_to_keep

    keep_numpy = numpy_to_keep(str(QGIS_PYTHON))  # what the plugin's Install keeps
    wheel = fill_wheelhouse(wheelhouse, keep_numpy)
    base = Path(sys.base_prefix) / "bin" / "python3"
    envs = {
        "core": Path(args.keep) if args.keep else work / "core",
        "plugin": work / "plugin",
        "full": work / "full",
    }
    installs = {"core": install(base, envs["core"], [str(wheel)], wheelhouse)}
    python = envs["core"] / "bin" / "python"
    torch_absent = subprocess.run([str(python), "-c", "import torch"], capture_output=True)
    assert torch_absent.returncode != 0, "torch is importable in the core environment"
    subprocess.run([str(python), "-m", "landseg", "doctor"], check=True)
    installs["plugin"] = install(
        QGIS_PYTHON, envs["plugin"], [*keep_numpy, str(wheel)], wheelhouse, plugin=True
    )
    plugin_python = envs["plugin"] / "bin" / "python"
    installed_mb = folder_mb(envs["plugin"])
    installs["plugin"] += run([str(plugin_python), "-m", "landseg", "doctor", "--try-segment"])
    installs["full"] = install(base, envs["full"], [f"{wheel}[train]"], wheelhouse)
    sizes = {name: folder_mb(folder) for name, folder in envs.items()}
    without_bytecode = {name: folder_mb(folder, bytecode=False) for name, folder in envs.items()}
    shutil.rmtree(envs["full"])

    from landseg.io.synthetic import write_scene

    scene = write_scene(work / "scene", size_px=2048, seed=1).raster_path
    os.sync()  # the GBs just written and removed are not flushed during the timings
    full_python = ROOT / ".venv" / "bin" / "python"
    first_segment(full_python, scene, work / "warm.gpkg", work / "full-cache")  # warms it
    core_s = first_segment(python, scene, work / "core.gpkg", work / "core-cache")
    plugin_s = first_segment(plugin_python, scene, work / "plugin.gpkg", work / "plugin-cache")
    full_s = min(  # the best of three warm runs: the reference
        first_segment(full_python, scene, work / f"full{k}.gpkg", work / "full-cache")
        for k in range(3)
    )
    labels = {
        "core": "core, own Python",
        "plugin": "core, QGIS's Python (plugin)",
        "full": "full landseg[train]",
    }
    for name, label in labels.items():
        print(
            f"{label:30s} {sizes[name]:7.0f} MB ({without_bytecode[name]:.0f} MB without "
            f"bytecode), installed in {installs[name]:5.0f} s"
        )
    print(f"plugin env before its last install step (doctor --try-segment): {installed_mb:.0f} MB")
    print(f"first segment 2048², fresh core:       {core_s:.1f} s")
    print(f"first segment 2048², fresh plugin env: {plugin_s:.1f} s (after the installer's check)")
    print(f"segment 2048², warm full env (.venv):  {full_s:.1f} s (best of 3)")
    print(f"ratios: core {core_s / full_s:.2f}, plugin env {plugin_s / full_s:.2f}")
    for name in ("core", "plugin"):  # GBs of wheels and environments: only --keep stays
        if not (name == "core" and args.keep):
            shutil.rmtree(envs[name], ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
