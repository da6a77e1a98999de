"""LandSeg's Processing algorithms in real headless QGIS, running the real backend worker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from landseg.io.synthetic import CLASS_NAMES

REPO_ROOT = Path(__file__).resolve().parents[2]


def make_feedback():
    from qgis.core import QgsProcessingFeedback

    class RecordingFeedback(QgsProcessingFeedback):
        """Keeps what the algorithm reported; can cancel itself once work has started."""

        def __init__(self, cancel_after_progress: bool = False) -> None:
            super().__init__()
            self.errors: list[str] = []
            self.infos: list[str] = []
            self.texts: list[str] = []
            self.commands: list[str] = []
            self.pids: list[int] = []
            self.cancel_after_progress = cancel_after_progress
            self.cancelled_at: float | None = None

        def reportError(self, error, fatalError=False):
            self.errors.append(error)

        def pushInfo(self, info):
            self.infos.append(info)

        def pushDebugInfo(self, info):
            match = re.search(r"worker PID (\d+)", info)
            if match:
                self.pids.append(int(match.group(1)))

        def pushCommandInfo(self, info):
            self.commands.append(info)

        def setProgressText(self, text):
            self.texts.append(text)

        def setProgress(self, progress):
            super().setProgress(progress)
            if self.cancel_after_progress and progress > 0 and not self.isCanceled():
                self.cancelled_at = time.monotonic()
                self.cancel()

    return RecordingFeedback


def run(algorithm: str, parameters: dict, feedback=None) -> dict:
    import processing

    return processing.run(algorithm, parameters, feedback=feedback)


def open_landcover(path: Path):
    from qgis.core import QgsVectorLayer

    return QgsVectorLayer(f"{path}|layername=landcover", "landcover", "ogr")


def test_provider_lists_the_five_algorithms(provider):
    ids = sorted(a.id() for a in provider.algorithms())
    assert ids == [
        "landseg:evaluate",
        "landseg:export_dataset",
        "landseg:report",
        "landseg:segment",
        "landseg:train",
    ]
    for algorithm in provider.algorithms():
        assert algorithm.shortHelpString()
        assert algorithm.displayName()


@pytest.mark.slow
def test_segment_writes_a_categorized_geopackage(provider, small_scene, tiny_model, tmp_path):
    from qgis.core import QgsRasterLayer

    raster = QgsRasterLayer(str(small_scene.raster_path), "scene")
    out = tmp_path / "landcover.gpkg"
    feedback = make_feedback()()
    result = run(
        "landseg:segment",
        {
            "INPUT": raster,  # a layer: its source path goes to the backend
            "MODEL": tiny_model,
            "CONFIDENCE": 0.01,
            "DEVICE": 1,  # cpu
            "OUTPUT": str(out),
        },
        feedback,
    )
    assert result["OUTPUT"] == str(out)
    layer = open_landcover(out)
    assert layer.isValid()
    assert layer.featureCount() == result["INSTANCES"]
    assert layer.renderer().type() == "categorizedSymbol"
    counts = json.loads(result["COUNTS"])
    assert list(counts) == list(CLASS_NAMES)
    assert result["DEVICE_USED"] == "cpu"
    assert any("tiles" in text for text in feedback.texts)  # backend progress came through
    (command,) = feedback.commands
    assert f"-m landseg segment {small_scene.raster_path} -o {out}" in command


@pytest.mark.slow
def test_segment_keeps_only_polygons_likely_to_be_right(provider, small_scene, tmp_path):
    """The default model is calibrated: every polygon has p_correct, and a minimum filters."""
    from qgis.core import QgsRasterLayer

    raster = QgsRasterLayer(str(small_scene.raster_path), "scene")
    layers = {}
    for name, minimum in (("every", None), ("sure", 0.95)):
        out = tmp_path / f"{name}.gpkg"
        parameters = {"INPUT": raster, "DEVICE": 1, "OUTPUT": str(out)}
        if minimum is not None:
            parameters["MIN_P_CORRECT"] = minimum
        run("landseg:segment", parameters)
        layers[name] = [f["p_correct"] for f in open_landcover(out).getFeatures()]
    every, sure = layers["every"], layers["sure"]
    assert every and all(0 <= p <= 1 for p in every)
    assert sorted(sure) == sorted(p for p in every if p >= 0.95)


def test_segment_failure_reports_the_backend_message(provider, small_scene, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match=r"missing\.pt' does not exist"):
        run(
            "landseg:segment",
            {
                "INPUT": str(small_scene.raster_path),
                "MODEL": str(tmp_path / "missing.pt"),
                "OUTPUT": str(tmp_path / "out.gpkg"),
            },
        )
    assert not (tmp_path / "out.gpkg").exists()


@pytest.mark.slow
def test_cancel_stops_the_worker_and_writes_nothing(provider, tiny_model, tmp_path_factory):
    import psutil
    from qgis.core import QgsProcessingException

    from landseg.io.synthetic import write_scene
    from plugin.worker import pid_alive

    scene = write_scene(tmp_path_factory.mktemp("large_scene"), size_px=2048, seed=11)
    out_dir = tmp_path_factory.mktemp("cancelled")
    out = out_dir / "landcover.gpkg"
    feedback = make_feedback()(cancel_after_progress=True)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run(
            "landseg:segment",
            {
                "INPUT": str(scene.raster_path),
                "MODEL": tiny_model,
                "DEVICE": 1,
                "OUTPUT": str(out),
            },
            feedback,
        )
    stopped = time.monotonic()
    assert feedback.cancelled_at is not None
    assert stopped - feedback.cancelled_at < 15  # SIGTERM, else SIGKILL after 10 s
    assert not out.exists()
    assert list(out_dir.iterdir()) == []  # no partial files either
    # The warm worker cancelled the job and lives on, or was killed with its whole group.
    (pid,) = feedback.pids
    if pid_alive(pid):
        from plugin import environment, warm_worker

        python = environment.current().python
        again = warm_worker.run_job(python, ["model-info", tiny_model, "--device", "cpu"])
        assert again.pid == pid  # the same worker took the next job
    else:
        leftovers = [p.pid for p in psutil.process_iter() if _group_of(p.pid) == pid]
        assert leftovers == []


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


@pytest.mark.slow
def test_export_dataset_then_train_then_evaluate(provider, small_scene, tiny_model, tmp_path):
    dataset = tmp_path / "dataset"
    exported = run(
        "landseg:export_dataset",
        {
            "RASTERS": [str(small_scene.raster_path)],
            "LABELS": str(small_scene.labels_path),
            "CLASS_FIELD": "class",
            "CLASSES": ",".join(CLASS_NAMES),
            "TILE_SIZE": 128,
            "OVERLAP": 16,
            "OUTPUT": str(dataset),
        },
    )
    assert Path(exported["STATS"]).is_file()
    instances = json.loads(exported["INSTANCES"])
    assert set(instances) == set(CLASS_NAMES)
    assert sum(instances.values()) > 0

    feedback = make_feedback()()
    trained = run(
        "landseg:train",
        {
            "DATA": str(dataset),
            "BASE_MODEL": tiny_model,
            "EPOCHS": 1,
            "BATCH": 4,
            "DEVICE": 1,
            "OUTPUT": str(tmp_path / "run"),
        },
        feedback,
    )
    assert Path(trained["MODEL"]).is_file()
    assert Path(trained["RUN_DIR"]) == tmp_path / "run"
    assert any("epoch 1/1" in text and "mAP50" in text for text in feedback.texts), feedback.texts

    figures = tmp_path / "figures.json"
    evaluated = run(
        "landseg:evaluate",
        {"MODEL": trained["MODEL"], "DATA": str(dataset), "DEVICE": 1, "OUTPUT": str(figures)},
    )
    assert figures.is_file() and json.loads(figures.read_text())
    assert evaluated["TABLE"]


def test_evaluate_map_level_and_parameter_checks(provider, small_scene, tmp_path):
    from qgis.core import QgsApplication, QgsProcessingContext

    figures = tmp_path / "map.json"
    result = run(
        "landseg:evaluate",
        {
            "PREDICTIONS": str(small_scene.labels_path),  # labels against themselves: perfect
            "LABELS": str(small_scene.labels_path),
            "CLASS_FIELD": "class",
            "CONFIDENCE": 0.0,
            "OUTPUT": str(figures),
        },
    )
    assert figures.is_file() and result["TABLE"]
    algorithm = QgsApplication.processingRegistry().algorithmById("landseg:evaluate")
    context = QgsProcessingContext()
    ok, message = algorithm.checkParameterValues({"OUTPUT": str(figures)}, context)
    assert not ok and "dataset folder" in message
    ok, message = algorithm.checkParameterValues(
        {"PREDICTIONS": str(small_scene.labels_path), "OUTPUT": str(figures)}, context
    )
    assert not ok and "both" in message


def test_export_dataset_needs_a_class_field(provider, small_scene, tmp_path):
    from qgis.core import QgsApplication, QgsProcessingContext

    algorithm = QgsApplication.processingRegistry().algorithmById("landseg:export_dataset")
    ok, message = algorithm.checkParameterValues(
        {
            "RASTERS": [str(small_scene.raster_path)],
            "LABELS": str(small_scene.labels_path),
            "OUTPUT": str(tmp_path / "d"),
        },
        QgsProcessingContext(),
    )
    assert not ok and "class field" in message


def report_available(python: str) -> bool:
    done = subprocess.run(
        [python, "-m", "landseg", "report", "--help"], capture_output=True, text=True
    )
    return done.returncode == 0


@pytest.mark.slow
def test_report(provider, tiny_run, worker_python, tmp_path):
    from qgis.core import QgsProcessingException

    out = tmp_path / "report.html"
    parameters = {"RUN_DIR": str(tiny_run[0]), "OUTPUT": str(out)}
    if report_available(worker_python):
        run("landseg:report", parameters)
        assert out.is_file() and out.stat().st_size > 0
        return
    with pytest.raises(QgsProcessingException, match="no 'report' command yet"):
        run("landseg:report", parameters)


@pytest.mark.slow
def test_qgis_process_runs_segment(small_scene, tiny_model, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "landseg").symlink_to(REPO_ROOT / "plugin")
    config = tmp_path / "config"
    ini = config / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\nlandseg=true\n")
    env = dict(
        os.environ,
        QGIS_PLUGINPATH=str(plugins),
        QGIS_CUSTOM_CONFIG_PATH=str(config),
        QT_QPA_PLATFORM="offscreen",
    )
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    out = tmp_path / "landcover.gpkg"
    done = subprocess.run(
        [
            "/usr/bin/qgis_process.bin",
            "--json",
            "run",
            "landseg:segment",
            "--",
            f"INPUT={small_scene.raster_path}",
            f"MODEL={tiny_model}",
            "DEVICE=1",
            f"OUTPUT={out}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(done.stdout[done.stdout.index("{") :])["results"]
    assert results["OUTPUT"] == str(out)
    assert out.is_file()
    assert set(json.loads(results["COUNTS"])) == set(CLASS_NAMES)


def test_layers_become_files_the_backend_reads(qgis_app, small_scene, tmp_path):
    from qgis.core import QgsFeatureRequest, QgsRasterLayer, QgsVectorLayer

    from plugin import layers

    labels = QgsVectorLayer(str(small_scene.labels_path), "labels", "ogr")
    assert layers.vector_path(labels) == str(small_scene.labels_path)  # used as it is
    memory = labels.materialize(QgsFeatureRequest())
    assert memory.providerType() == "memory"
    copied = layers.vector_path(memory, folder=str(tmp_path))
    assert copied.startswith(str(tmp_path)) and copied.endswith(".gpkg")
    assert QgsVectorLayer(copied, "copy", "ogr").featureCount() == labels.featureCount()
    filtered = QgsVectorLayer(str(small_scene.labels_path), "roofs", "ogr")
    filtered.setSubsetString("\"class\" = 'roof'")
    roofs = QgsVectorLayer(layers.vector_path(filtered, folder=str(tmp_path / "f")), "r", "ogr")
    assert roofs.featureCount() == small_scene.class_counts["roof"]
    raster = QgsRasterLayer(str(small_scene.raster_path), "scene")
    assert layers.raster_path(raster) == str(small_scene.raster_path)
    assert layers.class_counts(labels, "class") == dict(small_scene.class_counts)


def test_export_dataset_maps_label_values_with_the_table(provider, small_scene, tmp_path):
    """The dialog's mapping table turns the layer's own values into the model's classes."""
    import geopandas as gpd

    labels = gpd.read_file(small_scene.labels_path)
    labels["landuse"] = labels["class"].replace({"roof": "building", "farm": "paddy-dry"})
    path = tmp_path / "labels.gpkg"
    labels.to_file(path)
    exported = run(
        "landseg:export_dataset",
        {
            "RASTERS": [str(small_scene.raster_path)],
            "LABELS": str(path),
            "CLASS_FIELD": "landuse",
            "CLASS_TABLE": ["building", "roof", "paddy-dry", "farm"],
            "CLASSES": ",".join(CLASS_NAMES),
            "TILE_SIZE": 128,
            "OVERLAP": 16,
            "OUTPUT": str(tmp_path / "dataset"),
        },
    )
    instances = json.loads(exported["INSTANCES"])
    expected = labels["class"].value_counts()
    assert instances["roof"] > 0 and instances["farm"] > 0
    assert instances["roof"] <= expected["roof"] * 2  # fragments of a polygon cut by tiles count
