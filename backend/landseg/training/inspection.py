"""What a YOLO-seg dataset holds and what is wrong with it, before any training: images and
instances per split and class, the weights training would use, label files without images,
and copies of one image in two splits (by content, and by Roboflow's source name) — which make
every validation figure look better than the model is. ``regroup_splits`` writes a copy of a
dataset where all versions of a source image are in one split.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from landseg.errors import LandSegWarning
from landseg.io.coco_dataset import read_dataset
from landseg.io.folders import atomic_folder, check_replaceable_folder
from landseg.io.yolo_dataset import YoloDataset, label_path
from landseg.messages import Message
from landseg.training.dataset import balanced_class_weights

ROBOFLOW_MARK = ".rf."  # Roboflow names versions of an image SOURCE_ext.rf.HASH.ext


@dataclass
class DatasetInspection:
    """What ``landseg inspect-dataset`` reports (and writes as JSON)."""

    data_yaml: str
    class_names: list[str]
    images: dict[str, int]
    instances: dict[str, dict[str, int]]
    class_weights: dict[str, float]
    unlabelled_images: dict[str, int]
    empty_label_files: dict[str, int]
    labels_without_images: list[str]
    same_content_across_splits: list[list[str]] = field(default_factory=list)
    same_source_across_splits: dict[str, list[str]] = field(default_factory=dict)

    @property
    def leaks(self) -> int:
        """Images whose content or source is also in another split."""
        return len(self.same_content_across_splits) + len(self.same_source_across_splits)


def warn_of_problems(inspection: DatasetInspection) -> None:
    """One warning per kind of problem the inspection found."""
    for message in problems(inspection):
        warnings.warn(message, LandSegWarning, stacklevel=2)


def problems(inspection: DatasetInspection) -> list[Message]:
    """What would mislead or waste training, one line each, with what to do."""
    found = []
    if inspection.same_source_across_splits:
        sources = inspection.same_source_across_splits
        example = next(iter(sources))
        found.append(leak_message(len(sources), example))
    if inspection.same_content_across_splits:
        groups = inspection.same_content_across_splits
        count, example = len(groups), Path(groups[0][0]).name
        found.append(Message("inspect.same_content", count=count, example=example))
    if inspection.labels_without_images:
        orphans = inspection.labels_without_images
        count, example = len(orphans), Path(orphans[0]).name
        found.append(Message("inspect.orphan_labels", count=count, example=example))
    return found


def leak_message(count: int, example: str) -> Message:
    """Versions of source images in more than one split."""
    return Message("inspect.leak", count=count, example=example)


def source_name(image: Path) -> str:
    """The source image a Roboflow version was made from (the stem itself otherwise)."""
    return image.name.split(ROBOFLOW_MARK)[0] if ROBOFLOW_MARK in image.name else image.stem


def inspect_dataset(data: str | Path) -> DatasetInspection:
    """Read ``data`` (its every label line checked) and count what it holds and lacks."""
    with tempfile.TemporaryDirectory(prefix="landseg-inspect-") as folder:
        return _inspection(read_dataset(data, convert_into=Path(folder) / "coco"))


def _inspection(dataset: YoloDataset) -> DatasetInspection:
    names = dataset.class_names
    totals = [dataset.instances["train"][n] + dataset.instances["val"][n] for n in names]
    weights = balanced_class_weights(totals)
    return DatasetInspection(
        data_yaml=str(dataset.yaml_path),
        class_names=names,
        images={split: len(files) for split, files in dataset.images.items()},
        instances={s: {n: c[n] for n in names} for s, c in dataset.instances.items()},
        class_weights={n: round(w, 4) for n, w in zip(names, weights, strict=True)},
        unlabelled_images=dataset.unlabelled,
        empty_label_files={s: _empty_labels(files) for s, files in dataset.images.items()},
        labels_without_images=_orphan_labels(dataset),
        same_content_across_splits=_same_content(dataset),
        same_source_across_splits=same_sources(dataset),
    )


def _empty_labels(images: list[Path]) -> int:
    return sum(
        1 for i in images if label_path(i).is_file() and not label_path(i).read_text().strip()
    )


def _orphan_labels(dataset: YoloDataset) -> list[str]:
    """Label files in the splits' label folders that no image of the dataset has."""
    expected = {label_path(i) for files in dataset.images.values() for i in files}
    folders = {label_path(i).parent for files in dataset.images.values() for i in files}
    found = {p for folder in folders for p in folder.glob("*.txt")}
    return sorted(str(p) for p in found - expected)


def _same_content(dataset: YoloDataset) -> list[list[str]]:
    """Groups of byte-identical images that sit in more than one split."""
    by_digest: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for split, files in dataset.images.items():
        for image in files:
            by_digest[hashlib.sha256(image.read_bytes()).hexdigest()].append((split, image))
    return [
        sorted(str(p) for _, p in group)
        for group in by_digest.values()
        if len({split for split, _ in group}) > 1
    ]


def same_sources(dataset: YoloDataset) -> dict[str, list[str]]:
    """Roboflow source names whose versions sit in more than one split, with those splits."""
    splits_of: dict[str, set[str]] = defaultdict(set)
    for split, files in dataset.images.items():
        for image in files:
            if ROBOFLOW_MARK in image.name:
                splits_of[source_name(image)].add(split)
    return {name: sorted(s) for name, s in sorted(splits_of.items()) if len(s) > 1}


def regroup_splits(data: str | Path, out: str | Path, *, overwrite: bool = False) -> Path:
    """A copy of ``data`` in ``out`` where every version of a source image is in the split
    that holds most of them (train on a tie); returns its ``data.yaml``. ``data`` is only
    read; images are hard-linked where the disk allows, else copied."""
    with tempfile.TemporaryDirectory(prefix="landseg-regroup-") as converted:
        dataset = read_dataset(data, convert_into=Path(converted) / "coco")
        return _regrouped(dataset, Path(data), Path(out).absolute(), overwrite)


def _regrouped(dataset: YoloDataset, data: Path, out: Path, overwrite: bool) -> Path:
    source = data.absolute().parent if data.is_file() else data.absolute()
    folder = {"overwrite": overwrite, "kind": "dataset", "inputs": [source]}
    check_replaceable_folder(out, **folder)
    chosen = _split_of_sources(dataset)
    with atomic_folder(out, **folder) as staging:
        for split, files in dataset.images.items():
            for image in files:
                target = chosen[source_name(image)]
                name = image.name
                if (staging / "images" / target / name).exists():  # one name in two splits
                    name = f"{split}-{name}"
                _place(image, staging / "images" / target / name)
                labels = label_path(image)
                if labels.is_file():
                    _place(
                        labels, (staging / "labels" / target / name).with_suffix(".txt"), copy=True
                    )
        splits = sorted(set(chosen.values()), key=("train", "val", "test").index)
        listed = "\n".join(f"  {i}: {json.dumps(n)}" for i, n in enumerate(dataset.class_names))
        paths = "".join(f"{split}: images/{split}\n" for split in splits)
        (staging / "data.yaml").write_text(f"{paths}names:\n{listed}\n")
    return out / "data.yaml"


def _split_of_sources(dataset: YoloDataset) -> dict[str, str]:
    votes: dict[str, Counter] = defaultdict(Counter)
    for split, files in dataset.images.items():
        for image in files:
            votes[source_name(image)][split] += 1
    order = ("train", "val", "test")
    return {
        name: max(count, key=lambda s: (count[s], -order.index(s))) for name, count in votes.items()
    }


def _place(source: Path, target: Path, *, copy: bool = False) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not copy:
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copyfile(source, target)
