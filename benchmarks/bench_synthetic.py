"""Print how fast synthetic scenes are written and the peak memory it takes.

Usage: .venv/bin/python benchmarks/bench_synthetic.py [SIZE_PX ...]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time

from landseg.io.synthetic import write_scene


def main(sizes: list[int]) -> None:
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            scene = write_scene(folder, size_px=size, seed=0)
            seconds = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        instances = sum(scene.class_counts.values())
        print(
            f"{size:>6} px: {seconds:6.2f} s, {size * size / seconds / 1e6:5.1f} Mpx/s, "
            f"{instances} instances, peak RSS so far {peak_mib:.0f} MiB"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1024, 2048, 4096])
