"""The whole stack in one event loop, on real ports, against a real nats-server: six services
served by the same ``servicekit.app.run`` that ``python -m <service>`` uses.

Secure as deployed: TLS and client tokens from development credentials under the state folder
(``stack.channel("gateway")`` connects as the telephony side).

    async with Stack.start(nats_url, scheduler_db=url) as stack:
        async with CallClient(stack.channel("gateway")) as call:
            await call.setup()
            reply = await call.say("I'd like to book a checkup")
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.sdk.trace.export import SpanExporter

from callsim.runner import Target
from servicekit.app import Service, run
from servicekit.devcredentials import DevCredentials
from servicekit.permissions import ClientKind
from servicekit.serve import Serving

SERVICES = ("phi_filter", "scheduler_adapter", "handoff", "llm_router", "orchestrator", "gateway")
# Who calls each service in these tests by default.
CALLER = {
    "gateway": ClientKind.TELEPHONY,
    "handoff": ClientKind.AGENT_DESK,
    "orchestrator": ClientKind.AGENT_DESK,
}


@dataclass
class Running:
    name: str
    settings: Any
    stop: asyncio.Event
    task: asyncio.Task[None]
    serving: Serving

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.serving.grpc_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.serving.metrics_port}/metrics"

    async def shutdown(self, timeout: float = 20) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout)


def service(name: str) -> Service[Any]:
    module = importlib.import_module(f"{name}.app")
    found: Service[Any] = module.SERVICE
    return found


async def start_service(
    name: str,
    nats_url: str,
    *,
    version: str = "e2e",
    span_exporters: Sequence[SpanExporter] = (),
    credentials: DevCredentials | None = None,
    **settings: Any,
) -> Running:
    """``credentials`` None: explicitly insecure."""
    definition = service(name)
    security = credentials.settings() if credentials else {"insecure": True}
    # Any free ports unless ``settings`` name them (a Prometheus set up beforehand scrapes a
    # metrics port chosen in advance).
    config = definition.settings_type(
        nats_url=nats_url,
        version=version,
        **{"grpc_port": -1, "metrics_port": -1, **security, **settings},
    )
    stop = asyncio.Event()
    ready: asyncio.Future[Serving] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run(definition, config, stop=stop, on_ready=ready.set_result, span_exporters=span_exporters)
    )
    done, _ = await asyncio.wait({task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises the service's start-up error
        raise RuntimeError(f"{name} stopped during start-up")
    if ready not in done:
        task.cancel()
        raise TimeoutError(f"{name} did not start within 30 s")
    return Running(name, config, stop, task, ready.result())


@dataclass
class Stack:
    nats_url: str
    credentials: DevCredentials
    scheduler_db: str = ""
    services: dict[str, Running] = field(default_factory=dict)
    extra: list[Running] = field(default_factory=list)

    @property
    def gateway_target(self) -> str:
        return self.services["gateway"].target

    def callsim_target(self) -> Target:
        """Where callsim's runner finds this stack, with the telephony and agent desk tokens."""
        return Target(
            gateway=self.gateway_target,
            handoff=self.services["handoff"].target,
            scheduler_db=self.scheduler_db,
            telephony=self.credentials.client(ClientKind.TELEPHONY),
            agent_desk=self.credentials.client(ClientKind.AGENT_DESK),
        )

    def channel(self, name: str, kind: ClientKind | None = None) -> grpc.aio.Channel:
        """A TLS channel to service ``name`` as a client of ``kind`` (default: its usual
        caller: telephony for the gateway, agent desk for handoff and orchestrator)."""
        chosen = kind or CALLER.get(name, ClientKind.SERVICE)
        return self.credentials.client(chosen).channel(self.services[name].target)

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        nats_url: str,
        *,
        state_dir: Path,
        scheduler_db: str = "",
        span_exporters: Sequence[SpanExporter] = (),
        gateway: dict[str, Any] | None = None,
        orchestrator: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
        clinics_dir: Path | None = None,
        without: Sequence[str] = (),
        settings: dict[str, Any] | None = None,
        credentials: DevCredentials | None = None,
        nats_users: DevCredentials | None = None,
    ) -> AsyncIterator[Stack]:
        """``nats_users``: NATS runs with per-service users (their passwords there); each
        service connects as its own user. None: anonymous NATS."""
        stack = cls(
            nats_url, credentials or DevCredentials.ensure(state_dir / "secrets"), scheduler_db
        )
        per_service: dict[str, dict[str, Any]] = {
            "scheduler_adapter": {
                "scheduler_database_url": scheduler_db or f"sqlite:///{state_dir / 'scheduler.db'}",
                "scheduler_seed_demo": True,
                **(scheduler or {}),
            },
            "handoff": {"handoff_database_url": f"sqlite:///{state_dir / 'handoff.db'}"},
            # Any free port for the ConversationRelay endpoint: stacks run side by side in tests.
            # Load-based admission off unless a test asks for it: test machines are shared and
            # busy, and a refusal would make scenario tests depend on timing (the guard has its
            # own tests, test_admission_load.py among them).
            "gateway": {
                "relay_port": -1,
                "admission_turn_p95_ms": 0,
                "admission_loop_lag_ms": 0,
                **(gateway or {}),
            },
            "orchestrator": orchestrator or {},
        }
        try:
            # ``settings``: for every service (e.g. the Unleash URL and token).
            common: dict[str, Any] = dict(settings or {})
            if clinics_dir:
                common["clinics_dir"] = clinics_dir
            for name in SERVICES:
                if name in without:
                    continue
                stack.services[name] = await start_service(
                    name,
                    nats_url,
                    span_exporters=span_exporters,
                    credentials=stack.credentials,
                    **common,
                    **(nats_users.nats_settings(name) if nats_users else {}),
                    **per_service.get(name, {}),
                )
            yield stack
        finally:
            for running in [*stack.extra, *reversed(stack.services.values())]:
                if not running.task.done():
                    with contextlib.suppress(Exception):
                        await running.shutdown()

    async def add_orchestrator(self, version: str = "e2e", **settings: Any) -> Running:
        """Another orchestrator replica (same or another version)."""
        running = await start_service(
            "orchestrator",
            self.nats_url,
            version=version,
            credentials=self.credentials,
            **settings,
        )
        self.extra.append(running)
        return running
