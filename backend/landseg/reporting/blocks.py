"""The report's building blocks (tables, text, notes, figures, sections), each in every language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from landseg.reporting.formatting import joined
from landseg.reporting.texts import Bi

Cell = str | Bi


@dataclass
class Table:
    """A table whose cells are shared strings or per-language text."""

    headers: list[Cell]
    rows: list[list[Cell]]
    caption: Bi | None = None
    key: str = ""


@dataclass
class Paragraph:
    """A paragraph of text in both languages."""

    text: Bi


@dataclass
class Bullets:
    """A bulleted list, each item in both languages."""

    items: list[Bi]


NOTE_TITLES = {"missing": "missing_title", "info": "note_title", "caution": "caution_title"}


@dataclass
class Note:
    """A notice; ``kind`` is ``missing`` (data absent from the record), ``caution`` or ``info``."""

    text: Bi
    kind: str = "missing"


@dataclass
class Heading:
    """A sub-heading inside a section."""

    text: Bi


@dataclass
class Figure:
    """A PNG figure with its caption."""

    name: str
    png: bytes
    caption: Bi


Block = Table | Paragraph | Bullets | Note | Heading | Figure


@dataclass
class Section:
    """A numbered section of the report: its title and blocks."""

    key: str
    title: Bi
    blocks: list[Block] = field(default_factory=list)
    number: int | None = None

    def heading(self, languages: Sequence[str]) -> str:
        """The section's numbered title in ``languages``."""
        prefix = f"{self.number}. " if self.number is not None else ""
        return prefix + joined(self.title, languages)


@dataclass
class Report:
    """The whole report: title, overview, what is missing and the sections."""

    title: Bi
    subtitle: str
    overview: Table | None
    missing: list[Bi]
    sections: list[Section]
    footer: Bi
