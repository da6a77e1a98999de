"""The review loop in the backend: uncertainty while merging, review layers, reviewed labels."""

from __future__ import annotations

from pathlib import Path

import cv2
import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from landseg.errors import InvalidParameterError, VectorReadError
from landseg.inference.pipeline import LAYER_NAME, REVIEW_LAYER, segment
from landseg.training.dataset import export_dataset
from tests.standins import GroundTruthSegmenter


def _reviewed_layer(scene, folder: Path) -> tuple[Path, gpd.GeoDataFrame]:
    """The scene's objects as a result layer, some accepted, rejected, corrected or unreviewed."""
    frame = gpd.read_file(scene.labels_path)
    status = np.array([None] * len(frame), dtype=object)
    status[[0, 1]] = "accepted"
    status[2] = "rejected"
    status[3] = "corrected"
    frame["review_status"] = status
    frame["reviewed_class"] = np.where(np.arange(len(frame)) == 3, "roof", None)
    path = folder / "result.gpkg"
    frame.to_file(path, layer=LAYER_NAME)
    frame.iloc[:1].to_file(path, layer=REVIEW_LAYER)  # a second layer: landcover is the default
    return path, frame


def _label_polygons(dataset: Path, tile: str, size: int) -> list[shapely.Polygon]:
    lines = (dataset / "labels" / "train" / f"{tile}.txt").read_text().splitlines()
    polygons = []
    for line in lines:
        values = np.array(line.split()[1:], dtype=float).reshape(-1, 2) * size
        polygons.append(shapely.Polygon(values).buffer(0))
    return polygons


def test_reviewed_export_keeps_to_the_reviewed_extent(small_scene, tmp_path):
    path, frame = _reviewed_layer(small_scene, tmp_path)
    out = tmp_path / "dataset"
    stats = export_dataset(
        [small_scene.raster_path],
        None,
        out,
        reviewed=path,
        tile_size_px=128,
        overlap_px=16,
        val_fraction=0,
        class_names=["roof", "farm", "rice-fields", "Baren-Land"],
    )
    reviewed = frame[frame["review_status"].notna()]
    extent = shapely.union_all(reviewed.geometry.to_numpy())
    assert sum(stats.instances.values()) >= 3  # the two accepted and the corrected one
    assert stats.review["decisions"] == {"accepted": 2, "rejected": 1, "corrected": 1}
    with rasterio.open(small_scene.raster_path) as src:
        for image in (out / "images" / "train").glob("*.png"):
            row, col = (int(part[1:]) for part in image.stem.split("_")[-2:])
            window = rasterio.windows.Window(col, row, 128, 128)
            tile_box = shapely.box(*src.window_bounds(window))
            assert tile_box.intersects(extent), image.name  # no tile outside the extent
            pixels = cv2.imread(str(image))
            inside = rasterio.features.geometry_mask(
                [extent], (128, 128), src.window_transform(window), invert=True
            )
            assert not pixels[~inside].any(), image.name  # unreviewed pixels are blank
            to_pixels = ~src.window_transform(window)
            rejected = shapely.affinity.affine_transform(
                frame.geometry.iloc[2],
                [
                    to_pixels.a,
                    to_pixels.b,
                    to_pixels.d,
                    to_pixels.e,
                    to_pixels.xoff,
                    to_pixels.yoff,
                ],
            )
            for label in _label_polygons(out, image.stem, 128):
                overlap = shapely.area(shapely.intersection(label, rejected))
                assert overlap < 0.05 * max(label.area, 1), image.name  # rejected: no label


def test_reviewed_classes_and_bad_reviewed_layers(small_scene, tmp_path):
    from landseg.review.reviewed import read_reviewed

    path, frame = _reviewed_layer(small_scene, tmp_path)
    review = read_reviewed(path)
    assert review.counts == {"accepted": 2, "rejected": 1, "corrected": 1}
    assert list(review.labels["class"]) == [*frame["class"].iloc[:2], "roof"]
    plain = tmp_path / "plain.gpkg"
    gpd.read_file(small_scene.labels_path).to_file(plain)
    with pytest.raises(VectorReadError, match="no 'review_status' field"):
        read_reviewed(plain)
    frame.assign(review_status=None).to_file(tmp_path / "none.gpkg")
    with pytest.raises(VectorReadError, match="no reviewed feature yet"):
        read_reviewed(tmp_path / "none.gpkg")
    with pytest.raises(InvalidParameterError, match="either labelled polygons"):
        export_dataset([small_scene.raster_path], plain, tmp_path / "d", reviewed=path)


def test_review_fields_and_layer(small_scene, tmp_path):
    model = GroundTruthSegmenter(small_scene.labels_path, small_scene.raster_path)
    out = tmp_path / "out.gpkg"
    segment(small_scene.raster_path, out, model=model, tile_size_px=128, overlap_px=16, review=True)
    polygons = gpd.read_file(out, layer=LAYER_NAME)
    for name in ("agreement", "class_margin", "review_priority"):
        assert polygons[name].between(0, 1).all()
    # a perfect model: every tile agrees, no class competes, so only the score speaks
    assert (polygons["agreement"] > 0.95).all() and (polygons["class_margin"] == 1).all()
    expected = 1 - polygons["score"] ** (1 / 3)
    assert np.allclose(polygons["review_priority"], expected, atol=0.01)
    review = gpd.read_file(out, layer=REVIEW_LAYER)
    assert list(review.columns) == ["class", "score", "review_priority", "reason", "geometry"]
    with pytest.raises(InvalidParameterError, match=r"give a \.gpkg output"):
        segment(small_scene.raster_path, tmp_path / "o.fgb", model=model, review=True)


def test_a_loaded_model_that_reports_too_few_objects_is_refused(small_scene, tmp_path):
    """A model object loaded at score 0.25 cannot give a review its possible missed objects
    (from 0.05) nor a lower --conf: refused before any file, instead of quietly fewer."""
    from landseg.inference.runtimes.loading import load

    model = load(None, device="cpu")
    for options in ({"review": True}, {"conf": 0.1}):
        with pytest.raises(InvalidParameterError, match=r"load it with conf=0\.(05|1) or less"):
            segment(small_scene.raster_path, tmp_path / "o.gpkg", model=model, **options)
        assert not any(tmp_path.iterdir())
    low = load(None, device="cpu", conf=0.05)
    segment(small_scene.raster_path, tmp_path / "o.gpkg", model=low, review=True)
    assert len(gpd.read_file(tmp_path / "o.gpkg", layer=REVIEW_LAYER)) > 0


def test_a_tile_that_saw_nothing_lowers_agreement_and_is_listed(small_scene, tmp_path):
    class HalfBlind(GroundTruthSegmenter):
        """Sees nothing in the tiles of odd index, as a model that is unsure there."""

        def predict(self, tiles):
            found = super().predict(tiles)
            pairs = zip(tiles, found, strict=True)
            return [[] if int(t.window.col_off) // 112 % 2 else f for t, f in pairs]

    model = HalfBlind(small_scene.labels_path, small_scene.raster_path)
    out = tmp_path / "out.gpkg"
    segment(small_scene.raster_path, out, model=model, tile_size_px=128, overlap_px=16, review=True)
    polygons = gpd.read_file(out, layer=LAYER_NAME)
    review = gpd.read_file(out, layer=REVIEW_LAYER)
    assert (polygons["agreement"] < 0.95).any()
    assert "missed in one view" in set(review["reason"])


@pytest.mark.slow
def test_review_priority_finds_more_mistakes_than_score_alone(tmp_path):
    """On seeded scenes the shipped model gets wrong, the first 20 % of polygons by review
    priority hold more of its errors than the first 20 % by score alone."""
    from landseg.review.ranking import TOP_SHARE, errors

    frames = []
    for seed, pixel in ((500, 0.2), (501, 0.25), (502, 0.3)):
        from landseg.io.synthetic import write_scene

        scene = write_scene(tmp_path / str(seed), size_px=1536, seed=seed, pixel_size_m=pixel)
        out = tmp_path / f"{seed}.gpkg"
        segment(scene.raster_path, out, review=True, device="cpu", pixel_size_m=pixel)
        predicted = gpd.read_file(out, layer=LAYER_NAME)
        truth = gpd.read_file(scene.labels_path).to_crs(predicted.crs)
        frames.append(predicted.assign(error=errors(predicted, truth)))
    pooled = gpd.pd.concat(frames, ignore_index=True)
    count = round(TOP_SHARE * len(pooled))
    by_priority = pooled.nlargest(count, "review_priority")["error"].sum()
    by_score = pooled.nsmallest(count, "score")["error"].sum()
    assert pooled["error"].sum() >= 10  # the model does make mistakes here
    assert by_priority > by_score


def test_compare_two_results_on_the_reviewed_area(small_scene, tmp_path):
    """Before and after a review round: per-class map metrics where a person looked."""
    from landseg.cli import main

    path, frame = _reviewed_layer(small_scene, tmp_path)
    before, after = tmp_path / "before.gpkg", tmp_path / "after.gpkg"
    frame.iloc[4:].to_file(before, layer=LAYER_NAME)  # misses the reviewed objects
    frame.drop(index=2).to_file(after, layer=LAYER_NAME)  # finds them, not the rejected one
    out = tmp_path / "compare.md"
    main(["compare", str(before), str(after), "--reviewed", str(path), "-o", str(out)])
    text = out.read_text()
    assert "レビュー済み範囲" in text and "reviewed area" in text
    roof_row = next(line for line in text.splitlines() if line.startswith("| roof"))
    assert "+100.00 pp" in roof_row  # AP50 of roof on the reviewed area: 0 before, 1 after
