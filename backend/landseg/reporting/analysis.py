"""Feature-map and gradient-flow analysis of a trained YOLO-seg model on validation images.

Two looks inside a model, both computed on the first ``max_images`` images of a dataset split
(letterboxed to the model's input size, without augmentation):

* **Feature maps**: forward hooks on the backbone stages, the neck blocks and the head record
  each output's mean, standard deviation, sparsity (share of exact zeros), near-zero share and
  dynamic range (max - min). The layers are chosen from the model's structure: backbone blocks
  other than the stride-2 downsampling convolutions, neck blocks other than upsampling, concat
  and downsampling layers, and the head (whose tuple/dict outputs are analysed tensor by tensor).
* **Gradient flow**: one backward pass of ultralytics' own training loss (with the model's
  class weights, as in training) on the same images, in training mode as the trainer runs it;
  per parameter and per layer the gradient norm, parameter norm and their ratio, with
  vanishing, exploding and dead layers flagged against stated thresholds.

ultralytics is imported through :func:`landseg.offline.import_ultralytics`, so nothing here
touches the network.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from landseg.errors import InvalidParameterError
from landseg.io.coco_dataset import read_dataset
from landseg.io.yolo_dataset import write_view
from landseg.messages import Message
from landseg.offline import quiet_ultralytics

NEAR_ZERO = 1e-2  # |x| below this counts as near zero
_DOWNSAMPLING = ("Conv", "ADown", "SCDown", "Upsample", "Concat", "Index")
_FALLBACK_LAYERS = {"backbone": [2, 4, 6, 8, 9], "neck": [12, 15, 18, 21], "head": [-1]}


@dataclass(frozen=True)
class GradientThresholds:
    """When a gradient is flagged (the defaults are those of the user's analysis).

    Attributes:
        vanishing: A gradient norm below this is vanishing.
        exploding: A gradient norm above this is exploding.
        dead_ratio: A gradient-to-parameter norm ratio below this marks a dead layer.
    """

    vanishing: float = 1e-6
    exploding: float = 10.0
    dead_ratio: float = 1e-8


@dataclass
class _LayerChoice:
    index: int
    role: str
    module: str


def _module_type(module: Any) -> str:
    return str(getattr(module, "type", type(module).__name__)).rsplit(".", 1)[-1]


def layer_roles(model: Any) -> list[str]:
    """``backbone``, ``neck`` or ``head`` for each top-level layer of a YOLO model."""
    count = len(model.model)
    yaml = getattr(model, "yaml", None) or {}
    backbone = len(yaml.get("backbone", [])) or min(10, count - 1)
    return [
        "backbone" if i < backbone else "head" if i == count - 1 else "neck" for i in range(count)
    ]


def select_feature_layers(model: Any) -> list[_LayerChoice]:
    """The layers whose outputs are analysed, chosen from the model's structure.

    Backbone stages are the backbone's blocks (C2f, SPPF, ...) but not its stride-2
    convolutions; the neck's are its blocks but not upsampling, concatenation or downsampling
    convolutions; the head is the last layer. For YOLOv8-seg this gives backbone 2, 4, 6, 8, 9,
    neck 12, 15, 18, 21 and head 22.
    """
    layers = list(model.model)
    roles = layer_roles(model)
    chosen = [
        _LayerChoice(i, role, _module_type(layer))
        for i, (layer, role) in enumerate(zip(layers, roles, strict=True))
        if role == "head" or _module_type(layer) not in _DOWNSAMPLING
    ]
    if len(chosen) > 1:
        return chosen
    count = len(layers)
    return [
        _LayerChoice(i % count, role, _module_type(layers[i]))
        for role, indices in _FALLBACK_LAYERS.items()
        for i in indices
        if -count <= i < count
    ]


class _Stats:
    """Running feature statistics, accumulated over mini-batches without keeping tensors."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.squares = 0.0
        self.zeros = 0
        self.near_zero = 0
        self.low = math.inf
        self.high = -math.inf
        self.shape: list[int] = []

    def add(self, tensor: Any) -> None:
        values = tensor.detach().double()
        self.count += values.numel()
        self.total += float(values.sum())
        self.squares += float((values * values).sum())
        self.zeros += int((values == 0).sum())
        self.near_zero += int((values.abs() < NEAR_ZERO).sum())
        self.low = min(self.low, float(values.min()))
        self.high = max(self.high, float(values.max()))
        self.shape = [int(s) for s in tensor.shape[1:]]

    def result(self) -> dict[str, Any]:
        mean = self.total / self.count
        variance = max(0.0, self.squares / self.count - mean * mean)
        # sample standard deviation, like torch.std
        std = math.sqrt(variance * self.count / max(1, self.count - 1))
        return {
            "shape": self.shape,
            "mean": mean,
            "std": std,
            "sparsity": self.zeros / self.count,
            "near_zero": self.near_zero / self.count,
            "min": self.low,
            "max": self.high,
            "dynamic_range": self.high - self.low,
        }


def _tensors(output: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every tensor inside nested tuples, lists and dicts, with a path naming it."""
    import torch

    if isinstance(output, torch.Tensor):
        yield path, output
    elif isinstance(output, dict):
        for key, value in output.items():
            yield from _tensors(value, f"{path}.{key}" if path else str(key))
    elif isinstance(output, list | tuple):
        for i, value in enumerate(output):
            yield from _tensors(value, f"{path}[{i}]")


def _head_tensors(inputs: Any, output: Any) -> list[tuple[str, Any]]:
    """The tensors a head produces, named by their dict key where they have one.

    A tensor reachable twice (e.g. ``proto`` in both halves of ultralytics' inference tuple) is
    analysed once; tensors the head received and passes through (``feats``) are left out.
    """
    passed_through = {id(t) for _, t in _tensors(inputs)}
    named: dict[int, str] = {}
    tensors: dict[int, Any] = {}
    for path, tensor in _tensors(output):
        if id(tensor) in passed_through:
            continue
        keys = re.findall(r"[A-Za-z_]\w*", path)
        name = keys[-1] if keys else f"output{path}"
        if id(tensor) not in named or (keys and named[id(tensor)].startswith("output")):
            named[id(tensor)] = name
            tensors[id(tensor)] = tensor
    return [(named[key], tensors[key]) for key in named]


def _hyperparameters(checkpoint_args: dict[str, Any], imgsz: int) -> Any:
    """ultralytics' default hyperparameters, updated with those the model was trained with."""
    from ultralytics.utils import DEFAULT_CFG_DICT, IterableSimpleNamespace

    known = {k: v for k, v in (checkpoint_args or {}).items() if k in DEFAULT_CFG_DICT}
    return IterableSimpleNamespace(
        **{**DEFAULT_CFG_DICT, **known, "imgsz": imgsz, "task": "segment", "rect": False}
    )


def _load_batches(
    data_yaml: Path, split: str, cfg: Any, max_images: int, batch_size: int, stride: int
) -> tuple[list[dict[str, Any]], int]:
    from ultralytics.data.build import build_yolo_dataset
    from ultralytics.data.utils import check_det_dataset

    with quiet_ultralytics():
        data = check_det_dataset(str(data_yaml))
        dataset = build_yolo_dataset(
            cfg, data[split], batch_size, data, mode="val", rect=False, stride=stride
        )
    count = min(max_images, len(dataset))
    batches = []
    for start in range(0, count, batch_size):
        items = [dataset[i] for i in range(start, min(count, start + batch_size))]
        batches.append(dataset.collate_fn(items))
    return batches, count


def _prepare(batch: dict[str, Any], device: str) -> dict[str, Any]:
    import torch

    moved = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
    moved["img"] = moved["img"].float() / 255
    return moved


def _feature_pass(model: Any, batches: list[dict[str, Any]], device: str) -> list[dict]:
    import torch

    choices = select_feature_layers(model)
    stats: dict[tuple[int, str], _Stats] = {}
    imgsz = int(batches[0]["img"].shape[-1])

    def hook_for(choice: _LayerChoice):
        def hook(module: Any, inputs: Any, output: Any) -> None:
            if choice.role == "head":
                found = _head_tensors(inputs, output)
            else:
                found = list(_tensors(output))
            for path, tensor in found:
                stats.setdefault((choice.index, path), _Stats()).add(tensor)

        return hook

    handles = [model.model[c.index].register_forward_hook(hook_for(c)) for c in choices]
    model.eval()
    try:
        with torch.no_grad():
            for batch in batches:
                model(_prepare(batch, device)["img"])
    finally:
        for handle in handles:
            handle.remove()
    by_index = {c.index: c for c in choices}
    rows = []
    for (index, path), accumulated in stats.items():
        choice = by_index[index]
        entry = accumulated.result()
        shape = entry["shape"]
        rows.append(
            {
                "layer": index,
                "role": choice.role,
                "module": choice.module,
                "output": path,
                "name": f"{choice.role}.{index} {choice.module}" + (f" {path}" if path else ""),
                "stride": imgsz // shape[-1] if len(shape) == 3 and shape[-1] else None,
                **entry,
            }
        )
    return rows


def _gradient_pass(
    model: Any, batches: list[dict[str, Any]], device: str, thresholds: GradientThresholds
) -> dict[str, Any]:
    frozen = _prepare_for_loss(model)
    total, items_sum = _backward(model, batches, device)
    parameters, without_gradient, layers = _parameter_gradients(model, frozen, thresholds)
    issues = [
        {
            "name": p["name"],
            "layer": p["layer"],
            "kind": flag,
            "grad_norm": p["grad_norm"],
            "ratio": p["ratio"],
        }
        for p in parameters
        for flag in p["flags"]
    ]
    return {
        "loss": {"total": total, "items": items_sum},
        "total_grad_norm": math.sqrt(sum(p["grad_norm"] ** 2 for p in parameters)),
        "class_weights_in_loss": _class_weights(model),
        "layers": _layer_rows(layers, thresholds),
        "parameters": parameters,
        "issues": issues,
        "frozen": frozen,
        "without_gradient": without_gradient,
    }


def _prepare_for_loss(model: Any) -> list[str]:
    """Training mode, cleared gradients and the loss criterion; the frozen parameters' names."""
    model.train()  # as the trainer computes the loss (batch-norm on batch statistics)
    frozen = []
    for name, parameter in model.named_parameters():
        parameter.grad = None
        # ultralytics always freezes the DFL projection; keep it out, as in training
        trainable = ".dfl" not in name
        parameter.requires_grad_(trainable)
        if not trainable:
            frozen.append(name)
    model.criterion = model.init_criterion()
    return frozen


def _backward(
    model: Any, batches: list[dict[str, Any]], device: str
) -> tuple[float, dict[str, float]]:
    """Accumulate the loss gradients over all batches; the summed loss and mean loss items."""
    items_sum: dict[str, float] = {}
    total = 0.0
    for batch in batches:
        loss, items = model.loss(_prepare(batch, device))
        loss.sum().backward()
        total += float(loss.sum().detach())
        for key, value in items.items():
            items_sum[key.removesuffix("_loss")] = items_sum.get(key.removesuffix("_loss"), 0.0) + (
                float(value) / len(batches)
            )
    return total, items_sum


def _parameter_gradients(
    model: Any, frozen: list[str], thresholds: GradientThresholds
) -> tuple[list[dict[str, Any]], list[str], dict[int, dict[str, Any]]]:
    """Per trainable parameter its norms and flags, those without a gradient, and per-layer
    sums of squares (see :func:`_layer_rows`)."""
    roles = layer_roles(model)
    parameters = []
    without_gradient = []
    layers: dict[int, dict[str, Any]] = {}
    for name, parameter in model.named_parameters():
        if name in frozen:
            continue
        if parameter.grad is None:
            without_gradient.append(name)
            continue
        index = int(name.split(".")[1]) if name.startswith("model.") else -1
        grad_norm = float(parameter.grad.detach().double().norm())
        param_norm = float(parameter.detach().double().norm())
        entry = {
            "name": name,
            "layer": index,
            "shape": list(parameter.shape),
            "grad_norm": grad_norm,
            "param_norm": param_norm,
            "ratio": grad_norm / param_norm if param_norm > 0 else None,
        }
        entry["flags"] = _flags(entry, thresholds)
        parameters.append(entry)
        layer = layers.setdefault(
            index,
            {
                "layer": index,
                "role": roles[index] if 0 <= index < len(roles) else "other",
                "module": _module_type(model.model[index]) if index >= 0 else "",
                "parameters": 0,
                "tensors": 0,
                "grad_sq": 0.0,
                "param_sq": 0.0,
                "flagged_tensors": 0,
            },
        )
        layer["parameters"] += parameter.numel()
        layer["tensors"] += 1
        layer["grad_sq"] += grad_norm**2
        layer["param_sq"] += param_norm**2
        layer["flagged_tensors"] += bool(entry["flags"])
    return parameters, without_gradient, layers


def _layer_rows(
    layers: dict[int, dict[str, Any]], thresholds: GradientThresholds
) -> list[dict[str, Any]]:
    """The layers in order, their sums of squares turned into norms, ratio and flags."""
    layer_rows = []
    for layer in sorted(layers.values(), key=lambda entry: entry["layer"]):
        grad_norm, param_norm = math.sqrt(layer.pop("grad_sq")), math.sqrt(layer.pop("param_sq"))
        layer.update(
            grad_norm=grad_norm,
            param_norm=param_norm,
            ratio=grad_norm / param_norm if param_norm > 0 else None,
        )
        layer["flags"] = _flags(layer, thresholds)
        layer_rows.append(layer)
    return layer_rows


def _class_weights(model: Any) -> list[float] | None:
    weights = getattr(model, "class_weights", None)
    return None if weights is None else [round(float(w), 6) for w in weights.flatten()]


def _flags(entry: dict[str, Any], thresholds: GradientThresholds) -> list[str]:
    flags = []
    if entry["grad_norm"] < thresholds.vanishing:
        flags.append("vanishing")
    if entry["grad_norm"] > thresholds.exploding:
        flags.append("exploding")
    if entry["ratio"] is not None and entry["ratio"] < thresholds.dead_ratio:
        flags.append("dead")
    return flags


def _checked_model(model_path: str | Path, max_images: int, batch_size: int) -> Path:
    """The model's path, once the options and the kind of model are known to be usable."""
    from landseg.errors import ModelLoadError

    if max_images < 1 or batch_size < 1:
        raise InvalidParameterError(Message("analyze.counts", images=max_images, batch=batch_size))
    path = Path(model_path)
    if path.suffix.lower() == ".onnx":
        raise ModelLoadError(Message("analyze.onnx", path=path))
    return path


def analyze_model(
    model_path: str | Path,
    data: str | Path,
    *,
    max_images: int = 8,
    batch_size: int = 8,
    split: str = "val",
    device: str = "cpu",
    thresholds: GradientThresholds | None = None,
) -> dict[str, Any]:
    """Feature-map statistics and gradient flow of a model on a dataset's validation images.

    Args:
        model_path: An ultralytics YOLO-seg ``.pt`` model (e.g. a run's ``best.pt``).
        data: A YOLO-seg dataset folder (or its ``data.yaml``), e.g. from landseg export-dataset.
        max_images: How many images of the split to use (the first ones, in file order).
        batch_size: Images per forward/backward pass; gradients accumulate across passes.
        split: The dataset split to read images from.
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        thresholds: When gradients are flagged; defaults to :class:`GradientThresholds`.

    Returns:
        A dictionary: ``model``, ``data``, ``split``, ``images``, ``imgsz``, ``device``,
        ``features`` (one row per analysed layer output), ``gradients`` (``loss``,
        ``layers``, ``parameters``, ``issues``, ``frozen``, ``without_gradient``) and
        ``thresholds``.

    Raises:
        ModelLoadError: The model is missing, unreadable, ONNX, or not a segmentation model.
        InvalidParameterError: The dataset or an option is unusable.
    """
    from landseg.extras import require_training
    from landseg.inference.runtimes.devices import resolve_device
    from landseg.inference.runtimes.loading import load
    from landseg.offline import import_ultralytics

    require_training("landseg analyze")
    import_ultralytics()  # before any ultralytics import: no network, no telemetry

    path = _checked_model(model_path, max_images, batch_size)
    thresholds = thresholds or GradientThresholds()
    resolved = resolve_device(device)
    import torch

    segmenter = load(path, device=resolved, runtime="ultralytics")  # its network, hooked
    yolo = segmenter.yolo
    model = yolo.model.to(resolved).float()
    checkpoint_args = (getattr(yolo, "ckpt", None) or {}).get("train_args") or {}
    imgsz = int(
        segmenter.info.input_size_px
        or segmenter.info.tile_size_px
        or checkpoint_args.get("imgsz", 640)
    )
    stride = max(int(model.stride.max()), 32)
    cfg = _hyperparameters(checkpoint_args, imgsz)
    model.args = cfg
    with tempfile.TemporaryDirectory(prefix="landseg-analysis-") as folder:
        dataset = read_dataset(data, convert_into=Path(folder) / "coco", splits=[split])
        view = write_view(dataset, Path(folder) / "data", splits=[split])  # nothing written in it
        batches, count = _load_batches(view, split, cfg, max_images, batch_size, stride)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        features = _feature_pass(model, batches, resolved)
        gradients = _gradient_pass(model, batches, resolved, thresholds)
    return {
        "model": str(path),
        "sha256": segmenter.info.sha256,
        "data": str(dataset.yaml_path),
        "split": split,
        "images": count,
        "batch_size": batch_size,
        "imgsz": imgsz,
        "device": resolved,
        "features": features,
        "gradients": gradients,
        "thresholds": asdict(thresholds),
        "near_zero": NEAR_ZERO,
    }
