"""Train the default model from scratch on synthetic scenes (CPU) and print its held-out
per-class mask mAP50 and mAP50-95 (target: mask mAP50 >= 0.80).

Usage: .venv/bin/python benchmarks/bench_default_model.py [--epochs N] [--continue-epochs N]
This is scripts/train_default_model.py without installing the result; about 30 minutes on two
cores with the default epochs.
"""

from __future__ import annotations

import runpy
import sys
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_default_model.py"

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as work:
        sys.argv = [str(SCRIPT), "--no-install", "--work", work, *sys.argv[1:]]
        runpy.run_path(str(SCRIPT), run_name="__main__")
