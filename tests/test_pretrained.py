"""Published base weights by name: fetched once from a loopback server, cached, checked."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from landseg import messages
from landseg.cli import main
from landseg.errors import ModelLoadError
from landseg.inference.runtimes.model_files import file_sha256
from landseg.training import pretrained
from landseg.training.options import TrainOptions, base_model_file, check_options
from tests.http_server import serve

SHIPPED = Path(pretrained.__file__).parents[1] / "data" / "landseg-default-seg.pt"
NAME = "yolov8n-seg.pt"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private cache folder; the weights folder inside it."""
    monkeypatch.setenv("LANDSEG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "weights"


@pytest.fixture
def release(tmp_path) -> Path:
    """A folder served as the release: a small real segmentation model under a published name."""
    folder = tmp_path / "release"
    folder.mkdir()
    shutil.copyfile(SHIPPED, folder / NAME)
    return folder


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the download fails at once, as offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/assets"


def test_published_names_and_default_places():
    assert pretrained.PUBLISHED[0] == "yolov8n-seg.pt"
    assert pretrained.PUBLISHED[-1] == "yolo11x-seg.pt"
    assert len(pretrained.PUBLISHED) == 10 and pretrained.is_published("yolov8l-seg.pt")
    assert not pretrained.is_published("yolov8l.pt")


def test_default_url_and_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(pretrained.URL_VARIABLE, raising=False)
    assert pretrained.weights_url("yolov8l-seg.pt") == (
        "https://github.com/ultralytics/assets/releases/download/v8.3.0/yolov8l-seg.pt"
    )
    monkeypatch.delenv("LANDSEG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pretrained.weights_folder() == tmp_path / "landseg" / "weights"


def test_downloaded_once_then_cached(cache, release, monkeypatch):
    said = []
    with serve(release) as server:
        monkeypatch.setenv(pretrained.URL_VARIABLE, f"http://127.0.0.1:{server.server_port}/")
        path = pretrained.published_weights(NAME, said.append)
    assert path == cache / NAME and file_sha256(path) == file_sha256(SHIPPED)
    assert said == [
        f"Downloading base model {NAME} (once) from "
        f"http://127.0.0.1:{server.server_port}/{NAME} to {path}"
    ]
    assert messages.said(said[0], "ja").startswith(f"ベースモデル {NAME} をダウンロード中")
    record = json.loads((cache / f"{NAME}.json").read_text())
    assert record == {"size": SHIPPED.stat().st_size, "sha256": file_sha256(SHIPPED)}
    assert sorted(p.name for p in cache.iterdir()) == [NAME, f"{NAME}.json"]  # no temporary left
    # the second time: no request (the server is gone), the cached file checked and handed over
    monkeypatch.setenv(pretrained.URL_VARIABLE, closed_port_url())
    said.clear()
    assert base_model_file(NAME, said.append) == str(path) and said == []


@pytest.mark.parametrize("change", ["append", "same size"])
def test_a_changed_cached_file_is_refused(cache, release, monkeypatch, change):
    with serve(release) as server:
        monkeypatch.setenv(pretrained.URL_VARIABLE, f"http://127.0.0.1:{server.server_port}")
        path = pretrained.published_weights(NAME)
    data = bytearray(path.read_bytes())
    if change == "append":
        data += b"x"
    else:
        data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError) as error:
        pretrained.published_weights(NAME)
    message = str(error.value)
    assert f"'{path}'" in message and "delete both files to download it again" in message
    assert "\n" not in message and messages.said(error.value, "ja") != message


def test_offline_names_the_url_and_the_cache_path(cache, monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv(pretrained.URL_VARIABLE, url)
    with pytest.raises(ModelLoadError) as error:
        pretrained.published_weights("yolov8s-seg.pt")
    message = str(error.value)
    assert f"fetch {url}/yolov8s-seg.pt and put it at {cache / 'yolov8s-seg.pt'}," in message
    assert "\n" not in message and messages.said(error.value, "ja") != message
    assert not cache.exists() or list(cache.iterdir()) == []


def test_missing_on_the_server_is_refused_and_leaves_nothing(cache, tmp_path, monkeypatch):
    with serve(tmp_path) as server:  # no weights there: 404
        monkeypatch.setenv(pretrained.URL_VARIABLE, f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(ModelLoadError, match="HTTP Error 404"):
            pretrained.published_weights(NAME)
    assert list(cache.iterdir()) == []


def test_a_file_put_there_by_hand_is_used(cache, monkeypatch):
    monkeypatch.setenv(pretrained.URL_VARIABLE, closed_port_url())
    cache.mkdir(parents=True)
    shutil.copyfile(SHIPPED, cache / NAME)
    assert pretrained.published_weights(NAME) == cache / NAME
    assert (cache / f"{NAME}.json").is_file()


def test_unknown_name_keeps_the_missing_file_error(tmp_path):
    options = TrainOptions(
        data=str(tmp_path), run_dir=str(tmp_path / "run"), base_model="yolov9-seg.pt"
    )
    with pytest.raises(ModelLoadError, match=r"'yolov9-seg\.pt' does not exist: give a \.pt file"):
        check_options(options)
    assert base_model_file("yolov9-seg.pt") == "yolov9-seg.pt"


def test_a_published_name_passes_the_checks_without_downloading(cache, tmp_path, monkeypatch):
    monkeypatch.setenv(pretrained.URL_VARIABLE, closed_port_url())
    check_options(TrainOptions(data=str(tmp_path), run_dir=str(tmp_path / "r"), base_model=NAME))
    assert not cache.exists()


@pytest.mark.slow
def test_cli_offline_exit_2_names_url_and_path(tiny_dataset, cache, tmp_path, monkeypatch, capsys):
    url = closed_port_url()
    monkeypatch.setenv(pretrained.URL_VARIABLE, url)
    run_dir = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["train", "--data", str(tiny_dataset), "--model", "yolov8m-seg.pt", "-o", str(run_dir)]
        )
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("landseg: error:") and len(err.splitlines()) == 1
    assert f"{url}/yolov8m-seg.pt" in err and str(cache / "yolov8m-seg.pt") in err
    assert not run_dir.exists()


@pytest.mark.slow
def test_training_from_a_published_name_records_the_cached_file(
    tiny_dataset, cache, release, tmp_path, monkeypatch
):
    from landseg.training.train import train

    with serve(release) as server:
        monkeypatch.setenv(pretrained.URL_VARIABLE, f"http://127.0.0.1:{server.server_port}")
        best = train(
            TrainOptions(
                data=str(tiny_dataset),
                run_dir=str(tmp_path / "run"),
                base_model=NAME,
                epochs=1,
                batch=4,
                loader_workers=0,
            )
        )
    record = json.loads((best.parent / "record.json").read_text())
    assert record["base_model"] == {"path": str(cache / NAME), "sha256": file_sha256(SHIPPED)}
    assert record["arguments"]["base_model"] == str(cache / NAME)  # resume needs no download


def test_a_file_that_is_no_checkpoint_is_never_recorded_as_trusted(cache):
    cache.mkdir(parents=True, exist_ok=True)
    (cache / NAME).write_bytes(b"fake!")
    with pytest.raises(ModelLoadError, match="is not a PyTorch checkpoint"):
        pretrained.published_weights(NAME)
    assert not (cache / f"{NAME}.json").exists()
