"""Install LandSeg's Python environment from the wheel bundled in the plugin zip.

The plan: a virtual environment at :func:`environment.user_env_dir` on QGIS's own interpreter
(with its system packages visible, as the project's own ``.venv``), then ``pip install`` of the
bundled ``landseg`` wheel with its pinned dependencies: from the package index, or only from a
wheelhouse folder (``--no-index --find-links``) on machines without internet. A failed or
stopped install removes the environment it was creating; an existing one is upgraded in place.
Nothing here touches widgets: :class:`InstallTask` reports lines and progress by signals.
"""

from __future__ import annotations

import configparser
import contextlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import environment
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


@dataclass
class InstallPlan:
    """Commands to run in order, and the environment folder they build."""

    env_dir: Path
    commands: list[list[str]] = field(default_factory=list)
    creates_env: bool = True  # the folder is new: remove it again if the install fails

    def text(self) -> str:
        import shlex

        return " && ".join(" ".join(shlex.quote(p) for p in command) for command in self.commands)


def plan(wheel: Path, *, wheelhouse: str | None = None, env_dir: Path | None = None) -> InstallPlan:
    """The commands that install (or upgrade) the environment from ``wheel``."""
    env_dir = env_dir or environment.user_env_dir()
    python = str(environment.venv_python(env_dir))
    result = InstallPlan(env_dir=env_dir, creates_env=not Path(python).is_file())
    if result.creates_env:
        result.commands.append(
            [environment.base_python(), "-m", "venv", "--system-site-packages", str(env_dir)]
        )
    sources = ["--no-index", "--find-links", wheelhouse] if wheelhouse else []
    result.commands.append(
        [python, "-m", "pip", "install", "--upgrade", "--progress-bar", "off", *sources, str(wheel)]
    )
    return result


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
    environment.clear_cache()
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


def version_problem(env: environment.Environment | None) -> str:
    """'' when the backend's version matches the plugin's, else what to do (translated)."""
    wanted = plugin_version()
    if env is None or not wanted or not env.landseg_version or env.landseg_version == wanted:
        return ""
    return tr(
        "The LandSeg environment has landseg {found}, the plugin is {wanted}: click "
        "'Install…' in the LandSeg settings to upgrade it."
    ).format(found=env.landseg_version, wanted=wanted)
