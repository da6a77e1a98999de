"""Connected components of a graph given as pairs of linked items (numpy, no graph library:
the seam merge runs it on every batch, and loading scipy's would cost more than the work)."""

from __future__ import annotations

import numpy as np


def component_roots(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each of ``n`` items, the smallest item of its component (edges ``a[i]``-``b[i]``)."""
    root = np.arange(n)
    while True:
        ra, rb = root[a], root[b]
        apart = ra != rb
        if not apart.any():
            return root
        np.minimum.at(root, np.maximum(ra, rb)[apart], np.minimum(ra, rb)[apart])
        while True:  # pointer jumping until every node points at its root
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped


def components(n: int, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """The items of each component, in rising order; components ordered by their first item."""
    roots = component_roots(n, a, b)
    order = np.argsort(roots, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(roots[order])) + 1)
