"""Collector settings (the ``[collector]`` section of the config file)."""

import re
import socket

from pydantic import Field, field_validator

from tracewheel.core.section import Section

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_REPLICA_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")


def _default_replica_id() -> str:
    # A Kubernetes pod's hostname is its name, unique among the replicas; anything odd in it is dropped so the
    # id can sit in an object name. Uniqueness does not rest on it alone: file names also carry the WAL's id.
    return re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:63].strip("-_") or "collector"


class ObjectStoreSettings(Section):
    """Where sealed Parquet segments go when the collector runs as one of several replicas (docs/17).

    Credentials are never here: the AWS SDK reads ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` /
    ``AWS_SESSION_TOKEN`` (or a profile, or the instance's role) the standard way.
    """

    url: str | None = Field(
        default=None,
        description="s3://bucket/prefix the segments are shipped to and read from; unset keeps them on local disk.",
    )
    endpoint_url: str | None = Field(
        default=None,
        description="S3-compatible endpoint (MinIO, Ceph, a test server): http(s)://host:port; unset is AWS.",
    )
    region: str = Field(default="us-east-1", description="The bucket's region.")
    replica_id: str = Field(
        default_factory=_default_replica_id,
        description="This collector's name in the segments' object names (default: the host name); letters, "
        "digits, '-' and '_'.",
    )
    ship_interval_s: float = Field(
        default=1.0, gt=0, description="How often sealed local segments are looked for and uploaded."
    )
    max_backoff_s: float = Field(
        default=60.0,
        gt=0,
        description="While the store fails, uploads are retried after doubling pauses up to this long; the "
        "segments stay on local disk (and readable there) meanwhile.",
    )
    request_timeout_s: float = Field(default=30.0, gt=0, description="Timeout of one S3 request.")
    upload_workers: int = Field(default=4, ge=1, le=64, description="Segments uploaded at once.")

    @field_validator("url")
    @classmethod
    def _s3_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith("s3://"):
            raise ValueError(f"object_store.url must look like s3://bucket/prefix, got {value!r}")
        bucket = value[len("s3://") :].split("/", 1)[0]
        if not _BUCKET_RE.fullmatch(bucket):
            raise ValueError(f"object_store.url has an invalid bucket name {bucket!r}")
        return value.rstrip("/")

    @field_validator("endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"object_store.endpoint_url must start with http:// or https://, got {value!r}")
        return value or None

    @field_validator("replica_id")
    @classmethod
    def _replica(cls, value: str) -> str:
        if not _REPLICA_RE.fullmatch(value):
            raise ValueError(
                f"object_store.replica_id must be 1-63 letters, digits, '-' or '_' (starting with a letter or "
                f"digit), got {value!r}"
            )
        return value


class CollectorSettings(Section):
    host: str = Field(default="127.0.0.1", description="Address the receivers bind to.")
    http_port: int = Field(default=4318, ge=0, le=65535, description="OTLP/HTTP port.")
    grpc_port: int = Field(default=4317, ge=0, le=65535, description="OTLP/gRPC port.")
    flush_interval_s: float = Field(
        default=2.0,
        gt=0,
        description="A WAL segment holding data is sealed and flushed to Parquet after this long.",
    )
    flush_max_bytes: int = Field(
        default=32 * 1024 * 1024, ge=1024, description="...or as soon as it holds this many bytes."
    )
    wal_segment_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="A WAL segment file is sealed once it reaches this size.",
    )
    max_body_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted, after decompression (413 above it).",
    )
    max_queue_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024,
        ge=1024,
        description="Acknowledged bytes not yet flushed to Parquet (they wait in the WAL on disk, not in memory); "
        "above this the receivers answer 503 / RESOURCE_EXHAUSTED with Retry-After so the SDK retries later. "
        "Bursts above the flusher's rate are absorbed up to this bound.",
    )
    retention_hours: float = Field(
        default=720,
        ge=0,
        description="Delete raw trace hour partitions older than this many hours (default 30 days: raw spans "
        "hold unredacted PII, datasets keep what was curated); 0 keeps everything.",
    )
    compaction_min_files: int = Field(
        default=8, ge=2, description="Compact an hour partition once it holds at least this many small files."
    )
    compaction_small_file_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1, description="Parquet files below this size count as small."
    )
    compaction_settle_s: float = Field(
        default=60.0, ge=0, description="Only compact partitions whose newest file is at least this old."
    )
    flusher_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="CPU niceness of the flusher process: receivers (acks) get the CPU first, Parquet conversion "
        "uses the rest; lower it if the flusher falls behind on a busy machine.",
    )
    grpc_workers: int = Field(default=8, ge=1, description="Threads serving OTLP/gRPC calls.")
    retry_after_s: int = Field(default=2, ge=1, description="Retry-After sent with 503 / RESOURCE_EXHAUSTED.")
    # --- limits against slow or greedy clients (docs/02-collector.md, "Limits") ---
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="An HTTP connection whose request headers are not complete this long after it opened (or "
        "after its previous request) is closed: slow-header clients cannot hold connections open.",
    )
    body_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="A request body must arrive whole within this long after its headers (408 otherwise).",
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="Concurrent HTTP connections (and requests) served; above it new requests get 503.",
    )
    grpc_max_concurrent_rpcs: int = Field(
        default=256, ge=1, description="Concurrent gRPC calls; above it new calls get RESOURCE_EXHAUSTED."
    )
    tenant_rate_records_per_s: float = Field(
        default=0,
        ge=0,
        description="Per-tenant ingest rate limit in records (spans + log records + feedback items) per second, "
        "a token bucket; over it the tenant gets 429 / RESOURCE_EXHAUSTED with Retry-After. 0: no limit.",
    )
    tenant_burst_records: int = Field(
        default=100_000,
        ge=1,
        description="Token-bucket size: records a tenant may send at once above its rate (one large batch always "
        "passes once the bucket is full).",
    )
    tenant_quota_bytes: int = Field(
        default=0,
        ge=0,
        description="Per-tenant storage quota in bytes on disk (Parquet, dead letters, plus what was accepted "
        "since the last measurement); over it the tenant gets 429 / RESOURCE_EXHAUSTED. 0: no quota.",
    )
    quota_refresh_s: float = Field(
        default=10.0, gt=0, description="How often tenants' disk usage is measured for the quota."
    )
    object_store: ObjectStoreSettings = Field(
        default_factory=ObjectStoreSettings,
        description="Ship sealed segments to S3-compatible storage and read them from there (docs/17).",
    )
