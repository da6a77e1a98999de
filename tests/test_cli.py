"""The command line as users and the QGIS plugin call it: real processes, exit codes, JSON."""

import json
import signal
import subprocess
import sys

import pytest

from landseg.cli import main
from tests.landseg_process import run_landseg as run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_model(tiny_run):
    return tiny_run[0] / "best.pt"


def test_segment_reports_json_progress_and_result(tiny_model, small_scene, tmp_path):
    out = tmp_path / "out.gpkg"
    result = run(
        "segment",
        small_scene.raster_path,
        "-o",
        out,
        "--model",
        tiny_model,
        "--device",
        "cpu",
        "--progress",
        "json",
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["event"] == "progress" and events[-1]["event"] == "result"
    assert events[-2]["fraction"] == 1.0
    assert events[-1]["output"] == str(out) and events[-1]["device"] == "cpu"
    assert out.is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.tif"], "does not exist"),
        (["{raster}", "--device", "cuda"], "no CUDA GPU"),
        (["{raster}", "--overlap", "300"], "less than half"),
        (["{raster}", "--bands", "1,x"], "not a list of band numbers"),
        (["{raster}", "--model", "nope.pt"], "does not exist"),
    ],
)
def test_segment_bad_input_one_line_exit_2(small_scene, tmp_path, capsys, args, message):
    args = [a.format(raster=small_scene.raster_path) for a in args]
    with pytest.raises(SystemExit) as exit_info:
        main(["segment", *args, "-o", str(tmp_path / "out.gpkg")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and err.startswith("landseg: error:")
    assert list(tmp_path.iterdir()) == []


def test_sigterm_cancels_cleanly(tiny_model, tmp_path):
    from landseg.io.synthetic import write_scene

    scene = write_scene(tmp_path / "big", size_px=2048, seed=2)
    out = tmp_path / "out.gpkg"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "landseg",
            "segment",
            str(scene.raster_path),
            "-o",
            str(out),
            "--model",
            str(tiny_model),
            "--device",
            "cpu",
            "--progress",
            "json",
            "--batch",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        if json.loads(line)["fraction"] > 0:
            process.send_signal(signal.SIGTERM)
            break
    process.wait(timeout=60)
    assert process.returncode == 130
    assert "cancelled" in process.stderr.read()
    assert not out.exists() and not list(tmp_path.glob(".*partial*"))


def test_export_train_evaluate_flow(small_scene, tmp_path, capsys):
    data, run_dir = tmp_path / "data", tmp_path / "run"
    main(
        [
            "export-dataset",
            str(small_scene.raster_path),
            "--labels",
            str(small_scene.labels_path),
            "-o",
            str(data),
            "--tile-size",
            "128",
            "--overlap",
            "0",
            "--classes",
            "roof,farm,rice-fields,Baren-Land",
        ]
    )
    assert "train and" in capsys.readouterr().out
    main(
        [
            "train",
            "--data",
            str(data),
            "-o",
            str(run_dir),
            "--epochs",
            "1",
            "--batch",
            "4",
            "--loader-workers",
            "0",
            "--device",
            "cpu",
            "--progress",
            "none",
        ]
    )
    assert (run_dir / "best.pt").is_file()
    main(
        [
            "evaluate",
            "--model",
            str(run_dir / "best.pt"),
            "--data",
            str(data),
            "--device",
            "cpu",
            "--json",
            str(tmp_path / "val.json"),
        ]
    )
    table = capsys.readouterr().out
    assert "mAP50(M)" in table and "Baren-Land" in table
    assert set(json.loads((tmp_path / "val.json").read_text())) == {"overall", "classes"}
    main(
        [
            "evaluate",
            "--predictions",
            str(small_scene.labels_path),
            "--labels",
            str(small_scene.labels_path),
            "--json",
            str(tmp_path / "map.json"),
        ]
    )
    perfect = json.loads((tmp_path / "map.json").read_text())
    assert perfect["overall"]["map50"] == pytest.approx(1.0)


def test_evaluate_needs_one_mode(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--predictions", "a.gpkg"])
    assert exit_info.value.code == 2
    assert "needs both --predictions and --labels" in capsys.readouterr().err


def test_train_workers_is_a_deprecated_alias_of_loader_workers(tmp_path, monkeypatch, capsys):
    from landseg.training import train as training

    seen = []
    monkeypatch.setattr(
        training, "train", lambda options, **_: seen.append(options) or tmp_path / "best.pt"
    )
    args = ["train", "--data", str(tmp_path), "-o", str(tmp_path / "run"), "--progress", "none"]
    main([*args, "--workers", "0"])
    assert seen[-1].loader_workers == 0
    assert capsys.readouterr().err.splitlines() == [
        "landseg: warning: train --workers is deprecated, use --loader-workers "
        "(it will be removed in 0.3)."
    ]
    main([*args, "--loader-workers", "3"])
    assert seen[-1].loader_workers == 3 and capsys.readouterr().err == ""
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--workers", "0", "--loader-workers", "1"])
    assert exit_info.value.code == 2 and len(seen) == 2
    assert "give --loader-workers only" in capsys.readouterr().err
    main(["train", "--help"])
    help_text = capsys.readouterr().out
    assert "--loader-workers" in help_text and "--workers" not in help_text


def test_class_weights_are_the_exports_formula():
    import json

    from landseg.training.dataset import balanced_class_weights

    done = run("class-weights", "--counts", "roof=12,farm=3,rice-fields=0")
    assert done.returncode == 0, done.stderr
    weights = json.loads(done.stdout)["class_weights"]
    assert list(weights) == ["roof", "farm", "rice-fields"]
    assert list(weights.values()) == balanced_class_weights([12, 3, 0])
    refused = run("class-weights", "--counts", "roof=-1")
    assert refused.returncode == 2 and "is not a list of counts" in refused.stderr
