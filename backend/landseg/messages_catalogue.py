"""The catalogue of :mod:`landseg.messages`: each message the backend writes, in English and
Japanese, grouped by the module that writes it.

An entry is ``id: (English template, Japanese template)``; ``{name}`` stands for a value and
keeps its name in both. The Japanese uses QGIS's Japanese terms (レイヤ, ラスタ, ポリゴン,
座標参照系/CRS, フィールド, タイル...) and keeps flags, file names and values as they are.
The backend makes each message as ``Message(id, name=value, ...)``;
``tests/test_messages_catalogue.py`` fails for a message handed to a user as literal English, an
id without an entry, values that are not the entry's, or an entry no code uses.
"""

from __future__ import annotations

_CRS_FIX = (
    "assign the CRS its coordinates are in (QGIS: Layer Properties > Source > Assigned "
    "Coordinate Reference System, then save; geopandas: frame.set_crs('EPSG:32654')) and run "
    "again.",
    "座標の CRS を割り当ててからもう一度実行してください（QGIS: レイヤのプロパティ > ソース > "
    "割り当てられた座標参照系 を設定して保存。geopandas: frame.set_crs('EPSG:32654')）。",
)
_NO_SCALE_FIX = (
    "assign it a map CRS (--crs EPSG:... where the raster has none; otherwise gdal_edit.py "
    "-a_srs EPSG:..., or QGIS: Raster > Projections > Assign Projection)",
    "地図の CRS を割り当ててください（CRS のないラスタは --crs EPSG:...、それ以外は gdal_edit.py "
    "-a_srs EPSG:... または QGIS: ラスタ > 投影法 > 投影法の割り当て）",
)
_MODEL_UNREADABLE = (
    "Model file '{path}' could not be read ({error_type}: {cause}): give an ultralytics "
    "YOLOv8/11-seg .pt or .onnx file.",
    "モデルファイル '{path}' を読み込めませんでした（{error_type}: {cause}）。ultralytics の "
    "YOLOv8/11-seg の .pt または .onnx ファイルを指定してください。",
)
_NOT_SEGMENTATION = (
    "Model file '{path}' is a '{task}' model, not a segmentation model: use a YOLO '-seg' model "
    "(e.g. trained with landseg train).",
    "モデルファイル '{path}' は '{task}' モデルで、セグメンテーションモデルではありません。"
    "YOLO の '-seg' モデル（landseg train で学習したものなど）を使ってください。",
)
_CANCELLED = (
    "Segmentation was cancelled; no output was written.",
    "セグメンテーションをキャンセルしました。出力は書き込まれていません。",
)
_DISK_TROUBLE = (
    "check that its disk has free space and is still reachable, then run again.",
    "ディスクに空きがあり、アクセスできることを確認してから、もう一度実行してください。",
)

# message id: (English template, Japanese template)
CATALOGUE: dict[str, tuple[str, str]] = {
    # -- progress of segment (inference/pipeline.py, streaming.py, distributed.py) ------------
    "segment.start": ("Segmenting {total} tiles on {device}", "{device} で {total} タイルを処理中"),
    "segment.progress.minutes": (
        "{done}/{total} tiles, {objects} objects, {rate} tiles/s, ETA {minutes} min",
        "{done}/{total} タイル、{objects} オブジェクト、{rate} タイル/秒、残り約 {minutes} 分",
    ),
    "segment.progress.seconds": (
        "{done}/{total} tiles, {objects} objects, {rate} tiles/s, ETA {seconds} s",
        "{done}/{total} タイル、{objects} オブジェクト、{rate} タイル/秒、残り約 {seconds} 秒",
    ),
    "segment.progress.estimating": (
        "{done}/{total} tiles, {objects} objects, {rate} tiles/s, estimating time left",
        "{done}/{total} タイル、{objects} オブジェクト、{rate} タイル/秒、残り時間を推定中",
    ),
    "segment.wrote": (
        "Wrote {count} polygons to {path}",
        "{count} 個のポリゴンを {path} に書き込みました",
    ),
    "segment.summary": (
        "Wrote {count} polygons ({classes}) to {path} in {seconds} s on {device}.",
        "{count} 個のポリゴン（{classes}）を {path} に書き込みました（{seconds} 秒、{device}）。",
    ),
    "segment.cluster.workers": (
        "Segmenting {total} tiles in {chunks} chunks on {workers} Dask workers",
        "Dask ワーカー {workers} 台で {total} タイルを {chunks} チャンクに分けて処理中",
    ),
    "segment.cluster.worker": (
        "Segmenting {total} tiles in {chunks} chunks on {workers} Dask worker",
        "Dask ワーカー {workers} 台で {total} タイルを {chunks} チャンクに分けて処理中",
    ),
    "segment.cluster.start": (
        "Starting a local Dask cluster of {workers} workers",
        "ワーカー {workers} 台のローカル Dask クラスタを起動中",
    ),
    "segment.cluster.connect": (
        "Connecting to the Dask scheduler",
        "Dask スケジューラに接続中",
    ),
    "segment.chunks": (
        "{done}/{total} tiles ({chunks_done}/{chunks} chunks)",
        "{done}/{total} タイル（{chunks_done}/{chunks} チャンク）",
    ),
    "segment.cancelled": _CANCELLED,
    # -- warnings of segment (inference/pipeline.py, plan.py) ----------------------------------
    "segment.no_data": (
        "Raster '{path}' holds no data (every pixel is nodata): wrote an empty layer.",
        "ラスタ '{path}' にはデータがありません（すべてのピクセルが nodata）。空のレイヤを書き出し"
        "ました。",
    ),
    "segment.skipped_at": ("rows {row}, columns {column}", "{row} 行 {column} 列"),
    "segment.skipped_more": (
        "{count} tile(s) could not be read and were skipped (at {where} ...): their area has no "
        "polygons.",
        "{count} 個のタイルを読み込めずスキップしました（位置: {where} ほか）。その範囲にはポリゴン"
        "がありません。",
    ),
    "segment.skipped": (
        "{count} tile(s) could not be read and were skipped (at {where}): their area has no "
        "polygons.",
        "{count} 個のタイルを読み込めずスキップしました（位置: {where}）。その範囲にはポリゴンが"
        "ありません。",
    ),
    "plan.bands": (
        "The model learnt on bands {model_bands}, but the raster has {count} band(s): using bands "
        "{bands} (choose others with --bands).",
        "モデルはバンド {model_bands} で学習していますが、ラスタのバンド数は {count} です。バンド "
        "{bands} を使います（別のバンドは --bands で選べます）。",
    ),
    "plan.no_pixel_size": (
        "The model records no training pixel size: the raster is segmented at its own resolution. "
        "Give --pixel-size if it learnt at another one.",
        "モデルに学習時のピクセルサイズが記録されていないため、ラスタをそのままの解像度で処理します"
        "。別の解像度で学習したモデルなら --pixel-size を指定してください。",
    ),
    # -- errors of segment's options (inference/pipeline.py, plan.py, tiling.py) ---------------
    "segment.batch": (
        "Batch {batch} must be at least 1 tile: use e.g. 8.",
        "バッチ {batch} は 1 タイル以上にしてください（例: 8）。",
    ),
    "segment.dask_resume": (
        "A run on Dask cannot be resumed (--resume): run it again from the start, or without "
        "--scheduler/--workers to get a resumable run.",
        "Dask での実行は再開（--resume）できません。最初から実行し直すか、再開できる実行にするには "
        "--scheduler/--workers を付けずに実行してください。",
    ),
    "segment.dask_both": (
        "Both a Dask scheduler and a number of local workers were given: give --scheduler to use "
        "a running cluster, or --workers to start a local one, not both.",
        "Dask スケジューラとローカルワーカー数の両方が指定されました。動いているクラスタを使うなら "
        "--scheduler、ローカルに起動するなら --workers の、どちらか一方だけを指定してください。",
    ),
    "segment.workers": (
        "Workers {workers} must be at least 1.",
        "ワーカー数 {workers} は 1 以上にしてください。",
    ),
    "segment.unknown_options": (
        "segment() got unexpected keyword arguments: {unknown}",
        "segment() に不明なキーワード引数が渡されました: {unknown}",
    ),
    "segment.chunk_tiles": (
        "Chunk size {chunk_tiles} tiles must be at least 1: try 8 (chunks of 8 x 8 tiles).",
        "チャンクサイズ {chunk_tiles} タイルは 1 以上にしてください。8（8 x 8 タイルのチャンク）を"
        "試してください。",
    ),
    "plan.no_raster": (
        "No raster was given: name one raster or several sheets.",
        "ラスタが指定されていません。ラスタを 1 つ、または複数の図葉を指定してください。",
    ),
    "plan.aoi_outside": (
        "The area of interest does not overlap the raster: check that it covers the raster's "
        "extent (and its CRS).",
        "対象範囲がラスタと重なっていません。対象範囲がラスタの領域を覆っているか（CRS も）確認して"
        "ください。",
    ),
    "plan.pixel_size": (
        "Pixel size {pixel_size} m must be positive.",
        "ピクセルサイズ {pixel_size} m は正の値にしてください。",
    ),
    "plan.bbox_empty": (
        "Bounding box {bbox} is empty: give min_x,min_y,max_x,max_y with min < max.",
        "範囲 {bbox} が空です。min < max となる min_x,min_y,max_x,max_y を指定してください。",
    ),
    "tiling.too_large": (
        "Tile size {tile_size} px is larger than {max_size} px, which no model is trained for and "
        "which would need many GB of memory: try 512 or 640.",
        "タイルサイズ {tile_size} px が上限 {max_size} px を超えています。このサイズで学習したモデ"
        "ルはなく、何 GB ものメモリが必要になります。512 か 640 を試してください。",
    ),
    "tiling.multiple": (
        "Tile size {tile_size} px must be a multiple of 32 and at least 32 (the model's stride): "
        "try 256, 512 or 640.",
        "タイルサイズ {tile_size} px は 32 以上の 32 の倍数にしてください（モデルのストライド）。"
        "256、512、640 のいずれかを試してください。",
    ),
    "tiling.overlap": (
        "Overlap {overlap} px must be at least 0 and less than half the tile size ({tile_size} "
        "px): try {suggestion}.",
        "オーバーラップ {overlap} px は 0 以上、タイルサイズ（{tile_size} px）の半分未満にしてくだ"
        "さい。{suggestion} を試してください。",
    ),
    # -- option checks shared by every command (checks.py) ------------------------------------
    "check.fraction": (
        "{setting} {value} is outside {bounds}: use e.g. {example}.",
        "{setting} {value} が範囲 {bounds} の外です。{example} などを指定してください。",
    ),
    "check.above_zero": (
        "{setting} {value} must be above 0: use e.g. {example}.",
        "{setting} {value} は 0 より大きくしてください。{example} などを指定してください。",
    ),
    "check.at_least_zero": (
        "{setting} {value} must be at least 0: use e.g. {example}.",
        "{setting} {value} は 0 以上にしてください。{example} などを指定してください。",
    ),
    "check.empty_class": (
        "{option} has an empty class name: give names such as roof,farm.",
        "{option} に空のクラス名があります。roof,farm のようにクラス名を指定してください。",
    ),
    "check.repeated_class": (
        "{option} names {classes} twice: give each class once.",
        "{option} でクラス {classes} が 2 回指定されています。クラスは 1 回ずつ指定してください。",
    ),
    # -- devices (inference/runtimes/devices.py) ---------------------------------------------------
    "device.no_mps": (
        "Device 'mps' was requested but torch sees no Apple GPU: use --device auto.",
        "デバイス 'mps' が指定されましたが、torch から Apple GPU が見えません。--device auto を使っ"
        "てください。",
    ),
    "device.unknown": (
        "Unknown device '{device}': use auto, cpu, cuda or cuda:N.",
        "不明なデバイス '{device}' です。auto、cpu、cuda、cuda:N のいずれかを使ってください。",
    ),
    "device.no_cuda": (
        "Device '{device}' was requested but torch sees no CUDA GPU on this machine: use --device "
        "auto or --device cpu.",
        "デバイス '{device}' が指定されましたが、torch からこのマシンの CUDA GPU が見えません。"
        "--device auto か --device cpu を使ってください。",
    ),
    "device.too_few": (
        "Device '{device}' was requested but torch sees {count} CUDA GPU(s) on this machine: use "
        "--device auto or --device cpu.",
        "デバイス '{device}' が指定されましたが、torch から見えるこのマシンの CUDA GPU は {count} "
        "台です。--device auto か --device cpu を使ってください。",
    ),
    "device.list_cuda_only": (
        "Device list '{device}' may only name CUDA GPUs: give their indices, e.g. 0,1 or "
        "cuda:0,cuda:1 (or one device: auto, cpu, cuda:N).",
        "デバイスの一覧 '{device}' には CUDA GPU しか指定できません。0,1 や cuda:0,cuda:1 のように"
        "番号で指定してください（1 台なら auto、cpu、cuda:N）。",
    ),
    "device.list_repeated": (
        "Device list '{device}' names a GPU more than once: name each GPU once, e.g. 0,1.",
        "デバイスの一覧 '{device}' に同じ GPU が複数回あります。0,1 のように各 GPU を 1 回ずつ指定"
        "してください。",
    ),
    "device.list_no_cuda": (
        "GPU(s) {gpus} of device list '{device}' were requested but torch sees no CUDA GPU on "
        "this machine: list only GPUs it has, or use --device auto.",
        "デバイスの一覧 '{device}' の GPU {gpus} が指定されましたが、torch からこのマシンの CUDA "
        "GPU が見えません。存在する GPU だけを指定するか、--device auto を使ってください。",
    ),
    "device.list_missing": (
        "GPU(s) {gpus} of device list '{device}' were requested but torch sees {count} CUDA "
        "GPU(s) (indices 0 to {last}) on this machine: list only GPUs it has, or use --device "
        "auto.",
        "デバイスの一覧 '{device}' の GPU {gpus} が指定されましたが、torch から見えるこのマシンの "
        "CUDA GPU は {count} 台（番号 0 ～ {last}）です。存在する GPU だけを指定するか、--device "
        "auto を使ってください。",
    ),
    # -- Dask (inference/distributed.py) -------------------------------------------------------
    "dask.unreachable": (
        "Could not reach the Dask scheduler at '{scheduler}' ({error}): start one (dask "
        "scheduler) and give its address, e.g. tcp://host:8786; check the port and any firewall "
        "between here and it.",
        "Dask スケジューラ '{scheduler}' に接続できませんでした（{error}）。スケジューラを起動し"
        "（dask scheduler）、tcp://host:8786 のようにそのアドレスを指定してください。ポートと、"
        "ここからスケジューラまでの間のファイアウォールも確認してください。",
    ),
    "dask.no_workers": (
        "The Dask scheduler at '{address}' has had no workers for {seconds} s: start some (dask "
        "worker {address}).",
        "Dask スケジューラ '{address}' には {seconds} 秒間ワーカーがいません。ワーカーを起動して"
        "ください（dask worker {address}）。",
    ),
    "dask.model_differs": (
        "The model file '{model_file}' on Dask worker {worker} differs from the one this run "
        "started with (SHA-256 {found}... instead of {expected}...): give every worker the same "
        "model file.",
        "Dask ワーカー {worker} のモデルファイル '{model_file}' が、この実行の開始時のものと違いま"
        "す（SHA-256 が {expected}... ではなく {found}...）。すべてのワーカーに同じモデルファイルを"
        "用意してください。",
    ),
    "dask.model_object": (
        "A Dask worker could not rebuild the model object ({error}): install the module that "
        "defines it on every worker, or give a model file instead.",
        "Dask ワーカーでモデルオブジェクトを復元できませんでした（{error}）。それを定義するモジュー"
        "ルをすべてのワーカーにインストールするか、代わりにモデルファイルを指定してください。",
    ),
    "dask.model_not_sendable": (
        "The model object ({model_type}) cannot be sent to Dask workers ({error_type}: {error}): "
        "give a model file (.pt or .onnx) instead.",
        "モデルオブジェクト（{model_type}）を Dask ワーカーに送れません（{error_type}: {error}）。"
        "代わりにモデルファイル（.pt か .onnx）を指定してください。",
    ),
    "dask.chunk_lost": (
        "Chunk {chunk} was lost with its worker too many times ({error}): workers may run out of "
        "memory; give them more, or use smaller chunks (--chunk-tiles).",
        "チャンク {chunk} がワーカーとともに何度も失われました（{error}）。ワーカーのメモリが不足し"
        "ている可能性があります。メモリを増やすか、チャンクを小さくしてください（--chunk-tiles）。",
    ),
    # -- models (inference/runtimes/, pieces.py) ---------------------------------------------------
    "model.missing": (
        "Model file '{path}' does not exist: check the path, or leave the model option out to "
        "use the shipped default.",
        "モデルファイル '{path}' が存在しません。パスを確認するか、モデルの指定を外して同梱の"
        "既定モデルを使ってください。",
    ),
    "model.default_missing": (
        "Model file '{path}' does not exist: the shipped default model is missing from this "
        "installation: reinstall LandSeg.",
        "モデルファイル '{path}' が存在しません。同梱の既定モデルがこのインストールにありません。"
        "LandSeg をインストールし直してください。",
    ),
    "model.missing_plain": (
        "Model file '{path}' does not exist: check the path.",
        "モデルファイル '{path}' が存在しません。パスを確認してください。",
    ),
    "model.suffix": (
        "Model file '{path}' is not a .pt or .onnx file: give an ultralytics YOLOv8/11-seg model "
        "(.pt) or its ONNX export.",
        "モデルファイル '{path}' は .pt でも .onnx でもありません。ultralytics の YOLOv8/11-seg "
        "モデル（.pt）か、その ONNX エクスポートを指定してください。",
    ),
    "model.conf_above_run": (
        "The loaded model reports objects from score {loaded} but this run needs them from "
        "{needed} (its confidence, or the possible missed objects of a review): load it with "
        "conf={needed} or less, or give the model's path.",
        "読み込み済みのモデルはスコア {loaded} 以上の物体しか返しませんが、この実行には {needed} "
        "以上が必要です（信頼度、またはレビューの見落とし候補）。conf={needed} 以下で読み込むか、"
        "モデルのパスを指定してください。",
    ),
    "model.unreadable": _MODEL_UNREADABLE,
    "model.not_segmentation": _NOT_SEGMENTATION,
    "model.runtime_unknown": (
        "Unknown runtime '{runtime}': use {runtimes}.",
        "不明なランタイム '{runtime}' です。{runtimes} のいずれかを使ってください。",
    ),
    "model.onnx_runtime": (
        "'{name}' is an ONNX model: run it with --runtime onnx (or auto).",
        "'{name}' は ONNX モデルです。--runtime onnx（または auto）で実行してください。",
    ),
    "model.onnx_cpu": (
        "--runtime onnx runs on the CPU here (onnxruntime-gpu is not installed): use --runtime "
        "torch (or auto) for the GPU, or --device cpu.",
        "ここでは --runtime onnx は CPU で動きます（onnxruntime-gpu がインストールされていません）"
        "。GPU を使うなら --runtime torch（または auto）を、そうでなければ --device cpu を指定して"
        "ください。",
    ),
    "model.classes": (
        "{model} does not know the classes {missing} (it knows {known}): choose a model trained "
        "for them, or fine-tune one with landseg train.",
        "{model}はクラス {missing} を知りません（知っているクラスは {known}）。それらで学習した"
        "モデルを選ぶか、landseg train でファインチューニングしてください。",
    ),
    "model.class_id": (
        "The model returned class id {class_id} but names only {count} classes: its class names "
        "do not match its head.",
        "モデルがクラス ID {class_id} を返しましたが、クラス名は {count} 個しかありません。"
        "モデルのクラス名が出力層と合っていません。",
    ),
    "onnx.export_failed": (
        "Model '{name}' could not be exported to ONNX ({error_type}: {error}): segment with "
        "--runtime torch instead.",
        "モデル '{name}' を ONNX にエクスポートできませんでした（{error_type}: {error}）。代わりに "
        "--runtime torch で処理してください。",
    ),
    "onnx.unreadable": (
        "Model file '{path}' could not be read by ONNX Runtime ({error_type}: {error}): give a "
        "YOLOv8/11-seg ONNX export.",
        "モデルファイル '{path}' を ONNX Runtime で読み込めませんでした（{error_type}: {error}）。"
        "YOLOv8/11-seg の ONNX エクスポートを指定してください。",
    ),
    "onnx.cache_not_writable": (
        "The model cache '{folder}' is not writable ({error}): exporting '{name}' to ONNX for "
        "this run only (set LANDSEG_CACHE_DIR to a writable folder to keep it).",
        "モデルのキャッシュ '{folder}' に書き込めません（{error}）。'{name}' はこの実行のためだけ"
        "に ONNX にエクスポートします（残すには LANDSEG_CACHE_DIR に書き込めるフォルダを設定して"
        "ください）。",
    ),
    "export.not_pt": (
        "'{path}' is not a .pt model: export-model converts a PyTorch model to ONNX (an .onnx "
        "file needs no export).",
        "'{path}' は .pt モデルではありません。export-model は PyTorch モデルを ONNX に変換します"
        "（.onnx ファイルはエクスポート不要です）。",
    ),
    "export.suffix": (
        "Output '{path}' must end in .onnx: give e.g. -o {stem}.onnx.",
        "出力 '{path}' の拡張子は .onnx にしてください（例: -o {stem}.onnx）。",
    ),
    # -- calibrated confidence (inference/pipeline.py, review/calibrate*.py, cli/calibration.py)
    "calibration.none_for_filter": (
        "Model '{name}' has no calibration, so its polygons have no p_correct for "
        "--min-p-correct: add one with landseg calibrate --model {name} --data DATASET "
        "(labelled tiles the model did not learn from), or filter with --conf.",
        "モデル '{name}' には較正がないため、ポリゴンに --min-p-correct で使う p_correct が"
        "ありません。landseg calibrate --model {name} --data DATASET（モデルが学習していない"
        "ラベル付きタイル）で較正を加えるか、--conf で絞り込んでください。",
    ),
    "calibration.none_for_review": (
        "Model '{name}' has no calibration, so its polygons have no p_correct (and a review "
        "ranks them by score, agreement and class margin): add one with landseg calibrate "
        "--model {name} --data DATASET.",
        "モデル '{name}' には較正がないため、ポリゴンに p_correct がありません（確認の順位は"
        "スコア・一致度・クラスの差で決まります）。landseg calibrate --model {name} --data "
        "DATASET で較正を加えてください。",
    ),
    "calibration.output_suffix": (
        "Output '{output}' must be a {suffix} file, as the model '{name}' is.",
        "出力 '{output}' はモデル '{name}' と同じく {suffix} ファイルにしてください。",
    ),
    "calibration.output_is_model": (
        "Output '{output}' is the model itself: give a new file name (the model is only read).",
        "出力 '{output}' はモデルそのものです。新しいファイル名を指定してください（モデルは"
        "読むだけです）。",
    ),
    "calibration.no_signals": (
        "The predictions have no {missing} field: they were made without --review (or by an "
        "older LandSeg). Segment again with --review, then calibrate.",
        "予測に {missing} フィールドがありません。--review なしで（または古い LandSeg で）作られた"
        "ものです。--review を付けてもう一度セグメンテーションしてから較正してください。",
    ),
    "calibration.too_few": (
        "Only {count} predicted polygons to calibrate on (at least {min_polygons} are needed): "
        "give more labelled tiles or a larger labelled map.",
        "較正に使える予測ポリゴンが {count} 個しかありません（{min_polygons} 個以上必要です）。"
        "ラベル付きタイルを増やすか、より広いラベル付きの地図を指定してください。",
    ),
    "calibration.no_images": (
        "Dataset '{data}' has no {split} images to calibrate on: give a dataset with a {split} "
        "split (landseg export-dataset makes one).",
        "データセット '{data}' には較正に使う {split} の画像がありません。{split} 分割のある"
        "データセットを指定してください（landseg export-dataset で作れます）。",
    ),
    "calibration.labels_no_class": (
        "Labels '{labels}' have no 'class' field: name each polygon's class in a field called "
        "'class', spelled as the model's classes.",
        "ラベル '{labels}' に 'class' フィールドがありません。各ポリゴンのクラスを、モデルの"
        "クラスと同じ綴りで 'class' フィールドに入れてください。",
    ),
    "calibration.one_source": (
        "Give either --data DATASET (labelled tiles) or both --predictions and --labels (a "
        "--review run's output of a labelled map, and its labels).",
        "--data DATASET（ラベル付きタイル）か、--predictions と --labels の両方（ラベル付きの"
        "地図を --review で処理した出力と、そのラベル）のどちらかを指定してください。",
    ),
    "calibration.other_model": (
        "Predictions '{predictions}' were made by model '{maker}', not by '{name}' (their "
        "checksums differ): segment the map with this model and --review, then calibrate.",
        "予測 '{predictions}' は '{name}' ではなくモデル '{maker}' で作られています（チェックサムが"
        "異なります）。このモデルと --review で地図をセグメンテーションしてから較正してください。",
    ),
    "calibration.done": (
        "Calibrated on {polygons} polygons ({right} right); on the polygons each fit did not "
        "see, the calibration error (ECE) is {p_correct} (the raw score's: {score}).",
        "{polygons} 個のポリゴン（うち正解 {right} 個）で較正しました。各当てはめが見ていない"
        "ポリゴンでの較正誤差（ECE）は {p_correct} です（生のスコアでは {score}）。",
    ),
    # -- rasters (io/rasters.py) ----------------------------------------------------------------
    "raster.missing": (
        "Raster '{path}' does not exist: check the path.",
        "ラスタ '{path}' が存在しません。パスを確認してください。",
    ),
    "raster.not_raster": (
        "'{path}' is not a raster GDAL can read: give a GeoTIFF, VRT or other GDAL raster.",
        "'{path}' は GDAL で読めるラスタではありません。GeoTIFF、VRT などの GDAL ラスタを指定して"
        "ください。",
    ),
    "raster.source": (
        "Raster source '{path}' could not be opened ({error}): check the URL, that the server "
        "answers, and your network or proxy settings.",
        "ラスタのソース '{path}' を開けませんでした（{error}）。URL、サーバが応答しているか、"
        "ネットワークやプロキシの設定を確認してください。",
    ),
    "raster.no_crs": (
        "Raster '{path}' has a geotransform but no CRS: give the CRS its coordinates are in "
        "with --crs EPSG:XXXX (or assign it in QGIS: Raster > Projections > Assign Projection).",
        "ラスタ '{path}' には座標変換はありますが CRS がありません。座標の CRS を --crs EPSG:XXXX "
        "で指定してください（QGIS では ラスタ > 投影法 > 投影法の割り当て）。",
    ),
    "raster.no_georeferencing": (
        "Raster '{path}' has no georeferencing ({absent}): georeference it first (QGIS "
        "Georeferencer, or gdal_translate -a_srs EPSG:XXXX -a_ullr ...), or segment it in "
        "pixel coordinates with --pixel-space.",
        "ラスタ '{path}' にはジオリファレンスがありません（{absent}がありません）。先にジオリファ"
        "レンスする（QGIS のジオリファレンサ、または gdal_translate -a_srs EPSG:XXXX "
        "-a_ullr ...）か、--pixel-space でピクセル座標のまま処理してください。",
    ),
    "pixel_space.georeferenced": (
        "Raster '{uri}' is georeferenced ({crs}): --pixel-space is for images without "
        "georeference; leave it out.",
        "ラスタ '{uri}' はジオリファレンスされています（{crs}）。--pixel-space はジオリファレンス"
        "のない画像のためのものです。外してください。",
    ),
    "pixel_space.geotransform_only": (
        "Raster '{uri}' has a geotransform (a world file?) but no CRS: give its CRS with --crs "
        "EPSG:XXXX instead of --pixel-space.",
        "ラスタ '{uri}' にはジオトランスフォーム（ワールドファイル？）がありますが CRS がありませ"
        "ん。--pixel-space ではなく --crs EPSG:XXXX で CRS を指定してください。",
    ),
    "pixel_space.several": (
        "--pixel-space segments one image at a time: give one image (its polygons are in its "
        "own pixel coordinates), not several.",
        "--pixel-space は一度に 1 枚の画像を処理します（ポリゴンはその画像のピクセル座標です）。"
        "複数ではなく 1 枚を指定してください。",
    ),
    "pixel_space.ground_options": (
        "--pixel-space segments an image without georeference in pixel coordinates, which "
        "{flags} cannot apply to: leave them out, or georeference the image and leave out "
        "--pixel-space.",
        "--pixel-space はジオリファレンスのない画像をピクセル座標で処理するため、{flags} は使え"
        "ません。外すか、画像をジオリファレンスして --pixel-space を外してください。",
    ),
    "pixel_space.note": (
        "The image has no georeference: segmenting it at its own pixels, each taken as "
        "{pixel_m} m (the model's pixel size), and writing the polygons in pixel coordinates "
        "(x = column, y = -row).",
        "画像にジオリファレンスがありません。画像の画素のまま（1 画素をモデルの画素サイズ "
        "{pixel_m} m とみなして）処理し、ポリゴンをピクセル座標（x = 列、y = -行）で書き出します。",
    ),
    "model.export_failed": (
        "Model file '{path}' could not be exported to ONNX ({error_type}: {cause}): run it with "
        "--runtime torch instead.",
        "モデルファイル '{path}' を ONNX に変換できませんでした（{error_type}: {cause}）。代わりに "
        "--runtime torch で実行してください。",
    ),
    "extras.training_missing": (
        "{task} needs LandSeg's training extra (PyTorch and ultralytics), which this "
        "installation does not have: pip install 'landseg[train]'.",
        "{task} には LandSeg の学習用追加パッケージ（PyTorch と ultralytics）が必要ですが、この環境"
        "にはありません: pip install 'landseg[train]'。",
    ),
    "extras.geoparquet_missing": (
        "{what} is GeoParquet, which needs pyarrow, not in this installation: "
        "pip install 'landseg[parquet]', or use a .gpkg or .fgb file.",
        "{what} は GeoParquet で、pyarrow が必要ですがこの環境にはありません: "
        "pip install 'landseg[parquet]'。または .gpkg か .fgb のファイルを使ってください。",
    ),
    "extras.pytorch_model": (
        "Model '{model}' is a PyTorch file, which this installation (without the training "
        "extra) cannot read: give its ONNX export (landseg export-model {model} -o model.onnx, "
        "where PyTorch is installed), leave --model out for the shipped model, or add the "
        "extra: pip install 'landseg[train]'.",
        "モデル '{model}' は PyTorch のファイルで、この環境（学習用追加パッケージなし）では読めませ"
        "ん。ONNX 版を指定する（PyTorch のある環境で landseg export-model {model} -o model.onnx）"
        "か、--model を外して同梱モデルを使うか、追加パッケージを入れてください: "
        "pip install 'landseg[train]'。",
    ),
    "devices.no_gpu_runtime": (
        "Device '{device}' needs PyTorch with CUDA, which this installation does not have: "
        "pip install 'landseg[train]', or use --device cpu.",
        "デバイス '{device}' には CUDA 対応の PyTorch が必要ですが、この環境にはありません: "
        "pip install 'landseg[train]'。または --device cpu を使ってください。",
    ),
    "devices.gpu_unused": (
        "An NVIDIA GPU is present, but this installation has no GPU runtime: segmenting on the "
        "CPU. To use the GPU: pip install 'landseg[train]'.",
        "NVIDIA GPU がありますが、この環境には GPU 用のランタイムがないため CPU で処理します。GPU "
        "を使うには: pip install 'landseg[train]'。",
    ),
    "runtime.onnx_model_no_gpu": (
        "'{name}' is an ONNX model, and ONNX Runtime here has no GPU (onnxruntime-gpu is not "
        "installed): use --device cpu, or the model's .pt file for the GPU.",
        "'{name}' は ONNX モデルですが、この環境の ONNX Runtime は GPU を使えません"
        "（onnxruntime-gpu がありません）。--device cpu を使うか、GPU にはモデルの .pt ファイルを"
        "使ってください。",
    ),
    "raster.bad_crs": (
        "'{crs}' is not a CRS: give an EPSG code such as EPSG:32654, or WKT.",
        "'{crs}' は CRS ではありません。EPSG:32654 のような EPSG コードか WKT を指定してください。",
    ),
    "raster.crs_mosaic": (
        "--crs assigns a CRS to one raster, not to a mosaic of sheets: assign it to the sheets "
        "(QGIS: Assign Projection), then segment them together.",
        "--crs は 1 つのラスタに CRS を割り当てるもので、図葉のモザイクには使えません。各図葉に "
        "CRS を割り当ててから（QGIS: 投影法の割り当て）、まとめて処理してください。",
    ),
    "raster.has_crs": (
        "Raster '{path}' already has the CRS {crs}: --crs only assigns a CRS to a raster that has "
        "none; leave it out.",
        "ラスタ '{path}' には既に CRS {crs} があります。--crs は CRS のないラスタに割り当てるための"
        "ものなので、指定を外してください。",
    ),
    "raster.too_small": (
        "At the chosen pixel size the raster '{path}' would be smaller than one pixel: give a "
        "pixel size finer than the raster's extent.",
        "指定したピクセルサイズでは、ラスタ '{path}' が 1 ピクセルより小さくなります。ラスタの範囲"
        "より細かいピクセルサイズを指定してください。",
    ),
    "raster.sheets_differ": (
        "Sheets differ in {property}: {first} has {value} but {others} do not: segment them "
        "separately, or bring them to one CRS and band layout first (gdalwarp / gdal_translate).",
        "図葉の{property}が異なります。{first} は {value} ですが、{others} は違います。別々に処理"
        "するか、先に CRS とバンド構成をそろえてください（gdalwarp / gdal_translate）。",
    ),
    "raster.sheet_differs": (
        "Sheets differ in {property}: {first} has {value} but {others} does not: segment them "
        "separately, or bring them to one CRS and band layout first (gdalwarp / gdal_translate).",
        "図葉の{property}が異なります。{first} は {value} ですが、{others} は違います。別々に処理"
        "するか、先に CRS とバンド構成をそろえてください（gdalwarp / gdal_translate）。",
    ),
    "raster.band_count": (
        "Raster '{path}' has {count} bands but the model needs {needed}: choose bands with "
        "--bands (e.g. --bands 1,1,1), or use a raster with {needed} bands.",
        "ラスタ '{path}' のバンド数は {count} ですが、モデルには {needed} バンドが必要です。"
        "--bands でバンドを選ぶか（例: --bands 1,1,1）、{needed} バンドのラスタを使ってください。",
    ),
    "raster.no_bands_one": (
        "Bands {chosen} do not exist in '{path}', which has band 1: choose bands among those (one "
        "band, e.g. --bands 1, is repeated for the model).",
        "バンド {chosen} は '{path}' にありません（バンドは 1 のみ）。その中から選んでください"
        "（--bands 1 のように 1 バンドを選ぶと、モデル用に繰り返して使います）。",
    ),
    "raster.no_bands": (
        "Bands {chosen} do not exist in '{path}', which has bands 1 to {count}: choose bands among "
        "those (one band, e.g. --bands 1, is repeated for the model).",
        "バンド {chosen} は '{path}' にありません（バンドは 1 ～ {count}）。その中から選んでくださ"
        "い（--bands 1 のように 1 バンドを選ぶと、モデル用に繰り返して使います）。",
    ),
    "raster.chosen_count": (
        "{chosen} bands were chosen but the model needs {needed} (or 1, repeated).",
        "{chosen} バンドが選ばれましたが、モデルには {needed} バンド（または繰り返して使う 1 バンド"
        "）が必要です。",
    ),
    "raster.read_damaged": (
        "Cannot read rows {row_start}-{row_end}, columns {column_start}-{column_end} of '{path}' "
        "({cause}): the file is damaged or a file it refers to is missing; repair or restore it, "
        "then run again.",
        "'{path}' の行 {row_start}-{row_end}、列 {column_start}-{column_end} を読み込めません"
        "（{cause}）。ファイルが壊れているか、参照先のファイルがありません。修復または復元してから"
        "、もう一度実行してください。",
    ),
    "raster.read_missing": (
        "Cannot read rows {row_start}-{row_end}, columns {column_start}-{column_end} of '{path}': "
        "the files it refers to are missing ({files}): restore them, then run again.",
        "'{path}' の行 {row_start}-{row_end}、列 {column_start}-{column_end} を読み込めません。"
        "参照先のファイルがありません（{files}）。復元してから、もう一度実行してください。",
    ),
    # -- outputs and folders (io/atomic.py, folders.py, qgis_style.py, work_file.py) ----------
    "output.exists": (
        "Output '{path}' already exists: choose another path or allow overwriting (--overwrite).",
        "出力 '{path}' は既に存在します。別のパスを選ぶか、上書きを許可してください"
        "（--overwrite）。",
    ),
    "output.no_folder": (
        "Output folder '{folder}' does not exist: create it or choose another output path.",
        "出力フォルダ '{folder}' が存在しません。作成するか、別の出力パスを選んでください。",
    ),
    "output.folder_not_writable": (
        "Output folder '{folder}' is not writable ({error}): choose a folder you can write to.",
        "出力フォルダ '{folder}' に書き込めません（{error}）。書き込めるフォルダを選んでください。",
    ),
    "output.replaces_input": (
        "Output folder '{folder}' would replace the input '{input}': choose an output folder "
        "outside your inputs.",
        "出力フォルダ '{folder}' が入力 '{input}' を置き換えてしまいます。入力の外にある出力フォル"
        "ダを選んでください。",
    ),
    "output.is_link": (
        "Output '{path}' is a file or a link, not a folder: choose a folder path.",
        "出力 '{path}' はフォルダではなく、ファイルまたはリンクです。フォルダのパスを選んで"
        "ください。",
    ),
    "output.is_folder": (
        "Output '{path}' is a folder, not a file: give a file path, or another name.",
        "出力 '{path}' はファイルではなくフォルダです。ファイルのパスか別の名前を指定して"
        "ください。",
    ),
    "output.not_listed": (
        "Folder '{folder}' holds files LandSeg did not write (it is not a LandSeg {folder_kind} "
        "folder with a list of its files), so --overwrite will not replace it: choose a new or "
        "empty folder for the {folder_kind}.",
        "フォルダ '{folder}' には LandSeg が書いていないファイルがあるため（書いたファイルの一覧を"
        "持つ LandSeg の{folder_kind}フォルダではありません）、--overwrite でも置き換えません。"
        "{folder_kind}用に新しいフォルダか空のフォルダを選んでください。",
    ),
    "output.foreign_listed": (
        "Folder '{folder}' holds files LandSeg did not write ({files}), so --overwrite will not "
        "replace it: move them out of the folder, or choose a new one for the {folder_kind}.",
        "フォルダ '{folder}' には LandSeg が書いていないファイル（{files}）があるため、"
        "--overwrite でも置き換えません。それらをフォルダの外へ移すか、{folder_kind}用に新しい"
        "フォルダを選んでください。",
    ),
    "output.kept_added": (
        "Files added to the replaced {folder_kind} folder while LandSeg ran were kept in "
        "'{folder}': move them where you want them.",
        "LandSeg の実行中に、置き換えた{folder_kind}フォルダへ追加されたファイルは '{folder}' に"
        "残してあります。必要な場所へ移してください。",
    ),
    "output.in_use": (
        "Another LandSeg run is writing '{name}' now: wait for it to finish (or stop it), or "
        "choose another output.",
        "別の LandSeg の実行が今 '{name}' を書き込んでいます。終わるのを待つ（または止める）か、"
        "別の出力を選んでください。",
    ),
    "output.lock": (
        "Cannot create '{path}' ({error}): choose an output in a folder you can write to.",
        "'{path}' を作成できません（{error}）。書き込めるフォルダの中の出力を選んでください。",
    ),
    "output.put_in_place": (
        "Cannot put the finished output in place as '{path}' ({error}): free the path or choose "
        "another output.",
        "完成した出力を '{path}' として置けません（{error}）。そのパスを空けるか、別の出力を選んで"
        "ください。",
    ),
    "output.not_empty": (
        "Folder '{folder}' is not empty: choose a new folder or allow overwriting (--overwrite).",
        "フォルダ '{folder}' は空ではありません。新しいフォルダを選ぶか、上書きを許可してください"
        "（--overwrite）。",
    ),
    "output.cannot_create": (
        "Cannot create '{path}': choose a writable location.",
        "'{path}' を作成できません。書き込める場所を選んでください。",
    ),
    "output.cannot_write": (
        "Cannot write '{path}' ({cause}): choose a writable location with enough free space.",
        "'{path}' に書き込めません（{cause}）。空き容量の十分な書き込める場所を選んでください。",
    ),
    "output.disk": (
        "Cannot write '{path}' ({cause}): " + _DISK_TROUBLE[0],
        "'{path}' に書き込めません（{cause}）。" + _DISK_TROUBLE[1],
    ),
    "output.update": (
        "Cannot update '{path}' ({cause}): " + _DISK_TROUBLE[0],
        "'{path}' を更新できません（{cause}）。" + _DISK_TROUBLE[1],
    ),
    "output.extension": (
        "Output '{path}' has an extension LandSeg cannot write: end it in .gpkg (GeoPackage), "
        ".parquet (GeoParquet) or .fgb (FlatGeobuf), or give a folder for a partitioned "
        "GeoParquet dataset.",
        "出力 '{path}' の拡張子は LandSeg では書き出せません。.gpkg（GeoPackage）、.parquet"
        "（GeoParquet）、.fgb（FlatGeobuf）のいずれかにするか、分割 GeoParquet データセット用の"
        "フォルダを指定してください。",
    ),
    "output.resume_mismatch": (
        "The unfinished run in '{path}' was started with another raster, model or options "
        "({differs}): run without --resume to start again.",
        "'{path}' の未完了の実行は、別のラスタ、モデルまたはオプションで始められたものです"
        "（{differs}）。"
        "--resume を付けずに実行して、最初からやり直してください。",
    ),
    "output.unfinished": (
        "'{path}' is left from a run that did not finish: it is replaced (give --resume to "
        "continue it instead).",
        "'{path}' は完了しなかった実行の残りです。置き換えます（続きから実行するには --resume を"
        "指定してください）。",
    ),
    "output.disk_full": (
        "could not write {name} (disk full?)",
        "{name} を書き込めませんでした（ディスクの空き不足？）",
    ),
    "output.writer_stopped": (
        "the process writing it stopped during the write",
        "書き込み中に、書き込みを行うプロセスが停止しました",
    ),
    # -- datasets users bring (io/yolo_dataset.py) ----------------------------------------------
    "yolo.no_yaml": (
        "'{data}' is not a YOLO-seg dataset (no data.yaml): give the dataset's folder or its "
        "data.yaml (a folder landseg export-dataset wrote, or a Roboflow / ultralytics export).",
        "'{data}' は YOLO-seg データセットではありません（data.yaml がありません）。データセットの"
        "フォルダかその data.yaml を指定してください（landseg export-dataset が書いたフォルダ、"
        "または Roboflow / ultralytics のエクスポート）。",
    ),
    "yolo.no_split": (
        "The dataset '{yaml_path}' has no '{split}' split (it has {images}): choose one of those, "
        "or add a {split} split to the dataset.",
        "データセット '{yaml_path}' には '{split}' 分割がありません（あるのは {images}）。その"
        "いずれかを選ぶか、データセットに {split} 分割を加えてください。",
    ),
    "yolo.empty_split": (
        "The {split} split of '{yaml_path}' holds no images ({split}: {entry}): export images "
        "into it, or point it at the images' folder.",
        "'{yaml_path}' の {split} 分割には画像がありません（{split}: {entry}）。画像をエクスポート"
        "するか、画像のフォルダを指定してください。",
    ),
    "yolo.unreadable": (
        "'{yaml_path}' is not a dataset description ({name}): give the dataset's data.yaml.",
        "'{yaml_path}' はデータセットの記述ではありません（{name}）。データセットの data.yaml を"
        "指定してください。",
    ),
    "yolo.no_names": (
        "'{yaml_path}' lists no class names (names:): give the dataset's data.yaml.",
        "'{yaml_path}' にはクラス名（names:）がありません。データセットの data.yaml を指定して"
        "ください。",
    ),
    "yolo.names_gaps": (
        "The classes of '{yaml_path}' are not numbered 0 to {last}: number them from 0 without "
        "gaps.",
        "'{yaml_path}' のクラスに 0 から {last} までの番号が付いていません。0 から欠番なしで"
        "番号を付けてください。",
    ),
    "yolo.no_root": (
        "The dataset folder '{path}' (path: in '{yaml_path}') does not exist: correct path: or "
        "remove it (split paths are then relative to the data.yaml).",
        "データセットのフォルダ '{path}'（'{yaml_path}' の path:）がありません。path: を直すか"
        "削除してください（分割のパスは data.yaml からの相対パスになります）。",
    ),
    "yolo.missing_entry": (
        "'{entry}' ({split}: in '{yaml_path}') exists neither as '{path}' nor beside the "
        "data.yaml: correct the path in data.yaml, or give the dataset's folder.",
        "'{entry}'（'{yaml_path}' の {split}:）は '{path}' にも data.yaml の隣にもありません。"
        "data.yaml のパスを直すか、データセットのフォルダを指定してください。",
    ),
    "yolo.missing_listed": (
        "Image '{listed_name}' (line {number} of '{list_file}') does not exist: correct the list, "
        "or export the dataset again.",
        "画像 '{listed_name}'（'{list_file}' の {number} 行目）がありません。一覧を直すか、"
        "データセットをもう一度エクスポートしてください。",
    ),
    "yolo.line_not_number": (
        "Line {number} of '{labels}' holds something that is not a number: correct or delete "
        "that line, or export the dataset again as YOLOv8 segmentation.",
        "'{labels}' の {number} 行目に数値でないものがあります。その行を直すか削除するか、"
        "データセットを YOLOv8 セグメンテーションとしてもう一度エクスポートしてください。",
    ),
    "yolo.line_class": (
        "Line {number} of '{labels}' has class {class_id}, but the dataset names classes 0 to "
        "{last} only: correct or delete that line, or export the dataset again as YOLOv8 "
        "segmentation.",
        "'{labels}' の {number} 行目のクラスは {class_id} ですが、データセットのクラスは 0 から "
        "{last} までです。その行を直すか削除するか、データセットを YOLOv8 セグメンテーションと"
        "してもう一度エクスポートしてください。",
    ),
    "yolo.line_box": (
        "Line {number} of '{labels}' is a box, not a polygon: export the dataset as YOLOv8 "
        "instance segmentation (polygons), not detection.",
        "'{labels}' の {number} 行目はポリゴンではなく矩形です。データセットを物体検出ではなく "
        "YOLOv8 インスタンスセグメンテーション（ポリゴン）としてエクスポートしてください。",
    ),
    "yolo.line_pairs": (
        "Line {number} of '{labels}' has {count} coordinates, not the pairs of a polygon of 3 "
        "points or more: correct or delete that line, or export the dataset again as YOLOv8 "
        "segmentation.",
        "'{labels}' の {number} 行目の座標は {count} 個で、3 点以上のポリゴンの座標の組に"
        "なっていません。その行を直すか削除するか、データセットを YOLOv8 セグメンテーションと"
        "してもう一度エクスポートしてください。",
    ),
    "yolo.line_range": (
        "Line {number} of '{labels}' has coordinates outside 0-1 (they are fractions of the "
        "image's size): correct or delete that line, or export the dataset again as YOLOv8 "
        "segmentation.",
        "'{labels}' の {number} 行目に 0-1 の範囲外の座標があります（座標は画像サイズに対する"
        "割合です）。その行を直すか削除するか、データセットを YOLOv8 セグメンテーションとして"
        "もう一度エクスポートしてください。",
    ),
    "inspect.leak": (
        "{count} source image(s) have augmented versions in more than one split (e.g. "
        "{example}): every validation figure is inflated; put all versions of a source in one "
        "split with landseg inspect-dataset DATA --regroup-splits FOLDER.",
        "元画像 {count} 枚の拡張版が複数の分割に入っています（例: {example}）。検証の数値はすべて"
        "実際より良く出ます。landseg inspect-dataset DATA --regroup-splits FOLDER で、"
        "一つの元画像の版をすべて同じ分割に入れてください。",
    ),
    "inspect.same_content": (
        "{count} image(s) are byte for byte in more than one split (e.g. {example}): they are "
        "scored on what the model learnt; regroup the splits (landseg inspect-dataset "
        "--regroup-splits FOLDER).",
        "{count} 枚の画像がまったく同じ内容で複数の分割に入っています（例: {example}）。モデルが"
        "学習した画像で採点されます。分割をまとめ直してください（landseg inspect-dataset "
        "--regroup-splits FOLDER）。",
    ),
    "inspect.orphan_labels": (
        "{count} label file(s) have no image (e.g. {example}) and are not used: add their images, "
        "or delete them.",
        "{count} 個のラベルファイルに画像がなく（例: {example}）、使われません。画像を加えるか、"
        "ラベルファイルを削除してください。",
    ),
    "coco.missing_image": (
        "Image '{name}' of '{annotations}' does not exist beside it: export the dataset again "
        "with its images.",
        "'{annotations}' の画像 '{name}' がその隣にありません。画像を含めてデータセットを"
        "もう一度エクスポートしてください。",
    ),
    "coco.unreadable": (
        "'{path}' is not a COCO annotation file ({name}): export the dataset again as COCO "
        "segmentation.",
        "'{path}' は COCO のアノテーションファイルではありません（{name}）。データセットを COCO "
        "セグメンテーションとしてもう一度エクスポートしてください。",
    ),
    "coco.no_categories": (
        "'{path}' lists no categories: export the dataset again as COCO segmentation.",
        "'{path}' にはカテゴリがありません。データセットを COCO セグメンテーションとしてもう一度"
        "エクスポートしてください。",
    ),
    "coco.no_polygon": (
        "Annotation {number} of '{path}' has no polygon (a mask or a box only): export the "
        "dataset again as COCO segmentation with polygons.",
        "'{path}' のアノテーション {number} にはポリゴンがありません（マスクか矩形のみ）。"
        "データセットをポリゴン付きの COCO セグメンテーションとしてもう一度エクスポートして"
        "ください。",
    ),
    # -- ground sizes (geodesy.py) --------------------------------------------------------------
    "geodesy.no_scale": (
        "The CRS '{name}' has no ground scale (it is not a map CRS): " + _NO_SCALE_FIX[0] + ".",
        "CRS '{name}' には地上の縮尺がありません（地図の CRS ではありません）。"
        + _NO_SCALE_FIX[1]
        + "。",
    ),
    "geodesy.no_crs": (
        "Raster '{name}' has no CRS: " + _NO_SCALE_FIX[0] + ".",
        "ラスタ '{name}' に CRS がありません。" + _NO_SCALE_FIX[1] + "。",
    ),
    "geodesy.polar": (
        "The raster reaches the polar regions (beyond 84° N or 80° S), where LandSeg builds no "
        "local grid: reproject it to a polar stereographic CRS first (gdalwarp -t_srs EPSG:3413 "
        "in the Arctic, EPSG:3031 in the Antarctic).",
        "ラスタが極域（北緯 84° 以北または南緯 80° 以南）に達しており、LandSeg はそこで局所"
        "グリッドを作れません。先に極ステレオ投影の CRS に再投影してください"
        "（北極域は gdalwarp -t_srs EPSG:3413、南極域は EPSG:3031）。",
    ),
    "geodesy.too_wide": (
        "The raster spans {span}° of longitude, more than one local metric grid covers: split it "
        "into parts a few degrees wide (gdal_translate -projwin), or reproject it to a projected "
        "CRS of your choice (gdalwarp -t_srs), then segment.",
        "ラスタは経度 {span}° にわたり、一つの局所メートルグリッドでは覆えません。数度幅の部分に"
        "分けるか（gdal_translate -projwin）、任意の投影座標系に再投影してから（gdalwarp -t_srs）"
        "セグメンテーションしてください。",
    ),
    "geodesy.outside_crs": (
        "The raster's extent ({extent}) is outside its CRS's valid area: check the raster's CRS "
        "(QGIS: Layer Properties > Source).",
        "ラスタの範囲（{extent}）が CRS の有効範囲外です。ラスタの CRS を確認してください"
        "（QGIS: レイヤのプロパティ > ソース）。",
    ),
    "geodesy.antimeridian": (
        "The raster crosses the antimeridian (180° longitude), where one local grid cannot hold "
        "it: split it at 180° (gdalwarp -te) and segment both halves.",
        "ラスタが日付変更線（経度 180°）をまたいでおり、一つの局所グリッドに収まりません。180° で"
        "分割し（gdalwarp -te）、両方をセグメンテーションしてください。",
    ),
    "dataset.sizes": (
        "Labelled objects: {count}, {median} m across at the median, {p90} m at the 90th "
        "percentile; at {pixel} m and {tile} px tiles, {whole} of them are seen whole in a tile.",
        "ラベルの物体: {count} 個、大きさは中央値 {median} m、90 パーセンタイル {p90} m。"
        "{pixel} m と {tile} px のタイルでは、その {whole} がタイルに丸ごと写ります。",
    ),
    "dataset.sizes_suggestion": (
        "Only {whole} of the labelled objects are seen whole in a tile at {pixel} m and {tile} px "
        "tiles; at {better_pixel} m and {better_tile} px tiles {better} would be: export with "
        "--pixel-size {better_pixel} --tile-size {better_tile} --overlap {better_overlap}, or with "
        "--auto-scale.",
        "{pixel} m と {tile} px のタイルでは、ラベルの物体のうちタイルに丸ごと写るのは {whole} だ"
        "けです。{better_pixel} m と {better_tile} px のタイルなら {better} になります: "
        "--pixel-size {better_pixel} --tile-size {better_tile} --overlap {better_overlap} または "
        "--auto-scale を付けて書き出してください。",
    ),
    "dataset.outlines_left_out": (
        "{left} of {total} labelled outlines ({area} m²) are in no exported tile: they lie in "
        "tiles that held only nodata ({nodata}), or are fragments smaller than --min-fragment of "
        "their polygon. Check the raster under them.",
        "ラベル付きの輪郭 {total} 個のうち {left} 個（{area} m²）がどのタイルにも入っていません。"
        "nodata だけのタイル（{nodata} 枚）にあるか、ポリゴンの --min-fragment より小さい断片です。"
        "その下のラスタを確認してください。",
    ),
    "dataset.squashed_pixels": (
        "Raster '{raster}' has pixels of {width} m x {height} m on the ground (its CRS is not a "
        "metric one there), so its tiles would squash every shape: reproject it to a metric CRS "
        "first (gdalwarp -t_srs {utm} -tr {side} {side}), then export.",
        "ラスタ '{raster}' の画素は地上で {width} m x {height} m です（その場所ではメートル単位の "
        "CRS ではありません）。このままではタイルの形がすべて潰れます。先にメートル単位の CRS に"
        "再投影してから（gdalwarp -t_srs {utm} -tr {side} {side}）エクスポートしてください。",
    ),
    # -- synthetic scenes (io/synthetic.py) ----------------------------------------------------
    "geodesy.crs_unknown": (
        "Unknown CRS '{crs}': give an EPSG code such as EPSG:32654, or a WKT/PROJ string.",
        "不明な CRS '{crs}' です。EPSG:32654 のような EPSG コードか、WKT/PROJ 文字列を指定して"
        "ください。",
    ),
    "geodesy.crs_kind": (
        "CRS '{crs}' is neither projected nor geographic: choose a map CRS such as EPSG:32654.",
        "CRS '{crs}' は投影座標系でも地理座標系でもありません。EPSG:32654 のような地図の CRS を"
        "選んでください。",
    ),
    "synth.size": (
        "Scene size {size} px is too small: use 64 px or more.",
        "シーンサイズ {size} px は小さすぎます。64 px 以上にしてください。",
    ),
    "synth.pixel_size": (
        "Pixel size {pixel_size} m is not positive: use e.g. 0.5 (metres per pixel).",
        "ピクセルサイズ {pixel_size} m が正の値ではありません。0.5（1 ピクセルあたりのメートル）"
        "などを指定してください。",
    ),
    "synth.bits": (
        "Bit depth {bits} is not supported: use 8 or 16.",
        "ビット深度 {bits} には対応していません。8 か 16 を使ってください。",
    ),
    "synth.border": (
        "Nodata border {border} px must be between 0 and a quarter of the scene size ({size} px).",
        "nodata の縁 {border} px は 0 ～ シーンサイズ（{size} px）の 4 分の 1 にしてください。",
    ),
    "synth.folder": (
        "Cannot create output folder '{folder}' ({error}): choose a writable location.",
        "出力フォルダ '{folder}' を作成できません（{error}）。書き込める場所を選んでください。",
    ),
    # -- vector layers (io/vectors.py, evaluation/layers.py, training/dataset.py) --------------
    "vector.missing": (
        "{role} file '{path}' does not exist: check the path.",
        "{role}ファイル '{path}' が存在しません。パスを確認してください。",
    ),
    "vector.unreadable": (
        "{role} file '{path}' cannot be read ({error}): give a GeoPackage, Shapefile, GeoJSON or "
        "GeoParquet of polygons.",
        "{role}ファイル '{path}' を読み込めません（{error}）。ポリゴンの GeoPackage、シェープ"
        "ファイル、GeoJSON、GeoParquet のいずれかを指定してください。",
    ),
    "vector.no_geometry": (
        "{layer}: {count} of {total} features have no geometry and are left out.",
        "{layer}: {total} 個の地物のうち {count} 個にはジオメトリがないため除外します。",
    ),
    "vector.nan_coordinates": (
        "{layer} has {count} features whose coordinates are not numbers (NaN or infinite; the "
        "first is row {row}): fix or delete them (QGIS: Vector > Geometry Tools > Check "
        "Validity), then run again.",
        "{layer} には座標が数値でない（NaN または無限大の）地物が {count} 個あります（最初は "
        "{row} 行目）。修正するか削除してから（QGIS: ベクタ > ジオメトリツール > 妥当性をチェック）"
        "、もう一度実行してください。",
    ),
    "vector.spellings": (
        "{layer}: class names spelled another way were read as one class ({names}): check that "
        "they are meant to be the same.",
        "{layer}: 綴りの異なるクラス名を同じクラスとして読みました（{names}）。同じクラスの"
        "つもりか確認してください。",
    ),
    "vector.no_layer": (
        "{layer} has no layer '{name}' (layers: {layers}): choose one of those.",
        "{layer} にはレイヤ '{name}' がありません（レイヤ: {layers}）。その中から選んでください。",
    ),
    "vector.several_layers": (
        "{layer} has {count} layers ({layers}): choose one, e.g. --labels-layer {first} (or "
        "{path}|layername={first}).",
        "{layer} には {count} 個のレイヤがあります（{layers}）。--labels-layer {first}（または "
        "{path}|layername={first}）のように 1 つ選んでください。",
    ),
    "vector.no_features": (
        "{layer} holds no features: give the layer with your polygons.",
        "{layer} には地物がありません。ポリゴンのあるレイヤを指定してください。",
    ),
    "vector.not_polygons": (
        "{layer} holds {types}, not polygons: give a polygon layer (QGIS: Buffer turns points or "
        "lines into polygons).",
        "{layer} にあるのは{types}で、ポリゴンではありません。ポリゴンレイヤを指定してください"
        "（QGIS の「バッファ」でポイントやラインをポリゴンにできます）。",
    ),
    "vector.no_area": (
        "{layer} holds no polygon with an area: give polygons.",
        "{layer} には面積のあるポリゴンがありません。ポリゴンを指定してください。",
    ),
    "vector.no_crs": (
        "{layer} has no CRS: " + _CRS_FIX[0],
        "{layer} には CRS がありません。" + _CRS_FIX[1],
    ),
    # -- evaluation (evaluation/layers.py, maps.py, tiles.py) ----------------------------------
    "evaluate.no_field": (
        "{layer} has no field '{field}': available fields are {fields}. Add the field.",
        "{layer} にフィールド '{field}' がありません（あるフィールド: {fields}）。フィールドを追加"
        "してください。",
    ),
    "evaluate.no_field_or_name": (
        "{layer} has no field '{field}': available fields are {fields}. Add the field or pass "
        "the name of the field that holds the classes.",
        "{layer} にフィールド '{field}' がありません（あるフィールド: {fields}）。フィールドを追加"
        "するか、クラスの入ったフィールドの名前を指定してください。",
    ),
    "evaluate.bad_scores": (
        "{layer} has {count} features without a numeric 'score' (first at row {row}): fix them, "
        "or drop the field to score every prediction 1.0.",
        "{layer} には数値の 'score' がない地物が {count} 個あります（最初は {row} 行目）。"
        "修正するか、フィールドを削除してすべての予測をスコア 1.0 にしてください。",
    ),
    "evaluate.no_scores": (
        "{layer} has no 'score' field: every prediction is scored 1.0, so AP depends on row "
        "order. Write scores with the predictions for a true AP.",
        "{layer} に 'score' フィールドがありません。すべての予測をスコア 1.0 とするため、AP が行の"
        "順序で変わります。正しい AP を得るには予測にスコアを書き出してください。",
    ),
    "evaluate.background": (
        "A class is named 'background', which the area confusion matrix reserves for unlabelled "
        "area: rename that class in the labels or predictions.",
        "'background' という名前のクラスがあります。この名前は面積の混同行列でラベルのない範囲に"
        "使われます。ラベルか予測でそのクラスの名前を変えてください。",
    ),
    "evaluate.no_overlap": (
        "{predictions} and {labels} do not overlap anywhere: check that they cover the same place "
        "(and that each layer's CRS is right).",
        "{predictions} と {labels} はどこも重なっていません。同じ場所を覆っているか（各レイヤの "
        "CRS が正しいかも）確認してください。",
    ),
    "evaluate.unknown_classes": (
        "Predicted classes {classes} appear neither in the labels nor in class_names; they are "
        "scored as false positives. Check the class names match.",
        "予測のクラス {classes} はラベルにも class_names にもないため、誤検出として数えます。"
        "クラス名が合っているか確認してください。",
    ),
    "evaluate.model_classes": (
        "The dataset has classes {classes} that the model does not know (it knows {known}): "
        "evaluate a model trained for them.",
        "データセットにはモデルの知らないクラス {classes} があります（知っているクラスは "
        "{known}）。それらで学習したモデルを評価してください。",
    ),
    "evaluate.model_classes_look_alike": (
        "The dataset has classes {classes} that the model does not know (it knows {known}): "
        "map them with {hint}.",
        "データセットにはモデルの知らないクラス {classes} があります（知っているクラスは "
        "{known}）。{hint} で対応づけてください。",
    ),
    "evaluation.left_out": (
        "{layer}: {count} features without a polygon or a '{field}' value are left out of the "
        "evaluation.",
        "{layer}: ポリゴンまたは '{field}' の値がない {count} 個の地物を評価から除外します。",
    ),
    "evaluation.aoi_empty": (
        "The area of interest holds no polygon of {predictions} or of {labels}: check that it "
        "covers the same place (and that its CRS is right).",
        "対象範囲には {predictions} のポリゴンも {labels} のポリゴンもありません。同じ場所を覆って"
        "いるか（また CRS が正しいか）確認してください。",
    ),
    # -- export-dataset (training/dataset.py) --------------------------------------------------
    "dataset.tile": ("{raster}: tile {done}/{total}", "{raster}: タイル {done}/{total}"),
    "dataset.written": ("Dataset written to {path}", "データセットを {path} に書き出しました"),
    "dataset.cancelled": (
        "Dataset export was cancelled; nothing was kept.",
        "データセットの書き出しをキャンセルしました。何も残していません。",
    ),
    "dataset.no_raster": (
        "No raster given: give the raster(s) the labels were drawn on.",
        "ラスタが指定されていません。ラベルを描いたラスタを指定してください。",
    ),
    "dataset.no_class_field": (
        "{layer} has no field '{field}' (fields: {fields}): choose the field that holds the "
        "class, or give one class for all features.",
        "{layer} にフィールド '{field}' がありません（フィールド: {fields}）。クラスの入った"
        "フィールドを選ぶか、すべての地物に共通のクラスを 1 つ指定してください。",
    ),
    "dataset.empty_field": (
        "{layer}: field '{field}' is empty in every feature: choose the field that holds the "
        "class, or give one class for all features.",
        "{layer}: フィールド '{field}' はすべての地物で空です。クラスの入ったフィールドを選ぶか、"
        "すべての地物に共通のクラスを 1 つ指定してください。",
    ),
    "dataset.unclassed": (
        "{layer}: {count} features have no '{field}' value and were left out: fill in their "
        "class to use them.",
        "{layer}: {count} 個の地物に '{field}' の値がないため除外しました。使うにはクラスを入力して"
        "ください。",
    ),
    "dataset.unknown_labels": (
        "Label values {values} are not among the classes {classes}: those {count} polygons were "
        "not exported (map them with a class mapping).",
        "ラベルの値 {values} はクラス {classes} に含まれていないため、その {count} 個のポリゴンは"
        "書き出していません（クラスの対応付けで割り当ててください）。",
    ),
    "dataset.nothing_overlaps": (
        "No labelled polygon of the classes {classes} overlaps the raster(s): check that the "
        "labels belong to these rasters (CRS, extent) and the class field.",
        "クラス {classes} のラベル付きポリゴンがラスタと重なっていません。ラベルがこのラスタのもの"
        "か（CRS、範囲）と、クラスのフィールドを確認してください。",
    ),
    "dataset.all_nodata": (
        "Every tile under the labels is nodata in the raster(s): check that the rasters hold "
        "imagery where the labels are.",
        "ラベルの下のタイルはすべてラスタの nodata です。ラベルの位置にラスタの画像があるか確認して"
        "ください。",
    ),
    "split.no_validation": (
        "The split left no validation tile ({count} train tiles): label a larger area, or give "
        "smaller blocks (--block-size) so that some fall to validation.",
        "分割で検証タイルが一つもできませんでした（学習タイル {count} 枚）。より広い範囲に"
        "ラベルを付けるか、ブロックを小さくして（--block-size）一部が検証側に入るようにして"
        "ください。",
    ),
    "dataset.no_instances": (
        "Class '{name}' has no instances: its weight is capped at {cap}.",
        "クラス '{name}' のインスタンスがありません。重みは上限の {cap} にします。",
    ),
    "dataset.labels_or_reviewed": (
        "Give either labelled polygons (--labels) or a reviewed layer (--reviewed), not both.",
        "ラベル付きポリゴン（--labels）かレビュー済みレイヤ（--reviewed）のどちらか一方だけを"
        "指定してください。",
    ),
    # -- reviewed layers (review/reviewed.py, inference/pipeline.py) --------------------------
    "review.no_status": (
        "{layer} has no 'review_status' field: review it in QGIS first (LandSeg's review panel), "
        "or give a layer of labels with --labels.",
        "{layer} に 'review_status' フィールドがありません。先に QGIS でレビューするか（LandSeg の"
        "レビューパネル）、--labels でラベルのレイヤを指定してください。",
    ),
    "review.nothing_reviewed": (
        "{layer} has no reviewed feature yet: accept, reject or correct some in the review panel, "
        "then export.",
        "{layer} にはまだレビュー済みの地物がありません。レビューパネルで地物を採用、却下または修正"
        "してから書き出してください。",
    ),
    "review.output": (
        "--review writes a review layer beside the polygons: give a .gpkg output, and run on one "
        "machine (without --scheduler/--workers).",
        "--review はポリゴンと並べてレビュー用のレイヤを書き出します。出力には .gpkg を指定し、"
        "1 台のマシンで実行してください（--scheduler/--workers なし）。",
    ),
    "reviewed.unclassed": (
        "{layer}: {count} accepted or corrected features have no class: give each a class "
        "('reviewed_class', the review panel's class keys), then export again.",
        "{layer}: 承認または修正した地物のうち {count} 個にクラスがありません。それぞれにクラスを"
        "付けてから（'reviewed_class'、レビューパネルのクラスキー）、もう一度エクスポートして"
        "ください。",
    ),
    # -- train (training/options.py, train.py, callbacks.py, base_model.py, record.py) --------
    "train.epoch": (
        "epoch {done}/{total} ({phase}): mask mAP50 {map50}",
        "エポック {done}/{total}（{phase}）: マスク mAP50 {map50}",
    ),
    "train.cancelled": (
        "Training was cancelled; resume it with landseg train --resume.",
        "学習をキャンセルしました。landseg train --resume で再開できます。",
    ),
    "train.interrupted": (
        "Training was interrupted; resume it with --resume.",
        "学習が中断されました。--resume で再開できます。",
    ),
    "train.interrupted_kept": (
        "Training was interrupted; '{path}' is kept as it was until the new run completes: "
        "resume that with landseg train --resume {run}",
        "学習が中断されました。新しい実行が完了するまで '{path}' は元のまま残します。"
        "landseg train --resume {run} で再開してください",
    ),
    "train.complete": (
        "Run '{run}' is already complete: nothing to resume.",
        "実行 '{run}' は既に完了しています。再開するものはありません。",
    ),
    "train.weights_unknown": (
        "Class weights '{option}' are not understood: use balanced, none, or one number per "
        "class ({count}: {classes}).",
        "クラスの重み '{option}' を解釈できません。balanced、none、またはクラスごとに 1 つずつの数"
        "値（{count} 個: {classes}）を指定してください。",
    ),
    "train.weights_count": (
        "{weights} class weights were given but the dataset has {count} classes ({classes}): give "
        "one weight per class, in that order.",
        "クラスの重みが {weights} 個指定されましたが、データセットのクラスは {count} 個です"
        "（{classes}）。クラスごとに 1 つずつ、その順に指定してください。",
    ),
    "train.weights_negative": (
        "Class weights {weights} must not be negative, and at least one must be above 0.",
        "クラスの重み {weights} は負にできず、少なくとも 1 つは 0 より大きくなければなりません。",
    ),
    "train.image_size": (
        "Image size {size} must be a multiple of 32 (e.g. 512 or 640).",
        "画像サイズ {size} は 32 の倍数にしてください（例: 512、640）。",
    ),
    "train.epochs": (
        "Epochs must be at least 1 (continued epochs at least 0).",
        "エポック数は 1 以上にしてください（継続学習のエポック数は 0 以上）。",
    ),
    "train.batch": (
        "Batch {batch} must be at least 1 image: use e.g. 8.",
        "バッチ {batch} は 1 画像以上にしてください（例: 8）。",
    ),
    "train.copy_paste_mode": (
        "Copy-paste mode '{mode}' is not flip or mixup.",
        "コピーペーストのモード '{mode}' は flip でも mixup でもありません。",
    ),
    "train.base_config": (
        "Base model '{name}' is not a segmentation model configuration ultralytics knows: give "
        "e.g. yolov8n-seg.yaml, or a -seg .pt file to fine-tune.",
        "ベースモデル '{name}' は ultralytics の知っているセグメンテーションモデルの構成ではありま"
        "せん。yolov8n-seg.yaml などか、ファインチューニングする -seg の .pt ファイルを指定してくだ"
        "さい。",
    ),
    "train.base_missing": (
        "Base model '{name}' does not exist: give a .pt file, or a model .yaml such as "
        "yolov8n-seg.yaml to start from scratch.",
        "ベースモデル '{name}' が存在しません。.pt ファイルか、一から学習するなら yolov8n-seg.yaml "
        "のようなモデルの .yaml を指定してください。",
    ),
    "train.batch_gpus": (
        "Batch {batch} cannot be split evenly over {gpus} GPUs ('{device}'): multi-GPU training "
        "gives each GPU batch / {gpus} images, so give a multiple of {gpus}, e.g. --batch "
        "{suggestion}.",
        "バッチ {batch} は {gpus} 台の GPU（'{device}'）に均等に分けられません。マルチ GPU 学習では"
        "各 GPU にバッチ / {gpus} 枚の画像を割り当てるので、{gpus} の倍数（例: --batch "
        "{suggestion}）を指定してください。",
    ),
    "train.base_reordered": (
        "Base model '{name}' lists the dataset's classes in another order: its classification "
        "head was reordered to match them by name.",
        "ベースモデル '{name}' はデータセットのクラスを別の順序で持っています。分類ヘッドをクラス名"
        "に合わせて並べ替えました。",
    ),
    "train.base_new_head": (
        "Base model '{name}' has {base_count} classes ({base_classes}); the dataset has {count} "
        "({classes}). Its classification head learns the dataset's classes anew; the backbone "
        "and neck keep their training.",
        "ベースモデル '{name}' のクラスは {base_count} 個（{base_classes}）、データセットのクラス"
        "は {count} 個（{classes}）です。分類ヘッドはデータセットのクラスを新たに学習し、バックボー"
        "ンとネックは学習済みの重みを引き継ぎます。",
    ),
    "train.base_new_head_look_alike": (
        "Base model '{name}' has {base_count} classes ({base_classes}); the dataset has {count} "
        "({classes}). Its classification head learns the dataset's classes anew; the backbone "
        "and neck keep their training. If they are its classes spelled another way, train with "
        "{hint}.",
        "ベースモデル '{name}' のクラスは {base_count} 個（{base_classes}）、データセットのクラス"
        "は {count} 個（{classes}）です。分類ヘッドはデータセットのクラスを新たに学習し、バックボー"
        "ンとネックは学習済みの重みを引き継ぎます。同じクラスの別の綴りであれば、{hint} を付けて学"
        "習してください。",
    ),
    "train.class_map_unknown": (
        "--class-map renames {unknown}, which the dataset does not have (its classes: "
        "{classes}): name the dataset's classes on the left of each '='.",
        "--class-map が名前を変える {unknown} はデータセットにありません（データセットのクラス: "
        "{classes}）。各 '=' の左にはデータセットのクラス名を書いてください。",
    ),
    "train.class_map_duplicate": (
        "The dataset's classes would be {classes}, two of them of one name: give each class its "
        "own name in --class-map.",
        "データセットのクラスが {classes} となり、2 つが同じ名前になります。--class-map で各クラ"
        "スに別々の名前を付けてください。",
    ),
    "record.no_folder": (
        "Run folder '{folder}' does not exist: give the folder landseg train wrote (its "
        "-o/--output).",
        "実行フォルダ '{folder}' が存在しません。landseg train が書き出したフォルダ（その "
        "-o/--output）を指定してください。",
    ),
    "record.no_record": (
        "'{folder}' holds no training run (record.json is missing): give the folder landseg "
        "train wrote, which contains record.json, epochs.csv and best.pt.",
        "'{folder}' には学習の実行結果がありません（record.json がありません）。landseg train が"
        "書き出した、record.json、epochs.csv、best.pt のあるフォルダを指定してください。",
    ),
    "record.bad_json": (
        "'{path}' is not valid JSON ({error}): the file is damaged; restore it or re-run the "
        "training.",
        "'{path}' は正しい JSON ではありません（{error}）。ファイルが壊れています。復元するか、"
        "学習をやり直してください。",
    ),
    "record.not_record": (
        "'{path}' is not a LandSeg run record (no 'epochs' list): give the record.json that "
        "landseg train wrote.",
        "'{path}' は LandSeg の実行記録ではありません（'epochs' の一覧がありません）。landseg "
        "train が書き出した record.json を指定してください。",
    ),
    # -- pretrained base models (training/pretrained.py) ---------------------------------------
    "weights.download": (
        "Downloading base model {name} (once) from {url} to {path}",
        "ベースモデル {name} をダウンロード中（初回のみ）: {url} → {path}",
    ),
    "weights.offline": (
        "Base model '{name}' could not be downloaded ({cause}): on a machine with internet, "
        "fetch {url} and put it at {path}, then run again.",
        "ベースモデル '{name}' をダウンロードできませんでした（{cause}）。インターネットに"
        "つながるマシンで {url} を取得して {path} に置き、もう一度実行してください。",
    ),
    "weights.short": (
        "received {received} of {expected} bytes",
        "{expected} バイトのうち {received} バイトしか受信できませんでした",
    ),
    "weights.changed": (
        "The cached base model '{path}' is not the file first recorded in '{record}' (its size "
        "or SHA-256 changed): delete both files to download it again.",
        "キャッシュのベースモデル '{path}' は '{record}' に最初に記録したファイルと違います"
        "（サイズか SHA-256 が変わりました）。両方のファイルを削除すると、もう一度"
        "ダウンロードします。",
    ),
    "pretrained.not_checkpoint": (
        "The cached base model '{path}' is not a PyTorch checkpoint ({size} bytes): delete it "
        "and run again to download it, or put the file from {url} there.",
        "キャッシュにある基本モデル '{path}' は PyTorch のチェックポイントではありません"
        "（{size} バイト）。削除してからもう一度実行してダウンロードするか、{url} のファイルを"
        "そこに置いてください。",
    ),
    # -- report, analyze, compare (reporting/*) ------------------------------------------------
    "report.analysis": ("feature-map and gradient analysis", "特徴マップと勾配の分析"),
    "report.tables": ("tables and plots", "表とグラフ"),
    "report.writing": ("writing", "書き込み中"),
    "report.written": ("report written to {name}", "レポートを {name} に書き出しました"),
    "report.html": (
        "The report is HTML: give an output ending in .html, not '{name}' (print it to PDF from "
        "a browser; --markdown also writes Markdown).",
        "レポートは HTML です。'{name}' ではなく .html で終わる出力を指定してください（PDF には"
        "ブラウザから印刷できます。--markdown を付けると Markdown も書き出します）。",
    ),
    "report.markdown": (
        "--markdown writes Markdown: give a path ending in .md, not '{name}'.",
        "--markdown は Markdown を書き出します。'{name}' ではなく .md で終わるパスを指定して"
        "ください。",
    ),
    "report.font": (
        "No font able to draw Japanese is installed, so the report's plots would show empty "
        "boxes: install one (Debian/Ubuntu: sudo apt install fonts-noto-cjk), or build the report "
        "in English only (--lang en).",
        "日本語を描画できるフォントがインストールされていないため、レポートのグラフが空の四角に"
        "なります。フォントをインストールするか（Debian/Ubuntu: sudo apt install "
        "fonts-noto-cjk）、英語だけでレポートを作成してください（--lang en）。",
    ),
    "report.languages": (
        "Unknown report language(s) {languages}: the supported languages are {supported}; give "
        "one or more, e.g. en,ja.",
        "不明なレポートの言語 {languages} です。対応している言語は {supported} です。en,ja の"
        "ように 1 つ以上指定してください。",
    ),
    "report.no_language": (
        "No language: the supported languages are {supported}; give one or more, e.g. en,ja.",
        "言語が指定されていません。対応している言語は {supported} です。en,ja のように 1 つ以上"
        "指定してください。",
    ),
    "report.metric": (
        "Unknown metric '{name}': use one of {known} (map50 and map50-95 mean the mask ones).",
        "不明な指標 '{name}' です。{known} のいずれかを使ってください（map50 と map50-95 はマスクの"
        "指標です）。",
    ),
    "report.milestone": (
        "Milestone '{item}' is not understood: write METRIC=VALUE, e.g. map50=0.8 or map50-95=80%.",
        "目標 '{item}' を解釈できません。map50=0.8 や map50-95=80% のように 指標=値 の形で書いて"
        "ください。",
    ),
    "report.milestone_number": (
        "Milestone value '{value}' in '{item}' is not a number: use e.g. 0.8 or 80%.",
        "'{item}' の目標値 '{value}' が数値ではありません。0.8 や 80% のように指定してください。",
    ),
    "report.milestone_range": (
        "Milestone value '{value}' must lie between 0 and 100%.",
        "目標値 '{value}' は 0 ～ 100% の範囲にしてください。",
    ),
    "report.thresholds": (
        "Unknown report threshold(s) {unknown}: use {known}.",
        "不明なレポートのしきい値 {unknown} です。{known} を使ってください。",
    ),
    "analyze.counts": (
        "max_images ({images}) and batch_size ({batch}) must be at least 1.",
        "max_images（{images}）と batch_size（{batch}）は 1 以上にしてください。",
    ),
    "analyze.onnx": (
        "'{path}' is an ONNX export, which has no gradients or hookable layers: give the .pt "
        "model it was exported from.",
        "'{path}' は ONNX エクスポートで、勾配やフックできる層がありません。エクスポート元の .pt "
        "モデルを指定してください。",
    ),
    "compare.format": (
        "Unknown output format '{name}': use markdown or html.",
        "不明な出力形式 '{name}' です。markdown か html を使ってください。",
    ),
    "compare.unfinished": (
        "Run '{folder}' has no final evaluation (its training did not finish): finish it with "
        "landseg train --resume {folder}, then compare again.",
        "実行 '{folder}' には最終評価がありません（学習が完了していません）。landseg train "
        "--resume {folder} で完了させてから、もう一度比較してください。",
    ),
    # -- the command line (cli/*) ----------------------------------------------------------------
    "cli.synth_dataset": (
        "Wrote {train} train and {val} validation tiles to {path}: {shares}.",
        "学習タイル {train} 枚と検証タイル {val} 枚を {path} に書き出しました: {shares}。",
    ),
    "cli.share": ("{name} {count} (weight {weight})", "{name} {count}（重み {weight}）"),
    "cli.trained": ("Trained model: {path}", "学習済みモデル: {path}"),
    "cli.wrote": ("Wrote {path}", "{path} を書き出しました"),
    "doctor.trial": (
        "Test segmentation: {polygons} polygons from a {size}² px synthetic scene in {seconds} s "
        "with the shipped model.",
        "試しの分割: 同梱のモデルで {size}² px の合成シーンから {seconds} 秒で {polygons} 個の"
        "ポリゴン。",
    ),
    "cli.synth": (
        "Wrote {raster} and {labels} ({counts}).",
        "{raster} と {labels} を書き出しました（{counts}）。",
    ),
    "cli.deprecated_warning": (
        "{command} {old} is deprecated, use {new} (it will be removed in 0.3).",
        "{command} {old} は廃止予定です。{new} を使ってください（0.3 で削除されます）。",
    ),
    "cli.stopping": (
        "stopping... (Ctrl-C again to stop at once)",
        "停止しています…（もう一度 Ctrl-C で直ちに停止）",
    ),
    "cli.evaluate_both": (
        "give either --model/--data or --predictions/--labels, not both",
        "--model/--data か --predictions/--labels のどちらか一方だけを指定してください",
    ),
    "cli.evaluate_maps": (
        "map-level evaluation needs both --predictions and --labels",
        "地図単位の評価には --predictions と --labels の両方が必要です",
    ),
    "cli.evaluate_none": (
        "give --data (with --model) or --predictions and --labels",
        "--data（と --model）、または --predictions と --labels を指定してください",
    ),
    "cli.train_inputs": (
        "give --data and -o/--output (or --resume RUN_DIR)",
        "--data と -o/--output を指定してください（または --resume RUN_DIR）",
    ),
    "cli.deprecated": (
        "give {new} only ({old} is its deprecated name)",
        "{new} だけを指定してください（{old} は非推奨の旧名です）",
    ),
    "relative": (
        "'{path}' is a relative path, and this worker does not know "
        "your working folder: give an absolute path",
        "'{path}' は相対パスで、ワーカーには作業フォルダが分かりません。絶対パスを指定してください",
    ),
    "cli.bands": (
        "'{value}' is not a list of band numbers such as 1,2,3",
        "'{value}' は 1,2,3 のようなバンド番号の一覧ではありません",
    ),
    "cli.bbox": (
        "'{value}' is not a bounding box min_x,min_y,max_x,max_y",
        "'{value}' は min_x,min_y,max_x,max_y の範囲ではありません",
    ),
    "cli.counts": (
        "'{value}' is not a list of counts such as roof=12,farm=3",
        "'{value}' は roof=12,farm=3 のようなポリゴン数の一覧ではありません",
    ),
    "cli.mapping": (
        "'{value}' is not a mapping such as building=roof,field=farm",
        "'{value}' は building=roof,field=farm のような対応付けではありません",
    ),
    "cli.folder_no_raster": (
        "folder '{folder}' holds no raster (.tif, .vrt, ...)",
        "フォルダ '{folder}' にラスタ（.tif、.vrt など）がありません",
    ),
    "cli.no_match": (
        "no raster matches '{pattern}'",
        "'{pattern}' に一致するラスタがありません",
    ),
    "cancelled": ("cancelled", "キャンセルしました"),
    # -- layers as messages name them (io/vectors.py read_vector) -------------------------------
    "layer.file": ("{role} file '{path}'", "{role}ファイル '{path}'"),
    "layer.frame": ("{role} GeoDataFrame", "{role}の GeoDataFrame"),
    "layer.series": ("{role} GeoSeries", "{role}の GeoSeries"),
    "layer.aoi_geometry": ("Area of interest geometry", "対象範囲のジオメトリ"),
    # the model whose classes are checked (inference/runtimes/loading.py check_model_classes)
    "model.named": ("Model '{name}'", "モデル '{name}'"),
    "model.the": ("The model", "モデル"),
    "serve.not_object": (
        'A request must be one JSON object a line, with "id" and "argv", or "cancel".',
        '要求は 1 行に 1 つの JSON オブジェクト（"id" と "argv"、または "cancel"）にしてください。',
    ),
    "serve.cancel": (
        '"cancel" must be the id (a string) of a job.',
        '"cancel" にはジョブの id（文字列）を指定してください。',
    ),
    "serve.id": (
        'A job needs an "id": a string no earlier job had.',
        'ジョブには "id"（それまでのジョブにない文字列）が必要です。',
    ),
    "serve.argv": (
        'Job {id}: "argv" must be a list of strings, e.g. ["--version"].',
        'ジョブ {id}: "argv" は文字列のリストにしてください（例: ["--version"]）。',
    ),
    "serve.cwd": (
        'Job {id}: "cwd" must be an absolute folder path.',
        'ジョブ {id}: "cwd" はフォルダの絶対パスにしてください。',
    ),
    "serve.no_cwd": (
        "Job {id}: the folder {path} (cwd) does not exist.",
        "ジョブ {id}: フォルダ {path}（cwd）が存在しません。",
    ),
    "serve.id_reused": (
        "Job id {id} was used already: give each job its own id.",
        "ジョブ id {id} は既に使われています。ジョブごとに別の id を付けてください。",
    ),
    # -- click's own usage errors, as LandSeg's commands meet them ---------------------------
    # click's own messages: the English is click's gettext id (cli/click_texts.py answers it)
    "click.extra_argument": (
        "Got unexpected extra argument ({args})",
        "余分な引数があります（{args}）",
    ),
    "click.extra_arguments": (
        "Got unexpected extra arguments ({args})",
        "余分な引数があります（{args}）",
    ),
    "click.no_option": ("No such option {name!r}.", "オプション {name!r} はありません。"),
    "click.no_command": ("No such command {name!r}.", "コマンド {name!r} はありません。"),
    "click.did_you_mean": ("Did you mean {possibility}?", "{possibility} のことですか？"),
    "click.did_you_mean_one_of": (
        "(Did you mean one of: {possibilities}?)",
        "（{possibilities} のどれかのことですか？）",
    ),
    "click.needs_value": (
        "Option {name!r} requires an argument.",
        "オプション {name!r} には値が必要です。",
    ),
    "click.needs_values": (
        "Option {name!r} requires {nargs} arguments.",
        "オプション {name!r} には値が {nargs} 個必要です。",
    ),
    "click.not_number": (
        "{value!r} is not a valid {number_type}.",
        "{value!r} は有効な数値（{number_type}）ではありません。",
    ),
    "click.choice": (
        "{value!r} is not one of {choices}.",
        "{value!r} は {choices} のいずれでもありません。",
    ),
    "click.choice_one": ("{value!r} is not {choice}.", "{value!r} は {choice} ではありません。"),
    "click.invalid_value": (
        "Invalid value for {param_hint}: {message}",
        "{param_hint} の値が不正です: {message}",
    ),
    "click.missing_command": ("Missing command.", "コマンドがありません。"),
    "click.usage": ("Usage:", "使い方:"),
    "click.options": ("Options", "オプション"),
    "click.commands": ("Commands", "コマンド"),
    "click.default": ("default: {default}", "既定値: {default}"),
    "click.required": ("required", "必須"),
    "click.help_option": ("Show this message and exit.", "このヘルプを表示して終了します。"),
    "click.version_option": ("Show the version and exit.", "バージョンを表示して終了します。"),
    # click's missing parameters, said from the error's parameter (cli/click_texts.py)
    "cli.missing_argument": ("Missing argument {name}.", "引数 {name} がありません。"),
    "cli.missing_option": ("Missing option {name}.", "オプション {name} がありません。"),
}

# Values that are words, by the name of the placeholder that holds them: English -> Japanese.
# A value listing several words (", " or "; ") is said word by word when every word is known.
# Unknown values stay as they are; a value made of words and values is a Message itself.
_ROLES = {
    "Labels": "ラベル",
    "Predictions": "予測",
    "Label layer": "ラベルレイヤ",
    "Area of interest": "対象範囲",
    "Reviewed layer": "レビュー済みレイヤ",
}
_NONE = {"none": "なし"}
VALUES: dict[str, dict[str, str]] = {
    # settings checked by check_fraction / check_positive (flags such as --val-fraction stay)
    "setting": {
        "Confidence": "信頼度",
        "Confidence threshold": "信頼度のしきい値",
        "Minimum p_correct": "p_correct の最小値",
        "IoU": "IoU",
        "Minimum area (m²)": "最小面積（m²）",
        "Simplification tolerance (m)": "単純化の許容距離（m）",
        "Learning rate": "学習率",
        "Continued learning rate": "継続学習の学習率",
        "Final learning rate fraction": "最終学習率の比率",
        "Copy-paste probability": "コピーペーストの確率",
        "Augmentation strength": "データ拡張の強さ",
        "Continued augmentation share": "継続学習でのデータ拡張の割合",
        "Patience": "早期終了までのエポック数（patience）",
        "Loader workers": "データローダのワーカー数",
    },
    # vector layers as messages name them (io/vectors.py read_vector)
    "role": _ROLES,
    "fields": _NONE,
    "layers": _NONE,
    "types": {
        "Point": "ポイント",
        "MultiPoint": "マルチポイント",
        "LineString": "ライン",
        "MultiLineString": "マルチライン",
        "LinearRing": "リング",
        "empty geometries": "空のジオメトリ",
    },
    "model_file": {"shipped default": "同梱の既定モデル"},
    # what a folder is for (io/folders.py)
    "folder_kind": {
        "dataset": "データセット",
        "run": "学習結果",
        "geoparquet": "GeoParquet ",
        "report figures": "レポートの図の",
    },
    # what differs in a run asked to resume another (io/work_file.py)
    "differs": {
        "its checkpoint cannot be read": "チェックポイントを読めません",
        "content of the raster, area of interest or model file": (
            "ラスタ、対象範囲またはモデルのファイルの内容"
        ),
        "version of LandSeg": "LandSeg のバージョン",
    },
    # what sheets of a mosaic differ in, and what georeferencing a raster lacks (io/rasters.py)
    "property": {
        "CRS": " CRS ",
        "band count": "バンド数",
        "data type": "データ型",
    },  # "図葉の{property}が"
    "absent": {"geotransform": "座標変換", "CRS and geotransform": "CRS と座標変換"},
    # where tiles could not be read (inference/pipeline.py)
    # the cause inside another error (OS and download errors LandSeg words itself)
    "cause": {
        "corrupt file": "ファイルが壊れています",
        "read failed": "読み込みに失敗しました",
    },
    # training phases and the class shares of an exported dataset
    "phase": {"main": "本学習", "continued": "継続学習"},
}
# -- the commands' --help in Japanese (cli/help_texts.py applies them) ---------------------------
# "command" for a command's own help, "command.parameter" for one of its options, "*.parameter"
# for an option that reads the same in every command. Options declared in landseg.schema carry
# their own Japanese.
HELP: dict[str, str] = {
    "cli": (
        "LandSeg: インスタンスセグメンテーションで航空写真のラスタから土地被覆ポリゴンを作ります。"
    ),
    "analyze": ("データセットの画像で MODEL（.pt）の特徴マップの統計と勾配の流れを調べます。"),
    "analyze.data": "画像を解析する YOLO-seg データセットのフォルダ（またはその data.yaml）。",
    "analyze.split": "読み込むデータセットの分割。",
    "analyze.max_images": "使う画像の数。",
    "analyze.batch_size": "1 回の処理の画像数。",
    "analyze.language": "en または ja。",
    "calibrate": (
        "各ポリゴンがそのクラスのラベルと一致する確率 p_correct を、ラベル付きタイルまたはラベル"
        "付きの地図で当てはめ、それを持つモデルを書き出します。"
    ),
    "calibrate.model": "モデルファイル（.pt または .onnx）。既定: 同梱のモデル。",
    "calibrate.data": (
        "モデルが学習に使っていないラベル付きタイル: データセットのフォルダまたはその data.yaml。"
    ),
    "calibrate.split": "較正に使うデータセットの分割。",
    "calibrate.predictions": (
        "--data の代わりに: ラベル付きの地図の 'landseg segment --review' の出力。"
    ),
    "calibrate.labels": "--predictions とともに: その地図のラベルポリゴン（'class' フィールド）。",
    "calibrate.output": "較正を加えて書き出すモデルファイル（元のモデルは読むだけです）。",
    "compare": (
        "クラスごとの差（B − A）: 2 つの学習の最終指標の差（ファインチューニングは効いたか）、"
        "または --reviewed とともに、レビュー済みの範囲での 2 つの結果の地図指標の差。"
    ),
    "compare.languages": "表示順の言語: en、ja または en,ja。",
    "compare.reviewed": (
        "2 つの結果レイヤ（RUN_A、RUN_B: landseg segment の GeoPackage）を、このレビュー済み"
        "レイヤの範囲で、そのレビュー済みラベルと比べます。"
    ),
    "compare.output": (
        "表示する代わりにファイルに書き出します: .html なら HTML、それ以外の名前なら Markdown。"
    ),
    "doctor": (
        "このインストールで何が動くか: バージョン、ランタイム、GPU（使われない理由も）、フォル"
        "ダ、同梱モデルのチェックサム。問題の報告に貼り付けてください。"
    ),
    "doctor.as_json": "報告を JSON で出力します。",
    "doctor.try_segment": (
        "同梱のモデルで小さな合成シーンも分割します（専用のフォルダで行い、後で削除します。"
        "プラグインのインストーラが最後に実行します）。"
    ),
    "evaluate": (
        "クラスごとの指標: データセットでのモデルの指標、またはラベルに対する予測ポリゴンの指標。"
    ),
    "evaluate.model": "--data で検証するモデル。",
    "evaluate.data": "YOLO-seg データセットのフォルダ（データセット単位）。",
    "evaluate.split": "検証に使うデータセットの分割。",
    "evaluate.predictions": "予測ポリゴン（landseg segment の出力など、地図単位）。",
    "evaluate.labels": "ラベルポリゴン（地図単位）。",
    "evaluate.class_field": "クラスを持つラベルの属性（地図単位）。",
    "evaluate.aoi": "評価する範囲を限るポリゴン（地図単位）。",
    "evaluate.conf": "適合率、再現率、F1 のスコアのしきい値（地図単位）。",
    "export-dataset": "RASTERS とラベルポリゴンから YOLO-seg データセットを書き出します。",
    "export-dataset.labels": "クラスを持つポリゴンレイヤ（GeoPackage、Shapefile、GeoJSON）。",
    "export-dataset.reviewed": (
        "--labels の代わりに、LandSeg の QGIS レビューパネルでレビューしたレイヤ: 承認・修正した"
        "ポリゴンがラベルになり、タイルにはレビュー済みの範囲だけが写ります。"
    ),
    "export-dataset.output": "作成するデータセットのフォルダ。",
    "export-dataset.class_field": "クラスを持つラベルの属性。",
    "export-dataset.class_names": "モデルのクラスを順に: roof,farm,rice-fields,Baren-Land など。",
    "export-dataset.aoi": "タイルを切り出す範囲を限るポリゴン。",
    "export-dataset.min_fragment": (
        "タイルの端で切られたポリゴンの断片のうち、元のポリゴンに対するこの割合より小さいものを"
        "除きます。"
    ),
    "export-dataset.empty_ratio": "ラベルのないタイルを残す数（ラベルのあるタイルに対する割合）。",
    "export-dataset.val_fraction": "検証に使う空間ブロックの割合。",
    "export-dataset.pixel_size_m": (
        "タイルを切り出す地上ピクセルサイズ（m）。ラスタはリサンプリングされます。"
        "既定: 各ラスタのもの。"
    ),
    "export-dataset.auto_scale": (
        "ラベルの物体の多くがタイルに丸ごと写るピクセルサイズとタイルサイズを選びます"
        "（--pixel-size、--tile-size、--overlap の代わりに）。"
    ),
    "export-dataset.block_size_px": "分割ブロックの一辺（ピクセル）。既定: タイルの歩幅の 4 倍。",
    "object-sizes": (
        "これらのオプションで export-dataset が切り出すタイルにラベルの物体がどう収まるかと、"
        "その提案を、何も書き出さずに JSON で表示します（ファインチューニングのダイアログの"
        "プレビュー）。"
    ),
    "object-sizes.labels": "クラスを持つポリゴンレイヤ（GeoPackage、Shapefile、GeoJSON）。",
    "object-sizes.class_field": "クラスを持つラベルの属性。",
    "object-sizes.classes": "モデルのクラスを順に。ほかのクラスのラベルは数えません。",
    "object-sizes.pixel_size_m": (
        "タイルを切り出す地上ピクセルサイズ（m）。既定: 各ラスタのもの。"
    ),
    "object-sizes.auto_scale": (
        "export-dataset --auto-scale が選ぶピクセルサイズとタイルサイズで測ります。"
    ),
    "export-model": "MODEL（.pt）を ONNX に書き出します。CPU で約 2 倍速く動きます。",
    "export-model.output": "書き出す ONNX ファイル。",
    "inspect-dataset": (
        "DATA の画像とインスタンスを分割・クラスごとに数え、学習を誤らせるもの（画像のないラベル"
        "ファイル、2 つの分割にある同じ画像）を見つけます。"
    ),
    "inspect-dataset.regroup": (
        "元画像ごとにすべての版を 1 つの分割にまとめた DATA の写しをこのフォルダに書き出します。"
    ),
    "model-info": "MODEL（既定: 同梱のモデル）のメタデータと使うデバイスを JSON で表示します。",
    "report": "RUN_DIR の学習の二か国語（English / 日本語）HTML レポート。",
    "report.output": (
        "書き出す HTML レポート（単体で完結: グラフは埋め込み、ネットワーク上の資源は使いません）。"
    ),
    "report.languages": "表示順のレポートの言語: en、ja または en,ja。",
    "report.markdown_path": "Markdown も書き出します。図は隣の <name>_figures/ に置かれます。",
    "report.milestones": (
        "到達点 METRIC=VALUE[,VALUE...]、例: map50=80,85,90 または map50-95=0.8（繰り返し可。"
        "既定を置き換えます）。"
    ),
    "report.no_analysis": "特徴マップと勾配の解析を省きます。",
    "report.max_images": "特徴マップと勾配の解析に使う検証画像の数。",
    "segment": (
        "RASTERS を土地被覆ポリゴンに分割し、スタイル付きの GeoPackage に書き出します。\n\n"
        "RASTERS は 1 つのラスタ（ファイル、VRT、URL、GDAL WMS/XYZ XML）、または同じ CRS の複数"
        "のオルソ画像の図葉（ファイル、フォルダ、glob パターン）で、1 つのモザイクとして処理し"
        "ます。"
    ),
    "synth": (
        "合成の航空写真シーン（scene.tif）とそのラベル（labels.gpkg）を OUT_DIR に書き出します。"
    ),
    "synth.size_px": "シーンの幅と高さ（ピクセル）。",
    "synth.seed": "配置とテクスチャのシード。",
    "synth.crs": "シーンの CRS。",
    "synth.pixel_size_m": "1 ピクセルの地上の大きさ（メートル）。",
    "synth.bits": "ラスタのビット深度。",
    "synth.nodata_border_px": "シーンを囲む nodata の枠の幅（ピクセル）。",
    "train": "データセットで YOLO-seg モデルをファインチューニングします（継続学習も可）。",
    "train.data": "export-dataset で作ったデータセットのフォルダ（またはその data.yaml）。",
    "train.run_dir": "作成する学習フォルダ。",
    "train.resume_dir": "このフォルダの中断した学習を再開します。",
    "segment.output": (
        "書き出す出力: .gpkg（スタイル付き GeoPackage）、.parquet（GeoParquet）、.fgb"
        "（FlatGeobuf）、またはフォルダ（分割された GeoParquet）。"
    ),
    "*.device": "auto（CUDA があれば CUDA）、cpu、cuda または cuda:N。",
    "*.overwrite": "既にある出力を置き換えます。",
    "*.json_path": "数値を JSON にも書き出します。",
    "*.progress_mode": "進み具合の報告のしかた。",
    "*.labels_layer": (
        "複数のレイヤを持つラベルファイルで読むレイヤ（または FILE|layername=NAME）。"
    ),
    "*.class_value": "すべての地物に共通の 1 つのクラス（クラスのフィールドがないレイヤ用）。",
    "*.class_map": "ラベルの値の名前を変えます。例: building=roof。",
    "*.crs": "CRS のないラスタの CRS（例: EPSG:32654）: 割り当てるだけで、再投影はしません。",
    "*.bands": "モデルに渡すラスタのバンド。例: 1,2,3 または 1。",
    "class-weights": (
        "これらのポリゴン数のクラスに export-dataset が与えるバランス済みのクラスの重みを JSON "
        "で表示します（ファインチューニングのダイアログのプレビュー）。"
    ),
    "class-weights.counts": "クラスごとのポリゴン数。例: roof=12,farm=3。",
}
