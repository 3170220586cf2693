"""gRPC auth on by default, over real TLS connections: the per-method table for every method of
every service, token rotation and certificate rotation without a restart, mutual TLS, and the
refusal to start without credentials."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from frontdesk.v1 import orchestrator_pb2, orchestrator_pb2_grpc
from servicekit.auth import GrpcClient, TokenFile, TokenFileError, TokenTable
from servicekit.permissions import METHOD_PERMISSIONS, ClientKind, allowed_kinds
from servicekit.serve import InsecureConfiguration, grpc_security
from servicekit.settings import ServiceSettings
from servicekit.testing import DevCredentials, NatsServer
from servicekit.tls import DevPki, ReloadingServerCredentials, issue_dev_pki

from .conftest import RunningService, start_orchestrator

pytestmark = pytest.mark.nats

# (proto module, service name) for every service Frontdesk serves.
SERVICES = [
    ("gateway", "CallGateway"),
    ("orchestrator", "Orchestrator"),
    ("handoff", "Handoff"),
    ("scheduler", "Scheduler"),
    ("llm_router", "LlmRouter"),
    ("phi", "PhiFilter"),
]


def every_method() -> list[tuple[str, bool, bool]]:
    """(full method name, client streaming, server streaming) of every Frontdesk method."""
    found = []
    for module, service in SERVICES:
        pb2 = importlib.import_module(f"frontdesk.v1.{module}_pb2")
        descriptor = pb2.DESCRIPTOR.services_by_name[service]
        for method in descriptor.methods:
            found.append(
                (
                    f"/{descriptor.full_name}/{method.name}",
                    method.client_streaming,
                    method.server_streaming,
                )
            )
    return found


def test_every_method_has_a_row_in_the_permission_table() -> None:
    methods = {name for name, _, _ in every_method()}
    assert methods - set(METHOD_PERMISSIONS) == set(), (
        "add these methods to servicekit.permissions.METHOD_PERMISSIONS"
    )
    assert set(METHOD_PERMISSIONS) - methods == set(), "rows for methods that do not exist"


def test_the_table_says_who_calls_what() -> None:
    converse = allowed_kinds("/frontdesk.v1.CallGateway/Converse")
    assert converse == {ClientKind.TELEPHONY, ClientKind.ADMIN}
    for method in ("List", "Get", "Claim", "Resolve", "Watch"):
        assert ClientKind.AGENT_DESK in allowed_kinds(f"/frontdesk.v1.Handoff/{method}")
        assert ClientKind.TELEPHONY not in allowed_kinds(f"/frontdesk.v1.Handoff/{method}")
    assert ClientKind.AGENT_DESK not in allowed_kinds("/frontdesk.v1.Scheduler/ListAppointments")
    # Reflection and anything unknown: admin only.
    reflection = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
    assert allowed_kinds(reflection) == {ClientKind.ADMIN}
    assert allowed_kinds("/frontdesk.v1.Scheduler/NotYetDecided") == {ClientKind.ADMIN}


def test_token_file_parsing_names_the_bad_line() -> None:
    table = TokenTable.parse("# comment\n\ntelephony: abc\nadmin: sha256:" + "0" * 64 + "\n")
    assert table.kind_of("abc") is ClientKind.TELEPHONY
    assert table.kind_of("abcd") is None
    with pytest.raises(TokenFileError, match="tokens:2: unknown client kind 'robot'"):
        TokenTable.parse("admin: x\nrobot: y\n")
    with pytest.raises(TokenFileError, match="tokens:1: expected 'kind: token'"):
        TokenTable.parse("admin\n")


def test_the_generated_token_file_holds_no_token(dev_credentials: DevCredentials) -> None:
    text = dev_credentials.tokens_file.read_text()
    for kind in ClientKind:
        assert dev_credentials.token(kind) not in text
    assert dev_credentials.tokens_file.stat().st_mode & 0o077 == 0


# --- the whole table, method by method, over TLS ---------------------------------------------


async def _all_services_server(creds: DevCredentials) -> tuple[grpc.aio.Server, int]:
    """Every Frontdesk service with its generated base servicer (UNIMPLEMENTED everywhere),
    behind the real security settings: passing auth shows as UNIMPLEMENTED."""
    security = grpc_security(ServiceSettings(**creds.settings()))
    server = grpc.aio.server(interceptors=security.interceptors)
    for module, service in SERVICES:
        grpc_module = importlib.import_module(f"frontdesk.v1.{module}_pb2_grpc")
        servicer = getattr(grpc_module, f"{service}Servicer")()
        getattr(grpc_module, f"add_{service}Servicer_to_server")(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    assert security.credentials is not None
    port = server.add_secure_port("127.0.0.1:0", security.credentials)
    await server.start()
    return server, port


async def _call(
    channel: grpc.aio.Channel, method: str, client: bool, server: bool
) -> grpc.StatusCode:
    identity: Callable[[bytes], bytes] = lambda data: data  # noqa: E731
    try:
        if not client and not server:
            await channel.unary_unary(method, identity, identity)(b"", timeout=30)
        elif not client and server:
            async for _ in channel.unary_stream(method, identity, identity)(b"", timeout=30):
                pass
        else:

            async def one() -> AsyncIterator[bytes]:
                yield b""

            if server:
                async for _ in channel.stream_stream(method, identity, identity)(one(), timeout=30):
                    pass
            else:
                await channel.stream_unary(method, identity, identity)(one(), timeout=30)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_every_method_refuses_no_token_and_wrong_kinds(
    dev_credentials: DevCredentials,
) -> None:
    server, port = await _all_services_server(dev_credentials)
    target = f"127.0.0.1:{port}"
    anonymous = GrpcClient(ca_file=dev_credentials.pki.ca)
    clients = {kind: dev_credentials.client(kind) for kind in ClientKind}
    bogus = dev_credentials.client(ClientKind.ADMIN).with_token("fd_not-a-real-token")
    wrong: list[str] = []
    try:
        for method, client_streaming, server_streaming in every_method():
            shape = (client_streaming, server_streaming)
            for who, client in (("no token", anonymous), ("an unknown token", bogus)):
                async with client.channel(target) as channel:
                    got = await _call(channel, method, *shape)
                if got != grpc.StatusCode.UNAUTHENTICATED:
                    wrong.append(f"{method} with {who}: {got.name}")
            for kind, client in clients.items():
                expected = (
                    grpc.StatusCode.UNIMPLEMENTED  # got through to the (base) servicer
                    if kind in allowed_kinds(method)
                    else grpc.StatusCode.PERMISSION_DENIED
                )
                async with client.channel(target) as channel:
                    got = await _call(channel, method, *shape)
                if got != expected:
                    wrong.append(f"{method} as {kind.value}: {got.name}, expected {expected.name}")
        # Health stays open.
        async with anonymous.channel(target) as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=5
            )
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await server.stop(None)
    assert wrong == []


# --- serve(): rotation, certificates, mutual TLS, refusal --------------------------------------


async def _claim(client: GrpcClient, target: str) -> orchestrator_pb2.ClaimResponse:
    async with client.channel(target) as channel:
        stub = orchestrator_pb2_grpc.OrchestratorStub(channel)
        reply: orchestrator_pb2.ClaimResponse = await stub.Claim(
            orchestrator_pb2.ClaimRequest(call_id="c1", clinic_id="demo"), timeout=5
        )
        return reply


async def _status(client: GrpcClient, target: str) -> grpc.StatusCode:
    try:
        await _claim(client, target)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


@pytest.fixture
async def secured(
    nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[tuple[RunningService, DevCredentials]]:
    """An orchestrator with its own credentials (rotated by the test), reloading at once."""
    creds = DevCredentials.ensure(tmp_path / "secrets")
    service = await start_orchestrator(nats_server.url, creds, auth_reload_interval=0.0)
    yield service, creds
    await service.shutdown()


async def test_messages_say_what_to_do(secured: tuple[RunningService, DevCredentials]) -> None:
    service, creds = secured
    anonymous = GrpcClient(ca_file=creds.pki.ca)
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await _claim(anonymous, service.grpc_target)
    assert missing.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "authorization: Bearer <token>" in str(missing.value.details())
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await _claim(creds.client(ClientKind.TELEPHONY), service.grpc_target)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert denied.value.details() == (
        "a telephony client may not call /frontdesk.v1.Orchestrator/Claim "
        "(allowed: admin, service); use a token of an allowed kind"
    )
    assert (await _claim(creds.client(ClientKind.SERVICE), service.grpc_target)).clinic_id == "demo"


async def test_a_rotated_token_works_without_restart_and_the_old_one_stops(
    secured: tuple[RunningService, DevCredentials],
) -> None:
    service, creds = secured
    before = creds.client(ClientKind.SERVICE)
    assert await _status(before, service.grpc_target) == grpc.StatusCode.OK
    # Step 1: new token beside the old; both work.
    old, new = creds.rotate(ClientKind.SERVICE, keep_old=True)
    assert await _status(before.with_token(new), service.grpc_target) == grpc.StatusCode.OK
    assert await _status(before.with_token(old), service.grpc_target) == grpc.StatusCode.OK
    # Step 2: the old one removed; it stops, the new one goes on.
    creds.write_tokens_file(
        {kind: [creds.token(kind)] for kind in ClientKind}  # token files hold the new one
    )
    assert await _status(before.with_token(old), service.grpc_target) == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    assert await _status(before.with_token(new), service.grpc_target) == grpc.StatusCode.OK


async def test_a_broken_token_file_keeps_the_last_good_tokens(tmp_path: Path) -> None:
    path = tmp_path / "tokens.txt"
    path.write_text("admin: first\n")
    tokens = TokenFile(path, reload_interval=0)
    assert tokens.table().kind_of("first") is ClientKind.ADMIN
    path.write_text("admin: second\nnonsense\n")
    assert tokens.table().kind_of("first") is ClientKind.ADMIN
    path.write_text("admin: second\n")
    assert tokens.table().kind_of("second") is ClientKind.ADMIN
    assert tokens.table().kind_of("first") is None


def _peer_certificate(target: str, ca: Path) -> bytes:
    import socket
    import ssl

    host, port = target.rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(ca))
    context.set_alpn_protocols(["h2"])
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


async def test_a_rotated_certificate_is_served_without_restart(
    secured: tuple[RunningService, DevCredentials],
) -> None:
    service, creds = secured
    first = await asyncio.to_thread(_peer_certificate, service.grpc_target, creds.pki.ca)
    creds.pki.reissue_server()
    second = await asyncio.to_thread(_peer_certificate, service.grpc_target, creds.pki.ca)
    assert first != second
    from cryptography import x509

    served = x509.load_der_x509_certificate(second)
    on_disk = x509.load_pem_x509_certificate(creds.pki.server_cert.read_bytes())
    assert served.serial_number == on_disk.serial_number
    assert await _status(creds.client(ClientKind.SERVICE), service.grpc_target) == (
        grpc.StatusCode.OK
    )


async def test_mutual_tls_refuses_a_client_certificate_from_another_ca(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    creds = DevCredentials.ensure(tmp_path / "secrets", mutual=True)
    stranger: DevPki = issue_dev_pki(tmp_path / "other-ca")
    service = await start_orchestrator(nats_server.url, creds)
    try:
        good = creds.client(ClientKind.SERVICE)
        assert await _status(good, service.grpc_target) == grpc.StatusCode.OK
        # Right token, server trusted, but the client certificate comes from another CA.
        foreign = GrpcClient(
            token=good.token,
            ca_file=creds.pki.ca,
            cert_file=stranger.client_cert,
            key_file=stranger.client_key,
        )
        assert await _status(foreign, service.grpc_target) == grpc.StatusCode.UNAVAILABLE
        no_cert = GrpcClient(token=good.token, ca_file=creds.pki.ca)
        assert await _status(no_cert, service.grpc_target) == grpc.StatusCode.UNAVAILABLE
        # And a client that trusts another CA does not talk to this server.
        wrong_trust = GrpcClient(token=good.token, ca_file=stranger.ca)
        assert await _status(wrong_trust, service.grpc_target) == grpc.StatusCode.UNAVAILABLE
    finally:
        await service.shutdown()


def test_no_credentials_and_no_insecure_flag_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("INSECURE", "AUTH_TOKENS_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE"):
        monkeypatch.delenv(f"FRONTDESK_{name}", raising=False)
    with pytest.raises(InsecureConfiguration) as refused:
        grpc_security(ServiceSettings())
    message = str(refused.value)
    assert "FRONTDESK_AUTH_TOKENS_FILE, FRONTDESK_TLS_CERT_FILE, FRONTDESK_TLS_KEY_FILE" in message
    assert "FRONTDESK_INSECURE=1" in message
    monkeypatch.setenv("FRONTDESK_INSECURE", "1")
    assert grpc_security(ServiceSettings()).credentials is None


async def test_insecure_mode_prints_a_banner(
    nats_server: NatsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    service = await start_orchestrator(nats_server.url)
    try:
        assert "PLAINTEXT" in capsys.readouterr().err
        async with grpc.aio.insecure_channel(service.grpc_target) as channel:
            reply = await orchestrator_pb2_grpc.OrchestratorStub(channel).Claim(
                orchestrator_pb2.ClaimRequest(clinic_id="demo"), timeout=5
            )
        assert reply.clinic_id == "demo"
    finally:
        await service.shutdown()


def test_a_certificate_file_caught_half_written_keeps_the_old_one(tmp_path: Path) -> None:
    pki = issue_dev_pki(tmp_path)
    reloading = ReloadingServerCredentials(pki.server_files())
    assert reloading.fetch() is None  # nothing changed
    pki.server_cert.write_bytes(b"-----BEGIN CERTIFICATE-----\ntrunc")
    assert reloading.fetch() is None and reloading.reloads == 0
    pki.reissue_server()
    assert reloading.fetch() is not None and reloading.reloads == 1


async def test_the_health_port_answers_probes_in_plaintext_and_serves_nothing_else(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    # The kubelet's gRPC probe speaks neither TLS nor tokens; the main port demands both.
    creds = DevCredentials.ensure(tmp_path / "secrets")
    service = await start_orchestrator(nats_server.url, creds, health_port=-1)
    try:
        assert service.serving.health_port not in (None, service.serving.grpc_port)
        probe = f"127.0.0.1:{service.serving.health_port}"
        async with grpc.aio.insecure_channel(probe) as channel:
            for name in ("", "frontdesk.v1.Orchestrator"):
                reply = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=name), timeout=5
                )
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
            claim = channel.unary_unary(
                "/frontdesk.v1.Orchestrator/Claim",
                request_serializer=orchestrator_pb2.ClaimRequest.SerializeToString,
                response_deserializer=orchestrator_pb2.ClaimResponse.FromString,
            )
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await claim(orchestrator_pb2.ClaimRequest(), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
        async with grpc.aio.insecure_channel(service.grpc_target) as plaintext:
            with pytest.raises(grpc.aio.AioRpcError):
                await health_pb2_grpc.HealthStub(plaintext).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=2
                )
    finally:
        await service.shutdown()


def test_the_health_port_is_off_unless_asked_for() -> None:
    assert ServiceSettings().health_port == -2


async def test_a_refused_client_stream_sees_the_refusal_never_internal(
    dev_credentials: DevCredentials,
) -> None:
    """Refused while the client was still writing its stream, gRPC's client could report its
    own INTERNAL ("Internal error from Core") instead of the refusal (2 in 60 attempts on a
    loaded machine before the refusal read the stream first)."""
    server, port = await _all_services_server(dev_credentials)
    bogus = dev_credentials.client(ClientKind.ADMIN).with_token("fd_not-a-real-token")
    seen: list[str] = []
    try:
        for _ in range(40):
            async with bogus.channel(f"127.0.0.1:{port}") as channel:
                seen.append(
                    (await _call(channel, "/frontdesk.v1.PhiFilter/RedactStream", True, True)).name
                )
    finally:
        await server.stop(None)
    assert set(seen) == {"UNAUTHENTICATED"}, seen
