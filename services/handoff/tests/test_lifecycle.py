"""The state machine: legal steps, illegal steps and who may resolve."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from handoff import lifecycle
from handoff.lifecycle import TRANSITIONS, Action
from handoff.packet import Packet, State
from servicekit.errors import FailedPrecondition, InvalidArgument, PermissionDenied

from .conftest import full_packet

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)


def in_state(state: State, agent: str = "") -> Packet:
    return full_packet(handoff_id="h-1", state=state, agent_id=agent)


def step(packet: Packet, action: Action, agent: str = "agent-b") -> Packet:
    if action is Action.CLAIM:
        return lifecycle.claim(packet, agent, NOW)
    return lifecycle.resolve(packet, agent, "called back, booked Tuesday", NOW)


def test_table_is_the_documented_machine() -> None:
    assert TRANSITIONS == {
        (State.OPEN, Action.CLAIM): State.CLAIMED,
        (State.CALLBACK, Action.CLAIM): State.CLAIMED,
        (State.CLAIMED, Action.RESOLVE): State.RESOLVED,
    }
    assert lifecycle.from_states(Action.CLAIM) == {State.OPEN, State.CALLBACK}
    assert lifecycle.from_states(Action.RESOLVE) == {State.CLAIMED}


@pytest.mark.parametrize("start", [State.OPEN, State.CALLBACK])
def test_claim_then_resolve(start: State) -> None:
    claimed = lifecycle.claim(in_state(start), "agent-a", NOW)
    assert (claimed.state, claimed.agent_id, claimed.claim_time) == (State.CLAIMED, "agent-a", NOW)
    later = NOW.replace(hour=16)
    done = lifecycle.resolve(claimed, "agent-a", "booked", later)
    assert (done.state, done.resolution, done.resolve_time) == (State.RESOLVED, "booked", later)
    assert done.claim_time == NOW and done.agent_id == "agent-a"


ILLEGAL = [
    (state, action) for state in State for action in Action if (state, action) not in TRANSITIONS
]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_steps_raise_and_change_nothing(state: State, action: Action) -> None:
    packet = in_state(state, agent="agent-a" if state is not State.OPEN else "")
    before = dataclasses.replace(packet)
    agent = "agent-b"  # a different agent, so the same-agent claim retry does not apply
    with pytest.raises(FailedPrecondition):
        step(packet, action, agent)
    assert packet == before


def test_second_claim_names_the_holder() -> None:
    claimed = lifecycle.claim(in_state(State.OPEN), "agent-a", NOW)
    with pytest.raises(FailedPrecondition, match="already claimed by agent-a"):
        lifecycle.claim(claimed, "agent-b", NOW)


def test_same_agent_claiming_again_is_a_no_op() -> None:
    claimed = lifecycle.claim(in_state(State.OPEN), "agent-a", NOW)
    assert lifecycle.claim(claimed, "agent-a", NOW.replace(hour=18)) is claimed


def test_only_the_claiming_agent_resolves() -> None:
    claimed = lifecycle.claim(in_state(State.OPEN), "agent-a", NOW)
    with pytest.raises(PermissionDenied, match="agent-a"):
        lifecycle.resolve(claimed, "agent-b", "done", NOW)


def test_resolving_an_unclaimed_handoff_says_claim_first() -> None:
    with pytest.raises(FailedPrecondition, match="claim it first"):
        lifecycle.resolve(in_state(State.CALLBACK), "agent-a", "done", NOW)


@pytest.mark.parametrize("action", list(Action))
def test_agent_required(action: Action) -> None:
    with pytest.raises(InvalidArgument, match="agent_id"):
        step(in_state(State.OPEN), action, agent="")
