"""COCO instance-segmentation exports (Roboflow's "COCO Segmentation": one
``_annotations.coco.json`` per split folder), read as a YOLO-seg dataset.

The export is converted once into a folder LandSeg owns (images linked, polygons written as
YOLO label lines); the export itself is only read.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from landseg.errors import InvalidParameterError
from landseg.io.yolo_dataset import YoloDataset, link, read_yolo_dataset
from landseg.messages import Message

SPLIT_FOLDERS = {"train": "train", "valid": "val", "val": "val", "test": "test"}


def coco_files(data: str | Path) -> dict[str, Path]:
    """The annotation file of each split of a COCO export (none: not a COCO export)."""
    folder = Path(data)
    found = {}
    for name, split in SPLIT_FOLDERS.items():
        files = sorted((folder / name).glob("*.json")) if folder.is_dir() else []
        if files:
            found[split] = files[0]
    return found


def read_dataset(data: str | Path, *, convert_into: Path, splits=("train", "val")) -> YoloDataset:
    """A YOLO-seg dataset, or a COCO export converted into ``convert_into`` (replaced)."""
    files = coco_files(data)
    if not files:
        return read_yolo_dataset(data, splits=splits)
    if convert_into.exists():
        shutil.rmtree(convert_into)
    return read_yolo_dataset(coco_to_yolo(files, convert_into), splits=splits)


def coco_to_yolo(files: dict[str, Path], into: Path) -> Path:
    """Write the YOLO-seg view of COCO annotation files (split -> file); its data.yaml."""
    contents = {split: _load(path) for split, path in files.items()}
    categories = _categories(contents)
    names = [name for _, name in categories]
    number_of = {category: k for k, (category, _) in enumerate(categories)}
    for split, content in contents.items():
        (into / "images" / split).mkdir(parents=True, exist_ok=True)
        (into / "labels" / split).mkdir(parents=True, exist_ok=True)
        shapes = defaultdict(list)
        for annotation in content.get("annotations", []):
            shapes[annotation["image_id"]].append(annotation)
        for image in content.get("images", []):
            source, annotations = files[split].parent / image["file_name"], files[split]
            if not source.is_file():
                name = image["file_name"]
                raise InvalidParameterError(
                    Message("coco.missing_image", name=name, annotations=annotations)
                )
            target = into / "images" / split / Path(image["file_name"]).name
            link(source, target)
            lines = [_label_line(a, image, number_of, files[split]) for a in shapes[image["id"]]]
            (into / "labels" / split / f"{target.stem}.txt").write_text("".join(lines))
    listed = "\n".join(f"  {i}: {json.dumps(n)}" for i, n in enumerate(names))
    paths = "".join(f"{split}: images/{split}\n" for split in contents)
    (into / "data.yaml").write_text(f"{paths}names:\n{listed}\n")
    return into / "data.yaml"


def _load(path: Path) -> dict:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InvalidParameterError(
            Message("coco.unreadable", path=path, name=type(error).__name__)
        ) from None
    if not isinstance(content, dict) or not content.get("categories"):
        raise InvalidParameterError(Message("coco.no_categories", path=path))
    return content


def _categories(contents: dict[str, dict]) -> list[tuple[int, str]]:
    """(id, name) of the classes, in id order; Roboflow's umbrella category, the parent of all
    others and used by no annotation, is left out."""
    listed = next(iter(contents.values()))["categories"]
    categories = [(int(c["id"]), str(c["name"])) for c in listed]
    parents = {str(c.get("supercategory")) for c in listed}
    used = {a["category_id"] for c in contents.values() for a in c.get("annotations", [])}
    return sorted(c for c in categories if c[1] not in parents or c[0] in used)


def _label_line(annotation: dict, image: dict, number_of: dict[int, int], path: Path) -> str:
    """One YOLO label line per polygon of an annotation (several polygons: several lines)."""
    segmentation = annotation.get("segmentation")
    if isinstance(segmentation, dict) or not segmentation:
        number = annotation.get("id")
        raise InvalidParameterError(Message("coco.no_polygon", number=number, path=path))
    width, height = float(image["width"]), float(image["height"])
    class_id = number_of[int(annotation["category_id"])]
    lines = []
    for polygon in segmentation:
        xy = [v / (width if k % 2 == 0 else height) for k, v in enumerate(polygon)]
        xy = [min(max(v, 0.0), 1.0) for v in xy]
        lines.append(f"{class_id} " + " ".join(f"{v:.6f}" for v in xy) + "\n")
    return "".join(lines)
