"""Property-based tests (Hypothesis) of the geometric invariants of tiling, merging and vectorizing.

For random raster sizes, tile sizes, overlaps and object layouts: every pixel belongs to
exactly one tile's core, every object comes back exactly once from the seam merge, and
vectorized outlines cover exactly the mask's pixels, holes kept.
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landseg.components import components
from landseg.inference.segmenter import TileInstance
from landseg.inference.stitch import (
    Piece,
    StreamingMerge,
    _least_overlap,
    merge_inside,
    merge_pieces,
)
from landseg.inference.tiling import tile_grid
from landseg.inference.vectorize import masks_to_geometries

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def grids(draw):
    """A raster size and a tiling LandSeg accepts (overlap under half a tile)."""
    tile = 32 * draw(st.integers(1, 8))
    overlap = draw(st.integers(0, tile // 2 - 1))
    width, height = draw(st.integers(1, 700)), draw(st.integers(1, 700))
    return width, height, tile, overlap


@SETTINGS
@given(grids())
def test_tile_cores_cover_every_pixel_exactly_once(grid):
    width, height, tile, overlap = grid
    owners = np.zeros((height, width), dtype=np.int32)
    for spec in tile_grid(width, height, tile, overlap):
        c0, r0, c1, r1 = spec.core
        window = spec.window
        assert window.width == window.height == tile
        assert window.col_off <= c0 < c1 <= window.col_off + tile
        assert window.row_off <= r0 < r1 <= window.row_off + tile
        owners[r0:r1, c0:c1] += 1
    assert (owners == 1).all()


@st.composite
def layouts(draw):
    """A tiling and non-touching rectangles (2 px apart or more) on a raster."""
    width, height, tile, overlap = draw(grids().filter(lambda g: g[0] >= 64 and g[1] >= 64))
    boxes = []
    for _ in range(draw(st.integers(1, 12))):
        w, h = draw(st.integers(3, width // 2)), draw(st.integers(3, height // 2))
        x, y = draw(st.integers(0, width - w)), draw(st.integers(0, height - h))
        candidate = shapely.box(x, y, x + w, y + h)
        if all(candidate.distance(other) >= 2 for other in boxes):
            boxes.append(candidate)
    return width, height, tile, overlap, boxes


def _perfect_views(specs, boxes, class_id: int = 0) -> list[list[Piece]]:
    """Per tile, what a perfect model sees: each object cut to the tile's window."""
    views = []
    for spec in specs:
        w = spec.window
        window = shapely.box(w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height)
        parts = [shapely.intersection(rectangle, window) for rectangle in boxes]
        views.append(
            [Piece(spec.index, class_id, 0.9, shapely.MultiPolygon([p])) for p in parts if p.area]
        )
    return views


@SETTINGS
@given(layouts(), st.integers(0, 3))
def test_every_object_comes_back_once_whatever_the_tiling(layout, class_id):
    """A perfect model's pieces (each object cut to each tile that sees it) merge back whole."""
    width, height, tile, overlap, boxes = layout
    specs = tile_grid(width, height, tile, overlap)
    pieces = [p for tile_pieces in _perfect_views(specs, boxes, class_id) for p in tile_pieces]
    merged = merge_pieces(pieces, specs)
    assert len(merged) == len(boxes)
    for rectangle in boxes:
        matches = [m for m in merged if m.geometry.intersects(rectangle)]
        assert len(matches) == 1
        assert shapely.symmetric_difference(matches[0].geometry, rectangle).area < 1e-6
        assert matches[0].class_id == class_id


@SETTINGS
@given(
    st.integers(8, 64),
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(4, 24)), max_size=5),
    st.booleans(),
)
def test_outlines_cover_exactly_the_mask_pixels(size, squares, with_hole):
    masks = []
    for row, col, side in squares:
        mask = np.zeros((size, size), dtype=bool)
        mask[row : row + side, col : col + side] = True
        if with_hole and side >= 5:
            mask[row + 2 : row + side - 2, col + 2 : col + side - 2] = False
        masks.append(mask)
    valid = np.ones((size, size), dtype=bool)
    geometries = masks_to_geometries([TileInstance(m, 0, 0.5) for m in masks], valid, 100, 200)
    painted = np.zeros((size, size), dtype=np.int32)
    for value, mask in enumerate(masks, start=1):  # later masks win, as documented
        painted[mask] = value
    for value, geometry in enumerate(geometries, start=1):
        pixels = int((painted == value).sum())
        if pixels == 0:
            assert geometry is None
            continue
        assert geometry.area == pixels
        minx, miny, _, _ = geometry.bounds
        rows, cols = np.nonzero(painted == value)
        assert (minx, miny) == (100 + cols.min(), 200 + rows.min())


@SETTINGS
@given(st.integers(1, 14), st.integers(1, 14), st.floats(0.05, 0.95), st.integers(0, 2**32 - 1))
def test_traced_outlines_are_the_pixels_squares(height, width, fill, seed):
    """Any mask (holes, pixels touching only at a corner): a valid outline whose area is the
    pixel count and which is exactly the union of the pixels' squares."""
    mask = np.random.default_rng(seed).random((height, width)) < fill
    (outline,) = masks_to_geometries(
        [TileInstance(mask, 0, 0.5)], np.ones(mask.shape, dtype=bool), 7, 3
    )
    if not mask.any():
        assert outline is None
        return
    rows, cols = np.nonzero(mask)
    squares = shapely.union_all(shapely.box(cols + 7, rows + 3, cols + 8, rows + 4))
    assert outline.is_valid and outline.geom_type == "MultiPolygon"
    assert outline.area == mask.sum()
    assert shapely.symmetric_difference(outline, squares).area == 0


@SETTINGS
@given(st.integers(1, 12), st.floats(0.05, 0.95), st.integers(0, 2**32 - 1))
def test_the_bounding_box_overlap_bound_never_exceeds_the_overlap(size, fill, seed):
    """Seam agreement skips the polygon intersection where the bound already suffices: the
    bound must hold for any two pixel outlines (holes and corner contacts included)."""
    rng = np.random.default_rng(seed)
    masks = [TileInstance(rng.random((size, size)) < fill, 0, 0.5) for _ in range(2)]
    outlines = [
        masks_to_geometries([mask], np.ones((size, size), dtype=bool), x, y)[0]
        for mask, (x, y) in zip(masks, rng.integers(0, size // 2 + 1, (2, 2)), strict=True)
    ]
    if None in outlines:
        return
    a, b = (np.array([outline], dtype=object) for outline in outlines)
    overlap = shapely.area(shapely.intersection(a, b))
    assert _least_overlap(a, b) <= overlap


@SETTINGS
@given(layouts(), st.integers(1, 6))
def test_streaming_merge_gives_the_global_merge(layout, tiles_per_batch):
    """Merging while tiles arrive row by row gives exactly the instances of one global merge."""
    width, height, tile, overlap, boxes = layout
    specs = tile_grid(width, height, tile, overlap)
    by_tile = _perfect_views(specs, boxes)
    expected = merge_pieces([p for pieces in by_tile for p in pieces], specs)
    merger, streamed = StreamingMerge(specs), []
    for start in range(0, len(specs), tiles_per_batch):
        batch = [p for pieces in by_tile[start : start + tiles_per_batch] for p in pieces]
        following = start + tiles_per_batch
        frontier = specs[following].window.row_off if following < len(specs) else np.inf
        streamed += merger.add(batch, frontier)
    streamed += merger.finish()
    assert not merger.open
    key = lambda m: m.geometry.bounds  # noqa: E731
    assert [m.geometry.wkb for m in sorted(streamed, key=key)] == [
        m.geometry.wkb for m in sorted(expected, key=key)
    ]


@SETTINGS
@given(layouts(), st.integers(1, 3))
def test_merging_inside_chunks_then_across_gives_the_global_merge(layout, chunk_tiles):
    """A Dask run: each chunk merges what is final inside it, the client merges the rest."""
    from landseg.inference.distributed import partition

    width, height, tile, overlap, boxes = layout
    specs = tile_grid(width, height, tile, overlap)
    pieces = [p for tile_pieces in _perfect_views(specs, boxes) for p in tile_pieces]
    expected = merge_pieces(pieces, specs)
    instances, border = [], []
    for chunk in partition(specs, chunk_tiles):
        inside = {spec.index for spec in chunk}
        final, rest = merge_inside(
            [p for p in pieces if p.tile_index in inside], chunk, margin_px=overlap
        )
        instances += final
        border += rest
    border.sort(key=lambda piece: piece.tile_index)
    instances += StreamingMerge(specs).add(border, np.inf)
    key = lambda m: m.geometry.wkb  # noqa: E731
    assert sorted(map(key, instances)) == sorted(map(key, expected))


@st.composite
def graphs(draw):
    """A number of items and pairs of them, repeats and self-links included."""
    n = draw(st.integers(1, 40))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80))
    a, b = (np.array([edge[i] for edge in edges], dtype=int) for i in (0, 1))
    return n, a, b


@SETTINGS
@given(graphs())
def test_components_are_scipys_connected_components(graph):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, a, b = graph
    _, labels = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)))
    expected = sorted(np.flatnonzero(labels == label).tolist() for label in np.unique(labels))
    assert [group.tolist() for group in components(n, a, b)] == expected
