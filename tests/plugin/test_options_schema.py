"""The plugin's Processing parameters set the backend's declared options, with their defaults."""

from __future__ import annotations

import pytest

from landseg.inference.options import SegmentOptions
from landseg.schema import declared
from landseg.training.options import TrainOptions

ALGORITHMS = {"segment": SegmentOptions, "train": TrainOptions}
# Parameters that are no option of the command: its inputs and outputs.
OWN = {"segment": {"INPUT", "OUTPUT"}, "train": {"DATA", "OUTPUT"}}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_processing_parameter_sets_a_declared_option_with_its_default(provider, algorithm):
    instance = provider.algorithm(algorithm)
    options = {item.name: item for item in declared(ALGORITHMS[algorithm])}
    parameters = {p.name(): p for p in instance.parameterDefinitions()}
    assert set(parameters) == set(instance.OPTIONS) | OWN[algorithm]
    for parameter_name, option_name in instance.OPTIONS.items():
        item = options[option_name]
        assert item.plugin, f"{option_name} is offered by the plugin: declare plugin=True"
        default = parameters[parameter_name].defaultValue()
        if parameters[parameter_name].type() == "number" and item.default is not None:
            assert default == pytest.approx(item.default), parameter_name
    offered = {name for name, item in options.items() if item.plugin}
    # crs, overwrite and checkpoint the plugin sets itself (the layer's CRS; Processing
    # replaces outputs; a temporary output keeps no work file)
    assert offered - set(instance.OPTIONS.values()) <= {"crs", "overwrite", "checkpoint"}
