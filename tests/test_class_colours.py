"""The class colours stay apart from each other and from the imagery each class lies on, for
normal colour vision and the three kinds of colour blindness.

Colour blindness is simulated with Machado, Oliveira and Fernandes (2009), severity 1, on linear
RGB; distances are CIE76 ΔE in CIELAB (OpenCV's conversion). Backgrounds are typical colours of
aerial imagery under each class.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from landseg.io.qgis_style import CLASS_COLOURS

VISION = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}
IMAGERY = {  # what each class lies on in aerial photos
    "roof": ["#8a8a8a", "#a5503c"],  # grey concrete, red tiles
    "farm": ["#6b8e3d", "#8b6b45"],  # green crops, brown tilled soil
    "rice-fields": ["#5d8a3a", "#3f8f83"],  # green paddies, flooded teal paddies
    "Baren-Land": ["#9a7b5b", "#c2b08f"],  # brown and pale soil
}
MIN_DELTA_E = 20  # clearly different at a glance (2.3 is a just-noticeable difference)


def _seen(hex_colour: str, vision: str) -> np.ndarray:
    """The colour as ``vision`` sees it, in CIELAB."""
    srgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    simulated = np.clip(VISION[vision] @ linear, 0, 1)
    back = np.where(
        simulated <= 0.0031308, 12.92 * simulated, 1.055 * simulated ** (1 / 2.4) - 0.055
    )
    return cv2.cvtColor(np.float32(back)[None, None], cv2.COLOR_RGB2Lab)[0, 0]


def _delta_e(a: str, b: str, vision: str) -> float:
    return float(np.linalg.norm(_seen(a, vision) - _seen(b, vision)))


@pytest.mark.parametrize("vision", VISION)
def test_each_class_stands_out_on_its_imagery(vision):
    for name, backgrounds in IMAGERY.items():
        for background in backgrounds:
            distance = _delta_e(CLASS_COLOURS[name], background, vision)
            assert distance >= MIN_DELTA_E, (name, background, round(distance, 1))


@pytest.mark.parametrize("vision", VISION)
def test_the_classes_are_told_apart(vision):
    for a, b in itertools.combinations(CLASS_COLOURS, 2):
        distance = _delta_e(CLASS_COLOURS[a], CLASS_COLOURS[b], vision)
        assert distance >= MIN_DELTA_E, (a, b, round(distance, 1))
