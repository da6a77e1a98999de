import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("offline_probe.py")


@pytest.mark.slow
def test_ultralytics_makes_no_network_attempt(tiny_dataset, tmp_path):
    data = tiny_dataset / "data.yaml"
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
