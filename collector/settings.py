"""Collector settings (the ``[collector]`` section of the config file)."""

from pydantic import BaseModel, Field


class CollectorSettings(BaseModel):
    host: str = Field(default="127.0.0.1", description="Address the receivers bind to.")
    http_port: int = Field(default=4318, ge=0, le=65535, description="OTLP/HTTP port.")
    grpc_port: int = Field(default=4317, ge=0, le=65535, description="OTLP/gRPC port.")
