"""Click's own messages in the user's language, by id.

Click asks ``gettext`` for each of its texts by the English text itself, its id; the catalogue's
``click.*`` entries hold those ids as their English, and :func:`speak_for_click` answers click
with their Japanese. A missing parameter, which click builds from pieces, is said whole from
the error's parameter.
"""

from __future__ import annotations

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

from landseg.messages import CATALOGUE, Message, language, said

_CLICK_TEXTS = {
    english: japanese for key, (english, japanese) in CATALOGUE.items() if key.startswith("click.")
}
_MISSING = {"argument": "cli.missing_argument", "option": "cli.missing_option"}


def _gettext(text: str) -> str:
    return _CLICK_TEXTS.get(text, text) if language() == "ja" else text


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)


def speak_for_click() -> None:
    """Give click's modules LandSeg's ``gettext``: Japanese where ``LANDSEG_LANG`` says so."""
    modules = (click.core, click.decorators, click.exceptions, click.formatting, click.parser)
    for module in (*modules, click.types):
        module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]


def error_text(error: BaseException) -> str:
    """The one line that says ``error`` (LandSeg's or click's) in the user's language."""
    if not isinstance(error, click.ClickException):
        return said(error)
    if isinstance(error, click.MissingParameter) and not error.message and error.param:
        kind = error.param_type or error.param.param_type_name
        hint = error.param_hint or error.param.get_error_hint(error.ctx)  # type: ignore[arg-type]
        if kind in _MISSING and isinstance(hint, str):
            return said(Message(_MISSING[kind], name=hint))
    if isinstance(error.message, Message):
        error.message = said(error.message)
    return error.format_message()
