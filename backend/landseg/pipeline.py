"""The main job: raster in, styled land-cover GeoPackage out.

raster -> tiles (read ahead) -> model (batched) -> pieces -> seam merge -> map polygons -> file.
Progress and cancellation come in as arguments; nothing here knows about tqdm or QGIS.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import numpy as np
from pyproj import CRS

from landseg import __version__
from landseg.errors import Cancelled, InvalidParameterError, LandSegWarning, ModelLoadError
from landseg.geopackage import write_layer
from landseg.models import Segmenter, load
from landseg.outputs import check_output
from landseg.raster import compute_scaling, open_raster, select_bands
from landseg.stitch import Piece, merge_pieces
from landseg.tiling import ReadTile, read_ahead, tile_grid, validate_tiling
from landseg.vectorize import areas_m2, clean, mask_to_geometry, metres_to_crs_units, pixels_to_map

ProgressCallback = Callable[[float, str], None]
DEFAULT_TILE_SIZE_PX = 512
DEFAULT_OVERLAP_PX = 64
LAYER_NAME = "landcover"


class CancelToken(Protocol):
    """Anything with ``is_set()``, e.g. ``threading.Event``."""

    def is_set(self) -> bool: ...


@dataclass
class SegmentationResult:
    """What a run produced and how long its stages took."""

    output_path: Path
    counts: dict[str, int]
    timings_s: dict[str, float]
    device: str
    tiles_total: int
    tiles_run: int
    warnings: list[str] = field(default_factory=list)


def _pieces(batch: list[ReadTile], predictions, *, known_classes: int) -> list[Piece]:
    pieces = []
    for read, instances in zip(batch, predictions, strict=True):
        window = read.tile.window
        for instance in instances:
            if not 0 <= instance.class_id < known_classes:
                raise ModelLoadError(
                    f"The model returned class id {instance.class_id} but names only "
                    f"{known_classes} classes: its class names do not match its head."
                )
            geometry = mask_to_geometry(
                instance.mask & read.valid, int(window.col_off), int(window.row_off)
            )
            if geometry is not None:
                pieces.append(Piece(read.spec.index, instance.class_id, instance.score, geometry))
    return pieces


def segment(
    raster_path: str | Path,
    output_path: str | Path,
    *,
    model: str | Path | Segmenter | None = None,
    tile_size_px: int | None = None,
    overlap_px: int | None = None,
    conf: float = 0.25,
    iou: float = 0.5,
    batch_size: int = 8,
    device: str = "auto",
    bands: Sequence[int] | None = None,
    classes: Sequence[str] | None = None,
    min_area_m2: float = 1.0,
    simplify_tolerance_m: float | None = None,
    square_roofs: bool = False,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SegmentationResult:
    """Segment a georeferenced raster into land-cover polygons written to a GeoPackage.

    Args:
        raster_path: Any raster GDAL reads, with a CRS.
        output_path: The ``.gpkg`` to write (atomically).
        model: A ``.pt``/``.onnx`` path, a ``Segmenter``, or ``None`` for the shipped model.
        tile_size_px: Tile size; default from the model's metadata, else 512.
        overlap_px: Overlap between tiles; default from the model's metadata, else 64.
        conf: Minimum score of an instance.
        iou: Non-maximum-suppression IoU inside a tile.
        batch_size: Tiles per forward pass.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        bands: 1-based raster bands for the model's channels (one band is repeated).
        classes: Class names the model must have, in order (checked, not changed).
        min_area_m2: Polygons smaller than this are dropped.
        simplify_tolerance_m: Simplification tolerance; default one pixel.
        square_roofs: Square off ``roof`` outlines that are nearly rectangular.
        overwrite: Replace an existing output file.
        progress: Called with (fraction done, message).
        cancel: Checked between batches; when set, the run stops and writes nothing.
    """
    started = time.perf_counter()
    output_path = Path(output_path)
    if output_path.suffix.lower() != ".gpkg":
        raise InvalidParameterError(
            f"Output '{output_path}' must be a GeoPackage: give a path ending in .gpkg."
        )
    check_output(output_path.absolute(), overwrite=overwrite)
    report = progress or (lambda fraction, message: None)
    is_cancelled = cancel.is_set if cancel is not None else (lambda: False)

    with open_raster(raster_path) as src:
        segmenter = _segmenter(model, device, conf, iou, batch_size, classes)
        load_s = time.perf_counter() - started
        info = getattr(segmenter, "info", None)
        if tile_size_px is None:
            tile_size_px = info.tile_size_px if info else DEFAULT_TILE_SIZE_PX
        if overlap_px is None:
            overlap_px = info.overlap_px if info else DEFAULT_OVERLAP_PX
        validate_tiling(tile_size_px, overlap_px)
        chosen_bands = select_bands(src, bands if bands else (info.bands if info else None))
        scaling = compute_scaling(src, chosen_bands)
        specs = tile_grid(src.width, src.height, tile_size_px, overlap_px)
        crs, transform = CRS.from_user_input(src.crs), src.transform
        centre_latitude = _centre_latitude(src)
        pixel_size = abs(transform.a)

    report(0.0, f"Segmenting {len(specs)} tiles on {getattr(segmenter, 'device', 'model')}")
    pieces: list[Piece] = []
    done = tiles_run = 0
    for batch, consumed in read_ahead(
        raster_path, specs, chosen_bands, scaling, batch_size=batch_size, should_stop=is_cancelled
    ):
        if is_cancelled():
            break
        if batch:
            predictions = segmenter.predict([read.tile for read in batch])
            pieces.extend(_pieces(batch, predictions, known_classes=len(segmenter.class_names)))
            tiles_run += len(batch)
        done += consumed
        report(0.9 * done / len(specs), f"{done}/{len(specs)} tiles")
    if is_cancelled():
        raise Cancelled("Segmentation was cancelled; no output was written.")
    inference_s = time.perf_counter() - started - load_s

    report(0.9, f"Merging {len(pieces)} pieces across tile seams")
    merged = merge_pieces(pieces, specs)
    map_geometries = pixels_to_map([m.geometry for m in merged], transform)
    tolerance = (
        metres_to_crs_units(simplify_tolerance_m, crs, centre_latitude)
        if (simplify_tolerance_m is not None)
        else pixel_size
    )
    names = segmenter.class_names
    class_ids = np.array([m.class_id for m in merged], dtype=int)
    square = np.array([names[c] == "roof" for c in class_ids], dtype=bool) if square_roofs else None
    geometries = clean(map_geometries, simplify_tolerance=tolerance, square=square)
    areas = areas_m2(geometries, crs) if len(geometries) else np.empty(0)
    keep = areas >= min_area_m2
    frame = gpd.GeoDataFrame(
        {
            "class": [names[c] for c in class_ids[keep]],
            "class_id": class_ids[keep].astype("int32"),
            "score": np.round([m.score for m, k in zip(merged, keep, strict=True) if k], 4),
            "area_m2": np.round(areas[keep], 2),
        },
        geometry=list(geometries[keep]),
        crs=crs,
    )
    stitch_s = time.perf_counter() - started - load_s - inference_s

    messages = []
    if tiles_run == 0:
        messages.append(
            f"Raster '{raster_path}' holds no data (every pixel is nodata): wrote an empty layer."
        )
        warnings.warn(messages[-1], LandSegWarning, stacklevel=2)
    if is_cancelled():
        raise Cancelled("Segmentation was cancelled; no output was written.")
    report(0.95, f"Writing {len(frame)} polygons")
    metadata = _run_metadata(segmenter, raster_path, tile_size_px, overlap_px, conf)
    write_layer(
        frame,
        output_path,
        layer=LAYER_NAME,
        class_names=names,
        metadata=metadata,
        overwrite=overwrite,
    )
    total_s = time.perf_counter() - started
    counts = {name: int((frame["class"] == name).sum()) for name in names}
    report(1.0, f"Wrote {len(frame)} polygons to {output_path}")
    timings = {
        "model_load": load_s,
        "inference": inference_s,
        "stitch_and_vectorize": stitch_s,
        "write": total_s - load_s - inference_s - stitch_s,
        "total": total_s,
    }
    if hasattr(segmenter, "forward_seconds"):
        timings["model_forward"] = segmenter.forward_seconds
    return SegmentationResult(
        output_path=output_path,
        counts=counts,
        timings_s=timings,
        device=getattr(segmenter, "device", "n/a"),
        tiles_total=len(specs),
        tiles_run=tiles_run,
        warnings=messages,
    )


def _segmenter(model, device, conf, iou, batch_size, classes) -> Segmenter:
    if model is None or isinstance(model, str | Path):
        return load(
            model,
            device=device,
            conf=conf,
            iou=iou,
            batch_size=batch_size,
            expected_classes=classes,
        )
    if classes is not None and list(classes) != list(model.class_names):
        raise ModelLoadError(
            f"The model knows the classes {list(model.class_names)}, not {list(classes)}: "
            "choose a model trained for these classes."
        )
    return model


def _centre_latitude(src) -> float:
    if not src.crs.is_geographic:
        return 0.0
    return (src.bounds.bottom + src.bounds.top) / 2


def _run_metadata(segmenter, raster_path, tile_size_px, overlap_px, conf) -> dict[str, str]:
    info = getattr(segmenter, "info", None)
    return {
        "landseg_version": __version__,
        "run_time_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source_raster": str(Path(raster_path).absolute()),
        "model_name": info.name if info else type(segmenter).__name__,
        "model_sha256": info.sha256 if info else "",
        "class_names": ",".join(segmenter.class_names),
        "tile_size_px": str(tile_size_px),
        "overlap_px": str(overlap_px),
        "confidence_threshold": str(conf),
        "device": getattr(segmenter, "device", "n/a"),
    }
