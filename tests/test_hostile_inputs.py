"""Hostile inputs, as a new user would give them: every case exits 2 with one line that names
the problem (or works and says so), and every file that must survive still exists.

Table-driven: each case is a command line, the expected exit code, a fragment of the message
and the paths that must still exist afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from landseg.cli import main
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH, DEFAULT_ONNX_PATH
from landseg.io.folders import record_folder
from landseg.io.rasters import mosaic_vrt
from landseg.io.synthetic import CLASS_NAMES, write_scene
from landseg.io.work_file import PARQUET_FOLDER
from landseg.training.dataset import export_dataset
from landseg.training.record import RUN_KIND
from tests.conftest import SPACENET_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def p(tmp_path_factory) -> Path:
    """A user's project folder full of things that go wrong."""
    root = tmp_path_factory.mktemp("hostile")
    scene = write_scene(root / "proj", size_px=512, seed=2)
    export_dataset(
        [scene.raster_path],
        scene.labels_path,
        root / "dataset",
        class_names=CLASS_NAMES,
        tile_size_px=128,
        overlap_px=16,
        seed=1,
    )
    labels = gpd.read_file(scene.labels_path)
    _runs(root)
    _models(root)
    _rasters(root, scene.raster_path)
    _label_layers(root, labels)
    _datasets(root)
    _user_files_in_outputs(root, scene.raster_path)
    (root / "notes").mkdir()
    (root / "notes" / "thesis.docx").write_text("a user's own file")
    (root / "metrics.json").write_text("{}")
    return root


def _runs(root: Path) -> None:
    for name in ("oldrun", "legacy_run"):  # a run folder; the second as version 0.1 wrote it
        run = root / name
        run.mkdir()
        (run / "record.json").write_text(json.dumps({"epochs": [], "phases": [], "final": None}))
        (run / "epochs.csv").write_text("epoch\n")
        shutil.copyfile(DEFAULT_MODEL_PATH, run / "best.pt")
    record_folder(root / "oldrun", kind=RUN_KIND)


def _models(root: Path) -> None:
    (root / "text.pt").write_text("not a model")
    shutil.copyfile(DEFAULT_ONNX_PATH, root / "mine.onnx")
    (root / "corrupt.onnx").write_bytes(b"\x08\x07garbage" * 100)


def _rasters(root: Path, scene: Path) -> None:
    profile = {"driver": "GTiff", "width": 256, "height": 256, "count": 3, "dtype": "uint8"}
    transform = Affine(0.5, 0, 500000, 0, -0.5, 4650000)
    pixels = np.random.default_rng(0).integers(1, 255, (3, 256, 256), dtype="uint8")
    tiled = {"tiled": True, "blockxsize": 64, "blockysize": 64, "compress": "deflate"}
    with rasterio.open(
        root / "damaged.tif", "w", crs="EPSG:32654", transform=transform, **profile, **tiled
    ) as dst:
        dst.write(pixels)
    data = bytearray((root / "damaged.tif").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = bytes(4000)  # a damaged block in the middle
    (root / "damaged.tif").write_bytes(bytes(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(root / "nocrs.tif", "w", transform=transform, **profile) as dst:
            dst.write(pixels)
    cv2.imwrite(str(root / "photo.png"), np.ascontiguousarray(pixels[:3].transpose(1, 2, 0)))
    site_grid = (  # a local engineering CRS: metres of a site, nowhere on the Earth
        'LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    )
    with rasterio.open(
        root / "site.tif", "w", crs=site_grid, transform=transform, **profile
    ) as dst:
        dst.write(pixels)
    across = Affine(1e-5, 0, 179.9990, 0, -1e-5, 10.0)  # 256 px reach past 180° east
    with rasterio.open(
        root / "date_line.tif", "w", crs="EPSG:4326", transform=across, **profile
    ) as dst:
        dst.write(pixels)
    with rasterio.open(scene) as src:  # over the labels, but holding no data
        where = {"crs": src.crs, "transform": src.transform}
    with rasterio.open(root / "nodata.tif", "w", nodata=0, **where, **profile) as dst:
        dst.write(np.zeros((3, 256, 256), dtype="uint8"))
    sheet = root / "sheet.tif"
    shutil.copyfile(scene, sheet)
    (root / "mosaic.vrt").write_text(mosaic_vrt([sheet, scene]))
    sheet.unlink()  # a sheet of the mosaic went missing


def _label_layers(root: Path, labels: gpd.GeoDataFrame) -> None:
    two = root / "two_layers.gpkg"
    labels.to_file(two, layer="parcels")
    labels.to_file(two, layer="buildings")
    points = labels.copy()
    points["geometry"] = points.geometry.centroid
    points.to_file(root / "points.gpkg")
    labels.iloc[:0].to_file(root / "empty.gpkg")
    far = labels.copy()
    far["geometry"] = far.geometry.translate(1e6, 0)
    far.to_file(root / "far.gpkg")
    nulls = labels.copy()
    nulls["class"] = nulls["class"].astype(object)
    nulls.loc[nulls.index[:3], "class"] = None
    nulls.to_file(root / "nulls.gpkg")
    all_null = labels.copy()
    all_null["class"] = None
    all_null.to_file(root / "all_null.gpkg")
    no_geometry = labels.copy()
    no_geometry.loc[no_geometry.index[:3], "geometry"] = None
    no_geometry.to_file(root / "no_geometry.gpkg")
    nan = labels.copy()
    nan.loc[nan.index[0], "geometry"] = shapely.Polygon([(0, 0), (float("nan"), 1), (1, 1)])
    nan.to_file(root / "nan.gpkg")
    labels.to_parquet(root / "labels.parquet")
    (root / "labels_parts").mkdir()
    labels.to_parquet(root / "labels_parts" / "part-00000.parquet")
    (root / "junk.gpkg").write_text("not a GeoPackage")
    _reviewed_layers(root, labels)


def _reviewed_layers(root: Path, labels: gpd.GeoDataFrame) -> None:
    """Reviewed layers: in another CRS, with a class typed another way, with no class."""
    reviewed = labels.copy()
    reviewed["review_status"] = "accepted"
    reviewed["reviewed_class"] = None
    reviewed.to_crs("EPSG:4326").to_file(root / "reviewed_4326.gpkg", layer="landcover")
    typed = reviewed.copy()
    typed.loc[typed.index[typed["class"] == "roof"][0], "reviewed_class"] = "Roof"
    typed.to_file(root / "reviewed_Roof.gpkg")
    unclassed = reviewed.copy()
    unclassed["class"] = unclassed["class"].astype(object)
    unclassed.loc[unclassed.index[0], "class"] = None
    unclassed.to_file(root / "reviewed_unclassed.gpkg")


def _datasets(root: Path) -> None:
    for name, emptied in (("no_train", "train"), ("no_val", "val")):
        copy = root / name
        shutil.copytree(root / "dataset", copy)
        for item in (copy / "images" / emptied).iterdir():
            item.unlink()


def _user_files_in_outputs(root: Path, scene: Path) -> None:
    """LandSeg's folders into which a user put files of their own, and outputs in odd places."""
    notes = root / "ds_notes"  # a dataset the user wrote notes and extra tiles into
    shutil.copytree(root / "dataset", notes)
    (notes / "NOTES.md").write_text("n")
    (notes / "images" / "train_extra").mkdir()
    shutil.copyfile(scene, notes / "images" / "train_extra" / "x.tif")
    own = root / "pq"  # a GeoParquet folder output holding the raster segmented into it
    own.mkdir()
    shutil.copyfile(scene, own / "ortho.tif")
    record_folder(own, kind=PARQUET_FOLDER)
    (root / "mine_figures").mkdir()  # a user's folder where a report's figures would go
    (root / "mine_figures" / "photo.png").write_bytes(b"a user's photo")
    (root / "dangling.gpkg").symlink_to(root / "gone.gpkg")
    (root / "adir.gpkg").mkdir()
    (root / "adir.gpkg" / "inside.txt").write_text("a user's file")


@dataclass
class Case:
    """One command line, what it must answer, and what must survive it."""

    args: list[str]
    code: int
    message: str
    kept: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)


SCENE = "proj/scene.tif"
LABELS = "proj/labels.gpkg"
EXPORT = ["export-dataset", SCENE, "--labels", LABELS]
TRAIN = ["train", "--data", "dataset", "--epochs", "1", "--batch", "2", "-o"]
CALIBRATE = ["calibrate", "--model", "mine.onnx"]
BOTH_SOURCES = ["--data", "dataset", "--predictions", LABELS, "--labels", LABELS]
SMALL_TILES = ["--tile-size", "128", "--overlap", "16"]
MAP = ["evaluate", "--predictions", LABELS, "--labels"]

CASES = {
    # data loss
    "export typo deletes nothing": Case(
        ["export-dataset", "proj/scen.tif", "--labels", LABELS, "-o", "proj", "--overwrite"],
        2,
        "would replace the input",
        kept=[SCENE, LABELS],
    ),
    "segment into the folder holding its raster": Case(
        ["segment", "pq/ortho.tif", "-o", "pq", "--overwrite"],
        2,
        "would replace the input",
        kept=["pq/ortho.tif"],
    ),
    "export at a pixel size below zero": Case(
        [*EXPORT, "-o", "ds_px", "--pixel-size", "-1"],
        2,
        "--pixel-size -1 must be above 0",
        absent=["ds_px"],
    ),
    "export over a dataset holding the user's files": Case(
        [*EXPORT, "-o", "ds_notes", "--overwrite"],
        2,
        "holds files LandSeg did not write (NOTES.md, images/train_extra/",
        kept=["ds_notes/NOTES.md", "ds_notes/images/train_extra/x.tif", "ds_notes/data.yaml"],
    ),
    "train over a run folder of version 0.1": Case(
        [*TRAIN, "legacy_run", "--overwrite"],
        2,
        "not a LandSeg run folder with a list of its files",
        kept=["legacy_run/best.pt"],
    ),
    "report figures over a user's folder": Case(
        ["report", "oldrun", "-o", "r.html", "--markdown", "mine.md", "--overwrite"],
        2,
        "holds files LandSeg did not write",
        kept=["mine_figures/photo.png"],
        absent=["r.html", "mine.md"],
    ),
    "a dangling link is an output": Case(
        ["segment", SCENE, "-o", "dangling.gpkg"], 2, "already exists", kept=["dangling.gpkg"]
    ),
    "a gpkg output that is a folder": Case(
        ["segment", SCENE, "-o", "adir.gpkg", "--overwrite"],
        2,
        "is a folder, not a file",
        kept=["adir.gpkg/inside.txt"],
    ),
    "an output name of 250 bytes": Case(
        ["segment", SCENE, "-o", "n" * 245 + ".gpkg"], 0, "Wrote", kept=["n" * 245 + ".gpkg"]
    ),
    # silently wrong before
    "compare on a reviewed layer in another CRS": Case(
        ["compare", LABELS, LABELS, "--reviewed", "reviewed_4326.gpkg"], 0, "| roof |"
    ),
    "a reviewed class typed another way": Case(
        [*EXPORT[:2], "--reviewed", "reviewed_Roof.gpkg", "-o", "d_roof", *SMALL_TILES],
        0,
        "read as one class ('Roof' as 'roof')",
        kept=["d_roof/data.yaml"],
    ),
    "an accepted item with no class": Case(
        [*EXPORT[:2], "--reviewed", "reviewed_unclassed.gpkg", "-o", "d_nan", *SMALL_TILES],
        2,
        "1 accepted or corrected features have no class",
        absent=["d_nan"],
    ),
    "labels without geometry are told": Case(
        [*MAP, "no_geometry.gpkg"], 0, "3 of 7 features have no geometry and are left out"
    ),
    "an area of interest touching nothing": Case(
        [*MAP, LABELS, "--aoi", "far.gpkg"], 2, "The area of interest holds no polygon"
    ),
    "a NaN coordinate in the labels": Case(
        [*MAP, "nan.gpkg"], 2, "1 features whose coordinates are not numbers"
    ),
    "a reviewed layer that is not a GeoPackage": Case(
        [*EXPORT[:2], "--reviewed", "junk.gpkg", "-o", "d_junk"], 2, "cannot be read"
    ),
    "GeoParquet predictions": Case(
        ["evaluate", "--predictions", "labels.parquet", "--labels", LABELS], 0, "roof"
    ),
    "a GeoParquet folder as predictions": Case(
        ["evaluate", "--predictions", "labels_parts", "--labels", LABELS], 0, "roof"
    ),
    # tracebacks before
    "a damaged raster names GDAL's cause": Case(
        ["segment", "damaged.tif", "-o", "dl.gpkg"], 2, "IReadBlock failed", absent=["dl.gpkg"]
    ),
    "a damaged raster on Dask": Case(
        ["segment", "damaged.tif", "-o", "dw.gpkg", "--workers", "1"],
        2,
        "IReadBlock failed",
        absent=["dw.gpkg"],
    ),
    "skipping unreadable tiles on Dask": Case(
        ["segment", "damaged.tif", "-o", "ds.gpkg", "--workers", "1", "--skip-unreadable"],
        0,
        "could not be read and were skipped",
        kept=["ds.gpkg"],
    ),
    "export over a user's folder": Case(
        [*EXPORT, "-o", "notes", "--overwrite"],
        2,
        "holds files LandSeg did not write",
        kept=["notes/thesis.docx"],
    ),
    "bad option keeps the old dataset": Case(
        [*EXPORT, "-o", "dataset", "--overwrite", "--tile-size", "100"],
        2,
        "multiple of 32",
        kept=["dataset/stats.json", "dataset/data.yaml"],
    ),
    "train options checked before the old run goes": Case(
        [*TRAIN, "oldrun", "--overwrite", "--class-weights", "1,2"],
        2,
        "2 class weights",
        kept=["oldrun/best.pt"],
    ),
    "train into the dataset": Case(
        [*TRAIN, "dataset", "--overwrite"], 2, "would replace the input", kept=["dataset/data.yaml"]
    ),
    "export-model from an onnx": Case(
        ["export-model", "corrupt.onnx", "-o", "x.onnx"], 2, "is not a .pt model"
    ),
    "export-model of a file that is no model names it": Case(
        ["export-model", "text.pt", "-o", "t.onnx"],
        2,
        "Model file 'text.pt' could not be read",
        absent=["t.onnx"],
    ),
    "segment with a file that is no model names it plainly": Case(
        ["segment", SCENE, "-o", "nm.gpkg", "--model", "text.pt"],
        2,
        "Model file 'text.pt' could not be read (TypeError: text.pt is not",
        absent=["nm.gpkg"],
    ),
    "export-model to a .pt": Case(
        ["export-model", str(DEFAULT_MODEL_PATH), "-o", "x.pt"],
        2,
        "must end in .onnx",
        absent=["x.pt"],
    ),
    # silently wrong before
    "repeated class": Case(
        [*EXPORT, "-o", "d1", "--classes", "roof,roof,farm"], 2, "twice", absent=["d1"]
    ),
    "val fraction over one": Case(
        [*EXPORT, "-o", "d2", "--val-fraction", "1.5"], 2, "outside [0, 1)", absent=["d2"]
    ),
    "empty label layer": Case([*MAP, "empty.gpkg"], 2, "holds no features"),
    "point label layer": Case([*MAP, "points.gpkg"], 2, "not polygons"),
    "labels elsewhere": Case([*MAP, "far.gpkg"], 2, "do not overlap anywhere"),
    "two layers, no choice": Case([*MAP, "two_layers.gpkg"], 2, "has 2 layers"),
    "two layers, chosen": Case([*MAP, "two_layers.gpkg|layername=buildings"], 0, "AP50-95"),
    "two layers, chosen by flag": Case(
        [*MAP, "two_layers.gpkg", "--labels-layer", "parcels"], 0, "AP50-95"
    ),
    "unknown layer": Case([*MAP, "two_layers.gpkg", "--labels-layer", "x"], 2, "no layer 'x'"),
    "labels without a class field": Case(
        [*MAP, str(SPACENET_DIR / "buildings.geojson"), "--class-value", "roof"],
        2,
        "do not overlap anywhere",
    ),
    "report as pdf": Case(
        ["report", "oldrun", "-o", "r.pdf"], 2, "The report is HTML", absent=["r.pdf"]
    ),
    # tracebacks before
    "confidence over one": Case(
        ["segment", SCENE, "-o", "o.gpkg", "--conf", "1.5"], 2, "Confidence 1.5 is outside"
    ),
    "negative iou": Case(["segment", SCENE, "-o", "o.gpkg", "--iou", "-1"], 2, "IoU -1"),
    "batch zero": Case(["segment", SCENE, "-o", "o.gpkg", "--batch", "0"], 2, "Batch 0"),
    "negative simplification": Case(
        ["segment", SCENE, "-o", "o.gpkg", "--simplify-m", "-1"], 2, "Simplification tolerance"
    ),
    "huge tiles": Case(
        ["segment", SCENE, "-o", "o.gpkg", "--tile-size", "100000"], 2, "larger than 4096"
    ),
    "corrupt onnx to segment": Case(
        ["segment", SCENE, "-o", "o.gpkg", "--model", "corrupt.onnx"], 2, "could not be read"
    ),
    "corrupt onnx to evaluate": Case(
        ["evaluate", "--model", "corrupt.onnx", "--data", "dataset"], 2, "could not be read"
    ),
    "corrupt onnx to model-info": Case(["model-info", "corrupt.onnx"], 2, "could not be read"),
    "damaged block": Case(
        ["segment", "damaged.tif", "-o", "o.gpkg"], 2, "Cannot read rows", absent=["o.gpkg"]
    ),
    "missing mosaic sheet": Case(
        ["segment", "mosaic.vrt", "-o", "o.gpkg"], 2, "sheet.tif", absent=["o.gpkg"]
    ),
    "some labels without class": Case(
        [*EXPORT, "--labels", "nulls.gpkg", "-o", "d3", "--val-fraction", "0"],
        0,
        "3 features have no 'class' value",
    ),
    "no label has a class": Case(
        [*EXPORT, "--labels", "all_null.gpkg", "-o", "d4"],
        2,
        "empty in every feature",
        absent=["d4"],
    ),
    "no test split": Case(
        ["evaluate", "--model", str(DEFAULT_MODEL_PATH), "--data", "dataset", "--split", "test"],
        2,
        "no 'test' split",
    ),
    "analyze an empty split": Case(
        ["analyze", str(DEFAULT_MODEL_PATH), "--data", "no_val"], 2, "holds no images"
    ),
    "export-model of a text file": Case(
        ["export-model", "text.pt", "-o", "t.onnx"], 2, "could not be read", absent=["t.onnx"]
    ),
    "train without train images": Case(
        ["train", "--data", "no_train", "-o", "r1"], 2, "train split of", absent=["r1"]
    ),
    "train a text file": Case(
        [*TRAIN, "r2", "--model", "text.pt"], 2, "could not be read", absent=["r2"]
    ),
    "train at a negative rate": Case(
        [*TRAIN, "r3", "--lr", "-1"], 2, "Learning rate -1 must be above 0", absent=["r3"]
    ),
    "train a bad yaml": Case(
        [*TRAIN, "r4", "--model", "yolov8n-sag.yaml"],
        2,
        "not a segmentation model configuration",
        absent=["r4"],
    ),
    "train batch zero": Case([*TRAIN, "r5", "--batch", "0"], 2, "Batch 0", absent=["r5"]),
    "train a class map of other classes": Case(
        [*TRAIN, "r6", "--class-map", "building=roof"],
        2,
        "--class-map renames building, which the dataset does not have",
        absent=["r6"],
    ),
    "train a class map that is no mapping": Case(
        [*TRAIN, "r7", "--class-map", "roof"], 2, "is not a mapping", absent=["r7"]
    ),
    # messages
    "photo without --pixel-space": Case(
        ["segment", "photo.png", "-o", "ph.gpkg"], 2, "with --pixel-space", absent=["ph.gpkg"]
    ),
    "--pixel-space on a georeferenced raster": Case(
        ["segment", SCENE, "-o", "ph.gpkg", "--pixel-space"],
        2,
        "is georeferenced (EPSG:32654): --pixel-space is for images without",
        absent=["ph.gpkg"],
    ),
    "--pixel-space with --bbox": Case(
        ["segment", "photo.png", "-o", "ph.gpkg", "--pixel-space", "--bbox", "0,0,9,9"],
        2,
        "which --bbox cannot apply to",
        absent=["ph.gpkg"],
    ),
    "--pixel-space on two images": Case(
        ["segment", "photo.png", "photo.png", "-o", "ph.gpkg", "--pixel-space"],
        2,
        "segments one image at a time",
        absent=["ph.gpkg"],
    ),
    "raster without crs": Case(
        ["segment", "nocrs.tif", "-o", "o.gpkg"], 2, "has a geotransform but no CRS"
    ),
    "all nodata raster": Case(
        [*EXPORT[:1], "nodata.tif", "--labels", LABELS, "-o", "d5"],
        2,
        "nodata in the raster",
        absent=["d5"],
    ),
    "negative minimum area": Case(
        ["segment", SCENE, "-o", "o.gpkg", "--min-area-m2", "-1"], 2, "must be at least 0"
    ),
    "negative empty ratio": Case(
        [*EXPORT, "-o", "d6", "--empty-ratio", "-1"], 2, "--empty-ratio -1 must be at least 0"
    ),
    "zero block size": Case(
        [*EXPORT, "-o", "d7", "--block-size", "0"], 2, "--block-size 0 must be above 0"
    ),
    "all class weights zero": Case(
        [*TRAIN, "r6", "--class-weights", "0,0,0,0"],
        2,
        "at least one must be above 0",
        absent=["r6"],
    ),
    "pixel size beyond the raster": Case(
        ["segment", SCENE, "-o", "o.gpkg", "--pixel-size", "1e9"], 2, "smaller than one pixel"
    ),
    "crs given for a raster without one": Case(
        ["segment", "nocrs.tif", "-o", "c.gpkg", "--crs", "EPSG:32654"], 0, "Wrote", kept=["c.gpkg"]
    ),
    "raster in a site's local CRS": Case(
        ["segment", "site.tif", "-o", "s.gpkg"], 2, "has no ground scale", absent=["s.gpkg"]
    ),
    "raster across the antimeridian": Case(
        ["segment", "date_line.tif", "-o", "d.gpkg"], 2, "antimeridian", absent=["d.gpkg"]
    ),
    "output CRS that is not one": Case(
        ["segment", SCENE, "-o", "x.gpkg", "--output-crs", "EPSG:99999"],
        2,
        "Unknown CRS",
        absent=["x.gpkg"],
    ),
    "crs against the raster's own": Case(
        ["segment", SCENE, "-o", "o.gpkg", "--crs", "EPSG:4326"], 2, "already has the CRS"
    ),
    "no validation tile": Case(
        [*EXPORT, "-o", "d9", "--block-size", "100000"], 2, "no validation tile", absent=["d9"]
    ),
    "json checked first": Case([*MAP, LABELS, "--json", "metrics.json"], 2, "already exists"),
    # calibrated confidence
    "calibrate onto the model itself": Case(
        [*CALIBRATE, "--data", "dataset", "-o", "mine.onnx", "--overwrite"],
        2,
        "is the model itself",
        kept=["mine.onnx"],
    ),
    "calibrate an .onnx into a .pt": Case(
        [*CALIBRATE, "--data", "dataset", "-o", "c.pt"], 2, "must be a .onnx file", absent=["c.pt"]
    ),
    "calibrate on two sources": Case(
        [*CALIBRATE, *BOTH_SOURCES, "-o", "c.onnx"],
        2,
        "Give either --data DATASET",
        absent=["c.onnx"],
    ),
    "calibrate on labels given as predictions": Case(
        [*CALIBRATE, "--predictions", LABELS, "--labels", LABELS, "-o", "c.onnx"],
        2,
        "has no layer 'landcover'",
        kept=[LABELS],
        absent=["c.onnx"],
    ),
    "a p_correct minimum above 1": Case(
        ["segment", SCENE, "-o", "x.gpkg", "--min-p-correct", "1.5"],
        2,
        "Minimum p_correct",
        absent=["x.gpkg"],
    ),
}


@pytest.fixture
def run_cli(p, monkeypatch, capsys):
    """``landseg ARGS`` in the project folder: (exit code, stdout, stderr)."""
    monkeypatch.chdir(p)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    show = warnings.showwarning

    def run(args: list[str]) -> tuple[int, str, str]:
        try:
            main(args)
            code = 0
        except SystemExit as stop:
            code = stop.code or 0
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
            warnings.showwarning = show
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(name, p, run_cli):
    case = CASES[name]
    code, out, err = run_cli(case.args)
    assert code == case.code, (out, err)
    assert case.message in out + err, (out, err)
    if case.code == 2:
        lines = [line for line in err.splitlines() if line.startswith("landseg: error:")]
        assert len(lines) == 1 and "Traceback" not in err, err
        symbols = [c for c in lines[0] if unicodedata.category(c) == "So" and c > "\u25ff"]
        assert not symbols and "ERROR" not in lines[0], lines[0]  # a library's label or emoji
    for path in case.kept:
        assert os.path.lexists(p / path), path
    for path in case.absent:
        assert not os.path.lexists(p / path), path


def test_one_band_raster_with_a_three_band_model_repeats_the_band(run_cli, tmp_path):
    code, _, err = run_cli(
        [
            "segment",
            str(SPACENET_DIR / "ortho_pan_16bit.tif"),
            "-o",
            str(tmp_path / "o.gpkg"),
            "--bbox",
            "733700,3724800,733900,3725000",
        ]
    )
    assert code == 0, err
    assert "landseg: warning: The model learnt on bands [1, 2, 3]" in err
    assert "warnings.warn" not in err  # one line, not Python's source line


def test_model_info_prints_only_json(run_cli, p):
    code, out, _ = run_cli(["model-info", str(DEFAULT_MODEL_PATH)])
    assert code == 0
    assert json.loads(out)["class_names"] == list(CLASS_NAMES)


def test_cancelled_re_export_keeps_the_previous_dataset(p, tmp_path):
    from threading import Event

    from landseg.errors import Cancelled

    target = tmp_path / "dataset"
    shutil.copytree(p / "dataset", target)
    before = sorted(f.relative_to(target) for f in target.rglob("*"))
    cancel = Event()
    with pytest.raises(Cancelled):
        export_dataset(
            [p / SCENE],
            p / LABELS,
            target,
            tile_size_px=128,
            overlap_px=16,
            overwrite=True,
            progress=lambda fraction, message: cancel.set(),
            cancel=cancel,
        )
    assert sorted(f.relative_to(target) for f in target.rglob("*")) == before
    assert [f.name for f in tmp_path.iterdir()] == ["dataset"]  # no staging folder left


def test_disk_full_during_export_is_one_clear_error(p, tmp_path, monkeypatch):
    from landseg.errors import OutputNotWritableError

    monkeypatch.setattr("cv2.imwrite", lambda *args: False)  # what OpenCV does on a full disk
    with pytest.raises(OutputNotWritableError, match="enough free space"):
        export_dataset([p / SCENE], p / LABELS, tmp_path / "d", tile_size_px=128, overlap_px=16)
    assert not any(tmp_path.iterdir())


def test_replacing_a_dataset_swaps_it_in_whole(p, tmp_path):
    target = tmp_path / "dataset"
    shutil.copytree(p / "dataset", target)
    old_tile = next((target / "images" / "train").iterdir())
    export_dataset([p / SCENE], p / LABELS, target, tile_size_px=256, overlap_px=32, overwrite=True)
    assert not old_tile.exists()  # a tile of the old tiling: LandSeg's own, so it went
    assert json.loads((target / "stats.json").read_text())["tile_size_px"] == 256
    assert "path:" not in (target / "data.yaml").read_text()  # self-contained, movable


def test_labels_never_polygons_in_export(run_cli):
    code, _, err = run_cli([*EXPORT[:2], "--labels", "points.gpkg", "-o", "d8"])
    assert code == 2 and "not polygons" in err


def test_interrupted_segment_exit_status_matches_its_output(p, tmp_path):
    """Ctrl-C at random moments: either exit 0 with the file, or a failure status without it."""
    import subprocess
    import sys
    import time

    rng = np.random.default_rng(0)
    for trial, delay in enumerate(rng.uniform(0.5, 6.0, size=5)):
        out = tmp_path / f"o{trial}.gpkg"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "landseg",
                "segment",
                str(p / SCENE),
                "-o",
                str(out),
                "--progress",
                "none",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
        # 130: cancelled by LandSeg; -2: killed by the signal before LandSeg started
        assert process.returncode in (0, 130, -signal.SIGINT), (delay, process.returncode, err)
        assert out.exists() == (process.returncode == 0), (delay, process.returncode, err)
        assert "Traceback" not in err
        assert not list(tmp_path.glob(".*partial*"))


def test_train_overwrite_replaces_only_when_complete(p, tmp_path):
    """A replacement run that fails keeps the old run in place."""
    from landseg.errors import LandSegError
    from landseg.training.options import TrainOptions
    from landseg.training.train import train

    old = tmp_path / "run"
    shutil.copytree(p / "oldrun", old)
    options = TrainOptions(
        data=str(p / "dataset"),
        run_dir=str(old),
        epochs=1,
        batch=2,
        loader_workers=0,
        base_model=str(p / "text.pt"),
    )
    with pytest.raises(LandSegError):
        train(options, overwrite=True)
    assert (old / "best.pt").read_bytes() == DEFAULT_MODEL_PATH.read_bytes()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["run"]


def test_disk_full_while_writing_polygons_leaves_nothing(p, tmp_path, monkeypatch):
    import pyogrio

    from landseg.errors import OutputNotWritableError
    from landseg.inference.pipeline import segment
    from tests.standins import EmptySegmenter

    def full_disk(*args, **kwargs):
        raise pyogrio.errors.DataSourceError("sqlite3_exec failed: database or disk is full")

    monkeypatch.setattr("pyogrio.raw.write", full_disk)
    with pytest.raises(OutputNotWritableError, match="free space"):
        segment(p / SCENE, tmp_path / "o.gpkg", model=EmptySegmenter())
    assert not any(tmp_path.iterdir())


class _StopAfter:
    """A cancel token set once ``progress`` has been called ``calls`` times."""

    def __init__(self, calls: int) -> None:
        self.seen: list = []
        self.calls = calls

    def progress(self, fraction: float, message: str) -> None:
        self.seen.append(fraction)

    def is_set(self) -> bool:
        return len(self.seen) >= self.calls


def _segment(raster: Path, out: Path, **options):
    from landseg.inference.pipeline import segment
    from tests.standins import EmptySegmenter

    options = {"tile_size_px": 128, "overlap_px": 16, "batch_size": 1} | options
    return segment(raster, out, model=EmptySegmenter(), **options)


def _unfinished(raster: Path, out: Path, **options) -> None:
    """A resumable run of ``raster`` into ``out``, cancelled after its first tiles."""
    from landseg.errors import Cancelled
    from landseg.io.work_file import work_file

    stop = _StopAfter(3)
    with pytest.raises(Cancelled, match="--resume"):
        _segment(raster, out, checkpoint=True, cancel=stop, progress=stop.progress, **options)
    assert work_file(out).exists()


def test_a_second_run_on_one_output_is_refused_and_leaves_the_first_alone(p, tmp_path, run_cli):
    from landseg.io.lock import output_lock
    from landseg.io.work_file import work_file

    out = tmp_path / "o.gpkg"
    work_file(out).write_bytes(b"the first run's polygons")
    with output_lock(out):  # the first run, still going
        code, _, err = run_cli(["segment", str(p / SCENE), "-o", str(out)])
    assert code == 2 and "Another LandSeg run is writing 'o.gpkg' now" in err, err
    assert work_file(out).read_bytes() == b"the first run's polygons"
    code, _, err = run_cli(["segment", str(p / SCENE), "-o", str(out)])  # once it has ended
    assert code == 0, err


def test_resume_after_the_raster_changed_on_disk_is_refused(p, tmp_path):
    from landseg.errors import InvalidParameterError
    from landseg.io.work_file import work_file

    raster, out = tmp_path / "r.tif", tmp_path / "o.gpkg"
    shutil.copyfile(p / SCENE, raster)
    _unfinished(raster, out)
    status = raster.stat()
    with rasterio.open(raster, "r+") as dst:  # other content, same size and time
        dst.write(255 - dst.read())
    os.utime(raster, ns=(status.st_atime_ns, status.st_mtime_ns))
    with pytest.raises(InvalidParameterError, match="content of the raster"):
        _segment(raster, out, resume=True)
    assert work_file(out).exists()  # nothing lost: the user decides


@pytest.mark.parametrize(
    ("first", "then", "named"),
    [
        ({"review": True}, {}, "review"),
        ({"crs": "EPSG:32654"}, {"crs": "EPSG:32655"}, "crs"),
        ({}, {"min_area_m2": 50.0}, "min_area_m2"),
    ],
)
def test_resume_checks_every_option_that_changes_the_output(p, tmp_path, first, then, named):
    from landseg.errors import InvalidParameterError

    raster = p / ("nocrs.tif" if "crs" in first else SCENE)
    out = tmp_path / "o.gpkg"
    _unfinished(raster, out, **first)
    with pytest.raises(InvalidParameterError, match=rf"options \({named}\)"):
        _segment(raster, out, resume=True, **then)


def test_a_last_step_that_fails_keeps_the_run_resumable(p, tmp_path, monkeypatch):
    from landseg.errors import OutputExistsError, OutputNotWritableError
    from landseg.io.work_file import work_file

    out = tmp_path / "o.gpkg"

    def someone_writes_the_output(fraction: float, message: str) -> None:
        if not out.exists():
            out.write_text("a file another program wrote meanwhile")

    with pytest.raises(OutputExistsError, match="--resume"):
        _segment(p / SCENE, out, checkpoint=True, progress=someone_writes_the_output)
    assert out.read_text() == "a file another program wrote meanwhile"
    out.unlink()
    replace = os.replace

    def fails_for_the_work_file(source, target):
        if Path(source) == work_file(out):
            raise PermissionError(13, "Permission denied")
        replace(source, target)

    monkeypatch.setattr(os, "replace", fails_for_the_work_file)
    with pytest.raises(OutputNotWritableError, match="--resume"):
        _segment(p / SCENE, out, resume=True)
    monkeypatch.setattr(os, "replace", replace)
    result = _segment(p / SCENE, out, resume=True)
    assert result.tiles_total > 1 and out.exists() and not work_file(out).exists()


def test_a_class_typed_another_way_stays_one_class(p, tmp_path):
    import yaml

    stats = export_dataset(
        [p / SCENE],
        None,
        tmp_path / "d",
        reviewed=p / "reviewed_Roof.gpkg",
        tile_size_px=128,
        overlap_px=16,
    )
    names = yaml.safe_load((tmp_path / "d" / "data.yaml").read_text())["names"]
    assert sorted(names.values()) == sorted(CLASS_NAMES) and "Roof" not in stats.class_names


def _serve(lines: list[str], cwd: Path, **env) -> list[dict]:
    """``landseg serve`` fed ``lines``: its events."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "landseg", "serve"],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ | env,
        timeout=120,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_serve_answers_every_line_and_survives_bad_requests(p, tmp_path):
    lines = [
        json.dumps({"id": "null", "argv": None}),
        json.dumps({"id": "five", "argv": 5}),
        json.dumps({"id": "text", "argv": "segment"}),
        "not json",
        "[1, 2]",
        json.dumps({"id": "a", "argv": ["--version"]}),
        json.dumps({"cancel": "a"}),  # a finished job: a later one is not touched
        json.dumps({"id": "a", "argv": ["--version"]}),
        json.dumps({"id": "b", "argv": ["--version"]}),
    ]
    events = _serve(lines, tmp_path)
    errors = [e for e in events if e["event"] == "error"]
    assert [e["id"] for e in errors[:5]] == ["null", "five", "text", None, None]
    assert all("argv" in e["message"] for e in errors[:3])
    assert "used already" in errors[-1]["message"] and len(errors) == 6
    done = dict((e["id"], e["code"]) for e in events if e["event"] == "done")
    assert done.keys() == {"a", "b"} and done["a"] in (0, 130) and done["b"] == 0


def test_serve_cancel_of_a_finished_job_touches_no_later_one():
    import io

    from landseg.cli import cli
    from landseg.cli.serve import Server

    server = Server(io.StringIO(), cli)
    server.finished.add("a")
    server.cancel("a")
    server.cancel("not yet sent")  # a cancel may come before its job
    assert server.cancelled == {"not yet sent"}


def test_serve_takes_relative_paths_from_the_stated_folder(p, tmp_path):
    job = ["model-info", "text.pt"]
    events = _serve(
        [
            json.dumps({"id": "here", "argv": job, "cwd": str(p)}),
            json.dumps({"id": "nowhere", "argv": job}),
        ],
        tmp_path,
        LANDSEG_ABSOLUTE_PATHS="1",
    )
    said = {e["id"]: e["line"] for e in events if e["event"] == "stderr"}
    assert "relative path" not in said["here"] and "text.pt" in said["here"]
    assert "is a relative path" in said["nowhere"]
    assert not any("matmul" in e.get("line", "") for e in events)


def test_serve_stops_cleanly_on_sigterm_when_idle(tmp_path):
    import subprocess
    import sys
    import time

    worker = subprocess.Popen(
        [sys.executable, "-m", "landseg", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert json.loads(worker.stdout.readline())["event"] == "ready"
    time.sleep(0.2)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    worker.stdin.close()
    assert "Traceback" not in worker.stderr.read()


@pytest.mark.parametrize("name", ["o.parquet", "o.fgb", "parts"])
def test_disk_full_while_converting_is_one_error_and_resumable(p, tmp_path, monkeypatch, name):
    import pyarrow.parquet
    import pyogrio

    from landseg.errors import OutputNotWritableError

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(pyarrow.parquet.ParquetWriter, "write_table", full_disk)
        patched.setattr(pyogrio, "write_arrow", full_disk)
        patched.setattr("geopandas.GeoDataFrame.to_parquet", full_disk)
        with pytest.raises(OutputNotWritableError, match=r"free space.*--resume"):
            _segment(p / SCENE, tmp_path / name, checkpoint=True)
    assert not (tmp_path / name).exists()
    result = _segment(p / SCENE, tmp_path / name, resume=True)
    assert (tmp_path / name).exists() and result.tiles_total > 1


STEPS = ("segment", "export", "train", "user writes")


def _step(p: Path, root: Path, command: str, target: str, overwrite: bool, stop: bool) -> None:
    """One command of a user's session on ``root``; LandSeg's refusals are part of it."""
    from landseg.errors import LandSegError
    from landseg.training.options import TrainOptions
    from landseg.training.train import train

    cancel = _StopAfter(2 if stop else 10**6)
    out = root / target
    try:
        if command == "segment":
            _segment(
                p / SCENE,
                out,
                overwrite=overwrite,
                checkpoint=stop,
                cancel=cancel,
                progress=cancel.progress,
            )
        elif command == "export":
            export_dataset(
                [p / SCENE],
                p / LABELS,
                out,
                tile_size_px=128,
                overlap_px=16,
                overwrite=overwrite,
                cancel=cancel,
                progress=cancel.progress,
            )
        else:  # a run that fails on its base model, after its checks
            options = TrainOptions(
                data=str(p / "dataset"), run_dir=str(out), epochs=1, base_model=str(p / "text.pt")
            )
            train(options, overwrite=overwrite)
    except LandSegError:
        pass


def test_no_user_file_is_ever_changed_or_removed(p, tmp_path):
    """Random sessions of segment, export-dataset and train (with and without --overwrite,
    interrupted or not) on folders where the user keeps, and adds, files of their own."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    step = st.tuples(
        st.sampled_from(STEPS),
        st.sampled_from(["out", "notes", "out.gpkg"]),
        st.booleans(),
        st.booleans(),
    )

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        derandomize=True,  # the same sessions in every run
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(step, min_size=2, max_size=5))
    def session(steps):
        root = Path(tempfile.mkdtemp(dir=tmp_path))
        (root / "notes").mkdir()
        mine = {root / "notes" / "thesis.docx": b"a user's own file"}
        (root / "notes" / "thesis.docx").write_bytes(mine[root / "notes" / "thesis.docx"])
        for number, (command, target, overwrite, stop) in enumerate(steps):
            if command == "user writes":
                if (root / target).is_dir():
                    path = root / target / f"mine-{number}.txt"
                    mine[path] = f"note {number}".encode()
                    path.write_bytes(mine[path])
            else:
                _step(p, root, command, target, overwrite, stop)
            for path, content in mine.items():
                assert path.read_bytes() == content, (steps[: number + 1], path)

    session()
