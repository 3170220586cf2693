"""``<state-dir>/stack.json``: what ``frontdesk up`` started, for ``status`` and ``simulate``.

state = StackFile.load(Path(".frontdesk"))     # StackNotRunning when there is none
state.services["gateway"].grpc_address          # "127.0.0.1:50051"
state.databases["scheduler"]                    # SQLAlchemy URL
stack_client(state, "agent_desk").channel(state.services["handoff"].grpc_address)
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from servicekit.auth import INSECURE_CLIENT, GrpcClient

FILE_NAME = "stack.json"


class StackNotRunning(RuntimeError):
    """There is no stack.json in the state folder."""


@dataclass(frozen=True)
class ServiceRecord:
    name: str
    pid: int
    grpc_address: str
    metrics_url: str
    log: str


@dataclass(frozen=True)
class StackFile:
    supervisor_pid: int
    state_dir: str
    nats_url: str
    # None when the stack uses an external NATS (FRONTDESK_NATS_URL).
    nats_pid: int | None
    databases: dict[str, str]
    services: dict[str, ServiceRecord] = field(default_factory=dict)
    started_at: str = ""
    # The gateway's ConversationRelay WebSocket and the development Twilio auth token that
    # signs its handshakes ("" when the gateway is not running).
    relay_url: str = ""
    relay_auth_token_file: str = ""
    # The development credentials (servicekit.devcredentials) clients use; "" when insecure.
    secrets_dir: str = ""
    # Mutual TLS: clients present the development client certificate.
    mutual_tls: bool = False
    # The NATS it started has one user per service (passwords under secrets_dir/nats/).
    nats_users: bool = False

    @staticmethod
    def path(state_dir: Path) -> Path:
        return state_dir / FILE_NAME

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> StackFile:
        data: dict[str, Any] = json.loads(text)
        services = {name: ServiceRecord(**record) for name, record in data["services"].items()}
        return cls(**{**data, "services": services})

    def write(self, state_dir: Path) -> Path:
        """Writes atomically (rename), so readers never see half a file."""
        target = self.path(state_dir)
        temporary = target.with_suffix(".json.tmp")
        temporary.write_text(self.to_json() + "\n")
        os.replace(temporary, target)
        return target

    @classmethod
    def load(cls, state_dir: Path) -> StackFile:
        target = cls.path(state_dir)
        try:
            text = target.read_text()
        except FileNotFoundError:
            raise StackNotRunning(
                f"no stack is running from {state_dir} ({target} not found): run `frontdesk up`"
            ) from None
        return cls.from_json(text)


def stack_client(state: StackFile, kind: str) -> GrpcClient:
    """How a client of ``kind`` (telephony, agent_desk, admin, service) reaches this stack:
    the development CA, client certificate and token, or plaintext for an insecure stack."""
    if not state.secrets_dir:
        return INSECURE_CLIENT
    from servicekit.devcredentials import DevCredentials

    return DevCredentials.load(Path(state.secrets_dir), mutual=state.mutual_tls).client(kind)


def stack_nats_options(state: StackFile, user: str) -> dict[str, str]:
    """nats-py connect options for NATS user ``user`` of this stack ({} when it has no users)."""
    if not state.nats_users or not state.secrets_dir:
        return {}
    from servicekit.devcredentials import DevCredentials

    credentials = DevCredentials.load(Path(state.secrets_dir))
    return {"user": user, "password": credentials.nats_password(user)}
