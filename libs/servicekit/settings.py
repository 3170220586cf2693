"""Settings every service shares, read from ``FRONTDESK_*`` environment variables.

Each service subclasses :class:`ServiceSettings` for its own fields. Every default runs locally
with nothing configured: NATS on 127.0.0.1:4222, gRPC and metrics on the service's own ports,
flags from the bootstrap file in ``gitops/flags/``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
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
    # A second, plaintext gRPC port serving only grpc.health.v1, for probes that cannot speak TLS
    # or present a token (the kubelet's gRPC probe). -2 (the default) means off, -1 any free
    # port. Health says nothing secret: SERVING, NOT_SERVING (draining) or nothing.
    health_port: int = Field(default=-2, ge=-2, le=65535)
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
    # Where a service writes what it keeps on disk (the SQLite databases by default). The
    # default suits a source checkout; an installed image sets it to a writable volume, since
    # its install is read-only (FRONTDESK_STATE_DIR=/var/lib/frontdesk).
    state_dir: Path = PROJECT_ROOT / ".frontdesk"
    # --- transport security: on by default; see servicekit.auth, servicekit.tls ---
    # FRONTDESK_INSECURE=1: plaintext gRPC without client tokens. Development only; loud.
    insecure: bool = False
    # Client tokens ("kind: token" or "kind: sha256:<hex>" per line), re-read when changed.
    auth_tokens_file: Path | None = None
    # How often, at most, the tokens file is checked for changes, in seconds.
    auth_reload_interval: float = Field(default=1.0, ge=0)
    # The gRPC server's certificate chain and key (PEM), re-read when changed.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # Set: mutual TLS, clients must present a certificate signed by this CA.
    tls_client_ca_file: Path | None = None
    # NATS credentials (the server's config decides what each user may publish/subscribe):
    # user + password (or a mounted password file), a token, or a .creds file (JWT + nkey).
    nats_user: str = ""
    nats_password: SecretStr = SecretStr("")
    nats_password_file: Path | None = None
    nats_token: SecretStr = SecretStr("")
    nats_creds_file: Path | None = None
    # Create or update the JetStream streams and the sessions bucket at start. Off where NATS
    # users are per service (only an admin may change streams; services look them up).
    manage_streams: bool = True
    # OTLP/HTTP collector for traces (http://host:4318 or a full .../v1/traces URL); empty keeps
    # spans in the process (none exported).
    otlp_endpoint: str = ""
