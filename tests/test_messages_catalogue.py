"""Every message the backend can show a user has a Japanese entry in the catalogue.

An ``ast`` walk over ``backend/landseg`` finds each message a user can read: the text of raised
errors (LandSeg's and click's), ``require`` checks, ``warnings.warn``, progress reports,
summary lines and the warnings kept in a result's ``messages``. Each becomes a template (each
``{expression}`` a ``{name}``). A value that can only be one of a few literal texts (``word =
"above 0" if ... else "at least 0"``, a module's constant) is spelled out instead, one template
per text. Each template must be matched as a whole by a catalogue entry whose ``{name}`` parts
capture values only, never English words (unless :data:`landseg.messages.VALUES` translates
them): a new message without Japanese fails here, naming its file, line and text.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from landseg import messages

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
}
# Lists whose items become a result's warnings (which the CLI prints).
MESSAGE_LISTS = {"messages", "notices"}
# Raised exceptions whose argument is not a message for users.
NOT_MESSAGES = {"AttributeError", "NotImplementedError", "AssertionError", "KeyError"}
# Calls that look like sinks but are not: the report's own texts (translated in texts.py).
NOT_SINKS = {("reporting/analysis_tables.py", "say")}
# Click prefixes the message of a BadParameter with the option's name.
PREFIXES = {
    "BadParameter": [("text", "Invalid value for "), ("value", ("option", "")), ("text", ": ")]
}
# Words that helpers put into their messages (argument index, placeholder): each must be a
# flag (kept as it is) or be translated by messages.VALUES under that placeholder's name.
VALUE_ARGUMENTS = {
    "check_fraction": (1, "setting"),
    "check_positive": (1, "setting"),
    "read_vector": (1, "role"),
    "check_model_classes": (0, "model"),
}
MAX_VARIANTS = 64


@dataclass(frozen=True)
class Found:
    """A message template found in the source, and where it is made."""

    path: str
    line: int
    template: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.template!r}"


def _template(parts: tuple) -> str:
    """``parts`` (("text", literal) and ("value", (name, source)) items) as a template."""
    names: dict[str, str] = {}
    out = []
    for kind, item in parts:
        if kind == "text":
            out.append(item.replace("{", "{{").replace("}", "}}"))
            continue
        name, source = item
        if source not in names:
            taken = set(names.values())
            candidates = itertools.chain([name], (f"{name}{i}" for i in itertools.count(2)))
            names[source] = next(n for n in candidates if n not in taken)
        out.append("{" + names[source] + "}")
    return "".join(out)


def _readable(node: ast.expr) -> str:
    """A readable name for the value of ``node``."""
    if isinstance(node, ast.Name):
        return node.id.strip("_").lower() or "value"
    if isinstance(node, ast.Attribute):
        return node.attr.strip("_").lower()
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return _readable(node.value)
    if isinstance(node, ast.Call):
        func, args = node.func, node.args
        wrapper = isinstance(func, ast.Name) and func.id in {"len", "sum", "sorted", "list", "str"}
        joined = isinstance(func, ast.Attribute) and func.attr == "join"
        if (wrapper or joined) and args:
            return _readable(args[0])
        return _readable(func)
    if isinstance(node, ast.BinOp):
        return _readable(node.left)
    if isinstance(node, ast.BoolOp):
        return _readable(node.values[0])
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return _readable(node.elt)
    return "value"


@cache
def _module(path: Path) -> _Module:
    return _Module(path)


class _Module:
    """One source file: its messages, and the names and helpers that build them."""

    def __init__(self, path: Path):
        self.relative = path.relative_to(PACKAGE).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.functions = {
            node.name: node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.imports = {
            alias.asname or alias.name: (node.module, alias.name)
            for node in self.tree.body
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("landseg")
            for alias in node.names
        }

    # -- where a name's text comes from ----------------------------------------------------

    def _function(self, node: ast.AST) -> ast.AST | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    @staticmethod
    def _assigned(name: str, nodes) -> list[ast.expr]:
        return [
            node.value
            for node in nodes
            if isinstance(node, ast.Assign | ast.AnnAssign)
            and node.value is not None
            and any(
                isinstance(t, ast.Name) and t.id == name
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
        ]

    def assignments(self, name: str, at: ast.AST) -> list[tuple[_Module, ast.expr]]:
        """Values given to ``name`` where ``at`` reads it: in its function, module or import.

        A name that is also a parameter, a loop variable or added to has no known text."""
        function = self._function(at)
        if function is not None:
            nodes = list(ast.walk(function))
            bound_otherwise = any(
                (isinstance(n, ast.arg) and n.arg == name)
                or (
                    isinstance(n, ast.AugAssign | ast.For | ast.comprehension)
                    and name in {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
                )
                for n in nodes
            )
            found = self._assigned(name, nodes)
            if bound_otherwise:
                return []
            if found:
                return [(self, value) for value in found]
        found = self._assigned(name, self.tree.body)
        if found or name not in self.imports:
            return [(self, value) for value in found]
        module, original = self.imports[name]
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        path = path if path.exists() else path.with_suffix("") / "__init__.py"
        return _module(path).assignments(original, _module(path).tree) if path.exists() else []

    def returns(self, name: str) -> list[tuple[_Module, ast.expr]]:
        function = self.functions.get(name)
        if function is None:
            return []
        return [
            (self, n.value) for n in ast.walk(function) if isinstance(n, ast.Return) and n.value
        ]

    # -- the texts an expression can be ----------------------------------------------------

    def has_text(self, node: ast.expr, depth: int = 0) -> bool:
        """Whether ``node`` spells out literal text, rather than only holding a value."""
        if depth > 8:
            return False
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.has_text(node.left, depth + 1) or self.has_text(node.right, depth + 1)
        if isinstance(node, ast.IfExp):
            return self.has_text(node.body, depth + 1) or self.has_text(node.orelse, depth + 1)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return any(self.has_text(v, depth + 1) for v in node.values)
        sources = self._sources(node)
        return bool(sources) and all(m.has_text(v, depth + 1) for m, v in sources)

    def _sources(self, node: ast.expr) -> list[tuple[_Module, ast.expr]]:
        if isinstance(node, ast.Name):
            return self.assignments(node.id, node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self.returns(node.func.id)
        return []

    def variants(self, node: ast.expr, depth: int = 0) -> list[tuple]:
        """Each text ``node`` can be, as parts: literal text and values."""
        if depth > 8 or not self.has_text(node):
            return [(("value", (_readable(node), f"{self.relative}:{ast.unparse(node)}")),)]
        if isinstance(node, ast.Constant):
            return [(("text", node.value),)]
        if isinstance(node, ast.JoinedStr):
            return self._product(
                [
                    [(("text", v.value),)]
                    if isinstance(v, ast.Constant)
                    else self.variants(v.value, depth + 1)  # type: ignore[attr-defined]
                    for v in node.values
                ]
            )
        if isinstance(node, ast.BinOp):
            return self._product(
                [self.variants(node.left, depth + 1), self.variants(node.right, depth + 1)]
            )
        if isinstance(node, ast.IfExp):
            return self.variants(node.body, depth + 1) + self.variants(node.orelse, depth + 1)
        if isinstance(node, ast.BoolOp):
            return [p for v in node.values for p in self.variants(v, depth + 1)]
        return [p for m, v in self._sources(node) for p in m.variants(v, depth + 1)]

    @staticmethod
    def _product(pieces: list[list[tuple]]) -> list[tuple]:
        combined = [sum(combo, ()) for combo in itertools.product(*pieces)]
        assert len(combined) <= MAX_VARIANTS, "a message with too many variants"
        return combined

    # -- where messages are made -----------------------------------------------------------

    def message_nodes(self):
        """(node, message expression, prefix) for each place a user's message is made."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = _readable(node.exc.func)
                exception = ast.unparse(node.exc.func).split(".")[-1]
                if name not in {n.lower() for n in NOT_MESSAGES} and node.exc.args:
                    yield node, node.exc.args[0], PREFIXES.get(exception, [])
            elif isinstance(node, ast.Assign) and any(
                _readable(t) in MESSAGE_LISTS for t in node.targets
            ):  # messages = messages + [f"..." for ...]
                for item in ast.walk(node.value):
                    if isinstance(item, ast.List):
                        yield from ((node, element, []) for element in item.elts)
                    elif isinstance(item, ast.ListComp):
                        yield node, item.elt, []
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "append" and _readable(func.value) in MESSAGE_LISTS:  # type: ignore[union-attr]
                    yield node, node.args[0], []
                elif name in SINKS and (self.relative, name) not in NOT_SINKS:
                    index, args = SINKS[name], node.args
                    if len(args) == 1 and isinstance(args[0], ast.Starred):
                        yield from self._starred(node, args[0].value, index)
                    elif len(args) > index:
                        yield node, args[index], []

    def _starred(self, node: ast.AST, value: ast.expr, index: int):
        """``report(*_progress(...))``: the message is an item of the helper's tuple."""
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            for _, returned in self.returns(value.func.id):
                if isinstance(returned, ast.Tuple) and len(returned.elts) > index:
                    yield node, returned.elts[index], []

    def found(self) -> list[Found]:
        result = []
        for node, message, prefix in self.message_nodes():
            if not self.has_text(message):
                continue  # a message passed on (str(error), messages[-1]): found where made
            for parts in self.variants(message):
                result.append(Found(self.relative, node.lineno, _template((*prefix, *parts))))
        return result

    def value_arguments(self) -> list[tuple[Found, str]]:
        """Words handed to :data:`VALUE_ARGUMENTS`' helpers, with their placeholder's name."""
        result = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            index, placeholder = VALUE_ARGUMENTS.get(node.func.id, (None, ""))
            if index is None or len(node.args) <= index or not self.has_text(node.args[index]):
                continue
            for parts in self.variants(node.args[index]):
                found = Found(self.relative, node.lineno, _template(parts))
                result.append((found, placeholder))
        return result


def backend_messages() -> list[Found]:
    """Every message template in the backend's source, in file and line order."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += sorted(_module(path).found(), key=lambda f: f.line)
    return found


def backend_value_arguments() -> list[tuple[Found, str]]:
    return [
        item for path in sorted(PACKAGE.rglob("*.py")) for item in _module(path).value_arguments()
    ]


# -- the catalogue covers every message --------------------------------------------------------

MESSAGES = backend_messages()
VALUE_WORDS = backend_value_arguments()


def _sample(template: str) -> str:
    """``template`` with each ``{name}`` a distinct value that holds no letter."""
    names = list(dict.fromkeys(re.findall(r"\{(\w+)\}", template)))
    return template.format(**{name: f"<{index}>" for index, name in enumerate(names)})


def _untranslated(message: str) -> list[str]:
    """The English words of ``message`` that its translation would keep (none: fully covered)."""
    if not re.search(r"[A-Za-z]", re.sub(r"<\d+>", "", message)):
        return []
    found = messages.match(message)
    if found is None:
        return [message]
    entry, values = found
    return [
        f"{{{name}}} of {entry!r} captures {value!r}"
        for name, value in values.items()
        if re.search(r"[A-Za-z]", re.sub(r"<\d+>", "", value))
        and messages.translate_value(name, value) is None
    ]


def test_the_walk_finds_the_backends_messages():
    templates = {found.template for found in MESSAGES}
    assert len(templates) > 150
    assert "Raster '{uri}' does not exist: check the path." in templates
    assert "{name} {value} must be above 0: use e.g. {example}." in templates  # word spelled out
    assert any(t.startswith("{done}/{total} tiles, {objects} objects") for t in templates)
    assert any(t.startswith("Invalid value for {option}: ") for t in templates)  # click's prefix


@pytest.mark.parametrize("found", MESSAGES, ids=lambda found: f"{found.path}:{found.line}")
def test_every_message_has_a_japanese_entry(found):
    missing = _untranslated(_sample(found.template))
    assert not missing, f"no Japanese for {found}: add it to landseg/messages_catalogue.py"


@pytest.mark.parametrize(
    ("found", "placeholder"), VALUE_WORDS, ids=lambda item: str(getattr(item, "line", item))
)
def test_every_word_put_into_a_message_has_japanese(found, placeholder):
    word = _sample(found.template)
    if word.startswith("-"):
        return  # a flag such as --val-fraction reads the same in every language
    assert messages.translate_value(placeholder, word) is not None, (
        f"{found}: add {word!r} to messages_catalogue.VALUES[{placeholder!r}]"
    )


def test_every_entry_is_consistent():
    for key, (english, japanese) in messages.CATALOGUE.items():
        names = sorted(re.findall(r"\{(\w+)\}", english))
        assert names == sorted(re.findall(r"\{(\w+)\}", japanese)), key
        assert english.strip() == english and japanese.strip() == japanese, key
    for placeholder, words in messages.VALUES.items():
        for english, japanese in words.items():
            names = sorted(re.findall(r"\{(\w+)\}", english))
            assert names == sorted(re.findall(r"\{(\w+)\}", japanese)), (placeholder, english)


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


def test_words_inside_messages_come_out_in_japanese():
    from landseg.checks import check_positive

    with pytest.raises(ValueError) as raised:
        check_positive(-1, "Learning rate", example=0.01)
    assert messages.translate(str(raised.value), "ja") == (
        "学習率 -1 は 0 より大きくしてください。0.01 などを指定してください。"
    )
    skipped = (
        "2 tile(s) could not be read and were skipped (at rows 0, columns 512; rows 512, "
        "columns 0): their area has no polygons."
    )
    assert messages.translate(skipped, "ja") == (
        "2 個のタイルを読み込めずスキップしました（位置: 0 行 512 列、512 行 0 列）。"
        "その範囲にはポリゴンがありません。"
    )
    assert messages.translate("3/40 tiles, 12 objects, 1.5 tiles/s, ETA 25 s", "ja") == (
        "3/40 タイル、12 オブジェクト、1.5 タイル/秒、残り約 25 秒"
    )
    # a value the catalogue does not know stays as it is, and so does an unknown message
    assert messages.translate("Run 'run' is already complete: nothing to resume.", "ja") == (
        "実行 'run' は既に完了しています。再開するものはありません。"
    )
    assert messages.translate("Something new: do this.", "ja") == "Something new: do this."
