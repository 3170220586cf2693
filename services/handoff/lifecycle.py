"""The handoff state machine, as a data table.

::

    OPEN     --claim-->   CLAIMED --resolve--> RESOLVED
    CALLBACK --claim-->   CLAIMED

Anything else is illegal: ``claim``/``resolve`` raise ``FailedPrecondition`` and return no new
packet, so the caller's packet (and the store) stay as they were. Only the agent holding a claim
may resolve it (``PermissionDenied`` otherwise). Claiming again by the agent that already holds
the claim returns the packet unchanged, so a retried request does not fail.

The functions are pure: the store applies them to the row it read and writes the result with a
conditional UPDATE on ``from_states(action)``, which is what makes a claim race have one winner.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime

from handoff.packet import Packet, State
from servicekit.errors import FailedPrecondition, InvalidArgument, PermissionDenied


class Action(enum.Enum):
    CLAIM = "claim"
    RESOLVE = "resolve"


TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.OPEN, Action.CLAIM): State.CLAIMED,
    (State.CALLBACK, Action.CLAIM): State.CLAIMED,
    (State.CLAIMED, Action.RESOLVE): State.RESOLVED,
}


def from_states(action: Action) -> frozenset[State]:
    """The states in which ``action`` is allowed."""
    return frozenset(state for state, act in TRANSITIONS if act is action)


def next_state(packet: Packet, action: Action) -> State:
    """The state after ``action``; FailedPrecondition when the table has no such step."""
    after = TRANSITIONS.get((packet.state, action))
    if after is not None:
        return after
    if packet.state is State.CLAIMED and action is Action.CLAIM:
        raise FailedPrecondition(
            f"handoff {packet.handoff_id} is already claimed by {packet.agent_id}"
        )
    if packet.state is State.RESOLVED:
        raise FailedPrecondition(
            f"handoff {packet.handoff_id} is already resolved by {packet.agent_id}"
        )
    raise FailedPrecondition(
        f"cannot {action.value} handoff {packet.handoff_id}: it is {packet.state.value}"
        + ("; claim it first" if action is Action.RESOLVE else "")
    )


def claim(packet: Packet, agent_id: str, now: datetime) -> Packet:
    """``packet`` claimed by ``agent_id`` at ``now``."""
    if not agent_id:
        raise InvalidArgument("agent_id is required to claim a handoff")
    if packet.state is State.CLAIMED and packet.agent_id == agent_id:
        return packet
    state = next_state(packet, Action.CLAIM)
    return dataclasses.replace(packet, state=state, agent_id=agent_id, claim_time=now)


def resolve(packet: Packet, agent_id: str, resolution: str, now: datetime) -> Packet:
    """``packet`` resolved by the agent who claimed it."""
    if not agent_id:
        raise InvalidArgument("agent_id is required to resolve a handoff")
    state = next_state(packet, Action.RESOLVE)
    if packet.agent_id != agent_id:
        raise PermissionDenied(
            f"handoff {packet.handoff_id} is claimed by {packet.agent_id}; "
            f"only that agent may resolve it"
        )
    return dataclasses.replace(packet, state=state, resolution=resolution, resolve_time=now)
