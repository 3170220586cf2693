"""How the llm_router service is built and exposed."""

from __future__ import annotations

from frontdesk.v1 import llm_router_pb2, llm_router_pb2_grpc
from llm_router.server import LlmRouterServicer
from servicekit import Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service

DEFINITION = ServiceDefinition(
    name="llm_router",
    descriptor=llm_router_pb2.DESCRIPTOR.services_by_name["LlmRouter"],
    add_to_server=llm_router_pb2_grpc.add_LlmRouterServicer_to_server,
)


class LlmRouterSettings(ServiceSettings):
    """``FRONTDESK_*`` settings of the llm_router service."""


def build(runtime: Runtime, settings: LlmRouterSettings) -> Built:
    return Built(LlmRouterServicer())


SERVICE = Service(DEFINITION, LlmRouterSettings, build)
