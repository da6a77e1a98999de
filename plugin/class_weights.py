"""The backend's balanced class weights for the fine-tune dialog's preview, without blocking it."""

from __future__ import annotations

from typing import ClassVar

from qgis.PyQt.QtCore import pyqtSignal

from . import backend
from .latest_answer import LatestAnswer
from .translation import tr


class ClassWeightsPreview(LatestAnswer):
    """Emits ``computed(counts, weights)`` or ``failed(counts, message)`` for the latest counts.

    The weights are the ones ``landseg class-weights`` computes, by the formula export-dataset
    uses; each answer is kept for the session.
    """

    computed = pyqtSignal(dict, dict)
    failed = pyqtSignal(dict, str)
    answers: ClassVar[dict[tuple, dict[str, float]]] = {}  # (python, counts) -> weights

    def request(self, python: str, counts: dict[str, int]) -> None:
        key = (python, tuple(counts.items()))
        args = backend.class_weights_args(counts)
        self.ask(key, tr("LandSeg: class weights"), python, args, backend.parse_class_weights)

    def answered(self, key: tuple, weights, error) -> None:
        counts = dict(key[1])
        if weights is not None:
            self.computed.emit(counts, dict(weights))
        elif error is not None:
            self.failed.emit(counts, error.message)
