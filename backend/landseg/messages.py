"""The command line's messages in the user's language: one catalogue, English and Japanese.

The backend writes its progress, warning and error messages in English; the CLI passes each
through :func:`translate` before printing it. A message matches a catalogue entry's English
template as a whole (``{name}`` stands for any text) and comes out as the entry's Japanese,
with the same values; a message with no entry stays English, whole — never half translated.
Where several entries match, the one with the most literal text wins, so a specific entry
(``... must be above 0 ...``) goes before a general one.

Some values are words rather than numbers or paths: a setting's name (``Confidence``), a
layer's role (``Labels file '...'``), a folder's kind. :data:`VALUES` translates those, by the
placeholder's name: an entry's ``{setting}`` or ``{layer}`` comes out in Japanese when its
value is known there (a flag such as ``--confidence`` or an unknown word stays as it is).

The language is ``LANDSEG_LANG`` (``ja``, ``en``...), which the QGIS plugin sets from QGIS's
locale. The catalogue itself is in :mod:`landseg.messages_catalogue`.
"""

from __future__ import annotations

import functools
import os
import re

from landseg.messages_catalogue import CATALOGUE, VALUES

__all__ = ["CATALOGUE", "LANGUAGE_ENV", "VALUES", "language", "match", "text", "translate"]

LANGUAGE_ENV = "LANDSEG_LANG"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LIST_SEPARATORS = ("; ", ", ")  # a value listing several items: each translated, if all can be


def language() -> str:
    """The two-letter language of messages (``en`` unless ``LANDSEG_LANG`` names another)."""
    return os.environ.get(LANGUAGE_ENV, "en")[:2].lower() or "en"


def _regex(english: str) -> re.Pattern[str]:
    """``english`` as a regular expression: its text literal, each ``{name}`` any text.

    A name used twice must hold the same text both times. A name with words in :data:`VALUES`
    tries those first, so that ``Learning rate -1`` splits as ``{setting} {value}`` should.
    """
    seen: set[str] = set()
    regex = []
    for index, part in enumerate(_PLACEHOLDER.split(english)):
        if index % 2 == 0:
            regex.append(re.escape(part))
        elif part in seen:
            regex.append(f"(?P={part})")
        else:
            seen.add(part)
            words = sorted(VALUES.get(part, {}), key=len, reverse=True)
            known = "".join(f"{_word_regex(word)}|" for word in words)
            regex.append(f"(?P<{part}>{known}.*?)")
    return re.compile("".join(regex), re.DOTALL)


def _word_regex(word: str) -> str:
    """A word of :data:`VALUES` as a regular expression (its own ``{name}`` parts any text)."""
    parts = _PLACEHOLDER.split(word)
    return "".join(re.escape(p) if i % 2 == 0 else ".*?" for i, p in enumerate(parts))


def _specificity(english: str) -> int:
    return len(_PLACEHOLDER.sub("", english))


def _compiled(entries: dict[str, tuple[str, str]]) -> list[tuple[str, re.Pattern[str], str]]:
    """(id, regex, Japanese) of ``entries``, those with the most literal text first."""
    ordered = sorted(entries.items(), key=lambda item: -_specificity(item[1][0]))
    return [(key, _regex(english), japanese) for key, (english, japanese) in ordered]


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern[str], str]]:
    return _compiled(CATALOGUE)


@functools.cache
def _value_patterns(name: str) -> list[tuple[str, re.Pattern[str], str]]:
    return _compiled({english: (english, japanese) for english, japanese in VALUES[name].items()})


def match(message: str) -> tuple[str, dict[str, str]] | None:
    """The id of the catalogue entry that ``message`` matches as a whole, and its values."""
    for key, pattern, _ in _patterns():
        found = pattern.fullmatch(message)
        if found:
            return key, found.groupdict()
    return None


def translate_value(name: str, value: str) -> str | None:
    """The Japanese of ``value`` as the placeholder ``name`` holds it; None when unknown.

    A list (items joined by ``; `` or ``, ``) is translated item by item when every item is
    known; that is tried first, so that a word with ``{parts}`` cannot swallow the next item.
    """
    if name not in VALUES or not value:
        return None
    for separator in _LIST_SEPARATORS:
        if separator in value:
            items = [translate_value(name, item) for item in value.split(separator)]
            if all(item is not None for item in items):
                return "、".join(items)  # type: ignore[arg-type]
    for _, pattern, japanese in _value_patterns(name):
        found = pattern.fullmatch(value)
        if found:
            return japanese.format(**_values(found.groupdict()))
    return None


def _values(values: dict[str, str]) -> dict[str, str]:
    """``values`` with each word that :data:`VALUES` knows in Japanese."""
    return {name: translate_value(name, value) or value for name, value in values.items()}


def translate(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (default :func:`language`); unchanged when it has no entry."""
    if (lang or language()) != "ja":
        return message
    for _, pattern, japanese in _patterns():
        found = pattern.fullmatch(message)
        if found:
            return japanese.format(**_values(found.groupdict()))
    return message


def text(message_id: str, lang: str | None = None, **values: object) -> str:
    """The catalogue's message ``message_id`` with ``values``, in ``lang``."""
    english, japanese = CATALOGUE[message_id]
    return (japanese if (lang or language()) == "ja" else english).format(**values)
