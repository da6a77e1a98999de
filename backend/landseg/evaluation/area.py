"""Area confusion matrix from an overlay of predicted and labelled polygons (no pixels)."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from landseg.components import component_roots
from landseg.io.vectors import polygonal_parts


def area_confusion(
    pred: np.ndarray,
    pred_codes: np.ndarray,
    scores: np.ndarray,
    label: np.ndarray,
    label_codes: np.ndarray,
    *,
    n_classes: int,
    region: BaseGeometry | None,
    extent_geometries: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Area confusion matrix in CRS units², background last, and the evaluated area."""
    if region is not None:
        extent = float(region.area)
    elif len(extent_geometries):
        x0, y0, x1, y1 = shapely.total_bounds(extent_geometries)
        extent = float((x1 - x0) * (y1 - y0))
    else:
        extent = 0.0
    pred_pieces, pred_piece_codes = _class_regions(
        pred, pred_codes, np.argsort(-scores, kind="mergesort")
    )
    label_pieces, label_piece_codes = _class_regions(
        label, label_codes, np.argsort(shapely.area(label), kind="mergesort")
    )
    matrix = np.zeros((n_classes + 1, n_classes + 1))
    if len(pred_pieces) and len(label_pieces):
        li, pi = shapely.STRtree(pred_pieces).query(label_pieces, predicate="intersects")
        areas = shapely.area(shapely.intersection(label_pieces[li], pred_pieces[pi]))
        np.add.at(matrix, (label_piece_codes[li], pred_piece_codes[pi]), areas)
    label_area = np.bincount(label_piece_codes, shapely.area(label_pieces), n_classes)
    pred_area = np.bincount(pred_piece_codes, shapely.area(pred_pieces), n_classes)
    overlap = matrix[:n_classes, :n_classes]
    # Float noise of the overlay must not turn into negative areas.
    matrix[:n_classes, n_classes] = np.maximum(label_area - overlap.sum(axis=1), 0.0)
    matrix[n_classes, :n_classes] = np.maximum(pred_area - overlap.sum(axis=0), 0.0)
    covered = label_area.sum() + pred_area.sum() - overlap.sum()
    matrix[n_classes, n_classes] = max(extent - covered, 0.0)
    return matrix, extent


def _class_regions(
    geometries: np.ndarray, codes: np.ndarray, priority: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint pieces covering each class's region, overlaps between classes resolved.

    Args:
        geometries: Polygons of one side.
        codes: Class code per polygon.
        priority: Polygon indices, the one that wins an overlap between classes first.

    A point belongs to the class of the first polygon in ``priority`` that covers it, so a
    polygon keeps itself minus every higher-priority polygon of another class. Same-class
    overlaps are dissolved afterwards.
    """
    if len(geometries) == 0:
        return geometries, codes
    a, b = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    first = a < b
    a, b = a[first], b[first]
    overlapping = ~shapely.touches(geometries[a], geometries[b])
    a, b = a[overlapping], b[overlapping]
    across = codes[a] != codes[b]
    owned = _owned(geometries, a[across], b[across], priority)
    return _dissolve(owned, codes, a[~across], b[~across])


def _owned(
    geometries: np.ndarray, a: np.ndarray, b: np.ndarray, priority: np.ndarray
) -> np.ndarray:
    """Each polygon minus the higher-priority polygons it overlaps in pairs (a, b)."""
    rank = np.empty(len(geometries), dtype=np.int64)
    rank[priority] = np.arange(len(geometries))
    winner = np.where(rank[a] < rank[b], a, b)
    loser = np.where(rank[a] < rank[b], b, a)
    owned = geometries.copy()
    if len(loser) == 0:
        return owned
    by_loser = np.argsort(loser, kind="mergesort")
    loser, winner = loser[by_loser], winner[by_loser]
    starts = np.flatnonzero(np.r_[True, loser[1:] != loser[:-1]])
    ends = np.r_[starts[1:], len(loser)]
    single = ends - starts == 1
    owned[loser[starts[single]]] = shapely.difference(
        geometries[loser[starts[single]]], geometries[winner[starts[single]]]
    )
    for start, end in zip(starts[~single], ends[~single], strict=True):
        owned[loser[start]] = shapely.difference(
            geometries[loser[start]], shapely.union_all(geometries[winner[start:end]])
        )
    return polygonal_parts(owned)


def _dissolve(
    owned: np.ndarray, codes: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Non-empty pieces and their codes once same-class overlapping pairs (a, b) are merged."""
    # Dissolve each group of overlapping same-class polygons on its own: one union over a
    # whole class grows a huge multipolygon and is many times slower.
    root = component_roots(len(owned), a, b)
    grouped = np.flatnonzero(root != np.arange(len(owned)))
    grouped = np.union1d(grouped, root[grouped])
    alone = np.ones(len(owned), dtype=bool)
    alone[grouped] = False
    pieces, piece_codes = [owned[alone]], [codes[alone]]
    if len(grouped):
        grouped = grouped[np.argsort(root[grouped], kind="mergesort")]
        starts = np.flatnonzero(np.r_[True, root[grouped][1:] != root[grouped][:-1]])
        ends = np.r_[starts[1:], len(grouped)]
        pair = ends - starts == 2
        merged = np.empty(len(starts), dtype=object)
        merged[pair] = shapely.union(owned[grouped[starts[pair]]], owned[grouped[starts[pair] + 1]])
        for k in np.flatnonzero(~pair):
            merged[k] = shapely.union_all(owned[grouped[starts[k] : ends[k]]])
        parts, index = shapely.get_parts(merged, return_index=True)
        pieces.append(parts)
        piece_codes.append(codes[grouped[starts]][index])
    all_pieces, all_codes = np.concatenate(pieces), np.concatenate(piece_codes)
    nonempty = ~shapely.is_empty(all_pieces)
    return all_pieces[nonempty], all_codes[nonempty]
