import numpy as np
import pytest
import shapely
from affine import Affine

from landseg.inference.segmenter import TileInstance
from landseg.inference.vectorize import (
    clean,
    masks_to_geometries,
    pixels_to_map,
    square_off,
)


def test_mask_outline_keeps_holes_and_offsets():
    mask = np.zeros((20, 20), dtype=bool)
    mask[2:12, 3:13] = True
    mask[5:8, 6:9] = False
    everywhere = np.ones((20, 20), dtype=bool)
    (geometry,) = masks_to_geometries([TileInstance(mask, 0, 0.9)], everywhere, 100, 50)
    (polygon,) = geometry.geoms
    assert polygon.bounds == (103, 52, 113, 62)
    assert len(polygon.interiors) == 1 and polygon.area == 100 - 9
    nothing = TileInstance(np.zeros((4, 4), bool), 0, 0.9)
    assert masks_to_geometries([nothing], np.ones((4, 4), bool), 0, 0) == [None]


def test_box_masks_are_painted_at_their_offsets():
    whole = np.zeros((20, 20), dtype=bool)
    whole[4:9, 6:16] = True
    box = TileInstance(np.ones((5, 10), dtype=bool), 1, 0.8, row_off=4, col_off=6)
    (from_box,) = masks_to_geometries([box], np.ones((20, 20), bool), 100, 50)
    (from_whole,) = masks_to_geometries(
        [TileInstance(whole, 1, 0.8)], np.ones((20, 20), bool), 100, 50
    )
    assert from_box.equals(from_whole) and from_box.bounds == (106, 54, 116, 59)


def test_overlapping_masks_go_to_the_later_one_and_nodata_to_none():
    first = np.zeros((10, 10), dtype=bool)
    first[0:6, 0:6] = True
    second = np.zeros((10, 10), dtype=bool)
    second[4:10, 4:10] = True
    valid = np.ones((10, 10), dtype=bool)
    valid[:, 9] = False
    a, b = masks_to_geometries(
        [TileInstance(first, 0, 0.5), TileInstance(second, 0, 0.6)], valid, 0, 0
    )
    assert a.area == 36 - 4 and b.area == 36 - 6
    assert not a.intersection(b).area


def test_pixels_to_map_and_areas():
    transform = Affine(0.5, 0, 500000, 0, -0.5, 4650000)
    (square,) = pixels_to_map([shapely.box(0, 0, 10, 10)], transform)
    assert square.bounds == (500000, 4649995, 500005, 4650000)
    assert shapely.area(square) == 25


def test_square_off_only_nearly_rectangular_parts():
    jagged = shapely.Polygon([(0, 0), (10, 0), (10, 6), (9, 6), (9, 7), (0, 7)])
    l_shape = shapely.Polygon([(0, 0), (10, 0), (10, 3), (3, 3), (3, 10), (0, 10)])
    squared = square_off(shapely.MultiPolygon([jagged, l_shape]))
    assert squared.geoms[0].equals(jagged.minimum_rotated_rectangle)
    assert squared.geoms[1].equals(l_shape)


def test_clean_simplifies_and_makes_valid():
    stairs = shapely.Polygon([(0, 0), (4, 0), (4, 1), (5, 1), (5, 2), (6, 2), (6, 6), (0, 6)])
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    out = clean(np.array([stairs, bowtie], dtype=object), simplify_tolerance=1.0)
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in out)
    assert out[1].area == pytest.approx(2.0)  # the bow-tie's two triangles
    assert len(shapely.get_coordinates(out[0])) < len(shapely.get_coordinates(stairs))
