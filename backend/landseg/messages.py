"""The command line's messages in the user's language: one catalogue, English and Japanese.

The backend writes its progress and error messages in English; the CLI passes each through
:func:`translate` before printing it. A message matches a catalogue entry's English template as
a whole (``{name}`` stands for any text) and comes out as the entry's Japanese, with the same
values; a message with no entry stays English, whole — never half translated. The language is
``LANDSEG_LANG`` (``ja``, ``en``...), which the QGIS plugin sets from QGIS's locale.
"""

from __future__ import annotations

import functools
import os
import re

LANGUAGE_ENV = "LANDSEG_LANG"

# message id: (English template, Japanese template)
CATALOGUE: dict[str, tuple[str, str]] = {
    # progress of segment
    "segment.start": ("Segmenting {total} tiles on {device}", "{device} で {total} タイルを処理中"),
    "segment.tiles": ("{done}/{total} tiles", "{done}/{total} タイル"),
    "segment.merge": (
        "Merging {count} pieces across tile seams",
        "タイル境界をまたぐ {count} 個の断片を結合中",
    ),
    "segment.write": ("Writing {count} polygons", "{count} 個のポリゴンを書き込み中"),
    "segment.wrote": (
        "Wrote {count} polygons to {path}",
        "{count} 個のポリゴンを {path} に書き込みました",
    ),
    "segment.summary": (
        "Wrote {count} polygons ({classes}) to {path} in {seconds} s on {device}.",
        "{count} 個のポリゴン（{classes}）を {path} に書き込みました（{seconds} 秒、{device}）。",
    ),
    "segment.cluster": (
        "Segmenting {total} tiles in {chunks} chunks on {cluster}",
        "{cluster} で {total} タイルを {chunks} チャンクに分けて処理中",
    ),
    # progress of export-dataset, train and report
    "dataset.tile": ("{raster}: tile {done}/{total}", "{raster}: タイル {done}/{total}"),
    "dataset.written": ("Dataset written to {path}", "データセットを {path} に書き出しました"),
    "train.epoch": (
        "epoch {done}/{total} ({phase}): mask mAP50 {map50}",
        "エポック {done}/{total}（{phase}）: マスク mAP50 {map50}",
    ),
    "report.analysis": ("feature-map and gradient analysis", "特徴マップと勾配の分析"),
    "report.tables": ("tables and plots", "表とグラフ"),
    "report.writing": ("writing", "書き込み中"),
    "report.written": ("report written to {name}", "レポートを {name} に書き出しました"),
    # the most common errors
    "raster.missing": (
        "Raster '{path}' does not exist: check the path.",
        "ラスタ '{path}' が存在しません。パスを確認してください。",
    ),
    "raster.no_crs": (
        "Raster '{path}' has a geotransform but no CRS: give the CRS its coordinates are in "
        "with --crs EPSG:XXXX (or assign it in QGIS: Raster > Projections > Assign Projection).",
        "ラスタ '{path}' には座標変換はありますが CRS がありません。座標の CRS を --crs EPSG:XXXX "
        "で指定してください（QGIS では ラスタ > 投影法 > 投影法の割り当て）。",
    ),
    "model.missing": (
        "Model file '{path}' does not exist: check the path, or leave the model option out to "
        "use the shipped default.",
        "モデルファイル '{path}' が存在しません。パスを確認するか、モデルの指定を外して同梱の"
        "既定モデルを使ってください。",
    ),
    "weights.download": (
        "Downloading base model {name} (once) from {url} to {path}",
        "ベースモデル {name} をダウンロード中（初回のみ）: {url} → {path}",
    ),
    "weights.offline": (
        "Base model '{name}' could not be downloaded ({reason}): on a machine with internet, "
        "fetch {url} and put it at {path}, then run again.",
        "ベースモデル '{name}' をダウンロードできませんでした（{reason}）。インターネットに"
        "つながるマシンで {url} を取得して {path} に置き、もう一度実行してください。",
    ),
    "weights.changed": (
        "The cached base model '{path}' is not the file first recorded in '{record}' (its size "
        "or SHA-256 changed): delete both files to download it again.",
        "キャッシュのベースモデル '{path}' は '{record}' に最初に記録したファイルと違います"
        "（サイズか SHA-256 が変わりました）。両方のファイルを削除すると、もう一度"
        "ダウンロードします。",
    ),
    "output.exists": (
        "Output '{path}' already exists: choose another path or allow overwriting (--overwrite).",
        "出力 '{path}' は既に存在します。別のパスを選ぶか、上書きを許可してください"
        "（--overwrite）。",
    ),
    "split.no_validation": (
        "The split left no validation tile ({count} train tiles): label a larger area, or give "
        "smaller blocks (--block-size) so that some fall to validation.",
        "分割で検証タイルが一つもできませんでした（学習タイル {count} 枚）。より広い範囲に"
        "ラベルを付けるか、ブロックを小さくして（--block-size）一部が検証側に入るようにして"
        "ください。",
    ),
    "segment.cancelled": (
        "Segmentation was cancelled; no output was written.",
        "セグメンテーションをキャンセルしました。出力は書き込まれていません。",
    ),
    "dataset.cancelled": (
        "Dataset export was cancelled; nothing was kept.",
        "データセットの書き出しをキャンセルしました。何も残していません。",
    ),
    "cancelled": ("cancelled", "キャンセルしました"),
    "relative": (
        "Invalid value for {option}: '{path}' is a relative path, and this worker does not know "
        "your working folder: give an absolute path",
        "{option} の値が不正です: '{path}' は相対パスで、ワーカーには作業フォルダが分かりません。"
        "絶対パスを指定してください",
    ),
}


def language() -> str:
    """The two-letter language of messages (``en`` unless ``LANDSEG_LANG`` names another)."""
    return os.environ.get(LANGUAGE_ENV, "en")[:2].lower() or "en"


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each entry's English template as a regular expression, with its Japanese."""
    patterns = []
    for english, japanese in CATALOGUE.values():
        parts = re.split(r"\{(\w+)\}", english)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        patterns.append((re.compile(regex, re.DOTALL), japanese))
    return patterns


def translate(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (default :func:`language`); unchanged when it has no entry."""
    if (lang or language()) != "ja":
        return message
    for pattern, japanese in _patterns():
        match = pattern.fullmatch(message)
        if match:
            return japanese.format(**match.groupdict())
    return message


def text(message_id: str, lang: str | None = None, **values: object) -> str:
    """The catalogue's message ``message_id`` with ``values``, in ``lang``."""
    english, japanese = CATALOGUE[message_id]
    return (japanese if (lang or language()) == "ja" else english).format(**values)
