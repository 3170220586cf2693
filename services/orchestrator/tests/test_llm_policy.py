"""The LLM policy, pure: the test plays the model (its replies and tool calls) and the tools.

Every step's state must survive a JSON round trip (any replica serves the next turn), and no
message the model would be sent may hold the caller's name, date of birth or phone number.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clinic import ClinicDirectory
from orchestrator import safety
from orchestrator.dialogue import (
    AppointmentInfo,
    AskModel,
    CallerInterrupted,
    CallerPressed,
    CallerSaid,
    CallStarted,
    Context,
    DialogueState,
    EndCall,
    Event,
    HandoffTicket,
    ModelReply,
    ModelToolCall,
    Phase,
    Say,
    SlotOption,
    Step,
    ToolBook,
    ToolCancel,
    ToolCreateHandoff,
    ToolFindSlots,
    ToolHoldSlot,
    ToolListAppointments,
    ToolReschedule,
    ToolResult,
    ToolVerifyIdentity,
    Transfer,
    VerifiedIdentity,
)
from orchestrator.llm.history import estimate_tokens, trim
from orchestrator.llm.policy import MAX_MODEL_CALLS_PER_TURN, LlmPolicy
from orchestrator.llm.prompts import TEMPLATES, V1, template_for
from orchestrator.llm.sentences import Sentences
from orchestrator.rules.policy import RulesPolicy

ROOT = Path(__file__).resolve().parents[3]
CLINIC = ClinicDirectory.from_folder(ROOT / "deploy/local/clinics").get("demo")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 11, 14, 15, tzinfo=UTC)
CONTEXT = Context(clinic=CLINIC, now=NOW, caller_number="+15550100201")
PROVIDERS = {p.id: p.name for p in CLINIC.providers}
MEDICAL = safety.emergency_lines(safety.Script.MEDICAL)
PHI = ("maria", "lopez", "1980", "nineteen eighty", "march third", "0100201")


def slot(slot_id: str, day: int, hour: int) -> SlotOption:
    start = datetime(2026, 3, day, hour, 0, tzinfo=NY)
    return SlotOption(
        slot_id, "dr-patel", PROVIDERS["dr-patel"], "checkup", start, start + timedelta(minutes=30)
    )


SLOTS = (slot("s1", 17, 9), slot("s2", 17, 10), slot("s3", 18, 9))
APPOINTMENT = AppointmentInfo("a1", slot("s9", 20, 11))


class Call:
    """Drives the policy one event at a time, checking each step's state and prompts."""

    def __init__(self, policy: LlmPolicy | None = None) -> None:
        self.policy = policy or LlmPolicy(RulesPolicy(), V1)
        self.state = DialogueState()
        self.calls = 0

    def step(self, event: Event) -> Step:
        step = self.policy.step(self.state, event, CONTEXT)
        again = DialogueState.from_json(step.state.to_json())
        assert again == step.state, "the state must survive a JSON round trip"
        assert self.policy.step(self.state, event, CONTEXT) == step, "steps are deterministic"
        for action in step.actions:
            if isinstance(action, AskModel):
                sent = json.dumps(
                    [[m.content, [c.arguments_json for c in m.tool_calls]] for m in action.messages]
                ).casefold()
                leaked = [p for p in PHI if p in sent]
                assert not leaked, f"the model would see {leaked}"
        self.state = again
        return step

    def model(self, text: str = "", tool: str = "", **args: Any) -> Step:
        """The model's answer to the pending AskModel."""
        self.calls += 1
        calls = (ModelToolCall(f"call_{self.calls}", tool, json.dumps(args)),) if tool else ()
        return self.step(ToolResult("AskModel", ModelReply(text, text, calls)))

    def tool(self, name: str, value: object) -> Step:
        return self.step(ToolResult(name, value))


def asks_model(step: Step) -> AskModel:
    asks = [a for a in step.actions if isinstance(a, AskModel)]
    assert asks, f"expected a model request, got {step.actions}"
    return asks[-1]


def last_tool_answer(step: Step) -> dict[str, Any]:
    message = asks_model(step).messages[-1]
    assert message.role == "tool", message
    answer: dict[str, Any] = json.loads(message.content)
    return answer


def spoken(step: Step) -> str:
    return " ".join(a.text for a in step.actions if isinstance(a, Say))


def verified_call() -> Call:
    call = Call()
    call.step(CallStarted())
    step = call.step(CallerSaid("I'd like to book a checkup"))
    assert asks_model(step).messages[-1].content == "I'd like to book a checkup"
    call.model("Sure. May I have your full name and date of birth?")
    step = call.step(CallerSaid("It's Maria Lopez, March third nineteen eighty"))
    assert asks_model(step).messages[-1].content == "It's [NAME_1], [DOB_1]"
    step = call.model(tool="verify_identity", full_name="[NAME_1]", date_of_birth="[DOB_1]")
    assert step.actions == (ToolVerifyIdentity("Maria Lopez", date(1980, 3, 3)),)
    assert call.state.phase is Phase.VERIFYING
    step = call.tool("ToolVerifyIdentity", VerifiedIdentity(True, "pat-1"))
    assert last_tool_answer(step) == {"verified": True}
    assert call.state.verified_patient_id == "pat-1"
    call.model("Thank you, [NAME_1]. What day works for you?")
    return call


def offered_call() -> Call:
    call = verified_call()
    call.step(CallerSaid("next week in the morning"))
    step = call.model(tool="find_slots", appointment_type="checkup", part_of_day="morning")
    (find,) = step.actions
    assert isinstance(find, ToolFindSlots) and find.part_of_day == "morning"
    assert find.appointment_type == "checkup"
    step = call.tool("ToolFindSlots", SLOTS)
    options = last_tool_answer(step)["options"]
    assert [o["option"] for o in options] == [1, 2, 3]
    assert "Tuesday" in options[0]["when"]
    assert "s1" not in json.dumps(options), "slot ids stay in the code"
    call.model("I have Tuesday at nine. Would the first one work?")
    assert call.state.phase is Phase.OFFER
    return call


def read_back_call() -> Call:
    call = offered_call()
    call.step(CallerSaid("the first one"))
    step = call.model(tool="prepare_change", action="book", option=1)
    assert step.actions == (ToolHoldSlot("s1"),)
    step = call.tool("ToolHoldSlot", "hold-1")
    assert not any(isinstance(a, AskModel) for a in step.actions), "the code reads back"
    assert "I have you down for an annual checkup on Tuesday" in spoken(step)
    assert "Shall I book it?" in spoken(step)
    assert call.state.phase is Phase.CONFIRM
    return call


# --- the vault at work --------------------------------------------------------------------


def test_the_model_sees_placeholders_and_the_tools_get_the_callers_values() -> None:
    call = verified_call()
    assert call.state.caller_name == "Maria Lopez"
    assert call.state.date_of_birth == "1980-03-03"
    assert call.state.model is not None
    assert call.state.model.placeholders == {
        "[NAME_1]": "Maria Lopez",
        "[DOB_1]": "March third nineteen eighty",
    }


def test_identity_must_come_from_the_callers_own_words() -> None:
    call = Call()
    call.step(CallStarted())
    call.step(CallerSaid("I need an appointment"))
    step = call.model(tool="verify_identity", full_name="John Smith", date_of_birth="1970-01-01")
    assert "placeholders" in last_tool_answer(step)["error"]
    step = call.model(tool="verify_identity", full_name="[NAME_1]", date_of_birth="[DOB_1]")
    assert "not a value this caller gave" in last_tool_answer(step)["error"]
    assert not call.state.caller_name


# --- guardrails ---------------------------------------------------------------------------


def test_appointments_are_refused_before_verification_whatever_the_model_asks() -> None:
    call = Call()
    call.step(CallStarted())
    call.step(CallerSaid("cancel my appointment"))
    cases: tuple[tuple[str, dict[str, Any]], ...] = (
        ("list_appointments", {}),
        ("prepare_change", {"action": "cancel", "appointment": 1}),
        ("make_change", {}),
    )
    for tool, args in cases:
        step = call.model("", tool, **args)
        assert "identity not verified" in last_tool_answer(step)["error"]
        assert not any(
            isinstance(a, ToolListAppointments | ToolCancel | ToolBook) for a in step.actions
        )


def test_an_emergency_never_reaches_the_model() -> None:
    call = verified_call()
    step = call.step(CallerSaid("I have crushing chest pain and can't breathe"))
    assert not any(isinstance(a, AskModel) for a in step.actions)
    assert MEDICAL.first in spoken(step)
    handoff = next(a for a in step.actions if isinstance(a, ToolCreateHandoff))
    assert (handoff.reason, handoff.urgency) == ("emergency", "urgent")
    assert call.state.model is not None and call.state.model.handed_over == "emergency"
    step = call.tool("ToolCreateHandoff", HandoffTicket("h1", "sip:urgent@clinic", False))
    assert any(isinstance(a, Transfer) for a in step.actions)
    assert any(isinstance(a, EndCall) for a in step.actions)


def test_nothing_is_made_without_an_explicit_yes_to_the_read_back() -> None:
    call = read_back_call()
    snapshot = call.state
    for answer in ("I guess so", "yes but let me check with my husband first", "hmm maybe"):
        call.state = snapshot
        call.step(CallerSaid(answer))
        step = call.model(tool="make_change")
        assert (
            "explicit yes" in last_tool_answer(step)["error"]
            or "prepare_change" in (last_tool_answer(step)["error"])
        )
        assert not any(isinstance(a, ToolBook) for a in step.actions)
    call.state = snapshot
    call.step(CallerSaid("yes please"))
    step = call.model(tool="make_change")
    assert step.actions == (ToolBook("s1", "hold-1"),)
    step = call.tool("ToolBook", AppointmentInfo("a7", SLOTS[0]))
    assert last_tool_answer(step)["done"] == "booked"
    # The consent is used up: a second make_change is refused.
    call.model("You're booked.")
    call.step(CallerSaid("yes"))
    step = call.model(tool="make_change")
    assert "error" in last_tool_answer(step)


def test_keypad_one_is_a_yes_to_the_read_back() -> None:
    call = read_back_call()
    call.step(CallerPressed("1"))
    step = call.model(tool="make_change")
    assert step.actions == (ToolBook("s1", "hold-1"),)


def test_an_unheard_read_back_is_not_agreed_to() -> None:
    call = read_back_call()
    call.step(CallerInterrupted("I have you down"))
    call.step(CallerSaid("yes"))
    step = call.model(tool="make_change")
    assert "error" in last_tool_answer(step)


def test_cancel_reads_back_the_appointment_at_once() -> None:
    call = verified_call()
    call.step(CallerSaid("I want to cancel my appointment"))
    step = call.model(tool="list_appointments")
    assert step.actions == (ToolListAppointments(),)
    step = call.tool("ToolListAppointments", (APPOINTMENT,))
    assert last_tool_answer(step)["appointments"][0]["appointment"] == 1
    call.model("I see one appointment. Which one?")
    call.step(CallerSaid("cancel the first one"))
    step = call.model(tool="prepare_change", action="cancel", appointment=1)
    assert "I'll cancel" in spoken(step) and "Would you like me to cancel it?" in spoken(step)
    call.step(CallerSaid("yes"))
    step = call.model(tool="make_change")
    assert step.actions == (ToolCancel("a1"),)


def test_a_model_looping_on_tools_is_stopped() -> None:
    call = verified_call()
    step = call.step(CallerSaid("what times do you have"))
    for _ in range(MAX_MODEL_CALLS_PER_TURN - 1):
        step = call.model(tool="no_such_tool")
        asks_model(step)
    step = call.model(tool="no_such_tool")
    assert not any(isinstance(a, AskModel) for a in step.actions)
    assert call.state.model is not None and call.state.model.handed_over == "model_loop"


# --- the rules policy takes over ----------------------------------------------------------


def test_providers_down_at_the_offer_and_the_booking_still_completes() -> None:
    call = offered_call()
    call.step(CallerSaid("the first one"))
    step = call.step(ToolResult("AskModel", error_code="UNAVAILABLE", error_message="all down"))
    assert call.state.model is not None and call.state.model.handed_over == "unavailable"
    # The rules policy read "the first one" against the same offers: hold the first slot.
    assert step.actions[-1] == ToolHoldSlot("s1")
    step = call.tool("ToolHoldSlot", "hold-9")
    assert "Shall I book it?" in spoken(step)
    step = call.step(CallerSaid("yes"))
    assert step.actions[-1] == ToolBook("s1", "hold-9")
    step = call.tool("ToolBook", AppointmentInfo("a8", SLOTS[0]))
    assert "booked" in spoken(step)
    assert call.state.verified_patient_id == "pat-1"


def test_cost_cap_at_the_read_back_answer_commits_through_the_rules() -> None:
    call = read_back_call()
    call.step(CallerSaid("yes"))
    step = call.step(
        ToolResult("AskModel", error_code="RESOURCE_EXHAUSTED", error_message="cost cap")
    )
    assert call.state.model is not None and call.state.model.handed_over == "cost_cap"
    assert step.actions[-1] == ToolBook("s1", "hold-1")


def test_providers_down_after_a_tool_ran_asks_the_next_question_instead_of_replaying() -> None:
    call = Call()
    call.step(CallStarted())
    call.step(CallerSaid("I'd like to book a checkup"))
    call.model("Your name and date of birth, please?")
    call.step(CallerSaid("Maria Lopez, March third nineteen eighty"))
    call.model(tool="verify_identity", full_name="[NAME_1]", date_of_birth="[DOB_1]")
    call.tool("ToolVerifyIdentity", VerifiedIdentity(True, "pat-1"))
    call.model(tool="find_slots", appointment_type="checkup")
    call.tool("ToolFindSlots", SLOTS)
    step = call.step(ToolResult("AskModel", error_code="UNAVAILABLE", error_message="down"))
    assert call.state.model is not None and call.state.model.handed_over == "unavailable"
    # The utterance was used (verified, slots found): the rules policy's offer, not a replay.
    assert call.state.phase is Phase.OFFER
    assert "First, Tuesday" in spoken(step) and "Which one works for you?" in spoken(step)
    assert "name" not in spoken(step).casefold(), "the caller does not start over"
    step = call.step(CallerSaid("the second one"))
    assert step.actions[-1] == ToolHoldSlot("s2")


# --- the pieces ---------------------------------------------------------------------------


def test_history_is_trimmed_to_the_budget_keeping_tool_calls_with_their_results() -> None:
    history: list[dict[str, Any]] = []
    for i in range(30):
        history.append({"role": "user", "content": f"message number {i} " * 5})
        history.append(
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": f"c{i}", "name": "find_slots", "arguments_json": "{}"}],
            }
        )
        history.append({"role": "tool", "tool_call_id": f"c{i}", "content": '{"options": []}'})
    kept = trim(history, 200)
    assert sum(estimate_tokens(m) for m in kept) <= 200
    assert kept[-1] == history[-1]
    assert kept[0]["role"] != "tool"
    ids = {c["id"] for m in kept for c in m.get("tool_calls", ())}
    assert {m["tool_call_id"] for m in kept if m["role"] == "tool"} <= ids
    assert trim(history, 1) == history[-2:], "the newest exchange always stays"


def test_a_policy_prompt_comes_from_its_template() -> None:
    call = Call(LlmPolicy(RulesPolicy(), template_for("v2")))
    step = call.step(CallStarted())
    assert "You've reached" in spoken(step).replace("you've", "You've")
    step = call.step(CallerSaid("hello"))
    system = asks_model(step).messages[0]
    assert system.role == "system" and "You answer the phone for" in system.content
    assert template_for("nonsense") is V1 and set(TEMPLATES) == {"v1", "v2"}


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        (["Hello there. How", " are you?"], ["Hello there.", "How are you?"]),
        (["See Dr. Patel at 9 a.m. tomorrow. OK?"], ["See Dr. Patel at 9 a.m. tomorrow.", "OK?"]),
        (["One", " moment", "."], ["One moment."]),
        (["Yes! ", "Done."], ["Yes!", "Done."]),
    ],
)
def test_sentences_are_cut_as_soon_as_they_are_whole(
    pieces: list[str], expected: list[str]
) -> None:
    cutter = Sentences()
    out: list[str] = []
    for piece in pieces:
        out.extend(cutter.feed(piece))
    rest = cutter.close()
    assert out + ([rest] if rest else []) == expected


def test_the_first_sentence_is_out_before_the_second_is_generated() -> None:
    cutter = Sentences()
    assert cutter.feed("You're all set. ") == ["You're all set."]
    assert cutter.feed("Anything") == []


def test_a_callers_brackets_cannot_smuggle_a_placeholder() -> None:
    call = verified_call()
    step = call.step(CallerSaid("book for [NAME_1]"))
    assert "[NAME_1]" not in asks_model(step).messages[-1].content
    assert re.search(r"\(NAME_1\)", asks_model(step).messages[-1].content)


def test_reschedule_searches_times_for_the_appointment_and_moves_it_after_a_yes() -> None:
    call = verified_call()
    call.step(CallerSaid("I want to reschedule my appointment"))
    call.model(tool="list_appointments")
    call.tool("ToolListAppointments", (APPOINTMENT,))
    call.model("Which one?")
    call.step(CallerSaid("move the first one to the afternoon"))
    step = call.model(tool="find_slots", appointment=1, part_of_day="afternoon")
    (find,) = step.actions
    assert isinstance(find, ToolFindSlots)
    assert (find.appointment_type, find.provider_id) == ("checkup", "dr-patel")
    assert call.state.intent == "reschedule"
    call.tool("ToolFindSlots", SLOTS[1:])
    call.model("Would the first one work?")
    call.step(CallerSaid("the first time works"))
    step = call.model(tool="prepare_change", action="reschedule", appointment=1, option=1)
    assert step.actions == (ToolHoldSlot("s2"),)
    step = call.tool("ToolHoldSlot", "hold-2")
    assert "I'll move" in spoken(step) and "Shall I go ahead?" in spoken(step)
    call.step(CallerSaid("yes"))
    step = call.model(tool="make_change")
    assert step.actions == (ToolReschedule("a1", "s2", "hold-2"),)
