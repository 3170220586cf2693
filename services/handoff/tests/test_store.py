"""The SQL store on SQLite and on the machine's real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from handoff.packet import Packet, Reason, State, Target, Urgency
from handoff.store import HandoffStore, SchemaMismatch, schema_version
from servicekit.errors import FailedPrecondition, NotFound, PermissionDenied

from .conftest import full_packet

T0 = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'handoffs.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(url: str) -> Iterator[HandoffStore]:
    opened = HandoffStore.open(url)
    yield opened
    opened.close()


def new(handoff_id: str, at: datetime = T0, **changes: object) -> Packet:
    values: dict[str, object] = {
        "handoff_id": handoff_id,
        "create_time": at,
        "state": State.OPEN,
        "target": Target("sip", "sip:frontdesk@maple-clinic.example"),
    }
    values.update(changes)
    return full_packet(**values)


def test_round_trip_keeps_every_field(store: HandoffStore) -> None:
    packet = new("h-1")
    stored, created = store.create(packet)
    assert created
    assert stored == packet
    assert store.get("h-1") == packet
    assert store.get("h-1").create_time == T0  # aware UTC back, on SQLite too


def test_get_unknown_is_not_found(store: HandoffStore) -> None:
    with pytest.raises(NotFound, match="nope"):
        store.get("nope")


def test_create_is_idempotent_per_key(store: HandoffStore) -> None:
    first, created = store.create(new("h-1"), idempotency_key="call-1/handoff")
    assert created
    again, created_again = store.create(
        new("h-2", summary="a different retry body"), idempotency_key="call-1/handoff"
    )
    assert not created_again
    assert again == first
    with pytest.raises(NotFound):
        store.get("h-2")
    # Without a key every create is new.
    store.create(new("h-3"))
    store.create(new("h-4"))
    assert {p.handoff_id for p in store.list(states=[State.OPEN], limit=10)} == {
        "h-1",
        "h-3",
        "h-4",
    }


def test_list_orders_by_urgency_then_age_and_filters(store: HandoffStore) -> None:
    store.create(new("routine-old", T0, urgency=Urgency.ROUTINE))
    store.create(new("soon-new", T0 + timedelta(minutes=5), urgency=Urgency.SOON))
    store.create(new("soon-old", T0 + timedelta(minutes=1), urgency=Urgency.SOON))
    store.create(new("urgent", T0 + timedelta(minutes=9), urgency=Urgency.URGENT))
    # An emergency sent as routine still sorts with the urgent ones.
    store.create(
        new(
            "emergency", T0 + timedelta(minutes=8), reason=Reason.EMERGENCY, urgency=Urgency.ROUTINE
        )
    )
    store.create(
        new("callback", T0 + timedelta(minutes=2), state=State.CALLBACK, urgency=Urgency.ROUTINE)
    )
    store.create(new("other-clinic", T0, clinic_id="elsewhere", urgency=Urgency.URGENT))

    ids = [
        p.handoff_id
        for p in store.list(clinic_id="demo", states=[State.OPEN, State.CALLBACK], limit=50)
    ]
    assert ids == ["emergency", "urgent", "soon-old", "soon-new", "routine-old", "callback"]
    assert [
        p.handoff_id for p in store.list(clinic_id="demo", states=[State.CALLBACK], limit=50)
    ] == ["callback"]
    everywhere = store.list(states=[State.OPEN], limit=2)
    assert [p.handoff_id for p in everywhere] == ["other-clinic", "emergency"]


def test_claim_and_resolve(store: HandoffStore) -> None:
    store.create(new("h-1"))
    claimed = store.claim("h-1", "agent-a", T0 + timedelta(minutes=1))
    assert (claimed.state, claimed.agent_id) == (State.CLAIMED, "agent-a")
    assert store.get("h-1") == claimed
    assert store.list(states=[State.OPEN], limit=10) == []

    with pytest.raises(PermissionDenied):
        store.resolve("h-1", "agent-b", "not mine", T0 + timedelta(minutes=2))
    assert store.get("h-1") == claimed

    done = store.resolve("h-1", "agent-a", "rebooked for Tuesday", T0 + timedelta(minutes=3))
    assert store.get("h-1") == done
    assert (done.state, done.resolution) == (State.RESOLVED, "rebooked for Tuesday")
    assert done.resolve_time == T0 + timedelta(minutes=3)


def test_illegal_steps_leave_the_row_unchanged(store: HandoffStore) -> None:
    store.create(new("h-1", state=State.CALLBACK))
    with pytest.raises(FailedPrecondition, match="claim it first"):
        store.resolve("h-1", "agent-a", "done", T0)
    assert store.get("h-1").state is State.CALLBACK

    claimed = store.claim("h-1", "agent-a", T0)
    with pytest.raises(FailedPrecondition, match="already claimed by agent-a"):
        store.claim("h-1", "agent-b", T0)
    assert store.get("h-1") == claimed

    done = store.resolve("h-1", "agent-a", "done", T0)
    for attempt in (
        lambda: store.claim("h-1", "agent-c", T0),
        lambda: store.resolve("h-1", "agent-a", "again", T0),
    ):
        with pytest.raises(FailedPrecondition, match="already resolved"):
            attempt()
        assert store.get("h-1") == done


def test_claim_unknown_is_not_found(store: HandoffStore) -> None:
    with pytest.raises(NotFound):
        store.claim("missing", "agent-a", T0)


def test_concurrent_claims_have_exactly_one_winner(url: str) -> None:
    agents = [f"agent-{n}" for n in range(12)]
    stores = [HandoffStore.open(url) for _ in agents]  # separate engines: separate connections
    try:
        stores[0].create(new("h-race"))
        barrier = threading.Barrier(len(agents))

        def attempt(index: int) -> str:
            barrier.wait()
            try:
                return stores[index].claim("h-race", agents[index], T0).agent_id
            except FailedPrecondition as error:
                return f"lost: {error.message}"

        with ThreadPoolExecutor(len(agents)) as pool:
            results = list(pool.map(attempt, range(len(agents))))
        winners = [r for r in results if not r.startswith("lost")]
        assert len(winners) == 1, results
        winner = winners[0]
        assert stores[0].get("h-race").agent_id == winner
        losses = [r for r in results if r.startswith("lost")]
        assert len(losses) == len(agents) - 1
        assert all(f"already claimed by {winner}" in loss for loss in losses)
    finally:
        for opened in stores:
            opened.close()


def test_reopen_keeps_data_and_checks_schema_version(url: str) -> None:
    first = HandoffStore.open(url)
    first.create(new("h-1"))
    first.close()
    second = HandoffStore.open(url)
    assert second.get("h-1").handoff_id == "h-1"
    with second.engine.begin() as conn:
        conn.execute(sa.update(schema_version).values(version=99))
    second.close()
    with pytest.raises(SchemaMismatch, match="99"):
        HandoffStore.open(url).close()
