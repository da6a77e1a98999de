"""Datasets users bring (Roboflow, plain ultralytics YAML, list files) train, evaluate and report
as LandSeg's own exports do, and their folders are never written to."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from landseg.errors import InvalidParameterError
from landseg.io.yolo_dataset import read_yolo_dataset
from tests.own_datasets import ROBOFLOW_NAMES, snapshot, write_roboflow, write_roboflow_coco


@pytest.fixture(scope="module")
def roboflow(tmp_path_factory):
    return write_roboflow(tmp_path_factory.mktemp("roboflow") / "fields.v6i.yolov8")


def test_roboflow_paths_are_read_as_ultralytics_reads_them(roboflow):
    """``../train/images`` beside data.yaml means ``train/images``, as ultralytics takes it."""
    dataset = read_yolo_dataset(roboflow)
    assert dataset.class_names == ROBOFLOW_NAMES
    assert {split: len(files) for split, files in dataset.images.items()} == {
        "train": 8,
        "val": 2,
        "test": 2,
    }
    assert dataset.images["train"][0].parent == roboflow / "train" / "images"
    assert dataset.instances["train"]["farm"] > 20 and not dataset.instances["train"]["roof"]
    assert read_yolo_dataset(roboflow / "data.yaml").images == dataset.images


def test_plain_ultralytics_yaml_with_list_files(roboflow, tmp_path):
    """``path:``, splits as list files (relative to the list) or lists, ``names`` as a dict."""
    shutil.copytree(roboflow, tmp_path / "d")
    root = tmp_path / "d"
    images = sorted((root / "train" / "images").glob("*.jpg"))
    (root / "train.txt").write_text("".join(f"./train/images/{p.name}\n" for p in images[:5]))
    names = "".join(f"  {i}: {n}\n" for i, n in enumerate(ROBOFLOW_NAMES))
    (root / "custom.yaml").write_text(
        f"path: {root}\ntrain: train.txt\nval: [valid/images, test/images]\nnames:\n{names}"
    )
    dataset = read_yolo_dataset(root / "custom.yaml")
    assert len(dataset.images["train"]) == 5 and len(dataset.images["val"]) == 4
    assert dataset.class_names == ROBOFLOW_NAMES


def quick_options(data, run_dir):
    """One short epoch at 96 px, no continued phase: enough to go through every step."""
    from landseg.training.options import TrainOptions

    return TrainOptions(
        data=str(data),
        run_dir=str(run_dir),
        epochs=1,
        batch=4,
        imgsz=96,
        continue_epochs=0,
        loader_workers=0,
    )


@pytest.fixture(scope="module")
def trained(roboflow, tmp_path_factory):
    """One epoch of training on the Roboflow export, its folder compared before and after."""
    from landseg.training.options import TrainOptions
    from landseg.training.train import train

    before = snapshot(roboflow)
    run_dir = tmp_path_factory.mktemp("own_run") / "run"
    best = train(
        TrainOptions(
            data=str(roboflow),
            run_dir=str(run_dir),
            epochs=1,
            batch=4,
            imgsz=160,
            continue_epochs=1,  # both phases, as the run on an exported dataset (tiny_run)
            loader_workers=0,
        )
    )
    return run_dir, best, before


def test_training_on_a_roboflow_export_leaves_it_untouched(roboflow, trained):
    run_dir, best, before = trained
    assert best.is_file()
    assert snapshot(roboflow) == before  # no labels.cache, nothing renamed or added
    record = json.loads((run_dir / "record.json").read_text())
    assert record["dataset"]["source"] == str(roboflow / "data.yaml")
    assert record["dataset"]["class_names"] == ROBOFLOW_NAMES
    assert record["dataset"]["instances"]["farm"] > 20
    assert record["class_weights"]["roof"] == 10.0  # no roofs: the capped weight


def test_class_order_is_matched_by_name(roboflow, trained, tmp_path):
    """The same labels listed in another class order give the same per-class figures."""
    from landseg.evaluation.tiles import evaluate_dataset

    _, best, before = trained
    order = ["roof", "farm", "rice-fields", "Baren-Land"]
    shutil.copytree(roboflow, tmp_path / "reordered")
    for label in (tmp_path / "reordered").rglob("labels/*.txt"):
        lines = [line.split(maxsplit=1) for line in label.read_text().splitlines()]
        label.write_text(
            "".join(f"{order.index(ROBOFLOW_NAMES[int(c)])} {rest}\n" for c, rest in lines)
        )
    text = (tmp_path / "reordered" / "data.yaml").read_text()
    (tmp_path / "reordered" / "data.yaml").write_text(
        text.replace(f"names: {ROBOFLOW_NAMES}", f"names: {order}")
    )
    as_listed = evaluate_dataset(best, roboflow, split="test", imgsz=160, batch=4)
    reordered = evaluate_dataset(best, tmp_path / "reordered", split="test", imgsz=160, batch=4)
    assert as_listed["classes"] == reordered["classes"]
    assert as_listed["classes"]["farm"]["instances"] > 0
    assert snapshot(roboflow) == before


def _outline(html: str) -> tuple[list[str], int]:
    """A report's section headings (numbers and class names aside) and its figure count."""
    headings = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, flags=re.S)
    return [re.sub(r"[\d.,%]+", "#", h) for h in headings], html.count("<img")


def test_report_of_a_run_on_an_imported_dataset(trained, tiny_run, tmp_path):
    """The same sections and figures as the report of a run on LandSeg's own export."""
    from landseg.reporting.report import build_report

    run_dir, _, _ = trained
    imported = build_report(run_dir, tmp_path / "imported.html").read_text(encoding="utf-8")
    exported = build_report(tiny_run[0], tmp_path / "exported.html").read_text(encoding="utf-8")
    assert "farm" in imported and "Baren-Land" in imported
    assert _outline(imported) == _outline(exported)


def _broken_copy(roboflow, tmp_path, edit):
    shutil.copytree(roboflow, tmp_path / "broken")
    edit(tmp_path / "broken")
    return tmp_path / "broken"


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda d: (d / "data.yaml").write_text(
                (d / "data.yaml").read_text().replace("../valid/images", "../validation/images")
            ),
            r"'../validation/images' \(val: in '.*data.yaml'\) exists neither",
        ),
        (
            lambda d: next((d / "train" / "labels").glob("*.txt")).write_text("1 0.1 0.2 0.3\n"),
            r"Line 1 of '.*\.txt' has 3 coordinates",
        ),
        (
            lambda d: next((d / "train" / "labels").glob("*.txt")).write_text(
                "7 0.1 0.1 0.2 0.1 0.2 0.2\n"
            ),
            r"Line 1 of '.*\.txt' has class 7, but the dataset names classes 0 to 3 only",
        ),
        (
            lambda d: next((d / "train" / "labels").glob("*.txt")).write_text(
                "1 0.5 0.5 0.2 0.2\n"
            ),
            r"is a box, not a polygon",
        ),
        (
            lambda d: [p.unlink() for p in (d / "valid" / "images").iterdir()],
            r"The val split of '.*' holds no images",
        ),
    ],
    ids=["path exists nowhere", "odd coordinates", "class beyond names", "a box", "empty split"],
)
def test_bad_datasets_are_refused_naming_the_file(roboflow, tmp_path, edit, match):
    from landseg.training.options import TrainOptions
    from landseg.training.train import train

    broken = _broken_copy(roboflow, tmp_path, edit)
    with pytest.raises(InvalidParameterError, match=match):
        train(TrainOptions(data=str(broken), run_dir=str(tmp_path / "run"), epochs=1))
    assert not (tmp_path / "run").exists()


@pytest.fixture
def leaky(tmp_path):
    """A Roboflow export with one source's augmented copy in valid, a train image copied byte
    for byte into test, and a label file without its image."""
    root = write_roboflow(tmp_path / "leaky", leak=True)
    image = sorted((root / "train" / "images").glob("*.jpg"))[-1]
    shutil.copyfile(image, root / "test" / "images" / "copy.jpg")
    (root / "valid" / "labels" / "lost.txt").write_text("1 0.1 0.1 0.2 0.1 0.2 0.2\n")
    return root


def test_inspection_finds_copies_across_splits(leaky):
    from landseg.training.inspection import inspect_dataset, problems, source_name

    inspection = inspect_dataset(leaky)
    first = sorted((leaky / "train" / "images").glob("*.jpg"))
    leaked = {source_name(p) for p in (leaky / "valid" / "images").iterdir()} & {
        source_name(p) for p in first
    }
    assert list(inspection.same_source_across_splits) == sorted(leaked) and len(leaked) == 1
    assert inspection.same_source_across_splits[leaked.pop()] == ["train", "val"]
    groups = [{Path(p).name for p in group} for group in inspection.same_content_across_splits]
    assert {first[-1].name, "copy.jpg"} in groups  # planted, and the leaked flip itself
    assert len(groups) == 2
    assert [Path(p).name for p in inspection.labels_without_images] == ["lost.txt"]
    assert inspection.class_weights["farm"] < 1 < inspection.class_weights["roof"]
    assert len(problems(inspection)) == 3


def test_regroup_splits_puts_every_version_of_a_source_in_one_split(leaky, tmp_path, capsys):
    from landseg.cli import main
    from landseg.training.inspection import inspect_dataset, source_name

    before = snapshot(leaky)
    main(["inspect-dataset", str(leaky), "--regroup-splits", str(tmp_path / "regrouped")])
    out, err = capsys.readouterr()
    assert "farm" in out and "weight" in out and "regrouped" in out
    assert "augmented versions in more than one split" in err
    assert snapshot(leaky) == before
    splits_of = {}
    for image in (tmp_path / "regrouped" / "images").rglob("*.jpg"):
        splits_of.setdefault(source_name(image), set()).add(image.parent.name)
    assert all(len(splits) == 1 for splits in splits_of.values())
    assert not inspect_dataset(tmp_path / "regrouped").same_source_across_splits
    assert len(list((tmp_path / "regrouped").rglob("*.jpg"))) == len(list(leaky.rglob("*.jpg")))


def test_training_warns_of_augmented_copies_across_splits(leaky, tmp_path):
    from landseg.training.train import train

    options = quick_options(leaky, tmp_path / "run")
    with pytest.warns(Warning, match="augmented versions in more than one split"):
        train(options)


def test_coco_export_reads_as_its_yolo_twin(tmp_path):
    """Roboflow's COCO export of the same tiles: the same classes (its umbrella category
    left out) and the same instances; the export is only read."""
    from landseg.io.coco_dataset import read_dataset

    coco = write_roboflow_coco(tmp_path / "coco")
    before = snapshot(coco)
    dataset = read_dataset(coco, convert_into=tmp_path / "converted")
    assert dataset.class_names == ROBOFLOW_NAMES
    assert {split: len(files) for split, files in dataset.images.items()} == {
        "train": 4,
        "val": 1,
        "test": 1,
    }
    twin = read_yolo_dataset(write_roboflow(tmp_path / "yolo"))
    assert dataset.instances["train"]["farm"] * 2 == twin.instances["train"]["farm"]  # no flips
    assert snapshot(coco) == before


def test_coco_export_that_misses_its_images_is_refused(tmp_path):
    from landseg.io.coco_dataset import read_dataset

    coco = write_roboflow_coco(tmp_path / "coco")
    next((coco / "valid").glob("*.jpg")).unlink()
    with pytest.raises(
        InvalidParameterError, match=r"Image '.*\.jpg' of '.*_annotations.coco.json' does not exist"
    ):
        read_dataset(coco, convert_into=tmp_path / "converted")


def _list_file_layout(roboflow: Path, root: Path) -> Path:
    """The Roboflow export described the plain ultralytics way: ``path:``, list files."""
    shutil.copytree(roboflow, root)
    for split in ("train", "valid", "test"):
        images = sorted((root / split / "images").glob("*.jpg"))
        (root / f"{split}.txt").write_text("".join(f"./{split}/images/{p.name}\n" for p in images))
    names = "".join(f"  {i}: {n}\n" for i, n in enumerate(ROBOFLOW_NAMES))
    (root / "data.yaml").unlink()
    (root / "custom.yaml").write_text(
        f"path: {root}\ntrain: train.txt\nval: valid.txt\ntest: test.txt\nnames:\n{names}"
    )
    return root / "custom.yaml"


@pytest.mark.parametrize("layout", ["list files", "coco"])
def test_each_layout_trains_evaluates_and_reports(roboflow, trained, tmp_path, layout):
    """One epoch, per-class figures and the report, on the dataset as the user has it."""
    from landseg.evaluation.tiles import evaluate_dataset
    from landseg.io.coco_dataset import read_dataset
    from landseg.reporting.report import build_report
    from landseg.training.train import train

    _, best, _ = trained
    if layout == "coco":
        data = write_roboflow_coco(tmp_path / "coco")
    else:
        data = _list_file_layout(roboflow, tmp_path / "listed")
    folder = data if data.is_dir() else data.parent
    before = snapshot(folder)
    expected = read_dataset(data, convert_into=tmp_path / "c").instances["test"]["farm"]
    result = evaluate_dataset(best, data, split="test", imgsz=160, batch=4)
    assert result["classes"]["farm"]["instances"] == expected > 0
    assert train(quick_options(data, tmp_path / "run")).is_file()
    html = build_report(tmp_path / "run", tmp_path / "report.html").read_text(encoding="utf-8")
    assert "farm" in html and "<img" in html
    assert snapshot(folder) == before


def test_names_spelled_another_way(roboflow, trained, tmp_path):
    """``Rice_Fields`` is the model's ``rice-fields`` (with a warning); ``Barren-Land`` is a
    letter off ``Baren-Land``: refused with the ``--class-map`` that maps it, and then equal."""
    from landseg.evaluation.tiles import evaluate_dataset

    _, best, _ = trained
    shutil.copytree(roboflow, tmp_path / "typed")
    yaml_path = tmp_path / "typed" / "data.yaml"
    typed = ["Barren-Land", "farm", "Rice_Fields", "roof"]
    yaml_path.write_text(
        yaml_path.read_text().replace(f"names: {ROBOFLOW_NAMES}", f"names: {typed}")
    )
    with pytest.raises(InvalidParameterError, match=r"--class-map Barren-Land=Baren-Land"):
        evaluate_dataset(best, tmp_path / "typed", split="test", imgsz=160, batch=4)
    with pytest.warns(Warning, match="'Rice_Fields' as 'rice-fields'"):
        mapped = evaluate_dataset(
            best,
            tmp_path / "typed",
            split="test",
            imgsz=160,
            batch=4,
            class_map={"Barren-Land": "Baren-Land"},
        )
    as_listed = evaluate_dataset(best, roboflow, split="test", imgsz=160, batch=4)
    assert mapped["classes"] == as_listed["classes"]


def test_training_takes_the_base_models_spelling_of_the_classes(roboflow, trained, tmp_path):
    """``Rice_Fields`` trains as the base model's ``rice-fields`` (a warning), ``--class-map``
    maps the look-alike ``Barren-Land``: the head is kept, the classes carry the model's names."""
    from dataclasses import replace

    from landseg.training.base_model import dataset_names_for_base, matched_base_model
    from landseg.training.train import train

    _, best, _ = trained
    typed = ["Barren-Land", "farm", "Rice_Fields", "roof"]
    with pytest.warns(Warning, match="'Rice_Fields' as 'rice-fields'"):
        spelt = dataset_names_for_base(typed, str(best), None)
    assert spelt == ["Barren-Land", "farm", "rice-fields", "roof"]
    messages: list[str] = []
    with pytest.warns(Warning, match="anew"):
        matched_base_model(str(best), spelt, tmp_path, messages)
    assert "train with --class-map Barren-Land=Baren-Land." in messages[0]
    with pytest.raises(InvalidParameterError, match="renames Barren_Land, which the dataset"):
        dataset_names_for_base(typed, str(best), {"Barren_Land": "Baren-Land"})
    with pytest.raises(InvalidParameterError, match="two of them of one name"):
        dataset_names_for_base(typed, str(best), {"Barren-Land": "farm"})

    shutil.copytree(roboflow, tmp_path / "typed")
    yaml_path = tmp_path / "typed" / "data.yaml"
    yaml_path.write_text(
        yaml_path.read_text().replace(f"names: {ROBOFLOW_NAMES}", f"names: {typed}")
    )
    before = snapshot(tmp_path / "typed")
    options = replace(
        quick_options(tmp_path / "typed", tmp_path / "run"),
        base_model=str(best),
        class_map={"Barren-Land": "Baren-Land"},
    )
    with pytest.warns(Warning, match="'Rice_Fields' as 'rice-fields'"):
        assert train(options).is_file()
    record = json.loads((tmp_path / "run" / "record.json").read_text())
    assert record["dataset"]["class_names"] == ROBOFLOW_NAMES
    assert set(record["class_weights"]) == set(ROBOFLOW_NAMES)
    assert not any("anew" in message for message in record["warnings"])
    assert snapshot(tmp_path / "typed") == before
