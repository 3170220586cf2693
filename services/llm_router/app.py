"""How the llm_router service is built and exposed.

``FRONTDESK_LLM_CONFIG`` names the routes file (see :mod:`llm_router.config`); a bad file stops
the service at start with the file, the key and the reason. Without it the servicer answers
UNIMPLEMENTED and the rules policy serves calls.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import phi
from frontdesk.v1 import common_pb2, events_pb2, llm_router_pb2, llm_router_pb2_grpc
from llm_router.canary import RoutePicker
from llm_router.routing import Failover
from llm_router.server import LlmRouterServicer
from llm_router.types import Usage
from servicekit import Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service
from servicekit.costs import CallCosts

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
    from llm_router.backend import LitellmBackend, LitellmPrices
    from llm_router.config import load_config
    from llm_router.routing import ModelRouter

    config = load_config(settings.llm_config)
    backend = LitellmBackend(config)
    publisher = FailoverPublisher(runtime)
    picker = None
    if runtime.flags is not None:
        flags = runtime.flags

        def variant_of(flag: str, call_id: str, clinic: str) -> tuple[str, bool]:
            found = flags.variant(flag, call_id=call_id, clinic=clinic)
            return found.name, found.enabled

        picker = RoutePicker(config.frontdesk.canary_routes, config.default_route, variant_of)
    costs = CallCosts(runtime.js)

    async def record_spend(call_id: str, usage: Usage) -> float:
        spend = common_pb2.LlmSpend(
            cost_usd=usage.cost_usd,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            requests=1,
        )
        return (await costs.add(call_id, spend)).cost_usd

    # A clinic FAQ answer is shared only if the phi engine finds nothing in its messages.
    phi_engine = phi.Engine(strict=True)

    def has_phi(text: str) -> bool:
        return bool(phi_engine.detect(text))

    router = ModelRouter(
        config,
        backend,
        pricer=LitellmPrices(),
        metrics=runtime.metrics,
        version=runtime.version,
        on_failover=publisher,
        picker=picker,
        record_spend=record_spend,
        has_phi=has_phi,
    )

    async def close() -> None:
        await publisher.drain()
        await backend.close()

    return Built(LlmRouterServicer(router), close=close)


class FailoverPublisher:
    """``ProviderFailover`` events on the events stream, sent beside the request, not in its way
    (an all-down answer must not wait for a JetStream acknowledgement)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._pending: set[asyncio.Task[None]] = set()

    def __call__(self, failover: Failover) -> None:
        event = events_pb2.ProviderFailover(
            call_id=failover.call_id,
            from_provider=failover.from_provider,
            to_provider=failover.to_provider,
            model=failover.model,
            reason=failover.reason,
        )
        event.time.GetCurrentTime()
        task = asyncio.ensure_future(self._publish(event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish(self, event: events_pb2.ProviderFailover) -> None:
        try:
            await self._runtime.events.event("provider_failover", event)
        except Exception as error:  # a lost event must not fail the completion
            log.warning("ProviderFailover not published: %s", error)

    async def drain(self) -> None:
        if self._pending:
            await asyncio.wait(self._pending, timeout=5)


log = logging.getLogger(__name__)

SERVICE = Service(DEFINITION, LlmRouterSettings, build)
