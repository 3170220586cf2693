"""The dialogue state machine itself: the phase table, illegal steps, the JSON form."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from clinic import ClinicDirectory
from orchestrator.dialogue import (
    TRANSITIONS,
    CallerSaid,
    CallStarted,
    Context,
    DialogueState,
    HandoffPlan,
    IllegalEvent,
    IllegalTransition,
    PendingTool,
    Phase,
    Request,
    Volunteered,
    check_event,
    check_transition,
    replace_phase,
)
from orchestrator.rules import RulesPolicy

CLINIC = ClinicDirectory.from_folder(
    Path(__file__).resolve().parents[3] / "deploy/local/clinics"
).get("demo")


def test_every_phase_has_a_row_and_every_target_is_a_phase() -> None:
    assert set(TRANSITIONS) == set(Phase)
    for targets in TRANSITIONS.values():
        assert targets <= set(Phase)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Phase.START, Phase.INTENT),
        (Phase.CONFIRM, Phase.COMMITTING),
        (Phase.HOLDING, Phase.CONFIRM),
        (Phase.FINDING, Phase.OFFER),
        (Phase.ASK_NAME, Phase.VERIFYING),
        (Phase.OFFER, Phase.OFFER),  # staying is always allowed
        (Phase.OFFER, Phase.HANDOFF_NAME),  # so is handing off
        (Phase.ASK_TYPE, Phase.ENDED),  # and ending
    ],
)
def test_allowed_transitions(source: Phase, target: Phase) -> None:
    check_transition(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Phase.OFFER, Phase.COMMITTING),  # nothing is committed without the read-back
        (Phase.ASK_TIME, Phase.COMMITTING),
        (Phase.INTENT, Phase.CONFIRM),
        (Phase.START, Phase.OFFER),
        (Phase.ENDED, Phase.INTENT),  # an ended call stays ended
        (Phase.HANDOFF_NAME, Phase.OFFER),
    ],
)
def test_illegal_transitions_raise_and_leave_the_state_unchanged(
    source: Phase, target: Phase
) -> None:
    state = DialogueState(phase=source, intent="book")
    with pytest.raises(IllegalTransition, match=f"{source.value} -> {target.value}"):
        replace_phase(state, target)
    assert state.phase is source


def test_committing_is_reached_only_from_the_read_back() -> None:
    sources = [p for p in Phase if Phase.COMMITTING in TRANSITIONS[p]]
    assert sources == [Phase.CONFIRM]


def test_a_second_call_start_is_an_illegal_event_and_changes_nothing() -> None:
    check_event(Phase.START, CallStarted())
    check_event(Phase.OFFER, CallerSaid("the first one"))
    policy = RulesPolicy()
    context = Context(CLINIC, __import__("datetime").datetime.now(CLINIC.zone))
    state = policy.step(DialogueState(), CallStarted(), context).state
    before = state.to_json()
    with pytest.raises(IllegalEvent, match="CallStarted cannot happen in phase intent"):
        policy.step(state, CallStarted(), context)
    assert state.to_json() == before


def test_the_whole_state_survives_json() -> None:
    state = DialogueState(
        phase=Phase.CONFIRM,
        intent="reschedule",
        intents_tried=("faq", "reschedule"),
        verified_patient_id="P1",
        caller_name="Jane Doe",
        date_of_birth="1980-03-03",
        transcript=(("assistant", "Hello"), ("caller", "hi")),
        request=Request(
            visit_type="checkup",
            provider="dr-patel",
            when={"start_after": "2026-03-17T00:00:00-04:00", "said": "tuesday"},
            offers=[{"slot_id": "s1", "start": "2026-03-17T09:00:00-04:00"}],
            chosen={"slot_id": "s1", "start": "2026-03-17T09:00:00-04:00"},
            hold_id="H1",
            taken=["s0"],
            readback="I'll move it.",
            readback_unheard=True,
        ),
        pending=PendingTool("ToolBook", {"slot_id": "s1", "hold_id": "H1"}, retried=True),
        handoff=HandoffPlan("caller_request", "routine", name_asked=True, detail="x"),
        volunteered=Volunteered(date_of_birth="1980-03-03"),
        misunderstood=2,
        verify_failures=1,
        notes=("offered 3 slot(s)",),
        made={"appointment_id": "A1"},
    )
    restored = DialogueState.from_json(state.to_json())
    assert restored == state
    assert restored.phase is Phase.CONFIRM and isinstance(restored.request, Request)


def test_a_stored_state_with_an_unknown_phase_is_refused() -> None:
    raw = DialogueState(phase=Phase.OFFER).to_json().replace('"offer"', '"listening"')
    with pytest.raises(ValidationError, match="phase"):
        DialogueState.from_json(raw)


def test_packet_slots_carry_the_request_and_no_phi() -> None:
    state = DialogueState(
        caller_name="Jane Doe",
        date_of_birth="1980-03-03",
        request=Request(visit_type="checkup", provider="dr-patel"),
        identity_check="verified",
        misunderstood=1,
    )
    slots = state.packet_slots()
    assert slots == {
        "visit_type": "checkup",
        "provider": "dr-patel",
        "identity_check": "verified",
        "misunderstood": "1",
    }
    assert "Jane" not in str(slots) and "1980" not in str(slots)


def test_the_public_api_is_pinned() -> None:
    import orchestrator.dialogue as dialogue

    assert len(set(dialogue.__all__)) == len(dialogue.__all__)
    assert {"DialogueState", "Phase", "TRANSITIONS", "IllegalTransition", "IllegalEvent"} <= set(
        dialogue.__all__
    )
    for name in dialogue.__all__:
        assert getattr(dialogue, name) is not None
