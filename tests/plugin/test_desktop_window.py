"""The plugin in the real QGIS desktop application, in a real X window (Xvfb), installed from
its zip into a fresh profile and driven with the mouse and keyboard (xdotool): what headless
QGIS cannot show — which widget the keyboard reaches after a click on the toolbar."""

from __future__ import annotations

import shutil

import pytest

from tests.plugin.repo_scripts import load_script

pytestmark = pytest.mark.desktop


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    missing = [tool for tool in ("xvfb-run", "xdotool", "qgis") if not shutil.which(tool)]
    assert not missing, f"{missing} missing: scripts/bootstrap.sh installs xvfb and xdotool"
    work = tmp_path_factory.mktemp("desktop")
    report = load_script("desktop_session").run_session(work / "shots", work / "session")
    assert "error" not in report, report["error"]
    return report, work / "shots"


def test_the_toolbar_holds_segment_finetune_and_review(session):
    report, _ = session
    assert report["toolbar"] == {"segment": True, "finetune": True, "review": True}
    assert report["toolbar_texts"]["finetune"] == "Fine-tune on local labels…"


def test_review_keys_work_as_soon_as_the_panel_opens(session):
    """A click on Review results, then the A key at once: the first item is accepted."""
    report, shots = session
    assert report["panel_opened"] == {"visible": True, "keyboard_in_panel": True, "reviewed": 0}
    assert report["after_key"] == {"reviewed": 1, "progress": "1 / 7 reviewed"}
    assert (shots / "desktop_review.png").stat().st_size > 10_000


def test_the_segment_dialog_offers_a_review(session):
    report, _ = session
    assert report["segment_dialog"] == {"shown": 1, "review_option": True}
