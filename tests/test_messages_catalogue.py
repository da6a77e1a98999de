"""Every message the backend shows a user is made by id, and the catalogue says it in Japanese.

An ``ast`` walk over ``backend/landseg`` finds each place a user's message is made: raised errors
(LandSeg's and click's), ``require`` checks, ``warnings.warn``, progress reports, summary lines
and the warnings kept in a result's ``messages``. None may hand over literal English: each is a
``Message("id", ...)`` (or a value made by one elsewhere). Each ``Message`` call names an id of
the catalogue, literally, and gives exactly the values its templates name; each entry is used.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import click
import pytest

from landseg import messages
from landseg.messages import Listed, Message, said
from landseg.messages_catalogue import HELP

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backend" / "landseg"

# Calls that show an argument to the user: name -> index of the message among the arguments.
SINKS = {
    "require": 1,  # require(condition, message)
    "warn": 0,  # warnings.warn(message, LandSegWarning)
    "progress": 1,  # progress(fraction, message)
    "report": 1,  # job.report(fraction, message)
    "report_progress": 1,
    "_note": 1,  # _note(messages, message): a result's warnings
    "say": 0,  # Progress.say(message): a command's summary line
    "append": 0,  # messages.append(message), notices.append(message)
}
MESSAGE_LISTS = {"messages", "notices"}
# Raised exceptions whose argument is not a message for users.
NOT_MESSAGES = {"AttributeError", "NotImplementedError", "AssertionError", "KeyError"}
# Calls that look like sinks but are not: the report's own texts (reporting/texts.py).
NOT_SINKS = {("reporting/analysis_tables.py", "say")}
# Words that helpers put into their messages (argument index, placeholder): each must be a
# flag (kept as it is) or be said in Japanese by messages.VALUES under that placeholder's name.
VALUE_ARGUMENTS = {"check_fraction": (1, "setting"), "check_positive": (1, "setting")}


@dataclass(frozen=True)
class Site:
    """A place in the backend's source."""

    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


@cache
def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def _literal_text(node: ast.expr) -> bool:
    """Whether ``node`` spells out English for a user: a string, an f-string, text added."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search("[A-Za-z]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) or _literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) or _literal_text(node.orelse)
    return False


def _assigned_text(tree: ast.AST, name: str) -> bool:
    """Whether ``name`` is given literal text anywhere in ``tree``."""
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        and _literal_text(node.value)
        for node in ast.walk(tree)
    )


def _handed_over(node: ast.AST) -> list[ast.expr]:
    """The messages ``node`` hands to a user, if it is a sink."""
    raised = isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args
    if raised and ast.unparse(node.exc.func).split(".")[-1] not in NOT_MESSAGES:  # type: ignore[union-attr]
        return [node.exc.args[0]]  # type: ignore[union-attr]
    if isinstance(node, ast.Call) and _name(node.func) in SINKS:
        if _name(node.func) == "append" and _name(node.func.value) not in MESSAGE_LISTS:  # type: ignore[attr-defined]
            return []
        index = SINKS[_name(node.func)]
        return node.args[index : index + 1]
    return []


def literal_messages() -> list[Site]:
    """Messages handed to users as literal English, not by id."""
    found = []
    for path, tree in _modules():
        if path.startswith("messages"):
            continue
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and (path, _name(node.func)) in NOT_SINKS:
                    continue
                for message in _handed_over(node):
                    named = isinstance(message, ast.Name)
                    if _literal_text(message) or (named and _assigned_text(function, message.id)):
                        found.append(Site(path, message.lineno, ast.unparse(message)[:80]))
    return sorted(set(found), key=lambda site: (site.path, site.line))


def _assigned(scope: ast.AST, name: str) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(scope)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]


def _ids_of(node: ast.expr, scope: ast.AST, module: ast.Module) -> list[str] | None:
    """The literal ids ``node`` can be (a string, a choice of strings, a name given those in
    its function ``scope`` or its ``module``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _ids_of(node.body, scope, module), _ids_of(node.orelse, scope, module)
        return body + orelse if body is not None and orelse is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return _ids_of(ast.Name(node.value.id), scope, module)
    if isinstance(node, ast.Name):
        values = _assigned(scope, node.id) or _assigned(module, node.id)
        if len(values) == 1 and isinstance(values[0], ast.Dict):
            values = list(values[0].values)  # a table of ids: _MISSING[kind]
        ids = [_ids_of(value, scope, module) for value in values]
        if not ids or any(i is None for i in ids):
            return None
        return [key for keys in ids for key in keys]  # type: ignore[union-attr]
    return None


def message_calls() -> list[tuple[Site, list[str] | None, set[str], bool]]:
    """Each ``Message(...)`` call: where, its ids, its value names, whether it passes ``**``."""
    calls = {}
    for path, tree in _modules():
        if path == "messages.py":
            continue  # Message itself, remade from its id
        scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]
        for scope in scopes:  # the innermost function holding a call comes last, and wins
            for node in ast.walk(scope):
                if isinstance(node, ast.Call) and _name(node.func) == "Message" and node.args:
                    names = {k.arg for k in node.keywords if k.arg}
                    spread = any(k.arg is None for k in node.keywords)
                    site = Site(path, node.lineno, ast.unparse(node)[:80])
                    calls[site] = (site, _ids_of(node.args[0], scope, tree), names, spread)
    return list(calls.values())


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _template_regex(english: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^{}]*\}", english)
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


def copied_texts() -> list[Site]:
    """Strings in the source (outside the catalogue) that spell out a catalogue message: a
    message written again as English instead of made by its id."""
    templates = [
        _template_regex(english)
        for english, _ in messages.CATALOGUE.values()
        if len(re.sub(r"\{[^{}]*\}", "", english)) >= 25
    ]
    found = []
    for path, tree in _modules():
        if path.startswith("messages"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr | ast.Constant) and isinstance(
                getattr(node, "value", ""), str | list
            ):
                text = ast.unparse(node)[1:-1] if isinstance(node, ast.JoinedStr) else node.value
                if isinstance(text, str) and any(t.fullmatch(text) for t in templates):
                    found.append(Site(path, node.lineno, text[:80]))
    return found


LITERAL = literal_messages()
CALLS = message_calls()


def test_the_walk_finds_the_backends_messages():
    assert len(CALLS) > 250
    assert any(site.text.startswith("Message('raster.missing'") for site, *_ in CALLS)


def test_no_message_is_handed_to_a_user_as_literal_english():
    assert not LITERAL, "make these Message('id', ...) with an entry in the catalogue:\n" + (
        "\n".join(map(str, LITERAL))
    )


def test_no_catalogue_message_is_written_again_in_english():
    copies = copied_texts()
    assert not copies, "make these Message('id', ...):\n" + "\n".join(map(str, copies))


@pytest.mark.parametrize("call", CALLS, ids=lambda call: f"{call[0].path}:{call[0].line}")
def test_every_message_names_an_entry_and_its_values(call):
    site, ids, names, spread = call
    assert ids, f"{site}: give the id literally"
    for key in ids:
        assert key in messages.CATALOGUE, f"{site}: add {key!r} to messages_catalogue.py"
        wanted = _placeholders(messages.CATALOGUE[key][0])
        assert names <= wanted if spread else names == wanted, f"{site}: {key} takes {wanted}"


def test_every_entry_is_used_and_consistent():
    used = {key for _, ids, _, _ in CALLS for key in ids or ()}
    click_ids = {key for key in messages.CATALOGUE if key.startswith("click.")}
    assert set(messages.CATALOGUE) - used - click_ids == set()
    for key, (english, japanese) in messages.CATALOGUE.items():
        assert _placeholders(english) == _placeholders(japanese), key
        assert english.strip() == english and japanese.strip() == japanese, key
    for placeholder, words in messages.VALUES.items():
        for english, japanese in words.items():
            assert "{" not in english + japanese, (placeholder, english)


def test_the_click_entries_are_clicks_own_texts():
    """Their English is the id click asks gettext for: each must be in click's source."""
    source = "".join(
        path.read_text(encoding="utf-8") for path in Path(click.__file__).parent.glob("*.py")
    )
    for key, (english, _) in messages.CATALOGUE.items():
        if key.startswith("click."):
            assert f'"{english}"' in source, f"click no longer says {english!r}"


def _value_words() -> list[tuple[Site, str, str]]:
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in VALUE_ARGUMENTS:
                index, placeholder = VALUE_ARGUMENTS[_name(node.func)]
                word = node.args[index] if len(node.args) > index else None
                if isinstance(word, ast.Constant) and isinstance(word.value, str):
                    found.append((Site(path, node.lineno, word.value), placeholder, word.value))
    return found


@pytest.mark.parametrize("found", _value_words(), ids=lambda item: str(item[0]))
def test_every_word_put_into_a_message_has_japanese(found):
    site, placeholder, word = found
    if not word.startswith("-"):  # a flag such as --val-fraction reads the same in every language
        assert messages.said_word(placeholder, word), f"{site}: add it to VALUES[{placeholder!r}]"


# -- end to end: the CLI's error lines in Japanese, and English left alone -----------------------


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """A small synthetic raster with its labels."""
    from landseg.io.synthetic import write_scene

    return write_scene(tmp_path_factory.mktemp("scene"), size_px=256, seed=0)


def _error_line(argv, monkeypatch, capsys, lang: str | None) -> str:
    from landseg.cli import cli
    from landseg.cli.runner import run_command

    if lang is None:
        monkeypatch.delenv(messages.LANGUAGE_ENV, raising=False)
    else:
        monkeypatch.setenv(messages.LANGUAGE_ENV, lang)
    assert run_command(cli, [str(a) for a in argv]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    return lines[-1]


def test_an_option_outside_its_range_in_japanese(scene, tmp_path, monkeypatch, capsys):
    argv = ["segment", scene.raster_path, "-o", tmp_path / "out.gpkg", "--conf", "1.5"]
    assert _error_line(argv, monkeypatch, capsys, "ja") == (
        "landseg: error: 信頼度 1.5 が範囲 [0, 1] の外です。0.25 などを指定してください。"
    )
    assert _error_line(argv, monkeypatch, capsys, None) == (
        "landseg: error: Confidence 1.5 is outside [0, 1]: use e.g. 0.25."
    )


def test_a_missing_label_field_in_japanese(scene, tmp_path, monkeypatch, capsys):
    labels = scene.labels_path
    argv = ["export-dataset", scene.raster_path, "--labels", labels, "--class-field", "landuse"]
    argv += ["-o", tmp_path / "dataset"]
    assert _error_line(argv, monkeypatch, capsys, "ja_JP") == (
        f"landseg: error: ラベルレイヤファイル '{labels}' にフィールド 'landuse' がありません"
        "（フィールド: class）。クラスの入ったフィールドを選ぶか、すべての地物に共通のクラスを "
        "1 つ指定してください。"
    )
    assert _error_line(argv, monkeypatch, capsys, "en") == (
        f"landseg: error: Label layer file '{labels}' has no field 'landuse' (fields: class): "
        "choose the field that holds the class, or give one class for all features."
    )


def test_clicks_own_errors_in_japanese(scene, tmp_path, monkeypatch, capsys):
    argv = ["segment", scene.raster_path, "-o", tmp_path / "out.gpkg", "--conf", "high"]
    assert _error_line(argv, monkeypatch, capsys, "ja") == (
        "landseg: error: '--conf' の値が不正です: 'high' は有効な数値（float）ではありません。"
    )
    assert _error_line(["segment", scene.raster_path], monkeypatch, capsys, "ja") == (
        "landseg: error: オプション '-o' / '--output' がありません。"
    )
    assert _error_line(["segment", "--bands", "a"], monkeypatch, capsys, "ja") == (
        "landseg: error: '--bands' の値が不正です: 'a' は 1,2,3 のようなバンド番号の一覧では"
        "ありません"
    )
    assert _error_line(["segmnt"], monkeypatch, capsys, "ja") == (
        "landseg: error: コマンド 'segmnt' はありません。 'segment' のことですか？"
    )
    assert _error_line(["segmnt"], monkeypatch, capsys, None) == (
        "landseg: error: No such command 'segmnt'. Did you mean 'segment'?"
    )


def test_a_damaged_tile_in_japanese(scene, tmp_path, monkeypatch, capsys):
    """The real read error of a damaged block, raised while a command runs."""
    from rasterio.errors import RasterioError
    from rasterio.windows import Window

    from landseg.inference import pipeline
    from landseg.io.rasters import read_window

    class Damaged:
        name, files = str(scene.raster_path), [str(scene.raster_path)]

        def read(self, bands, window):
            raise RasterioError("TIFFReadEncodedTile() failed.")

    def segment(*args, **kwargs):
        read_window(Damaged(), [1, 2, 3], Window(512, 1024, 512, 512))

    monkeypatch.setattr(pipeline, "segment", segment)
    argv = ["segment", scene.raster_path, "-o", tmp_path / "out.gpkg"]
    assert _error_line(argv, monkeypatch, capsys, "ja") == (
        f"landseg: error: '{scene.raster_path}' の行 1024-1536、列 512-1024 を読み込めません"
        "（TIFFReadEncodedTile() failed.）。ファイルが壊れているか、参照先のファイルがありません。"
        "修復または復元してから、もう一度実行してください。"
    )
    assert _error_line(argv, monkeypatch, capsys, None) == (
        f"landseg: error: Cannot read rows 1024-1536, columns 512-1024 of '{scene.raster_path}' "
        "(TIFFReadEncodedTile() failed.): the file is damaged or a file it refers to is missing; "
        "repair or restore it, then run again."
    )


def test_values_inside_messages_are_said_in_japanese():
    from landseg.checks import check_positive

    with pytest.raises(ValueError) as raised:
        check_positive(-1, "Learning rate", example=0.01)
    assert said(raised.value, "ja") == (
        "学習率 -1 は 0 より大きくしてください。0.01 などを指定してください。"
    )
    where = Listed([Message("segment.skipped_at", row=0, column=512)] * 2)
    skipped = Message("segment.skipped", count=2, where=where)
    assert skipped == (
        "2 tile(s) could not be read and were skipped (at rows 0, columns 512; rows 0, "
        "columns 512): their area has no polygons."
    )
    assert said(skipped, "ja") == (
        "2 個のタイルを読み込めずスキップしました（位置: 0 行 512 列、0 行 512 列）。"
        "その範囲にはポリゴンがありません。"
    )
    # a cause that is a message itself is said by its id; a library's text stays as it is
    cause = OSError(Message("output.disk_full", name="t.png"))
    wrapped = Message("output.cannot_write", path="out", cause=cause)
    assert "t.png を書き込めませんでした（ディスクの空き不足？）" in said(wrapped, "ja")
    assert said(RuntimeError("a library's words"), "ja") == "a library's words"


# -- --help in Japanese --------------------------------------------------------------------------

_HELP_DUMP = """
import json
from landseg.cli import cli
helps = {"cli": cli.help}
for name, command in cli.commands.items():
    if not command.hidden:
        helps[name] = command.help
        for param in command.params:
            if getattr(param, "help", None) and not getattr(param, "hidden", False):
                helps[f"{name}.{param.name}"] = param.help
print(json.dumps(helps))
"""


def _helps(lang: str) -> dict[str, str]:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, messages.LANGUAGE_ENV: lang}
    run = subprocess.run(
        [sys.executable, "-c", _HELP_DUMP], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(run.stdout)


def test_every_command_and_option_has_japanese_help():
    english, japanese = _helps("en"), _helps("ja")
    assert english.keys() == japanese.keys()
    kana = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    missing = [key for key, text in japanese.items() if not kana.search(text)]
    assert not missing, f"add these to messages_catalogue.HELP: {missing}"
    assert not any(kana.search(text) for key, text in english.items() if key != "report")
    # every entry of HELP names a command or one of its options
    names = {key.split(".")[-1] for key in english}
    for key in HELP:
        assert key in english or (key.startswith("*.") and key[2:] in names), key


def test_help_reads_in_japanese():
    import os

    from tests.landseg_process import run_landseg

    run = run_landseg("synth", "--help", env={**os.environ, messages.LANGUAGE_ENV: "ja"})
    assert run.returncode == 0
    assert "使い方: landseg synth" in run.stdout and "オプション:" in run.stdout
    assert "シーンの幅と高さ（ピクセル）。  [既定値: 2048]" in run.stdout
    assert "このヘルプを表示して終了します。" in run.stdout
