"""Options shared by several commands: each flag defined once, with one parameter name."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from landseg import defaults
from landseg.cli import parsing
from landseg.cli.progress import Progress, cancel_on_signals
from landseg.messages import Message, language, said
from landseg.schema import Option, declared

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def option(*decls: str, default: Any = None, **attrs: Any) -> Decorator:
    """``click.option`` that shows its default in the help whenever it has one."""
    if default is not None:
        attrs.setdefault("show_default", True)
        attrs["default"] = default
    elif not attrs.get("required"):
        attrs["default"] = None
    return click.option(*decls, **attrs)


class _PathType(click.Path):
    """``click.Path`` that refuses relative paths where the caller requires absolute ones."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            parsing.check_absolute(value)
        return super().convert(value, param, ctx)


def path(*, file: bool = True, folder: bool = True) -> click.Path:
    """A path type giving :class:`~pathlib.Path`; ``file``/``folder``: what may exist there."""
    return _PathType(file_okay=file, dir_okay=folder, path_type=Path)


def parsed(parse: Callable[[Any], Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that turns the option's text into the API's value with ``parse``."""
    return lambda _context, _parameter, value: parse(value)


_CALLBACKS = {
    "bbox": parsing.bbox,
    "integers": parsing.int_list,
    "names": parsing.name_list,
    "mapping": parsing.mapping,
}
_TYPES = {"number": float, "integer": int}


def declared_options(options_class: type) -> Decorator:
    """The click options of every option ``options_class`` declares (see :mod:`landseg.schema`),
    in field order, each with its help in the user's language."""
    clicked = [_click_option(item) for item in declared(options_class)]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for make in reversed(clicked):
            command = make(command)
        return command

    return decorate


def _click_option(item: Option) -> Decorator:
    """One declared option as a click option."""
    help = item.help_ja if language() == "ja" else item.help
    if item.kind in ("flag", "switch"):
        default = None if item.kind == "switch" else False
        return click.option(item.flag, item.name, is_flag=True, default=default, help=help)
    attrs: dict[str, Any] = {"default": item.default, "help": help}
    if item.choices:
        attrs["type"] = click.Choice(item.choices)
    elif item.kind == "path":
        attrs["type"] = path()
    elif item.kind in _TYPES:
        attrs["type"] = _TYPES[item.kind]
    if item.kind in _CALLBACKS:
        attrs["callback"] = parsed(_CALLBACKS[item.kind])
    return option(item.flag, item.name, **attrs)


def device_option() -> Decorator:
    """``--device``: where the model runs."""
    return option(
        "--device",
        default=defaults.DEVICE,
        help="auto (CUDA when present), cpu, cuda or cuda:N.",
    )


def overwrite_option() -> Decorator:
    """``--overwrite``: replace existing outputs."""
    return click.option("--overwrite", is_flag=True, help="Replace outputs that already exist.")


def output_option(
    help: str, *, folder: bool | None = False, required: bool = True, name: str = "output"
) -> Decorator:
    """``-o/--output``: the file (``folder``: a folder; ``None``: either) a command writes."""
    kind = path(file=not folder, folder=folder is not False)
    return option("-o", "--output", name, type=kind, required=required, help=help)


def model_option(help: str, *, name: str = "model", default: str | None = None) -> Decorator:
    """``--model``: a model file; with a ``default``, a base model name or file (train)."""
    return option("--model", name, type=None if default else path(), default=default, help=help)


def data_option(help: str, *, required: bool = False) -> Decorator:
    """``--data``: a YOLO-seg dataset folder or its data.yaml."""
    return option("--data", type=path(), required=required, help=help)


def labels_option(help: str, *, required: bool = False) -> Decorator:
    """``--labels``: a labelled polygon layer."""
    return option("--labels", type=path(), required=required, help=help)


def aoi_option(help: str) -> Decorator:
    """``--aoi``: polygons of an area of interest."""
    return option("--aoi", type=path(), help=help)


def bbox_option() -> Decorator:
    """``--bbox``: a box in the raster's CRS, as a 4-tuple."""
    return option(
        "--bbox",
        callback=parsed(parsing.bbox),
        help="min_x,min_y,max_x,max_y in the raster's CRS.",
    )


def bands_option() -> Decorator:
    """``--bands``: raster band numbers, as a list."""
    return option(
        "--bands",
        callback=parsed(parsing.int_list),
        help="Raster bands for the model, e.g. 1,2,3 or 1.",
    )


def classes_option(help: str, *, name: str = "classes") -> Decorator:
    """``--classes``: class names in model order, as a list."""
    return option("--classes", name, callback=parsed(parsing.name_list), help=help)


def class_field_option(help: str) -> Decorator:
    """``--class-field``: the label attribute holding the class."""
    return option("--class-field", default=defaults.CLASS_FIELD, help=help)


def class_value_option() -> Decorator:
    """``--class-value``: one class for every label (layers without a class field)."""
    return option(
        "--class-value", help="One class for every feature (for layers without a class field)."
    )


def class_map_option() -> Decorator:
    """``--class-map``: label values renamed to the model's classes."""
    return option(
        "--class-map",
        callback=parsed(parsing.mapping),
        help="Rename label values, e.g. building=roof.",
    )


def labels_layer_option() -> Decorator:
    """``--labels-layer``: which layer of a label file with several."""
    return option(
        "--labels-layer",
        help="Layer of the label file to read, for files with several (or FILE|layername=NAME).",
    )


def crs_option() -> Decorator:
    """``--crs``: the CRS of a raster that has none."""
    return option(
        "--crs",
        help="CRS of a raster that has none (e.g. EPSG:32654): assigned, not reprojected.",
    )


def pixel_size_option(help: str, *, default: float | None = None) -> Decorator:
    """``--pixel-size``: a ground pixel size in metres."""
    return option("--pixel-size", "pixel_size_m", type=float, default=default, help=help)


def tile_size_option(help: str | None = None, *, default: int | None = None) -> Decorator:
    """``--tile-size``: tile size in pixels."""
    return option("--tile-size", "tile_size_px", type=int, default=default, help=help)


def overlap_option(help: str | None = None, *, default: int | None = None) -> Decorator:
    """``--overlap``: overlap between tiles in pixels."""
    return option("--overlap", "overlap_px", type=int, default=default, help=help)


def conf_option(help: str) -> Decorator:
    """``--conf``: a score threshold."""
    return option("--conf", type=float, default=defaults.CONFIDENCE, help=help)


def batch_option(name: str, default: int, help: str | None = None) -> Decorator:
    """``--batch``; ``name`` is the API's keyword (``batch_size``, or ``batch`` for train)."""
    return option("--batch", name, type=int, default=default, help=help)


def seed_option(help: str | None = None) -> Decorator:
    """``--seed``: a random seed."""
    return option("--seed", type=int, default=defaults.SEED, help=help)


def split_option(help: str) -> Decorator:
    """``--split``: a dataset split."""
    return option("--split", default=defaults.SPLIT, help=help)


def max_images_option(help: str) -> Decorator:
    """``--max-images``: images of the feature-map and gradient analysis."""
    return option("--max-images", type=int, default=defaults.ANALYSIS_IMAGES, help=help)


def lang_option(
    help: str, *, name: str = "languages", default: str = defaults.LANGUAGES
) -> Decorator:
    """``--lang``: output languages (``languages``), or the one language (``language``)."""
    return option("--lang", name, default=default, help=help)


def json_option() -> Decorator:
    """``--json``: also write the figures as JSON."""
    return option(
        "--json",
        "json_path",
        type=path(folder=False),
        help="Also write the figures as JSON.",
    )


def progress_option(*, cancellable: bool = True) -> Decorator:
    """``--progress bar|json|none``, passed on as a ``progress`` callback.

    A ``cancellable`` command also gets a ``cancel`` token that SIGTERM or a first Ctrl-C set;
    others keep the default signals (they write atomically, so stopping them is safe). With
    ``--progress json`` the dict a command returns is emitted as the ``result`` event.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @option(
            "--progress",
            "progress_mode",
            type=click.Choice(["bar", "json", "none"]),
            default=defaults.PROGRESS,
            help="How to report progress.",
        )
        @functools.wraps(command)
        def wrapper(progress_mode: str, **kwargs: Any) -> Any:
            progress = Progress(progress_mode)
            try:
                if cancellable:
                    kwargs["cancel"] = cancel_on_signals()
                result = command(progress=progress, **kwargs)
                if progress_mode == "json" and result is not None:
                    progress.emit("result", **result)
            finally:
                progress.close()
            return result

        return wrapper

    return decorate


def renamed_option(old: str, new: str, name: str, *, command: str, **attrs: Any) -> Decorator:
    """A hidden ``old`` flag that still sets ``name`` (the ``new`` flag's) for one release.

    Using it prints one warning line on stderr; giving both flags is a usage error.
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @click.option(old, f"deprecated_{name}", default=None, hidden=True, **attrs)
        @functools.wraps(function)
        def wrapper(**kwargs: Any) -> Any:
            value = kwargs.pop(f"deprecated_{name}")
            if value is not None:
                source = click.get_current_context().get_parameter_source(name)
                if source is ParameterSource.COMMANDLINE:
                    raise click.UsageError(Message("cli.deprecated", new=new, old=old))
                warning = Message("cli.deprecated_warning", command=command, old=old, new=new)
                click.echo(f"landseg: warning: {said(warning)}", err=True)
                kwargs[name] = value
            return function(**kwargs)

        return wrapper

    return decorate
