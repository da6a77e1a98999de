"""The base model a fine-tuning starts from, its classes matched to the dataset's by name."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from landseg.errors import LandSegWarning

MATCHED_NAME = "base-matched.pt"


def _class_names(model: Any) -> list[str]:
    names = getattr(model, "names", None) or {}
    return [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)


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
    import torch

    checkpoint = torch.load(base_model, map_location="cpu", weights_only=False)
    model = checkpoint.get("ema") or checkpoint.get("model")
    base_names = _class_names(model)
    if not base_names or base_names == class_names:
        return base_model
    name = Path(base_model).name
    if sorted(base_names) != sorted(class_names):
        _note(
            messages,
            f"Base model '{name}' has {len(base_names)} classes ({', '.join(base_names)}); the "
            f"dataset has {len(class_names)} ({', '.join(class_names)}). Its classification "
            "head learns the dataset's classes anew; the backbone and neck keep their training.",
        )
        return base_model
    _reorder_head(model, [base_names.index(n) for n in class_names])
    model.names = dict(enumerate(class_names))
    checkpoint["model"], checkpoint["ema"] = model, None
    matched = run_dir / MATCHED_NAME
    torch.save(checkpoint, matched)
    _note(
        messages,
        f"Base model '{name}' lists the dataset's classes in another order: its classification "
        "head was reordered to match them by name.",
    )
    return str(matched)


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
