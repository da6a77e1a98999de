"""The base model a fine-tuning starts from, its classes matched to the dataset's by name."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from landseg.errors import InvalidParameterError, LandSegWarning
from landseg.messages import Message
from landseg.spelling import look_alike_hint, unify_spellings

MATCHED_NAME = "base-matched.pt"


def _class_names(model: Any) -> list[str]:
    names = getattr(model, "names", None) or {}
    return [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)


def _checkpoint(base_model: str) -> tuple[dict[str, Any], Any]:
    """A ``.pt`` file's checkpoint and its model."""
    import torch

    checkpoint = torch.load(base_model, map_location="cpu", weights_only=False)
    return checkpoint, checkpoint.get("ema") or checkpoint.get("model")


def dataset_names_for_base(
    class_names: list[str], base_model: str, class_map: dict[str, str] | None
) -> list[str]:
    """The dataset's class names renamed by ``class_map`` and spelled as the base model spells
    them (``Rice_Fields`` is its ``rice-fields``, with a warning), in the dataset's order."""
    class_map = class_map or {}
    unknown = ", ".join(name for name in class_map if name not in class_names)
    if unknown:
        classes = ", ".join(class_names)
        raise InvalidParameterError(
            Message("train.class_map_unknown", unknown=unknown, classes=classes)
        )
    names = [class_map.get(name, name) for name in class_names]
    base_names = _class_names(_checkpoint(base_model)[1]) if base_model.endswith(".pt") else []
    names = list(unify_spellings(names, base_names, name="The dataset"))
    if len(set(names)) < len(names):
        classes = ", ".join(names)
        raise InvalidParameterError(Message("train.class_map_duplicate", classes=classes))
    return names


def matched_base_model(
    base_model: str, class_names: list[str], run_dir: Path, messages: list[str]
) -> str:
    """The model file to start from, with its classes in the dataset's order.

    A base model that knows the dataset's classes in another order gets its classification head
    reordered (a copy in ``run_dir``), so each class starts from what it learnt; one with other
    classes gets a new head from ultralytics, with a warning.
    """
    if not base_model.endswith(".pt"):
        return base_model
    checkpoint, model = _checkpoint(base_model)
    base_names = _class_names(model)
    if not base_names or base_names == class_names:
        return base_model
    name = Path(base_model).name
    if sorted(base_names) != sorted(class_names):
        _note(messages, _new_head_message(name, base_names, class_names))
        return base_model
    _reorder_head(model, [base_names.index(n) for n in class_names])
    model.names = dict(enumerate(class_names))
    checkpoint["model"], checkpoint["ema"] = model, None
    matched = run_dir / MATCHED_NAME
    import torch

    torch.save(checkpoint, matched)
    _note(
        messages,
        Message("train.base_reordered", name=name),
    )
    return str(matched)


def _new_head_message(name: str, base_names: list[str], class_names: list[str]) -> Message:
    """The base model gets a new head; how to keep what it learnt, where the dataset's names
    look like its names."""
    hint = look_alike_hint([n for n in class_names if n not in base_names], base_names)
    counts = {
        "name": name,
        "base_count": len(base_names),
        "base_classes": ", ".join(base_names),
        "count": len(class_names),
        "classes": ", ".join(class_names),
    }
    if hint:
        return Message("train.base_new_head_look_alike", **counts, hint=hint)
    return Message("train.base_new_head", **counts)


def _reorder_head(model: Any, order: list[int]) -> None:
    """Permute the class outputs of the detection head's classification convolutions."""
    head = model.model[-1]
    branches = [b for attr in ("cv3", "one2one_cv3") for b in getattr(head, attr, None) or ()]
    for branch in branches:
        conv = branch[-1]
        while not hasattr(conv, "weight"):  # nested blocks end in the plain convolution
            conv = conv[-1]
        conv.weight.data = conv.weight.data[order].clone()
        if conv.bias is not None:
            conv.bias.data = conv.bias.data[order].clone()


def _note(messages: list[str], message: str) -> None:
    messages.append(message)
    warnings.warn(message, LandSegWarning, stacklevel=4)
