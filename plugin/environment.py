"""Find the Python environment that runs the ``landseg`` backend, or say how to install it.

The backend (torch, ultralytics, rasterio) never loads into QGIS's own Python: it runs in a
separate interpreter, found automatically among a few candidates or set in the settings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .worker import worker_cwd, worker_environment

PLUGIN_DIR = Path(__file__).resolve().parent
REQUIRED_MODULES = ("torch", "ultralytics", "rasterio", "geopandas", "click")
PROBE_TIMEOUT_S = 60
# Printed by the probe: where landseg lives, its version, and the modules it still lacks.
_PROBE = (
    "import importlib.util as u, json, sys\n"
    "out = {'python': sys.executable, 'version': list(sys.version_info[:3])}\n"
    "try:\n"
    "    import landseg\n"
    "    out['landseg'] = landseg.__version__\n"
    "    out['landseg_path'] = landseg.__file__\n"
    "except Exception as error:\n"
    "    out['error'] = f'{type(error).__name__}: {error}'\n"
    "out['missing'] = [m for m in MODULES if u.find_spec(m) is None]\n"
    "print(json.dumps(out))\n"
)


@dataclass
class Environment:
    """A probed interpreter."""

    python: str
    ok: bool
    landseg_version: str = ""
    missing: list[str] = field(default_factory=list)
    problem: str = ""
    source: str = ""  # where the candidate came from: settings, checkout, user, PATH...


def checkout_root() -> Path | None:
    """The repository root when the plugin runs from a LandSeg checkout (not an install)."""
    root = PLUGIN_DIR.parent
    if (root / "scripts" / "bootstrap.sh").is_file() and (root / "backend" / "landseg").is_dir():
        return root
    return None


def user_env_dir() -> Path:
    """Where the plugin installs a LandSeg environment for the user."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "landseg" / "venv"
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "landseg" / "venv"


def venv_python(env_dir: Path) -> Path:
    if sys.platform == "win32":  # pragma: no cover - Windows
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def base_python() -> str:
    """A Python 3 to create the environment with (QGIS's own interpreter where it exists)."""
    for candidate in (
        Path(sys.base_prefix) / "bin" / "python3",
        Path(sys.base_prefix) / "python.exe",
    ):
        if candidate.is_file():
            return str(candidate)
    return shutil.which("python3") or shutil.which("python") or "python3"


def candidates(configured: str | None = None) -> list[tuple[str, str]]:
    """(python, source) pairs to try, in order, without duplicates."""
    found: list[tuple[str, str]] = []
    if os.environ.get("LANDSEG_PYTHON"):
        found.append((os.environ["LANDSEG_PYTHON"], "LANDSEG_PYTHON"))
    if configured:
        found.append((configured, "settings"))
    root = checkout_root()
    if root is not None:
        found.append((str(venv_python(root / ".venv")), "checkout"))
    found.append((str(venv_python(user_env_dir())), "user environment"))
    found.append((base_python(), "QGIS's Python"))  # if landseg was pip-installed there
    for name in ("python3", "python"):
        path = shutil.which(name)
        if path:
            found.append((path, "PATH"))
    unique: list[tuple[str, str]] = []
    for python, source in found:
        if python not in [p for p, _ in unique]:
            unique.append((python, source))
    return unique


_cache: dict[str, Environment] = {}


def probe(python: str, *, source: str = "", use_cache: bool = True) -> Environment:
    """Check whether ``python`` can import ``landseg`` and its heavy dependencies."""
    if use_cache and python in _cache:
        return _cache[python]
    env = Environment(python=python, ok=False, source=source)
    if not Path(python).is_file() and not shutil.which(python):
        env.problem = f"'{python}' does not exist."
    else:
        script = f"MODULES = {list(REQUIRED_MODULES)!r}\n{_PROBE}"
        try:
            done = subprocess.run(
                [python, "-c", script],
                capture_output=True,
                text=True,
                timeout=PROBE_TIMEOUT_S,
                env=worker_environment(),
                cwd=worker_cwd(),
                stdin=subprocess.DEVNULL,
            )
            info = json.loads(done.stdout.strip().splitlines()[-1])
        except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as error:
            env.problem = f"'{python}' could not be run as Python ({type(error).__name__})."
        else:
            env.landseg_version = str(info.get("landseg", ""))
            env.missing = list(info.get("missing", []))
            if "error" in info:
                env.problem = f"'{python}' cannot import landseg ({info['error']})."
            elif env.missing:
                env.problem = f"'{python}' lacks {', '.join(env.missing)}."
            else:
                env.ok = True
    _cache[python] = env
    return env


def detect(configured: str | None = None, *, use_cache: bool = True) -> Environment | None:
    """The first usable environment among :func:`candidates`, or ``None``."""
    for python, source in candidates(configured):
        env = probe(python, source=source, use_cache=use_cache)
        if env.ok:
            return env
    return None


def clear_cache() -> None:
    _cache.clear()


def install_plan(wheelhouse: str | None = None):
    """How to install the environment here (an ``installer.InstallPlan``), or None.

    From a checkout: the project's own bootstrap script (Debian packages, ``.venv``, editable
    install). From the plugin zip: a private environment with the bundled ``landseg`` wheel.
    """
    from . import installer

    root = checkout_root()
    if root is not None:
        bootstrap = ["bash", str(root / "scripts" / "bootstrap.sh")]
        return installer.InstallPlan(
            env_dir=root / ".venv", commands=[bootstrap], creates_env=False
        )
    wheel = installer.bundled_wheel()
    return installer.plan(wheel, wheelhouse=wheelhouse) if wheel is not None else None


def install_command_text() -> str:
    """The install commands as one shell line a user can copy (or what is missing)."""
    from .translation import tr

    found = install_plan()
    if found is None:
        return tr("(this copy of the plugin carries no LandSeg wheel: install the plugin zip)")
    return found.text()


def configured_python() -> str:
    """The interpreter set in the settings ('' = automatic)."""
    from . import settings

    return str(settings.value(settings.PYTHON, "") or "")


def current(*, use_cache: bool = True) -> Environment | None:
    """The environment to use now: the configured one if set and usable, else detected."""
    return detect(configured_python() or None, use_cache=use_cache)


class EnvironmentMissing(Exception):
    """No usable LandSeg environment; the message says how to install one."""


def missing_message(configured: str | None = None) -> str:
    """What is wrong and exactly how to install the environment (translated)."""
    from .translation import tr

    problem = ""
    if configured:
        env = probe(configured)
        if env.problem:
            problem = f" ({env.problem})"
    return tr(
        "LandSeg's Python environment (with PyTorch and ultralytics) was not found{problem}. "
        "Click 'Install…' in the LandSeg settings (or run: {command}), or set the Python of an "
        "existing environment there or in the LANDSEG_PYTHON environment variable."
    ).format(problem=problem, command=install_command_text())


def require() -> Environment:
    """The environment to use, or :class:`EnvironmentMissing` with install instructions."""
    env = current()
    if env is None:
        raise EnvironmentMissing(missing_message(configured_python() or None))
    return env
