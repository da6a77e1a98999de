"""The output of a long run, written while it runs, resumable, and put in place at the end.

Polygons are appended a batch at a time to a *work file*: a hidden GeoPackage beside the target
(``.NAME.landseg-partial.gpkg``). With each append a checkpoint is committed in the same file:
how many tiles are done, the pieces still open at the read front, the features written. A run
that dies can be resumed from there (features written after the last checkpoint are dropped
first), and its result is the one an uninterrupted run gives. At the end the work file becomes
the output: a styled GeoPackage, or converted (streamed, in batches) to GeoParquet or
FlatGeobuf, then moved into place atomically.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landseg.errors import (
    InvalidParameterError,
    LandSegError,
    LandSegWarning,
    OutputNotWritableError,
)
from landseg.io.atomic import atomic_output, check_output, hidden_sibling, remove_with_sidecars
from landseg.io.features import Features, write_gpkg_layer
from landseg.io.folders import atomic_folder, check_replaceable_folder
from landseg.io.qgis_style import add_style
from landseg.messages import Message

if TYPE_CHECKING:  # only the conversion to GeoParquet needs pandas
    import geopandas as gpd

FORMATS = {".gpkg": "GeoPackage", ".parquet": "GeoParquet", ".fgb": "FlatGeobuf"}
_CHECKPOINT_TABLE = "landseg_checkpoint"
_CONVERT_BATCH = 65536  # features per batch when converting the work file
PARQUET_FOLDER = "geoparquet"  # the kind of folder a partitioned GeoParquet output is
Inputs = Iterable[str | Path]  # the files a run reads: an output folder must not hold them


@dataclass
class Checkpoint:
    """Where a run stands: what a resumed run needs to continue exactly."""

    run: dict[str, Any]  # the run's identity (raster, model, options): a resume must match
    tiles_done: int = 0  # specs read, in order
    tiles_run: int = 0  # of those, tiles that held data
    features: int = 0  # features written up to this checkpoint
    review_features: int = 0  # the same for the review layer
    open_pieces: list[dict[str, Any]] = field(default_factory=list)
    skipped_tiles: list[int] = field(default_factory=list)

    def advance(self, tiles: int, tiles_run: int, skipped: list[int]) -> None:
        """``tiles`` more specs read, ``tiles_run`` of them with data, ``skipped`` unreadable."""
        self.tiles_done += tiles
        self.tiles_run += tiles_run
        self.skipped_tiles += skipped


def output_kind(path: Path) -> str:
    """``.gpkg``, ``.parquet`` or ``.fgb``, or ``folder`` (a partitioned GeoParquet dataset).

    Raises:
        InvalidParameterError: Another extension.
    """
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        return suffix
    if not suffix or path.is_dir():
        return "folder"
    raise InvalidParameterError(Message("output.extension", path=path.name))


def work_file(target: Path) -> Path:
    """The hidden work file beside ``target``."""
    return hidden_sibling(target, "landseg-partial.gpkg")


class WorkFile:
    """A polygon layer appended batch by batch into the work file, with checkpoints."""

    def __init__(
        self, target: Path, *, layer: str, checkpoints: bool, review_layer: str | None = None
    ) -> None:
        self.target = target
        self.work = work_file(target)
        self.layer = layer
        self.review_layer = review_layer  # a second layer, of review items, when asked for
        self.checkpoints = checkpoints
        self._new_layers: list[tuple[Features, str, dict[str, str]]] = []  # made on first write

    def start(
        self,
        empty: Features,
        metadata: dict[str, str],
        run: dict[str, Any],
        *,
        resume: bool,
        empty_review: Features | None = None,
    ) -> Checkpoint:
        """The checkpoint to continue from, or a new one.

        A run with checkpoints makes its work file now, so that it can be resumed whenever it
        stops; one without makes it with the first batch written (on the thread that writes,
        so loading the GeoPackage writer does not delay the first tiles; see :meth:`create`).

        Raises:
            InvalidParameterError: ``resume`` with a work file of another run.
        """
        if self.work.exists() and resume:
            checkpoint = self._read_checkpoint()
            if checkpoint is not None and checkpoint.run == run:
                self._drop_features_after(self.layer, checkpoint.features)
                if self.review_layer:
                    self._drop_features_after(self.review_layer, checkpoint.review_features)
                return checkpoint
            differs = _differences(checkpoint.run if checkpoint else {}, run)
            raise InvalidParameterError(
                Message("output.resume_mismatch", path=self.work.name, differs=differs)
            )
        if self.work.exists():
            warnings.warn(
                Message("output.unfinished", path=self.work.name),
                LandSegWarning,
                stacklevel=3,
            )
        self.discard()
        self._new_layers = [(empty, self.layer, metadata)]
        if self.review_layer and empty_review is not None:
            self._new_layers.append((empty_review, self.review_layer, {"landseg": "review items"}))
        checkpoint = Checkpoint(run)
        if self.checkpoints:
            self.create(checkpoint)
        return checkpoint

    def create(self, checkpoint: Checkpoint) -> None:
        """Make the work file's layers and first checkpoint, if this run has not yet (the
        first append does it otherwise)."""
        if not self._new_layers:
            return
        for frame, layer, metadata in self._new_layers:
            self._write(frame, layer, metadata=metadata)
        self._new_layers = []
        self._save(checkpoint)

    def append(
        self,
        frame: Features,
        checkpoint: Checkpoint,
        review: Features | None = None,
    ) -> None:
        """Add ``frame``'s polygons (and ``review`` items), then commit ``checkpoint``."""
        self.create(checkpoint)
        if len(frame):
            self._write(frame, self.layer)
        checkpoint.features += len(frame)
        if review is not None and len(review):
            self._write(review, self.review_layer)
            checkpoint.review_features += len(review)
        if self.checkpoints:
            self._save(checkpoint)

    def finish(self, *, class_names: list[str], overwrite: bool, inputs: Inputs = ()) -> Path:
        """Turn the work file into the output and move it into place.

        The checkpoint stays in the work file until the output is in place, so a run whose last
        step fails can still be resumed.
        """
        kind = output_kind(self.target)
        if kind == ".gpkg":
            check_output(self.target.absolute(), overwrite=overwrite)
            add_style(self.work, self.layer, class_names)
            checkpoint = self._read_checkpoint()
            with self._connection() as db:
                db.execute(f"DROP TABLE IF EXISTS {_CHECKPOINT_TABLE}")
            try:
                os.replace(self.work, self.target)
            except OSError as error:
                if checkpoint is not None:
                    self._save(checkpoint)
                raise OutputNotWritableError(
                    Message("output.put_in_place", path=self.target, error=error.strerror)
                ) from None
            return self.target
        try:
            if kind == "folder":
                folder = {"overwrite": overwrite, "kind": PARQUET_FOLDER, "inputs": inputs}
                with atomic_folder(self.target, **folder) as staging:
                    _to_parquet_parts(self.work, self.layer, staging)
            else:
                with atomic_output(self.target, overwrite=overwrite) as partial:
                    _convert(self.work, self.layer, partial, kind)
        except (OSError, RuntimeError) as error:  # pyarrow's and GDAL's write errors
            if isinstance(error, LandSegError):
                raise
            raise _not_written(self.target, error) from None
        self.discard()
        return self.target

    def counts(self, class_names: list[str]) -> dict[str, int]:
        """Polygons written per class."""
        with self._connection() as db:
            rows = dict(db.execute(f'SELECT class, COUNT(*) FROM "{self.layer}" GROUP BY class'))
        return {name: int(rows.get(name, 0)) for name in class_names}

    def discard(self) -> None:
        """Remove the work file (and what SQLite left beside it)."""
        remove_with_sidecars(self.work)

    def _write(self, frame: Features, layer: str, metadata: dict[str, str] | None = None) -> None:
        try:
            write_gpkg_layer(frame, self.work, layer, metadata=metadata)
        except OSError as error:
            raise _not_written(self.work, error) from None

    @contextlib.contextmanager
    def _connection(self):
        try:
            with contextlib.closing(sqlite3.connect(self.work)) as db, db:
                yield db
        except sqlite3.Error as error:
            raise OutputNotWritableError(
                Message("output.update", path=self.work, cause=error)
            ) from None

    def _save(self, checkpoint: Checkpoint) -> None:
        with self._connection() as db:
            db.execute(f"CREATE TABLE IF NOT EXISTS {_CHECKPOINT_TABLE} (state TEXT)")
            db.execute(f"DELETE FROM {_CHECKPOINT_TABLE}")
            db.execute(
                f"INSERT INTO {_CHECKPOINT_TABLE} VALUES (?)", (json.dumps(checkpoint.__dict__),)
            )

    def _read_checkpoint(self) -> Checkpoint | None:
        with contextlib.suppress(sqlite3.Error, ValueError, TypeError):
            with contextlib.closing(sqlite3.connect(self.work)) as db:
                (state,) = db.execute(f"SELECT state FROM {_CHECKPOINT_TABLE}").fetchone()
            return Checkpoint(**json.loads(state))
        return None

    def _drop_features_after(self, layer: str, count: int) -> None:
        """Features appended after the checkpoint was committed go (they come again)."""
        with self._connection() as db:
            db.execute(
                f'DELETE FROM "{layer}" WHERE fid NOT IN '
                f'(SELECT fid FROM "{layer}" ORDER BY fid LIMIT ?)',
                (count,),
            )


def _not_written(path: Path, error: BaseException) -> OutputNotWritableError:
    """The error for ``path`` that could not be written (a full or lost disk, mostly)."""
    cause = str(error).strip()[:200]
    return OutputNotWritableError(Message("output.disk", path=path, cause=cause))


def _differences(started: dict[str, Any], now: dict[str, Any]) -> str:
    """What differs between the identity a run ``started`` with and the one asked for ``now``."""
    if not started:
        return "its checkpoint cannot be read"
    named = [
        name
        for part in ("metadata", "options")
        for name, value in now.get(part, {}).items()
        if started.get(part, {}).get(name) != value
    ]
    if started.get("inputs") != now.get("inputs"):
        named.append("content of the raster, area of interest or model file")
    return ", ".join(named) or "version of LandSeg"


def check_target(target: Path, *, overwrite: bool, inputs: Inputs = ()) -> None:
    """Before any work: the output's format is known and its place may be written (a folder
    only when it holds no input of the run and nothing LandSeg did not write)."""
    if output_kind(target) == "folder":
        check_replaceable_folder(target, overwrite=overwrite, kind=PARQUET_FOLDER, inputs=inputs)
    else:
        check_output(target, overwrite=overwrite)


def _convert(work: Path, layer: str, target: Path, kind: str) -> None:
    """Stream the work file's features into one GeoParquet or FlatGeobuf file."""
    import pyogrio

    if kind == ".fgb":
        with pyogrio.open_arrow(work, layer=layer, batch_size=_CONVERT_BATCH) as (meta, reader):
            pyogrio.write_arrow(
                reader,
                target,
                driver="FlatGeobuf",
                geometry_name=meta["geometry_name"] or "geometry",
                geometry_type="MultiPolygon",
                crs=meta["crs"],
            )
        return
    writer = None
    for frame in _batches(work, layer):
        writer = writer or _ParquetWriter(target, frame)
        writer.write(frame)
    writer.close()


def _to_parquet_parts(work: Path, layer: str, folder: Path) -> None:
    """A partitioned GeoParquet dataset: one file per batch of features."""
    for part, frame in enumerate(_batches(work, layer)):
        frame.to_parquet(folder / f"part-{part:05d}.parquet", index=False)


def _batches(work: Path, layer: str):
    """The work file's features, a batch at a time (one empty batch for an empty layer)."""
    import pyogrio

    total = pyogrio.read_info(work, layer=layer)["features"]
    for start in range(0, max(total, 1), _CONVERT_BATCH):
        yield pyogrio.read_dataframe(
            work, layer=layer, skip_features=start, max_features=_CONVERT_BATCH
        )


class _ParquetWriter:
    """One GeoParquet file written in row groups (geopandas' own GeoParquet metadata)."""

    def __init__(self, path: Path, first: gpd.GeoDataFrame) -> None:
        import pyarrow.parquet as parquet

        self.writer = parquet.ParquetWriter(path, _arrow(first).schema)

    def write(self, frame: gpd.GeoDataFrame) -> None:
        self.writer.write_table(_arrow(frame).cast(self.writer.schema))

    def close(self) -> None:
        self.writer.close()


def _arrow(frame: gpd.GeoDataFrame):
    """A GeoParquet table; the file-wide bounding box is left out (it varies by row group)."""
    from geopandas.io.arrow import _geopandas_to_arrow

    table = _geopandas_to_arrow(frame, index=False)
    geo = json.loads(table.schema.metadata[b"geo"])
    for column in geo["columns"].values():
        column.pop("bbox", None)
    return table.replace_schema_metadata({**table.schema.metadata, b"geo": json.dumps(geo)})
