"""Collector settings (the ``[collector]`` section of the config file)."""

from pydantic import Field

from tracewheel.core.section import Section


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
