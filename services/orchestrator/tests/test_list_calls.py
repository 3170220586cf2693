"""ListCalls over a real nats-server: pages in claim order through the call index, each page
reading only its own sessions; tokens bound to their clinic filter; a store that cannot be read
is UNAVAILABLE, never an empty list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from nats.aio.client import Client as NATS
from nats.js.kv import KeyValue

from clinic import ClinicDirectory
from frontdesk.v1 import orchestrator_pb2
from orchestrator.dialogue import Context, DialogueState, Event, Step
from orchestrator.server import OrchestratorServicer
from orchestrator.sessions import MAX_PAGE, SessionStore, encode_page_token
from servicekit import BusClient, EventPublisher, make_broker
from servicekit.errors import InvalidArgument, Unavailable
from servicekit.jetstream import ensure_streams, session_key
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats
DEMO = ClinicDirectory.from_folder(Path(__file__).parents[3] / "deploy" / "local" / "clinics")
OTHER = "north.side clinic"  # dots and a space: not a safe subject token
# Two clinics: the demo one and a copy under another id and number.
CLINICS = ClinicDirectory(
    [
        DEMO.get("demo"),
        DEMO.get("demo").model_copy(update={"id": OTHER, "phone_numbers": ["+15550100999"]}),
    ]
)


class SilentPolicy:
    name = "silent"

    def step(self, state: DialogueState, event: Event, context: Context) -> Step:
        return Step(state, ())


class CountingKv:
    """The bucket, counting the sessions read (to show a page reads only its own)."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self.gets = 0

    async def get(self, key: str) -> Any:
        self.gets += 1
        return await self._kv.get(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kv, name)


class Setup:
    def __init__(self, servicer: OrchestratorServicer, kv: CountingKv, nc: NATS) -> None:
        self.servicer, self.kv, self.nc = servicer, kv, nc

    async def claim(self, call_id: str, clinic_id: str = "demo") -> None:
        await self.servicer.Claim(
            orchestrator_pb2.ClaimRequest(call_id=call_id, clinic_id=clinic_id), None
        )

    async def list(self, **fields: Any) -> orchestrator_pb2.ListCallsResponse:
        return await self.servicer.ListCalls(orchestrator_pb2.ListCallsRequest(**fields), None)

    async def list_all(self, **fields: Any) -> tuple[list[str], int]:
        """Every call id, page by page; and how many pages."""
        found: list[str] = []
        token, pages = "", 0
        while True:
            page = await self.list(page_token=token, **fields)
            pages += 1
            found += [s.call_id for s in page.sessions]
            token = page.next_page_token
            if not token:
                return found, pages


@pytest_asyncio.fixture
async def setup(nats_server: NatsServer) -> AsyncIterator[Setup]:
    nc = NATS()
    await nc.connect(nats_server.url)
    js = nc.jetstream()
    kv = CountingKv(await ensure_streams(js))
    broker = make_broker(nats_server.url)
    await broker.connect()
    servicer = OrchestratorServicer(
        store=SessionStore(kv, js),  # type: ignore[arg-type]
        clinics=CLINICS,
        policies={"silent": SilentPolicy()},
        choose_policy=lambda call, clinic: "silent",
        bus=BusClient(broker),
        events=EventPublisher(js),
        version="v1",
    )
    yield Setup(servicer, kv, nc)
    await broker.stop()
    if nc.is_connected:
        await nc.close()


async def test_pages_list_every_call_once_in_claim_order(setup: Setup) -> None:
    claimed = [f"call-{i:03d}" for i in range(23)]
    for call_id in claimed:
        await setup.claim(call_id)
    found, pages = await setup.list_all(page_size=5)
    assert found == claimed
    assert pages == 5  # 5+5+5+5+3: the last page says so, no empty page after it


async def test_a_page_reads_only_its_own_sessions(setup: Setup) -> None:
    for i in range(120):
        await setup.claim(f"many-{i}")
    setup.kv.gets = 0
    page = await setup.list(page_size=7)
    assert [s.call_id for s in page.sessions] == [f"many-{i}" for i in range(7)]
    assert setup.kv.gets == 7  # not 120
    setup.kv.gets = 0
    second = await setup.list(page_size=7, page_token=page.next_page_token)
    assert [s.call_id for s in second.sessions] == [f"many-{i}" for i in range(7, 14)]
    assert setup.kv.gets == 7


async def test_page_size_default_and_cap(setup: Setup) -> None:
    for i in range(MAX_PAGE + 3):
        await setup.claim(f"cap-{i}")
    assert len((await setup.list()).sessions) == 50
    huge = await setup.list(page_size=2**31 - 1)
    assert len(huge.sessions) == MAX_PAGE and huge.next_page_token
    rest = await setup.list(page_size=2**31 - 1, page_token=huge.next_page_token)
    assert len(rest.sessions) == 3 and not rest.next_page_token


async def test_clinic_filter_pages_and_its_token_is_bound_to_it(setup: Setup) -> None:
    other = OTHER
    for i in range(6):
        await setup.claim(f"d-{i}", "demo")
        await setup.claim(f"o-{i}", other)
    found, _ = await setup.list_all(clinic_id=other, page_size=4)
    assert found == [f"o-{i}" for i in range(6)]
    everything, _ = await setup.list_all(page_size=4)
    assert len(everything) == 12
    first = await setup.list(clinic_id="demo", page_size=2)
    with pytest.raises(InvalidArgument, match="another clinic_id"):
        await setup.list(clinic_id=other, page_token=first.next_page_token)
    with pytest.raises(InvalidArgument, match="another clinic_id"):
        await setup.list(page_token=first.next_page_token)
    assert list((await setup.list(clinic_id="no-such-clinic")).sessions) == []


@pytest.mark.parametrize(
    "token",
    ["x", "not base64 at all!", "e30", encode_page_token("", 0)[:-1] + "A", "A" * 600, "\x00"],
)
async def test_a_token_it_did_not_issue_is_invalid_argument(setup: Setup, token: str) -> None:
    await setup.claim("t-1")
    with pytest.raises(InvalidArgument, match="page_token"):
        await setup.list(page_token=token)


async def test_negative_page_size_is_invalid_argument(setup: Setup) -> None:
    with pytest.raises(InvalidArgument, match="page_size"):
        await setup.list(page_size=-1)


async def test_a_call_whose_session_is_gone_is_skipped(setup: Setup) -> None:
    for call_id in ("gone-0", "gone-1", "gone-2"):
        await setup.claim(call_id)
    await setup.kv.delete(session_key("gone-1"))
    found, _ = await setup.list_all(page_size=2)
    assert found == ["gone-0", "gone-2"]


async def test_a_reclaim_is_listed_once(setup: Setup) -> None:
    await setup.claim("again")
    await setup.claim("again")
    found, _ = await setup.list_all()
    assert found == ["again"]


async def test_odd_call_and_clinic_ids_are_listed(setup: Setup) -> None:
    odd = "call with spaces/and.dots.*.>"
    await setup.claim(odd)
    await setup.claim("plain")
    found, _ = await setup.list_all(page_size=1)
    assert found == [odd, "plain"]
    assert list((await setup.list(clinic_id="*")).sessions) == []  # not a wildcard
    assert list((await setup.list(clinic_id=">")).sessions) == []


async def test_a_store_that_cannot_be_read_is_unavailable_not_empty(setup: Setup) -> None:
    await setup.claim("before-outage")
    await setup.nc.close()  # the store's connection is gone
    with pytest.raises(Unavailable, match="retry"):
        await setup.list()
