"""How the gateway service is built and exposed.

Settings (environment, besides servicekit's ``FRONTDESK_*``):

- ``FRONTDESK_MAX_CONCURRENT_CALLS`` (100): calls over it hear a busy message and are
  transferred to the clinic's default target.
- ``FRONTDESK_DRAIN_TIMEOUT`` (30 s): on SIGTERM, how long live calls may go on. New calls
  during the drain get the same busy + transfer treatment (a caller is better served by a
  person than by a failed call); after the timeout, live calls hear "please call back" and end.
- ``FRONTDESK_DTMF_TIMEOUT`` (1.5 s): the pause after which buffered keypad digits are sent.
- ``FRONTDESK_CLAIM_TIMEOUT`` (3 s), ``FRONTDESK_TURN_TIMEOUT`` (20 s),
  ``FRONTDESK_ENDED_TIMEOUT`` (2 s), ``FRONTDESK_MAX_RECLAIMS`` (2),
  ``FRONTDESK_MAX_TURN_FAILURES`` (2).
- ``FRONTDESK_FALLBACK_TRANSFER_TARGET`` (""): where calls for an unknown clinic are transferred.
"""

from __future__ import annotations

from pydantic import Field

from clinic import ClinicDirectory
from frontdesk.v1 import gateway_pb2, gateway_pb2_grpc
from gateway.call import CallPolicy
from gateway.orchestrator_client import BusOrchestrator
from gateway.recording import PrometheusRecorder
from gateway.server import GatewayServicer
from gateway.switchboard import Switchboard
from servicekit import Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service

DEFINITION = ServiceDefinition(
    name="gateway",
    descriptor=gateway_pb2.DESCRIPTOR.services_by_name["CallGateway"],
    add_to_server=gateway_pb2_grpc.add_CallGatewayServicer_to_server,
    auth_policy={"/frontdesk.v1.CallGateway/": ("telephony",)},
)


class GatewaySettings(ServiceSettings):
    """``FRONTDESK_*`` settings of the gateway service."""

    max_concurrent_calls: int = Field(default=100, ge=0)
    drain_timeout: float = Field(default=30.0, ge=0)
    dtmf_timeout: float = Field(default=1.5, gt=0)
    claim_timeout: float = Field(default=3.0, gt=0)
    turn_timeout: float = Field(default=20.0, gt=0)
    ended_timeout: float = Field(default=2.0, gt=0)
    max_reclaims: int = Field(default=2, ge=0)
    max_turn_failures: int = Field(default=2, ge=1)
    fallback_transfer_target: str = ""

    def call_policy(self) -> CallPolicy:
        return CallPolicy(
            claim_timeout=self.claim_timeout,
            turn_timeout=self.turn_timeout,
            ended_timeout=self.ended_timeout,
            dtmf_timeout=self.dtmf_timeout,
            max_reclaims=self.max_reclaims,
            max_turn_failures=self.max_turn_failures,
        )


def build_switchboard(runtime: Runtime, settings: GatewaySettings) -> Switchboard:
    return Switchboard(
        BusOrchestrator(runtime.bus, runtime.tracer_provider.get_tracer("gateway")),
        PrometheusRecorder(runtime.metrics, settings.version),
        ClinicDirectory.from_folder(settings.clinics_dir),
        capacity=settings.max_concurrent_calls,
        policy=settings.call_policy(),
        drain_timeout=settings.drain_timeout,
        fallback_transfer_target=settings.fallback_transfer_target,
    )


def build(runtime: Runtime, settings: GatewaySettings) -> Built:
    switchboard = build_switchboard(runtime, settings)
    return Built(GatewayServicer(switchboard), draining=switchboard.drain)


SERVICE = Service(DEFINITION, GatewaySettings, build)
