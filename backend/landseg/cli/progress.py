"""Progress as a tqdm bar on stderr or JSON lines on stdout, and SIGTERM as a clean cancel."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from landseg.messages import Message, said


@dataclass
class Job:
    """A job of ``landseg serve``: where its JSON events go and the token that cancels it."""

    emit: Callable[[dict[str, Any]], None]
    cancel: threading.Event


current_job: Job | None = None  # set by ``landseg serve`` while it runs a job


class Progress:
    """Adapts the backend's (fraction, message) callback to tqdm or JSON lines.

    In JSON mode, stdout carries nothing but the JSON lines: everything else that would be
    printed there (libraries' logs included) is sent to stderr instead.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.bar = None
        self.json_stream = None
        if mode == "json" and current_job is None:
            sys.stdout.flush()
            self.json_stream = os.fdopen(os.dup(1), "w", buffering=1)
            os.dup2(2, 1)

    def emit(self, event: str, **fields: Any) -> None:
        """One JSON line on the original stdout (or to the serve job's stream)."""
        if current_job is not None:
            current_job.emit({"event": event, **fields})
            return
        assert self.json_stream is not None
        self.json_stream.write(json.dumps({"event": event, **fields}, default=str) + "\n")

    def say(self, message: str) -> None:
        """A command's summary line: on stderr in JSON mode, where stdout is JSON only."""
        click.echo(said(message), err=self.mode == "json")

    def __call__(self, fraction: float, message: str) -> None:
        """Report ``fraction`` (0 to 1) done, with what is being done (in the user's language)."""
        message_id = getattr(message, "id", None)
        message = said(message)
        if self.mode == "json":
            self.emit(
                "progress", fraction=round(fraction, 4), message=message, message_id=message_id
            )
        elif self.mode == "bar":
            if self.bar is None:  # created on first use, so errors before it print alone
                from tqdm import tqdm

                self.bar = tqdm(
                    total=1000,
                    unit="‰",
                    file=sys.stderr,
                    leave=False,
                    dynamic_ncols=True,
                    disable=None,
                )
            self.bar.set_description_str(message[:60])
            self.bar.update(int(fraction * 1000) - self.bar.n)

    def close(self) -> None:
        """Close the bar and the JSON stream."""
        if self.bar is not None:
            self.bar.close()
        if self.json_stream is not None:
            self.json_stream.close()


def cancel_on_signals() -> threading.Event:
    """An event that SIGTERM, or a first Ctrl-C, sets (when called on the main thread).

    The run then stops at its next check and leaves nothing half-written; a run that has
    already written its output finishes normally, so the exit status always matches what is on
    disk. A second Ctrl-C stops at once. In a ``landseg serve`` job: that job's token.
    """
    if current_job is not None:
        return current_job.cancel
    event = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        return event

    def interrupt(*_: Any) -> None:
        if event.is_set():
            raise KeyboardInterrupt
        event.set()
        print(f"landseg: {said(Message('cli.stopping'))}", file=sys.stderr)

    signal.signal(signal.SIGTERM, lambda *_: event.set())
    signal.signal(signal.SIGINT, interrupt)
    return event


_started: list[float] = []


def startup_seconds() -> float:
    """Seconds from the process's start to its first command (imports included); 0 later, as
    for the jobs of a long-lived worker, whose start is already paid."""
    if _started:
        return 0.0
    import psutil

    _started.append(time.time())
    return max(0.0, _started[0] - psutil.Process().create_time())
