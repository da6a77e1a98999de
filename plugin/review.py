"""A layer's review, without widgets: the order of its items, its decision fields, progress.

Decisions live in the layer itself (fields ``review_status``, ``reviewed_class`` and
``reviewed_at``) and are written through the data provider, so each one is in the file as
soon as it is made: a review can stop at any time and resume where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from qgis.core import QgsFeatureRequest, QgsField, QgsProviderRegistry, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant

from .backend import LAYER_NAME
from .translation import tr

PRIORITY, SCORE, CLASS, REASON = "review_priority", "score", "class", "reason"
STATUS, REVIEWED_CLASS, REVIEWED_AT = "review_status", "reviewed_class", "reviewed_at"
DECISION_FIELDS = (STATUS, REVIEWED_CLASS, REVIEWED_AT)
ACCEPTED, REJECTED, CORRECTED = "accepted", "rejected", "corrected"
REFERENCE_CLASSES = ("roof", "farm", "rice-fields", "Baren-Land")  # the model's classes


@dataclass
class Ranking:
    """The layer's feature ids in review order, and the field that ordered them."""

    fids: list[int]
    key: str  # PRIORITY (highest first), SCORE (lowest first) or "" (file order)


@dataclass
class Item:
    """What the panel shows of one feature."""

    fid: int
    class_name: str
    score: float | None
    priority: float | None
    reason: str
    status: str


def plain(value):
    """A Python value, or None for QGIS's NULL."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    return value


def _has(layer: QgsVectorLayer, name: str) -> bool:
    return layer.fields().indexOf(name) >= 0


def _values(layer: QgsVectorLayer, name: str) -> dict[int, object]:
    """Feature id -> value of field ``name`` (None for NULL), in file order, no geometry."""
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
    request.setSubsetOfAttributes([name], layer.fields())
    return {f.id(): plain(f[name]) for f in layer.getFeatures(request)}


def ranking(layer: QgsVectorLayer) -> Ranking:
    """Highest ``review_priority`` first, else lowest ``score`` first, else file order.

    Features without a value come last, in file order.
    """
    for key, sign in ((PRIORITY, -1.0), (SCORE, 1.0)):
        if _has(layer, key):
            values = _values(layer, key)
            order = sorted(
                values,
                key=lambda fid: (values[fid] is None, sign * float(values[fid] or 0.0), fid),
            )
            return Ranking(order, key)
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setNoAttributes()
    return Ranking(sorted(f.id() for f in layer.getFeatures(request)), "")


def ranking_note(key: str) -> str:
    """How the items are ordered, for the panel."""
    if key == PRIORITY:
        return tr("Items are ranked by review priority (highest first).")
    if key == SCORE:
        return tr("This layer has no review priority: items are ranked by score (lowest first).")
    return tr("This layer has no review priority and no score: items are in file order.")


def first_unreviewed(fids: list[int], known: dict[int, Item]) -> int | None:
    """Index in ``fids`` of the first item without a decision (None when all have one)."""
    return next((i for i, fid in enumerate(fids) if not known[fid].status), None)


def _item(feature, fields) -> Item:
    def get(name: str):
        return plain(feature[name]) if fields.indexOf(name) >= 0 else None

    score, priority = get(SCORE), get(PRIORITY)
    return Item(
        fid=feature.id(),
        class_name=str(get(REVIEWED_CLASS) or get(CLASS) or ""),
        score=None if score is None else float(score),
        priority=None if priority is None else float(priority),
        reason=str(get(REASON) or ""),
        status=str(get(STATUS) or ""),
    )


def items(layer: QgsVectorLayer) -> dict[int, Item]:
    """Every feature's item, read in one pass without geometries."""
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
    return {f.id(): _item(f, layer.fields()) for f in layer.getFeatures(request)}


def item(layer: QgsVectorLayer, fid: int) -> Item:
    """The review item of feature ``fid`` of ``layer``."""
    return _item(layer.getFeature(fid), layer.fields())


def layer_classes(layer: QgsVectorLayer) -> list[str]:
    """The layer's distinct ``class`` values (the model's classes in their order first)."""
    if not _has(layer, CLASS):
        return []
    values = {str(v) for v in _values(layer, CLASS).values() if v not in (None, "")}
    known = [name for name in REFERENCE_CLASSES if name in values]
    return known + sorted(values - set(known))


def ensure_fields(layer: QgsVectorLayer) -> None:
    """Add the decision fields the layer lacks, in its file (text fields)."""
    missing = [QgsField(name, QVariant.String) for name in DECISION_FIELDS if not _has(layer, name)]
    if not missing:
        return
    if not layer.dataProvider().addAttributes(missing):
        raise ValueError(
            tr("Could not add the review fields to layer '{name}': is its file writable?").format(
                name=layer.name()
            )
        )
    layer.updateFields()


def geometry_edited(layer: QgsVectorLayer, fid: int) -> bool:
    """Whether the feature's geometry was changed in the layer's current editing session."""
    buffer = layer.editBuffer() if layer.isEditable() else None
    return buffer is not None and fid in buffer.changedGeometries()


def record(layer: QgsVectorLayer, fid: int, status: str, class_name: str) -> None:
    """Write a decision into the file now; pending geometry edits are committed first."""
    if layer.isEditable() and layer.isModified() and not layer.commitChanges(False):
        raise ValueError(
            tr("Could not save the edits of layer '{name}': {errors}").format(
                name=layer.name(), errors="; ".join(layer.commitErrors())
            )
        )
    ensure_fields(layer)
    fields = layer.fields()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    values = {STATUS: status, REVIEWED_CLASS: class_name or None, REVIEWED_AT: now}
    changes = {fields.indexOf(name): value for name, value in values.items()}
    if not layer.dataProvider().changeAttributeValues({fid: changes}):
        raise ValueError(
            tr("Could not write the decision into layer '{name}'.").format(name=layer.name())
        )
    layer.triggerRepaint()


def progress_text(done: int, total: int) -> str:
    """'N / M reviewed' for the review panel."""
    return tr("{done} / {total} reviewed").format(done=done, total=total)


def layer_file(layer: QgsVectorLayer) -> str:
    """The layer as the backend reads it: its file, with ``|layername=`` unless ``landcover``.

    ``landseg export-dataset --reviewed`` reads ``landcover`` from a file of several layers.
    """
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path, name = parts.get("path") or "", parts.get("layerName") or ""
    if layer.providerType() != "ogr" or not path:
        raise ValueError(
            tr("Layer '{name}' is not a file LandSeg can read: save it as a GeoPackage.").format(
                name=layer.name()
            )
        )
    return f"{path}|layername={name}" if name and name != LAYER_NAME else path
