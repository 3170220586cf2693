"""Properties of the rules policy over random conversations (hypothesis).

Whatever the caller says or presses and whatever the tools answer: the policy never raises, never
asks for an appointment tool (list/book/cancel/reschedule) before the caller is verified, only
becomes verified through a verification it asked for, asks for at most one tool per step (as its
last action), keeps its state JSON-round-trippable and its transcript bounded, says plain text,
and does nothing once the call has an outcome. Handoffs always say what the caller wanted
(``intents_tried``) and where identity stands; an emergency is handed off in the step that hears
it; the name question before a handoff is asked at most once per call.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic import ClinicDirectory
from orchestrator import safety
from orchestrator.dialogue import (
    AppointmentInfo,
    CallerHungUp,
    CallerInterrupted,
    CallerPressed,
    CallerSaid,
    CallStarted,
    Context,
    DialogueState,
    EndCall,
    Event,
    HandoffTicket,
    IllegalEvent,
    Say,
    SlotOption,
    ToolBook,
    ToolCancel,
    ToolCreateHandoff,
    ToolListAppointments,
    ToolReschedule,
    ToolResult,
    ToolVerifyIdentity,
    Transfer,
    VerifiedIdentity,
)
from orchestrator.rules.policy import RulesPolicy
from orchestrator.rules.turn import TRANSCRIPT_LIMIT

CLINIC = ClinicDirectory.from_folder(
    Path(__file__).resolve().parents[3] / "deploy/local/clinics"
).get("demo")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 11, 14, 15, tzinfo=UTC)
POLICY = RulesPolicy()

PHRASES = [
    "i want to book a checkup", "reschedule my appointment", "cancel my appointment",
    "when is my appointment", "jane doe", "march third nineteen eighty", "3/3/1980",
    "next tuesday afternoon", "as soon as possible", "the first one", "the second one", "yes",
    "no", "never mind", "where do i park", "what are your hours", "bye", "operator",
    "i have chest pain", "no chest pain", "with doctor patel", "a flu shot", "friday at 3",
    "none of those", "what dose should i take", "that's all", "uh", "the 2:30", "",
    "i'd rather not say", "pardon", "can i talk to someone", "my husband collapsed",
    "hi this is jane doe calling",
]  # fmt: skip


def _slot(i: int) -> SlotOption:
    start = datetime(2026, 3, 17, 9, tzinfo=NY) + timedelta(minutes=30 * i)
    return SlotOption(
        f"s{i}", "dr-patel", "Dr. Priya Patel", "checkup", start, start + timedelta(minutes=30)
    )


slots = st.lists(st.integers(0, 10).map(_slot), max_size=4).map(tuple)
appointments = st.lists(
    st.tuples(st.text("abc", min_size=1, max_size=3), st.integers(0, 10)).map(
        lambda t: AppointmentInfo(f"A{t[0]}", _slot(t[1]))
    ),
    max_size=3,
).map(tuple)
values = st.one_of(
    st.builds(VerifiedIdentity, st.booleans(), st.sampled_from(["", "P1"])),
    slots,
    appointments,
    st.text(max_size=5),
    st.builds(lambda i: AppointmentInfo("A1", _slot(i)), st.integers(0, 10)),
    st.builds(HandoffTicket, st.just("H1"), st.just("sip:x@example"), st.booleans()),
    st.none(),
)
tool_names = st.sampled_from(
    ["ToolVerifyIdentity", "ToolFindSlots", "ToolHoldSlot", "ToolBook", "ToolCancel",
     "ToolReschedule", "ToolListAppointments", "ToolCreateHandoff"]
)  # fmt: skip
results = st.one_of(
    st.builds(ToolResult, tool_names, values),
    st.builds(
        lambda name, code: ToolResult(name, error_code=code, error_message="x"),
        tool_names,
        st.sampled_from(["UNAVAILABLE", "DEADLINE_EXCEEDED", "FAILED_PRECONDITION", "NOT_FOUND"]),
    ),
)
events: st.SearchStrategy[Event] = st.one_of(
    st.sampled_from(PHRASES).map(CallerSaid),
    st.text(max_size=40).map(CallerSaid),
    st.text("0123456789#*", min_size=1, max_size=9).map(CallerPressed),
    st.text(max_size=20).map(CallerInterrupted),
    results,
    st.just(CallerHungUp()),
    st.just(CallStarted()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, max_size=25))
def test_random_conversations_keep_the_invariants(script: list[Event]) -> None:
    context = Context(CLINIC, NOW, "+15557654321")
    state = DialogueState()
    asked_verification = False
    name_questions = 0
    for event in [CallStarted(), *script]:
        was_verified = bool(state.verified_patient_id)
        if isinstance(event, CallStarted) and state.phase != "start" and not state.outcome:
            before = state.to_json()
            with pytest.raises(IllegalEvent):
                POLICY.step(state, event, context)
            assert state.to_json() == before  # an illegal event leaves the state unchanged
            continue
        step = POLICY.step(state, event, context)
        actions = step.actions
        if state.outcome:
            assert actions == () and step.state == state
        if any(
            isinstance(a, ToolBook | ToolCancel | ToolReschedule | ToolListAppointments)
            for a in actions
        ):
            assert step.state.verified_patient_id
        if step.state.verified_patient_id and not was_verified:
            assert asked_verification and isinstance(event, ToolResult)
            assert isinstance(event.value, VerifiedIdentity) and event.value.verified
        tools = [a for a in actions if not isinstance(a, Say | Transfer | EndCall)]
        assert len(tools) <= 1
        if tools:
            assert actions[-1] is tools[0]
        if any(isinstance(a, EndCall) for a in actions):
            assert isinstance(actions[-1], EndCall) and step.state.outcome
        for action in actions:
            if isinstance(action, Say):
                assert action.text.strip()
                assert not set(action.text) & set("*#`[]{}<>_")
        handoffs = [a for a in actions if isinstance(a, ToolCreateHandoff)]
        if handoffs:
            assert step.state.intents_tried
            assert step.state.identity_check in (
                "verified", "failed", "incomplete", "not_attempted"
            )  # fmt: skip
        if (
            not state.outcome
            and isinstance(event, CallerSaid)
            and safety.find_red_flag(event.text) is not None
        ):
            assert [(h.reason, h.urgency) for h in handoffs] == [("emergency", "urgent")]
        if step.state.phase == "handoff_name" and state.phase != "handoff_name":
            name_questions += 1
        assert name_questions <= 1
        asked_verification = asked_verification or any(
            isinstance(a, ToolVerifyIdentity) for a in actions
        )
        assert len(step.state.transcript) <= TRANSCRIPT_LIMIT
        restored = DialogueState.from_json(step.state.to_json())
        assert restored == step.state
        state = restored
