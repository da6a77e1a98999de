#!/usr/bin/env python3
"""Collect the plugin's ``tr()`` strings into ``plugin/i18n/landseg_ja.ts`` and compile the ``.qm``.

Usage::

    python scripts/update_translations.py            # update .ts (keep translations), compile .qm
    python scripts/update_translations.py --check    # exit 1 if the .ts lacks or misses strings
    python scripts/update_translations.py --python-qm  # compile without Qt's lrelease

Every user-visible string in the plugin goes through ``tr("...")`` (context ``LandSeg``), so
the strings are found by reading the code with ``ast``: no ``pylupdate5`` needed. Translations
are edited in the ``.ts`` (with Qt Linguist or a text editor). The ``.qm`` is compiled with
``lrelease`` (Debian: qttools5-dev-tools) when it is installed, else by :func:`write_qm`, a
small writer of Qt's binary ``.qm`` format.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DIR = ROOT / "plugin"
I18N_DIR = PLUGIN_DIR / "i18n"
CONTEXT = "LandSeg"
LANGUAGES = {"ja": "ja_JP"}


def extract(plugin_dir: Path = PLUGIN_DIR) -> dict[str, list[str]]:
    """Source string -> files using it, for every ``tr("literal")`` call, in code order."""
    found: dict[str, list[str]] = {}
    for path in sorted(plugin_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name != "tr" or not node.args:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                files = found.setdefault(arg.value, [])
                if path.name not in files:
                    files.append(path.name)
    return found


def read_ts(path: Path) -> dict[str, tuple[str, bool]]:
    """Source -> (translation, finished) from a ``.ts`` file (empty when it does not exist)."""
    if not path.is_file():
        return {}
    messages = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        text = (translation.text or "") if translation is not None else ""
        finished = translation is not None and translation.get("type") is None and bool(text)
        messages[source] = (text, finished)
    return messages


def write_ts(path: Path, language: str, sources: dict[str, list[str]], known: dict) -> list[str]:
    """Write the ``.ts`` for ``sources``, keeping known translations; returns unfinished ones."""
    root = ET.Element("TS", version="2.1", language=LANGUAGES[language], sourcelanguage="en")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    unfinished = []
    for source, files in sources.items():
        message = ET.SubElement(context, "message")
        for name in files:
            ET.SubElement(message, "location", filename=f"../{name}")
        ET.SubElement(message, "source").text = source
        text, finished = known.get(source, ("", False))
        translation = ET.SubElement(message, "translation")
        translation.text = text
        if not finished:
            translation.set("type", "unfinished")
            unfinished.append(source)
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )
    return unfinished


# --- Qt .qm writer ---------------------------------------------------------------------------
QM_MAGIC = bytes(
    [0x3C, 0xB8, 0x64, 0x18, 0xCA, 0xEF, 0x9C, 0x95, 0xCD, 0x21, 0x1C, 0xBF, 0x60, 0xA1, 0xBD, 0xDD]
)
TAG_END, TAG_TRANSLATION, TAG_SOURCE, TAG_CONTEXT, TAG_COMMENT = 1, 3, 6, 7, 8
SECTION_HASHES, SECTION_MESSAGES, SECTION_LANGUAGE = 0x42, 0x69, 0xA7


def elf_hash(data: bytes) -> int:
    """Qt's ``elfHash`` of the source text (+ comment), as QTranslator looks messages up."""
    h = 0
    for byte in data:
        h = ((h << 4) + byte) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h or 1


def _block(tag: int, data: bytes) -> bytes:
    return struct.pack(">BI", tag, len(data)) + data


def qm_bytes(messages: dict[str, str], *, context: str = CONTEXT, language: str = "") -> bytes:
    """A ``.qm`` holding ``messages`` (source -> translation) in one context."""
    records, hashes = b"", []
    for source, translation in messages.items():
        source_utf8 = source.encode("utf-8")
        hashes.append((elf_hash(source_utf8), len(records)))
        translated = translation.encode("utf-16-be")
        records += (
            struct.pack(">BI", TAG_TRANSLATION, len(translated))
            + translated
            + struct.pack(">BI", TAG_COMMENT, 0)
            + struct.pack(">BI", TAG_SOURCE, len(source_utf8))
            + source_utf8
            + struct.pack(">BI", TAG_CONTEXT, len(context.encode("utf-8")))
            + context.encode("utf-8")
            + bytes([TAG_END])
        )
    table = b"".join(struct.pack(">II", h, offset) for h, offset in sorted(hashes))
    body = _block(SECTION_HASHES, table) + _block(SECTION_MESSAGES, records)
    if language:
        body += _block(SECTION_LANGUAGE, language.encode("utf-8"))
    return QM_MAGIC + body


def write_qm(ts_path: Path, qm_path: Path) -> None:
    """Compile the finished translations of ``ts_path`` into ``qm_path`` (no Qt tools)."""
    language = ET.parse(ts_path).getroot().get("language", "")
    messages = {s: t for s, (t, finished) in read_ts(ts_path).items() if finished}
    qm_path.write_bytes(qm_bytes(messages, language=language))


def find_lrelease() -> str | None:
    for name in ("lrelease", "lrelease-qt5", "/usr/lib/qt5/bin/lrelease"):
        path = shutil.which(name) or (name if Path(name).is_file() else None)
        if path:
            return path
    return None


def compile_qm(ts_path: Path, qm_path: Path, *, use_python: bool = False) -> str:
    """Compile with lrelease when available, else with :func:`write_qm`; returns the tool."""
    lrelease = None if use_python else find_lrelease()
    if lrelease:
        subprocess.run(
            [lrelease, "-silent", "-nounfinished", str(ts_path), "-qm", str(qm_path)], check=True
        )
        return "lrelease"
    write_qm(ts_path, qm_path)
    return "python"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the .ts is complete")
    parser.add_argument("--python-qm", action="store_true", help="compile without lrelease")
    options = parser.parse_args(argv)
    sources = extract()
    I18N_DIR.mkdir(exist_ok=True)
    status = 0
    for language in LANGUAGES:
        ts_path = I18N_DIR / f"landseg_{language}.ts"
        known = read_ts(ts_path)
        if options.check:
            missing = [s for s in sources if not known.get(s, ("", False))[1]]
            for source in missing:
                print(f"{ts_path.name}: not translated: {source!r}")
            status |= bool(missing)
            continue
        unfinished = write_ts(ts_path, language, sources, known)
        tool = compile_qm(ts_path, ts_path.with_suffix(".qm"), use_python=options.python_qm)
        print(
            f"{ts_path.name}: {len(sources)} strings, {len(unfinished)} unfinished; "
            f".qm compiled with {tool}"
        )
        for source in unfinished:
            print(f"  unfinished: {source!r}")
    return status


if __name__ == "__main__":
    sys.exit(main())
