"""LandSeg's persisted settings (``QgsSettings``, section ``landseg/``), or the environment.

Every setting can also come from an environment variable, which wins: ``LANDSEG_`` and the key
in capitals with ``/`` as ``_`` (``LANDSEG_PYTHON``, ``LANDSEG_DEFAULT_MODEL``,
``LANDSEG_DEVICE``...). ``qgis_process`` users set the backend's Python once that way, without
editing ``QGIS3.ini``.
"""

from __future__ import annotations

import os
from typing import Any

from qgis.core import QgsSettings

PREFIX = "landseg/"

PYTHON = "python"  # interpreter of the LandSeg environment ("" = find automatically)
MODEL = "model"  # model last used for segmentation
DEFAULT_MODEL = "default_model"  # model made the default after fine-tuning ("" = shipped)
TILE_SIZE = "tile_size_px"
OVERLAP = "overlap_px"
TILE_MODEL = "tile_size_model"  # the model the saved tile size and overlap were chosen for
DEVICE = "device"
CONFIDENCE = "confidence"
MIN_AREA = "min_area_m2"
SIMPLIFY = "simplify_m"
FINETUNE_EPOCHS = "finetune/epochs"
FINETUNE_IMGSZ = "finetune/imgsz"
FINETUNE_FOLDER = "finetune/folder"
FINETUNE_DEVICE = "finetune/device"  # the fine-tune dialog's own: not the Segment dialog's
INTERRUPTED = "interrupted_runs"  # JSON: output -> work file a stopped segmentation kept
WHEELHOUSE = "wheelhouse"  # folder of wheels to install from without internet ("" = index)

DEVICES = ("auto", "cpu", "cuda")


def env_name(key: str) -> str:
    """The environment variable that overrides setting ``key``."""
    return "LANDSEG_" + key.upper().replace("/", "_")


def value(key: str, default: Any = None, type_: type | None = None) -> Any:
    """The environment's or stored value, or ``default``; converted to ``type_`` when given."""
    raw = os.environ.get(env_name(key))
    if raw is None:
        raw = QgsSettings().value(PREFIX + key, default)
    if raw is None or type_ is None:
        return raw
    try:
        if type_ is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        return type_(raw)
    except (TypeError, ValueError):
        return default


def set_value(key: str, value_: Any) -> None:
    """Store a LandSeg setting."""
    QgsSettings().setValue(PREFIX + key, value_)


def remove(key: str) -> None:
    """Remove a LandSeg setting (its default applies again)."""
    QgsSettings().remove(PREFIX + key)


def user_locale() -> str:
    """Two-letter language QGIS's interface uses (``locale/userLocale``), e.g. ``ja``."""
    from qgis.PyQt.QtCore import QLocale

    settings = QgsSettings()
    name = settings.value("locale/userLocale", "") or ""
    if not name:
        name = QLocale.system().name()
    return str(name)[:2].lower()
