"""Segmenting a mosaic on a Dask cluster: chunks of tiles run and merge on workers.

The mosaic's own tile grid is cut into *chunks*, square blocks of tiles (the tiles' overlap is
the halo, so no chunk needs its neighbours). Each chunk is one Dask task, :func:`run_chunk`: the
worker loads the model once (cached per worker process; ``device="auto"`` resolves there, so a
worker with a GPU uses it), turns its tiles into pieces with
:func:`landseg.inference.pieces.segment_tiles` (the code a local run uses) and merges them
inside the chunk (:func:`landseg.inference.stitch.merge_inside`). It sends back the chunk's
final instances (or writes them as a GeoParquet part itself) and only the pieces that a
neighbouring chunk's tiles may touch. This process takes each chunk's result exactly once, in
chunk order, and the run merges the border pieces across chunks once at the end
(:meth:`landseg.inference.pipeline.SegmentRun.border_polygons`), so the polygons are the same as
a local run's. Dask re-runs the chunks of a worker that dies.

This module is imported only for a run on a cluster; a local run never imports Dask.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from rasterio.windows import Window

from landseg import defaults
from landseg.errors import (
    Cancelled,
    ClusterError,
    InvalidParameterError,
    LandSegError,
    ModelLoadError,
)
from landseg.inference.options import SegmentOptions
from landseg.inference.pieces import segment_tiles
from landseg.inference.plan import Plan
from landseg.inference.runtimes.loading import load
from landseg.inference.segmenter import Segmenter, as_segmenter
from landseg.inference.stitch import MergedInstance, Piece, Signals, merge_inside
from landseg.inference.tiling import TileSpec
from landseg.io.features import Features
from landseg.io.rasters import RasterSource, Scaling
from landseg.messages import Message

CONNECT_TIMEOUT_S = 20  # to reach a scheduler
WORKER_WAIT_S = 60  # for a scheduler without workers to get one
POLL_S = 0.05  # how often the cancel token is checked while chunks run
MAX_CACHED_MODELS = 2  # per worker process; a long-lived worker serves many runs
CHUNK_RETRIES = 1  # a chunk that fails (a server that hiccups) runs once more


@dataclass(frozen=True)
class WorkerModel:
    """How a worker gets the model: a model file and its load options, or a pickled model.

    Only plain values travel, so it pickles; :meth:`load` runs on the worker.
    """

    key: str  # cache key: the same key on a worker means the same loaded model
    path: str | None = None  # None with no ``pickled``: the worker's shipped default model
    device: str = defaults.DEVICE
    conf: float = defaults.CONFIDENCE
    iou: float = defaults.NMS_IOU
    batch_size: int = defaults.BATCH_TILES
    runtime: str = defaults.RUNTIME
    class_names: tuple[str, ...] = ()
    sha256: str = ""  # of the file the run was started with; a worker's copy must match
    pickled: bytes | None = None  # a Segmenter object, cloudpickled

    def load(self) -> Segmenter:
        """The model, loaded in this (worker) process."""
        if self.pickled is not None:
            import cloudpickle

            try:
                return as_segmenter(cloudpickle.loads(self.pickled))
            except (ImportError, AttributeError) as error:
                raise ModelLoadError(Message("dask.model_object", error=error)) from None
        segmenter = load(
            self.path,
            device=self.device,
            conf=self.conf,
            iou=self.iou,
            batch_size=self.batch_size,
            expected_classes=list(self.class_names) or None,
            runtime=self.runtime,
        )
        if self.sha256 and segmenter.info.sha256 != self.sha256:
            raise ModelLoadError(
                Message(
                    "dask.model_differs",
                    model_file=self.path or "shipped default",
                    worker=_worker_address(),
                    found=segmenter.info.sha256[:12],
                    expected=self.sha256[:12],
                )
            )
        return segmenter


def worker_model(options: SegmentOptions, segmenter: Segmenter) -> WorkerModel:
    """What workers need to get the run's model; ``segmenter`` is this process's loaded copy.

    Raises:
        InvalidParameterError: the model is an object that cannot be pickled.
    """
    model = options.model
    device, conf, iou = options.device, options.conf, options.iou
    batch_size, runtime = options.batch_size, options.runtime
    if model is None or isinstance(model, str | Path):
        path = None if model is None else str(Path(model).absolute())
        sha256 = segmenter.info.sha256
        options = (path, sha256, device, conf, iou, batch_size, runtime)
        return WorkerModel(
            key="file:" + "|".join(map(str, options)),
            path=path,
            device=device,
            conf=conf,
            iou=iou,
            batch_size=batch_size,
            runtime=runtime,
            class_names=tuple(segmenter.class_names),
            sha256=sha256,
        )
    import cloudpickle

    try:
        pickled = cloudpickle.dumps(model)
    except Exception as error:
        raise InvalidParameterError(
            Message(
                "dask.model_not_sendable",
                model_type=type(model).__name__,
                error_type=type(error).__name__,
                error=error,
            )
        ) from None
    return WorkerModel(key="object:" + hashlib.sha256(pickled).hexdigest(), pickled=pickled)


_models: OrderedDict[str, tuple[Segmenter, threading.Lock]] = OrderedDict()
_models_lock = threading.Lock()


def cached_segmenter(model: WorkerModel) -> tuple[Segmenter, threading.Lock]:
    """This worker process's copy of ``model`` (loaded on first use) and the lock that keeps
    two threads of one worker from using it at once."""
    with _models_lock:
        if model.key not in _models:
            _models[model.key] = (model.load(), threading.Lock())
            while len(_models) > MAX_CACHED_MODELS:
                _models.popitem(last=False)
        _models.move_to_end(model.key)
        return _models[model.key]


@dataclass(frozen=True)
class ChunkJob:
    """What every chunk of a run shares: the raster, how to read it, and the model."""

    source: RasterSource
    bands: tuple[int, ...]
    scaling: Scaling
    within: Window | None
    batch_size: int
    overlap_px: int
    model: WorkerModel
    # With a shared folder: workers write their final instances there as GeoParquet parts,
    # turned into polygons by ``polygons``; only border pieces go back to the client.
    parts_folder: str | None = None
    polygons: Callable[[list[MergedInstance]], Any] | None = None
    skip_unreadable: bool = False  # skip (and list) tiles that cannot be read


@dataclass
class Packed:
    """Instances or pieces as compact arrays and WKB, to travel from a worker to the client."""

    class_ids: np.ndarray
    scores: np.ndarray
    counts: np.ndarray  # instances: tiles that saw each; pieces: each one's tile index
    wkb: np.ndarray  # object array of bytes
    signals: np.ndarray  # N x 3 float32, each one's ``Signals``

    @classmethod
    def of(cls, items: Sequence[MergedInstance] | Sequence[Piece]) -> Packed:
        geometries = np.array([item.geometry for item in items], dtype=object)
        counts = [getattr(item, "tile_count", getattr(item, "tile_index", 0)) for item in items]
        return cls(
            np.array([item.class_id for item in items], dtype=np.int32),
            np.array([item.score for item in items], dtype=np.float32),
            np.array(counts, dtype=np.int64),
            shapely.to_wkb(geometries) if len(items) else np.empty(0, dtype=object),
            np.array([item.signals.as_tuple() for item in items], dtype=np.float32).reshape(-1, 3),
        )

    def instances(self) -> list[MergedInstance]:
        return [
            MergedInstance(int(c), float(s), g, int(n), Signals(*map(float, v)))
            for c, s, g, n, v in zip(*self._columns(), strict=True)
        ]

    def pieces(self) -> list[Piece]:
        return [
            Piece(int(n), int(c), float(s), g, Signals(*map(float, v)))
            for c, s, g, n, v in zip(*self._columns(), strict=True)
        ]

    def _columns(self) -> tuple:
        geometries = shapely.from_wkb(self.wkb)
        return self.class_ids, self.scores, geometries, self.counts, self.signals


@dataclass
class ChunkResult:
    """One chunk's instances merged on the worker, its border pieces (both in raster pixel
    coordinates), and what ran it."""

    chunk_id: int
    instances: Packed  # final inside the chunk
    border: Packed  # pieces of objects a neighbouring chunk's tiles may touch
    tiles: int
    tiles_run: int
    device: str
    forward_s: float | None
    worker: str
    skipped: list[int]  # tiles that could not be read and were skipped


def run_chunk(chunk_id: int, specs: Sequence[TileSpec], job: ChunkJob) -> ChunkResult:
    """Segment one chunk of tiles; runs on a Dask worker.

    LandSeg's own errors reach the client as they are, without the library exceptions behind
    them (which may not travel back), so the user reads one line, not a worker's traceback.
    """
    segmenter, lock = cached_segmenter(job.model)
    failure = None
    with lock:
        before = segmenter.forward_seconds
        try:
            outcome = segment_tiles(
                job.source,
                specs,
                job.bands,
                job.scaling,
                segmenter,
                batch_size=job.batch_size,
                within=job.within,
                skip_unreadable=job.skip_unreadable,
            )
        except LandSegError as error:
            failure = type(error)(*error.args)
        after = segmenter.forward_seconds
    if failure is not None:
        raise failure  # raised here, out of the handler: it carries no library exception
    instances, border = merge_inside(outcome.pieces, specs, margin_px=job.overlap_px)
    if job.parts_folder is not None:
        write_part(job.polygons(instances), Path(job.parts_folder), f"chunk-{chunk_id:05d}")
        instances = []  # written where the output goes: nothing to send back
    return ChunkResult(
        chunk_id=chunk_id,
        instances=Packed.of(instances),
        border=Packed.of(border),
        tiles=len(specs),
        tiles_run=outcome.tiles_run,
        device=str(segmenter.device),
        forward_s=None if before is None or after is None else after - before,
        worker=_worker_address(),
        skipped=list(outcome.skipped),
    )


def write_part(features: Features, folder: Path, name: str) -> None:
    """One GeoParquet part of a partitioned output, written whole or not at all."""
    partial = folder / f".{name}.partial.parquet"
    features.to_geodataframe().to_parquet(partial, index=False)
    partial.replace(folder / f"part-{name}.parquet")


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "(not a Dask worker)"


def _identity(value: Any) -> Any:
    return value


def partition(specs: Sequence[TileSpec], chunk_tiles: int) -> list[list[TileSpec]]:
    """Square blocks of ``chunk_tiles`` x ``chunk_tiles`` tiles, block row by block row.

    Tiles keep their order inside a block; every tile lands in exactly one block.
    """
    columns = {c: i for i, c in enumerate(sorted({s.window.col_off for s in specs}))}
    rows = {r: i for i, r in enumerate(sorted({s.window.row_off for s in specs}))}
    blocks: defaultdict[tuple[int, int], list[TileSpec]] = defaultdict(list)
    for spec in specs:
        key = (
            rows[spec.window.row_off] // chunk_tiles,
            columns[spec.window.col_off] // chunk_tiles,
        )
        blocks[key].append(spec)
    return [blocks[key] for key in sorted(blocks)]


@dataclass
class ClusterRun:
    """What a run on a cluster gives back to the pipeline (its instances went to ``on_chunk``)."""

    border: list[Piece]  # pieces to merge across chunks, in tile order
    tiles_run: int
    device: str
    forward_s: float | None
    chunks: int
    workers: int
    skipped: list[int]  # tiles that could not be read and were skipped, in order


@contextlib.contextmanager
def dask_client(scheduler: Any, workers: int | None) -> Iterator[Any]:
    """A Dask client: the caller's, one connected to ``scheduler``, or a local cluster's."""
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # the caller's client: the caller closes it
        return
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise ClusterError(
                Message("dask.unreachable", scheduler=scheduler, error=error)
            ) from None
        with client:
            yield client
        return
    # One thread per worker: a worker's model runs one chunk at a time anyway. Port 0 for the
    # HTTP server: another cluster on this machine may hold the default 8787.
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,  # a chunk's error reaches the user as one line
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def _wait_for_workers(client: Any, should_stop: Callable[[], bool]) -> int:
    """How many workers the cluster has, once it has one."""
    deadline = time.monotonic() + WORKER_WAIT_S
    while not (workers := client.scheduler_info(n_workers=-1)["workers"]):
        if should_stop():
            raise Cancelled(Message("segment.cancelled"))
        if time.monotonic() > deadline:
            address = client.scheduler.address
            raise ClusterError(Message("dask.no_workers", address=address, seconds=WORKER_WAIT_S))
        time.sleep(0.2)
    return len(workers)


def segment_on_cluster(
    plan: Plan,
    options: SegmentOptions,
    segmenter: Segmenter,
    *,
    on_chunk: Callable[[ChunkResult], None],
    parts: tuple[Path, Callable] | None = None,
    progress: Callable[[float, str], None],
    should_stop: Callable[[], bool],
) -> ClusterRun:
    """Segment the plan's tiles on Dask workers, chunk by chunk, merging inside each chunk there.

    Each chunk's final instances go to ``on_chunk`` in chunk order, as chunks complete, and
    are not kept; only the pieces on chunks' borders stay here, for the merge across chunks.
    This process's memory so grows with the chunks' borders, not with their contents.

    Args:
        plan: The run's plan; every worker must be able to open ``plan.source.uri``, and
            ``spec.index`` must be each tile's position in ``plan.specs``.
        options: The run's options: the model as the user gave it (a file, ``None`` for the
            shipped model, or a picklable ``Segmenter``), the device each worker resolves for
            itself (``auto``: its GPU when it has one), ``conf``, ``iou``, ``batch_size`` and
            ``runtime`` of the model on a worker, ``scheduler`` (an address or a
            ``distributed.Client``) or ``workers`` (a local cluster of that many processes),
            ``chunk_tiles`` per side of a chunk, and ``skip_unreadable``.
        segmenter: This process's loaded copy of the model (for its metadata).
        on_chunk: Called with each chunk's result, in chunk order.
        parts: A folder every worker can write to, and the function that turns instances into
            polygons: workers then write their chunks' polygons there themselves.
        progress: Called with (fraction done, message) as chunks complete (up to 0.9).
        should_stop: Checked while chunks run; when true, the chunks are cancelled.

    Raises:
        Cancelled: ``should_stop`` turned true.
        ClusterError: The scheduler cannot be reached, has no workers, or lost a chunk with
            its workers more often than Dask allows.
    """
    specs, workers = plan.specs, options.workers
    chunks = partition(specs, options.chunk_tiles)
    job = ChunkJob(
        source=plan.source,
        bands=tuple(plan.bands),
        scaling=plan.scaling,
        within=plan.within,
        batch_size=options.batch_size,
        overlap_px=plan.overlap_px,
        parts_folder=str(parts[0]) if parts else None,
        polygons=parts[1] if parts else None,
        skip_unreadable=options.skip_unreadable,
        model=worker_model(options, segmenter),
    )
    starting = Message("segment.cluster.start", workers=workers)
    progress(0.0, starting if workers else Message("segment.cluster.connect"))
    with dask_client(options.scheduler, workers) as client:
        n_workers = _wait_for_workers(client, should_stop)
        on = f"{n_workers} Dask worker{'s' if n_workers > 1 else ''}"
        key = "segment.cluster.workers" if n_workers > 1 else "segment.cluster.worker"
        progress(0.0, Message(key, total=len(specs), chunks=len(chunks), workers=n_workers))
        summary = _run_chunks(client, job, chunks, len(specs), progress, should_stop, on_chunk)
    packed, tiles_run, devices, forwards, skipped = summary
    border = [piece for part in packed for piece in part.pieces()]
    border.sort(key=lambda piece: piece.tile_index)  # stable: a tile's pieces keep their order
    return ClusterRun(
        border=border,
        tiles_run=tiles_run,
        device=f"{on} ({', '.join(sorted(devices))})",
        forward_s=None if None in forwards else sum(f for f in forwards if f is not None),
        chunks=len(chunks),
        workers=n_workers,
        skipped=sorted(skipped),
    )


def _run_chunks(
    client: Any,
    job: ChunkJob,
    chunks: list[list[TileSpec]],
    total_tiles: int,
    progress: Callable[[float, str], None],
    should_stop: Callable[[], bool],
    on_chunk: Callable[[ChunkResult], None],
) -> tuple[list[Packed], int, set[str], list[float | None], list[int]]:
    """Submit every chunk, hand each result to ``on_chunk`` once, in chunk order; cancel all
    on the way out. Returns the border pieces, tiles run, devices, forward times and the tiles
    skipped."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    token = uuid.uuid4().hex[:12]
    # The job travels once, as a task of its own: a worker fetches it from a peer, and Dask
    # recomputes it, like any task, if every copy is lost with its workers.
    job_future = client.submit(_identity, job, key=f"landseg-job-{token}")
    futures = {
        chunk_id: client.submit(
            run_chunk,
            chunk_id,
            chunk,
            job_future,
            key=f"landseg-chunk-{token}-{chunk_id}",
            retries=CHUNK_RETRIES,
        )
        for chunk_id, chunk in enumerate(chunks)
    }
    chunk_of = {future.key: chunk_id for chunk_id, future in futures.items()}
    waiting: dict[int, ChunkResult] = {}  # done, but an earlier chunk is not yet
    next_chunk = tiles_done = tiles_run = 0
    border: list[Packed] = []
    devices: set[str] = set()
    forwards: list[float | None] = []
    skipped: list[int] = []
    try:
        finished = as_completed(list(futures.values()), loop=client.loop)
        while not finished.is_empty():
            if should_stop():
                raise Cancelled(Message("segment.cancelled"))
            ready = finished.next_batch(block=False)
            if not ready:
                time.sleep(POLL_S)
                continue
            for future in ready:
                chunk_id = chunk_of[future.key]
                try:
                    result = future.result()
                except KilledWorker as error:
                    raise ClusterError(
                        Message("dask.chunk_lost", chunk=chunk_id, error=error)
                    ) from None
                if chunk_id < next_chunk or chunk_id in waiting:  # a chunk counts once
                    continue
                waiting[chunk_id] = result
                futures.pop(chunk_id).release()
                while next_chunk in waiting:  # in chunk order, so the output's order is fixed
                    done = waiting.pop(next_chunk)
                    on_chunk(done)
                    border.append(done.border)  # packed until the merge across chunks
                    tiles_run += done.tiles_run
                    devices.add(done.device)
                    forwards.append(done.forward_s)
                    skipped += done.skipped
                    tiles_done += done.tiles
                    next_chunk += 1
                progress(
                    0.9 * tiles_done / total_tiles,
                    Message(
                        "segment.chunks",
                        done=tiles_done,
                        total=total_tiles,
                        chunks_done=next_chunk,
                        chunks=len(chunks),
                    ),
                )
        if should_stop():
            raise Cancelled(Message("segment.cancelled"))
    finally:
        if futures:
            client.cancel(list(futures.values()))
        job_future.release()
    return border, tiles_run, devices, forwards, skipped
