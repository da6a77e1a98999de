"""English / Japanese user interface: ``tr()`` and the Qt translator chosen by QGIS's locale.

Every user-visible string goes through :func:`tr` with the one context ``LandSeg``;
``scripts/update_translations.py`` collects those strings into ``i18n/landseg_ja.ts`` and
compiles ``landseg_ja.qm``.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from . import worker

CONTEXT = "LandSeg"
I18N_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = ("ja",)


def tr(text: str) -> str:
    """``text`` in the user's language (English when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def qm_path(language: str) -> Path:
    """The compiled translation file of ``language``."""
    return I18N_DIR / f"landseg_{language}.qm"


class Translator:
    """Installs LandSeg's ``.qm`` for the QGIS locale; removes it again on unload."""

    def __init__(self) -> None:
        self.translator: QTranslator | None = None
        self.language = "en"

    def install(self, language: str | None = None) -> bool:
        """Install the translation for ``language`` (default: QGIS's locale)."""
        from .settings import user_locale

        self.remove()
        language = (language or user_locale())[:2].lower()
        path = qm_path(language)
        if language not in LANGUAGES or not path.is_file():
            return False
        translator = QTranslator()
        if not translator.load(str(path)):
            return False
        QCoreApplication.installTranslator(translator)
        self.translator, self.language = translator, language
        worker.language = language
        return True

    def remove(self) -> None:
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator, self.language = None, "en"
            worker.language = "en"
