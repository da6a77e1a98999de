"""The messages LandSeg shows its users, made by id and said in English or Japanese.

A message is made as ``Message("id", name=value, ...)``: a ``str`` holding its English text (what
logs, tests and Python callers read), which keeps its id and values so that the command line can
say it in the user's language (:func:`said`). The catalogue,
:mod:`landseg.messages_catalogue`, holds each id's English and Japanese templates.

A message's values are said in its language too: a value that is itself a message (a cause, a
layer's name) is said by its own id; a word that :data:`VALUES` knows under the placeholder's
name (a setting's name such as ``Confidence``, a folder's kind) comes out in Japanese; numbers,
paths, flags and unknown words stay as they are.

The language is ``LANDSEG_LANG`` (``ja``, ``en``...), which the QGIS plugin sets from QGIS's
locale.
"""

from __future__ import annotations

import os

from landseg.messages_catalogue import CATALOGUE, VALUES

__all__ = ["CATALOGUE", "LANGUAGE_ENV", "VALUES", "Listed", "Message", "language", "said"]

LANGUAGE_ENV = "LANDSEG_LANG"
_LIST_SEPARATORS = ("; ", ", ")  # a value listing several words: each said, if all are known


def language() -> str:
    """The two-letter language of messages (``en`` unless ``LANDSEG_LANG`` names another)."""
    return os.environ.get(LANGUAGE_ENV, "en")[:2].lower() or "en"


class Message(str):
    """A message for users: its English text, with the id and values that say it in Japanese."""

    id: str
    values: dict[str, object]

    def __new__(cls, message_id: str, /, **values: object) -> Message:
        """The catalogue's message ``message_id`` with ``values``."""
        message = super().__new__(cls, CATALOGUE[message_id][0].format(**values))
        message.id, message.values = message_id, values
        return message

    def __reduce__(self) -> tuple:
        """Pickled by id and values (a run's errors cross Dask workers)."""
        return _remade, (self.id, self.values)

    def said(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default :func:`language`)."""
        if (lang or language()) != "ja":
            return str(self)
        values = {name: _said_value(name, value) for name, value in self.values.items()}
        return CATALOGUE[self.id][1].format(**values)


def _remade(message_id: str, values: dict[str, object]) -> Message:
    return Message(message_id, **values)


class Listed(str):
    """Items of a message (places, classes) joined by ``separator``; in Japanese by 、, each
    item said in Japanese."""

    items: list[object]
    separator: str

    def __new__(cls, items: list[object], separator: str = "; ") -> Listed:
        """``items`` as one value of a message."""
        listed = super().__new__(cls, separator.join(map(str, items)))
        listed.items, listed.separator = list(items), separator
        return listed

    def __reduce__(self) -> tuple:
        """Pickled with its items."""
        return Listed, (self.items, self.separator)


def said(item: object, lang: str | None = None) -> str:
    """``item`` (a message, an error holding one, any text) in ``lang``.

    An error says its message when it holds one; other text (a library's own error) stays as
    it is, whole.
    """
    if isinstance(item, BaseException) and len(item.args) == 1:
        item = item.args[0]
    return item.said(lang) if isinstance(item, Message) else str(item)


def said_word(name: str, word: str) -> str | None:
    """The Japanese of ``word`` as the placeholder ``name`` holds it; None when unknown.

    A list (words joined by ``; `` or ``, ``) is said word by word when every word is known.
    """
    words = VALUES.get(name, {})
    if word in words:
        return words[word]
    for separator in _LIST_SEPARATORS:
        if separator in word:
            items = [said_word(name, item) for item in word.split(separator)]
            if all(item is not None for item in items):
                return "、".join(items)  # type: ignore[arg-type]
    return None


def _said_value(name: str, value: object) -> str:
    """A message's value in Japanese: a message or error by its id, a known word, or as it is."""
    if isinstance(value, Message | BaseException):
        return said(value, "ja")
    if isinstance(value, Listed):
        return "、".join(_said_value(name, item) for item in value.items)
    text = format(value)
    return said_word(name, text) or text
