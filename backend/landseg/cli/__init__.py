"""The ``landseg`` command line: the click group, its commands and one-line error handling.

Progress goes to a tqdm bar on stderr, or as JSON lines on stdout with ``--progress json``
(for the QGIS plugin and other programs). SIGTERM cancels a run cleanly: nothing half-written
is left behind.
"""

from __future__ import annotations

import signal
import sys
import warnings
from pathlib import Path

import click

from landseg import __version__
from landseg.cli import calibration, data, evaluation, models, reports, segment, serve, training
from landseg.cli.click_texts import speak_for_click
from landseg.cli.help_texts import speak_help
from landseg.cli.runner import run_command
from landseg.errors import LandSegWarning
from landseg.messages import said

speak_for_click()  # before the group is made: its --version help is click's text


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="landseg")
def cli() -> None:
    """LandSeg: land-cover polygons from aerial rasters with instance segmentation."""


for _command in (
    data.synth,
    segment.segment_command,
    data.export_dataset_command,
    data.object_sizes_command,
    data.inspect_dataset_command,
    data.class_weights_command,
    training.train_command,
    calibration.calibrate_command,
    evaluation.evaluate_command,
    models.model_info,
    models.export_model,
    models.doctor,
    reports.report_command,
    reports.analyze_command,
    reports.compare_command,
    serve.serve_command,
):
    cli.add_command(_command)
speak_help(cli)


# Libraries' notices to their callers' developers (rasterio's "Use `@` matmul", torch's
# FutureWarnings): never shown to users, whatever PYTHONWARNINGS or the host application says.
DEVELOPER_NOTICES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as users read them: one line, without the source line that raised them; a
    library's warning is shown once and says it is the library's."""
    if issubclass(category, LandSegWarning):
        click.echo(f"landseg: warning: {said(message)}", err=True)
        return
    text = f"{category.__name__}: {message}"
    if text not in _shown:
        _shown.add(text)
        library = Path(filename).parent.name or filename
        click.echo(f"landseg: note from {library}: {text}", err=True)


_shown: set[str] = set()


def quiet_developer_notices() -> None:
    """Ignore :data:`DEVELOPER_NOTICES`, wherever they come from."""
    for category in DEVELOPER_NOTICES:
        warnings.filterwarnings("ignore", category=category)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error is one line on stderr with exit code 2.

    Run as the program (``argv`` None), a signal that arrives once the command has finished
    is ignored, so the exit status always tells what is on disk (Python would otherwise die of
    it while shutting down, after the output was written).
    """
    warnings.showwarning = _one_line_warning
    quiet_developer_notices()
    code = run_command(cli, argv)
    if argv is None:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)
    if code:
        sys.exit(code)
