"""How the gateway service is built and exposed.

Settings (environment, besides servicekit's ``FRONTDESK_*``):

- ``FRONTDESK_MAX_CONCURRENT_CALLS`` (600): calls over it hear a busy message and are
  transferred to the clinic's default target. The default is what one two-core machine held
  inside the turn SLO with realistic callers (docs/capacity.md); the load guard below is
  what protects the SLO when a machine holds less.
- ``FRONTDESK_ADMISSION_TURN_P95_MS`` (600; 0: off), ``FRONTDESK_ADMISSION_LOOP_LAG_MS``
  (250; 0: off), ``FRONTDESK_ADMISSION_WINDOW_S`` (10), ``FRONTDESK_ADMISSION_MIN_TURNS`` (20):
  new calls are refused the same way while the turns of the last window (at least that many)
  have a p95 over the limit, or the gateway's event loop runs later than its limit
  (``gateway.load_guard``); live calls carry on.
- ``FRONTDESK_DRAIN_TIMEOUT`` (30 s): on SIGTERM, how long live calls may go on. New calls
  during the drain get the same busy + transfer treatment (a caller is better served by a
  person than by a failed call); after the timeout, live calls hear "please call back" and end.
- ``FRONTDESK_DTMF_TIMEOUT`` (1.5 s): the pause after which buffered keypad digits are sent.
- ``FRONTDESK_CLAIM_TIMEOUT`` (3 s), ``FRONTDESK_TURN_TIMEOUT`` (20 s),
  ``FRONTDESK_ENDED_TIMEOUT`` (2 s), ``FRONTDESK_MAX_RECLAIMS`` (2),
  ``FRONTDESK_MAX_TURN_FAILURES`` (2).
- ``FRONTDESK_FALLBACK_TRANSFER_TARGET`` (""): where calls for an unknown clinic are transferred.

The ConversationRelay WebSocket endpoint (Twilio / Telnyx; ``docs/telephony.md``):

- ``FRONTDESK_RELAY_PORT`` (0: 8765; -1: any free port; -2: off), on ``FRONTDESK_GRPC_HOST``;
  ``wss://`` with the gRPC server's certificate (``FRONTDESK_TLS_CERT_FILE`` / ``_KEY_FILE``,
  reloaded when rotated), plain ``ws://`` only with ``FRONTDESK_INSECURE`` (or behind a proxy
  that terminates TLS).
- ``FRONTDESK_RELAY_PATH`` (``/relay``), ``FRONTDESK_RELAY_PUBLIC_URL`` (the ``wss://`` URL the
  provider signs, when a proxy in front changes what the gateway sees).
- ``FRONTDESK_RELAY_SIGNATURE``: ``twilio`` (default), ``telnyx``, or ``none`` (no check: only
  for a trusted network; logged loudly at start).
- ``FRONTDESK_TWILIO_AUTH_TOKEN`` / ``FRONTDESK_TWILIO_AUTH_TOKEN_FILE``,
  ``FRONTDESK_TELNYX_PUBLIC_KEY`` / ``FRONTDESK_TELNYX_PUBLIC_KEY_FILE``: the signing secrets
  (files are re-read when they change).
- ``FRONTDESK_RELAY_MAX_MESSAGE_BYTES`` (65536), ``FRONTDESK_RELAY_PING_INTERVAL`` (20 s).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from clinic import ClinicDirectory
from frontdesk.v1 import gateway_pb2, gateway_pb2_grpc
from gateway.call import CallPolicy
from gateway.load_guard import GuardedRecorder, LoadGuard, LoadLimits, LoopLagProbe
from gateway.orchestrator_client import BusOrchestrator
from gateway.recording import CallRecorder, PrometheusRecorder
from gateway.relay_auth import (
    HandshakeCheck,
    TelnyxSignature,
    TwilioSignature,
    Unsigned,
    secret_source,
)
from gateway.relay_server import RelayServer
from gateway.relay_tls import ReloadingServerContext
from gateway.server import GatewayServicer
from gateway.switchboard import Switchboard
from servicekit import Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service

log = logging.getLogger(__name__)
DEFAULT_RELAY_PORT = 8765

DEFINITION = ServiceDefinition(
    name="gateway",
    descriptor=gateway_pb2.DESCRIPTOR.services_by_name["CallGateway"],
    add_to_server=gateway_pb2_grpc.add_CallGatewayServicer_to_server,
)


class GatewaySettings(ServiceSettings):
    """``FRONTDESK_*`` settings of the gateway service."""

    max_concurrent_calls: int = Field(default=600, ge=0)
    admission_turn_p95_ms: float = Field(default=600.0, ge=0)
    admission_loop_lag_ms: float = Field(default=250.0, ge=0)
    admission_window_s: float = Field(default=10.0, gt=0)
    admission_min_turns: int = Field(default=20, ge=1)
    drain_timeout: float = Field(default=30.0, ge=0)
    dtmf_timeout: float = Field(default=1.5, gt=0)
    claim_timeout: float = Field(default=3.0, gt=0)
    turn_timeout: float = Field(default=20.0, gt=0)
    ended_timeout: float = Field(default=2.0, gt=0)
    max_reclaims: int = Field(default=2, ge=0)
    max_turn_failures: int = Field(default=2, ge=1)
    fallback_transfer_target: str = ""
    relay_port: int = Field(default=0, ge=-2, le=65535)
    relay_path: str = Field(default="/relay", pattern=r"^/")
    relay_public_url: str = ""
    relay_signature: Literal["twilio", "telnyx", "none"] = "twilio"
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_auth_token_file: Path | None = None
    telnyx_public_key: str = ""
    telnyx_public_key_file: Path | None = None
    relay_max_message_bytes: int = Field(default=64 * 1024, ge=1024)
    relay_ping_interval: float = Field(default=20.0, gt=0)

    def handshake_check(self) -> HandshakeCheck:
        if self.relay_signature == "twilio":
            return TwilioSignature(
                secret_source(
                    self.twilio_auth_token.get_secret_value(), self.twilio_auth_token_file
                )
            )
        if self.relay_signature == "telnyx":
            return TelnyxSignature(
                secret_source(self.telnyx_public_key, self.telnyx_public_key_file)
            )
        log.warning(
            "FRONTDESK_RELAY_SIGNATURE=none: the ConversationRelay endpoint accepts UNSIGNED "
            "connections; anyone who can reach it can place calls"
        )
        return Unsigned()

    def load_limits(self) -> LoadLimits:
        return LoadLimits(
            turn_p95_s=self.admission_turn_p95_ms / 1000,
            loop_lag_s=self.admission_loop_lag_ms / 1000,
            window_s=self.admission_window_s,
            min_turns=self.admission_min_turns,
        )

    def call_policy(self) -> CallPolicy:
        return CallPolicy(
            claim_timeout=self.claim_timeout,
            turn_timeout=self.turn_timeout,
            ended_timeout=self.ended_timeout,
            dtmf_timeout=self.dtmf_timeout,
            max_reclaims=self.max_reclaims,
            max_turn_failures=self.max_turn_failures,
        )


def build_switchboard(
    runtime: Runtime, settings: GatewaySettings, guard: LoadGuard | None = None
) -> Switchboard:
    recorder: CallRecorder = PrometheusRecorder(runtime.metrics, settings.version)
    if guard is not None:
        recorder = GuardedRecorder(recorder, guard)
    return Switchboard(
        BusOrchestrator(runtime.bus, runtime.tracer_provider.get_tracer("gateway"), runtime.events),
        recorder,
        ClinicDirectory.from_folder(settings.clinics_dir),
        capacity=settings.max_concurrent_calls,
        policy=settings.call_policy(),
        drain_timeout=settings.drain_timeout,
        fallback_transfer_target=settings.fallback_transfer_target,
        guard=guard,
    )


def build_relay(switchboard: Switchboard, settings: GatewaySettings) -> RelayServer | None:
    if settings.relay_port == -2:
        return None
    port = {0: DEFAULT_RELAY_PORT, -1: 0}.get(settings.relay_port, settings.relay_port)
    tls = None
    if not settings.insecure and settings.tls_cert_file and settings.tls_key_file:
        # wss:// with the gateway's gRPC certificate (reloaded when it is rotated).
        tls = ReloadingServerContext(settings.tls_cert_file, settings.tls_key_file).context
    return RelayServer(
        switchboard,
        settings.handshake_check(),
        ssl_context=tls,
        host=settings.grpc_host,
        port=port,
        path=settings.relay_path,
        public_url=settings.relay_public_url,
        max_message_bytes=settings.relay_max_message_bytes,
        ping_interval=settings.relay_ping_interval,
    )


async def build(runtime: Runtime, settings: GatewaySettings) -> Built:
    limits = settings.load_limits()
    guard = LoadGuard(limits) if limits.enabled else None
    probe = LoopLagProbe(guard) if guard is not None else None
    if probe is not None:
        probe.start()
    switchboard = build_switchboard(runtime, settings, guard)
    relay = build_relay(switchboard, settings)
    if relay is not None:
        await relay.start()
        log.info("ConversationRelay endpoint listening", extra={"url": relay.url})

    async def close() -> None:
        if probe is not None:
            await probe.stop()
        if relay is not None:
            await relay.close()

    servicer = GatewayServicer(switchboard)
    servicer.relay = relay
    return Built(servicer, draining=switchboard.drain, close=close)


SERVICE = Service(DEFINITION, GatewaySettings, build)
