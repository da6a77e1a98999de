"""The package's shape: layers that only import downwards, no cycles, small modules, a lazy API."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from landseg import defaults

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backend" / "landseg"
PLUGIN = ROOT / "plugin"
# Lower layers never import higher ones; the package's own __init__ is the lazy public API.
LAYERS = ("", "io", "inference", "evaluation", "review", "training", "reporting", "cli")
MAX_MODULE_LINES = 600
LONG_MODULES_ALLOWED = frozenset({"landseg.reporting.texts", "landseg.messages_catalogue"})
MAX_FUNCTION_LINES = 80  # body lines after the docstring


def _module_names(package: Path) -> dict[str, Path]:
    """Dotted name -> file of every module of ``package`` (``__main__`` left out)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        if path.name == "__main__.py":
            continue
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


MODULES = _module_names(PACKAGE)
PLUGIN_MODULES = _module_names(PLUGIN)


def _imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of ``modules`` that ``name`` imports anywhere in its code, lazily inside
    functions too, absolutely or relatively."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            submodules = {f"{base}.{alias.name}" for alias in node.names} & set(modules)
            found |= submodules or {base}
    return {module for module in found if module in modules and module != name}


def _cycles(graph: dict[str, set[str]], root: str) -> list[str]:
    """Modules of ``graph`` that import themselves through others (``root`` left out)."""

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start] - {root}:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    return [module for module in graph if module != root and reaches(module, module, set())]


def _too_long(modules: dict[str, Path], allowed: frozenset[str] = frozenset()) -> list[str]:
    """Modules over MAX_MODULE_LINES (except ``allowed``) and functions over
    MAX_FUNCTION_LINES."""
    found = [
        name
        for name, path in modules.items()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_MODULE_LINES
        and name not in allowed
    ]
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.body[0]
                has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = node.body[1].lineno if has_doc and len(node.body) > 1 else first.lineno
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    found.append(f"{name}:{node.name}")
    return found


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else 0


GRAPH = {name: _imported_modules(name, path, MODULES) for name, path in MODULES.items()}
PLUGIN_GRAPH = {
    name: _imported_modules(name, path, PLUGIN_MODULES) for name, path in PLUGIN_MODULES.items()
}


def test_layers_import_only_downwards():
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module != "landseg"
        for target in targets
        if target != "landseg" and _layer(target) > _layer(module)
    ]
    assert not wrong


def test_no_import_cycle():
    assert not _cycles(GRAPH, "landseg")


def test_plugin_has_no_import_cycle():
    assert not _cycles(PLUGIN_GRAPH, "plugin")


def test_plugin_never_imports_the_backend():
    """The plugin knows the backend only as the ``landseg`` command (QGIS's Python cannot
    import it)."""
    for path in PLUGIN_MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "landseg" for n in names), path


def test_backend_never_imports_qgis_or_the_plugin():
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] in ("qgis", "plugin") for n in names), path


def test_modules_and_functions_are_small():
    assert not _too_long(MODULES, LONG_MODULES_ALLOWED)


def test_plugin_modules_and_functions_are_small():
    assert not _too_long(PLUGIN_MODULES)


def test_public_api_is_lazy_and_complete():
    code = (
        "import sys, landseg\n"
        "landseg.segment, landseg.export_dataset, landseg.evaluate_map\n"
        "assert 'torch' not in sys.modules and 'ultralytics' not in sys.modules, 'heavy import'\n"
        "names = ['train', 'evaluate_dataset', 'build_report', 'compare_runs', 'load_model',\n"
        "         'Tile', 'TileInstance', 'Segmenter', 'SegmentationResult', 'MapMetrics']\n"
        "missing = [n for n in names if not hasattr(landseg, n)]\n"
        "assert not missing, missing\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_public_names_are_listed_once():
    import landseg

    assert sorted(landseg.__all__) == sorted(["__version__", *landseg._API])


def test_unknown_public_name_is_an_attribute_error():
    import landseg

    with pytest.raises(AttributeError, match="no attribute 'segmnet'"):
        landseg.segmnet  # noqa: B018


def _plugin_constant(module: str, name: str):
    tree = ast.parse((ROOT / "plugin" / module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"plugin/{module} defines no {name}")


@pytest.mark.parametrize(
    ("module", "name", "expected"),
    [
        ("backend.py", "LAYER_NAME", defaults.LAYER_NAME),
        ("worker.py", "EXIT_USAGE", defaults.EXIT_USAGE),
        ("worker.py", "EXIT_CANCELLED", defaults.EXIT_CANCELLED),
    ],
)
def test_constants_agree_across_the_process_boundary(module, name, expected):
    """The plugin never imports the backend, so its copies are checked here."""
    assert _plugin_constant(module, name) == expected


def test_plugin_offers_exactly_the_published_base_models():
    from landseg.training.pretrained import PUBLISHED

    assert tuple(_plugin_constant("backend.py", "PUBLISHED_BASE_MODELS")) == PUBLISHED


def test_the_version_is_written_once_and_the_plugin_carries_it():
    """pyproject.toml reads ``landseg.__version__``; QGIS needs the plugin's own copy."""
    import configparser
    import tomllib

    import landseg

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    metadata = configparser.ConfigParser()
    metadata.read(ROOT / "metadata.txt", encoding="utf-8")
    assert metadata["general"]["version"] == landseg.__version__
