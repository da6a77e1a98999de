"""What a training run is asked to do, checked before any file is touched."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landseg import defaults
from landseg.checks import check_fraction, check_positive, require
from landseg.errors import InvalidParameterError, ModelLoadError
from landseg.messages import Message
from landseg.schema import device_option, option

# Augmentation at strength 1.0; `augment` scales these, the continued phase halves them.
BASE_AUGMENTATION = {
    "hsv_h": 0.015,
    "hsv_s": 0.5,
    "hsv_v": 0.3,
    "degrees": 10.0,
    "translate": 0.1,
    "scale": 0.3,
    "fliplr": 0.5,
    "flipud": 0.5,
    "mosaic": 1.0,
}


@dataclass
class TrainOptions:
    """Everything a training run needs; stored verbatim in the run record. The fields declared
    with :func:`~landseg.schema.option` are ``landseg train``'s options."""

    data: str  # the dataset folder or its data.yaml
    run_dir: str  # the run folder to create
    base_model: str = option(
        defaults.BASE_MODEL,
        "--model",
        "Base model: a .pt file to fine-tune, published COCO weights by name (yolov8n-seg.pt "
        "... yolo11x-seg.pt: downloaded once into LandSeg's cache), or a .yaml to start from "
        "scratch.",
        "元にするモデル: 追加学習する .pt ファイル、公開 COCO 重みの名前（yolov8n-seg.pt … "
        "yolo11x-seg.pt: LandSeg のキャッシュに一度だけダウンロード）、または一から学習する "
        ".yaml。",
        plugin=True,
    )
    epochs: int = option(
        defaults.EPOCHS,
        "--epochs",
        "Epochs of training.",
        "学習のエポック数。",
        kind="integer",
        plugin=True,
    )
    imgsz: int | None = option(
        None,
        "--imgsz",
        "Image size; default the tile size.",
        "画像サイズ。既定: タイルサイズ。",
        kind="integer",
        unit="px",
        plugin=True,
    )
    batch: int = option(
        defaults.TRAIN_BATCH,
        "--batch",
        "Images per training step.",
        "1 ステップで学習する画像数。",
        kind="integer",
        plugin=True,
    )
    device: str = device_option()
    lr0: float = option(
        defaults.LEARNING_RATE,
        "--lr",
        "Initial learning rate.",
        "初期学習率。",
        kind="number",
        plugin=True,
    )
    lrf: float = option(
        defaults.FINAL_LR_FRACTION,
        "--lrf",
        "Final learning rate as a fraction of the initial one.",
        "最終学習率（初期学習率に対する割合）。",
        kind="number",
    )
    class_weights: str | list[float] = option(
        defaults.CLASS_WEIGHTS,
        "--class-weights",
        "balanced, none, or one weight per class (e.g. 0.5,1.2,1.6,2).",
        "balanced、none、またはクラスごとの重み（例: 0.5,1.2,1.6,2）。",
        plugin=True,
    )
    class_map: dict[str, str] | None = option(
        None,
        "--class-map",
        "Rename the dataset's classes, e.g. Barren-Land=Baren-Land (to the base model's names, "
        "so it keeps what it learnt of them).",
        "データセットのクラス名を変えます。例: Barren-Land=Baren-Land（ベースモデルの名前に合わせる"
        "と、そのクラスの学習済みの重みを引き継ぎます）。",
        kind="mapping",
    )
    copy_paste: float = option(
        defaults.COPY_PASTE,
        "--copy-paste",
        "Probability of copy-paste augmentation (objects pasted into other images).",
        "コピー&ペースト拡張（物体を別の画像に貼る）の確率。",
        kind="number",
        plugin=True,
    )
    copy_paste_mode: str = option(
        defaults.COPY_PASTE_MODE,
        "--copy-paste-mode",
        "How objects are pasted: flip (mirrored into the same image) or mixup (from another).",
        "貼り方: flip（同じ画像に反転して貼る）または mixup（別の画像から貼る）。",
        choices=("flip", "mixup"),
    )
    augment: float = option(
        defaults.AUGMENT,
        "--augment",
        "Augmentation strength (0 = none).",
        "データ拡張の強さ（0 = なし）。",
        kind="number",
    )
    patience: int = option(
        defaults.PATIENCE,
        "--patience",
        "Stop after this many epochs without a better validation mAP.",
        "検証 mAP が改善しないエポックがこの数続いたら止めます。",
        kind="integer",
    )
    seed: int = option(
        defaults.SEED,
        "--seed",
        "Random seed.",
        "乱数シード。",
        kind="integer",
    )
    loader_workers: int = option(
        defaults.LOADER_WORKERS,
        "--loader-workers",
        "Data-loader worker processes.",
        "データローダのワーカープロセス数。",
        kind="integer",
    )
    continue_epochs: int = option(
        defaults.CONTINUE_EPOCHS,
        "--continue-epochs",
        "Epochs of a continued phase from the best weights at a lower learning rate.",
        "最良の重みから低い学習率で続ける段階のエポック数。",
        kind="integer",
        plugin=True,
    )
    continue_lr: float = option(
        defaults.CONTINUE_LR,
        "--continue-lr",
        "Learning rate of the continued phase.",
        "続ける段階の学習率。",
        kind="number",
        plugin=True,
    )
    continue_augment: float = defaults.CONTINUE_AUGMENT  # share of augmentation kept then
    extra: dict[str, Any] = field(default_factory=dict)  # passed to ultralytics as is


def resolve_class_weights(
    option: str | Sequence[float], class_names: Sequence[str], stats: dict[str, Any]
) -> list[float] | None:
    """The per-class weights for the classification loss, or ``None`` for unweighted."""
    if isinstance(option, str):
        if option == "none":
            return None
        if option == "balanced":
            if not stats.get("class_weights"):
                from landseg.training.dataset import balanced_class_weights

                return balanced_class_weights([1] * len(class_names))
            return [float(stats["class_weights"][n]) for n in class_names]
        try:
            option = [float(v) for v in option.split(",")]
        except ValueError:
            raise InvalidParameterError(
                Message(
                    "train.weights_unknown",
                    option=option,
                    count=len(class_names),
                    classes=", ".join(class_names),
                )
            ) from None
    weights = [float(v) for v in option]
    if len(weights) != len(class_names):
        raise InvalidParameterError(
            Message(
                "train.weights_count",
                weights=len(weights),
                count=len(class_names),
                classes=", ".join(class_names),
            )
        )
    if any(w < 0 for w in weights) or not any(w > 0 for w in weights):
        raise InvalidParameterError(Message("train.weights_negative", weights=weights))
    return weights


def augmentation(strength: float) -> dict[str, float]:
    """ultralytics' augmentation options at ``strength`` (1.0: ``BASE_AUGMENTATION``)."""
    scaled = {k: round(v * strength, 4) for k, v in BASE_AUGMENTATION.items()}
    scaled["fliplr"] = BASE_AUGMENTATION["fliplr"] if strength > 0 else 0.0
    scaled["flipud"] = BASE_AUGMENTATION["flipud"] if strength > 0 else 0.0
    scaled["mosaic"] = min(1.0, scaled["mosaic"])
    return scaled


def check_options(options: TrainOptions) -> None:
    """Every option of a run, before the dataset or the run folder is touched."""
    if options.imgsz is not None:
        require(
            options.imgsz >= 32 and options.imgsz % 32 == 0,
            Message("train.image_size", size=options.imgsz),
        )
    require(
        options.epochs >= 1 and options.continue_epochs >= 0,
        Message("train.epochs"),
    )
    require(options.batch >= 1, Message("train.batch", batch=options.batch))
    check_positive(options.lr0, "Learning rate", example=defaults.LEARNING_RATE)
    check_positive(options.continue_lr, "Continued learning rate", example=defaults.CONTINUE_LR)
    check_positive(options.lrf, "Final learning rate fraction", example=0.1)
    check_fraction(options.lrf, "Final learning rate fraction", example=0.1)
    check_fraction(options.copy_paste, "Copy-paste probability", example=defaults.COPY_PASTE)
    check_positive(options.augment, "Augmentation strength", example=1.0, zero_ok=True)
    check_fraction(options.continue_augment, "Continued augmentation share", example=0.5)
    check_positive(options.patience, "Patience", example=defaults.PATIENCE, zero_ok=True)
    check_positive(options.loader_workers, "Loader workers", example=2, zero_ok=True)
    require(
        options.copy_paste_mode in ("flip", "mixup"),
        Message("train.copy_paste_mode", mode=options.copy_paste_mode),
    )
    training_devices(options.device, options.batch)
    _check_base_model(options.base_model)


def base_model_file(base: str, say: Callable[[str], None] | None = None) -> str:
    """The model to start from: ``base`` itself, or for the name of published weights that is
    no file here, its cached file (downloaded once, on this request; checked)."""
    from landseg.training.pretrained import is_published, published_weights

    if Path(base).is_file() or not is_published(base):
        return base
    path = str(published_weights(base, say))
    _check_base_model(path)
    return path


def _check_base_model(base: str) -> None:
    """A segmentation ``.pt`` file, a model ``.yaml`` ultralytics knows, or published weights
    by name (fetched later by :func:`base_model_file`)."""
    from landseg.training.pretrained import is_published

    if base.endswith(".yaml"):
        from landseg.offline import import_ultralytics

        import_ultralytics()
        from ultralytics.nn.tasks import yaml_model_load

        try:
            config = yaml_model_load(base)
        except Exception:
            config = {}
        require(
            "-seg" in Path(base).stem and bool(config),
            Message("train.base_config", name=base),
        )
        return
    if is_published(base) and not Path(base).is_file():
        return
    if not Path(base).is_file():
        raise ModelLoadError(Message("train.base_missing", name=base))
    from landseg.inference.runtimes.loading import load

    load(base, device="cpu", runtime="ultralytics")  # refuses corrupt and detection models


def training_devices(device: str, batch: int) -> list[str]:
    """The devices to train on; with several GPUs, ``batch`` must split evenly over them."""
    from landseg.inference.runtimes.devices import resolve_devices

    devices = resolve_devices(device)
    gpus = len(devices)
    if gpus > 1 and (batch < 1 or batch % gpus):
        raise InvalidParameterError(
            Message(
                "train.batch_gpus",
                batch=batch,
                gpus=gpus,
                device=device,
                suggestion=gpus * max(1, batch // gpus),
            )
        )
    return devices
