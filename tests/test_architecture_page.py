"""docs/architecture.md names only modules, classes and functions that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "architecture.md"
PACKAGES = (ROOT / "backend" / "landseg", ROOT / "plugin")


def _definitions() -> tuple[set[str], set[str], set[str]]:
    """Function names, class names and ``Class.method`` names of the backend and the plugin."""
    functions, classes, methods = set(), set(), set()
    for package in PACKAGES:
        for path in package.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    functions.add(node.name)
                elif isinstance(node, ast.ClassDef):
                    classes.add(node.name)
                    methods |= {
                        f"{node.name}.{item.name}"
                        for item in node.body
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    }
    return functions, classes, methods


def _missing(span: str, functions: set[str], classes: set[str], methods: set[str]) -> bool:
    """Whether ``span`` names a module, function or class that does not exist."""
    if span.endswith((".py", "/")):
        return not any((base / span).exists() for base in (ROOT, *PACKAGES))
    if re.fullmatch(r"[\w.]+\(\)", span):
        name = span[:-2]
        return name not in (methods if "." in name else functions)
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*", span):
        return span not in classes
    return False


def test_every_name_on_the_page_exists():
    spans = re.findall(r"`([^`\n]+)`", PAGE.read_text(encoding="utf-8"))
    definitions = _definitions()
    checked = [span for span in spans if span.endswith((".py", "/", "()")) or span[0].isupper()]
    assert len(checked) > 40  # the page walks a run through the modules by name
    assert not [span for span in spans if _missing(span, *definitions)]


def test_a_name_that_does_not_exist_is_caught():
    definitions = _definitions()
    for span in ("inference/streaming.py", "segment_job()", "SegmentRun.walk()", "JobNamespace"):
        assert _missing(span, *definitions), span
