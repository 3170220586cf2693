"""How the llm_router service is built and exposed.

``FRONTDESK_LLM_CONFIG`` names the routes file (see :mod:`llm_router.config`); a bad file stops
the service at start with the file, the key and the reason. Without it the servicer answers
UNIMPLEMENTED and the rules policy serves calls.
"""

from __future__ import annotations

from pathlib import Path

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

    # FRONTDESK_LLM_CONFIG: litellm proxy-format YAML with a frontdesk section; unset: no routes.
    llm_config: Path | None = None


def build(runtime: Runtime, settings: LlmRouterSettings) -> Built:
    if settings.llm_config is None:
        return Built(LlmRouterServicer())
    # Imported here: the config is cheap, but the backend pulls in litellm (seconds).
    from llm_router.backend import LitellmBackend, litellm_price
    from llm_router.config import load_config
    from llm_router.routing import ModelRouter

    config = load_config(settings.llm_config)
    backend = LitellmBackend(config)
    router = ModelRouter(
        config, backend, pricer=litellm_price, metrics=runtime.metrics, version=runtime.version
    )
    return Built(LlmRouterServicer(router), close=backend.close)


SERVICE = Service(DEFINITION, LlmRouterSettings, build)
