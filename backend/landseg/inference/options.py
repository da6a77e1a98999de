"""What a segment run is asked to do (every option, declared once), checked before any file is
touched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landseg import defaults
from landseg.checks import check_fraction, check_positive, require
from landseg.errors import InvalidParameterError
from landseg.extras import require_geoparquet
from landseg.geodesy import map_crs
from landseg.messages import Message
from landseg.schema import device_option, option

if TYPE_CHECKING:  # the command line imports this module first: it stays light
    from landseg.inference.segmenter import Segmenter
    from landseg.io.vectors import AreaOfInterest


@dataclass(frozen=True)
class SegmentOptions:
    """Every option of ``landseg segment`` and :func:`landseg.segment`, by its keyword."""

    model: str | Path | Segmenter | None = option(
        None,
        "--model",
        "Model file (.pt or .onnx); default: the shipped model.",
        "モデルファイル（.pt または .onnx）。既定: 同梱モデル。",
        kind="path",
        plugin=True,
    )
    aoi: AreaOfInterest | None = option(
        None,
        "--aoi",
        "Polygons (any vector file, any CRS): segment only there, clip to them.",
        "ポリゴン（任意のベクタファイル・任意の CRS）: その範囲だけを処理し、結果を切り抜きます。",
        kind="path",
        plugin=True,
    )
    bbox: tuple[float, float, float, float] | None = option(
        None,
        "--bbox",
        "min_x,min_y,max_x,max_y in the raster's CRS.",
        "ラスタの CRS での min_x,min_y,max_x,max_y。",
        kind="bbox",
        plugin=True,
    )
    crs: str | None = option(
        None,
        "--crs",
        "CRS of a raster that has none (e.g. EPSG:32654): assigned, not reprojected.",
        "CRS を持たないラスタの CRS（例: EPSG:32654）。再投影せずに割り当てます。",
        plugin=True,
    )
    pixel_space: bool = option(
        False,
        "--pixel-space",
        "For an image without georeference (a photo, a JPG or PNG): segment it at its own "
        "pixels and write polygons in pixel coordinates (x = column, y = -row), areas in px.",
        "ジオリファレンスのない画像（写真、JPG や PNG）を、そのままの画素で処理し、ポリゴンを"
        "ピクセル座標（x = 列、y = -行）、面積をピクセル数で書き出します。",
        kind="flag",
    )
    output_crs: str | None = option(
        None,
        "--output-crs",
        "CRS to write the polygons in (e.g. EPSG:4326); default the raster's.",
        "ポリゴンを書き出す CRS（例: EPSG:4326）。既定: ラスタの CRS。",
    )
    pixel_size_m: float | None = option(
        None,
        "--pixel-size",
        "Ground pixel size (m) to segment at; default the model's training size (the raster's "
        "own inside the range a model learnt on).",
        "処理する地上画素サイズ（m）。既定: モデルの学習時の画素サイズ（モデルが学習した範囲内なら"
        "ラスタ自身の画素）。",
        kind="number",
        unit="m",
        plugin=True,
    )
    tile_size_px: int | None = option(
        None,
        "--tile-size",
        "Tile size in pixels; default from the model.",
        "タイルサイズ（ピクセル）。既定: モデルの値。",
        kind="integer",
        unit="px",
        plugin=True,
    )
    overlap_px: int | None = option(
        None,
        "--overlap",
        "Tile overlap in pixels; default from the model.",
        "タイルの重なり（ピクセル）。既定: モデルの値。",
        kind="integer",
        unit="px",
        plugin=True,
    )
    conf: float = option(
        defaults.CONFIDENCE,
        "--conf",
        "Minimum score.",
        "最小スコア。",
        kind="number",
        plugin=True,
    )
    iou: float = option(
        defaults.NMS_IOU,
        "--iou",
        "Non-maximum-suppression IoU inside a tile.",
        "タイル内の非最大値抑制（NMS）の IoU。",
        kind="number",
    )
    batch_size: int = option(
        defaults.BATCH_TILES,
        "--batch",
        "Tiles per forward pass.",
        "1 回の推論で処理するタイル数。",
        kind="integer",
    )
    device: str = device_option()
    runtime: str = option(
        defaults.RUNTIME,
        "--runtime",
        "What runs the model: auto (ONNX Runtime on CPU, fp16 torch on GPU), onnx, torch, "
        "or ultralytics (its own predictor).",
        "モデルの実行方式: auto（CPU では ONNX Runtime、GPU では fp16 の torch）、onnx、torch、"
        "ultralytics（その推論器）。",
        choices=("auto", "onnx", "torch", "ultralytics"),
    )
    bands: Sequence[int] | None = option(
        None,
        "--bands",
        "Raster bands for the model, e.g. 1,2,3 or 1.",
        "モデルに渡すラスタのバンド（例: 1,2,3 または 1）。",
        kind="integers",
    )
    classes: Sequence[str] | None = option(
        None,
        "--classes",
        "Class names the model must know, in order, e.g. roof,farm (checked).",
        "モデルが持つべきクラス名（順番どおり、例: roof,farm。確認のみ）。",
        kind="names",
    )
    min_area_m2: float = option(
        defaults.MIN_AREA_M2,
        "--min-area-m2",
        "Drop polygons smaller than this.",
        "これより小さいポリゴンを除きます。",
        kind="number",
        unit="m²",
        plugin=True,
    )
    simplify_tolerance_m: float | None = option(
        None,
        "--simplify-m",
        "Simplification tolerance in metres; default one pixel.",
        "単純化の許容誤差（m）。既定: 1 画素。",
        kind="number",
        unit="m",
        plugin=True,
    )
    square_roofs: bool = option(
        False,
        "--square-roofs",
        "Square off nearly rectangular roofs.",
        "ほぼ長方形の屋根の輪郭を直角に整えます。",
        kind="flag",
    )
    overwrite: bool = option(
        False,
        "--overwrite",
        "Replace outputs that already exist.",
        "既存の出力を置き換えます。",
        kind="flag",
        plugin=True,
    )
    scheduler: str | Any | None = option(
        None,
        "--scheduler",
        "Dask scheduler address (e.g. tcp://host:8786): segment on its workers.",
        "Dask スケジューラのアドレス（例: tcp://host:8786）: そのワーカーで処理します。",
    )
    workers: int | None = option(
        None,
        "--workers",
        "Segment on a local Dask cluster of this many worker processes.",
        "この数のワーカープロセスを持つローカル Dask クラスタで処理します。",
        kind="integer",
    )
    chunk_tiles: int = option(
        defaults.CHUNK_TILES,
        "--chunk-tiles",
        "With --scheduler or --workers: one Dask task segments a block of N x N tiles.",
        "--scheduler または --workers 使用時: 1 つの Dask タスクが N x N タイルを処理します。",
        kind="integer",
    )
    resume: bool = option(
        False,
        "--resume",
        "Continue this output's run that stopped (crash, kill, cancel) where it stopped.",
        "止まった（異常終了・強制終了・キャンセル）この出力の処理を、止まった所から続けます。",
        kind="flag",
        plugin=True,
    )
    checkpoint: bool | None = option(
        None,
        "--checkpoint/--no-checkpoint",
        f"Keep a resumable work file if the run stops; default on above "
        f"{defaults.CHECKPOINT_MIN_TILES} tiles.",
        f"処理が止まったときに再開用の作業ファイルを残します。既定: "
        f"{defaults.CHECKPOINT_MIN_TILES} タイルを超えるとき有効。",
        kind="switch",
        plugin=True,
    )
    skip_unreadable: bool = option(
        False,
        "--skip-unreadable",
        "Skip tiles that cannot be read (damaged blocks), listing them, instead of stopping.",
        "読めないタイル（破損したブロック）を止まらずに飛ばし、一覧にします。",
        kind="flag",
    )
    review: bool = option(
        False,
        "--review",
        "Give every polygon its agreement, class margin and review priority, and write a "
        "'review' layer of the places worth a look (GeoPackage output).",
        "各ポリゴンに一致度・クラスの差・確認優先度を付け、確認すべき場所の 'review' レイヤを"
        "書きます（GeoPackage 出力）。",
        kind="flag",
        plugin=True,
    )

    min_p_correct: float | None = option(
        None,
        "--min-p-correct",
        "Keep only polygons at least this likely to be right (0-1; needs a calibrated model, "
        "see landseg calibrate).",
        "正しい確率がこの値以上のポリゴンだけを残します（0〜1。較正済みのモデルが必要です。"
        "landseg calibrate を参照）。",
        kind="number",
        plugin=True,
    )

    @property
    def on_cluster(self) -> bool:
        """Whether the run segments on Dask workers."""
        return self.scheduler is not None or self.workers is not None

    @property
    def model_conf(self) -> float:
        """The score down to which the model reports objects (lower with ``review``: the
        possible missed ones)."""
        return min(self.conf, defaults.REVIEW_FLOOR) if self.review else self.conf


def check_options(options: SegmentOptions, output_kind: str) -> None:
    """Every option of a run whose output is of ``output_kind``, before the model loads or
    any file is touched."""
    check_fraction(options.conf, "Confidence", example=defaults.CONFIDENCE)
    check_fraction(options.iou, "IoU", example=defaults.NMS_IOU)
    if options.min_p_correct is not None:
        check_fraction(options.min_p_correct, "Minimum p_correct", example=0.9)
    require(options.batch_size >= 1, Message("segment.batch", batch=options.batch_size))
    check_positive(
        options.min_area_m2, "Minimum area (m²)", example=defaults.MIN_AREA_M2, zero_ok=True
    )
    if options.simplify_tolerance_m is not None:
        check_positive(
            options.simplify_tolerance_m, "Simplification tolerance (m)", example=0.5, zero_ok=True
        )
    if options.output_crs is not None:
        map_crs(options.output_crs)
    if options.pixel_space:
        _check_pixel_space_options(options)
    if output_kind in (".parquet", "folder"):
        require_geoparquet("The output")
    if options.tile_size_px is not None:  # the model's metadata gives the defaults
        from landseg.inference.tiling import validate_tiling

        validate_tiling(options.tile_size_px, options.overlap_px or 0)
    if options.on_cluster:
        _check_cluster_options(options)
    require(
        not options.review or (output_kind == ".gpkg" and not options.on_cluster),
        Message("review.output"),
    )


def _check_pixel_space_options(options: SegmentOptions) -> None:
    """What needs a place on the ground is refused for an image segmented in pixel space."""
    given = {
        "--crs": options.crs,
        "--output-crs": options.output_crs,
        "--pixel-size": options.pixel_size_m,
        "--aoi": options.aoi,
        "--bbox": options.bbox,
    }
    flags = ", ".join(flag for flag, value in given.items() if value is not None)
    require(
        not flags,
        Message("pixel_space.ground_options", flags=flags),
    )


def _check_cluster_options(options: SegmentOptions) -> None:
    if options.resume:
        raise InvalidParameterError(Message("segment.dask_resume"))
    if options.scheduler is not None and options.workers is not None:
        raise InvalidParameterError(Message("segment.dask_both"))
    if options.workers is not None and options.workers < 1:
        raise InvalidParameterError(Message("segment.workers", workers=options.workers))
    if options.chunk_tiles < 1:
        raise InvalidParameterError(Message("segment.chunk_tiles", chunk_tiles=options.chunk_tiles))
