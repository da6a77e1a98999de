"""Messages by id: English as the text, Japanese from the catalogue, whole, never half."""

from __future__ import annotations

import copy
import pickle
import string

import pytest

from landseg import messages
from landseg.errors import RasterReadError
from landseg.messages import Listed, Message, said


@pytest.mark.parametrize("message_id", sorted(k for k in messages.CATALOGUE if "." in k))
def test_every_entry_says_its_values_in_both_languages(message_id):
    english, japanese = messages.CATALOGUE[message_id]
    if message_id.startswith("click."):
        return  # click's own texts, which click formats (tests/test_messages_catalogue.py)
    names = {field for _, field, _, _ in string.Formatter().parse(english) if field}
    values = {name: f"<{name}>" for name in names}
    message = Message(message_id, **values)
    assert message == english.format(**values) and said(message, "en") == message
    assert said(message, "ja") == japanese.format(**values)


def test_a_message_is_its_english_text_and_keeps_its_id(monkeypatch):
    message = Message("raster.missing", path="/data/a.tif")
    assert isinstance(message, str) and message.startswith("Raster '/data/a.tif'")
    assert message.id == "raster.missing" and message.values == {"path": "/data/a.tif"}
    monkeypatch.setenv(messages.LANGUAGE_ENV, "ja_JP")
    assert said(message) == said(message, "ja") != message
    monkeypatch.delenv(messages.LANGUAGE_ENV)
    assert said(message) == message


def test_messages_and_errors_holding_them_survive_pickling():
    """A run's errors cross Dask workers: their message keeps its id and values."""
    error = RasterReadError(Message("raster.missing", path="/data/a.tif"))
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and said(again, "ja") == said(error, "ja")
    listed = Listed([Message("segment.skipped_at", row=0, column=512)], "; ")
    for copied in (pickle.loads(pickle.dumps(listed)), copy.deepcopy(listed)):
        assert copied == listed and copied.items == listed.items


def test_text_that_is_not_a_message_stays_as_it_is():
    assert said("a library's words", "ja") == "a library's words"
    assert said(ValueError("two", "arguments"), "ja") == str(ValueError("two", "arguments"))


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
