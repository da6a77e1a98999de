import configparser
from pathlib import Path

import plugin

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_class_factory_registers_provider_headless(qgis_app):
    from qgis.core import QgsApplication

    instance = plugin.classFactory(None)
    instance.initProcessing()
    provider = QgsApplication.processingRegistry().providerById("landseg")
    assert provider is not None and provider.name() == "LandSeg"
    instance.unload()
    assert QgsApplication.processingRegistry().providerById("landseg") is None


def test_metadata_is_complete():
    parser = configparser.ConfigParser()
    parser.read(REPO_ROOT / "metadata.txt")
    general = parser["general"]
    for key in (
        "name",
        "qgisMinimumVersion",
        "description",
        "about",
        "version",
        "author",
        "repository",
        "tracker",
        "tags",
    ):
        assert general.get(key), key
    assert general["qgisMinimumVersion"] == "3.22"
    assert "example.org" not in general.get("email", "")  # no placeholder contact
    assert general["tracker"].startswith("https://github.com/")  # the contact
    assert "Install" in general["about"] and "wheel" in general["about"]  # what Install does
    assert general["hasProcessingProvider"] == "yes"
    assert (REPO_ROOT / "plugin" / general["icon"]).is_file()
    assert (REPO_ROOT / "plugin" / "metadata.txt").read_text() == (
        REPO_ROOT / "metadata.txt"
    ).read_text()
