"""Keep ultralytics fully offline.

ultralytics probes the network at import (settings sync, version checks) and fetches
``Arial.ttf`` from GitHub when it plots or checks a dataset. LandSeg gives it a private
config folder with a local font already in place and sets ``YOLO_OFFLINE``, before the
first import of ultralytics. Import ultralytics only through :func:`import_ultralytics`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

FONT_NAMES = ("Arial.ttf", "Arial.Unicode.ttf")
# Telemetry and experiment-tracker integrations, which would phone home if their package exists.
_OFF_SETTINGS = ("sync", "clearml", "comet", "dvc", "mlflow", "raytune", "wandb", "vscode_msg")


def config_dir() -> Path:
    """The folder ultralytics uses for its settings and fonts."""
    if "YOLO_CONFIG_DIR" in os.environ:
        return Path(os.environ["YOLO_CONFIG_DIR"])
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "landseg" / "ultralytics"


def _local_font() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def prepare() -> Path:
    """Set the offline environment and place a local font where ultralytics looks for it."""
    folder = config_dir()
    font_dir = folder / "Ultralytics"
    font_dir.mkdir(parents=True, exist_ok=True)
    for name in FONT_NAMES:
        target = font_dir / name
        if not target.exists():
            shutil.copyfile(_local_font(), target)
    os.environ["YOLO_CONFIG_DIR"] = str(folder)
    os.environ["YOLO_OFFLINE"] = "1"
    return folder


def import_ultralytics() -> ModuleType:
    """Import ultralytics with network access switched off and no telemetry."""
    prepare()
    import ultralytics
    from ultralytics.utils import SETTINGS

    quiet = {key: False for key in _OFF_SETTINGS if SETTINGS.get(key)}
    if quiet:
        SETTINGS.update(quiet)
    return ultralytics


@contextlib.contextmanager
def quiet_ultralytics() -> Iterator[None]:
    """Keep ultralytics' info lines (e.g. "Loading x.onnx ...") off the output; warnings stay."""
    from ultralytics.utils import LOGGER

    level = LOGGER.level
    LOGGER.setLevel(logging.WARNING)
    try:
        yield
    finally:
        LOGGER.setLevel(level)


if __name__ == "__main__":
    print(f"ultralytics offline config ready in {prepare()}")
