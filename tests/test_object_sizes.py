"""Labelled objects against their tiles: the share seen whole, the suggested pixel and tile
size, and exports at another pixel size, checked by value on real NAIP parcels."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from landseg.training.dataset import export_dataset
from landseg.training.object_sizes import WHOLE_TARGET, object_sizes, seen_whole
from tests.own_datasets import naip_georeferenced


def test_the_share_seen_whole_follows_the_tiles_step():
    # 256 px tiles stepping 192 px: an object up to 64 px always fits one tile, one of 256 none
    assert seen_whole(np.array([[64.0, 64.0]]), 256, 64) == 1.0
    assert seen_whole(np.array([[256.0, 10.0]]), 256, 64) == 0.0
    assert seen_whole(np.array([[160.0, 64.0]]), 256, 64) == pytest.approx(96 / 192)
    assert seen_whole(np.array([[160.0, 160.0]]), 256, 64) == pytest.approx(0.25)


def test_large_objects_get_larger_tiles_before_coarser_pixels():
    from landseg.training.object_sizes import SCALES, TILE_SIZES, size_fit

    fields = np.full((50, 2), 150.0)  # 150 m fields at 1 m: most cut by 256 px tiles
    sizes = object_sizes(fields, 1.0, 256, 32)
    assert sizes.used.seen_whole < WHOLE_TARGET and sizes.extent_m["p50"] == 150.0
    assert sizes.suggested.pixel_size_m == 1.0 and sizes.suggested.seen_whole >= WHOLE_TARGET
    assert sizes.suggested.tile_size_px > 256
    large = np.full((50, 2), 300.0)
    suggested = object_sizes(large, 1.0, 256, 32).suggested
    assert suggested.pixel_size_m > 1.0 and suggested.seen_whole >= WHOLE_TARGET
    finer = [s for s in SCALES if s < suggested.pixel_size_m]
    assert all(
        size_fit(large, s, t, 64).seen_whole < WHOLE_TARGET for s in finer for t in TILE_SIZES
    )


def test_a_suggested_overlap_is_one_tiling_accepts():
    from landseg.inference.tiling import validate_tiling
    from landseg.training.object_sizes import TILE_SIZES, _overlap

    for size in TILE_SIZES:  # 127 of 256 px scales to half of a 640 px tile, which tiling refuses
        validate_tiling(size, _overlap(size, 256, 127))
    assert _overlap(512, 256, 64) == 128


def test_small_objects_are_not_coarsened_away():
    mixed = np.r_[np.full((45, 2), 9.0), np.full((55, 2), 700.0)]  # roofs of 9 m, big fields
    sizes = object_sizes(mixed, 1.0, 256, 32)
    assert sizes.used.too_small == 0.0
    assert sizes.suggested.too_small <= 0.02  # no coarsening that loses the roofs
    assert sizes.suggested.pixel_size_m == 1.0


@pytest.fixture(scope="module")
def naip(tmp_path_factory):
    """Two real NAIP images placed as their README says, and their field parcels."""
    return naip_georeferenced(tmp_path_factory.mktemp("naip"), count=2)


def _tile_polygons(dataset, stats, side="train"):
    """Each label polygon of ``side`` in map coordinates, from its tile's name and size."""
    import rasterio

    pixel, tile = stats["pixel_size_m"], stats["tile_size_px"]
    sources = {s.split("/")[-1].removesuffix(".tif"): s for s in stats["sources"]}
    found = []
    for labels in sorted((dataset / "labels" / side).glob("*.txt")):
        stem, row, col = labels.stem.rsplit("_", 2)
        with rasterio.open(sources[stem]) as src:
            left, top = src.transform.c, src.transform.f
        x0, y0 = left + int(col[1:]) * pixel, top - int(row[1:]) * pixel
        for line in labels.read_text().splitlines():
            xy = np.array(line.split()[1:], dtype=float).reshape(-1, 2) * tile * pixel
            found.append(shapely.Polygon(np.c_[x0 + xy[:, 0], y0 - xy[:, 1]]))
    return found


def test_an_export_at_a_coarser_pixel_size_keeps_the_parcels_in_place(naip, tmp_path):
    raster, labels = naip[0]
    parcels_path = tmp_path / "parcels.gpkg"
    labels.to_file(parcels_path)
    out = tmp_path / "dataset"
    stats = export_dataset(
        [raster], parcels_path, out, pixel_size_m=2.0, tile_size_px=256, overlap_px=32
    )
    assert stats.pixel_size_m == 2.0 and stats.tile_size_px == 256
    from PIL import Image

    image = next((out / "images" / "train").glob("*.png"))
    assert Image.open(image).size == (256, 256)  # 512 m of ground in a 256 px tile
    recorded = json.loads((out / "stats.json").read_text())
    assert recorded["object_sizes"]["used"]["pixel_size_m"] == 2.0
    parcels = shapely.union_all(labels.geometry.to_numpy())
    polygons = _tile_polygons(out, recorded) + _tile_polygons(out, recorded, "val")
    assert len(polygons) >= len(labels)  # some parcels are cut into several tiles
    on_parcels = [p.buffer(0).intersection(parcels).area / p.buffer(0).area for p in polygons]
    assert np.median(on_parcels) > 0.97 and min(on_parcels) > 0.8  # 2 m pixels: edges move


def test_auto_scale_chooses_whole_fields_and_the_model_records_it(naip, tmp_path):
    """The issue's test: one epoch on two NAIP images, the dataset checked by value."""
    from landseg.inference.runtimes.loading import read_model
    from landseg.training.options import TrainOptions
    from landseg.training.train import train

    parcels_path = tmp_path / "parcels.gpkg"
    import pandas as pd

    frames = [labels.to_crs(naip[0][1].crs) for _, labels in naip]
    pd.concat(frames).to_file(parcels_path)
    rasters = [raster for raster, _ in naip]
    asked = export_dataset(rasters, parcels_path, tmp_path / "asked", tile_size_px=256)
    assert asked.object_sizes["used"]["seen_whole"] < WHOLE_TARGET  # fields of 100-400 m
    assert any("--auto-scale" in message for message in asked.warnings)
    out = tmp_path / "auto"
    stats = export_dataset(rasters, parcels_path, out, tile_size_px=256, auto_scale=True)
    chosen = stats.object_sizes["used"]
    assert stats.auto_scale and chosen == stats.object_sizes["suggested"]
    assert chosen["seen_whole"] > asked.object_sizes["used"]["seen_whole"]
    assert (stats.tile_size_px, stats.pixel_size_m) == (
        chosen["tile_size_px"],
        chosen["pixel_size_m"],
    )
    polygons = _tile_polygons(out, json.loads((out / "stats.json").read_text()))
    parcels = shapely.union_all(pd.concat(frames).geometry.to_numpy())
    inside = [p.buffer(0).intersection(parcels).area / p.buffer(0).area for p in polygons]
    assert np.median(inside) > 0.97
    run = tmp_path / "run"
    train(
        TrainOptions(
            data=str(out), run_dir=str(run), epochs=1, batch=4, imgsz=256, loader_workers=0
        )
    )
    _, info = read_model(run / "best.pt")
    assert (info.tile_size_px, info.pixel_size_m) == (stats.tile_size_px, stats.pixel_size_m)
    from landseg.reporting.report import build_report

    markdown = tmp_path / "report.md"
    build_report(run, tmp_path / "report.html", markdown_path=markdown, analysis=False)
    sizes = stats.object_sizes
    row = (
        f"| Labelled objects | {sizes['count']}, {sizes['extent_m']['p50']:g} m across at the "
        f"median, {sizes['extent_m']['p90']:g} m at the 90th percentile; "
        f"{chosen['seen_whole']:.0%} seen whole in a tile |"
    )
    assert row in markdown.read_text()


def test_the_preview_measures_what_the_export_records(naip, tmp_path, capsys):
    """``landseg object-sizes`` (the fine-tune dialog's preview) writes nothing and prints the
    figures the export then records, as asked and with --auto-scale."""
    import pandas as pd

    from landseg.cli import main

    parcels_path = tmp_path / "parcels.gpkg"
    pd.concat([labels.to_crs(naip[0][1].crs) for _, labels in naip]).to_file(parcels_path)
    rasters = [str(raster) for raster, _ in naip]
    for flags in ([], ["--auto-scale"]):
        capsys.readouterr()
        main(
            ["object-sizes", *rasters, "--labels", str(parcels_path), "--tile-size", "256", *flags]
        )
        answer = json.loads(capsys.readouterr().out)
        out = tmp_path / f"dataset{len(flags)}"
        stats = export_dataset(rasters, parcels_path, out, tile_size_px=256, auto_scale=bool(flags))
        assert answer["object_sizes"] == json.loads(json.dumps(stats.object_sizes))
        used = stats.object_sizes["used"]
        assert (
            f"at {used['pixel_size_m']:g} m and {used['tile_size_px']} px tiles"
            in (answer["summary"])
        )
        assert bool(answer["suggestion"]) == (not flags)  # fields of 100-400 m: not whole
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "dataset0",
        "dataset1",
        "parcels.gpkg",
    ]
