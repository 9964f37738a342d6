"""Segments on S3-compatible object storage: object names, listing, upload and delete, through pyarrow's S3 client.

Layout under ``s3://bucket/prefix`` (``[collector.object_store] url``), the local layout with the collector
replica's id in front of each file name::

    spans/tenant=<t>/hour=<YYYY-MM-DDTHH>/<replica>-<uuid>.parquet
    logs/...  feedback/...

Each replica names its own objects (its id, plus a UUID that already embeds its WAL's random id), so replicas
never write the same key and need no coordination. A PUT is atomic: readers see a whole object or none.

pyarrow's filesystem (the AWS SDK for C++) is used rather than boto3 or s3fs: it is already a dependency, reads
``AWS_*`` credentials the standard way, and DuckDB scans a pyarrow dataset over it with projection and filter
push-down (DuckDB's own ``httpfs`` extension is a download, which an offline machine cannot make).
Tenant isolation: a tenant name is checked against the tenant-name pattern before it becomes part of a key, and
a tenant's listing is under its own ``tenant=<t>/`` prefix only.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from tracewheel.collector.settings import ObjectStoreSettings
from tracewheel.collector.tenants import NAME_RE

from tracewheel.core import ids

logger = logging.getLogger(__name__)

KINDS = ("spans", "logs", "feedback")


@dataclass(frozen=True)
class RemoteFile:
    """One listed object: ``path`` is ``bucket/key`` (pyarrow's form), ``mtime`` in seconds."""

    path: str
    size: int
    mtime: float


def _check_tenant(tenant: str) -> str:
    if not NAME_RE.fullmatch(tenant):
        raise ValueError(f"invalid tenant name {tenant[:80]!r}")
    return tenant


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown segment kind {kind!r} (one of {', '.join(KINDS)})")
    return kind


class ObjectStore:
    """The segment store of one ``s3://bucket/prefix``: safe to share between threads (pyarrow's client is)."""

    def __init__(self, settings: ObjectStoreSettings, filesystem: pafs.FileSystem | None = None) -> None:
        if settings.url is None:
            raise ValueError("object_store.url is not set")
        self.settings = settings
        parts = urlsplit(settings.url)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.root = f"{self.bucket}/{self.prefix}" if self.prefix else self.bucket
        self.filesystem = filesystem or _s3_filesystem(settings)

    @classmethod
    def from_settings(cls, settings: ObjectStoreSettings | None) -> ObjectStore | None:
        """The store ``settings`` name, or ``None`` when no ``url`` is set (segments stay on local disk)."""
        if settings is None or settings.url is None:
            return None
        return cls(settings)

    # --- names ---------------------------------------------------------------------------------------------------

    def partition(self, kind: str, tenant: str, hour: str) -> str:
        if not hour or "/" in hour:
            raise ValueError(f"invalid hour partition {hour!r}")
        return f"{self.root}/{_check_kind(kind)}/tenant={_check_tenant(tenant)}/hour={hour}"

    def object_path(self, kind: str, tenant: str, hour: str, name: str) -> str:
        """Where this replica keeps the local file ``name`` of ``(kind, tenant, hour)``."""
        if "/" in name or name.startswith("."):
            raise ValueError(f"invalid segment file name {name!r}")
        return f"{self.partition(kind, tenant, hour)}/{self.settings.replica_id}-{name}"

    @staticmethod
    def url(path: str) -> str:
        return f"s3://{path}"

    # --- writing -------------------------------------------------------------------------------------------------

    def upload(self, local: Path, path: str) -> None:
        """Copy ``local`` to ``path``; the object appears whole once the PUT (or multipart upload) completes."""
        # Streamed rather than ``pafs.copy_files``, which also PUTs empty "directory" marker objects.
        with open(local, "rb") as source, self.filesystem.open_output_stream(path) as sink:
            shutil.copyfileobj(source, sink, 1024 * 1024)

    def delete(self, path: str) -> None:
        """Delete one object; an object already gone is not an error."""
        try:
            self.filesystem.delete_file(path)
        except FileNotFoundError:
            pass

    # --- reading -------------------------------------------------------------------------------------------------

    def tenants(self) -> set[str]:
        """Tenants with any objects of any kind."""
        found: set[str] = set()
        for kind in KINDS:
            for info in self._list(f"{self.root}/{kind}", recursive=False):
                name = info.base_name
                if info.type == pafs.FileType.Directory and name.startswith("tenant="):
                    tenant = name[len("tenant=") :]
                    if NAME_RE.fullmatch(tenant):
                        found.add(tenant)
        return found

    def list_files(self, kind: str, tenant: str | None, min_hour: str | None = None) -> list[RemoteFile]:
        """Segment objects of ``kind`` for ``tenant`` (every tenant when ``None``) in hours >= ``min_hour``.

        A tenant's listing never leaves its ``tenant=<t>/`` prefix; hours below ``min_hour`` are never listed.
        """
        base = f"{self.root}/{_check_kind(kind)}"
        if tenant is not None:
            tenant_dirs = [f"{base}/tenant={_check_tenant(tenant)}"]
        else:
            tenant_dirs = [
                info.path
                for info in self._list(base, recursive=False)
                if info.type == pafs.FileType.Directory and info.base_name.startswith("tenant=")
            ]
        out: list[RemoteFile] = []
        for tenant_dir in tenant_dirs:
            for hour_dir in self._list(tenant_dir, recursive=False):
                name = hour_dir.base_name
                if hour_dir.type != pafs.FileType.Directory or not name.startswith("hour="):
                    continue
                if min_hour is not None and name[len("hour=") :] < min_hour:
                    continue
                for info in self._list(hour_dir.path, recursive=False):
                    if (
                        info.type == pafs.FileType.File
                        and info.base_name.endswith(".parquet")
                        and not info.base_name.startswith(".")
                    ):
                        mtime = info.mtime.timestamp() if info.mtime is not None else 0.0
                        out.append(RemoteFile(info.path, info.size or 0, mtime))
        return sorted(out, key=lambda f: f.path)

    def dataset(self, files: list[RemoteFile], schema) -> ds.Dataset:  # noqa: ANN001 - a pyarrow Schema
        """A pyarrow dataset over ``files`` with ``schema`` (columns a file lacks read as NULL), for DuckDB.

        Built from fragments with their listed sizes: no request per file until DuckDB scans it.
        """
        fmt = ds.ParquetFileFormat()
        fragments = [fmt.make_fragment(f.path, self.filesystem, file_size=f.size) for f in files]
        return ds.FileSystemDataset(fragments, schema, fmt, self.filesystem)

    # --- forgetting (``tracewheel traces delete`` / ``tenants delete``; collectors stopped, as for local purges) --

    def purge_trace(self, tenant: str, trace_id: str) -> int:
        """Rewrite the tenant's objects without the rows of ``trace_id`` (an object left empty is deleted);
        returns how many rows went. Each rewrite is one PUT over the same key: readers see the old object or
        the new one."""
        trace_id = ids.trace_id(trace_id)
        removed = 0
        for kind in KINDS:
            for remote in self.list_files(kind, tenant):
                with self.filesystem.open_input_file(remote.path) as source:
                    table = pq.read_table(source)
                match = pc.fill_null(pc.equal(pc.utf8_lower(table.column("trace_id")), trace_id), False)
                hits = pc.sum(match).as_py() or 0
                if not hits:
                    continue
                kept = table.filter(pc.invert(match))
                if kept.num_rows == 0:
                    self.delete(remote.path)
                else:
                    with self.filesystem.open_output_stream(remote.path) as sink:
                        pq.write_table(kept, sink, compression="zstd")
                removed += hits
        return removed

    def purge_tenant(self, tenant: str) -> int:
        """Delete every object of ``tenant``; returns how many went."""
        removed = 0
        for kind in KINDS:
            removed += len(self.list_files(kind, tenant))
            with contextlib.suppress(FileNotFoundError):
                self.filesystem.delete_dir(f"{self.root}/{kind}/tenant={_check_tenant(tenant)}")
        return removed

    def _list(self, path: str, recursive: bool) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(path, recursive=recursive, allow_not_found=True)
        return self.filesystem.get_file_info(selector)


def _s3_filesystem(settings: ObjectStoreSettings) -> pafs.S3FileSystem:
    kwargs: dict[str, object] = {}
    if settings.endpoint_url:
        endpoint = urlsplit(settings.endpoint_url)
        kwargs["endpoint_override"] = endpoint.netloc
        kwargs["scheme"] = endpoint.scheme
    return pafs.S3FileSystem(
        region=settings.region,
        connect_timeout=min(settings.request_timeout_s, 10.0),
        request_timeout=settings.request_timeout_s,
        # A few quick retries inside the SDK for a dropped connection; longer outages are the shipper's backoff.
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=3),
        **kwargs,
    )
