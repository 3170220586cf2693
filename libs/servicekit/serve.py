"""``serve()``: one servicer exposed over gRPC and over NATS until SIGTERM, then drained.

gRPC gets TLS (mutual when a client CA is set), client tokens checked per method, health
checking, reflection, tracing and error mapping (:func:`grpc_security`); with
``FRONTDESK_HEALTH_PORT``, health alone is also served in plaintext for the kubelet's probes. NATS
gets a subscriber per method (see :mod:`servicekit.bus`). On SIGTERM or SIGINT: health flips to
NOT_SERVING, the ``draining`` hook runs (the gateway lets live calls finish there), NATS
subscriptions stop after their in-flight requests, and the gRPC server stops with a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor

from servicekit.auth import TokenAuthInterceptor, TokenFile
from servicekit.bus import InFlight, bind_servicer, stop_taking_requests
from servicekit.decoding import DecodingInterceptor
from servicekit.interceptors import ErrorInterceptor
from servicekit.runtime import Runtime
from servicekit.settings import DEFAULT_GRPC_PORTS, ServiceSettings
from servicekit.tls import ReloadingServerCredentials, TlsFiles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceDefinition:
    """How to expose one protobuf service."""

    name: str  # "scheduler_adapter": NATS subjects frontdesk.<name>.<Method>, queue group <name>
    descriptor: ServiceDescriptor
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    # Methods served per version (frontdesk.<name>.<version>.<Method>): the orchestrator's Turn.
    versioned_methods: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return str(self.descriptor.full_name)


@dataclass
class Serving:
    """What ``serve`` reports once it is up."""

    grpc_port: int
    nats_subjects: list[str]
    # The /metrics endpoint's port; None when it is off.
    metrics_port: int | None = None
    # The plaintext health-only port (FRONTDESK_HEALTH_PORT); None when it is off.
    health_port: int | None = None


class InsecureConfiguration(RuntimeError):
    """The service has neither credentials nor an explicit insecure flag; it will not start."""


INSECURE_BANNER = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! {name}: FRONTDESK_INSECURE is set: gRPC is PLAINTEXT and accepts calls WITHOUT A TOKEN.
!! Anyone who can reach {address} can read and change patient data. Development only.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


@dataclass(frozen=True)
class GrpcSecurity:
    """What :func:`grpc_security` decided: server credentials and the auth interceptor, or
    neither (explicitly insecure)."""

    credentials: grpc.ServerCredentials | None
    interceptors: tuple[grpc.aio.ServerInterceptor, ...]
    tokens: TokenFile | None = None
    tls: ReloadingServerCredentials | None = None


def grpc_security(settings: ServiceSettings) -> GrpcSecurity:
    """TLS and client tokens from the settings; refuses to run without them unless
    ``FRONTDESK_INSECURE`` is set."""
    if settings.insecure:
        return GrpcSecurity(None, ())
    missing = [
        f"FRONTDESK_{name.upper()}"
        for name in ("auth_tokens_file", "tls_cert_file", "tls_key_file")
        if getattr(settings, name) is None
    ]
    if missing:
        raise InsecureConfiguration(
            f"gRPC needs TLS and client tokens: set {', '.join(missing)} (`frontdesk up` "
            "generates development ones under .frontdesk/secrets/), or set FRONTDESK_INSECURE=1 "
            "to serve plaintext without tokens (development only)"
        )
    assert settings.auth_tokens_file and settings.tls_cert_file and settings.tls_key_file
    tokens = TokenFile(settings.auth_tokens_file, reload_interval=settings.auth_reload_interval)
    tls = ReloadingServerCredentials(
        TlsFiles(settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file)
    )
    return GrpcSecurity(
        tls.credentials(), (TokenAuthInterceptor(tokens.table),), tokens=tokens, tls=tls
    )


def _grpc_port(runtime: Runtime) -> int:
    port = runtime.settings.grpc_port
    if port == 0:
        return DEFAULT_GRPC_PORTS.get(runtime.name, 0)
    return max(port, 0)


def _probe_server(
    settings: ServiceSettings, health_servicer: health.aio.HealthServicer
) -> tuple[grpc.aio.Server | None, int | None]:
    """The plaintext health-only server on FRONTDESK_HEALTH_PORT, or (None, None) when off.

    It shares the main server's HealthServicer, so it reports the same status, and carries no
    other service: nothing on it needs TLS or a token."""
    if settings.health_port == -2:
        return None, None
    probe = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, probe)
    address = f"{settings.grpc_host}:{max(settings.health_port, 0)}"
    port = probe.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"cannot listen on {address} for health probes: is the port in use?")
    return probe, port


async def serve(
    runtime: Runtime,
    definition: ServiceDefinition,
    servicer: object,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[Serving], None] | None = None,
    draining: Callable[[], Awaitable[None]] | None = None,
    nats: bool = True,
) -> None:
    """Serves until ``stop`` is set or the process gets SIGTERM/SIGINT, then shuts down cleanly."""
    stop = stop or asyncio.Event()
    security = grpc_security(runtime.settings)
    interceptors: list[grpc.aio.ServerInterceptor] = [
        aio_server_interceptor(tracer_provider=runtime.tracer_provider),  # type: ignore[no-untyped-call]
        *security.interceptors,
        ErrorInterceptor(),
        DecodingInterceptor(),  # innermost: it parses the request itself
    ]
    server = grpc.aio.server(interceptors=interceptors)
    definition.add_to_server(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (definition.full_name, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    address = f"{runtime.settings.grpc_host}:{_grpc_port(runtime)}"
    if security.credentials is None:
        print(INSECURE_BANNER.format(name=definition.name, address=address), file=sys.stderr)
        log.warning("serving plaintext gRPC without client tokens (FRONTDESK_INSECURE)")
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, security.credentials)
    if port == 0:
        raise RuntimeError(f"cannot listen on {address}: is the port in use?")
    probe_server, probe_port = _probe_server(runtime.settings, health_servicer)

    subjects: list[str] = []
    in_flight = InFlight()
    if nats:
        subjects = bind_servicer(
            runtime.broker,
            definition.name,
            definition.descriptor,
            servicer,
            version=runtime.version,
            versioned_methods=definition.versioned_methods,
            in_flight=in_flight,
        )
        await runtime.broker.start()
        # Ready means the server has the subscriptions: a request sent on "ready" from another
        # connection must not find no responders (seen under load).
        await runtime.broker.connection.flush()
    await server.start()
    if probe_server is not None:
        await probe_server.start()
    for name in ("", definition.full_name):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info(
        "serving",
        extra={"grpc_port": port, "nats_subjects": subjects, "service_version": runtime.version},
    )
    if on_ready is not None:
        metrics_port = runtime.metrics_server.port if runtime.metrics_server else None
        on_ready(
            Serving(
                grpc_port=port,
                nats_subjects=subjects,
                metrics_port=metrics_port,
                health_port=probe_port,
            )
        )

    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        await stop.wait()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        log.info("shutting down", extra={"grace_s": runtime.settings.shutdown_grace})
        await health_servicer.enter_graceful_shutdown()
        if draining is not None:
            await draining()
        # Stop taking NATS requests, let the ones being handled finish (a turn still streaming
        # from a canary being removed), then stop the subscribers: faststream's stop() alone
        # would cancel those handlers mid-reply.
        if nats:
            await stop_taking_requests(runtime.broker)
            if not await in_flight.wait_idle(runtime.settings.shutdown_grace, runtime.broker):
                log.warning(
                    "requests still in flight at shutdown", extra={"count": in_flight.count}
                )
        for subscriber in list(runtime.broker.subscribers):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(subscriber.stop(), runtime.settings.shutdown_grace)
        await server.stop(runtime.settings.shutdown_grace)
        # Last: probes read NOT_SERVING for the whole drain, not "connection refused".
        if probe_server is not None:
            await probe_server.stop(0)
        await runtime.close()
        log.info("stopped")
