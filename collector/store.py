"""Read side of the trace store: raw spans and normalized episodes, queried while the collector runs.

Every call opens a fresh in-memory DuckDB connection over

* the immutable Parquet segments (``collector.segments`` layout: ``<kind>/tenant=<t>/hour=<YYYY-MM-DDTHH>/``),
  listed by this module so a tenant or time filter never even opens another tenant's or an older hour's files;
* the acknowledged rows still only in the WAL (``collector.segments.unflushed_tables``), so a span is readable as
  soon as the collector answered for it;
* with an object store configured (``[collector.object_store]``, docs/17-object-storage.md), the segments every
  collector replica shipped to ``s3://bucket/prefix`` (``collector.object_store``), scanned by DuckDB as a pyarrow
  dataset, listed per tenant and hour like the local ones. Local segments are listed before the bucket: a segment
  the shipper moves in between is then in the bucket when it is listed, and one listed locally but gone when
  read is retried from a fresh listing.

Nothing here holds a lock or a ``.duckdb`` file (docs/01-architecture.md). A row can be in both sources for the instant a
segment is being flushed: spans are de-duplicated on (tenant, trace_id, span_id), logs and feedback on the whole
row. A corrupt or unreadable segment is skipped with a warning and counted (``skipped_segments``); the rest of
the store still answers.

Time filters (``since`` / ``until``) apply to an episode's last activity (``Episode.last_received_at``: the last
span, log record or feedback received for it), so a late span or feedback brings an old run back into a
``since`` window, which is what a curator watermark needs. The hour partitions are receive hours, which is what
makes that filter prunable.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from tracewheel.collector import segments
from tracewheel.collector.episode import Episode
from tracewheel.collector.normalize import decoded, normalize_trace
from tracewheel.collector.object_store import ObjectStore, RemoteFile
from tracewheel.collector.otlp import LOG_SCHEMA, SPAN_SCHEMA
from tracewheel.collector.settings import ObjectStoreSettings
from tracewheel.collector.tenants import NAME_RE

from tracewheel.core.timeparse import parse_since as parse_since  # the store's --since/--until parser

logger = logging.getLogger(__name__)

KINDS = ("spans", "logs", "feedback")
_HOUR_FMT = "%Y-%m-%dT%H"
_MAX_RETRIES = 3


@dataclass
class _Session:
    """One query's connection and what its views were built from (to rebuild them after skipping a file)."""

    con: duckdb.DuckDBPyConnection
    tenant: str | None
    min_hour: str | None
    pending: dict[str, pa.Table]
    views_ready: bool = False


def _ns(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1_000_000) * 1000


class TraceStore:
    """Query spans and episodes under ``traces_dir`` (and in the object store, when one is configured); safe
    beside running collectors.

    ``tenant=None`` (where accepted) means every tenant: the operator's view on their own machine.
    """

    def __init__(
        self, traces_dir: Path, object_store: ObjectStoreSettings | ObjectStore | None = None
    ) -> None:
        self.traces_dir = Path(traces_dir)
        self.remote = (
            object_store if isinstance(object_store, ObjectStore) else ObjectStore.from_settings(object_store)
        )
        # Corrupt segments seen, keyed by (path, size, mtime): a file replaced in place is looked at again.
        self._bad: dict[tuple[str, int, float], str] = {}
        # The latest listing of the bucket, by s3:// URL (what identifies an object's version for ``_bad``).
        self._listed: dict[str, RemoteFile] = {}

    # --- public API ----------------------------------------------------------------------------------------------

    @property
    def skipped_segments(self) -> list[Path | str]:
        """Segments skipped because they could not be read (each also logged once as a warning): local paths, and
        ``s3://`` URLs for objects."""
        local = sorted({Path(k[0]) for k in self._bad if not _is_url(k[0]) and self._is_bad(Path(k[0]))})
        remote = sorted({k[0] for k in self._bad if _is_url(k[0]) and self._is_bad(k[0])})
        return [*local, *remote]

    def tenants(self) -> list[str]:
        """Tenants with any stored or pending data."""
        found: set[str] = set()
        for kind in KINDS:
            root = self.traces_dir / kind
            if root.is_dir():
                found.update(
                    d.name[len("tenant=") :]
                    for d in root.iterdir()
                    if d.is_dir() and d.name.startswith("tenant=")
                )
        for table in self._unflushed().values():
            found.update(t for t in table.column("tenant").unique().to_pylist() if t)
        if self.remote is not None:
            found.update(self.remote.tenants())
        return sorted(found)

    def has_trace(self, tenant: str | None, trace_id: str) -> bool:
        sql = "SELECT 1 FROM spans_src WHERE trace_id = $trace AND ($tenant IS NULL OR tenant = $tenant) LIMIT 1"
        return self._query(sql, {"trace": trace_id.lower(), "tenant": tenant}, tenant).num_rows > 0

    def spans(self, tenant: str | None, trace_id: str) -> list[dict[str, Any]]:
        """Raw span rows of one trace, ordered by start time; JSON columns decoded."""
        sql = (
            "SELECT * FROM spans_src WHERE trace_id = $trace AND ($tenant IS NULL OR tenant = $tenant) "
            "ORDER BY start_time_unix_nano, span_id"
        )
        rows = self._query(sql, {"trace": trace_id.lower(), "tenant": tenant}, tenant).to_pylist()
        return [_decode_span(r) for r in rows]

    def episode(self, tenant: str | None, episode_id: str) -> Episode | None:
        """The episode of one trace (episode id = trace id), or ``None``."""
        found = self._episodes_for(tenant, [episode_id.lower()])
        return found[0] if found else None

    def episodes(
        self,
        tenant: str | None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[Episode]:
        """Episodes whose last activity falls in ``[since, until)``, oldest activity first (``newest_first`` flips
        it; ``limit`` keeps the first ``limit`` of that order)."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        min_hour = (since.astimezone(UTC) if since.tzinfo else since).strftime(_HOUR_FMT) if since else None
        order = "DESC" if newest_first else "ASC"
        sql = f"""
            WITH activity AS (
                SELECT tenant, trace_id, received_at_unix_nano AS r FROM spans_src
                UNION ALL SELECT tenant, trace_id, received_at_unix_nano FROM logs_src WHERE trace_id IS NOT NULL
                UNION ALL SELECT tenant, trace_id, received_at_unix_nano FROM feedback_src
            ), last AS (
                SELECT tenant, trace_id, max(r) AS last FROM activity
                WHERE ($tenant IS NULL OR tenant = $tenant) GROUP BY tenant, trace_id
            )
            SELECT tenant, trace_id, last FROM last
            WHERE ($since IS NULL OR last >= $since) AND ($until IS NULL OR last < $until)
            ORDER BY last {order}, tenant, trace_id
        """
        params: dict[str, Any] = {
            "tenant": tenant,
            "since": _ns(since) if since else None,
            "until": _ns(until) if until else None,
        }
        keys = [(k["tenant"], k["trace_id"]) for k in self._query(sql, params, tenant, min_hour).to_pylist()]
        # A trace with only feedback or logs (no span yet) has no episode; it is skipped here rather than in SQL,
        # where checking for spans would need every hour partition, not just the pruned window.
        out: list[Episode] = []
        chunk = max(limit or 0, 200)
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            loaded = {
                (e.tenant, e.trace_id): e for e in self._episodes_for(tenant, sorted({t for _, t in part}))
            }
            out.extend(loaded[k] for k in part if k in loaded)
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out

    # --- internals -----------------------------------------------------------------------------------------------

    def _episodes_for(self, tenant: str | None, trace_ids: list[str]) -> list[Episode]:
        wanted = pa.table({"trace_id": pa.array(trace_ids, pa.string())})
        where = "trace_id IN (SELECT trace_id FROM wanted) AND ($tenant IS NULL OR tenant = $tenant)"
        grouped: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = defaultdict(
            lambda: {"spans": [], "logs": [], "feedback": []}
        )
        with self._connection(tenant, None, {"wanted": wanted}) as session:
            for kind in KINDS:
                table = self._execute(session, f"SELECT * FROM {kind}_src WHERE {where}", {"tenant": tenant})
                for row in table.to_pylist():
                    grouped[(row["tenant"], row["trace_id"])][kind].append(row)
        episodes = []
        for (row_tenant, _), rows in sorted(grouped.items()):
            episode = normalize_trace(rows["spans"], rows["logs"], rows["feedback"], tenant=row_tenant)
            if episode is not None:
                episodes.append(episode)
        return episodes

    def _unflushed(self) -> dict[str, pa.Table]:
        try:
            return segments.unflushed_tables(self.traces_dir)
        except FileNotFoundError:
            return {}
        except Exception:  # noqa: BLE001 - the flushed store must stay readable whatever the WAL holds
            logger.warning(
                "could not read the WAL's unflushed records; showing flushed data only", exc_info=True
            )
            return {}

    def _files(self, kind: str, tenant: str | None, min_hour: str | None) -> list[str]:
        root = self.traces_dir / kind
        out: list[str] = []
        if not root.is_dir():
            return out
        for tenant_dir in root.iterdir():
            # Compare names rather than joining paths: a tenant string never becomes a path.
            if not tenant_dir.name.startswith("tenant=") or (
                tenant is not None and tenant_dir.name != f"tenant={tenant}"
            ):
                continue
            for hour_dir in tenant_dir.iterdir():
                if not hour_dir.name.startswith("hour="):
                    continue
                if min_hour is not None and hour_dir.name[len("hour=") :] < min_hour:
                    continue
                for path in hour_dir.glob("*.parquet"):
                    if not path.name.startswith(".") and not self._is_bad(path):
                        out.append(str(path))
        return sorted(out)

    def _remote_files(self, kind: str, tenant: str | None, min_hour: str | None) -> list[RemoteFile]:
        if self.remote is None or (tenant is not None and not NAME_RE.fullmatch(tenant)):
            return []  # a name no tenant can have holds nothing, and never becomes part of a key
        files = self.remote.list_files(kind, tenant, min_hour)
        self._listed.update((ObjectStore.url(f.path), f) for f in files)
        return [f for f in files if not self._is_bad(ObjectStore.url(f.path))]

    def _version(self, name: Path | str) -> tuple[str, int, float] | None:
        """(name, size, mtime) of a local file or a listed object; ``None`` when it is gone."""
        if isinstance(name, str) and _is_url(name):
            listed = self._listed.get(name)
            return None if listed is None else (name, listed.size, listed.mtime)
        try:
            st = Path(name).stat()
        except FileNotFoundError:
            return None
        return (str(name), st.st_size, st.st_mtime)

    def _is_bad(self, path: Path | str) -> bool:
        key = self._version(path)
        return True if key is None else key in self._bad

    def _mark_bad(self, path: Path | str, reason: str) -> None:
        key = self._version(path)
        if key is None:
            return  # compacted away meanwhile: not corrupt, just gone
        if key not in self._bad:
            self._bad[key] = reason
            logger.warning(
                "skipping unreadable segment %s (%s); %d skipped so far", path, reason, len(self._bad)
            )

    @contextmanager
    def _connection(
        self, tenant: str | None, min_hour: str | None, extra: dict[str, pa.Table] | None = None
    ) -> Iterator[_Session]:
        session = _Session(duckdb.connect(":memory:"), tenant, min_hour, self._unflushed())
        try:
            for name, table in (extra or {}).items():
                session.con.register(name, table)
            yield session
        finally:
            session.con.close()

    def _define_views(self, session: _Session) -> None:
        con = session.con
        for kind in KINDS:
            columns = _columns(kind)
            select = ", ".join(f'"{c}"' for c in columns)
            parts = []
            table = session.pending.get(kind)
            if table is not None:
                con.register(f"unflushed_{kind}", table)
                parts.append(f"SELECT {select} FROM unflushed_{kind}")
            # Local before remote: see the module docstring.
            files = self._files(kind, session.tenant, session.min_hour)
            remote = self._remote_files(kind, session.tenant, session.min_hour)
            if files:
                listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
                parts.append(
                    f"SELECT {select} FROM read_parquet({listed}, hive_partitioning = true, union_by_name = true,"
                    " hive_types = {'tenant': VARCHAR, 'hour': VARCHAR})"
                )
            if remote and self.remote is not None:
                con.register(f"remote_{kind}", self.remote.dataset(remote, _schema(kind)))
                parts.append(f"SELECT {select} FROM remote_{kind}")
            if not parts:
                nulls = ", ".join(f'NULL::{_sql_type(kind, c)} AS "{c}"' for c in columns)
                parts.append(f"SELECT {nulls} WHERE false")
            body = " UNION ALL BY NAME ".join(parts)
            if kind == "spans":
                body = (
                    f"SELECT * FROM ({body}) QUALIFY row_number() OVER "
                    "(PARTITION BY tenant, trace_id, span_id ORDER BY received_at_unix_nano DESC) = 1"
                )
            else:
                body = f"SELECT DISTINCT * FROM ({body})"
            con.execute(f"CREATE OR REPLACE TEMP VIEW {kind}_src AS {body}")

    def _execute(self, session: _Session, sql: str, params: dict[str, Any]) -> pa.Table:
        """Run ``sql``; when a segment is unreadable, find it, skip it, redefine the views and retry."""
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        for attempt in range(_MAX_RETRIES + 1):
            try:
                if not session.views_ready:
                    # Binding a view reads the files' footers, so a corrupt file can fail here already.
                    self._define_views(session)
                    session.views_ready = True
                return session.con.sql(sql, params=used).to_arrow_table()
            except (duckdb.IOException, duckdb.InvalidInputException, duckdb.InternalException) as exc:
                if attempt == _MAX_RETRIES:
                    raise
                # Either a corrupt file (found and skipped from now on) or one compacted away since the listing.
                self._isolate_bad_files(session.tenant, session.min_hour, exc)
                session.views_ready = False
        raise AssertionError("unreachable")

    def _isolate_bad_files(self, tenant: str | None, min_hour: str | None, exc: Exception) -> None:
        """Read each listed file on its own; the ones that fail are skipped from now on."""
        logger.debug("segment read failed (%s); checking files one by one", exc)
        probe = duckdb.connect(":memory:")
        try:
            for kind in KINDS:
                for name in self._files(kind, tenant, min_hour):
                    try:
                        probe.sql("SELECT * FROM read_parquet($f)", params={"f": name}).to_arrow_table()
                    except duckdb.Error as file_exc:
                        self._mark_bad(Path(name), str(file_exc).splitlines()[0])
                for remote in self._remote_files(kind, tenant, min_hour):
                    self._probe_remote(remote)
        finally:
            probe.close()

    def _probe_remote(self, remote: RemoteFile) -> None:
        """Read one object whole; a corrupt one is skipped from now on. A store that cannot be reached raises:
        that is no reason to skip data."""
        assert self.remote is not None
        try:
            self.remote.dataset([remote], _schema(remote_kind(remote.path))).to_table()
        except FileNotFoundError:
            return  # replaced by a compacted object since the listing
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            self._mark_bad(ObjectStore.url(remote.path), str(exc).splitlines()[0])

    def _query(
        self, sql: str, params: dict[str, Any], tenant: str | None, min_hour: str | None = None
    ) -> pa.Table:
        with self._connection(tenant, min_hour) as session:
            return self._execute(session, sql, params)


def _is_url(name: str | Path) -> bool:
    return isinstance(name, str) and name.startswith("s3://")


def remote_kind(path: str) -> str:
    """The segment kind of an object path (``bucket/prefix/<kind>/tenant=.../hour=.../name``)."""
    return path.rsplit("/", 4)[-4]


def _columns(kind: str) -> list[str]:
    return [f.name for f in _schema(kind)]


def _schema(kind: str) -> pa.Schema:
    return {"spans": SPAN_SCHEMA, "logs": LOG_SCHEMA, "feedback": segments.SCHEMAS["feedback"]}[kind]


def _sql_type(kind: str, column: str) -> str:
    arrow = _schema(kind).field(column).type
    if pa.types.is_int64(arrow):
        return "BIGINT"
    if pa.types.is_int32(arrow):
        return "INTEGER"
    if pa.types.is_floating(arrow):
        return "DOUBLE"
    return "VARCHAR"


def _decode_span(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["attributes"] = decoded(row.get("attributes"), {})
    row["events"] = decoded(row.get("events"), [])
    row["resource_attributes"] = decoded(row.get("resource_attributes"), {})
    return row
