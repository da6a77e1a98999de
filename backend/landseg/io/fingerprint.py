"""A cheap fingerprint of a file's content: is it still the file a run started on?

A resumed run must read the same raster and model as the run it continues. The path says
little (a file replaced under the same name keeps it), a full hash of a country-sized raster
takes minutes, so a fingerprint is the size, the modification time and a hash of a few blocks
spread over the file (its start, its end and evenly between).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

_BLOCK = 1 << 16  # bytes per sampled block
_BLOCKS = 16  # blocks sampled, evenly spread


def file_fingerprint(path: str | Path) -> list:
    """``[size, mtime_ns, sampled-blocks hash]`` of a local file; ``[str(path)]`` for what is
    not one (a URL, a WMS description, a VRT held in memory)."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return [str(path)]
    if not stat.S_ISREG(status.st_mode):
        return [str(path)]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        step = max(status.st_size - _BLOCK, 0) / max(_BLOCKS - 1, 1)
        for number in range(_BLOCKS):
            handle.seek(int(number * step))
            digest.update(handle.read(_BLOCK))
    return [status.st_size, status.st_mtime_ns, digest.hexdigest()[:32]]
