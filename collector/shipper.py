"""The shipper: moves the collector's sealed Parquet segments from local disk to object storage.

A thread beside the receivers (uploads are network waits; pyarrow releases the GIL while it copies). Every pass
takes each final local segment (``<kind>/tenant=<t>/hour=<h>/<name>.parquet``; dot-named temp files are not
final), uploads it under this replica's name (``collector/object_store.py``), and deletes the local copy only
after the upload succeeded. So an acknowledged span is always in at least one place: the WAL, a local segment,
or the bucket; readers list local segments before the bucket so none falls between the two
(``collector/store.py``).

Replays and retries are idempotent: a segment's name is derived from its WAL segment, so a segment rewritten
after a crash, or uploaded again after a crash between upload and delete, overwrites the same object.

Compaction (``collector/segments.py``) only merges settled files, which the shipper has normally moved long
before; it happens when the store was down for a while. A compacted file records its sources' names
(``tracewheel.compacted_from``), so after uploading it the shipper deletes those sources' objects, if any had
been shipped: the merged object replaces them and no row is stored twice. A source whose local copy vanished
while it was uploading (compaction unlinks sources after writing the merged file) has its fresh object deleted
again. Upload first, delete second: a reader may see both for a moment (the store de-duplicates), never neither.

While the store fails the files stay local (and readable there), and passes are retried after doubling pauses
up to ``max_backoff_s``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tracewheel.collector import wal
from tracewheel.collector.object_store import KINDS, ObjectStore
from tracewheel.collector.segments import META_COMPACTED
from tracewheel.collector.settings import ObjectStoreSettings
from tracewheel.collector.tenants import NAME_RE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalSegment:
    kind: str
    tenant: str
    hour: str
    path: Path


def local_segments(traces_dir: Path) -> Iterator[LocalSegment]:
    """Final local segments, oldest hour first (what a reader of the bucket misses most)."""
    for kind in KINDS:
        root = Path(traces_dir) / kind
        if not root.is_dir():
            continue
        for tenant_dir in sorted(root.iterdir()):
            tenant = tenant_dir.name[len("tenant=") :]
            if not tenant_dir.name.startswith("tenant=") or not NAME_RE.fullmatch(tenant):
                continue
            for hour_dir in sorted(tenant_dir.glob("hour=*")):
                for path in sorted(hour_dir.glob("*.parquet")):
                    if not path.name.startswith("."):
                        yield LocalSegment(kind, tenant, hour_dir.name[len("hour=") :], path)


class Shipper:
    """Uploads local segments of ``traces_dir`` to ``store``; ``ship_once`` is one pass, ``start`` a thread."""

    def __init__(self, traces_dir: Path, store: ObjectStore, settings: ObjectStoreSettings) -> None:
        self.traces_dir = Path(traces_dir)
        self.store = store
        self.settings = settings
        self.shipped = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ship_once(self) -> int:
        """Upload every final local segment; returns how many were moved. Raises ``OSError`` when the store
        fails (the rest wait for the next pass)."""
        pending = list(local_segments(self.traces_dir))
        # Object stores answer each PUT after tens of milliseconds: a few at once keep a backlog moving. The
        # first failure cancels the uploads not started yet (a store that times out must not be tried once per
        # file) and is raised once those under way have finished.
        pool = ThreadPoolExecutor(self.settings.upload_workers, thread_name_prefix="segment-upload")
        try:
            done = list(pool.map(self._ship, pending))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        moved = sum(done)
        for directory in {segment.path.parent for segment, ok in zip(pending, done, strict=True) if ok}:
            with contextlib.suppress(FileNotFoundError):
                wal.fsync_dir(directory)
        self.shipped += moved
        return moved

    def _ship(self, segment: LocalSegment) -> bool:
        target = self.store.object_path(segment.kind, segment.tenant, segment.hour, segment.path.name)
        try:
            sources = _compacted_from(segment.path)
            self.store.upload(segment.path, target)
        except FileNotFoundError:
            return False  # compacted away (its rows are in the merged file, shipped on its own) or retention
        for name in sources:
            self.store.delete(self.store.object_path(segment.kind, segment.tenant, segment.hour, name))
        if not segment.path.exists():
            # Compaction merged it while it was uploading: its rows are in the merged file, whose upload deletes
            # this object too; if that already happened, this upload came after it and must go.
            self.store.delete(target)
            return False
        segment.path.unlink(missing_ok=True)
        return True

    # --- the thread ----------------------------------------------------------------------------------------------

    def start(self) -> Shipper:
        self._thread = threading.Thread(target=self._run, name="segment-shipper", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        pause = self.settings.ship_interval_s
        while not self._stop.is_set():
            try:
                self.ship_once()
                pause = self.settings.ship_interval_s
            except OSError as exc:
                pause = min(max(pause * 2, self.settings.ship_interval_s), self.settings.max_backoff_s)
                logger.warning(
                    "shipping segments to %s failed (%s); they stay on local disk, next try in %.1fs",
                    self.settings.url,
                    exc,
                    pause,
                )
            except Exception:  # noqa: BLE001 - the thread must outlive any one bad pass
                pause = self.settings.max_backoff_s
                logger.exception("shipping segments failed; next try in %.1fs", pause)
            self._stop.wait(pause)

    def stop(self, final_pass: bool = True) -> None:
        """Stop the thread; ``final_pass`` tries once more to ship what the last flush wrote (what fails stays
        local and is shipped by the next start)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if final_pass:
            try:
                self.ship_once()
            except OSError as exc:
                logger.warning("final shipping pass failed (%s); the segments stay on local disk", exc)


def start_shipper(settings: ObjectStoreSettings, traces_dir: Path) -> Shipper | None:
    """The running shipper for ``settings``, or ``None`` when no object store is configured."""
    store = ObjectStore.from_settings(settings)
    if store is None:
        return None
    logger.info("shipping segments to %s as replica %r", settings.url, settings.replica_id)
    return Shipper(traces_dir, store, settings).start()


def _compacted_from(path: Path) -> list[str]:
    try:
        metadata = pq.read_schema(path).metadata or {}
    except pa.ArrowInvalid:
        # A corrupt file is shipped as it is: readers skip it with a warning, as they do locally.
        return []
    raw = metadata.get(META_COMPACTED)
    if not raw:
        return []
    names = json.loads(raw)
    return [n for n in names if isinstance(n, str) and "/" not in n and not n.startswith(".")]
