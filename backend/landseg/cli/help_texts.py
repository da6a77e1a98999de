"""The commands' ``--help`` in the user's language: Japanese from the catalogue, by the name of
the command and of the option (:data:`landseg.messages_catalogue.HELP`).

Options declared in :mod:`landseg.schema` carry their own Japanese; click's own words (Usage,
Options, "Show this message and exit.") come through its gettext ids (:mod:`click_texts`).
"""

from __future__ import annotations

import re

import click

from landseg.messages import language
from landseg.messages_catalogue import HELP

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def speak_help(group: click.Group) -> None:
    """Give ``group``'s commands and options their Japanese help where ``LANDSEG_LANG`` is ja."""
    if language() != "ja":
        return
    group.help = HELP.get(group.name or "", group.help)
    for name, command in group.commands.items():
        command.help = HELP.get(name, command.help)
        for param in command.params:
            help = getattr(param, "help", None)
            if help and not _JAPANESE.search(help):
                param.help = HELP.get(f"{name}.{param.name}") or HELP.get(f"*.{param.name}", help)
