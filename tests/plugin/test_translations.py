"""Every user-visible string is translated to Japanese, and the compiled .qm matches the .ts."""

from __future__ import annotations

from pathlib import Path

from tests.plugin.repo_scripts import REPO_ROOT, load_script

TS = REPO_ROOT / "plugin" / "i18n" / "landseg_ja.ts"
QM = REPO_ROOT / "plugin" / "i18n" / "landseg_ja.qm"


def tools():
    return load_script("update_translations")


def translate_with(qm: Path, sources):
    """Translations of ``sources`` through ``qm``, as the plugin's ``tr()`` sees them."""
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        # QTranslator.translate() in PyQt5 takes ASCII only; QCoreApplication's takes UTF-8.
        return [QCoreApplication.translate("LandSeg", source) for source in sources]
    finally:
        QCoreApplication.removeTranslator(translator)


def test_every_string_has_a_finished_japanese_translation():
    module = tools()
    sources = module.extract()
    known = module.read_ts(TS)
    assert len(sources) > 100
    missing = [s for s in sources if not known.get(s, ("", False))[1]]
    assert missing == [], f"run scripts/update_translations.py and translate: {missing[:5]}"
    for source in sources:  # placeholders survive translation
        translation = known[source][0]
        for placeholder in ("{path}", "{message}", "{count}", "{device}", "{command}"):
            assert (placeholder in source) == (placeholder in translation), (source, translation)


def test_committed_qm_translates_every_message(qgis_app):
    messages = {s: t for s, (t, ok) in tools().read_ts(TS).items() if ok}
    assert translate_with(QM, list(messages)) == list(messages.values())


def test_python_qm_writer_matches_qt(qgis_app, tmp_path):
    module = tools()
    qm = tmp_path / "python.qm"
    module.write_qm(TS, qm)
    messages = {s: t for s, (t, ok) in module.read_ts(TS).items() if ok}
    assert translate_with(qm, list(messages)) == list(messages.values())
    assert translate_with(qm, ["not a message"]) == ["not a message"]


def test_plugin_translator_follows_the_qgis_locale(qgis_app):
    from qgis.core import QgsSettings

    from plugin.translation import Translator, tr

    settings = QgsSettings()
    previous = settings.value("locale/userLocale", "")
    translator = Translator()
    try:
        settings.setValue("locale/userLocale", "ja_JP")
        assert translator.install()
        assert tr("Segment land cover") == "土地被覆のセグメンテーション"
        translator.remove()
        assert tr("Segment land cover") == "Segment land cover"
        settings.setValue("locale/userLocale", "en_US")
        assert not translator.install()
        assert tr("Segment land cover") == "Segment land cover"
    finally:
        translator.remove()
        settings.setValue("locale/userLocale", previous)
