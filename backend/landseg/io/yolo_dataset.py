"""YOLO-seg datasets as users bring them: read, checked line by line, and viewed without
writing to them.

Roboflow, CVAT, Label Studio and ultralytics write a ``data.yaml`` whose ``train``/``val``/
``test`` are folders, list files or lists of them, relative to ``path:`` or to the file (with
Roboflow's ``../train/images`` taken as ultralytics takes it), and ``names`` as a list or a
dict. A label file sits where ultralytics looks for it: the image's path with its last
``images`` folder replaced by ``labels``. Training and evaluation read a *view*: images linked,
labels copied (renumbered to another class order when asked), in a folder LandSeg owns, so
ultralytics' caches never land in the user's folder.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely

from landseg.errors import InvalidParameterError
from landseg.messages import Message

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
SPLITS = ("train", "val", "test")


@dataclass
class YoloDataset:
    """A dataset's description, its images per split and their labelled instances."""

    yaml_path: Path
    class_names: list[str]
    images: dict[str, list[Path]]  # split -> image files
    instances: dict[str, Counter]  # split -> class name -> instances
    unlabelled: dict[str, int]  # split -> images without a label file (background)


def find_yaml(data: str | Path) -> Path:
    """The dataset's description: the file given, or the ``data.yaml`` (or only ``.yaml``) of
    the folder given."""
    path = Path(data)
    if path.is_file():
        return path.absolute()
    candidates = [path / "data.yaml"] if (path / "data.yaml").is_file() else []
    candidates = candidates or (sorted(path.glob("*.yaml")) if path.is_dir() else [])
    if len(candidates) != 1:
        raise InvalidParameterError(Message("yolo.no_yaml", data=data))
    return candidates[0].absolute()


def read_yolo_dataset(data: str | Path, *, splits: Sequence[str] = ("train", "val")) -> YoloDataset:
    """Read a dataset and check every label line; ``splits`` must hold images.

    Raises:
        InvalidParameterError: The description cannot be read, names a path that exists
            nowhere, a split has no images, or a label line is not a polygon of a known class
            (the file and line are named).
    """
    yaml_path = find_yaml(data)
    content = _description(yaml_path)
    names = _class_names(content, yaml_path)
    root = _root(content, yaml_path)
    images: dict[str, list[Path]] = {}
    for split in SPLITS:
        if content.get(split):
            images[split] = _split_images(content[split], root, yaml_path, split)
    for split in splits:
        if split not in images:
            have = ", ".join(images) or "-"
            raise InvalidParameterError(
                Message("yolo.no_split", yaml_path=yaml_path, split=split, images=have)
            )
        if not images[split]:
            entry = content[split]
            raise InvalidParameterError(
                Message("yolo.empty_split", split=split, yaml_path=yaml_path, entry=entry)
            )
    instances, unlabelled = {}, {}
    for split, files in images.items():
        instances[split], unlabelled[split] = _count_instances(files, names)
    return YoloDataset(yaml_path, names, images, instances, unlabelled)


def _description(yaml_path: Path) -> dict:
    import yaml

    try:
        content = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidParameterError(
            Message("yolo.unreadable", yaml_path=yaml_path, name=type(error).__name__)
        ) from None
    if not isinstance(content, dict) or not content.get("names"):
        raise InvalidParameterError(Message("yolo.no_names", yaml_path=yaml_path))
    return content


def _class_names(content: dict, yaml_path: Path) -> list[str]:
    names = content["names"]
    if isinstance(names, dict):
        try:
            return [str(names[i]) for i in range(len(names))]
        except KeyError:
            last = len(names) - 1
            raise InvalidParameterError(
                Message("yolo.names_gaps", yaml_path=yaml_path, last=last)
            ) from None
    return [str(name) for name in names]


def _root(content: dict, yaml_path: Path) -> Path:
    """The folder split paths are relative to: ``path:`` (relative to the file, else to the
    working folder), else the description's folder."""
    if not content.get("path"):
        return yaml_path.parent
    path = Path(str(content["path"]))
    for candidate in (path, yaml_path.parent / path, Path.cwd() / path):
        if candidate.is_dir():
            return candidate.absolute()
    raise InvalidParameterError(Message("yolo.no_root", path=path, yaml_path=yaml_path))


def _split_images(value, root: Path, yaml_path: Path, split: str) -> list[Path]:
    """The images of a split given as a folder, a list file, or a list of those."""
    entries = value if isinstance(value, list) else [value]
    files: list[Path] = []
    for entry in entries:
        path = root / str(entry)
        if not path.exists() and str(entry).startswith("../"):  # Roboflow, as ultralytics reads it
            path = root / str(entry)[3:]
        if path.is_dir():
            files += sorted(
                f for f in path.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file()
            )
        elif path.is_file():
            files += _listed_images(path)
        else:
            raise InvalidParameterError(
                Message(
                    "yolo.missing_entry", entry=entry, split=split, yaml_path=yaml_path, path=path
                )
            )
    return files


def _listed_images(list_file: Path) -> list[Path]:
    """Images named in a list file, one per line (relative to the list file's folder)."""
    listed = []
    for number, line in enumerate(list_file.read_text(encoding="utf-8").splitlines(), start=1):
        listed_name = line.strip()
        if not listed_name:
            continue
        image = Path(listed_name)
        image = image if image.is_absolute() else list_file.parent / image
        if not image.is_file():
            raise InvalidParameterError(
                Message(
                    "yolo.missing_listed",
                    listed_name=listed_name,
                    number=number,
                    list_file=list_file,
                )
            )
        listed.append(image.absolute())
    return listed


def label_path(image: Path) -> Path:
    """Where ultralytics looks for an image's labels: its last ``images`` folder replaced by
    ``labels``, with a ``.txt`` suffix."""
    parts = list(image.parts)
    if "images" in parts:
        parts[len(parts) - 1 - parts[::-1].index("images")] = "labels"
    return Path(*parts).with_suffix(".txt")


def _count_instances(images: list[Path], names: list[str]) -> tuple[Counter, int]:
    counts: Counter = Counter()
    unlabelled = 0
    for image in images:
        labels = label_path(image)
        if not labels.is_file():
            unlabelled += 1
            continue
        for class_id in read_label_classes(labels, len(names)):
            counts[names[class_id]] += 1
    return counts, unlabelled


def read_label_classes(labels: Path, n_classes: int) -> list[int]:
    """The class id of every polygon in a label file, after checking each line."""
    found = []
    for number, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), start=1):
        if line.split():
            found.append(_checked_line(line.split(), n_classes, number, labels))
    return found


def read_label_polygons(
    labels: Path, names: Sequence[str], width: int, height: int
) -> tuple[list[str], list[shapely.Geometry]]:
    """Class names and outlines of a label file's polygons, in pixel coordinates as LandSeg
    writes an image without georeference (x = column, y = −row); none without a file."""
    classes, outlines = [], []
    if not labels.is_file():
        return classes, outlines
    for number, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), start=1):
        values = line.split()
        if not values:
            continue
        class_id = _checked_line(values, len(names), number, labels)
        xy = np.array(values[1:], dtype=float).reshape(-1, 2) * [width, -height]
        classes.append(names[class_id])
        outlines.append(shapely.make_valid(shapely.Polygon(xy)))
    return classes, outlines


def _checked_line(values: list[str], n_classes: int, number: int, labels: Path) -> int:
    """The class id of one label line; a line that is not a polygon of a class is refused."""
    try:
        class_id, coordinates = int(values[0]), [float(v) for v in values[1:]]
    except ValueError:
        raise InvalidParameterError(
            Message("yolo.line_not_number", number=number, labels=labels)
        ) from None
    last = n_classes - 1
    if not 0 <= class_id <= last:
        raise InvalidParameterError(
            Message("yolo.line_class", number=number, labels=labels, class_id=class_id, last=last)
        )
    if len(coordinates) == 4:
        raise InvalidParameterError(Message("yolo.line_box", number=number, labels=labels))
    count = len(coordinates)
    if count % 2 or count < 6:
        raise InvalidParameterError(
            Message("yolo.line_pairs", number=number, labels=labels, count=count)
        )
    if not all(0.0 <= v <= 1.0 for v in coordinates):
        raise InvalidParameterError(Message("yolo.line_range", number=number, labels=labels))
    return class_id


def renamed(dataset: YoloDataset, names: Sequence[str]) -> YoloDataset:
    """``dataset`` with its classes called ``names`` (in its order; the labels are the same)."""
    to_new = dict(zip(dataset.class_names, names, strict=True))
    instances = {
        split: Counter({to_new[name]: count for name, count in counts.items()})
        for split, counts in dataset.instances.items()
    }
    return replace(dataset, class_names=list(names), instances=instances)


def write_view(
    dataset: YoloDataset,
    folder: Path,
    *,
    class_names: Sequence[str] | None = None,
    splits: Sequence[str] | None = None,
) -> Path:
    """A view of ``dataset`` in ``folder`` (replaced; LandSeg's own): images linked, labels
    copied with the classes of ``class_names`` (by name), and its ``data.yaml``."""
    names = list(class_names or dataset.class_names)
    new_id = [names.index(name) for name in dataset.class_names]
    if folder.exists():
        shutil.rmtree(folder)
    chosen = [s for s in (splits or SPLITS) if s in dataset.images]
    for split in chosen:
        (folder / "images" / split).mkdir(parents=True)
        (folder / "labels" / split).mkdir(parents=True)
        for number, image in enumerate(dataset.images[split]):
            name = f"{number:06d}_{image.name}"  # unique, whatever folders the split joins
            link(image, folder / "images" / split / name)
            source = label_path(image)
            if source.is_file():
                lines = [line.split(maxsplit=1) for line in source.read_text().splitlines()]
                text = "".join(f"{new_id[int(p[0])]} {p[1]}\n" for p in lines if len(p) == 2)
                (folder / "labels" / split / name).with_suffix(".txt").write_text(text)
    listed = "\n".join(f"  {i}: {json.dumps(n)}" for i, n in enumerate(names))
    paths = "".join(f"{split}: images/{split}\n" for split in chosen)
    paths += "".join(  # ultralytics wants both
        f"{split}: images/{chosen[0]}\n" for split in ("train", "val") if split not in chosen
    )
    description = folder / "data.yaml"
    description.write_text(f"path: {json.dumps(str(folder))}\n{paths}names:\n{listed}\n")
    return description


def link(source: Path, target: Path) -> None:
    """``target`` showing ``source``: a symbolic link, else a hard link, else a copy."""
    try:
        target.symlink_to(source.absolute())
    except OSError:
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
