import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.yolo_dataset import write_yolo_dataset

PROBE = Path(__file__).with_name("offline_probe.py")


@pytest.mark.slow
def test_ultralytics_makes_no_network_attempt(small_scene, tmp_path):
    data = write_yolo_dataset(small_scene, tmp_path / "dataset")
    result = subprocess.run(
        [sys.executable, str(PROBE), str(data), str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["hook_works"]
    assert report["attempts"] == []
    assert (tmp_path / "runs" / "probe" / "weights" / "last.pt").is_file()
