"""Find the Python environment that runs the ``landseg`` backend, or say how to install it.

The backend (torch, ultralytics, rasterio) never loads into QGIS's own Python: it runs in a
separate interpreter, found automatically among a few candidates or set in the settings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import installer
from .installer import base_python, checkout_root, install_command_text, user_env_dir, venv_python
from .worker import worker_cwd, worker_environment

PLUGIN_DIR = Path(__file__).resolve().parent
REQUIRED_MODULES = ("rasterio", "geopandas", "onnxruntime", "click")  # the inference core
TRAINING_MODULES = ("torch", "torchvision", "ultralytics")  # the training extra
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
    "out['training'] = all(u.find_spec(m) is not None for m in TRAINING)\n"
    "print(json.dumps(out))\n"
)


@dataclass
class Environment:
    """A probed interpreter."""

    python: str
    ok: bool
    landseg_version: str = ""
    missing: list[str] = field(default_factory=list)
    training: bool = False  # the training extra (PyTorch, ultralytics) is installed
    problem: str = ""
    source: str = ""  # where the candidate came from: settings, checkout, user, PATH...


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
        script = (
            f"MODULES = {list(REQUIRED_MODULES)!r}\nTRAINING = {list(TRAINING_MODULES)!r}\n{_PROBE}"
        )
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
            env.training = bool(info.get("training", False))
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
    """Forget the environments found so far (after an install or a settings change)."""
    _cache.clear()


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


def version_problem(env: Environment | None) -> str:
    """'' when the backend's version matches the plugin's, else what to do (translated)."""
    from .translation import tr

    wanted = installer.plugin_version()
    if env is None or not wanted or not env.landseg_version or env.landseg_version == wanted:
        return ""
    return tr(
        "The LandSeg environment has landseg {found}, the plugin is {wanted}: click "
        "'Install…' in the LandSeg settings to upgrade it."
    ).format(found=env.landseg_version, wanted=wanted)
