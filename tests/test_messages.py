"""The command line's message catalogue: whole messages translated, never half."""

from __future__ import annotations

import re

import pytest

from landseg import messages


@pytest.mark.parametrize("message_id", sorted(messages.CATALOGUE))
def test_every_entry_translates_its_own_english(message_id):
    english, japanese = messages.CATALOGUE[message_id]
    names = re.findall(r"\{(\w+)\}", english)
    assert sorted(names) == sorted(re.findall(r"\{(\w+)\}", japanese)), message_id
    values = {name: f"<{name}>" for name in names}
    assert messages.translate(english.format(**values), "ja") == japanese.format(**values)
    assert messages.text(message_id, "en", **values) == english.format(**values)


def test_unknown_messages_stay_whole_and_english_stays_english(monkeypatch):
    assert messages.translate("Something new happened: do this.", "ja") == (
        "Something new happened: do this."
    )
    assert messages.translate("12/40 tiles", "en") == "12/40 tiles"
    monkeypatch.setenv(messages.LANGUAGE_ENV, "ja_JP")
    assert messages.translate("12/40 tiles") == "12/40 タイル"
    monkeypatch.delenv(messages.LANGUAGE_ENV)
    assert messages.translate("12/40 tiles") == "12/40 tiles"


def test_the_cli_prints_errors_in_the_language_asked_for(tmp_path, monkeypatch, capsys):
    from landseg.cli import cli
    from landseg.cli.runner import run_command

    monkeypatch.setenv(messages.LANGUAGE_ENV, "ja")
    argv = ["segment", str(tmp_path / "none.tif"), "-o", str(tmp_path / "o.gpkg")]
    assert run_command(cli, argv) == 2
    assert (
        f"landseg: error: ラスタ '{tmp_path / 'none.tif'}' が存在しません"
        in capsys.readouterr().err
    )
