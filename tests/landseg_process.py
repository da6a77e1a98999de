"""The ``landseg`` command as a real process, as users and the QGIS plugin run it."""

from __future__ import annotations

import subprocess
import sys


def run_landseg(*args, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """``python -m landseg ARGS`` with its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "landseg", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )
