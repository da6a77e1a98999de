"""Labelled polygons to calibrate ``p_correct`` on, and the calibration with its held-out figures.

Two sources: a dataset's tiles (its validation split: tiles the model did not learn from), each
segmented as ``landseg segment --review`` segments an image; or a labelled map with the
predictions a ``--review`` run made of it. Either way the polygons fall into two blocks — the
dataset's images in two halves of its list, the map's polygons west and east of its middle —
for the out-of-fold figures.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
from rasterio.errors import NotGeoreferencedWarning

from landseg import defaults
from landseg.errors import InvalidParameterError
from landseg.inference.confidence import Calibration
from landseg.inference.pipeline import segment
from landseg.inference.runtimes.loading import load, model_file
from landseg.inference.runtimes.model_files import check_calibrated_output, write_calibrated
from landseg.inference.segmenter import Segmenter
from landseg.io.coco_dataset import read_dataset
from landseg.io.vectors import read_vector
from landseg.io.yolo_dataset import label_path, read_label_polygons
from landseg.messages import Message
from landseg.review.calibrate import (
    fit,
    out_of_fold,
    reliability,
    right_polygons,
    signal_frame_columns,
)


@dataclass
class Outcomes:
    """Predicted polygons' signals, class names, whether each was right, and its block."""

    columns: dict[str, np.ndarray]
    classes: np.ndarray
    right: np.ndarray
    blocks: np.ndarray  # 0 or 1

    @classmethod
    def of(cls, frames: list[gpd.GeoDataFrame], rights: list[np.ndarray], blocks: list[int]):
        """Outcomes of several predicted layers, each wholly in one block."""
        columns = [signal_frame_columns(frame) for frame in frames]
        return cls(
            {name: np.concatenate([c[name] for c in columns]) for name in columns[0]},
            np.concatenate([frame["class"].to_numpy(dtype=object) for frame in frames]),
            np.concatenate(rights).astype(bool),
            np.concatenate([np.full(len(f), b) for f, b in zip(frames, blocks, strict=True)]),
        )


def dataset_outcomes(segmenter: Segmenter, data: str | Path, *, split: str = "val") -> Outcomes:
    """The polygons the model finds on a dataset's ``split`` tiles, judged by their labels."""
    with tempfile.TemporaryDirectory(prefix="landseg-calibrate-") as folder:
        dataset = read_dataset(data, convert_into=Path(folder) / "view", splits=(split,))
        images = sorted(dataset.images.get(split, []))
        if not images:
            raise InvalidParameterError(Message("calibration.no_images", data=data, split=split))
        frames, rights = [], []
        for k, image in enumerate(images):
            out = Path(folder) / f"tile-{k}.gpkg"
            with warnings.catch_warnings():  # an image's pixel coordinates have no CRS
                warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                segment(image, out, model=segmenter, pixel_space=True, review=True)
                with rasterio.open(image) as src:
                    width, height = src.width, src.height
            frame = gpd.read_file(out, layer="landcover")
            names, outlines = read_label_polygons(
                label_path(image), dataset.class_names, width, height
            )
            labels = gpd.GeoDataFrame({"class": names}, geometry=outlines)
            frames.append(frame)
            rights.append(right_polygons(frame, labels))
    blocks = [0 if k < len(images) / 2 else 1 for k in range(len(images))]
    return Outcomes.of(frames, rights, blocks)


def map_outcomes(predictions: str | Path, labels: str | Path) -> Outcomes:
    """A ``--review`` run's polygons of a map, judged by the map's labelled polygons."""
    frame, _ = read_vector(predictions, "Predictions", layer="landcover")
    truth, _ = read_vector(labels, "Labels")
    if "class" not in truth.columns:
        raise InvalidParameterError(Message("calibration.labels_no_class", labels=labels))
    truth = truth.to_crs(frame.crs) if frame.crs and truth.crs else truth
    x = frame.geometry.centroid.x.to_numpy() if len(frame) else np.empty(0)
    blocks = (x > np.median(x)).astype(int) if len(x) else np.empty(0, dtype=int)
    outcomes = Outcomes.of([frame], [right_polygons(frame, truth)], [0])
    return replace(outcomes, blocks=blocks)


def calibration_of(outcomes: Outcomes, *, source: str) -> Calibration:
    """The calibration fitted on every polygon, with its out-of-fold figures: ECE of the raw
    score and of ``p_correct``, overall and per class, and the reliability diagrams' points."""
    calibration = fit(outcomes.columns, outcomes.classes, outcomes.right, source=source)
    try:
        held = out_of_fold(outcomes.columns, outcomes.classes, outcomes.right, outcomes.blocks)
    except InvalidParameterError:  # a block too small to fit on: no held-out figures
        return calibration
    score, right = outcomes.columns["score"], outcomes.right
    classes = {}
    for name in sorted(set(outcomes.classes.tolist())):
        chosen = outcomes.classes == name
        classes[name] = {
            "polygons": int(chosen.sum()),
            "own_fit": calibration.own_fit(name),
            "ece_score": reliability(score[chosen], right[chosen]).ece,
            "ece_p_correct": reliability(held[chosen], right[chosen]).ece,
        }
    figures = {
        "polygons": len(right),
        "right": int(right.sum()),
        "score": asdict(reliability(score, right)),
        "p_correct": asdict(reliability(held, right)),
        "classes": classes,
    }
    return replace(calibration, held_out=figures)


def calibrate_model(
    model: str | Path | None,
    output: Path,
    *,
    data: str | Path | None = None,
    predictions: str | Path | None = None,
    labels: str | Path | None = None,
    split: str = "val",
    device: str = defaults.DEVICE,
    overwrite: bool = False,
) -> Calibration:
    """Fit ``model``'s ``p_correct`` on a dataset's tiles (``data``) or on a labelled map
    (``predictions`` of a ``--review`` run with this model, and its ``labels``), and write the
    model with it to ``output``."""
    if (data is None) == (predictions is None) or (predictions is None) != (labels is None):
        raise InvalidParameterError(Message("calibration.one_source"))
    path = model_file(model)
    check_calibrated_output(path, output, overwrite=overwrite)
    segmenter = load(path, device=device, conf=defaults.REVIEW_FLOOR)  # a review needs them
    if data is not None:
        outcomes, source = dataset_outcomes(segmenter, data, split=split), f"{split} of {data}"
    else:
        outcomes, source = map_outcomes(predictions, labels), f"{predictions} with {labels}"
        _require_same_model(Path(predictions), segmenter.info)
    calibration = calibration_of(outcomes, source=source)
    info = replace(segmenter.info, calibration=calibration.to_dict())
    write_calibrated(path, info, output, overwrite=overwrite)
    return calibration


def _require_same_model(predictions: Path, info) -> None:
    """Predictions to calibrate a model on must be that model's (its file's checksum)."""
    made_by = pyogrio.read_info(predictions, layer="landcover").get("layer_metadata") or {}
    if made_by.get("model_sha256") != info.sha256:
        maker = made_by.get("model_name", "?")
        raise InvalidParameterError(
            Message("calibration.other_model", predictions=predictions, maker=maker, name=info.name)
        )
