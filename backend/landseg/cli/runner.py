"""Running a command of the ``landseg`` group: its exit code, every error one line on stderr."""

from __future__ import annotations

import click

from landseg import defaults
from landseg.cli.click_texts import error_text, speak_for_click
from landseg.errors import Cancelled, LandSegError
from landseg.messages import Message, said

KEPT_PREFIX = "landseg: kept: "  # then the work file a stopped run left to resume from


def run_command(group: click.Group, argv: list[str] | None) -> int:
    """Run ``argv`` with ``group``; 0, 2 for a bad input or option, 130 when cancelled.

    A run that stopped and kept its work file for ``--resume`` says so last, on a line of its
    own that callers (the QGIS plugin) read: ``landseg: kept: PATH``.
    """
    speak_for_click()
    try:
        group.main(args=argv, prog_name="landseg", standalone_mode=False)
    except Cancelled as error:
        click.echo(f"landseg: cancelled: {said(error)}", err=True)
        return _kept(error, defaults.EXIT_CANCELLED)
    except (LandSegError, click.ClickException) as error:
        click.echo(f"landseg: error: {error_text(error)}", err=True)
        return _kept(error, defaults.EXIT_USAGE)
    except (click.exceptions.Abort, KeyboardInterrupt) as error:
        click.echo(f"landseg: {said(Message('cancelled'))}", err=True)
        return _kept(error, defaults.EXIT_CANCELLED)
    return 0


def _kept(error: BaseException, code: int) -> int:
    """``code``, after naming the work file ``error``'s run kept (if it kept one)."""
    work_file = getattr(error, "work_file", None)
    if work_file:
        click.echo(f"{KEPT_PREFIX}{work_file}", err=True)
    return code
