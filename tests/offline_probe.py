"""Run ultralytics' import, model build and a 1-epoch train under a network audit hook.

Usage: python offline_probe.py DATA_YAML RUN_DIR. Prints one JSON line: the network calls
attempted (empty when LandSeg keeps ultralytics offline). Runs in its own process, so that
the import itself is audited.
"""

import contextlib
import json
import socket
import sys

attempts: list[str] = []


def audit(event: str, args: tuple) -> None:
    if event == "socket.getaddrinfo" or (
        event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6)
    ):
        attempts.append(f"{event} {args[:2] if event == 'socket.getaddrinfo' else args[1]}")
        raise OSError("network access is forbidden in this test")


sys.addaudithook(audit)
with contextlib.suppress(OSError):  # the hook must stop a lookup before it leaves; prove it
    socket.getaddrinfo("example.invalid", 80)
hook_works = attempts == ["socket.getaddrinfo ('example.invalid', 80)"]
attempts.clear()

from landseg.offline import import_ultralytics  # noqa: E402

import_ultralytics()
from ultralytics import YOLO  # noqa: E402

model = YOLO("yolov8n-seg.yaml")
model.train(
    data=sys.argv[1],
    epochs=1,
    imgsz=128,
    batch=4,
    workers=0,
    device="cpu",
    project=sys.argv[2],
    name="probe",
    exist_ok=True,
    verbose=False,
    plots=True,
)
print(json.dumps({"hook_works": hook_works, "attempts": attempts}))
