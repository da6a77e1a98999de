#!/usr/bin/env python3
"""Build the installable QGIS plugin zip: ``dist/landseg.zip`` holding the folder ``landseg/``.

Usage::

    python scripts/build_plugin_zip.py [-o dist/landseg.zip] [--folder landseg]

The zip holds the plugin's Python modules, ``metadata.txt`` (the repository's, copied as a
file), the icon, the compiled translations (``i18n/*.qm``), the licence and a wheel of the
``landseg`` backend (``wheels/``: what Settings ▸ Install puts in a fresh environment); it is what
"Plugins ▸ Manage and Install Plugins ▸ Install from ZIP" takes, and what the QGIS plugin
repository accepts. Translations are compiled first when their ``.ts`` is newer (see
``scripts/update_translations.py``).
"""

from __future__ import annotations

import argparse
import configparser
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DIR = ROOT / "plugin"
DEFAULT_OUTPUT = ROOT / "dist" / "landseg.zip"
FOLDER = "landseg_qgis"  # not "landseg": that is the backend package's name
PATTERNS = ("*.py", "processing/*.py", "*.svg", "*.png", "i18n/*.qm")


def plugin_files() -> list[tuple[Path, str]]:
    """(source, path inside the plugin folder) for everything the zip carries."""
    files = []
    for pattern in PATTERNS:
        for path in sorted(PLUGIN_DIR.glob(pattern)):
            if "__pycache__" not in path.parts:
                files.append((path, path.relative_to(PLUGIN_DIR).as_posix()))
    files.append(((PLUGIN_DIR / "metadata.txt").resolve(), "metadata.txt"))
    files.append((ROOT / "LICENSE", "LICENSE"))
    return files


def check_metadata() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(PLUGIN_DIR / "metadata.txt", encoding="utf-8")
    general = parser["general"]
    for key in ("name", "qgisMinimumVersion", "description", "version", "author", "tracker"):
        if not general.get(key):
            raise SystemExit(f"metadata.txt lacks '{key}'")
    if not (PLUGIN_DIR / general["icon"]).is_file():
        raise SystemExit(f"metadata.txt names icon '{general['icon']}', which does not exist")
    return general


def refresh_translations() -> None:
    """Recompile ``.qm`` files whose ``.ts`` is newer (or missing)."""
    stale = [
        ts
        for ts in (PLUGIN_DIR / "i18n").glob("*.ts")
        if not ts.with_suffix(".qm").is_file()
        or ts.stat().st_mtime > ts.with_suffix(".qm").stat().st_mtime
    ]
    if stale:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from update_translations import compile_qm

        for ts in stale:
            compile_qm(ts, ts.with_suffix(".qm"))


def build_wheel(folder: Path) -> Path:
    """Build the ``landseg`` wheel into ``folder`` (no dependencies: pip installs the pins)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(folder),
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
    )
    (wheel,) = folder.glob("landseg-*.whl")
    return wheel


def build(output: Path = DEFAULT_OUTPUT, *, folder: str = FOLDER) -> Path:
    """Write the plugin zip to ``output``; returns its path."""
    general = check_metadata()
    refresh_translations()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.partial")
    with (
        tempfile.TemporaryDirectory() as wheels,
        zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        wheel = build_wheel(Path(wheels))
        if f"-{general['version']}-" not in wheel.name:
            raise SystemExit(f"{wheel.name} is not version {general['version']} like the plugin")
        archive.write(wheel, f"{folder}/wheels/{wheel.name}")
        for source, name in plugin_files():
            archive.write(source, f"{folder}/{name}")
    temporary.replace(output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--folder", default=FOLDER, help="plugin folder name inside the zip")
    options = parser.parse_args(argv)
    path = build(options.output, folder=options.folder)
    version = check_metadata()["version"]
    with zipfile.ZipFile(path) as archive:
        count = len(archive.namelist())
    print(f"Wrote {path} (LandSeg plugin {version}, {count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
