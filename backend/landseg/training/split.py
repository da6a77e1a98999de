"""The spatial train/validation split of a dataset export: whole blocks of tiles to each side,
and a guard band blanked where a train tile overlaps validation tiles."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon, box

from landseg.inference.tiling import TileSpec


def blocked_split(
    specs: list[TileSpec], block_px: int, val_fraction: float, seed: int
) -> tuple[set[int], set[int], dict[int, Polygon], dict[str, object]]:
    """Tile indices for train and val, whole blocks at a time, and for each train tile that
    overlaps val tiles the part it shares with them (raster pixels): that guard band is blanked
    in the train tile, so no pixel is in both splits and no other pixel is lost."""
    block_of = {
        s.index: (int(s.window.row_off) // block_px, int(s.window.col_off) // block_px)
        for s in specs
    }
    blocks = sorted(set(block_of.values()))
    rng = np.random.default_rng(seed)
    order = [blocks[i] for i in rng.permutation(len(blocks))]
    n_val = max(1, round(val_fraction * len(blocks))) if len(blocks) > 1 else 0
    val_blocks = set(order[:n_val])
    val = {i for i, b in block_of.items() if b in val_blocks}
    val_windows = [_pixels(s) for s in specs if s.index in val]
    val_tree = shapely.STRtree(val_windows)
    train = {s.index for s in specs if s.index not in val}
    shared = {}
    for spec in specs:
        if spec.index in train:
            hits = val_tree.query(_pixels(spec), predicate="overlaps")
            if len(hits):
                shared[spec.index] = shapely.union_all([val_windows[i] for i in hits])
    record = {
        "seed": seed,
        "block_size_px": block_px,
        "val_fraction": val_fraction,
        "val_blocks": sorted([list(b) for b in val_blocks]),
        "guard_band_tiles_trimmed": len(shared),
    }
    return train, val, shared, record


def _pixels(spec: TileSpec) -> Polygon:
    """The tile's window as a box in raster pixels."""
    w = spec.window
    return box(w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height)


def kept_part(src, spec: TileSpec, shared: Polygon | None, extent) -> Polygon | None:
    """The part of a tile whose pixels are kept, in map coordinates (``None``: all of it)."""
    if shared is None:
        return extent
    t = src.transform
    kept = shapely.affinity.affine_transform(
        _pixels(spec).difference(shared), [t.a, t.b, t.d, t.e, t.xoff, t.yoff]
    )
    return kept if extent is None else kept.intersection(extent)


def default_block_px(src, stride: int) -> int:
    """Four tile steps, or fewer so that even a small raster has about nine blocks or more."""
    return stride * max(1, min(4, min(src.width, src.height) // (3 * stride)))
