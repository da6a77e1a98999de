"""The real NAIP sample for benchmarks: the tests' placement (tests/own_datasets.py) of the 30
images of ``../shared/data/naip-fields``, from the repository root."""

from __future__ import annotations

import sys
from pathlib import Path

SHARED_NAIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "naip-fields"


def naip_images(folder: Path) -> list:
    """The 30 NAIP images as GeoTIFFs placed as their README says, each with its parcels."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.own_datasets import naip_georeferenced

    return naip_georeferenced(folder, count=30, source=SHARED_NAIP)
