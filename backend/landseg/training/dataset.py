"""Export a YOLO-seg training dataset from rasters and labelled polygons.

Tiles are cut with the same grid and 8-bit scaling as segmentation, so the model trains on
exactly what it will later see. The train/val split is spatially blocked: whole blocks of
tiles go to one side, and train tiles that overlap a validation tile are dropped, so no pixel
is seen on both sides. ``stats.json`` records instance counts, balanced class weights and the
split.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import Polygon, box

from landseg.errors import (
    Cancelled,
    LandSegWarning,
    OutputExistsError,
    OutputNotWritableError,
    VectorReadError,
)
from landseg.inference.tiling import TileSpec, read_tile, tile_grid
from landseg.io.rasters import compute_scaling, open_raster, select_bands
from landseg.io.vectors import CRS_FIX, area_of_interest, read_vector, repair_polygons

WEIGHT_CAP = 10.0  # weight of a class with no (or very few) instances
STATS_NAME = "stats.json"
# A fragment this large (pixels) is kept whatever share of its polygon it is: big fields cut
# by a tile edge must stay labelled, or the model learns their texture as background.
MIN_FRAGMENT_PX = 256


def balanced_class_weights(counts: Sequence[int], *, cap: float = WEIGHT_CAP) -> list[float]:
    """``w_c = N / (K * n_c)``: 1.0 for every class when classes are balanced.

    A class with no instances gets ``cap`` (and so does any class whose weight exceeds it).
    """
    total, k = float(sum(counts)), len(counts)
    return [min(cap, total / (k * n)) if n else cap for n in counts]


@dataclass
class DatasetStats:
    """What ``stats.json`` holds."""

    class_names: list[str]
    instances: dict[str, int]
    ratios: dict[str, float]
    class_weights: dict[str, float]
    train_instances: dict[str, int]
    val_instances: dict[str, int]
    tiles: dict[str, int]
    split: dict[str, object]
    repaired_geometries: int
    unknown_classes: dict[str, int]
    sources: list[str]
    tile_size_px: int
    overlap_px: int
    bands: list[int]
    pixel_size_m: float | None
    warnings: list[str] = field(default_factory=list)


def read_labels(
    path: str | Path,
    *,
    class_field: str | None = "class",
    class_value: str | None = None,
    class_map: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Polygons with a ``class`` column (mapped), repaired; ``repaired`` counted in ``attrs``.

    Either ``class_field`` names the attribute holding classes, or ``class_value`` gives every
    feature the same class (for layers without a class field, such as building outlines).
    """
    frame, name = read_vector(path, "Label layer")
    if frame.crs is None:
        raise VectorReadError(f"{name} has no CRS: {CRS_FIX}.")
    if class_value is not None:
        classes = np.full(len(frame), class_value, dtype=object)
    elif class_field not in frame.columns:
        fields = ", ".join(c for c in frame.columns if c != frame.geometry.name) or "none"
        raise VectorReadError(
            f"{name} has no field '{class_field}' (fields: {fields}): choose the "
            "field that holds the class, or give one class for all features."
        )
    else:
        classes = frame[class_field].astype(str).to_numpy()
    if class_map:
        classes = np.array([class_map.get(c, c) for c in classes], dtype=object)
    geometries, repaired = repair_polygons(np.asarray(frame.geometry.array, dtype=object))
    keep = ~shapely.is_empty(geometries)
    labels = gpd.GeoDataFrame({"class": classes[keep]}, geometry=geometries[keep], crs=frame.crs)
    labels.attrs["repaired"] = repaired
    return labels


def _ring_with_holes(polygon: Polygon) -> np.ndarray:
    """One closed outline for YOLO-seg: holes joined to the exterior by zero-width bridges.

    YOLO labels hold one ring per instance; walking out to each hole and back along the same
    edge makes the fill (even-odd or non-zero) leave the holes empty.
    """
    ring = np.asarray(polygon.exterior.coords)[:-1]
    for interior in polygon.interiors:
        hole = np.asarray(interior.coords)[:-1]
        distances = np.linalg.norm(ring[:, None, :] - hole[None, :, :], axis=2)
        i, j = np.unravel_index(np.argmin(distances), distances.shape)
        hole_walk = np.vstack([hole[j:], hole[: j + 1]])
        ring = np.vstack([ring[: i + 1], hole_walk, ring[i:]])
    return ring


def _tile_labels(
    labels: gpd.GeoDataFrame,
    class_names: Sequence[str],
    spec: TileSpec,
    inverse: list[float],
    min_fragment: float,
) -> list[tuple[int, np.ndarray]]:
    """(class id, ring in tile pixels) for every label fragment worth keeping in a tile."""
    size = float(spec.window.width)
    tile_box = box(0, 0, size, size)
    found = []
    for cls, geometry in zip(labels["class"], labels.geometry, strict=True):
        if cls not in class_names:
            continue
        pixel = shapely.affinity.affine_transform(geometry, inverse)
        smallest = min(min_fragment * pixel.area, MIN_FRAGMENT_PX)
        for part in shapely.get_parts(shapely.intersection(pixel, tile_box)):
            if not isinstance(part, Polygon) or part.area < smallest:
                continue
            found.append((class_names.index(cls), _ring_with_holes(part)))
    return found


def _blocked_split(
    specs: list[TileSpec], block_px: int, val_fraction: float, seed: int
) -> tuple[set[int], set[int], dict[str, object]]:
    """Tile indices for train and val, whole blocks at a time, with a guard band."""
    block_of = {
        s.index: (int(s.window.row_off) // block_px, int(s.window.col_off) // block_px)
        for s in specs
    }
    blocks = sorted(set(block_of.values()))
    rng = np.random.default_rng(seed)
    order = [blocks[i] for i in rng.permutation(len(blocks))]
    n_val = max(1, round(val_fraction * len(blocks))) if len(blocks) > 1 else 0
    val_blocks = set(order[:n_val])
    val = {i for i, b in block_of.items() if b in val_blocks}
    val_boxes = shapely.STRtree([_window_box(s) for s in specs if s.index in val])
    train = {
        s.index
        for s in specs
        if s.index not in val and not len(val_boxes.query(_window_box(s), predicate="intersects"))
    }
    record = {
        "seed": seed,
        "block_size_px": block_px,
        "val_fraction": val_fraction,
        "val_blocks": sorted([list(b) for b in val_blocks]),
        "guard_band_tiles_dropped": len(specs) - len(val) - len(train),
    }
    return train, val, record


def _window_box(spec: TileSpec) -> Polygon:
    """The tile's pixels, shrunk by half a pixel so that tiles that only touch do not meet."""
    w = spec.window
    return box(
        w.col_off + 0.5, w.row_off + 0.5, w.col_off + w.width - 0.5, w.row_off + w.height - 0.5
    )


def _prepare_output(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise OutputExistsError(
                f"Dataset folder '{out_dir}' is not empty: choose an empty folder or allow "
                "overwriting (--overwrite)."
            )
        shutil.rmtree(out_dir)
    try:
        for side in ("train", "val"):
            (out_dir / "images" / side).mkdir(parents=True, exist_ok=True)
            (out_dir / "labels" / side).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputNotWritableError(
            f"Cannot create dataset folder '{out_dir}' ({error.strerror}): choose a writable "
            "location."
        ) from None


def export_dataset(
    rasters: Sequence[str | Path],
    labels_path: str | Path,
    out_dir: str | Path,
    *,
    class_names: Sequence[str] | None = None,
    class_field: str | None = "class",
    class_value: str | None = None,
    class_map: Mapping[str, str] | None = None,
    aoi: str | Path | None = None,
    tile_size_px: int = 512,
    overlap_px: int = 64,
    bands: Sequence[int] | None = None,
    min_fragment: float = 0.2,
    empty_ratio: float = 0.1,
    val_fraction: float = 0.2,
    block_size_px: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
    progress: Callable[[float, str], None] | None = None,
    cancel: Any = None,
) -> DatasetStats:
    """Cut ``rasters`` and their labels into a YOLO-seg dataset in ``out_dir``.

    Args:
        rasters: Georeferenced rasters the labels were drawn on.
        labels_path: Polygon layer (GeoPackage, Shapefile, GeoJSON); any CRS.
        out_dir: Empty (or new) folder for ``images/``, ``labels/``, ``data.yaml``, ``stats.json``.
        class_names: Classes in model order; default: the label values, sorted.
        class_field: Attribute holding the class.
        class_value: One class for every feature instead of a class field.
        class_map: Renames label values to model classes (e.g. ``{"building": "roof"}``).
        aoi: Polygons limiting where tiles are cut.
        tile_size_px: Tile size (multiple of 32).
        overlap_px: Overlap between tiles.
        bands: Raster bands for the three channels (one band is repeated).
        min_fragment: Fragments of a polygon cut by a tile edge smaller than this fraction of
            the polygon are dropped, unless they cover at least 256 pixels.
        empty_ratio: Tiles without labels kept, as a fraction of the labelled tiles.
        val_fraction: Share of spatial blocks used for validation.
        block_size_px: Side of a split block; default four tile steps (fewer on small rasters).
        seed: Seed of the split and of the choice of empty tiles.
        overwrite: Replace a non-empty output folder.
        progress: Called with (fraction done, message).
        cancel: Anything with ``is_set()``; when set, the export stops and leaves no folder.
    """
    out = Path(out_dir).absolute()
    labels = read_labels(
        labels_path, class_field=class_field, class_value=class_value, class_map=class_map
    )
    found_classes = sorted(set(labels["class"]))
    names = list(class_names) if class_names else found_classes
    unknown = labels[~labels["class"].isin(names)]["class"].value_counts().to_dict()
    messages = []
    if unknown:
        messages.append(
            f"Label values {sorted(unknown)} are not among the classes {names}: those "
            f"{sum(unknown.values())} polygons were not exported (map them with a class mapping)."
        )
    _prepare_output(out, overwrite)
    counts = {side: dict.fromkeys(names, 0) for side in ("train", "val")}
    tiles = {"train": 0, "val": 0, "empty_kept": 0, "empty_skipped": 0, "nodata_skipped": 0}
    split_records, pixel_sizes, used_bands = [], [], []
    rng = np.random.default_rng(seed)
    try:
        for n_raster, raster in enumerate(rasters):
            with open_raster(raster) as src:
                chosen = select_bands(src, bands)
                used_bands = chosen
                scaling = compute_scaling(src, chosen)
                crs = CRS.from_user_input(src.crs)
                local = labels.to_crs(crs)
                pixel_sizes.append(
                    abs(src.transform.a) * (1.0 if not crs.is_geographic else 111_320.0)
                )
                footprint = box(*src.bounds)
                if aoi is not None:
                    footprint = footprint.intersection(area_of_interest(aoi, crs, None))
                local = local[local.intersects(footprint)]
                specs = [
                    s
                    for s in tile_grid(src.width, src.height, tile_size_px, overlap_px)
                    if footprint.intersects(box(*_map_bounds(src, s)))
                ]
                block_px = block_size_px or _default_block_px(src, tile_size_px - overlap_px)
                train, val, record = _blocked_split(specs, block_px, val_fraction, seed)
                record["raster"] = str(Path(raster).absolute())
                split_records.append(record)
                empty_candidates = []
                stem = Path(raster).stem
                for k, spec in enumerate(specs):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled("Dataset export was cancelled; nothing was kept.")
                    if progress is not None and k % 16 == 0:
                        share = (n_raster + k / len(specs)) / len(rasters)
                        progress(share, f"{Path(raster).name}: tile {k + 1}/{len(specs)}")
                    side = "val" if spec.index in val else "train" if spec.index in train else None
                    if side is None:
                        continue
                    window_transform = src.window_transform(spec.window)
                    inverse = ~window_transform
                    matrix = [
                        inverse.a,
                        inverse.b,
                        inverse.d,
                        inverse.e,
                        inverse.xoff,
                        inverse.yoff,
                    ]
                    nearby = local.iloc[local.sindex.query(box(*_map_bounds(src, spec)))]
                    found = _tile_labels(nearby, names, spec, matrix, min_fragment)
                    if not found:
                        empty_candidates.append((spec, side))
                        continue
                    if _write_tile(src, spec, chosen, scaling, found, out, side, stem):
                        tiles[side] += 1
                        for class_id, _ in found:
                            counts[side][names[class_id]] += 1
                    else:
                        tiles["nodata_skipped"] += 1
                n_empty = min(
                    len(empty_candidates), int(empty_ratio * (tiles["train"] + tiles["val"]))
                )
                for k in rng.permutation(len(empty_candidates))[:n_empty]:
                    spec, side = empty_candidates[k]
                    if _write_tile(src, spec, chosen, scaling, [], out, side, stem):
                        tiles["empty_kept"] += 1
                tiles["empty_skipped"] += len(empty_candidates) - n_empty
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    if tiles["train"] + tiles["val"] == 0:
        shutil.rmtree(out, ignore_errors=True)
        raise VectorReadError(
            f"No labelled polygon of the classes {names} overlaps the raster(s): check that the "
            "labels belong to these rasters (CRS, extent) and the class field."
        )
    totals = {n: counts["train"][n] + counts["val"][n] for n in names}
    for name, n in totals.items():
        if n == 0:
            messages.append(
                f"Class '{name}' has no instances: its weight is capped at {WEIGHT_CAP}."
            )
    for message in messages:
        warnings.warn(message, LandSegWarning, stacklevel=2)
    n_all = sum(totals.values())
    weights = balanced_class_weights([totals[n] for n in names])
    stats = DatasetStats(
        class_names=names,
        instances=totals,
        ratios={n: round(totals[n] / n_all, 4) if n_all else 0.0 for n in names},
        class_weights={n: round(w, 4) for n, w in zip(names, weights, strict=True)},
        train_instances=counts["train"],
        val_instances=counts["val"],
        tiles=tiles,
        split={"blocks": split_records},
        repaired_geometries=labels.attrs["repaired"],
        unknown_classes={str(k): int(v) for k, v in unknown.items()},
        sources=[str(Path(r).absolute()) for r in rasters],
        tile_size_px=tile_size_px,
        overlap_px=overlap_px,
        bands=list(used_bands),
        pixel_size_m=round(float(np.mean(pixel_sizes)), 4) if pixel_sizes else None,
        warnings=messages,
    )
    (out / STATS_NAME).write_text(json.dumps(asdict(stats), indent=2))
    if progress is not None:
        progress(1.0, f"Dataset written to {out}")
    yaml_names = "\n".join(f"  {i}: {json.dumps(n)}" for i, n in enumerate(names))
    (out / "data.yaml").write_text(
        f"path: {json.dumps(str(out))}\ntrain: images/train\nval: images/val\n"
        f"names:\n{yaml_names}\n"
    )
    return stats


def _default_block_px(src, stride: int) -> int:
    """Four tile steps, or fewer so that even a small raster has about nine blocks or more."""
    return stride * max(1, min(4, min(src.width, src.height) // (3 * stride)))


def _map_bounds(src, spec: TileSpec) -> tuple[float, float, float, float]:
    return src.window_bounds(spec.window)


def _write_tile(src, spec, bands, scaling, found, out: Path, side: str, stem: str) -> bool:
    read = read_tile(src, spec, bands, scaling)
    if read is None:
        return False
    name = f"{stem}_r{int(spec.window.row_off)}_c{int(spec.window.col_off)}"
    cv2.imwrite(str(out / "images" / side / f"{name}.png"), read.tile.image[..., ::-1])
    size = float(spec.window.width)
    lines = [
        f"{class_id} " + " ".join(f"{v:.6f}" for v in np.clip(ring / size, 0, 1).ravel())
        for class_id, ring in found
    ]
    (out / "labels" / side / f"{name}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    return True
