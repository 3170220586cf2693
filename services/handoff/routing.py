"""Where a handoff goes: a transfer target now, or a callback later.

Rules, in order (``route(reason, urgency, clinic, now)``):

1. **Urgent** (urgency ``URGENT``, or reason ``EMERGENCY`` whatever urgency was sent, because red
   flags must never wait for a callback) -> the clinic's ``urgent`` target, state OPEN, *even when
   the clinic is closed*: the urgent target is expected to be staffed around the clock.
2. **Clinic closed** (``clinic.is_open(now)`` is false) -> a callback: state CALLBACK, target
   ``Target("callback", clinic.transfer_targets.callback_queue)``.
3. **Open** -> ``by_reason[reason.value]`` when the clinic names one, else ``default``; state OPEN.

A transfer target's kind is "sip" for a SIP URI (``sip:`` / ``sips:``), otherwise "queue".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clinic import Clinic
from handoff.packet import Reason, State, Target, Urgency


@dataclass(frozen=True)
class Route:
    """The starting state of a handoff and where the call goes."""

    state: State
    target: Target


def is_urgent(reason: Reason, urgency: Urgency) -> bool:
    """Urgent handoffs always transfer to the urgent target."""
    return urgency is Urgency.URGENT or reason is Reason.EMERGENCY


def transfer_target(address: str) -> Target:
    """A transfer target for a configured address (SIP URI or queue name)."""
    kind = "sip" if address.lower().startswith(("sip:", "sips:")) else "queue"
    return Target(kind=kind, address=address)


def route(reason: Reason, urgency: Urgency, clinic: Clinic, now: datetime) -> Route:
    """Where a handoff with ``reason`` and ``urgency`` goes at ``now`` (timezone-aware)."""
    targets = clinic.transfer_targets
    if is_urgent(reason, urgency):
        return Route(State.OPEN, transfer_target(targets.urgent))
    if not clinic.is_open(now):
        return Route(State.CALLBACK, Target(kind="callback", address=targets.callback_queue))
    address = targets.by_reason.get(reason.value, targets.default)
    return Route(State.OPEN, transfer_target(address))
