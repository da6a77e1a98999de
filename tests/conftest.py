"""Shared fixtures: small synthetic scenes, written once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from landseg.synthetic import SyntheticScene, write_scene

REPO_ROOT = Path(__file__).resolve().parents[1]
SPACENET_DIR = REPO_ROOT.parent / "shared" / "data" / "spacenet-atlanta"


@pytest.fixture(scope="session")
def small_scene(tmp_path_factory: pytest.TempPathFactory) -> SyntheticScene:
    """A 512 px, 8-bit scene at 0.5 m in UTM 54N."""
    return write_scene(tmp_path_factory.mktemp("small_scene"), size_px=512, seed=3)


@pytest.fixture(scope="session")
def scene_16bit(tmp_path_factory: pytest.TempPathFactory) -> SyntheticScene:
    """A 768 px, 16-bit scene with a nodata border."""
    return write_scene(
        tmp_path_factory.mktemp("scene_16bit"), size_px=768, seed=5, bits=16, nodata_border_px=24
    )
