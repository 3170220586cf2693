"""The ConversationRelay WebSocket endpoint against the whole stack, spoken to the way Twilio
speaks it: every scripted scenario reaches the same end state as over gRPC; the handshake's
signature is required (missing, wrong, rotated); malformed, unknown, out-of-order and oversized
messages; a socket dropped mid-booking is a hangup."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
import sqlalchemy
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from callsim.client import Call
from callsim.runner import Runner
from callsim.scenario import load_paths
from frontdesk.v1 import common_pb2, orchestrator_pb2, orchestrator_pb2_grpc
from servicekit.settings import PROJECT_ROOT
from servicekit.testing import NatsServer, SecuredNats, free_port

from .conftest import SCENARIOS
from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.asyncio(loop_scope="module")]

TOKEN = "relay-test-auth-token"
DEMO_NUMBER = "+15550100100"


@pytest.fixture(scope="module")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("relay-secrets") / "twilio-auth-token"
    path.write_text(TOKEN + "\n")
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def relay_stack(
    module_nats: SecuredNats, token_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Stack, str]]:
    port = free_port()
    state = tmp_path_factory.mktemp("relay-stack")
    db = f"sqlite+pysqlite:///{state / 'scheduler.db'}"
    async with Stack.start(
        module_nats.url,
        state_dir=state,
        scheduler_db=db,
        gateway={"relay_port": port, "twilio_auth_token_file": token_file},
        nats_users=module_nats.credentials,
    ) as stack:
        stack.scheduler_db = db
        yield stack, f"wss://127.0.0.1:{port}/relay"


def _tls(stack: Stack) -> ssl.SSLContext:
    """What a provider does on wss://: trust the server's certificate (here, the dev CA's)."""
    return ssl.create_default_context(cafile=str(stack.credentials.pki.ca))


def _signed(url: str, token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, {})}


def _setup(call_id: str) -> str:
    return json.dumps(
        {
            "type": "setup",
            "sessionId": f"VX{call_id}",
            "callSid": call_id,
            "from": "+15555550177",
            "to": DEMO_NUMBER,
            "direction": "inbound",
            "customParameters": {},
        }
    )


async def _frames_until_last(
    socket: ClientConnection, timeout: float = 15
) -> list[dict[str, object]]:
    frames = []
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        frames.append(frame)
        if frame.get("type") == "end" or (frame.get("type") == "text" and frame.get("last")):
            return frames


async def _session(stack: Stack, call_id: str) -> orchestrator_pb2.Session:
    async with stack.channel("orchestrator") as channel:
        stub = orchestrator_pb2_grpc.OrchestratorStub(channel)
        return await stub.GetSession(orchestrator_pb2.GetSessionRequest(call_id=call_id))


async def test_every_scenario_reaches_its_end_state_over_the_relay(
    relay_stack: tuple[Stack, str],
) -> None:
    stack, url = relay_stack
    target = dataclasses.replace(stack.callsim_target(), relay=url, relay_auth_token=TOKEN)
    runner = Runner(target, concurrency=4)
    try:
        results = await runner.run_all(load_paths([SCENARIOS]))
    finally:
        runner.close()
    failed = {r.scenario: r.failures for r in results if not r.passed}
    assert not failed, failed
    assert len(results) == len(load_paths([SCENARIOS]))


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, "other-token"],
    ids=["missing", "garbage", "signed-with-another-token"],
)
async def test_an_unsigned_or_wrongly_signed_handshake_is_refused(
    relay_stack: tuple[Stack, str], headers: dict[str, str] | str
) -> None:
    stack, url = relay_stack
    sent = _signed(url, headers) if isinstance(headers, str) else headers
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, ssl=_tls(stack), additional_headers=sent):
            pass
    assert refused.value.response.status_code == 403
    # Refused before any call state: the gateway never saw a setup, so no session exists.
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await _session(stack, "never-set-up")
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_signature_for_another_path_is_refused(relay_stack: tuple[Stack, str]) -> None:
    stack, url = relay_stack
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, ssl=_tls(stack), additional_headers=_signed(url + "?clinic=other")):
            pass
    assert refused.value.response.status_code == 403


async def test_a_rotated_auth_token_works_without_restart(
    relay_stack: tuple[Stack, str], token_file: Path
) -> None:
    stack, url = relay_stack
    try:
        token_file.write_text("rotated-token\n")
        async with connect(
            url, ssl=_tls(stack), additional_headers=_signed(url, "rotated-token")
        ) as socket:
            await socket.send(_setup("rotated-1"))
            assert (await _frames_until_last(socket))[0]["type"] == "text"
        with pytest.raises(InvalidStatus):
            async with connect(url, ssl=_tls(stack), additional_headers=_signed(url, TOKEN)):
                pass
    finally:
        token_file.write_text(TOKEN + "\n")


async def test_a_message_before_setup_is_refused(relay_stack: tuple[Stack, str]) -> None:
    stack, url = relay_stack
    async with connect(url, ssl=_tls(stack), additional_headers=_signed(url)) as socket:
        await socket.send(json.dumps({"type": "prompt", "voicePrompt": "hello", "last": True}))
        error = json.loads(await socket.recv())
        assert error == {"type": "error", "description": "the first message must be 'setup'"}
        with pytest.raises(ConnectionClosed):
            await socket.recv()
        assert socket.close_code == 1008


async def test_malformed_and_unknown_messages_get_an_error_and_the_call_goes_on(
    relay_stack: tuple[Stack, str],
) -> None:
    stack, url = relay_stack
    async with connect(url, ssl=_tls(stack), additional_headers=_signed(url)) as socket:
        await socket.send(_setup("malformed-1"))
        greeting = await _frames_until_last(socket)
        assert greeting[-1]["type"] == "text"
        for bad, says in (
            ("this is not json", "not JSON"),
            (json.dumps({"type": "telepathy"}), "unknown message type 'telepathy'"),
            (json.dumps({"type": "dtmf", "digit": "12"}), "one keypad key"),
            (json.dumps({"type": "prompt", "voicePrompt": 7}), "'voicePrompt' must be a string"),
            (json.dumps(["setup"]), "JSON object"),
        ):
            await socket.send(bad)
            error = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert error["type"] == "error" and says in error["description"], error
        # A provider's own error report is logged, not answered.
        await socket.send(json.dumps({"type": "error", "description": "Invalid message"}))
        await socket.send(
            json.dumps({"type": "prompt", "voicePrompt": "what are your hours", "last": True})
        )
        reply = await _frames_until_last(socket)
        assert all(frame["type"] == "text" for frame in reply)
        assert "".join(str(frame["token"]) for frame in reply).strip()


async def test_an_oversized_frame_is_refused(relay_stack: tuple[Stack, str]) -> None:
    stack, url = relay_stack
    async with connect(
        url, ssl=_tls(stack), additional_headers=_signed(url), max_size=None
    ) as socket:
        await socket.send(_setup("oversized-1"))
        await _frames_until_last(socket)
        huge = json.dumps({"type": "prompt", "voicePrompt": "a" * 100_000, "last": True})
        await socket.send(huge)
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(socket.recv(), 5)
        assert socket.close_code == 1009  # message too big


async def test_a_socket_dropped_mid_booking_is_an_abandoned_call(
    relay_stack: tuple[Stack, str],
) -> None:
    stack, url = relay_stack
    async with Call.open_relay(
        url,
        call_id="dropped-1",
        from_number="+15555550188",
        to_number=DEMO_NUMBER,
        auth_token=TOKEN,
        ca_file=stack.credentials.pki.ca,
    ) as call:
        await call.reply()
        for line in (
            "I'd like to book a checkup",
            "Maria Lopez",
            "march third nineteen eighty",
            "next wednesday morning with doctor patel",
            "the first one",
        ):
            await call.say(line)
            await call.reply()
        assert call._socket is not None
        call._socket.transport.abort()  # the line drops: no close frame, no hangup message
    for _ in range(100):
        session = await _session(stack, "dropped-1")
        if session.outcome:
            break
        await asyncio.sleep(0.1)
    assert session.outcome == common_pb2.CALL_OUTCOME_ABANDONED
    engine = sqlalchemy.create_engine(stack.scheduler_db)
    try:
        with engine.connect() as conn:
            booked = conn.execute(
                sqlalchemy.text("SELECT count(*) FROM appointments WHERE call_id = :c"),
                {"c": "dropped-1"},
            ).scalar_one()
    finally:
        engine.dispose()
    assert booked == 0


@pytest_asyncio.fixture(loop_scope="module")
async def open_clinic_relay(
    nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[tuple[Stack, str]]:
    """A stack (on its own NATS) whose demo clinic is open around the clock, so a handoff is a
    live transfer whatever the day the test runs (closed, it would be a callback)."""
    clinics = tmp_path / "clinics"
    clinics.mkdir()
    demo = (PROJECT_ROOT / "deploy" / "local" / "clinics" / "demo.yaml").read_text()
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    hours = "hours:\n" + "".join(
        f'  {day}: [{{opens: "00:00", closes: "23:59"}}]\n' for day in days
    )
    (clinics / "demo.yaml").write_text(
        demo[: demo.index("hours:")] + hours + demo[demo.index("providers:") :]
    )
    port = free_port()
    async with Stack.start(
        nats_server.url,
        state_dir=tmp_path,
        clinics_dir=clinics,
        gateway={"relay_port": port, "twilio_auth_token": TOKEN},
    ) as stack:
        yield stack, f"wss://127.0.0.1:{port}/relay"


async def test_a_handoff_ends_the_session_with_the_redacted_summary(
    open_clinic_relay: tuple[Stack, str],
) -> None:
    stack, url = open_clinic_relay
    async with Call.open_relay(
        url,
        call_id="handoff-1",
        from_number="+15555550199",
        to_number=DEMO_NUMBER,
        auth_token=TOKEN,
        ca_file=stack.credentials.pki.ca,
    ) as call:
        await call.reply()
        for line in ("my name is Maria Lopez and I want to talk to a real person", "Maria Lopez"):
            if call.over:
                break
            await call.say(line)
            await call.reply()
        await call.drain(2.0)
    assert call.transfer is not None and call.end is not None
    data = call.transfer.data
    assert data["reasonCode"] == "live-agent-handoff"
    assert data["transferTarget"].startswith("sip:") and data["handoffId"]
    assert data["reason"] == "caller_request" and data["outcome"] == "handoff"
    assert "person" in data["summary"]
    assert "Maria" not in data["summary"] and "Lopez" not in data["summary"], data["summary"]


async def test_another_connection_naming_a_live_call_hears_nothing_of_it(
    relay_stack: tuple[Stack, str],
) -> None:
    """A second (validly signed: Twilio's signature has no nonce) socket whose setup names a live,
    verified call's callSid is refused at the claim: it cannot take the call's session over, and
    the real caller's call goes on."""
    stack, url = relay_stack
    async with Call.open_relay(
        url,
        call_id="hijacked-1",
        from_number="+15550100202",
        to_number=DEMO_NUMBER,
        auth_token=TOKEN,
        ca_file=stack.credentials.pki.ca,
    ) as call:
        await call.reply()
        await call.reply(asked=await call.say("When is my next appointment?"))
        await call.reply(asked=await call.say("James Smith"))
        listed = await call.reply(asked=await call.dtmf("07141975"))
        assert "sick visit" in listed.text.lower(), listed.text
        version = (await _session(stack, "hijacked-1")).version

        heard: list[dict[str, object]] = []
        async with connect(url, ssl=_tls(stack), additional_headers=_signed(url)) as socket:
            await socket.send(_setup("hijacked-1"))
            with contextlib.suppress(ConnectionClosed, TimeoutError):
                for _ in range(4):  # bounded: a taken-over session would answer every prompt
                    frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    heard.append(frame)
                    if frame.get("type") == "end":
                        break
                    await socket.send(
                        json.dumps(
                            {
                                "type": "prompt",
                                "voicePrompt": "When is my next appointment?",
                                "last": True,
                            }
                        )
                    )
        said = json.dumps(heard).lower()
        assert heard, "the second connection got no answer at all"
        for secret in ("sick visit", "james", "smith", "pat-demo-02", "appointment on"):
            assert secret not in said, said
        # The call is still the real caller's, on the version it was pinned to.
        assert (await _session(stack, "hijacked-1")).version == version
        goodbye = await call.reply(asked=await call.say("no, that's it"))
        assert goodbye.text
