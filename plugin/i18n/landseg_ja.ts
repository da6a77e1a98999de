<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP" sourcelanguage="en">
    <context>
        <name>LandSeg</name>
        <message>
            <location filename="../backend.py" />
            <source>The tile size ({tile} px) must be a multiple of 32.</source>
            <translation>タイルサイズ（{tile} px）は 32 の倍数にしてください。</translation>
        </message>
        <message>
            <location filename="../backend.py" />
            <source>The overlap ({overlap} px) must be less than half the tile size.</source>
            <translation>オーバーラップ（{overlap} px）はタイルサイズの半分未満にしてください。</translation>
        </message>
        <message>
            <location filename="../class_weights.py" />
            <source>LandSeg: class weights</source>
            <translation>LandSeg: クラスの重み</translation>
        </message>
        <message>
            <location filename="../environment.py" />
            <source>LandSeg's Python environment (with PyTorch and ultralytics) was not found{problem}. Click 'Install…' in the LandSeg settings (or run: {command}), or set the Python of an existing environment there or in the LANDSEG_PYTHON environment variable.</source>
            <translation>LandSeg の Python 環境（PyTorch と ultralytics を含む）が見つかりません{problem}。LandSeg の設定で「インストール…」をクリックする（または次を実行: {command}）か、既存の環境の Python を設定または環境変数 LANDSEG_PYTHON で指定してください。</translation>
        </message>
        <message>
            <location filename="../environment.py" />
            <source>The LandSeg environment has landseg {found}, the plugin is {wanted}: click 'Install…' in the LandSeg settings to upgrade it.</source>
            <translation>LandSeg 環境の landseg は {found}、プラグインは {wanted} です。LandSeg の設定で「インストール…」をクリックして更新してください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>LandSeg — Fine-tune on local labels</source>
            <translation>LandSeg — 手元のラベルでファインチューニング</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Training support missing</source>
            <translation>学習機能がありません</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../review_panel.py" />
            <source>Training data</source>
            <translation>学習データ</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../export_dataset.py" />
            <source>Raster layers</source>
            <translation>ラスタレイヤ</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Label layer</source>
            <translation>ラベルレイヤ</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../export_dataset.py" />
            <source>Class field</source>
            <translation>クラスフィールド</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../export_dataset.py" />
            <source>Label value</source>
            <translation>ラベルの値</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Instances</source>
            <translation>インスタンス数</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../export_dataset.py" />
            <source>Model class</source>
            <translation>モデルのクラス</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Objects in the tiles</source>
            <translation>タイルに写る物体</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>A dataset folder you already have (Roboflow, YOLO or COCO export): trained on as it is, instead of the layers above. The folder is only read.</source>
            <translation>お手持ちのデータセットのフォルダ（Roboflow、YOLO、COCO のエクスポート）。上のレイヤの代わりに、そのまま学習に使います。フォルダは読むだけです。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Or a dataset folder</source>
            <translation>またはデータセットのフォルダ</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Model and training</source>
            <translation>モデルと学習</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Base model</source>
            <translation>ベースモデル</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Model file</source>
            <translation>モデルファイル</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../train.py" />
            <source>Epochs</source>
            <translation>エポック数</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>tile size</source>
            <translation>タイルサイズ</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Image size</source>
            <translation>画像サイズ</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Fit the pixel and tile size to my objects</source>
            <translation>ピクセルサイズとタイルサイズを物体の大きさに合わせる</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Cut the training tiles at the pixel and tile size at which most labelled objects are seen whole (export-dataset --auto-scale); the model remembers them.</source>
            <translation>ラベルの物体の多くが丸ごと写るピクセルサイズとタイルサイズで学習タイルを切り出します（export-dataset --auto-scale）。モデルはその大きさを覚えます。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Balance classes</source>
            <translation>クラスバランスを調整</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Class weights</source>
            <translation>クラスの重み</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Copy-paste augmentation</source>
            <translation>コピーペースト拡張</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Continued phase (lower learning rate)</source>
            <translation>継続フェーズ（低い学習率）</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../train.py" />
            <source>Learning rate</source>
            <translation>学習率</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../review_panel.py" />
            <source>Output folder</source>
            <translation>出力フォルダ</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../settings_dialog.py" />
            <source>Install training support…</source>
            <translation>学習機能をインストール…</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../settings_dialog.py" />
            <source>Adds PyTorch and ultralytics (about {size} GB) to LandSeg's environment: segmenting needs neither, fine-tuning needs both.</source>
            <translation>LandSeg の環境に PyTorch と ultralytics（約 {size} GB）を追加します。セグメンテーションには不要で、追加学習には両方が必要です。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Fine-tune</source>
            <translation>ファインチューニング</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>(not used)</source>
            <translation>（使わない）</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>none (every class counts the same)</source>
            <translation>なし（全クラス同じ重み）</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>shown once the model's classes are known</source>
            <translation>モデルのクラスが分かると表示されます</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../object_sizes.py" />
            <source>shown once the LandSeg environment is installed</source>
            <translation>LandSeg の環境をインストールすると表示されます</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../object_sizes.py" />
            <source>computing…</source>
            <translation>計算中…</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <location filename="../object_sizes.py" />
            <source>could not be computed: {message}</source>
            <translation>計算できませんでした: {message}</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Downloaded once into LandSeg's cache when fine-tuning starts. Its classes are learnt anew from your label values.</source>
            <translation>ファインチューニングの開始時に一度だけ LandSeg のキャッシュへダウンロードします。クラスはラベルの値から新たに学習します。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Choose an output folder.</source>
            <translation>出力フォルダを選んでください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>The output folder '{folder}' is not empty: choose a new or empty folder.</source>
            <translation>出力フォルダ '{folder}' は空ではありません。新しいフォルダか空のフォルダを選んでください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Fine-tuning needs LandSeg's training support (PyTorch and ultralytics, about {size} GB), which this environment does not have: click Install training support…</source>
            <translation>追加学習には LandSeg の学習機能（PyTorch と ultralytics、約 {size} GB）が必要ですが、この環境にはありません。「学習機能をインストール…」をクリックしてください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Training support</source>
            <translation>学習機能</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Installed: you can fine-tune now.</source>
            <translation>インストールしました。追加学習を実行できます。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>The dataset folder '{folder}' does not exist: choose it again.</source>
            <translation>データセットのフォルダ '{folder}' がありません。選び直してください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Tick at least one raster layer to train on.</source>
            <translation>学習に使うラスタレイヤを 1 つ以上チェックしてください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Choose the polygon layer with your labels.</source>
            <translation>ラベルを含むポリゴンレイヤを選んでください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Choose the field of the label layer that holds the class.</source>
            <translation>ラベルレイヤのうち、クラスを保持するフィールドを選んでください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Map at least one label value to a model class.</source>
            <translation>ラベルの値を 1 つ以上モデルのクラスに対応付けてください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Label values with ',' or '=' cannot be mapped: {values}.</source>
            <translation>',' や '=' を含むラベルの値は対応付けできません: {values}。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Base model '{path}' does not exist: choose a .pt file.</source>
            <translation>ベースモデル '{path}' が存在しません。.pt ファイルを選んでください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>The base model's classes are not known yet: wait a moment.</source>
            <translation>ベースモデルのクラスをまだ読み込み中です。少しお待ちください。</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Fine-tuning</source>
            <translation>ファインチューニング中</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Writing the report</source>
            <translation>レポートを作成中</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Exporting the dataset</source>
            <translation>データセットを書き出し中</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>Cannot fine-tune yet</source>
            <translation>まだファインチューニングできません</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>The shipped model, or the file chosen below</source>
            <translation>同梱のモデル、または下で選んだファイル</translation>
        </message>
        <message>
            <location filename="../finetune_dialog.py" />
            <source>{name}: COCO weights, downloaded once (about {size} MB)</source>
            <translation>{name}: COCO の重み、初回のみダウンロード（約 {size} MB）</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>The environment needs about {size} GB, and {folder} has {free} GB free: free some space there, then install again.</source>
            <translation>環境には約 {size} GB が必要ですが、{folder} の空きは {free} GB です。空きを作ってからもう一度インストールしてください。</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>The installation failed. Check that the wheelhouse folder '{folder}' holds wheels of every dependency for this Python (pip download -d FOLDER landseg.whl on a machine with internet makes one), then try again.</source>
            <translation>インストールに失敗しました。wheelhouse フォルダ '{folder}' にこの Python 用のすべての依存パッケージの wheel があるか確認してから、もう一度試してください（インターネットに接続できるマシンで pip download -d FOLDER landseg.whl を実行すると作成できます）。</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>The installation failed. Check the internet connection (pip downloads the pinned dependencies, about 3 GB) and try again, or install offline from a wheelhouse folder. Nothing was left behind in '{folder}'.</source>
            <translation>インストールに失敗しました。インターネット接続を確認して（pip が固定版の依存パッケージ約 3 GB をダウンロードします）もう一度試すか、wheelhouse フォルダからオフラインでインストールしてください。'{folder}' には何も残していません。</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>Removing the unfinished environment {folder}</source>
            <translation>未完成の環境 {folder} を削除しています</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>Could not start: {program}</source>
            <translation>起動できませんでした: {program}</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>Stopped.</source>
            <translation>中止しました。</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>Exit code {code}.</source>
            <translation>終了コード {code}。</translation>
        </message>
        <message>
            <location filename="../installer.py" />
            <source>(this copy of the plugin carries no LandSeg wheel: install the plugin zip)</source>
            <translation>（このプラグインには LandSeg の wheel が含まれていません。プラグインの zip からインストールしてください）</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Segment land cover…</source>
            <translation>土地被覆のセグメンテーション…</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Fine-tune on local labels…</source>
            <translation>手元のラベルでファインチューニング…</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg settings…</source>
            <translation>LandSeg の設定…</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Review results</source>
            <translation>結果のレビュー</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>The tiles segmented so far are kept: segment to the same output again to resume.</source>
            <translation>ここまでに処理したタイルは保存されています。同じ出力にもう一度セグメンテーションすると再開できます。</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Cancelled.</source>
            <translation>キャンセルしました。</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Cancelled; nothing was written.</source>
            <translation>キャンセルしました。何も書き込まれていません。</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>The task failed.</source>
            <translation>タスクが失敗しました。</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg: segmenting {layer}</source>
            <translation>LandSeg: {layer} をセグメンテーション中</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg segmentation</source>
            <translation>LandSeg セグメンテーション</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>The result '{path}' could not be opened.</source>
            <translation>結果 '{path}' を開けませんでした。</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Warnings: see Details.</source>
            <translation>警告があります。「詳細…」を参照してください。</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg: fine-tuning</source>
            <translation>LandSeg: ファインチューニング中</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg fine-tuning</source>
            <translation>LandSeg ファインチューニング</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>No browser could be started: open the report yourself: {path}</source>
            <translation>ブラウザを起動できませんでした。レポートを直接開いてください: {path}</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Make it the default model</source>
            <translation>既定のモデルにする</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Fine-tuned model: {path}</source>
            <translation>ファインチューニングしたモデル: {path}</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Open report</source>
            <translation>レポートを開く</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>(The report failed: {message})</source>
            <translation>（レポートの作成に失敗しました: {message}）</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg: exporting reviewed training data</source>
            <translation>LandSeg: レビュー済みの学習データを書き出し中</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg review export</source>
            <translation>LandSeg レビューの書き出し</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>Training data from the reviewed polygons: {path}</source>
            <translation>レビュー済みポリゴンからの学習データ: {path}</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>LandSeg</source>
            <translation>LandSeg</translation>
        </message>
        <message>
            <location filename="../landseg_plugin.py" />
            <source>{path} is now the default model.</source>
            <translation>{path} を既定のモデルにしました。</translation>
        </message>
        <message>
            <location filename="../layers.py" />
            <location filename="../sources.py" />
            <source>Choose a raster layer to segment (add one to the project first).</source>
            <translation>セグメンテーションするラスタレイヤを選んでください（先にプロジェクトに追加してください）。</translation>
        </message>
        <message>
            <location filename="../layers.py" />
            <location filename="../sources.py" />
            <source>Raster layer '{name}' is not a file GDAL can read (provider {provider}): save it as a GeoTIFF first (Export ▸ Save As…).</source>
            <translation>ラスタレイヤ '{name}' は GDAL で読めるファイルではありません（プロバイダ {provider}）。先に GeoTIFF として保存してください（エクスポート ▸ 名前を付けて保存…）。</translation>
        </message>
        <message>
            <location filename="../layers.py" />
            <source>Choose a polygon layer with your labels.</source>
            <translation>ラベルを含むポリゴンレイヤを選んでください。</translation>
        </message>
        <message>
            <location filename="../layers.py" />
            <source>Could not write layer '{name}' to '{path}': {error}</source>
            <translation>レイヤ '{name}' を '{path}' に書き込めませんでした: {error}</translation>
        </message>
        <message>
            <location filename="../layers.py" />
            <source>Could not write the area of interest to '{path}': {error}</source>
            <translation>対象範囲を '{path}' に書き込めませんでした: {error}</translation>
        </message>
        <message>
            <location filename="../layers.py" />
            <source>The area of interest has no polygons.</source>
            <translation>対象範囲にポリゴンがありません。</translation>
        </message>
        <message>
            <location filename="../layers.py" />
            <source>Field '{field}' looks like feature ids (a different number on every feature), not classes: choose the field that holds the land-cover class.</source>
            <translation>フィールド '{field}' はクラスではなく地物の ID のようです（地物ごとに異なる番号）。土地被覆のクラスを持つフィールドを選んでください。</translation>
        </message>
        <message>
            <location filename="../messages.py" />
            <source>{count} polygons ({classes}) in {seconds:.1f} s on {device}.</source>
            <translation>{count} 個のポリゴン（{classes}）、{device} で {seconds:.1f} 秒。</translation>
        </message>
        <message>
            <location filename="../messages.py" />
            <source>Details…</source>
            <translation>詳細…</translation>
        </message>
        <message>
            <location filename="../messages.py" />
            <source>Cancel</source>
            <translation>キャンセル</translation>
        </message>
        <message>
            <location filename="../model_info.py" />
            <source>LandSeg: reading model metadata</source>
            <translation>LandSeg: モデルのメタデータを読み込み中</translation>
        </message>
        <message>
            <location filename="../model_info.py" />
            <source>Reading the model was cancelled.</source>
            <translation>モデルの読み込みはキャンセルされました。</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>auto (detected: {device})</source>
            <translation>auto（検出: {device}）</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>auto (detecting…)</source>
            <translation>auto（検出中…）</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>CUDA GPU</source>
            <translation>CUDA GPU</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>Classes: {classes}
Tile {tile} px, overlap {overlap} px</source>
            <translation>クラス: {classes}
タイル {tile} px、オーバーラップ {overlap} px</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>The model could not be read: {message}</source>
            <translation>モデルを読み込めませんでした: {message}</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>[Default model]</source>
            <translation>[既定のモデル]</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>Reading the model…</source>
            <translation>モデルを読み込み中…</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <location filename="../base.py" />
            <source>Device</source>
            <translation>デバイス</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>LandSeg environment missing</source>
            <translation>LandSeg の環境がありません</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>LandSeg environment out of date</source>
            <translation>LandSeg 環境が古くなっています</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>The model's metadata needs the LandSeg environment.</source>
            <translation>モデルのメタデータを読むには LandSeg の環境が必要です。</translation>
        </message>
        <message>
            <location filename="../model_picker.py" />
            <source>This file does not exist.</source>
            <translation>このファイルは存在しません。</translation>
        </message>
        <message>
            <location filename="../object_sizes.py" />
            <source>shown once rasters, a label layer saved in a file and its class field are set</source>
            <translation>ラスタ、ファイルに保存したラベルレイヤとそのクラスのフィールドを選ぶと表示されます</translation>
        </message>
        <message>
            <location filename="../object_sizes.py" />
            <source>LandSeg: object sizes</source>
            <translation>LandSeg: 物体の大きさ</translation>
        </message>
        <message>
            <location filename="../object_sizes.py" />
            <source>No labelled objects lie over the ticked rasters.</source>
            <translation>チェックしたラスタの上にラベルの物体がありません。</translation>
        </message>
        <message>
            <location filename="../object_sizes.py" />
            <source>Ticking 'Fit the pixel and tile size to my objects' would show {share} of them whole ({pixel} m, {tile} px tiles).</source>
            <translation>「ピクセルサイズとタイルサイズを物体の大きさに合わせる」をチェックすると、その {share} が丸ごと写ります（{pixel} m、{tile} px のタイル）。</translation>
        </message>
        <message>
            <location filename="../paths.py" />
            <source>Cannot create the output folder '{folder}': {reason}</source>
            <translation>出力フォルダ '{folder}' を作成できません: {reason}</translation>
        </message>
        <message>
            <location filename="../paths.py" />
            <source>The output folder '{folder}' is not writable: choose another place.</source>
            <translation>出力フォルダ '{folder}' に書き込めません。別の場所を選んでください。</translation>
        </message>
        <message>
            <location filename="../paths.py" />
            <source>Cannot create the output folder under '{path}': it is a file.</source>
            <translation>'{path}' の下に出力フォルダを作成できません。これはファイルです。</translation>
        </message>
        <message>
            <location filename="../base.py" />
            <source>Cancelled: the tiles segmented so far are kept in '{path}'; run again with 'Resume an interrupted run to this output' ticked to continue, or delete that file.</source>
            <translation>キャンセルしました。ここまでに処理したタイルは '{path}' に保存されています。「この出力への中断した処理を再開」にチェックを入れてもう一度実行すると続きから処理します（不要ならこのファイルを削除してください）。</translation>
        </message>
        <message>
            <location filename="../base.py" />
            <source>Cancelled: the LandSeg worker was stopped and wrote no output.</source>
            <translation>キャンセルしました。LandSeg のワーカーを停止し、出力は書き込まれていません。</translation>
        </message>
        <message>
            <location filename="../base.py" />
            <source>LandSeg failed: {message}</source>
            <translation>LandSeg でエラーが発生しました: {message}</translation>
        </message>
        <message>
            <location filename="../base.py" />
            <source>Tick 'Resume an interrupted run to this output' to continue it.</source>
            <translation>「この出力への中断した処理を再開」にチェックを入れると続きから処理します。</translation>
        </message>
        <message>
            <location filename="../base.py" />
            <source>Segmentation</source>
            <translation>セグメンテーション</translation>
        </message>
        <message>
            <location filename="../base.py" />
            <source>Training and evaluation</source>
            <translation>学習と評価</translation>
        </message>
        <message>
            <location filename="../base.py" />
            <source>Model file '{path}' does not exist: choose a .pt or .onnx file.</source>
            <translation>モデルファイル '{path}' が存在しません。.pt または .onnx ファイルを選んでください。</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Evaluate</source>
            <translation>評価</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Per-class accuracy figures, in one of two ways.

Model on a dataset: give a dataset folder (and a model; empty uses the default model) to get box and mask precision, recall, mAP50 and mAP50-95 on its validation split.

Polygons against labels: give predicted polygons (e.g. from 'Segment land cover') and labelled polygons with their class field to get map-level precision, recall, F1 and area figures.

The figures are written as JSON and shown in the log.</source>
            <translation>クラスごとの精度指標を、次の 2 通りのどちらかで求めます。

データセットでのモデル評価: データセットフォルダ（とモデル。空欄の場合は既定のモデル）を指定すると、検証用データでのボックスとマスクの適合率、再現率、mAP50、mAP50-95 を求めます。

ポリゴンとラベルの比較: 予測ポリゴン（「土地被覆のセグメンテーション」の結果など）と、クラスフィールド付きのラベルポリゴンを指定すると、地図上での適合率、再現率、F1、面積の指標を求めます。

指標は JSON に書き出され、ログにも表示されます。</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Model file (dataset level; empty: default model)</source>
            <translation>モデルファイル（データセット評価、空欄: 既定のモデル）</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Dataset folder (dataset level)</source>
            <translation>データセットフォルダ（データセット評価）</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Predicted polygons (map level)</source>
            <translation>予測ポリゴン（地図上の評価）</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Labelled polygons (map level)</source>
            <translation>ラベル付きポリゴン（地図上の評価）</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Class field of the labels (map level)</source>
            <translation>ラベルのクラスフィールド（地図上の評価）</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Minimum confidence (map level)</source>
            <translation>最小信頼度（地図上の評価）</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Figures (JSON)</source>
            <translation>指標 (JSON)</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Figures as a table</source>
            <translation>指標の表</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Give either a dataset folder (model on a dataset) or predicted and labelled polygons (map level), not both.</source>
            <translation>データセットフォルダ（データセットでの評価）か、予測ポリゴンとラベルポリゴン（地図上の評価）のどちらか一方を指定してください。両方は指定できません。</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Map-level evaluation needs both predicted and labelled polygons.</source>
            <translation>地図上の評価には予測ポリゴンとラベルポリゴンの両方が必要です。</translation>
        </message>
        <message>
            <location filename="../evaluate.py" />
            <source>Give a dataset folder (model on a dataset) or predicted and labelled polygons (map level).</source>
            <translation>データセットフォルダ（データセットでの評価）か、予測ポリゴンとラベルポリゴン（地図上の評価）を指定してください。</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Export training dataset</source>
            <translation>学習データセットの書き出し</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Cuts rasters and your labelled polygons into a YOLO-seg training dataset (image tiles, polygon labels, data.yaml and stats.json with instance counts and balanced class weights). The train/validation split is spatially blocked, so no pixel is seen on both sides.

Class field: the label attribute holding the class; or give one class value for every feature. Class mapping renames label values to model classes (e.g. building=roof,field=farm); model classes fixes the class order (e.g. roof,farm,rice-fields,Baren-Land). The output folder must be new or empty.</source>
            <translation>ラスタとラベル付きポリゴンを切り出し、YOLO-seg 形式の学習データセット（画像タイル、ポリゴンラベル、data.yaml、インスタンス数とバランス調整済みクラス重みを記録した stats.json）を作ります。学習用と検証用はブロック単位で空間的に分割するので、同じピクセルが両方に含まれることはありません。

クラスフィールド: クラスを保持するラベルの属性。または、全地物に共通の 1 つのクラス値を指定します。クラスの対応付けはラベルの値をモデルのクラス名に置き換えます（例: building=roof,field=farm）。モデルのクラスはクラスの順序を決めます（例: roof,farm,rice-fields,Baren-Land）。出力フォルダは新規または空である必要があります。</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Labelled polygons</source>
            <translation>ラベル付きポリゴン</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>One class for every feature (instead of a field)</source>
            <translation>全地物に共通のクラス（フィールドの代わり）</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Class mapping: label value → model class (one row per value)</source>
            <translation>クラスの対応付け：ラベルの値 → モデルのクラス（値ごとに1行）</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Class mapping (value=class,...)</source>
            <translation>クラスの対応付け（値=クラス,...）</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Model classes in order (class,class,...)</source>
            <translation>モデルのクラス（順番に: クラス,クラス,...）</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Tile size in pixels</source>
            <translation>タイルサイズ（ピクセル）</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Tile overlap in pixels</source>
            <translation>タイルのオーバーラップ（ピクセル）</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Validation share</source>
            <translation>検証用の割合</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Random seed</source>
            <translation>乱数シード</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <location filename="../train.py" />
            <source>Dataset folder</source>
            <translation>データセットフォルダ</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Dataset statistics (stats.json)</source>
            <translation>データセットの統計 (stats.json)</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Instances per class (JSON)</source>
            <translation>クラスごとのインスタンス数 (JSON)</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Choose the class field of the label layer (or give one class value for every feature).</source>
            <translation>ラベルレイヤのクラスフィールドを選んでください（または全地物に共通のクラス値を指定してください）。</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>The label layer '{layer}' has no field '{field}'.</source>
            <translation>ラベルレイヤ '{layer}' にフィールド '{field}' がありません。</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Class mapping '{text}' is not like building=roof,field=farm.</source>
            <translation>クラスの対応付け '{text}' は building=roof,field=farm の形式になっていません。</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Values of '{field}': {values}</source>
            <translation>'{field}' の値: {values}</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Values of '{field}' that are none of the model's classes ({classes}) and have no mapping: {values}. Map them (value=class) or they are left out.</source>
            <translation>'{field}' の値のうち、モデルのクラス（{classes}）のどれでもなく対応付けもないもの: {values}。対応付ける（値=クラス）か、除外されます。</translation>
        </message>
        <message>
            <location filename="../export_dataset.py" />
            <source>Choose at least one raster layer.</source>
            <translation>ラスタレイヤを 1 つ以上選んでください。</translation>
        </message>
        <message>
            <location filename="../provider.py" />
            <source>LandSeg land-cover segmentation</source>
            <translation>LandSeg 土地被覆セグメンテーション</translation>
        </message>
        <message>
            <location filename="../report.py" />
            <source>Training report</source>
            <translation>学習レポート</translation>
        </message>
        <message>
            <location filename="../report.py" />
            <source>Writes the bilingual (English / Japanese) HTML performance report of a training run: per-epoch losses and mAP, per-class figures, class balance, and the feature-map and gradient analysis. Give the run folder made by 'Fine-tune a model'.</source>
            <translation>学習結果の性能レポート（英語／日本語の HTML）を作成します。エポックごとの損失と mAP、クラスごとの指標、クラスバランス、特徴マップと勾配の分析を含みます。「モデルのファインチューニング」で作られた実行フォルダを指定してください。</translation>
        </message>
        <message>
            <location filename="../report.py" />
            <location filename="../train.py" />
            <source>Run folder</source>
            <translation>実行フォルダ</translation>
        </message>
        <message>
            <location filename="../report.py" />
            <source>Report (HTML)</source>
            <translation>レポート (HTML)</translation>
        </message>
        <message>
            <location filename="../report.py" />
            <source>This LandSeg environment has no 'report' command yet: update LandSeg in its Python environment (see the LandSeg settings) to write training reports.</source>
            <translation>この LandSeg 環境にはまだ 'report' コマンドがありません。学習レポートを作成するには、Python 環境の LandSeg を更新してください（LandSeg の設定を参照）。</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Segment land cover</source>
            <translation>土地被覆のセグメンテーション</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Segments a georeferenced aerial raster into land-cover polygons (roofs, farms, rice fields, barren land) with a YOLOv8 instance-segmentation model, tile by tile, merging objects cut by tile seams. The result is a GeoPackage styled with one colour per class.

Model: a .pt or .onnx file; empty uses the default model. Tile size and overlap: empty uses the values stored in the model. Minimum area (m²) drops small polygons; simplification (m) defaults to one pixel. Device 'auto' uses a CUDA GPU when there is one.

Area: polygons (any CRS; 'selected features only' is honoured) and/or an extent limit the work to tiles touching them and clip the result to them. XYZ tile layers need one of them. Pixel size (m): empty uses the model's training pixel size.

A calibrated model (the default model, or one fine-tuned with LandSeg) gives each polygon p_correct, its probability of being right; a minimum keeps only those at least that likely.

The work runs in LandSeg's own Python environment, outside QGIS; cancelling stops it and writes nothing.</source>
            <translation>地理参照された航空写真ラスタを、YOLOv8 インスタンスセグメンテーションモデルでタイルごとに土地被覆ポリゴン（屋根、畑、水田、裸地）に分割し、タイルの継ぎ目で切れたオブジェクトを結合します。結果はクラスごとに色分けされた GeoPackage です。

モデル: .pt または .onnx ファイル。空欄の場合は既定のモデルを使います。タイルサイズとオーバーラップ: 空欄の場合はモデルに保存された値を使います。最小面積（m²）未満の小さなポリゴンは除かれます。単純化（m）の既定値は 1 ピクセルです。デバイス 'auto' は CUDA GPU があればそれを使います。

範囲: ポリゴン（任意の CRS。「選択した地物のみ」に対応）と領域（エクステント）の一方または両方を指定すると、それに接するタイルだけを処理し、結果をその範囲で切り抜きます。XYZ タイルレイヤではどちらかが必要です。ピクセルサイズ（m）: 空欄の場合はモデルの学習時のピクセルサイズを使います。

較正済みのモデル（既定のモデル、または LandSeg で微調整したモデル）は各ポリゴンに p_correct（正しい確率）を付けます。最小値を指定すると、その確率以上のポリゴンだけを残します。

処理は QGIS の外にある LandSeg 専用の Python 環境で実行されます。キャンセルすると処理を停止し、何も書き込みません。</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <location filename="../review_panel.py" />
            <location filename="../segment_dialog.py" />
            <source>Raster layer</source>
            <translation>ラスタレイヤ</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Area of interest polygons</source>
            <translation>対象範囲のポリゴン</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Extent</source>
            <translation>範囲</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Pixel size in metres (empty: the model's training pixel size)</source>
            <translation>ピクセルサイズ（m、空欄: モデルの学習時のピクセルサイズ）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Model file (empty: default model)</source>
            <translation>モデルファイル（空欄: 既定のモデル）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <location filename="../segment_dialog.py" />
            <source>Minimum confidence</source>
            <translation>最小信頼度</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Tile size in pixels (empty: from the model)</source>
            <translation>タイルサイズ（ピクセル、空欄: モデルの値）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Tile overlap in pixels (empty: from the model)</source>
            <translation>タイルのオーバーラップ（ピクセル、空欄: モデルの値）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Minimum polygon area (m²)</source>
            <translation>ポリゴンの最小面積 (m²)</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Simplification tolerance (m, empty: one pixel)</source>
            <translation>単純化の許容値（m、空欄: 1 ピクセル）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Keep polygons at least this likely to be right (0-1, empty: all)</source>
            <translation>正しい確率がこの値以上のポリゴンだけを残す（0〜1、空欄: すべて）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Prepare a review (priority per polygon, and a 'review' layer)</source>
            <translation>レビューの準備（ポリゴンごとの確認優先度と 'review' レイヤ）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Resume an interrupted run to this output</source>
            <translation>この出力への中断した処理を再開</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Land cover</source>
            <translation>土地被覆</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Number of polygons</source>
            <translation>ポリゴン数</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Polygons per class (JSON)</source>
            <translation>クラスごとのポリゴン数 (JSON)</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Device used</source>
            <translation>使用したデバイス</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>Run time (s)</source>
            <translation>実行時間（秒）</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>XYZ layer '{name}' covers the whole world: give an area of interest or an extent.</source>
            <translation>XYZ レイヤ '{name}' は全世界を覆っています。対象範囲のポリゴンか領域を指定してください。</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>The output must be a GeoPackage (.gpkg), not '{path}'.</source>
            <translation>出力は GeoPackage (.gpkg) にしてください。'{path}' は使えません。</translation>
        </message>
        <message>
            <location filename="../segment.py" />
            <source>land cover</source>
            <translation>土地被覆</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Fine-tune a model</source>
            <translation>モデルのファインチューニング</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Fine-tunes a YOLOv8 segmentation model on a dataset made by 'Export training dataset', with class balancing (weights from the dataset's instance counts), copy-paste augmentation and an optional continued phase at a lower learning rate. Progress is reported per epoch with the validation mask mAP50.

Base model: a .pt file to fine-tune; empty uses the default model. The run folder must be new or empty; it receives the weights (best.pt), the per-epoch record and the plots. Training on a CPU is slow: a GPU is used when available.</source>
            <translation>「学習データセットの書き出し」で作ったデータセットで YOLOv8 セグメンテーションモデルをファインチューニングします。クラスバランス調整（データセットのインスタンス数から求めた重み）、コピーペースト拡張、学習率を下げた継続フェーズ（任意）に対応しています。進捗はエポックごとに検証データのマスク mAP50 とともに表示されます。

ベースモデル: ファインチューニングする .pt ファイル。空欄の場合は既定のモデルを使います。実行フォルダは新規または空である必要があり、重み (best.pt)、エポックごとの記録、グラフが保存されます。CPU での学習は時間がかかります。GPU があればそれを使います。</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Base model (empty: default model)</source>
            <translation>ベースモデル（空欄: 既定のモデル）</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Image size in pixels (empty: the tile size)</source>
            <translation>画像サイズ（ピクセル、空欄: タイルサイズ）</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Batch size</source>
            <translation>バッチサイズ</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Balance classes (weights from instance counts)</source>
            <translation>クラスバランスを調整（インスタンス数から重みを計算）</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Copy-paste augmentation probability</source>
            <translation>コピーペースト拡張の確率</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Continued phase: epochs (0: none)</source>
            <translation>継続フェーズ: エポック数（0: なし）</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Continued phase: learning rate</source>
            <translation>継続フェーズ: 学習率</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Trained model (best.pt)</source>
            <translation>学習済みモデル (best.pt)</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Training finished without reporting a model.</source>
            <translation>学習は終了しましたが、モデルが報告されませんでした。</translation>
        </message>
        <message>
            <location filename="../train.py" />
            <source>Trained model: {path}</source>
            <translation>学習済みモデル: {path}</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>Items are ranked by review priority (highest first).</source>
            <translation>項目はレビュー優先度の高い順に並んでいます。</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>This layer has no review priority: items are ranked by score (lowest first).</source>
            <translation>このレイヤにはレビュー優先度がありません: 項目はスコアの低い順に並んでいます。</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>This layer has no review priority and no score: items are in file order.</source>
            <translation>このレイヤにはレビュー優先度もスコアもありません: 項目はファイルの順に並んでいます。</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>Could not add the review fields to layer '{name}': is its file writable?</source>
            <translation>レイヤ '{name}' にレビュー用のフィールドを追加できませんでした: ファイルに書き込めますか？</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>Could not save the edits of layer '{name}': {errors}</source>
            <translation>レイヤ '{name}' の編集を保存できませんでした: {errors}</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>Could not write the decision into layer '{name}'.</source>
            <translation>判定をレイヤ '{name}' に書き込めませんでした。</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>{done} / {total} reviewed</source>
            <translation>{done} / {total} 件レビュー済み</translation>
        </message>
        <message>
            <location filename="../review.py" />
            <source>Layer '{name}' is not a file LandSeg can read: save it as a GeoPackage.</source>
            <translation>レイヤ '{name}' は LandSeg が読めるファイルではありません: GeoPackage として保存してください。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>accepted</source>
            <translation>承認</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>rejected</source>
            <translation>却下</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>corrected</source>
            <translation>修正</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>not reviewed</source>
            <translation>未レビュー</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>LandSeg review</source>
            <translation>LandSeg レビュー</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Layer</source>
            <translation>レイヤ</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Previous (P)</source>
            <translation>前へ (P)</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Next (N)</source>
            <translation>次へ (N)</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Accept (A)</source>
            <translation>承認 (A)</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Reject (R)</source>
            <translation>却下 (R)</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Edit geometry (E)</source>
            <translation>ジオメトリを編集 (E)</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Change class (keys 1–9)</source>
            <translation>クラスの変更 (キー 1–9)</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>The classes, separated by commas: key 1 is the first.</source>
            <translation>クラスをカンマ区切りで: キー 1 が最初のクラスです。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Export reviewed as training data…</source>
            <translation>レビュー済みを学習データとして書き出し…</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Choose a polygon layer to review.</source>
            <translation>レビューするポリゴンレイヤを選んでください。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Review</source>
            <translation>レビュー</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Every item of this layer is reviewed.</source>
            <translation>このレイヤの項目はすべてレビュー済みです。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>There is no class {n}.</source>
            <translation>クラス {n} はありません。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>This layer cannot be edited.</source>
            <translation>このレイヤは編集できません。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Item {number} of {total}</source>
            <translation>項目 {number} / {total}</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Class: {name}</source>
            <translation>クラス: {name}</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Review priority: {value:.2f}</source>
            <translation>レビュー優先度: {value:.2f}</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Score: {value:.2f}</source>
            <translation>スコア: {value:.2f}</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Reason: {reason}</source>
            <translation>理由: {reason}</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Decision: {status}</source>
            <translation>判定: {status}</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Review some items first: nothing is reviewed yet.</source>
            <translation>まだ何もレビューされていません: 先に項目をレビューしてください。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Choose the raster layer the reviewed polygons lie on.</source>
            <translation>レビューしたポリゴンが載っているラスタレイヤを選んでください。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Choose an output folder for the training data.</source>
            <translation>学習データの出力フォルダを選んでください。</translation>
        </message>
        <message>
            <location filename="../review_panel.py" />
            <source>Cannot export yet</source>
            <translation>まだ書き出せません</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>LandSeg — Segment land cover</source>
            <translation>LandSeg — 土地被覆のセグメンテーション</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Whole layer</source>
            <translation>レイヤ全体</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Visible map extent</source>
            <translation>表示中の地図の範囲</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Selected features of a polygon layer</source>
            <translation>ポリゴンレイヤの選択した地物</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Area</source>
            <translation>範囲</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Polygon layer</source>
            <translation>ポリゴンレイヤ</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>model's default</source>
            <translation>モデルの既定値</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Pixel size</source>
            <translation>ピクセルサイズ</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Model</source>
            <translation>モデル</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Tile size</source>
            <translation>タイルサイズ</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Tile overlap</source>
            <translation>タイルのオーバーラップ</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Minimum polygon area</source>
            <translation>ポリゴンの最小面積</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>one pixel</source>
            <translation>1 ピクセル</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Simplification</source>
            <translation>単純化</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Prepare a review (priority per polygon)</source>
            <translation>レビューの準備（ポリゴンごとの確認優先度）</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Give every polygon its agreement, class margin and review priority, and add a 'review' layer of the places worth a look: then Review results works through them, most doubtful first.</source>
            <translation>各ポリゴンに一致度・クラスの差・確認優先度を付け、確認すべき場所の 'review' レイヤを加えます。「結果のレビュー」で疑わしいものから順に確認できます。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>[Save to temporary file]</source>
            <translation>[一時ファイルに保存]</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Output GeoPackage</source>
            <translation>出力 GeoPackage</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Overwrite an existing file</source>
            <translation>既存のファイルを上書きする</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Resume the interrupted run to this output</source>
            <translation>この出力への中断した処理を再開</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>A run to this output stopped and kept the tiles it had segmented: continue from there (untick to start again).</source>
            <translation>この出力への処理は途中で止まり、処理済みのタイルが保存されています。続きから処理します（最初からやり直すにはチェックを外してください）。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Segment</source>
            <translation>実行</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Settings…</source>
            <translation>設定…</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>XYZ layer '{name}' covers the whole world: choose the visible map extent or selected polygons as the area.</source>
            <translation>XYZ レイヤ '{name}' は全世界を覆っています。範囲として表示中の地図の範囲か選択したポリゴンを選んでください。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>There is no visible map extent to segment.</source>
            <translation>分割する表示中の地図の範囲がありません。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Choose the polygon layer whose selected features limit the area.</source>
            <translation>選択した地物で範囲を限定するポリゴンレイヤを選んでください。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Select one or more polygons in layer '{name}' first.</source>
            <translation>先にレイヤ '{name}' でポリゴンを 1 つ以上選択してください。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Model file '{path}' does not exist: choose a .pt or .onnx file, or clear the field to use the default model.</source>
            <translation>モデルファイル '{path}' が存在しません。.pt か .onnx ファイルを選ぶか、欄を空にして既定のモデルを使ってください。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>The output must be a GeoPackage file ending in .gpkg.</source>
            <translation>出力は拡張子 .gpkg の GeoPackage ファイルにしてください。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Output '{path}' already exists: choose another file or tick 'Overwrite an existing file'.</source>
            <translation>出力 '{path}' は既に存在します。別のファイルを選ぶか、「既存のファイルを上書きする」をチェックしてください。</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>{raster} land cover</source>
            <translation>{raster} 土地被覆</translation>
        </message>
        <message>
            <location filename="../segment_dialog.py" />
            <source>Cannot segment yet</source>
            <translation>まだセグメンテーションできません</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>the LandSeg settings</source>
            <translation>LandSeg の設定</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>the LANDSEG_PYTHON environment variable</source>
            <translation>環境変数 LANDSEG_PYTHON</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>the checkout's .venv</source>
            <translation>チェックアウトの .venv</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>the user environment</source>
            <translation>ユーザー環境</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>QGIS's Python</source>
            <translation>QGIS の Python</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>the PATH</source>
            <translation>PATH</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>No LandSeg environment was found.</source>
            <translation>LandSeg の環境が見つかりません。</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Using {python} (landseg {version}, found via {source}).</source>
            <translation>{python} を使用中（landseg {version}、{source} で検出）。</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>It segments; fine-tuning needs the training support.</source>
            <translation>セグメンテーションは実行できます。追加学習には学習機能が必要です。</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>LandSeg: installing the Python environment</source>
            <translation>LandSeg: Python 環境をインストール中</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>LandSeg — Install the Python environment</source>
            <translation>LandSeg — Python 環境のインストール</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Installing…</source>
            <translation>インストール中…</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Stop</source>
            <translation>停止</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Installation finished.</source>
            <translation>インストールが完了しました。</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>LandSeg — Settings</source>
            <translation>LandSeg — 設定</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Python environment</source>
            <translation>Python 環境</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>[Find automatically]</source>
            <translation>[自動で検出]</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Python interpreter</source>
            <translation>Python インタプリタ</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>[Download from the package index]</source>
            <translation>[パッケージインデックスからダウンロード]</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Offline wheelhouse folder</source>
            <translation>オフライン用 wheelhouse フォルダ</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Install command</source>
            <translation>インストールコマンド</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Check</source>
            <translation>確認</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Install…</source>
            <translation>インストール…</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Diagnostics…</source>
            <translation>診断…</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>What this environment can run: versions, runtimes, GPUs and why one is unused, folders (landseg doctor). Copy it into a bug report.</source>
            <translation>この環境で何が動くか（バージョン、ランタイム、GPU と使われない理由、フォルダ）を表示します（landseg doctor）。不具合の報告に貼り付けてください。</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Models</source>
            <translation>モデル</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>[Model shipped with LandSeg]</source>
            <translation>[LandSeg 同梱のモデル]</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Default model</source>
            <translation>既定のモデル</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>LandSeg: diagnostics</source>
            <translation>LandSeg: 診断</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>LandSeg diagnostics</source>
            <translation>LandSeg の診断</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>from your wheelhouse folder</source>
            <translation>wheelhouse フォルダから</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>downloaded from the package index</source>
            <translation>パッケージインデックスからダウンロードして</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Install LandSeg's Python environment</source>
            <translation>LandSeg の Python 環境のインストール</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>This installs about {size} GB, {source}, into {folder}. Install now?</source>
            <translation>約 {size} GB を{source} {folder} にインストールします。今すぐインストールしますか？</translation>
        </message>
        <message>
            <location filename="../settings_dialog.py" />
            <source>Model file '{path}' does not exist.</source>
            <translation>モデルファイル '{path}' が存在しません。</translation>
        </message>
        <message>
            <location filename="../sources.py" />
            <source>XYZ layer '{name}' has no tile URL.</source>
            <translation>XYZ レイヤ '{name}' にタイルの URL がありません。</translation>
        </message>
        <message>
            <location filename="../sources.py" />
            <source>Raster layer '{name}' is a WMS/WMTS service: LandSeg does not read those yet. Use an XYZ tile layer or save the area as a GeoTIFF (Export ▸ Save As…).</source>
            <translation>ラスタレイヤ '{name}' は WMS/WMTS サービスです。LandSeg はまだこれを読めません。XYZ タイルレイヤを使うか、範囲を GeoTIFF として保存してください（エクスポート ▸ 名前を付けて保存…）。</translation>
        </message>
    </context>
</TS>
