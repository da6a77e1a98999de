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
# Lower layers never import higher ones; the package's own __init__ is the lazy public API.
LAYERS = ("", "io", "inference", "evaluation", "review", "training", "reporting", "cli")
MAX_MODULE_LINES = 600
LONG_MODULES_ALLOWED = {"reporting/texts.py", "messages_catalogue.py"}  # the translation catalogue
MAX_FUNCTION_LINES = 80  # body lines after the docstring


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    _module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if path.name != "__main__.py"
}


def _imported_modules(name: str, path: Path) -> set[str]:
    """LandSeg modules ``name`` imports anywhere in its code, lazily inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & set(MODULES)
            found |= submodules or {node.module}
    return {module for module in found if module in MODULES and module != name}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else 0


GRAPH = {name: _imported_modules(name, path) for name, path in MODULES.items()}


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
    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in GRAPH[start] - {"landseg"}:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = [module for module in GRAPH if module != "landseg" and reaches(module, module, set())]
    assert not cycles


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
    long_modules = [
        str(path.relative_to(PACKAGE))
        for path in MODULES.values()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_MODULE_LINES
        and str(path.relative_to(PACKAGE)) not in LONG_MODULES_ALLOWED
    ]
    assert not long_modules
    long_functions = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.body[0]
                has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = node.body[1].lineno if has_doc and len(node.body) > 1 else first.lineno
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert not long_functions


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
        ("backend.py", "WEIGHT_CAP", defaults.WEIGHT_CAP),
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
