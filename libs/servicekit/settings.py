"""Settings every service shares, read from ``FRONTDESK_*`` environment variables.

Each service subclasses :class:`ServiceSettings` for its own fields. Every default runs locally
with nothing configured: NATS on 127.0.0.1:4222, gRPC and metrics on the service's own ports,
flags from the bootstrap file in ``gitops/flags/``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The port each service listens on unless FRONTDESK_GRPC_PORT says otherwise; metrics on 9100 + n.
DEFAULT_GRPC_PORTS: dict[str, int] = {
    "gateway": 50051,
    "orchestrator": 50052,
    "llm_router": 50053,
    "scheduler_adapter": 50054,
    "handoff": 50055,
    "phi_filter": 50056,
}


class ServiceSettings(BaseSettings):
    """Settings common to every service. Environment variables: ``FRONTDESK_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", extra="ignore")

    nats_url: str = "nats://127.0.0.1:4222"
    grpc_host: str = "127.0.0.1"
    # 0 means the service's default port (DEFAULT_GRPC_PORTS); -1 means any free port.
    grpc_port: int = 0
    metrics_host: str = "127.0.0.1"
    # 0 means 9100 + the service's index; -1 means any free port; -2 disables the endpoint.
    metrics_port: int = 0
    # The running version: the Argo Rollouts pod-template hash in production.
    version: str = "dev"
    log_level: str = "INFO"
    # auto: text on a terminal, JSON lines anywhere else (files, pipes, log collectors).
    log_format: str = Field(default="auto", pattern="^(auto|json|text)$")
    # Default deadline for calls to other services over NATS, in seconds.
    request_timeout: float = 5.0
    # How long in-flight requests may run on shutdown, in seconds.
    shutdown_grace: float = 10.0
    # Unleash client API (``http://unleash:4242/api``) and client token; empty: bootstrap only.
    unleash_url: str = ""
    unleash_token: str = ""
    # Seconds between polls of Unleash (a kill switch acts within this).
    unleash_refresh_interval: float = 15.0
    # What flags say without Unleash: generated from gitops/flags/production.yaml.
    flags_file: Path = PROJECT_ROOT / "gitops" / "flags" / "bootstrap" / "production.json"
    clinics_dir: Path = PROJECT_ROOT / "deploy" / "local" / "clinics"
    # Where gRPC client tokens live (one "kind: token" per line); empty disables auth (local dev).
    auth_tokens_file: Path | None = None
    # OTLP/HTTP collector for traces (http://host:4318 or a full .../v1/traces URL); empty keeps
    # spans in the process (none exported).
    otlp_endpoint: str = ""
