"""Seam merging, proven exact with a stand-in model that returns ground-truth masks."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.stitch import Piece, merge_pieces
from landseg.inference.tiling import tile_grid
from landseg.io.synthetic import write_scene
from tests.standins import GroundTruthSegmenter


@pytest.fixture(scope="module")
def seam_scene(tmp_path_factory):
    """Fine pixels (0.25 m) so that fields span several 256 and 512 px tiles."""
    return write_scene(tmp_path_factory.mktemp("seams"), size_px=2048, seed=7, pixel_size_m=0.25)


def iou(a, b) -> float:
    return shapely.area(shapely.intersection(a, b)) / shapely.area(shapely.union(a, b))


# 256 px tiles with a 128 px overlap are refused (overlap must stay under half a tile).
@pytest.mark.parametrize(("tile_size_px", "overlap_px"), [(256, 64), (512, 64), (512, 128)])
def test_every_object_comes_back_once(seam_scene, tmp_path, tile_size_px, overlap_px):
    model = GroundTruthSegmenter(seam_scene.labels_path, seam_scene.raster_path)
    out = tmp_path / "out.gpkg"
    result = segment(
        seam_scene.raster_path,
        out,
        model=model,
        tile_size_px=tile_size_px,
        overlap_px=overlap_px,
        min_area_m2=0.5,
    )
    truth = gpd.read_file(seam_scene.labels_path)
    predicted = gpd.read_file(out, layer=LAYER_NAME)
    assert len(predicted) == len(truth)
    assert result.counts == truth["class"].value_counts().to_dict() | {
        k: 0 for k in model.class_names if k not in set(truth["class"])
    }
    matched = set()
    smallest = truth.geometry.area.idxmin()
    specs = tile_grid(2048, 2048, tile_size_px, overlap_px)
    spans = []
    for i, (cls, geometry) in enumerate(zip(truth["class"], truth.geometry, strict=True)):
        candidates = predicted[predicted.intersects(geometry)]
        scores = [iou(geometry, g) for g in candidates.geometry]
        best = int(np.argmax(scores))
        assert candidates["class"].iloc[best] == cls
        assert scores[best] >= (0.8 if i == smallest else 0.9), (cls, scores[best])
        matched.add(candidates.index[best])
        pixel_box = shapely.affinity.affine_transform(
            geometry, [4, 0, 0, -4, -4 * 500000.0, 4 * 4650000.0]
        )
        spans.append(sum(box(*_bounds(s)).intersects(pixel_box) for s in specs))
    assert len(matched) == len(truth), "two objects matched the same polygon"
    assert max(spans) >= 3, "the scene must hold objects that span 3+ tiles"


def _bounds(spec):
    w = spec.window
    return w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height


def test_holes_survive_the_seams(seam_scene, tmp_path):
    truth = gpd.read_file(seam_scene.labels_path)
    holed = truth[[len(g.interiors) > 0 for g in truth.geometry]]
    if holed.empty:
        pytest.skip("scene has no field with a courtyard")
    model = GroundTruthSegmenter(seam_scene.labels_path, seam_scene.raster_path)
    out = tmp_path / "out.gpkg"
    segment(seam_scene.raster_path, out, model=model, tile_size_px=256, overlap_px=64)
    predicted = gpd.read_file(out, layer=LAYER_NAME)
    for geometry in holed.geometry:
        match = predicted[predicted.intersects(geometry.representative_point())].geometry.iloc[0]
        assert sum(len(p.interiors) for p in match.geoms) == len(geometry.interiors)


def _square(x0, y0, x1, y1, tile, cls=0, score=0.9):
    return Piece(tile, cls, score, box(x0, y0, x1, y1))


def test_chain_across_three_tiles_becomes_one():
    specs = tile_grid(640, 256, 256, 64)  # three tiles in a row, cores split at 224 and 416
    pieces = [
        _square(100, 50, 256, 150, 0),  # cut by tile 0's right edge
        _square(192, 50, 448, 150, 1),  # spans tile 1
        _square(384, 50, 500, 150, 2, score=0.95),
    ]
    (merged,) = merge_pieces(pieces, specs)
    assert merged.geometry.equals(box(100, 50, 500, 150))
    assert merged.score == 0.95 and merged.tile_count == 3


def test_different_classes_and_disjoint_views_stay_apart():
    specs = tile_grid(448, 256, 256, 64)
    pieces = [
        _square(150, 50, 256, 100, 0, cls=0),
        _square(192, 50, 300, 100, 1, cls=1),  # same place, other class
        _square(200, 180, 230, 200, 0, cls=0),
        _square(200, 10, 230, 30, 1, cls=0),  # same class, no overlap with the piece above
    ]
    assert len(merge_pieces(pieces, specs)) == 4


def test_object_seen_only_in_a_margin_is_kept():
    specs = tile_grid(448, 256, 256, 64)  # cores split at column 224
    piece = _square(230, 10, 250, 30, 0)  # inside tile 0's margin, which tile 1 owns
    (merged,) = merge_pieces([piece], specs)
    assert merged.geometry.equals(piece.geometry)


def test_pieces_that_meet_along_the_seam_are_joined():
    specs = tile_grid(448, 256, 256, 64)  # cores split at column 224
    # tile 0 saw the field only up to column 230, tile 1 only from column 224 on: they barely
    # overlap inside the shared band, but meet along the whole seam.
    left = _square(100, 50, 230, 150, 0)
    right = _square(224, 50, 400, 150, 1)
    (merged,) = merge_pieces([left, right], specs, link_threshold=0.99)
    assert merged.geometry.equals(box(100, 50, 400, 150))


def test_objects_that_only_brush_the_seam_stay_apart():
    specs = tile_grid(448, 256, 256, 64)
    upper = _square(150, 20, 224, 60, 0)  # touches the seam over 40 px
    lower = _square(224, 58, 300, 120, 1)  # touches it over 62 px, sharing only 2 px with upper
    assert len(merge_pieces([upper, lower], specs)) == 2
