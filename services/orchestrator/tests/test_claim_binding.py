"""A call id is claimed once: a re-claim (the gateway's, when the pinned version is gone) must
present the first claim's token; another connection naming the same call is refused, live or
ended, and the session is left as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from nats.aio.client import Client as NATS

from clinic import ClinicDirectory
from frontdesk.v1 import orchestrator_pb2
from orchestrator.dialogue import Context, DialogueState, Event, Outcome, Step
from orchestrator.server import OrchestratorServicer
from orchestrator.sessions import SessionStore
from servicekit import BusClient, EventPublisher, make_broker
from servicekit.errors import AlreadyExists
from servicekit.jetstream import ensure_streams
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats
CLINICS = ClinicDirectory.from_folder(Path(__file__).parents[3] / "deploy" / "local" / "clinics")


class EndsOnHangup:
    name = "ends"

    def step(self, state: DialogueState, event: Event, context: Context) -> Step:
        from dataclasses import replace

        from orchestrator.dialogue import CallerHungUp

        if isinstance(event, CallerHungUp):
            return Step(replace(state, outcome=Outcome.ABANDONED.value), ())
        return Step(state, ())


@pytest_asyncio.fixture
async def setup(
    nats_server: NatsServer,
) -> AsyncIterator[tuple[OrchestratorServicer, SessionStore]]:
    nc = NATS()
    await nc.connect(nats_server.url)
    js = nc.jetstream()
    store = SessionStore(await ensure_streams(js), js)
    broker = make_broker(nats_server.url)
    await broker.connect()
    servicer = OrchestratorServicer(
        store=store,
        clinics=CLINICS,
        policies={"ends": EndsOnHangup()},
        choose_policy=lambda call, clinic: "ends",
        bus=BusClient(broker),
        events=EventPublisher(js),
        version="v1",
    )
    yield servicer, store
    await broker.stop()
    await nc.close()


def claim(call_id: str, token: str) -> orchestrator_pb2.ClaimRequest:
    return orchestrator_pb2.ClaimRequest(
        call_id=call_id, clinic_id="demo", from_number="+15550100202", claim_token=token
    )


async def test_a_reclaim_needs_the_first_claims_token(
    setup: tuple[OrchestratorServicer, SessionStore],
) -> None:
    servicer, store = setup
    await servicer.Claim(claim("c1", "first-connection"), None)
    before, _ = await store.load("c1")
    assert before.claim_token_hash and "first-connection" not in before.to_json().decode()

    await servicer.Claim(claim("c1", "first-connection"), None)  # the same connection: fine
    for other in ("another-connection", ""):
        with pytest.raises(AlreadyExists, match="another connection"):
            await servicer.Claim(claim("c1", other), None)
    after, _ = await store.load("c1")
    assert after.caller_number == before.caller_number and after.version == before.version


async def test_an_ended_call_cannot_be_claimed_by_another_connection(
    setup: tuple[OrchestratorServicer, SessionStore],
) -> None:
    servicer, store = setup
    await servicer.Claim(claim("c2", "first"), None)
    [
        _
        async for _ in servicer.Turn(
            orchestrator_pb2.TurnRequest(
                call_id="c2", turn_id="t1", ended=orchestrator_pb2.Ended()
            ),
            None,
        )
    ]
    assert (await store.load("c2"))[0].ended
    with pytest.raises(AlreadyExists):
        await servicer.Claim(claim("c2", "second"), None)


@pytest.mark.parametrize("call_id", ["0..0", ".lead", "trail.", "a b", "é", "x" * 300])
async def test_a_call_id_outside_the_key_alphabet_is_claimed_and_loaded(
    setup: tuple[OrchestratorServicer, SessionStore], call_id: str
) -> None:
    """Found by the fuzz suite: "0..0" (an empty key token) was INTERNAL."""
    servicer, store = setup
    answer = await servicer.Claim(claim(call_id, "t"), None)
    assert answer.clinic_id == "demo"
    session, _ = await store.load(call_id)
    assert session.call_id == call_id
