"""Running a command of the ``landseg`` group: its exit code, every error one line on stderr."""

from __future__ import annotations

import click

from landseg import defaults
from landseg.errors import Cancelled, LandSegError
from landseg.messages import translate


def run_command(group: click.Group, argv: list[str] | None) -> int:
    """Run ``argv`` with ``group``; 0, 2 for a bad input or option, 130 when cancelled."""
    try:
        group.main(args=argv, prog_name="landseg", standalone_mode=False)
    except Cancelled as error:
        click.echo(f"landseg: cancelled: {translate(str(error))}", err=True)
        return defaults.EXIT_CANCELLED
    except (LandSegError, click.ClickException) as error:
        message = error.format_message() if isinstance(error, click.ClickException) else error
        click.echo(f"landseg: error: {translate(str(message))}", err=True)
        return defaults.EXIT_USAGE
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(f"landseg: {translate('cancelled')}", err=True)
        return defaults.EXIT_CANCELLED
    return 0
