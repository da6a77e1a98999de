"""Export a YOLO-seg training dataset from rasters and labelled polygons.

Tiles are cut with the same grid and 8-bit scaling as segmentation, so the model trains on
exactly what it will later see. The train/val split is spatially blocked: whole blocks of
tiles go to one side, and train tiles that overlap a validation tile are dropped, so no pixel
is seen on both sides. ``stats.json`` records instance counts, balanced class weights and the
split.
"""

from __future__ import annotations

import json
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
from rasterio.features import geometry_mask
from shapely.geometry import Polygon, box

from landseg import defaults
from landseg.checks import check_fraction, check_positive, require
from landseg.errors import Cancelled, InvalidParameterError, LandSegWarning, VectorReadError
from landseg.geodesy import areas_m2
from landseg.inference.tiling import TileSpec, read_tile, tile_grid, validate_tiling
from landseg.io.folders import atomic_folder, check_replaceable_folder
from landseg.io.rasters import (
    compute_scaling,
    open_raster,
    select_bands,
)
from landseg.io.vectors import (
    area_of_interest,
)
from landseg.messages import Message
from landseg.training.label_layers import class_list, export_resolution, labels_or_review
from landseg.training.object_sizes import pixel_size_range, size_notes
from landseg.training.split import blocked_split, default_block_px, kept_part

WEIGHT_CAP = defaults.WEIGHT_CAP
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
    pixel_size_range_m: list[float] | None = None  # [finest, coarsest] where rasters differ
    outlines: dict[str, float] = field(default_factory=dict)  # total, left_out, left_out_m2
    object_sizes: dict[str, Any] | None = None  # the labelled objects against the tiles
    auto_scale: bool = False  # pixel and tile size chosen from the objects' sizes
    warnings: list[str] = field(default_factory=list)
    review: dict[str, Any] | None = None  # from a reviewed layer: its decisions and extent


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
    keep: Polygon | None = None,
) -> list[tuple[int, np.ndarray]]:
    """(class id, ring in tile pixels) for every label fragment worth keeping in a tile
    (in its ``keep`` part, in map coordinates, when given)."""
    size = float(spec.window.width)
    tile_box = box(0, 0, size, size)
    if keep is not None:
        tile_box = tile_box.intersection(shapely.affinity.affine_transform(keep, inverse))
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


@dataclass(frozen=True)
class _Plan:
    """The export's options, checked."""

    class_names: list[str]
    tile_size_px: int
    overlap_px: int
    min_fragment: float
    empty_ratio: float
    val_fraction: float
    block_size_px: int | None
    seed: int
    aoi: str | Path | None
    bands: Sequence[int] | None
    crs: str | None
    extent: tuple[Any, Any] | None  # the reviewed extent and its CRS: tiles show only it


@dataclass
class _Tally:
    """What the export wrote so far."""

    counts: dict[str, dict[str, int]]
    tiles: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("train", "val", "empty_kept", "empty_skipped", "nodata_skipped"), 0
        )
    )
    split_records: list[dict[str, object]] = field(default_factory=list)
    pixel_sizes: list[float] = field(default_factory=list)
    bands: list[int] = field(default_factory=list)
    outlines: dict[str, float] = field(
        default_factory=lambda: {"total": 0, "left_out": 0, "left_out_m2": 0.0}
    )


def _check_options(
    rasters: Sequence[str | Path],
    tile_size_px: int,
    overlap_px: int,
    min_fragment: float,
    empty_ratio: float,
    val_fraction: float,
    block_size_px: int | None,
) -> None:
    require(len(rasters) > 0, Message("dataset.no_raster"))
    validate_tiling(tile_size_px, overlap_px)
    check_fraction(min_fragment, "--min-fragment", example=0.2)
    check_positive(empty_ratio, "--empty-ratio", example=0.1, zero_ok=True)
    check_fraction(val_fraction, "--val-fraction", example=0.2, allow_one=False)
    if block_size_px is not None:
        check_positive(block_size_px, "--block-size", example=4 * (tile_size_px - overlap_px))


def export_dataset(
    rasters: Sequence[str | Path],
    labels_path: str | Path | None,
    out_dir: str | Path,
    *,
    class_names: Sequence[str] | None = None,
    class_field: str | None = defaults.CLASS_FIELD,
    class_value: str | None = None,
    class_map: Mapping[str, str] | None = None,
    labels_layer: str | None = None,
    aoi: str | Path | None = None,
    crs: str | None = None,
    reviewed: str | Path | None = None,
    tile_size_px: int = defaults.TILE_SIZE_PX,
    overlap_px: int = defaults.OVERLAP_PX,
    pixel_size_m: float | None = None,
    auto_scale: bool = False,
    bands: Sequence[int] | None = None,
    min_fragment: float = defaults.MIN_FRAGMENT,
    empty_ratio: float = defaults.EMPTY_RATIO,
    val_fraction: float = defaults.VAL_FRACTION,
    block_size_px: int | None = None,
    seed: int = defaults.SEED,
    overwrite: bool = False,
    progress: Callable[[float, str], None] | None = None,
    cancel: Any = None,
) -> DatasetStats:
    """Cut ``rasters`` and their labels into a YOLO-seg dataset in ``out_dir``.

    The dataset is built in a staging folder beside ``out_dir`` and swapped in when complete:
    a failed or cancelled export leaves ``out_dir`` as it was. ``overwrite`` replaces only a
    dataset LandSeg wrote, and never a folder holding an input.

    Args:
        rasters: Georeferenced rasters the labels were drawn on.
        labels_path: Polygon layer (GeoPackage, Shapefile, GeoJSON); any CRS.
        out_dir: Folder for ``images/``, ``labels/``, ``data.yaml``, ``stats.json``.
        class_names: Classes in model order; default: the label values, sorted.
        class_field: Attribute holding the class.
        class_value: One class for every feature instead of a class field.
        class_map: Renames label values to model classes (e.g. ``{"building": "roof"}``).
        labels_layer: The layer of ``labels_path`` to read, for files with several.
        aoi: Polygons limiting where tiles are cut.
        crs: The CRS of rasters that have none (e.g. ``EPSG:32654``), assigned, not warped.
        reviewed: A layer reviewed in LandSeg's review panel, instead of ``labels_path``:
            accepted and corrected polygons are the labels, and tiles show only the reviewed
            extent (see :mod:`landseg.review.reviewed`).
        tile_size_px: Tile size (multiple of 32).
        overlap_px: Overlap between tiles.
        pixel_size_m: Ground pixel size to cut tiles at (rasters resampled); default their own.
        auto_scale: Choose the pixel and tile size at which most labelled objects are seen
            whole (:mod:`landseg.training.object_sizes`), instead of the given ones.
        bands: Raster bands for the three channels (one band is repeated).
        min_fragment: Fragments of a polygon cut by a tile edge smaller than this fraction of
            the polygon are dropped, unless they cover at least 256 pixels.
        empty_ratio: Tiles without labels kept, as a fraction of the labelled tiles.
        val_fraction: Share of spatial blocks used for validation.
        block_size_px: Side of a split block; default four tile steps (fewer on small rasters).
        seed: Seed of the split and of the choice of empty tiles.
        overwrite: Replace an existing dataset folder.
        progress: Called with (fraction done, message).
        cancel: Anything with ``is_set()``; when set, the export stops and leaves no folder.
    """
    _check_options(
        rasters, tile_size_px, overlap_px, min_fragment, empty_ratio, val_fraction, block_size_px
    )
    if pixel_size_m is not None:
        check_positive(pixel_size_m, "--pixel-size", example=1.0)
    out = Path(out_dir).absolute()
    require(
        (labels_path is None) != (reviewed is None),
        Message("dataset.labels_or_reviewed"),
    )
    sources = [labels_path or reviewed, *([aoi] if isinstance(aoi, str | Path) else [])]
    folder = {"overwrite": overwrite, "kind": "dataset", "inputs": [*rasters, *sources]}
    check_replaceable_folder(out, **folder)
    labels, extent, review_info = labels_or_review(
        labels_path, reviewed, class_names, labels_layer, class_field, class_value, class_map
    )
    names, unknown, messages = class_list(labels, class_names)
    sizes = {"tile_size_px": tile_size_px, "overlap_px": overlap_px, "auto_scale": auto_scale}
    resolution = export_resolution(labels, names, rasters, crs, pixel_size_m=pixel_size_m, **sizes)
    messages += size_notes(resolution)
    native = resolution.native_m
    plan = _Plan(
        names,
        resolution.tile_size_px,
        resolution.overlap_px,
        min_fragment,
        empty_ratio,
        val_fraction,
        block_size_px,
        seed,
        aoi,
        bands,
        crs,
        extent,
    )
    tally = _Tally({side: dict.fromkeys(names, 0) for side in ("train", "val")})
    tally.pixel_sizes = [resolution.pixel_size_m or n for n in native]
    rng = np.random.default_rng(seed)
    with atomic_folder(out, **folder) as staging:
        for side in ("train", "val"):
            (staging / "images" / side).mkdir(parents=True)
            (staging / "labels" / side).mkdir(parents=True)
        for n_raster, raster in enumerate(rasters):

            def report(share: float, message: str, n_raster: int = n_raster) -> None:
                if progress is not None:
                    progress((n_raster + share) / len(rasters), message)

            source = resolution.sources[n_raster]
            _export_raster(raster, source, labels, plan, staging, tally, rng, report, cancel)
        if tally.tiles["train"] + tally.tiles["val"] == 0:
            raise VectorReadError(_nothing_to_export(names, tally))
        if tally.tiles["val"] == 0 and val_fraction > 0:
            raise InvalidParameterError(Message("split.no_validation", count=tally.tiles["train"]))
        stats = _stats(plan, tally, labels, unknown, rasters, messages)
        stats.review = review_info
        stats.object_sizes, stats.auto_scale = resolution.sizes.to_dict(), auto_scale
        _write_description(staging, stats)
    for message in stats.warnings:
        warnings.warn(message, LandSegWarning, stacklevel=2)
    if progress is not None:
        progress(1.0, Message("dataset.written", path=out))
    return stats


def _nothing_to_export(names: list[str], tally: _Tally) -> Message:
    """Why no tile was written, in the user's terms."""
    if tally.tiles["nodata_skipped"]:
        return Message("dataset.all_nodata")
    return Message("dataset.nothing_overlaps", classes=names)


def _export_raster(raster, source, labels, plan: _Plan, out, tally: _Tally, rng, report, cancel):
    """Cut one raster's tiles (read from ``source``) into ``out`` and count them in ``tally``."""
    with open_raster(source) as src:
        bands = select_bands(src, plan.bands)
        tally.bands = list(bands)
        scaling = compute_scaling(src, bands)
        local, specs, extent = _labels_and_tiles(src, labels, plan)
        stride = plan.tile_size_px - plan.overlap_px
        block_px = plan.block_size_px or default_block_px(src, stride)
        train, val, shared, record = blocked_split(specs, block_px, plan.val_fraction, plan.seed)
        tally.split_records.append(record | {"raster": str(Path(raster).absolute())})
        stem, empty, written = Path(raster).stem, [], []
        for k, spec in enumerate(specs):
            if cancel is not None and cancel.is_set():
                raise Cancelled(Message("dataset.cancelled"))
            if k % 16 == 0:
                report(
                    k / len(specs),
                    Message("dataset.tile", raster=Path(raster).name, done=k + 1, total=len(specs)),
                )
            side = "val" if spec.index in val else "train" if spec.index in train else None
            if side is None:
                continue
            nearby = local.iloc[local.sindex.query(box(*src.window_bounds(spec.window)))]
            matrix = _pixel_matrix(src, spec)
            kept = kept_part(src, spec, shared.get(spec.index), extent)
            found = _tile_labels(nearby, plan.class_names, spec, matrix, plan.min_fragment, kept)
            if not found:
                empty.append((spec, side, kept))
            elif _write_tile(src, spec, bands, scaling, found, out, side, stem, kept):
                tally.tiles[side] += 1
                written.append(box(*src.window_bounds(spec.window)))
                for class_id, _ in found:
                    tally.counts[side][plan.class_names[class_id]] += 1
            else:
                tally.tiles["nodata_skipped"] += 1
        _count_left_out(local[local["class"].isin(plan.class_names)], written, tally)
        labelled = tally.tiles["train"] + tally.tiles["val"]
        n_empty = min(len(empty), int(plan.empty_ratio * labelled))
        for k in rng.permutation(len(empty))[:n_empty]:
            spec, side, kept = empty[k]
            if _write_tile(src, spec, bands, scaling, [], out, side, stem, kept):
                tally.tiles["empty_kept"] += 1
        tally.tiles["empty_skipped"] += len(empty) - n_empty


def _count_left_out(outlines: gpd.GeoDataFrame, written: list[Polygon], tally: _Tally) -> None:
    """Count the outlines that lie in no written tile, and their ground area."""
    geometries = np.asarray(outlines.geometry.array, dtype=object)
    covered = shapely.union_all(written) if written else Polygon()
    left = geometries[~shapely.intersects(geometries, covered)]
    tally.outlines["total"] += len(geometries)
    tally.outlines["left_out"] += len(left)
    tally.outlines["left_out_m2"] += round(float(areas_m2(left, outlines.crs).sum()), 1)


def _labels_and_tiles(src, labels, plan: _Plan):
    """The labels in the raster's CRS over its footprint (and AOI), the tiles there, and the
    reviewed extent in the raster's CRS (``None`` without a review)."""
    crs = CRS.from_user_input(src.crs)
    footprint = box(*src.bounds)
    if plan.aoi is not None:
        footprint = footprint.intersection(area_of_interest(plan.aoi, crs, None))
    extent = None
    if plan.extent is not None:
        extent = gpd.GeoSeries([plan.extent[0]], crs=plan.extent[1]).to_crs(crs).iloc[0]
        footprint = footprint.intersection(extent)
    local = labels.to_crs(crs)
    specs = [
        spec
        for spec in tile_grid(src.width, src.height, plan.tile_size_px, plan.overlap_px)
        if footprint.intersects(box(*src.window_bounds(spec.window)))
    ]
    return local[local.intersects(footprint)], specs, extent


def _pixel_matrix(src, spec: TileSpec) -> list[float]:
    """Shapely's affine matrix from map coordinates to the tile's pixels."""
    inverse = ~src.window_transform(spec.window)
    return [inverse.a, inverse.b, inverse.d, inverse.e, inverse.xoff, inverse.yoff]


def _stats(plan: _Plan, tally: _Tally, labels, unknown, rasters, messages) -> DatasetStats:
    names = plan.class_names
    totals = {n: tally.counts["train"][n] + tally.counts["val"][n] for n in names}
    messages = messages + [
        Message("dataset.no_instances", name=name, cap=WEIGHT_CAP)
        for name, n in totals.items()
        if n == 0
    ]
    if tally.outlines["left_out"]:
        messages.append(_left_out_message(tally))
    n_all = sum(totals.values())
    weights = balanced_class_weights([totals[n] for n in names])
    return DatasetStats(
        class_names=names,
        instances=totals,
        ratios={n: round(totals[n] / n_all, 4) if n_all else 0.0 for n in names},
        class_weights={n: round(w, 4) for n, w in zip(names, weights, strict=True)},
        train_instances=tally.counts["train"],
        val_instances=tally.counts["val"],
        tiles=tally.tiles,
        split={"blocks": tally.split_records},
        repaired_geometries=labels.attrs["repaired"],
        unknown_classes={str(k): int(v) for k, v in unknown.items()},
        sources=[str(Path(r).absolute()) for r in rasters],
        tile_size_px=plan.tile_size_px,
        overlap_px=plan.overlap_px,
        bands=tally.bands,
        pixel_size_m=round(float(np.mean(tally.pixel_sizes)), 4) if tally.pixel_sizes else None,
        pixel_size_range_m=pixel_size_range(tally.pixel_sizes),
        outlines={k: int(v) if k != "left_out_m2" else v for k, v in tally.outlines.items()},
        warnings=messages,
    )


def _left_out_message(tally: _Tally) -> Message:
    """Which labelled outlines no tile holds, and why."""
    outlines = tally.outlines
    return Message(
        "dataset.outlines_left_out",
        left=int(outlines["left_out"]),
        total=int(outlines["total"]),
        area=f"{outlines['left_out_m2']:g}",
        nodata=tally.tiles["nodata_skipped"],
    )


def _write_description(out: Path, stats: DatasetStats) -> None:
    """``stats.json`` and a ``data.yaml`` with no ``path:``, so a moved dataset still works."""
    (out / STATS_NAME).write_text(json.dumps(asdict(stats), indent=2))
    yaml_names = "\n".join(f"  {i}: {json.dumps(n)}" for i, n in enumerate(stats.class_names))
    (out / "data.yaml").write_text(f"train: images/train\nval: images/val\nnames:\n{yaml_names}\n")


def _write_tile(src, spec, bands, scaling, found, out, side, stem, extent=None) -> bool:
    """Write one tile's image and labels; pixels outside ``extent`` (a review's) are blanked."""
    read = read_tile(src, spec, bands, scaling)
    if read is None:
        return False
    if extent is not None:
        transform = src.window_transform(spec.window)
        shape = read.tile.image.shape[:2]
        outside = geometry_mask([extent], out_shape=shape, transform=transform)
        read.tile.image[outside] = 0
    name = f"{stem}_r{int(spec.window.row_off)}_c{int(spec.window.col_off)}"
    image_path = out / "images" / side / f"{name}.png"
    if not cv2.imwrite(str(image_path), read.tile.image[..., ::-1]):
        raise OSError(Message("output.disk_full", name=image_path.name))
    size = float(spec.window.width)
    lines = [
        f"{class_id} " + " ".join(f"{v:.6f}" for v in np.clip(ring / size, 0, 1).ravel())
        for class_id, ring in found
    ]
    (out / "labels" / side / f"{name}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    return True
