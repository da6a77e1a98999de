"""Options declared once: each field of an options dataclass carries its flag, help and unit.

A command's options are the fields of one dataclass (:class:`~landseg.inference.options.
SegmentOptions`, :class:`~landseg.training.options.TrainOptions`), each declared with
:func:`option`: its default (from :mod:`landseg.defaults`), command-line flag, help in English
and Japanese, unit and kind. The command line's options are made from those declarations
(:func:`landseg.cli.options.declared_options`), the Python API takes the same names, a Dask
worker gets the dataclass itself, and a test checks the plugin's parameters against them. A new
option is one field here plus its use.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from landseg import defaults

KINDS = (
    "value",
    "number",
    "integer",
    "path",
    "flag",
    "switch",
    "bbox",
    "integers",
    "names",
    "mapping",
)


@dataclass(frozen=True)
class Option:
    """One declared option: what the command line, the API and the plugin call it and say."""

    name: str  # the Python keyword and dataclass field
    flag: str  # the command-line flag, e.g. --min-area-m2
    default: Any
    help: str  # English
    help_ja: str  # 日本語
    kind: str = "value"  # how the command line reads it: one of KINDS
    unit: str = ""  # m, m², px ... (empty: none)
    choices: tuple[str, ...] = ()
    plugin: bool = False  # offered by the plugin (its argument builder takes this name)


def option(
    default: Any,
    flag: str,
    help: str,
    help_ja: str,
    *,
    kind: str = "value",
    unit: str = "",
    choices: tuple[str, ...] = (),
    plugin: bool = False,
) -> Any:
    """A dataclass field declared as an option (``dataclasses.field`` with its declaration)."""
    assert kind in KINDS, kind
    declared = {"flag": flag, "help": help, "help_ja": help_ja, "kind": kind}
    declared |= {"unit": unit, "choices": choices, "plugin": plugin}
    return dataclasses.field(default=default, metadata={"option": declared})


def device_option() -> Any:
    """``--device``, the same for every command that runs a model."""
    return option(
        defaults.DEVICE,
        "--device",
        "auto (CUDA when present), cpu, cuda or cuda:N.",
        "auto（CUDA があれば使用）、cpu、cuda、cuda:N。",
        plugin=True,
    )


def declared(options_class: type) -> list[Option]:
    """The options a dataclass declares, in field order (fields without a declaration are the
    API's only, e.g. a training run's ``extra`` ultralytics arguments)."""
    return [
        Option(name=field.name, default=field.default, **field.metadata["option"])
        for field in dataclasses.fields(options_class)
        if "option" in field.metadata
    ]


def options_help(options_class: type) -> str:
    """The declared options as a docstring's ``Options:`` section (for ``help()``)."""
    lines = ["", "", "Options (keywords; see the fields of " + options_class.__name__ + "):"]
    for item in declared(options_class):
        unit = f" [{item.unit}]" if item.unit else ""
        lines.append(f"    {item.name} ({item.flag}){unit}: {item.help}")
    return "\n".join(lines)
