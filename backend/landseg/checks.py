"""Option checks shared by the Python API and every command, run before any file is touched."""

from __future__ import annotations

from collections.abc import Sequence

from landseg.errors import InvalidParameterError
from landseg.messages import Message


def require(condition: bool, message: Message) -> None:
    """Raise :class:`InvalidParameterError` with ``message`` (what is wrong, what to give)."""
    if not condition:
        raise InvalidParameterError(message)


def check_fraction(value: float, name: str, *, example: float, allow_one: bool = True) -> None:
    """``value`` lies in [0, 1] (or [0, 1) when ``allow_one`` is off)."""
    upper_ok = value <= 1 if allow_one else value < 1
    bounds = "[0, 1]" if allow_one else "[0, 1)"
    message = Message(
        "check.fraction", setting=name, value=f"{value:g}", bounds=bounds, example=example
    )
    require(value >= 0 and upper_ok, message)


def check_positive(value: float, name: str, *, example: float, zero_ok: bool = False) -> None:
    """``value`` is above zero (or at least zero when ``zero_ok``)."""
    ok = value >= 0 if zero_ok else value > 0
    key = "check.at_least_zero" if zero_ok else "check.above_zero"
    require(ok, Message(key, setting=name, value=f"{value:g}", example=example))


def check_class_names(names: Sequence[str], name: str = "--classes") -> list[str]:
    """Class names without blanks or repeats, as a list."""
    cleaned = [str(n).strip() for n in names]
    require(all(cleaned), Message("check.empty_class", option=name))
    repeated = sorted({n for n in cleaned if cleaned.count(n) > 1})
    require(not repeated, Message("check.repeated_class", option=name, classes=", ".join(repeated)))
    return cleaned
