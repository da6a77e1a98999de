"""Class names as people type them: ``Roof``, ``roof `` and ``ROOF`` are one class.

Labels drawn by hand, reviewed in QGIS or exported from another tool spell a class in several
ways. Names that differ only in case, spaces, ``_`` or ``-`` are read as one class — as the
model (or the labels' commonest spelling) spells it — and each such reading is told, so that a
class never quietly splits in two.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from landseg.errors import LandSegWarning
from landseg.messages import Message

if TYPE_CHECKING:
    import pandas as pd

_SEPARATORS = re.compile(r"[\s_\-]+")


def is_blank(values: pd.Series) -> pd.Series:
    """Which ``values`` hold no class: NULL, NaN or only spaces."""
    return values.isna() | (values.astype(str).str.strip() == "")


def spelling_key(name: str) -> str:
    """What two spellings of one class have in common (``Rice_Fields`` → ``rice-fields``)."""
    return _SEPARATORS.sub("-", str(name).strip().casefold())


def unify_spellings(values: Iterable[str], known: Sequence[str] = (), *, name: str) -> np.ndarray:
    """``values`` with each class spelled as ``known`` spells it, else as the commonest of its
    spellings in ``values``; a warning names every name read as another."""
    values = np.asarray(list(values), dtype=object)
    canonical = {spelling_key(k): k for k in known}
    for value, _ in Counter(values.tolist()).most_common():
        canonical.setdefault(spelling_key(value), value)
    renamed = {
        value: canonical[spelling_key(value)]
        for value in dict.fromkeys(values.tolist())
        if canonical[spelling_key(value)] != value
    }
    if renamed:
        listed = ", ".join(f"'{old}' as '{new}'" for old, new in renamed.items())
        warnings.warn(
            Message("vector.spellings", layer=name, names=listed),
            LandSegWarning,
            stacklevel=3,
        )
    return np.array([renamed.get(value, value) for value in values.tolist()], dtype=object)


def look_alike_hint(unknown: Sequence[str], known: Sequence[str]) -> str:
    """``--class-map`` for unknown names that look like known ones (a letter off), or ""."""
    pairs = []
    for name in unknown:
        close = difflib.get_close_matches(spelling_key(name), [spelling_key(k) for k in known], 1)
        if close:
            pairs.append(f"{name}={next(k for k in known if spelling_key(k) == close[0])}")
    return f"--class-map {','.join(pairs)}" if pairs else ""
