"""The labels an export reads: a label layer's polygons and classes (or a reviewed layer's
decisions), the model's class list, and how the labelled objects fit the tiles it cuts."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from landseg import defaults
from landseg.checks import check_class_names, check_positive
from landseg.errors import LandSegWarning, VectorReadError
from landseg.inference.tiling import validate_tiling
from landseg.io.rasters import with_crs
from landseg.io.vectors import read_vector, repair_polygons, require_polygons
from landseg.messages import Message
from landseg.review.reviewed import read_reviewed
from landseg.spelling import is_blank, unify_spellings
from landseg.training.object_sizes import (
    ObjectSizes,
    Resolution,
    choose_resolution,
    size_notes,
    square_pixel_m,
)


def read_labels(
    path: str | Path,
    *,
    class_field: str | None = defaults.CLASS_FIELD,
    class_value: str | None = None,
    class_map: Mapping[str, str] | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Polygons with a ``class`` column (mapped), repaired; ``repaired`` counted in ``attrs``.

    Either ``class_field`` names the attribute holding classes, or ``class_value`` gives every
    feature the same class (for layers without a class field, such as building outlines).
    Features whose class is empty (NULL) are left out with a warning.
    """
    frame, name = read_vector(path, "Label layer", layer=layer)
    require_polygons(frame, name)
    if frame.crs is None:
        raise VectorReadError(Message("vector.no_crs", layer=name))
    if class_value is not None:
        classes = np.full(len(frame), class_value, dtype=object)
    elif class_field not in frame.columns:
        fields = ", ".join(c for c in frame.columns if c != frame.geometry.name) or "none"
        raise VectorReadError(
            Message("dataset.no_class_field", layer=name, field=class_field, fields=fields)
        )
    else:
        values = frame[class_field]
        unset = is_blank(values).to_numpy()
        if unset.all():
            raise VectorReadError(Message("dataset.empty_field", layer=name, field=class_field))
        if unset.any():
            warnings.warn(
                Message("dataset.unclassed", layer=name, count=int(unset.sum()), field=class_field),
                LandSegWarning,
                stacklevel=3,
            )
        frame = frame[~unset]
        classes = frame[class_field].astype(str).to_numpy()
    if class_map:
        classes = np.array([class_map.get(c, c) for c in classes], dtype=object)
    geometries, repaired = repair_polygons(np.asarray(frame.geometry.array, dtype=object))
    keep = ~shapely.is_empty(geometries)
    labels = gpd.GeoDataFrame({"class": classes[keep]}, geometry=geometries[keep], crs=frame.crs)
    labels.attrs["repaired"] = repaired
    return labels


def class_list(
    labels: gpd.GeoDataFrame, class_names: Sequence[str] | None
) -> tuple[list[str], dict[str, int], list[str]]:
    """Model classes in order, label values outside them (with counts), and warnings."""
    names = check_class_names(class_names) if class_names else sorted(set(labels["class"]))
    unknown = labels[~labels["class"].isin(names)]["class"].value_counts().to_dict()
    messages = []
    if unknown:
        messages.append(
            Message(
                "dataset.unknown_labels",
                values=sorted(unknown),
                classes=names,
                count=sum(unknown.values()),
            )
        )
    return names, unknown, messages


def labelled_object_sizes(
    rasters: Sequence[str | Path],
    labels_path: str | Path,
    *,
    class_names: Sequence[str] | None = None,
    class_field: str | None = defaults.CLASS_FIELD,
    class_value: str | None = None,
    class_map: Mapping[str, str] | None = None,
    labels_layer: str | None = None,
    crs: str | None = None,
    tile_size_px: int = defaults.TILE_SIZE_PX,
    overlap_px: int = defaults.OVERLAP_PX,
    pixel_size_m: float | None = None,
    auto_scale: bool = False,
) -> tuple[ObjectSizes, list[Message]]:
    """How the labelled objects fit the tiles ``export_dataset`` cuts with these options, and
    its suggestion where most are not seen whole; nothing is written (the fine-tune dialog's
    preview, ``landseg object-sizes``)."""
    validate_tiling(tile_size_px, overlap_px)
    if pixel_size_m is not None:
        check_positive(pixel_size_m, "--pixel-size", example=1.0)
    labels, _extent, _review = labels_or_review(
        labels_path, None, class_names, labels_layer, class_field, class_value, class_map
    )
    names = class_list(labels, class_names)[0]
    sizes = {"tile_size_px": tile_size_px, "overlap_px": overlap_px, "auto_scale": auto_scale}
    resolution = export_resolution(labels, names, rasters, crs, pixel_size_m=pixel_size_m, **sizes)
    return resolution.sizes, size_notes(resolution)


def export_resolution(labels, names, rasters, crs, **sizes) -> Resolution:
    """The resolution the export of ``labels`` of classes ``names`` over ``rasters`` uses."""
    native = [square_pixel_m(raster, crs) for raster in rasters]
    read = [with_crs(str(raster), crs) for raster in rasters]
    return choose_resolution(labels[labels["class"].isin(names)], read, native, **sizes)


def labels_or_review(labels_path, reviewed, class_names, layer, class_field, class_value, mapping):
    """The labels (of a label layer, or a reviewed layer's decisions), the reviewed extent and
    the review's record (``None`` without a review)."""
    extent = review_info = None
    if reviewed is not None:
        review = read_reviewed(reviewed, layer=layer)
        labels, extent = review.labels, (review.extent, review.labels.crs)
        review_info = {"layer": str(reviewed), "decisions": review.counts}
    else:
        labels = read_labels(
            labels_path,
            class_field=class_field,
            class_value=class_value,
            class_map=mapping,
            layer=layer,
        )
    labels["class"] = unify_spellings(
        labels["class"], class_names or (), name=f"Labels '{labels_path or reviewed}'"
    )
    return labels, extent, review_info
