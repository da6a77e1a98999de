"""GeoPackage writes through the helper process of a ``segment`` command (in fresh processes:
this one has pyogrio loaded, and then writes stay here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pyogrio

_WRITE = """
import json, sys
from pathlib import Path
import numpy as np, shapely
from pyproj import CRS
from landseg.io import writer_process
from landseg.io.features import Features, write_gpkg_layer

def report():
    print(json.dumps({"pyogrio loaded here": "pyogrio" in sys.modules}))

features = Features(
    {"class": np.array(["roof", "farm"], dtype=object), "score": np.array([0.5, 0.75])},
    np.array([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 4, 3)]),
    CRS.from_epsg(32654),
)
BEFORE
with writer_process.helper():
    ACTION
"""


def _run(action: str, *args: object, before: str = "") -> list[dict]:
    """``_WRITE`` with ``action`` (lines indented by four spaces) in a fresh process, after
    ``before``: the JSON lines it printed."""
    code = _WRITE.replace("BEFORE", before).replace("ACTION", action)
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.strip().splitlines()]


def test_writes_through_the_helper_equal_writes_made_here(tmp_path):
    """The same two writes (a new layer with metadata, then an append) through the helper,
    then in the process itself (as when the helper has stopped)."""
    writes = """for name in ("helper.gpkg", "here.gpkg"):
        if name == "here.gpkg":  # the helper dies
            writer_process._helper.kill()
            writer_process._helper.wait()
        path = Path(sys.argv[1]) / name
        write_gpkg_layer(features, path, "landcover", metadata={"run": "x"})
        write_gpkg_layer(features, path, "landcover")
        report()"""
    assert _run(writes, tmp_path) == [
        {"pyogrio loaded here": False},
        {"pyogrio loaded here": True},
    ]
    helper, here = (
        pyogrio.read_dataframe(tmp_path / name, layer="landcover")
        for name in ("helper.gpkg", "here.gpkg")
    )
    assert len(helper) == 4 and helper.equals(here) and helper.crs == here.crs
    info = pyogrio.read_info(tmp_path / "helper.gpkg", layer="landcover")
    assert info["layer_metadata"] == {"run": "x"}


def test_a_failed_write_in_the_helper_is_an_os_error_here(tmp_path):
    action = """try:
        write_gpkg_layer(features, Path(sys.argv[1]), "landcover", metadata={})
    except OSError as error:
        print(json.dumps({"OSError": str(error)}))
    report()"""
    failure, loaded = _run(action, tmp_path / "missing" / "o.gpkg")
    assert failure["OSError"] and loaded == {"pyogrio loaded here": False}
    assert not (tmp_path / "missing").exists()


def test_other_failures_in_the_helper_keep_their_type(tmp_path):
    action = """try:
        wkb = shapely.to_wkb(features.geometry[:1])
        writer_process.write(sys.argv[1], wkb, [np.arange(3)], ["n"], geometry_type="Polygon")
    except ValueError as error:  # three values for one feature
        print(json.dumps({"ValueError": str(error)}))
    report()"""
    failure, loaded = _run(action, tmp_path / "o.gpkg")
    assert "same length" in failure["ValueError"] and loaded == {"pyogrio loaded here": False}


def test_a_helper_that_stops_during_a_write_fails_that_write(tmp_path):
    """It may have written it: making it again here could write its features twice."""
    before = """import os

class StopsTheHelper:
    def __reduce__(self):
        return os._exit, (3,)
"""
    action = """try:
        writer_process.write(StopsTheHelper())
    except OSError as error:
        print(json.dumps({"OSError": str(error)}))
    write_gpkg_layer(features, Path(sys.argv[1]), "landcover", metadata={})  # made here
    report()"""
    failure, loaded = _run(action, tmp_path / "o.gpkg", before=before)
    assert "stopped during the write" in failure["OSError"]
    assert loaded == {"pyogrio loaded here": True}
    assert pyogrio.read_info(tmp_path / "o.gpkg", layer="landcover")["features"] == 2


def test_writes_are_made_here_where_no_python_can_be_started(tmp_path):
    before = "sys.executable = '/usr/bin/env'  # as inside QGIS, whose executable is QGIS"
    action = """write_gpkg_layer(features, Path(sys.argv[1]), "landcover", metadata={})
    report()"""
    assert _run(action, tmp_path / "o.gpkg", before=before) == [{"pyogrio loaded here": True}]
    assert pyogrio.read_info(tmp_path / "o.gpkg", layer="landcover")["features"] == 2
