"""Write a tiny YOLO-seg dataset from a synthetic scene, for tests that train."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from PIL import Image
from rasterio.windows import Window, transform
from shapely.geometry import box

from landseg.synthetic import CLASS_NAMES, SyntheticScene


def write_yolo_dataset(scene: SyntheticScene, out_dir: Path, tile_px: int = 128) -> Path:
    """Cut ``scene`` into tiles (all used for train and val) and return the ``data.yaml`` path."""
    labels = gpd.read_file(scene.labels_path)
    (out_dir / "images").mkdir(parents=True)
    (out_dir / "labels").mkdir()
    with rasterio.open(scene.raster_path) as src:
        for row in range(0, src.height, tile_px):
            for col in range(0, src.width, tile_px):
                window = Window(col, row, tile_px, tile_px)
                name = f"tile_{row}_{col}"
                image = src.read(window=window).transpose(1, 2, 0)
                Image.fromarray(image).save(out_dir / "images" / f"{name}.png")
                inverse = ~transform(window, src.transform)
                matrix = [inverse.a, inverse.b, inverse.d, inverse.e, inverse.xoff, inverse.yoff]
                lines = []
                for cls, geom in zip(labels["class"], labels.geometry, strict=True):
                    pixel = shapely.affinity.affine_transform(geom, matrix)
                    part = pixel.intersection(box(0, 0, tile_px, tile_px))
                    if part.is_empty or part.area < 4:
                        continue
                    polygon = max(getattr(part, "geoms", [part]), key=lambda g: g.area)
                    xy = np.asarray(polygon.exterior.coords)[:-1] / tile_px
                    coords = " ".join(f"{v:.5f}" for v in xy.ravel())
                    lines.append(f"{CLASS_NAMES.index(cls)} {coords}")
                (out_dir / "labels" / f"{name}.txt").write_text("\n".join(lines))
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASS_NAMES))
    data = out_dir / "data.yaml"
    data.write_text(f"path: {out_dir}\ntrain: images\nval: images\nnames:\n{names}\n")
    return data
