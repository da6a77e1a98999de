"""Every option is declared once (landseg.schema) and reaches the command line, the Python API,
the Dask workers and the plugin's argument builder with the same name, flag and default."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import click
import pytest

import landseg
from landseg import defaults
from landseg.cli import cli as main
from landseg.inference.options import SegmentOptions
from landseg.schema import KINDS, declared
from landseg.training.options import TrainOptions

COMMANDS = {"segment": SegmentOptions, "train": TrainOptions}
# Parameters a command has besides its declared options: inputs, outputs, progress, resume.
OWN_PARAMETERS = {
    "segment": {"rasters", "output", "progress_mode"},
    "train": {"data", "run_dir", "resume_dir", "overwrite", "deprecated_loader_workers"}
    | {"progress_mode"},
}
SAMPLES = {  # a value of each kind, as the API takes it
    "number": 0.375,
    "integer": 96,
    "value": "cuda:1",
    "path": "/data/in put.gpkg",
    "flag": True,
    "switch": False,
    "bbox": (1.5, 2.0, 30.25, 40.0),
    "integers": [3, 2, 1],
    "names": ["roof", "farm"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_each_option_is_declared_once_and_reaches_the_command_line(command):
    options = declared(COMMANDS[command])
    assert len({o.name for o in options}) == len({o.flag for o in options}) == len(options)
    assert all(o.kind in KINDS and o.help and o.help_ja for o in options)
    params = {p.name: p for p in main.commands[command].params}
    assert set(params) == {o.name for o in options} | OWN_PARAMETERS[command]
    for item in options:
        param = params[item.name]
        assert item.flag.split("/")[0] in param.opts, item.name
        assert param.default == (None if item.kind == "switch" else item.default), item.name


def test_the_api_takes_every_segment_option_by_its_name_and_default():
    signature = inspect.signature(landseg.segment).parameters
    for item in declared(SegmentOptions):
        assert signature[item.name].default == item.default
    assert set(signature) == {"raster_path", "output_path", "progress", "cancel"} | {
        f.name for f in dataclasses.fields(SegmentOptions)
    }
    with pytest.raises(TypeError, match="min_area"):
        landseg.segment("in.tif", "out.gpkg", min_area=3)


def test_train_defaults_come_from_defaults():
    values = {v for k, v in vars(defaults).items() if k.isupper() and not isinstance(v, dict)}
    for field in dataclasses.fields(TrainOptions):
        if field.default not in (dataclasses.MISSING, None):
            assert field.default in values, field.name


@pytest.mark.parametrize("command", COMMANDS)
def test_the_plugins_argument_builder_gives_each_of_its_options_as_declared(command, tmp_path):
    """Each option the plugin offers, given to its argument builder, arrives at the command
    with the same value."""
    from plugin import backend as plugin_backend

    builder = getattr(plugin_backend, f"{command}_args")
    keywords = inspect.signature(builder).parameters
    offered = [o for o in declared(COMMANDS[command]) if o.plugin]
    assert offered
    positional = [str(tmp_path / "in.tif"), str(tmp_path / "out")]
    # train: the continued phase's learning rate is given only with its epochs
    required = {"base_model": None, "epochs": 1, "continue_epochs": 2} if command == "train" else {}
    for item in offered:
        assert item.name in keywords, f"{command}_args lacks {item.name}"
        value = SAMPLES[item.kind] if item.name != "class_weights" else "none"
        if item.name == "model" or item.name == "base_model":
            value = str(tmp_path / "model.pt")
        argv = builder(*positional, **(required | {item.name: value}))
        context = main.commands[command].make_context(command, argv[1:])
        received = context.params[item.name]
        if item.kind == "path":
            received, value = Path(received), Path(value)
        assert received == value, item.name


def test_the_dask_worker_gets_the_run_options_object():
    from landseg.inference.distributed import segment_on_cluster

    assert "options" in inspect.signature(segment_on_cluster).parameters
    assert len(inspect.signature(segment_on_cluster).parameters) <= 8


def test_japanese_help_is_shown_in_japanese(monkeypatch):
    monkeypatch.setenv("LANDSEG_LANG", "ja")
    from landseg.cli.options import declared_options

    @click.command()
    @declared_options(SegmentOptions)
    def command(**options):
        pass

    assert "最小スコア" in command.get_help(click.Context(command))
