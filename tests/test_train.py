"""Real ultralytics training on a tiny dataset: phases, run record, weights, interruption."""

import csv
import json

import pytest

from landseg.errors import (
    Cancelled,
    InvalidParameterError,
    LandSegWarning,
    ModelLoadError,
    OutputExistsError,
)
from landseg.training.options import TrainOptions, resolve_class_weights
from landseg.training.record import RECORD_NAME
from landseg.training.train import resume, train

pytestmark = pytest.mark.slow


def test_run_record_holds_every_epoch_of_both_phases(tiny_run, tiny_dataset):
    run_dir, progress = tiny_run
    record = json.loads((run_dir / RECORD_NAME).read_text())
    assert [p["name"] for p in record["phases"]] == ["main", "continued"]
    assert all(p["status"] == "complete" for p in record["phases"])
    main, continued = record["phases"]
    assert continued["lr0"] == 5e-5 and continued["lr0"] < main["lr0"]
    assert continued["augmentation"]["hsv_s"] == main["augmentation"]["hsv_s"] / 2
    assert continued["augmentation"]["mosaic"] == 0.0
    assert record["selected_weights"] in (main["best_weights"], continued["best_weights"])
    assert [(e["epoch"], e["phase"], e["phase_epoch"]) for e in record["epochs"]] == [
        (1, "main", 1),
        (2, "continued", 1),
    ]
    for epoch in record["epochs"]:
        assert set(epoch["train_loss"]) >= {"box", "seg", "cls", "dfl"}
        assert set(epoch["val_loss"]) >= {"box", "seg", "cls", "dfl"}
        for kind in ("box", "mask"):
            assert set(epoch[kind]) == {"precision", "recall", "map50", "map50_95"}
        assert epoch["time_s"] > 0 and epoch["lr"] >= 0
        assert epoch["classes"] is None or set(epoch["classes"]) == set(record["final"]["classes"])
    stats = json.loads((tiny_dataset / "stats.json").read_text())
    assert record["dataset"]["instances"] == stats["instances"]
    assert record["library_versions"]["ultralytics"] == "8.4.190"
    assert record["arguments"]["epochs"] == 1 and record["base_model"]["path"]
    final = record["final"]
    assert final["model"] == "best.pt" and len(final["sha256"]) == 64
    assert set(final["classes"]) == {"roof", "farm", "rice-fields", "Baren-Land"}
    assert set(final["overall"]["mask"]) == {"precision", "recall", "map50", "map50_95"}
    with open(run_dir / "epochs.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and "mask.map50" in rows[0] and "train_loss.cls" in rows[0]
    assert progress[-1][0] == 1.0 and "epoch 2/2 (continued)" in progress[-1][1]


def test_balanced_class_weights_reached_the_loss(tiny_run):
    record = json.loads((tiny_run[0] / RECORD_NAME).read_text())
    expected = list(record["class_weights"].values())
    stats_weights = [
        record["dataset"]["class_weights"][n] for n in record["dataset"]["class_names"]
    ]
    assert expected == stats_weights
    for phase in record["phases"]:
        assert phase["class_weights_in_loss"] == pytest.approx(expected, rel=1e-5)


def test_interrupt_then_resume(tiny_dataset, tmp_path):
    class StopAfterFirstEpoch:
        def __init__(self):
            self.epochs = 0

        def is_set(self):
            return self.epochs >= 1

    token = StopAfterFirstEpoch()

    def progress(fraction, message):
        token.epochs += 1

    run_dir = tmp_path / "run"
    options = TrainOptions(
        data=str(tiny_dataset),
        run_dir=str(run_dir),
        epochs=2,
        batch=4,
        loader_workers=0,
        class_weights="none",
    )
    with pytest.raises(Cancelled, match="--resume"):
        train(options, progress=progress, cancel=token)
    record = json.loads((run_dir / RECORD_NAME).read_text())
    assert record["phases"][0]["status"] == "interrupted"
    assert [e["epoch"] for e in record["epochs"]] == [1]
    assert (run_dir / "main" / "weights" / "last.pt").is_file()
    # As if stopped after ultralytics saved epoch 1 but before LandSeg recorded it.
    saved = record["epochs"][0]
    record["epochs"], record["phases"][0]["epochs_done"] = [], 0
    (run_dir / RECORD_NAME).write_text(json.dumps(record))
    best = resume(run_dir)
    record = json.loads((run_dir / RECORD_NAME).read_text())
    assert best.is_file() and record["phases"][0]["status"] == "complete"
    assert [e["epoch"] for e in record["epochs"]] == [1, 2]
    recovered = record["epochs"][0]
    assert recovered["recovered_from"] == "results.csv"
    assert recovered["mask"] == pytest.approx(saved["mask"], abs=1e-5)
    assert recovered["train_loss"] == pytest.approx(saved["train_loss"], abs=1e-4)
    assert record["phases"][0]["class_weights_in_loss"] is None
    assert "epoch" in (run_dir / "epochs.csv").read_text().splitlines()[0]
    with pytest.raises(InvalidParameterError, match="already complete"):
        resume(run_dir)


def test_base_model_with_other_classes_gets_a_new_head(tiny_run, tmp_path):
    from landseg.training.dataset import export_dataset
    from tests.conftest import SPACENET_DIR

    data = tmp_path / "atlanta"
    export_dataset(
        [SPACENET_DIR / "ortho_pan_16bit.tif"],
        SPACENET_DIR / "buildings.geojson",
        data,
        class_field=None,
        class_value="roof",
        tile_size_px=128,
        overlap_px=0,
    )
    with pytest.warns(LandSegWarning, match="learns the dataset's classes anew"):
        best = train(
            TrainOptions(
                data=str(data),
                run_dir=str(tmp_path / "run"),
                epochs=1,
                batch=4,
                loader_workers=0,
                base_model=str(tiny_run[0] / "best.pt"),
            )
        )
    record = json.loads((tmp_path / "run" / RECORD_NAME).read_text())
    assert record["dataset"]["class_names"] == ["roof"] and best.is_file()


def test_base_model_in_another_class_order_gets_its_head_reordered(tiny_run, small_scene, tmp_path):
    import torch

    from landseg.training.base_model import MATCHED_NAME
    from landseg.training.dataset import export_dataset

    base = tiny_run[0] / "best.pt"
    data = tmp_path / "alphabetical"
    stats = export_dataset(
        [small_scene.raster_path], small_scene.labels_path, data, tile_size_px=128, overlap_px=16
    )
    assert stats.class_names == sorted(stats.class_names, key=str)  # not the model's order
    with pytest.warns(LandSegWarning, match="reordered to match them by name"):
        train(
            TrainOptions(
                data=str(data),
                run_dir=str(tmp_path / "run"),
                epochs=1,
                batch=4,
                loader_workers=0,
                base_model=str(base),
            )
        )

    def head(path):
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
        model = checkpoint.get("ema") or checkpoint["model"]
        names = [model.names[i] for i in sorted(model.names)]
        return names, model.model[-1].cv3[0][-1].weight.detach()

    base_names, base_weights = head(base)
    names, weights = head(tmp_path / "run" / MATCHED_NAME)
    assert names == stats.class_names
    for i, name in enumerate(names):
        assert torch.equal(weights[i], base_weights[base_names.index(name)]), name


def test_bad_training_input(tiny_dataset, tmp_path):
    names = ["roof", "farm", "rice-fields", "Baren-Land"]
    with pytest.raises(InvalidParameterError, match=r"2 class weights.*4 classes"):
        resolve_class_weights([1.0, 2.0], names, {})
    assert resolve_class_weights("1,2,3,4", names, {}) == [1, 2, 3, 4]
    assert resolve_class_weights("none", names, {}) is None
    with pytest.raises(InvalidParameterError, match="multiple of 32"):
        train(TrainOptions(data=str(tiny_dataset), run_dir=str(tmp_path / "a"), imgsz=100))
    with pytest.raises(ModelLoadError, match="does not exist"):
        train(
            TrainOptions(
                data=str(tiny_dataset), run_dir=str(tmp_path / "b"), base_model="missing.pt"
            )
        )
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.txt").write_text("keep")
    with pytest.raises(OutputExistsError, match="not empty"):
        train(TrainOptions(data=str(tiny_dataset), run_dir=str(tmp_path / "c")))
    with pytest.raises(InvalidParameterError, match=r"no data\.yaml"):
        train(TrainOptions(data=str(tmp_path), run_dir=str(tmp_path / "d")))
