"""Install LandSeg's Python environment from the wheel bundled in the plugin zip.

The plan: a virtual environment at :func:`user_env_dir` on QGIS's own interpreter
(with its system packages visible, as the project's own ``.venv``), then ``pip install`` of the
bundled ``landseg`` wheel with its pinned dependencies: from the package index (keeping QGIS's
own numpy where LandSeg runs on it), or only from a wheelhouse folder (``--no-index
--find-links``) on machines without internet. A failed or
stopped install removes the environment it was creating; an existing one is upgraded in place.
Nothing here touches widgets: :class:`InstallTask` reports lines and progress by signals.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .translation import tr
from .worker import worker_environment

PLUGIN_DIR = Path(__file__).resolve().parent
WHEELS_DIR = PLUGIN_DIR / "wheels"  # filled by scripts/build_plugin_zip.py


def plugin_version() -> str:
    """The plugin's version (``metadata.txt``), which its backend wheel shares."""
    parser = configparser.ConfigParser()
    parser.read(PLUGIN_DIR / "metadata.txt", encoding="utf-8")
    return parser.get("general", "version", fallback="")


def bundled_wheel() -> Path | None:
    """The ``landseg`` wheel shipped inside the plugin, if this is a built plugin."""
    wheels = sorted(WHEELS_DIR.glob("landseg-*.whl"))
    return wheels[-1] if wheels else None


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
    """The interpreter of the virtual environment in ``env_dir``."""
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


@dataclass
class InstallPlan:
    """Commands to run in order, and the environment folder they build."""

    env_dir: Path
    commands: list[list[str]] = field(default_factory=list)
    creates_env: bool = True  # the folder is new: remove it again if the install fails
    size_gb: float = 1.0  # what it adds on disk, about (measured)

    def text(self) -> str:
        import shlex

        return " && ".join(" ".join(shlex.quote(p) for p in command) for command in self.commands)


CORE_SIZE_GB = 0.6  # measured on QGIS's Python: the inference core (ONNX Runtime, no PyTorch)
TRAINING_SIZE_GB = 5.9  # measured: what the training extra adds (PyTorch and its CUDA libraries)


def plan(
    wheel: Path,
    *,
    wheelhouse: str | None = None,
    env_dir: Path | None = None,
    training: bool = False,
) -> InstallPlan:
    """The commands that install (or upgrade) the environment from ``wheel``: the inference
    core, or with ``training`` the training extra too (PyTorch, ultralytics)."""
    env_dir = env_dir or user_env_dir()
    python = str(venv_python(env_dir))
    size = TRAINING_SIZE_GB + (CORE_SIZE_GB if not Path(python).is_file() else 0.0)
    result = InstallPlan(
        env_dir=env_dir,
        creates_env=not Path(python).is_file(),
        size_gb=size if training else CORE_SIZE_GB,
    )
    if result.creates_env:
        result.commands.append(
            [base_python(), "-m", "venv", "--system-site-packages", str(env_dir)]
        )
    sources = ["--no-index", "--find-links", wheelhouse] if wheelhouse else []
    package = f"{wheel}[train]" if training else str(wheel)
    # --no-compile: Python writes bytecode on first import, for the modules used only
    # (compiling every installed module at install time adds about 100 MB)
    pip = [python, "-m", "pip", "install", "--upgrade", "--no-compile", "--progress-bar", "off"]
    # from the index: dependencies that run on the numpy already there; a wheelhouse's own
    # choice is taken as it is (it may hold none that do)
    keep = [] if wheelhouse else numpy_to_keep(base_python() if result.creates_env else python)
    result.commands.append([*pip, *keep, *sources, package])
    if not training:  # proves the environment segments, and leaves the bytecode of what
        # segmenting imports (about 12 MB): the user's first segmentation runs warm
        result.commands.append([python, "-m", "landseg", "doctor", "--try-segment"])
    return result


def numpy_to_keep(python: str) -> list[str]:
    """``numpy==V`` for the numpy that ``python`` already imports (QGIS's own, on a new
    environment) where LandSeg runs on it (1.24 <= V < 2): pip then picks dependencies that work
    with it instead of installing a second numpy (65 MB) beside QGIS's; else nothing."""
    probe = [python, "-c", "import numpy; print(numpy.__version__)"]
    try:
        found = subprocess.run(
            probe, capture_output=True, text=True, env=worker_environment(), timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    version = found.stdout.strip()
    major, _, rest = version.partition(".")
    minor = rest.split(".")[0]
    if found.returncode or not (major.isdigit() and minor.isdigit()):
        return []
    return [f"numpy=={version}"] if (1, 24) <= (int(major), int(minor)) < (2, 0) else []


SPACE_MARGIN = 1.1  # pip unpacks beside what it installs


def space_problem(plan_: InstallPlan) -> str:
    """Why the disk of the planned environment cannot hold it ("" when it can)."""
    folder = plan_.env_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free_gb = shutil.disk_usage(folder).free / 1e9
    if free_gb >= plan_.size_gb * SPACE_MARGIN:
        return ""
    return tr(
        "The environment needs about {size} GB, and {folder} has {free} GB free: free some "
        "space there, then install again."
    ).format(size=plan_.size_gb, folder=folder, free=f"{free_gb:.1f}")


def failure_advice(plan_: InstallPlan, wheelhouse: str | None) -> str:
    """What to do after a failed install (translated)."""
    if wheelhouse:
        return tr(
            "The installation failed. Check that the wheelhouse folder '{folder}' holds wheels of "
            "every dependency for this Python (pip download -d FOLDER landseg.whl on a machine "
            "with internet makes one), then try again."
        ).format(folder=wheelhouse)
    return tr(
        "The installation failed. Check the internet connection (pip downloads the pinned "
        "dependencies, about 3 GB) and try again, or install offline from a wheelhouse folder. "
        "Nothing was left behind in '{folder}'."
    ).format(folder=plan_.env_dir)


def run_plan(
    plan_: InstallPlan,
    *,
    on_line: Callable[[str], None],
    on_step: Callable[[int, int], None] | None = None,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Run the commands, each line of output to ``on_line``; on failure remove what was made."""
    ok = True
    for index, command in enumerate(plan_.commands):
        if on_step is not None:
            on_step(index, len(plan_.commands))
        on_line("$ " + " ".join(command))
        if not _run(command, on_line, is_cancelled):
            ok = False
            break
    if not ok and plan_.creates_env and plan_.env_dir.exists():
        on_line(tr("Removing the unfinished environment {folder}").format(folder=plan_.env_dir))
        shutil.rmtree(plan_.env_dir, ignore_errors=True)
    return ok


def _run(command: list[str], on_line: Callable[[str], None], is_cancelled) -> bool:
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env=worker_environment(),
        )
    except OSError as error:
        on_line(tr("Could not start: {program}").format(program=f"{command[0]} ({error})"))
        return False
    for line in iter(process.stdout.readline, ""):
        on_line(line.rstrip("\r\n"))
        if is_cancelled():
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            process.kill()
            on_line(tr("Stopped."))
            return False
    code = process.wait()
    if code:
        on_line(tr("Exit code {code}.").format(code=code))
    return code == 0


def install_plan(wheelhouse: str | None = None, *, training: bool = False):
    """How to install the environment here (an ``installer.InstallPlan``), or None.

    From a checkout: the project's own bootstrap script (Debian packages, ``.venv``, editable
    install with every extra). From the plugin zip: a private environment with the bundled
    ``landseg`` wheel: the inference core, or with ``training`` the training extra too.
    """
    root = checkout_root()
    if root is not None:
        bootstrap = ["bash", str(root / "scripts" / "bootstrap.sh")]
        return InstallPlan(
            env_dir=root / ".venv",
            commands=[bootstrap],
            creates_env=False,
            size_gb=CORE_SIZE_GB + TRAINING_SIZE_GB,
        )
    wheel = bundled_wheel()
    if wheel is None:
        return None
    return plan(wheel, wheelhouse=wheelhouse, training=training)


def install_command_text() -> str:
    """The install commands as one shell line a user can copy (or what is missing)."""
    from .translation import tr

    found = install_plan()
    if found is None:
        return tr("(this copy of the plugin carries no LandSeg wheel: install the plugin zip)")
    return found.text()
