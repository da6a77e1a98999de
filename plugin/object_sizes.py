"""The fine-tune dialog's preview of how the labelled objects fit the training tiles: asked of
``landseg object-sizes`` through the worker (the latest question answered, answers kept for the
session), shown in a label."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.PyQt.QtWidgets import QLabel

from . import backend, layers
from .latest_answer import LatestAnswer
from .translation import tr


class ObjectSizesPreview(LatestAnswer):
    """Shows in ``label`` the object sizes of the export the dialog would run."""

    answers: ClassVar[dict[tuple, dict[str, Any]]] = {}  # (python, arguments) -> the answer

    def __init__(self, label: QLabel) -> None:
        super().__init__(label)
        self.label = label

    def request(self, python: str | None, rasters: list, labels, options: dict) -> None:
        """Ask for ``rasters`` (layers) and the label layer with the export's ``options``."""
        self.latest = None
        if python is None:
            self.label.setText(tr("shown once the LandSeg environment is installed"))
            return
        files = _files(rasters, labels)
        if files is None or not (options.get("class_field") or options.get("class_value")):
            self.label.setText(
                tr("shown once rasters, a label layer saved in a file and its class field are set")
            )
            return
        args = backend.object_sizes_args(*files, **options)
        key = (python, tuple(args))
        self.label.setText(tr("computing…"))
        self.ask(key, tr("LandSeg: object sizes"), python, args, backend.parse_object_sizes)

    def answered(self, key: tuple, answer, error) -> None:
        if answer is not None:
            self.label.setText(sizes_text(answer, auto_scale="--auto-scale" in key[1]))
        elif error is not None:
            self.label.setText(tr("could not be computed: {message}").format(message=error.message))


def _files(rasters: list, labels) -> tuple[list[str], str] | None:
    """The raster files and the label file the backend reads, or None while one is missing
    (or the label layer is not a file as it is: it is written out when the export starts)."""
    label_file = layers.direct_vector_path(labels) if labels is not None else ""
    try:
        raster_files = [layers.raster_path(layer) for layer in rasters]
    except ValueError:
        return None
    return (raster_files, label_file) if raster_files and label_file else None


def sizes_text(answer: dict[str, Any], *, auto_scale: bool) -> str:
    """The backend's summary, and what ticking *Fit the pixel and tile size* would change."""
    summary = answer.get("summary") or tr("No labelled objects lie over the ticked rasters.")
    if auto_scale or not answer.get("suggestion"):
        return summary
    better = answer["object_sizes"]["suggested"]
    hint = tr(
        "Ticking 'Fit the pixel and tile size to my objects' would show {share} of them whole "
        "({pixel} m, {tile} px tiles)."
    ).format(
        share=f"{better['seen_whole']:.0%}",
        pixel=f"{better['pixel_size_m']:g}",
        tile=better["tile_size_px"],
    )
    return f"{summary} {hint}"
