"""Datasets in the layouts users bring, built from the real NAIP sample (public-domain imagery,
MIT-licensed parcels; see tests/data/naip-fields/README.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

NAIP_DIR = Path(__file__).parent / "data" / "naip-fields"
ROBOFLOW_NAMES = ["Baren-Land", "farm", "rice-fields", "roof"]  # as Roboflow lists them
TILE_PX = 320
SPLIT_OF_SOURCE = ["train", "train", "train", "train", "valid", "test"]


def naip_tiles() -> list[tuple[str, np.ndarray, list[np.ndarray]]]:
    """Six 320 px tiles (two per NAIP image) and their field parcels, as polygons of
    fractions of the tile."""
    annotations = json.loads((NAIP_DIR / "annotations.json").read_text())
    tiles = []
    for key, entry in sorted(annotations.items()):
        image = cv2.imread(str(NAIP_DIR / "images" / entry["filename"]))
        for row, col in ((0, 0), (512, 512)):
            crop = shapely.box(col, row, col + TILE_PX, row + TILE_PX)
            rings = []
            for region in entry["regions"]:
                shape = region["shape_attributes"]
                parcel = shapely.make_valid(
                    shapely.Polygon(zip(shape["all_points_x"], shape["all_points_y"], strict=True))
                )
                for part in shapely.get_parts(parcel.intersection(crop)):
                    if isinstance(part, shapely.Polygon) and part.area > 50:
                        xy = np.asarray(part.exterior.coords)[:-1] - (col, row)
                        rings.append(np.clip(xy / TILE_PX, 0, 1))
            stem = f"{key.replace('.', '-')}_r{row}_c{col}"
            tiles.append((stem, image[row : row + TILE_PX, col : col + TILE_PX], rings))
    return tiles


def _label_text(rings: list[np.ndarray], class_id: int) -> str:
    return "".join(
        f"{class_id} " + " ".join(f"{v:.6f}" for v in ring.ravel()) + "\n" for ring in rings
    )


def _roboflow_name(stem: str, version: str) -> str:
    digest = hashlib.md5(f"{stem}{version}".encode()).hexdigest()[:20]
    return f"{stem}_png.rf.{digest}"


def write_roboflow(root: Path, *, leak: bool = False) -> Path:
    """A Roboflow YOLOv8-seg export: ``train``/``valid``/``test`` folders, ``data.yaml`` with
    ``../`` paths and the classes listed alphabetically, each source image with a flipped
    augmented copy; with ``leak``, one train source's copy sits in ``valid`` too."""
    farm = ROBOFLOW_NAMES.index("farm")
    for number, (stem, image, rings) in enumerate(naip_tiles()):
        split = SPLIT_OF_SOURCE[number]
        flipped = [np.c_[1 - ring[:, 0], ring[:, 1]] for ring in rings]
        versions = [(split, "a", image, rings), (split, "b", image[:, ::-1], flipped)]
        if leak and number == 0:
            versions.append(("valid", "c", image[:, ::-1], flipped))
        for side, version, pixels, polygons in versions:
            name = _roboflow_name(stem, version)
            (root / side / "images").mkdir(parents=True, exist_ok=True)
            (root / side / "labels").mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / side / "images" / f"{name}.jpg"), np.ascontiguousarray(pixels))
            (root / side / "labels" / f"{name}.txt").write_text(_label_text(polygons, farm))
    (root / "data.yaml").write_text(
        "train: ../train/images\nval: ../valid/images\ntest: ../test/images\n\n"
        f"nc: {len(ROBOFLOW_NAMES)}\nnames: {ROBOFLOW_NAMES}\n\n"
        "roboflow:\n  workspace: farms\n  project: fields\n  version: 6\n"
        "  license: CC BY 4.0\n  url: https://universe.roboflow.com/farms/fields/dataset/6\n"
    )
    return root


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def write_roboflow_coco(root: Path) -> Path:
    """The same tiles as a Roboflow "COCO Segmentation" export: one ``_annotations.coco.json``
    per split folder, pixel polygons, and Roboflow's umbrella category 0."""
    categories = [{"id": 0, "name": "fields", "supercategory": "none"}] + [
        {"id": k + 1, "name": name, "supercategory": "fields"}
        for k, name in enumerate(ROBOFLOW_NAMES)
    ]
    splits: dict[str, dict] = {}
    for number, (stem, image, rings) in enumerate(naip_tiles()):
        split = SPLIT_OF_SOURCE[number]
        content = splits.setdefault(
            split, {"images": [], "annotations": [], "categories": categories}
        )
        (root / split).mkdir(parents=True, exist_ok=True)
        name = f"{_roboflow_name(stem, 'a')}.jpg"
        cv2.imwrite(str(root / split / name), image)
        image_id = len(content["images"])
        content["images"].append(
            {"id": image_id, "file_name": name, "width": TILE_PX, "height": TILE_PX}
        )
        for ring in rings:
            content["annotations"].append(
                {
                    "id": len(content["annotations"]),
                    "image_id": image_id,
                    "category_id": ROBOFLOW_NAMES.index("farm") + 1,
                    "segmentation": [list(map(float, (ring * TILE_PX).ravel()))],
                    "iscrowd": 0,
                }
            )
    for split, content in splits.items():
        (root / split / "_annotations.coco.json").write_text(json.dumps(content))
    return root


def naip_georeferenced(
    folder: Path, count: int = 3, source: Path = NAIP_DIR
) -> list[tuple[Path, gpd.GeoDataFrame]]:
    """The first ``count`` NAIP images of ``source`` (by name) as GeoTIFFs placed as their
    README says (1 m pixels, north up, centred on the centre their name gives, in that centre's
    UTM zone), each with its parcels as ``farm`` polygons in the same CRS."""
    import geopandas as gpd
    import rasterio
    from pyproj import CRS, Transformer
    from rasterio.transform import Affine

    annotations = json.loads((source / "annotations.json").read_text())
    placed = []
    for entry in sorted(annotations.values(), key=lambda e: e["filename"])[:count]:
        key = Path(entry["filename"]).stem
        lat, lon = (float(part) for part in key.split("--"))
        lon = -lon  # the name writes a western longitude's minus sign as the second dash
        crs = CRS.from_epsg((32600 if lat >= 0 else 32700) + int((lon + 180) // 6) + 1)
        x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
        image = cv2.imread(str(source / "images" / entry["filename"]))[..., ::-1]
        height, width = image.shape[:2]
        transform = Affine(1.0, 0, x - width / 2, 0, -1.0, y + height / 2)
        raster = folder / f"{key.replace('.', '-')}.tif"
        profile = {"driver": "GTiff", "width": width, "height": height, "count": 3}
        with rasterio.open(
            raster, "w", **profile, dtype="uint8", crs=crs, transform=transform
        ) as f:
            f.write(np.moveaxis(image, 2, 0))
        parcels = [
            shapely.make_valid(
                shapely.Polygon(
                    zip(
                        *(
                            transform
                            * (
                                np.array(r["shape_attributes"]["all_points_x"]),
                                np.array(r["shape_attributes"]["all_points_y"]),
                            )
                        ),
                        strict=True,
                    )
                )
            )
            for r in entry["regions"]
        ]
        labels = gpd.GeoDataFrame({"class": ["farm"] * len(parcels)}, geometry=parcels, crs=crs)
        placed.append((raster, labels))
    return placed
