"""The README's review loop, command by command as written, on a small scene.

Each ``landseg`` command of the section runs with the README's own arguments; only the file
names are the test's (``ortho.tif`` a synthetic scene, ``best.pt`` the shipped model), a
review is simulated by accepting every polygon, and training gets one short epoch. The
``compare runs/base runs/round1`` step needs a run the README does not make here; comparing
runs is tested with the reports.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from landseg.cli import main
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH
from landseg.io.synthetic import write_scene

README = Path(__file__).resolve().parents[1] / "README.md"
SHORT_TRAINING = ["--epochs", "1", "--batch", "2", "--loader-workers", "0"]

pytestmark = pytest.mark.slow


def review_loop_commands() -> list[list[str]]:
    """The ``landseg`` commands of the README's review loop, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Review loop", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"`(landseg [^`]+)`", section)
    return [shlex.split(command)[1:] for command in commands]


def _run(args: list[str]) -> None:
    try:
        main(args)
    except SystemExit as stop:
        assert not stop.code, args


def _accept_everything(result: Path) -> None:
    """What a reviewer pressing A on every item leaves in the file (both layers kept)."""
    import geopandas as gpd

    layers = {name: gpd.read_file(result, layer=name) for name in ("landcover", "review")}
    layers["landcover"]["review_status"] = "accepted"
    result.unlink()
    for name, frame in layers.items():
        frame.to_file(result, layer=name)


def test_every_command_of_the_review_loop_runs_as_written(tmp_path, monkeypatch):
    scene = write_scene(tmp_path / "scene", size_px=512, seed=4)
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(scene.raster_path, "ortho.tif")
    shutil.copyfile(DEFAULT_MODEL_PATH, "best.pt")
    commands = review_loop_commands()
    assert [c[0] for c in commands] == ["segment", "export-dataset", "train", "compare", "compare"]
    segment, export, train, _, compare = commands
    _run(segment)
    _accept_everything(tmp_path / "result.gpkg")
    _run([*export, "--tile-size", "128", "--overlap", "16"])
    assert (tmp_path / "reviewed" / "data.yaml").exists()
    _run([*train, *SHORT_TRAINING])
    assert (tmp_path / "runs" / "round1" / "best.pt").exists()
    _run([*segment[:1], "ortho.tif", "-o", "result-round1.gpkg", "--model", "runs/round1/best.pt"])
    _run(compare)
