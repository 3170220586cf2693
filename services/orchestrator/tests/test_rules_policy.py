"""Whole conversations through the rules policy, with realistic tool results.

Every step is checked twice for statelessness: the state must survive a JSON round trip
unchanged, and stepping from the deserialised previous state must give the identical step (what
lets any replica serve the next turn). The conversation then continues from the deserialised
state, so every test is also a replay test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clinic import ClinicDirectory
from orchestrator import safety
from orchestrator.dialogue import (
    Action,
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
    Outcome,
    Say,
    SlotOption,
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
from orchestrator.rules.policy import (
    NAME_BEFORE_CALLBACK,
    NAME_BEFORE_TRANSFER,
    RulesPolicy,
)
from orchestrator.rules.turn import TRANSCRIPT_LIMIT

ROOT = Path(__file__).resolve().parents[3]
CLINIC = ClinicDirectory.from_folder(ROOT / "deploy/local/clinics").get("demo")
NY = ZoneInfo("America/New_York")
# Wednesday March 11 2026, 10:15 in New York: the clinic is open.
NOW = datetime(2026, 3, 11, 14, 15, tzinfo=UTC)
# Saturday March 14 2026, 13:00 in New York: closed until Monday 8 AM.
CLOSED = datetime(2026, 3, 14, 17, 0, tzinfo=UTC)
PROVIDERS = {p.id: p.name for p in CLINIC.providers}
MEDICAL = safety.emergency_lines(safety.Script.MEDICAL)
CRISIS = safety.emergency_lines(safety.Script.CRISIS)


def slot(
    slot_id: str, provider: str, kind: str, day: int, hour: int, minute: int = 0
) -> SlotOption:
    start = datetime(2026, 3, day, hour, minute, tzinfo=NY)
    return SlotOption(
        slot_id, provider, PROVIDERS[provider], kind, start, start + timedelta(minutes=30)
    )


TUESDAY_SLOTS = (
    slot("s1", "dr-patel", "checkup", 17, 14, 30),
    slot("s2", "dr-okafor", "checkup", 17, 15),
    slot("s3", "dr-patel", "checkup", 17, 16),
)


class Call:
    """Drives one call through the policy, checking statelessness at every step."""

    def __init__(self, now: datetime = NOW, caller_number: str = "+15557654321") -> None:
        self.policy = RulesPolicy()
        self.context = Context(CLINIC, now, caller_number)
        self.state = DialogueState()
        self.steps: list[tuple[Event, tuple[Action, ...]]] = []

    def send(self, event: Event) -> tuple[Action, ...]:
        before = self.state.to_json()
        step = self.policy.step(self.state, event, self.context)
        assert self.state.to_json() == before, "the policy mutated its input state"
        restored = DialogueState.from_json(step.state.to_json())
        assert restored == step.state, "state does not survive a JSON round trip"
        replayed = self.policy.step(DialogueState.from_json(before), event, self.context)
        assert replayed == step, "stepping from the deserialised state gives another result"
        tools = [a for a in step.actions if not isinstance(a, Say | Transfer | EndCall)]
        assert len(tools) <= 1 and (
            not tools or step.actions[-1] is tools[0] or isinstance(step.actions[-1], EndCall)
        )
        appointment_tools = (ToolBook, ToolCancel, ToolReschedule, ToolListAppointments)
        if any(isinstance(a, appointment_tools) for a in step.actions):
            assert step.state.verified_patient_id
        assert len(step.state.transcript) <= TRANSCRIPT_LIMIT
        self.state = restored
        self.steps.append((event, step.actions))
        return step.actions

    def start(self) -> tuple[Action, ...]:
        return self.send(CallStarted())

    def say(self, text: str) -> tuple[Action, ...]:
        return self.send(CallerSaid(text))

    def press(self, digits: str) -> tuple[Action, ...]:
        return self.send(CallerPressed(digits))

    def result(self, tool: str, value: object = None, error: str = "") -> tuple[Action, ...]:
        return self.send(ToolResult(tool=tool, value=value, error_code=error, error_message=error))

    def verify(self, intent_text: str = "i want to book an appointment") -> None:
        """Greeting, a request, then a successful verification."""
        self.start()
        self.say(intent_text)
        self.say("my name is jane doe")
        self.say("march third nineteen eighty")
        self.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))


def spoken(actions: tuple[Action, ...]) -> str:
    return " ".join(a.text for a in actions if isinstance(a, Say))


def last(actions: tuple[Action, ...]) -> Action:
    return actions[-1]


def test_greeting_names_the_clinic_and_offers_a_person() -> None:
    call = Call()
    actions = call.start()
    assert actions == (
        Say(
            "Thanks for calling Maple Street Family Clinic. This is the automated assistant. "
            "How can I help you today? You can ask for a person at any time."
        ),
    )
    assert call.state.phase == "intent"
    assert call.state.transcript == (("assistant", actions[0].text),)  # type: ignore[union-attr]


def test_booking_happy_path() -> None:
    call = Call()
    call.start()
    actions = call.say("hi i'd like to book a physical")
    assert "verify your identity" in spoken(actions)
    assert call.state.phase == "ask_name" and call.state.intent == "book"
    assert call.state.request.visit_type == "checkup"
    assert call.state.intents_tried == ("book",)

    actions = call.say("my name is jane doe")
    assert call.state.caller_name == "Jane Doe" and call.state.phase == "ask_dob"
    assert "keypad" in spoken(actions)

    actions = call.say("march third nineteen eighty")
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))
    assert call.state.date_of_birth == "1980-03-03" and call.state.phase == "verifying"

    actions = call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))
    assert call.state.verified_patient_id == "P1"
    assert call.state.phase == "ask_time"  # the type is known already
    assert "What day and time" in spoken(actions)

    actions = call.say("next tuesday afternoon")
    assert last(actions) == ToolFindSlots(
        appointment_type="checkup",
        provider_id="",
        start_after=datetime(2026, 3, 17, tzinfo=NY),
        start_before=datetime(2026, 3, 18, tzinfo=NY),
        part_of_day="afternoon",
        limit=3,
    )

    actions = call.result("ToolFindSlots", TUESDAY_SLOTS)
    offer = spoken(actions)
    assert "Tuesday, March seventeenth at 2:30 PM with Dr. Priya Patel" in offer
    assert "Tuesday, March seventeenth at 3 PM with Dr. James Okafor" in offer
    assert call.state.phase == "offer" and len(call.state.request.offers) == 3

    actions = call.say("the second one")
    assert actions == (ToolHoldSlot("s2"),)

    actions = call.result("ToolHoldSlot", "H2")
    assert spoken(actions).startswith(
        "I have you down for an annual checkup on Tuesday, March seventeenth at 3 PM with "
        "Dr. James Okafor. Shall I book it?"
    )
    assert call.state.phase == "confirm"

    actions = call.say("yes please")
    assert actions == (ToolBook("s2", "H2"),)

    actions = call.result("ToolBook", AppointmentInfo("A9", TUESDAY_SLOTS[1]))
    assert "booked for Tuesday, March seventeenth at 3 PM" in spoken(actions)
    assert call.state.phase == "anything_else"
    assert call.state.request.offers == [] and call.state.request.chosen is None

    actions = call.say("no that's all thanks")
    assert isinstance(actions[0], Say) and "Goodbye" in actions[0].text
    assert last(actions) == EndCall(Outcome.CONTAINED)
    assert call.state.outcome == "contained" and call.state.phase == "ended"
    # After the end nothing more happens, whatever arrives.
    assert call.say("hello?") == ()
    assert call.send(CallerHungUp()) == ()
    assert call.state.outcome == "contained"


def test_booking_asks_for_type_then_time_and_understands_a_clock_pick() -> None:
    call = Call()
    call.verify()
    assert call.state.phase == "ask_type"
    assert "an annual checkup, a sick visit, a follow-up visit, or a vaccination" in spoken(
        call.steps[-1][1]
    )
    call.say("a flu shot")
    assert call.state.request.visit_type == "vaccination" and call.state.phase == "ask_time"
    actions = call.say("tomorrow morning with nurse chen")
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots)
    assert (tool.appointment_type, tool.provider_id, tool.part_of_day) == (
        "vaccination", "np-chen", "morning",
    )  # fmt: skip
    assert tool.start_after == datetime(2026, 3, 12, tzinfo=NY)
    slots = (
        slot("v1", "np-chen", "vaccination", 12, 9),
        slot("v2", "np-chen", "vaccination", 12, 10, 30),
    )
    call.result("ToolFindSlots", slots)
    assert call.say("the ten thirty") == (ToolHoldSlot("v2"),)


def test_fast_caller_gives_everything_at_once_and_name_with_birth_date() -> None:
    call = Call()
    call.start()
    call.say("i need to schedule a sick visit with doctor okafor friday")
    assert call.state.request.visit_type == "sick-visit"
    assert call.state.request.provider == "dr-okafor"
    actions = call.say("john smith march third 1980")
    assert last(actions) == ToolVerifyIdentity("John Smith", date(1980, 3, 3))
    actions = call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P7"))
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots)
    assert tool.provider_id == "dr-okafor" and tool.start_after == datetime(2026, 3, 13, tzinfo=NY)


def test_provider_who_does_not_offer_the_type_is_dropped() -> None:
    call = Call()
    call.start()
    call.say("book a vaccination with dr patel as soon as possible")
    call.say("jane doe")
    call.say("3/3/1980")
    actions = call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))
    assert "Dr. Priya Patel doesn't offer vaccination appointments" in spoken(actions)
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots) and tool.provider_id == ""
    assert tool.start_after == NOW and tool.start_before is None


def test_faq_before_an_appointment_request_is_answered_then_the_request_proceeds() -> None:
    call = Call()
    call.start()
    actions = call.say("do you take medicare and can i book a checkup")
    text = spoken(actions)
    assert text.startswith("We accept most major insurance plans")
    assert "verify your identity" in text
    assert call.state.intents_tried == ("faq", "book")


def test_no_slots_widens_then_offers_a_person() -> None:
    call = Call()
    call.verify("book a checkup with dr patel next tuesday afternoon")
    first = last(call.steps[-1][1])
    assert isinstance(first, ToolFindSlots) and first.part_of_day == "afternoon"
    actions = call.result("ToolFindSlots", ())
    wider = last(actions)
    assert isinstance(wider, ToolFindSlots)
    assert (wider.part_of_day, wider.start_before, wider.provider_id) == ("", None, "dr-patel")
    assert wider.start_after == NOW
    actions = call.result("ToolFindSlots", ())
    widest = last(actions)
    assert isinstance(widest, ToolFindSlots) and widest.provider_id == ""
    actions = call.result("ToolFindSlots", [])
    assert "couldn't find any openings for an annual checkup" in spoken(actions)
    assert call.state.phase == "offer_handoff"
    actions = call.say("yes please")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "caller_request"
    assert "no openings found" in handoff.summary


def test_caller_rejects_offers_and_asks_for_another_day() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    actions = call.say("none of those work")
    assert call.state.phase == "ask_time" and call.state.request.when is None
    assert "other day or time" in spoken(actions)
    actions = call.say("how about thursday")
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots) and tool.start_after == datetime(2026, 3, 12, tzinfo=NY)
    # A new day named while offers are open searches again directly.
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    tool = last(call.say("do you have anything friday"))
    assert isinstance(tool, ToolFindSlots) and tool.start_after == datetime(2026, 3, 13, tzinfo=NY)


def test_single_offer_accepted_with_yes_and_ambiguous_yes_asks_which() -> None:
    call = Call()
    call.verify("book a checkup friday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    actions = call.say("yes")
    assert "Which one would you like" in spoken(actions) and call.state.phase == "offer"
    call.say("actually friday morning")
    call.result("ToolFindSlots", (TUESDAY_SLOTS[0],))
    assert "Would that work for you?" in spoken(call.steps[-1][1])
    assert call.say("yeah that works") == (ToolHoldSlot("s1"),)


def test_slot_taken_race_offers_the_nearest_alternative_without_the_taken_slot() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the first one")
    call.result("ToolHoldSlot", "H1")
    call.say("yes")
    actions = call.result("ToolBook", error="FAILED_PRECONDITION")
    assert "just taken" in spoken(actions)
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots) and tool.limit == 4
    assert call.state.request.taken == ["s1"] and call.state.request.chosen is None
    actions = call.result(
        "ToolFindSlots", (*TUESDAY_SLOTS, slot("s4", "dr-patel", "checkup", 18, 9))
    )
    # The caller had chosen: one alternative, the nearest, to say yes or no to.
    assert [o["slot_id"] for o in call.state.request.offers] == ["s2"]
    assert "2:30 PM" not in spoken(actions) and "Would that work for you?" in spoken(actions)
    # The hold can fail the same way.
    call.say("yes")
    actions = call.result("ToolHoldSlot", error="FAILED_PRECONDITION")
    assert isinstance(last(actions), ToolFindSlots)
    assert call.state.request.taken == ["s1", "s2"]
    call.result("ToolFindSlots", (*TUESDAY_SLOTS, slot("s4", "dr-patel", "checkup", 18, 9)))
    assert [o["slot_id"] for o in call.state.request.offers] == ["s3"]
    # Asking for other times lists them again, as many as there are.
    call.say("none of those")
    call.say("wednesday")
    call.result("ToolFindSlots", (*TUESDAY_SLOTS, slot("s4", "dr-patel", "checkup", 18, 9)))
    assert [o["slot_id"] for o in call.state.request.offers] == ["s3", "s4"]


def test_declined_read_back_asks_what_to_change_and_a_new_time_in_the_no_searches() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the third one")
    call.result("ToolHoldSlot", "H3")
    actions = call.press("2")
    assert "What would you like to change" in spoken(actions)
    assert call.state.phase == "ask_time"
    call.say("thursday afternoon")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the first")
    call.result("ToolHoldSlot", "H1")
    tool = last(call.say("no make it wednesday instead"))
    assert isinstance(tool, ToolFindSlots) and tool.start_after == datetime(2026, 3, 18, tzinfo=NY)


def test_barge_in_during_read_back_then_no_does_not_book() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the first one")
    call.result("ToolHoldSlot", "H1")
    assert call.send(CallerInterrupted("I have you down for an annual")) == ()
    assert call.state.transcript[-1] == ("assistant", "I have you down for an annual")
    assert call.state.phase == "confirm" and call.state.request.readback_unheard is True
    actions = call.say("no")
    assert not any(isinstance(a, ToolBook) for a in actions)
    assert call.state.phase == "ask_time"


def test_barge_in_then_yes_repeats_the_read_back_before_booking() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the first one")
    call.result("ToolHoldSlot", "H1")
    call.send(CallerInterrupted("I have you"))
    actions = call.say("yes")
    assert not any(isinstance(a, ToolBook) for a in actions)
    assert spoken(actions).startswith("Just to be sure. I have you down for an annual checkup")
    assert call.say("yes") == (ToolBook("s1", "H1"),)


def test_barge_in_after_hearing_the_whole_read_back_confirms() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the first one")
    actions = call.result("ToolHoldSlot", "H1")
    heard = spoken(actions).split(" Shall I")[0]
    call.send(CallerInterrupted(heard + " Shall"))
    assert call.say("yes") == (ToolBook("s1", "H1"),)


def test_barge_in_elsewhere_only_corrects_the_transcript() -> None:
    call = Call()
    call.start()
    call.say("i want to book")
    call.send(CallerInterrupted(""))
    assert call.state.transcript[-1] == ("caller", "i want to book")
    assert call.state.phase == "ask_name"
    call.say("jane doe")
    assert call.state.phase == "ask_dob"


APPOINTMENTS = (
    AppointmentInfo("A1", slot("c1", "dr-patel", "checkup", 17, 9)),
    AppointmentInfo("A2", slot("f1", "dr-okafor", "follow-up", 19, 15, 30)),
)


def test_reschedule_picks_an_appointment_and_moves_it() -> None:
    call = Call()
    call.verify("i need to reschedule my appointment")
    assert last(call.steps[-1][1]) == ToolListAppointments()
    actions = call.result("ToolListAppointments", APPOINTMENTS[::-1])
    text = spoken(actions)
    assert "You have 2 upcoming appointments" in text
    assert text.index("annual checkup") < text.index("follow-up visit")  # sorted by time
    assert call.state.phase == "pick_appointment"
    actions = call.say("the checkup")
    assert call.state.request.target["appointment_id"] == "A1"
    assert "What day and time would you like to move it to" in spoken(actions)
    tool = last(call.say("friday morning"))
    assert isinstance(tool, ToolFindSlots)
    assert (tool.appointment_type, tool.part_of_day) == ("checkup", "morning")
    assert tool.provider_id == "dr-patel"  # a move keeps the provider
    new = (slot("n1", "dr-patel", "checkup", 20, 9), slot("n2", "dr-patel", "checkup", 20, 9, 30))
    call.result("ToolFindSlots", new)
    assert call.say("the 9:30") == (ToolHoldSlot("n2"),)
    actions = call.result("ToolHoldSlot", "HN")
    assert spoken(actions).startswith(
        "I'll move your annual checkup on Tuesday, March seventeenth at 9 AM with Dr. Priya "
        "Patel to Friday, March twentieth at 9:30 AM with Dr. Priya Patel. Shall I go ahead?"
    )
    assert call.press("1") == (ToolReschedule("A1", "n2", "HN"),)
    actions = call.result("ToolReschedule", AppointmentInfo("A3", new[1]))
    assert "Your annual checkup is now on Friday, March twentieth at 9:30 AM" in spoken(actions)
    assert call.state.phase == "anything_else"


def test_a_move_says_so_when_it_changes_the_provider() -> None:
    call = Call()
    call.verify("i need to reschedule my appointment")
    call.result("ToolListAppointments", APPOINTMENTS[:1])
    tool = last(call.say("friday morning"))
    assert isinstance(tool, ToolFindSlots) and tool.provider_id == "dr-patel"
    tool = last(call.result("ToolFindSlots", ()))  # nothing friday morning: any time
    assert isinstance(tool, ToolFindSlots) and tool.provider_id == "dr-patel"
    actions = call.result("ToolFindSlots", ())  # nothing with her soon: other providers
    assert "Dr. Priya Patel has no openings soon" in spoken(actions)
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots) and tool.provider_id == ""
    call.result("ToolFindSlots", (slot("o1", "dr-okafor", "checkup", 23, 10),))
    call.say("yes")
    actions = call.result("ToolHoldSlot", "HO")
    assert "with Dr. Priya Patel to Monday, March twenty-third at 10 AM with Dr. James Okafor" in (
        spoken(actions)
    )


def test_reschedule_with_one_appointment_and_a_time_already_given() -> None:
    call = Call()
    call.verify("can i move my appointment to thursday")
    actions = call.result("ToolListAppointments", APPOINTMENTS[:1])
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots) and tool.start_after == datetime(2026, 3, 12, tzinfo=NY)
    assert "I see your annual checkup" in spoken(actions)


def test_cancel_single_appointment_with_keypad_confirmation() -> None:
    call = Call()
    call.verify("i have to cancel my appointment")
    actions = call.result("ToolListAppointments", APPOINTMENTS[:1])
    assert spoken(actions).startswith(
        "I see your annual checkup on Tuesday, March seventeenth at 9 AM with Dr. Priya Patel. "
        "Would you like me to cancel it?"
    )
    assert call.state.phase == "confirm"
    assert call.press("1") == (ToolCancel("A1"),)
    actions = call.result("ToolCancel", APPOINTMENTS[0])
    assert "Your annual checkup on Tuesday, March seventeenth at 9 AM is cancelled" in spoken(
        actions
    )


def test_cancel_declined_and_cancel_with_several_appointments() -> None:
    call = Call()
    call.verify("cancel my appointment")
    call.result("ToolListAppointments", APPOINTMENTS)
    assert call.state.phase == "pick_appointment"
    call.say("the one on thursday")
    assert call.state.request.target["appointment_id"] == "A2"
    actions = call.say("no")
    assert "I won't cancel it" in spoken(actions) and call.state.phase == "anything_else"


def test_list_appointments_reads_them_after_verification() -> None:
    call = Call()
    call.start()
    call.say("when is my next appointment")
    assert call.state.intent == "list" and call.state.phase == "ask_name"
    call.say("jane doe")
    call.say("oh three oh three nineteen eighty")
    actions = call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))
    assert last(actions) == ToolListAppointments()
    actions = call.result("ToolListAppointments", APPOINTMENTS)
    assert spoken(actions).startswith(
        "You have 2 upcoming appointments. Your annual checkup on Tuesday, March seventeenth "
        "at 9 AM with Dr. Priya Patel. Your follow-up visit on Thursday, March nineteenth at "
        "3:30 PM with Dr. James Okafor."
    )


def test_no_appointments_offers_to_book() -> None:
    call = Call()
    call.verify("what appointments do i have")
    actions = call.result("ToolListAppointments", ())
    assert "don't see any upcoming appointments" in spoken(actions)
    assert call.state.phase == "offer_book"
    call.say("yes")
    assert call.state.intent == "book" and call.state.phase == "ask_type"
    assert call.state.intents_tried == ("list", "book")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("where do i park", "Free parking is behind the building"),
        ("do you accept blue cross insurance", "We accept most major insurance plans"),
        ("what's your address", "We're at 120 Maple Street, Springfield, suite 200."),
        ("where are you located", "We're at 120 Maple Street"),
        ("what are your hours", "Monday through Wednesday from 8 AM to 5 PM"),
        ("are you open on saturday", "Saturday from 9 AM to noon. We're closed on Sunday."),
        ("how do i get a prescription refill", "ask your pharmacy to send us a request"),
    ],
)
def test_information_questions_are_answered(question: str, expected: str) -> None:
    call = Call()
    call.start()
    actions = call.say(question)
    assert expected in spoken(actions)
    assert spoken(actions).endswith("Is there anything else I can help you with?")
    assert call.state.phase == "anything_else" and not call.state.verified_patient_id


def test_hours_say_whether_the_clinic_is_open_now() -> None:
    call = Call(now=CLOSED)
    call.start()
    assert "We're closed right now. We open again on Monday at 8 AM." in spoken(
        call.say("when are you open")
    )
    call = Call()
    call.start()
    assert "We're open right now." in spoken(call.say("what are your hours"))


def test_faq_in_the_middle_of_booking_is_answered_and_the_question_repeated() -> None:
    call = Call()
    call.verify()
    actions = call.say("is there parking")
    assert "Free parking" in spoken(actions) and "What kind of visit" in spoken(actions)
    assert call.state.phase == "ask_type" and call.state.misunderstood == 0


def test_anything_else_yes_then_new_request_without_verifying_again() -> None:
    call = Call()
    call.verify("i want to book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("first")
    call.result("ToolHoldSlot", "H1")
    call.say("yes")
    call.result("ToolBook", AppointmentInfo("A1", TUESDAY_SLOTS[0]))
    call.say("yes")
    assert call.state.phase == "intent"
    actions = call.say("i'd also like to cancel my other appointment")
    assert last(actions) == ToolListAppointments()  # verified already
    assert call.state.intents_tried == ("book", "cancel")


def test_identity_failure_three_times_hands_off() -> None:
    call = Call()
    call.start()
    call.say("i want to book an appointment")
    for attempt in range(1, 4):
        call.say("jane doe")
        call.say("march third 1980")
        actions = call.result("ToolVerifyIdentity", VerifiedIdentity(False))
        assert call.state.verify_failures == attempt
        if attempt < 3:
            assert "couldn't find a record" in spoken(actions)
            assert call.state.phase == "ask_name"
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency) == ("identity_failed", "routine")
    assert handoff.caller_name == "Jane Doe" and handoff.callback_number == "+15557654321"
    assert "Identity not verified" in handoff.summary and "Jane Doe" in handoff.summary
    assert "verification failed (3)" in handoff.summary
    assert not call.state.verified_patient_id
    ticket = HandoffTicket("H-1", "sip:records@maple-clinic.example", callback=False)
    actions = call.result("ToolCreateHandoff", ticket)
    assert actions[-2:] == (
        Transfer("sip:records@maple-clinic.example", "H-1", "identity_failed", "routine"),
        EndCall(Outcome.HANDOFF, "H-1"),
    )
    assert "Connecting you" in spoken(actions)
    assert (call.state.outcome, call.state.handoff_id) == ("handoff", "H-1")


def test_a_locked_out_verification_hands_off_at_once() -> None:
    """The scheduler refused to check (too many failures across calls): no second try."""
    call = Call()
    call.start()
    call.say("i want to book an appointment")
    call.say("jane doe")
    call.say("march third 1980")
    actions = call.result("ToolVerifyIdentity", VerifiedIdentity(False, "", locked_out=True))
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency) == ("identity_failed", "routine")
    assert "too many failed attempts" in handoff.summary
    assert not call.state.verified_patient_id


def test_wrong_birth_date_then_right_one() -> None:
    call = Call()
    call.start()
    call.say("book a checkup")
    call.say("jane doe")
    call.say("march fourth 1980")
    call.result("ToolVerifyIdentity", VerifiedIdentity(False))
    call.say("jane doe")
    actions = call.say("the third of march nineteen eighty")
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))
    call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))
    assert call.state.verified_patient_id == "P1" and call.state.phase == "ask_time"


def test_keypad_birth_date() -> None:
    call = Call()
    call.start()
    call.say("cancel my appointment")
    call.say("jane doe")
    actions = call.press("03031980#")
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))
    assert call.state.transcript[-2] == ("caller", "(pressed 03031980#)")


def test_unreadable_birth_date_is_asked_again_and_a_single_name_is_not_enough() -> None:
    call = Call()
    call.start()
    call.say("book an appointment")
    actions = call.say("jane")
    # One name word is kept, and the last name asked for (not counted as a miss).
    assert spoken(actions) == "Thank you, Jane. And your last name, please?"
    assert call.state.phase == "ask_name" and call.state.misunderstood == 0
    actions = call.say("doe")
    assert "What is your date of birth?" in spoken(actions) and call.state.caller_name == "Jane Doe"
    assert call.state.first_name == ""
    actions = call.say("a long time ago")
    assert "date of birth" in spoken(actions) and call.state.phase == "ask_dob"
    actions = call.press("13451980")  # no 13th month: the second miss in a row
    assert "still not sure" in spoken(actions) and call.state.phase == "ask_dob"
    call.say("i dunno")  # the third
    assert isinstance(last(call.steps[-1][1]), ToolCreateHandoff)


def test_emergency_mid_booking_interrupts_everything() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    actions = call.say("actually wait my husband has chest pain and cant breathe")
    assert spoken(actions).startswith(MEDICAL.first) and "988" not in spoken(actions)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency) == ("emergency", "urgent")
    assert "chest pain" in handoff.summary and "Identity verified (patient P1)" in handoff.summary
    ticket = HandoffTicket("H-2", "sip:triage-nurse@maple-clinic.example", callback=False)
    actions = call.result("ToolCreateHandoff", ticket)
    assert spoken(actions) == MEDICAL.connecting
    assert actions[-2:] == (
        Transfer("sip:triage-nurse@maple-clinic.example", "H-2", "emergency", "urgent"),
        EndCall(Outcome.HANDOFF, "H-2"),
    )


@pytest.mark.parametrize("phase_text", ["hello", "i want to book", "jane doe"])
def test_emergency_is_caught_in_identity_phases_too(phase_text: str) -> None:
    call = Call()
    call.start()
    call.say(phase_text)
    actions = call.say("i took too many pills")
    assert MEDICAL.first in spoken(actions)
    assert isinstance(last(actions), ToolCreateHandoff)


def test_negated_red_flag_is_not_an_emergency() -> None:
    call = Call()
    call.verify()
    actions = call.say("a sick visit, no chest pain just a bad cough")
    assert "911" not in spoken(actions) and "988" not in spoken(actions)
    assert call.state.request.visit_type == "sick-visit" and call.state.phase == "ask_time"


@pytest.mark.parametrize(
    ("said", "lines"),
    [
        ("i think im having a stroke my face is drooping", MEDICAL),
        ("i dont want to be here anymore", CRISIS),
    ],
)
def test_closed_clinic_emergency_gets_its_script_never_a_routine_callback(
    said: str, lines: safety.EmergencyLines
) -> None:
    call = Call(now=CLOSED)
    call.start()
    first = call.say(said)
    assert spoken(first).startswith(lines.first)
    assert "may I have your" not in spoken(first)  # never delayed by the name question
    actions = call.result("ToolCreateHandoff", HandoffTicket("H-3", "demo-callbacks", True))
    assert spoken(actions) == f"{lines.nobody} Goodbye."
    assert "call you back" not in spoken(actions) and "when we open" not in spoken(actions)
    assert actions[-1] == EndCall(Outcome.HANDOFF, "H-3")
    assert not any(isinstance(a, Transfer) for a in actions)


def test_suicidal_caller_hears_988_first_and_a_warm_transfer_never_911() -> None:
    call = Call()
    call.start()
    actions = call.say("honestly I don't feel like living anymore")
    said = spoken(actions)
    assert said.startswith(CRISIS.first) and "988" in said
    assert "911" not in said and "hang up" not in said
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency) == ("emergency", "urgent")
    assert "suicidal" in handoff.summary and "988 given" in handoff.summary
    ticket = HandoffTicket("H-9", "sip:triage-nurse@maple-clinic.example", callback=False)
    actions = call.result("ToolCreateHandoff", ticket)
    assert spoken(actions) == CRISIS.connecting and "stay on the line" in CRISIS.connecting
    assert "911" not in spoken(actions)
    assert actions[-2:] == (
        Transfer("sip:triage-nurse@maple-clinic.example", "H-9", "emergency", "urgent"),
        EndCall(Outcome.HANDOFF, "H-9"),
    )


def test_medical_emergency_never_mentions_988() -> None:
    call = Call()
    call.start()
    actions = call.say("my daughter just swallowed a bunch of my pills")
    assert spoken(actions).startswith(MEDICAL.first) and "988" not in spoken(actions)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and "overdose" in handoff.summary


def test_pills_taken_to_die_get_the_medical_script() -> None:
    # Both signs: the physical danger comes first, and only one script is spoken.
    call = Call()
    call.start()
    actions = call.say("i took all my pills because i want to die")
    assert spoken(actions).startswith(MEDICAL.first) and "988" not in spoken(actions)


def test_red_flag_at_the_readback_escalates_and_never_books() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the first one")
    call.result("ToolHoldSlot", "hold-1")
    assert call.state.phase == "confirm"
    actions = call.say("yes but before you book it I should say I can barely breathe right now")
    assert spoken(actions).startswith(MEDICAL.first)
    assert not any(isinstance(a, ToolBook) for a in actions)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.urgency == "urgent"


@pytest.mark.parametrize(
    "reply",
    [
        "yes that's fine. honestly I just want everything to stop for good",
        "sure, book it, I won't be around much longer anyway",
    ],
)
def test_passive_ideation_at_the_readback_gets_988_and_never_books(reply: str) -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    call.say("the first one")
    call.result("ToolHoldSlot", "hold-1")
    assert call.state.phase == "confirm"
    actions = call.say(reply)
    said = spoken(actions)
    assert said.startswith(CRISIS.first) and "911" not in said
    assert not any(isinstance(a, ToolBook) for a in actions)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.urgency == "urgent"


def test_no_then_a_red_flag_during_slot_choice_escalates() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    assert call.state.phase == "offer"
    actions = call.say("no I can't breathe")
    assert spoken(actions).startswith(MEDICAL.first)
    assert not any(isinstance(a, ToolHoldSlot) for a in actions)
    assert isinstance(last(actions), ToolCreateHandoff)


def test_request_for_a_person_hands_off_with_a_summary() -> None:
    call = Call()
    call.start()
    call.say("i want to book a follow up")
    call.say("jane doe")
    actions = call.say("can i just talk to a person")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency) == ("caller_request", "routine")
    for part in ("book an appointment", "Visit type: follow-up visit", "Name given: Jane Doe"):
        assert part in handoff.summary
    assert call.state.phase == "handoff"


def test_keypad_zero_hands_off_in_any_phase() -> None:
    call = Call()
    call.start()
    call.say("book")
    actions = call.press("0")
    # Pressed instead of answering the name question: the name is not asked for again.
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "caller_request"
    assert call.state.intents_tried == ("book", "human")
    assert call.state.identity_check == "incomplete"


def test_callback_when_the_clinic_is_closed() -> None:
    call = Call(now=CLOSED)
    call.start()
    actions = call.say("operator")
    assert spoken(actions).endswith(
        "So that our team can call you back, may I have your first and last name?"
    )
    actions = call.say("it's jane doe")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.caller_name == "Jane Doe"
    actions = call.result("ToolCreateHandoff", HandoffTicket("H-4", "demo-callbacks", True))
    assert "someone will call you back when we open on Monday at 8 AM" in spoken(actions)
    assert actions[-1] == EndCall(Outcome.HANDOFF, "H-4")
    assert call.state.outcome == "handoff"


def test_unclear_answers_are_rephrased_then_a_keypad_menu_then_a_handoff() -> None:
    call = Call()
    call.start()
    actions = call.say("purple monkey dishwasher")
    # First: the question in other words, with examples; no keypad menu yet.
    assert spoken(actions).startswith("Sorry, I didn't catch that. I can book, change or cancel")
    assert "for example" in spoken(actions).lower() and "press" not in spoken(actions)
    assert call.state.misunderstood == 1
    call.say("where do i park")  # understood: the count starts again
    assert call.state.misunderstood == 0 and call.state.phase == "anything_else"
    call.say("banana")
    actions = call.say("walrus")
    # Second: not "I didn't catch that" again, and a keypad menu.
    assert "didn't catch" not in spoken(actions)
    assert "press 1 for yes, 2 for no" in spoken(actions)
    assert call.state.phase == "anything_else" and call.state.misunderstood == 2
    actions = call.say("xyzzy")
    assert "having trouble understanding" in spoken(actions)
    assert call.state.phase == "handoff_name"
    actions = call.say("jane doe")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "misunderstanding"
    assert "could not understand: 'xyzzy'" in handoff.summary
    # Something was understood (the parking question): that is what the caller wanted.
    assert call.state.intents_tried == ("faq",)


@pytest.mark.parametrize(
    "question",
    [
        "what dose of ibuprofen should i give my son",
        "what do my blood test results mean",
        "i have a question about my bill",
        "is it normal to have a rash after the vaccine",
    ],
)
def test_out_of_scope_questions_hand_off(question: str) -> None:
    call = Call()
    call.start()
    actions = call.say(question)
    assert "That's a question for our staff" in spoken(actions)
    assert spoken(actions).endswith(NAME_BEFORE_TRANSFER)
    actions = call.say("maria garcia")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "out_of_scope"
    assert question in handoff.summary and "Name given: Maria Garcia" in handoff.summary
    assert call.state.intents_tried == ("out_of_scope",)


def test_faq_takes_precedence_over_out_of_scope() -> None:
    call = Call()
    call.start()
    actions = call.say("how much of my prescription should i take before the refill")
    assert "ask your pharmacy" in spoken(actions)
    assert not any(isinstance(a, ToolCreateHandoff) for a in actions)


def test_hangup_mid_flow_is_abandoned() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    actions = call.send(CallerHungUp("caller"))
    assert actions == (EndCall(Outcome.ABANDONED),)
    assert (call.state.outcome, call.state.phase) == ("abandoned", "ended")
    assert call.state.pending is None
    assert call.result("ToolFindSlots", TUESDAY_SLOTS) == ()


def test_tool_unavailable_is_retried_once_then_handed_off() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    search = last(call.steps[-1][1])
    actions = call.result("ToolFindSlots", error="UNAVAILABLE")
    assert "try again" in spoken(actions) and last(actions) == search
    actions = call.result("ToolFindSlots", error="DEADLINE_EXCEEDED")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency) == ("system_error", "soon")
    assert "ToolFindSlots failed: DEADLINE_EXCEEDED" in handoff.summary
    actions = call.result("ToolCreateHandoff", error="UNAVAILABLE")
    text = spoken(actions)
    assert "couldn't reach our team" in text and "555-010-0100" in text
    assert "Monday through Wednesday" in text
    assert actions[-1] == EndCall(Outcome.HANDOFF)
    assert call.state.outcome == "handoff"


def test_verification_retry_succeeds_after_one_unavailable() -> None:
    call = Call()
    call.start()
    call.say("book a checkup")
    call.say("jane doe")
    tool = last(call.say("march 3 1980"))
    assert last(call.result("ToolVerifyIdentity", error="UNAVAILABLE")) == tool
    call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))
    assert call.state.verified_patient_id == "P1"


def test_other_tool_errors_hand_off_at_once() -> None:
    call = Call()
    call.verify("cancel my appointment")
    actions = call.result("ToolListAppointments", error="PERMISSION_DENIED")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "system_error"


def test_emergency_handoff_failure_repeats_the_safety_message() -> None:
    call = Call()
    call.start()
    call.say("she is unconscious")
    actions = call.result("ToolCreateHandoff", error="UNAVAILABLE")
    assert spoken(actions) == f"{MEDICAL.nobody} Goodbye."
    assert "call us back" not in spoken(actions)
    assert actions[-1] == EndCall(Outcome.HANDOFF)


def test_stale_and_mismatched_tool_results_never_verify() -> None:
    call = Call()
    call.start()
    assert call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1")) == ()
    assert not call.state.verified_patient_id
    call.say("book a checkup")
    call.say("jane doe")
    call.say("march 3 1980")
    actions = call.result("ToolVerifyIdentity", ("not", "an", "identity"))
    assert not call.state.verified_patient_id
    assert isinstance(last(actions), ToolCreateHandoff)


def test_switching_request_and_never_mind() -> None:
    call = Call()
    call.verify("book a checkup")
    actions = call.say("actually never mind")
    assert "No problem" in spoken(actions) and call.state.phase == "anything_else"
    assert call.state.request.visit_type == ""
    call.say("yes")
    call.say("i want to book a sick visit")
    actions = call.say("sorry i meant i want to cancel my appointment")
    assert last(actions) == ToolListAppointments() and call.state.intent == "cancel"


def test_goodbye_mid_flow_ends_the_call_contained() -> None:
    call = Call()
    call.verify("book a checkup")
    actions = call.say("ok bye")
    assert actions[-1] == EndCall(Outcome.CONTAINED)


def test_transcript_is_bounded() -> None:
    call = Call()
    call.start()
    for _ in range(15):
        call.say("where do i park")
    assert len(call.state.transcript) == TRANSCRIPT_LIMIT
    assert call.state.transcript[-1][0] == "assistant"
    assert call.state.transcript[-2] == ("caller", "where do i park")


def _to_offer(call: Call) -> None:
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS)


def _to_confirm(call: Call) -> None:
    _to_offer(call)
    call.say("the first one")
    call.result("ToolHoldSlot", "H1")


def _to_pick_appointment(call: Call) -> None:
    call.verify("cancel my appointment")
    call.result("ToolListAppointments", APPOINTMENTS)


def _to_offer_book(call: Call) -> None:
    call.verify("cancel my appointment")
    call.result("ToolListAppointments", ())


@pytest.mark.parametrize(
    ("setup", "phase", "prompt"),
    [
        (_to_offer, "offer", "Which one works for you?"),
        (_to_confirm, "confirm", "I have you down for an annual checkup on Tuesday"),
        (_to_confirm, "confirm", "I won't make any change without a clear yes"),
        (_to_pick_appointment, "pick_appointment", "Which one would you like to cancel?"),
        (_to_offer_book, "offer_book", "Please say yes or no."),
    ],
)
def test_misunderstanding_repeats_the_phase_question(setup, phase: str, prompt: str) -> None:  # type: ignore[no-untyped-def]
    call = Call()
    setup(call)
    actions = call.say("purple monkey dishwasher")
    opening = "I haven't booked anything yet." if phase == "confirm" else "Sorry, I didn't catch"
    assert spoken(actions).startswith(opening)
    assert prompt in spoken(actions) and call.state.phase == phase
    assert not any(isinstance(a, ToolBook | ToolCancel) for a in actions)


@pytest.mark.parametrize(
    "reply",
    [
        "I guess",
        "sure, that sounds... actually is that with a man or a woman doctor?",
        "yes as long as I can bring my son",
        "yeah probably",
        "okay unless it costs extra",
        "yes? is that the one near the pharmacy",
        "umm I think so yes",
        "yes no",
    ],
)
def test_a_hedged_conditional_or_questioning_yes_commits_nothing(reply: str) -> None:
    call = Call()
    _to_confirm(call)
    actions = call.say(reply)
    assert not any(isinstance(a, ToolBook) for a in actions)
    assert call.state.phase == "confirm"
    assert "I haven't booked anything yet" in spoken(actions)
    assert "I have you down for an annual checkup on Tuesday" in spoken(actions)
    actions = call.say("yes please book it")
    assert isinstance(last(actions), ToolBook)


@pytest.mark.parametrize(
    "reply",
    [
        "let me check with my husband first",
        "can I call you back to confirm?",
        "I'll think about it",
    ],
)
def test_a_wish_to_wait_at_the_read_back_books_nothing_and_moves_on(reply: str) -> None:
    call = Call()
    _to_confirm(call)
    actions = call.say(reply)
    assert not any(isinstance(a, ToolBook) for a in actions)
    assert "I haven't booked anything" in spoken(actions)
    assert call.state.phase == "anything_else"


def test_three_unsure_answers_at_the_read_back_reach_a_person_without_booking() -> None:
    call = Call()
    _to_confirm(call)
    call.say("maybe")
    actions = call.say("I suppose")
    assert "press 1 for yes" in spoken(actions)
    actions = call.say("hmm")
    assert not any(isinstance(a, ToolBook) for a in call.steps[-1][1])
    assert call.state.phase in ("handoff_name", "handoff")


def test_the_keypad_menu_answers_the_question_it_offers() -> None:
    call = Call()
    call.start()
    call.say("purple monkey dishwasher")
    actions = call.say("banana telephone")
    assert "press 2 for change an appointment" in spoken(actions)
    call.press("1")  # book
    assert call.state.intent == "book" and call.state.phase == "ask_name"
    call.say("jane doe")
    call.say("march third nineteen eighty")
    call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))
    assert call.state.phase == "ask_type"
    call.press("4")  # the fourth appointment type of the demo clinic
    assert call.state.request.visit_type == "vaccination" and call.state.phase == "ask_time"
    actions = call.press("1")  # the first available time
    assert isinstance(last(actions), ToolFindSlots) and last(actions).start_before is None  # type: ignore[union-attr]
    call.result("ToolFindSlots", TUESDAY_SLOTS)
    actions = call.press("9")  # other times
    assert call.state.phase == "ask_time"


def test_pick_appointment_none_and_offer_book_no_return_to_anything_else() -> None:
    call = Call()
    _to_pick_appointment(call)
    call.say("neither of them")
    assert call.state.phase == "anything_else"
    call = Call()
    _to_offer_book(call)
    call.say("no")
    assert call.state.phase == "anything_else"


def test_provider_only_answer_then_time_and_any_provider_resets_it() -> None:
    call = Call()
    call.verify("book a checkup")
    actions = call.say("with doctor okafor")
    assert spoken(actions).startswith("Got it.") and call.state.phase == "ask_time"
    assert call.state.request.provider == "dr-okafor"
    tool = last(call.say("any doctor is fine, friday"))
    assert isinstance(tool, ToolFindSlots) and tool.provider_id == ""


def test_offer_handoff_declined_or_new_time() -> None:
    call = Call()
    call.verify("book a checkup")
    call.say("as soon as possible")
    call.result("ToolFindSlots", ())
    assert call.state.phase == "offer_handoff"  # nothing to widen: straight to the offer
    tool = last(call.say("what about next week"))
    assert isinstance(tool, ToolFindSlots) and tool.start_after == datetime(2026, 3, 16, tzinfo=NY)
    call.result("ToolFindSlots", ())
    call.result("ToolFindSlots", ())
    call.say("no thanks")
    assert call.state.phase in ("anything_else", "ended")


def test_handoff_at_confirmation_summarises_the_chosen_slot() -> None:
    call = Call()
    _to_confirm(call)
    handoff = last(call.say("let me talk to the receptionist"))
    assert isinstance(handoff, ToolCreateHandoff)
    assert "Slot chosen: Tuesday, March seventeenth at 2:30 PM with Dr. Priya Patel" in (
        handoff.summary
    )
    assert "Preferred time: book a checkup next tuesday" in handoff.summary


def test_reschedule_handoff_summary_names_the_appointment() -> None:
    call = Call()
    call.verify("reschedule please")
    call.result("ToolListAppointments", APPOINTMENTS[:1])
    handoff = last(call.say("operator"))
    assert isinstance(handoff, ToolCreateHandoff)
    assert "Appointment concerned: your annual checkup on Tuesday" in handoff.summary


def test_caller_speaking_before_the_greeting_is_still_understood() -> None:
    call = Call()
    actions = call.say("what are your hours")
    assert "Monday through Wednesday" in spoken(actions)


def test_repeat_request_repeats_the_question_without_counting_a_miss() -> None:
    call = Call()
    _to_offer(call)
    offer = spoken(call.steps[-1][1])
    for _ in range(3):
        actions = call.say("sorry can you repeat that")
        assert spoken(actions) == offer
    assert call.state.phase == "offer" and call.state.misunderstood == 0


# --- bugs found by the end-to-end scenarios ---------------------------------------------------


@pytest.mark.parametrize(
    "said",
    ["Where can I park when I come in?", "where do i park if i come in tomorrow"],
)
def test_faq_question_mentioning_coming_in_is_answered_not_booked(said: str) -> None:
    # "come in" is a booking phrase, but here it is only context for a parking question.
    call = Call()
    call.start()
    text = spoken(call.say(said))
    assert text.startswith("Free parking is behind the building")
    assert "verify your identity" not in text
    assert call.state.phase == "anything_else" and call.state.intent == ""
    assert call.state.intents_tried == ("faq",)


def test_faq_question_and_a_separate_booking_request_do_both() -> None:
    call = Call()
    call.start()
    text = spoken(call.say("Where can I park? I'd also like to come in next week"))
    assert text.startswith("Free parking is behind the building")
    assert "verify your identity" in text and call.state.intent == "book"


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("Hi, I'd like to get a flu shot", "vaccination"),
        ("I need a follow up visit", "follow-up"),
        ("I'm not feeling well and need a sick visit as soon as possible", "sick-visit"),
    ],
)
def test_naming_a_visit_type_is_a_booking_request(said: str, kind: str) -> None:
    call = Call()
    call.start()
    text = spoken(call.say(said))
    assert "verify your identity" in text
    assert call.state.intent == "book" and call.state.request.visit_type == kind


def test_faq_question_naming_a_visit_type_is_not_a_booking_request() -> None:
    call = Call()
    call.start()
    text = spoken(call.say("does insurance cover a flu shot?"))
    assert text.startswith("We accept most major insurance plans")
    assert call.state.intent == "" and "verify your identity" not in text


def test_plural_do_i_have_any_appointments_lists_them() -> None:
    call = Call()
    call.verify("do I have any appointments coming up?")
    assert call.state.intent == "list"
    assert isinstance(last(call.steps[-1][1]), ToolListAppointments)


def test_repeat_request_during_identity_repeats_without_a_miss() -> None:
    call = Call()
    call.start()
    call.say("i'd like to make an appointment")
    for said in ("sorry can you repeat that", "what did you say", "pardon"):
        text = spoken(call.say(said))
        assert text == "Can I have your first and last name, please?"
        assert call.state.phase == "ask_name" and call.state.misunderstood == 0
    call.say("jane doe")
    assert spoken(call.say("could you say that again")).startswith("What is your date of birth?")
    assert call.state.phase == "ask_dob"


def test_name_and_dob_in_one_answer_with_born_and_a_hyphenated_name() -> None:
    call = Call()
    call.start()
    call.say("do i have any appointments")
    tool = last(call.say("This is Mary-Ann Thompson, born October tenth nineteen ninety"))
    assert isinstance(tool, ToolVerifyIdentity)
    assert tool.full_name == "Mary-Ann Thompson" and tool.date_of_birth == date(1990, 10, 10)
    actions = call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P12"))
    assert "Thanks, Mary-Ann. I found your record." in spoken(actions)


def test_or_anything_in_a_request_is_not_a_time_preference() -> None:
    # "no chest pain or anything" is filler: the caller is still asked when they would like to come.
    call = Call()
    call.verify("I need to see the doctor, no chest pain or anything, just a bad cough")
    assert call.state.request.visit_type == "sick-visit" and call.state.request.when is None
    assert call.state.phase == "ask_time"


def test_first_name_then_last_name_with_date_of_birth_verifies() -> None:
    call = Call()
    call.start()
    call.say("when is my next appointment")
    assert spoken(call.say("it's Mary-Ann")) == "Thank you, Mary-Ann. And your last name, please?"
    assert spoken(call.say("can you repeat that")) == "And your last name, please?"
    tool = last(call.say("Thompson, born october tenth 1990"))
    assert isinstance(tool, ToolVerifyIdentity)
    assert tool.full_name == "Mary-Ann Thompson" and tool.date_of_birth == date(1990, 10, 10)


def test_a_lone_word_that_is_not_a_name_is_still_a_miss() -> None:
    call = Call()
    call.start()
    call.say("book an appointment")
    actions = call.say("okay")
    assert "Sorry, I didn't catch that" in spoken(actions)
    assert call.state.first_name == "" and call.state.misunderstood == 1


def test_hours_question_while_asked_for_a_time_is_answered_not_searched() -> None:
    call = Call()
    call.verify("i want to book a sick visit")
    assert call.state.phase == "ask_time"
    actions = call.say("wait, how late are you open on thursdays?")
    text = spoken(actions)
    assert "Thursday from 8 AM to 7 PM" in text
    assert text.endswith("You can also ask for a particular provider.")
    assert not any(isinstance(a, ToolFindSlots) for a in actions)
    assert call.state.phase == "ask_time" and call.state.request.when is None
    # A day and time with "open" in it is still a slot request.
    assert isinstance(last(call.say("do you have anything open next tuesday?")), ToolFindSlots)


def test_faq_question_during_the_offer_keeps_the_offer() -> None:
    call = Call()
    _to_offer(call)
    offer = spoken(call.steps[-1][1])
    actions = call.say("where do I park on tuesday?")
    assert (
        spoken(actions)
        == f"Free parking is behind the building; the entrance is on Oak Lane. {offer}"
    )
    assert call.state.phase == "offer"


def test_picking_an_option_that_was_not_offered_repeats_the_offer() -> None:
    # Two times offered, "the third one" asked for: not a search for the 3rd of the month.
    call = Call()
    call.verify("book a checkup next tuesday")
    call.result("ToolFindSlots", TUESDAY_SLOTS[:2])
    offer = spoken(call.steps[-1][1])
    actions = call.say("the third one")
    assert spoken(actions) == f"Sorry, I only have 2 times. {offer}"
    assert not any(isinstance(a, ToolFindSlots) for a in actions)
    assert call.state.phase == "offer" and call.state.misunderstood == 0
    hold = last(call.say("the second one"))
    assert isinstance(hold, ToolHoldSlot) and hold.slot_id == "s2"


def test_another_part_of_day_at_the_read_back_keeps_the_day() -> None:
    # Offered Tuesday afternoon; "can we do the morning instead" means Tuesday morning.
    call = Call()
    _to_confirm(call)
    search = last(call.say("no, can we do the morning instead"))
    assert isinstance(search, ToolFindSlots) and search.part_of_day == "morning"
    assert search.start_after == datetime(2026, 3, 17, tzinfo=NY)
    assert search.start_before == datetime(2026, 3, 18, tzinfo=NY)


def test_part_of_day_with_a_new_day_replaces_the_day() -> None:
    call = Call()
    _to_confirm(call)
    search = last(call.say("no, thursday morning instead"))
    assert isinstance(search, ToolFindSlots) and search.part_of_day == "morning"
    assert search.start_after == datetime(2026, 3, 12, tzinfo=NY)


# --- handoff packets: the name asked once, what the caller wanted, where identity stands ----


def _asked_name(text: str, now: datetime = NOW) -> Call:
    call = Call(now=now)
    call.start()
    actions = call.say(text)
    assert not any(isinstance(a, ToolCreateHandoff) for a in actions)
    assert call.state.phase == "handoff_name"
    return call


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ("jane doe", "Jane Doe"),
        ("sure, it's Mary-Ann O'Brien", "Mary-Ann O'Brien"),
        ("my name is john smith thanks", "John Smith"),
        ("it's maria", "Maria"),  # one name word is still a name
    ],
)
def test_name_is_asked_before_a_request_for_a_person(answer: str, name: str) -> None:
    call = _asked_name("can i talk to a real person please")
    assert spoken(call.steps[-1][1]) == (
        "Of course. I'll connect you with someone from our team. " + NAME_BEFORE_TRANSFER
    )
    actions = call.say(answer)
    assert spoken(actions) == f"Thank you, {name.split()[0]}."
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency, handoff.caller_name) == (
        "caller_request",
        "routine",
        name,
    )
    assert f"Name given: {name}." in handoff.summary and "Requests this call: human" in (
        handoff.summary
    )
    assert call.state.intents_tried == ("human",)
    assert call.state.identity_check == "not_attempted"
    ticket = HandoffTicket("H-9", "sip:front-desk@maple-clinic.example", callback=False)
    actions = call.result("ToolCreateHandoff", ticket)
    assert actions[-1] == EndCall(Outcome.HANDOFF, "H-9")


@pytest.mark.parametrize(
    "answer",
    ["i'd rather not say", "just put me through", "no", "why do you need that", "what?"],
)
def test_a_declined_name_hands_off_without_one_and_never_asks_again(answer: str) -> None:
    call = _asked_name("i have a question about my bill")
    actions = call.say(answer)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "out_of_scope"
    assert handoff.caller_name == ""
    assert "may I have your" not in spoken(actions)
    assert "no name given when asked before the handoff" in handoff.summary


def test_a_repeat_request_repeats_the_name_question_once() -> None:
    call = _asked_name("operator")
    actions = call.say("sorry can you repeat that")
    assert spoken(actions) == NAME_BEFORE_TRANSFER and call.state.phase == "handoff_name"
    actions = call.say("say that again")
    assert isinstance(last(actions), ToolCreateHandoff)


@pytest.mark.parametrize("keys", ["0", "1", "#"])
def test_a_key_pressed_at_the_name_question_connects_without_a_name(keys: str) -> None:
    call = _asked_name("what dose of ibuprofen should i take")
    actions = call.press(keys)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert handoff.reason == "out_of_scope" and handoff.caller_name == ""


def test_an_emergency_at_the_name_question_goes_straight_to_staff() -> None:
    call = _asked_name("operator")
    actions = call.say("wait my wife just collapsed")
    assert spoken(actions).startswith(MEDICAL.first)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff)
    assert (handoff.reason, handoff.urgency) == ("emergency", "urgent")
    assert call.state.intents_tried == ("human", "emergency")


def test_emergencies_never_wait_for_a_name() -> None:
    call = Call()
    call.start()
    actions = call.say("i keep thinking i want to end my life")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "emergency"
    assert "may I have your" not in spoken(actions)
    assert call.state.intents_tried == ("emergency",)
    assert call.state.identity_check == "not_attempted"


def test_the_name_is_asked_when_closed_with_the_callback_wording() -> None:
    call = _asked_name("can i speak to someone", now=CLOSED)
    assert spoken(call.steps[-1][1]).endswith(NAME_BEFORE_CALLBACK)
    actions = call.say("jane doe")
    assert isinstance(last(actions), ToolCreateHandoff)


def test_a_known_name_is_not_asked_again() -> None:
    call = Call()
    call.start()
    call.say("i want to book a follow up")
    call.say("jane doe")  # now asked for the date of birth
    actions = call.say("can i just talk to a person")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.caller_name == "Jane Doe"
    assert call.state.identity_check == "incomplete"


def test_a_first_name_alone_is_passed_on() -> None:
    call = Call()
    call.start()
    call.say("i want to book a follow up")
    call.say("jane")  # "And your last name, please?"
    actions = call.say("operator")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.caller_name == "Jane"


def test_misunderstanding_with_nothing_understood_records_unclear() -> None:
    call = Call()
    call.start()
    call.say("purple monkey dishwasher")
    call.say("banana telephone")
    call.say("walrus")
    actions = call.say("no")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.reason == "misunderstanding"
    assert call.state.intents_tried == ("unclear",)


def test_a_stale_tool_answer_at_the_name_question_changes_nothing() -> None:
    call = _asked_name("operator")
    assert call.result("ToolFindSlots", TUESDAY_SLOTS) == ()
    assert call.state.phase == "handoff_name"
    assert isinstance(last(call.say("jane doe")), ToolCreateHandoff)


def test_a_verified_caller_is_handed_off_at_once() -> None:
    call = Call()
    call.verify("book a checkup next tuesday")
    actions = call.say("operator")
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.caller_name == "Jane Doe"
    assert call.state.identity_check == "verified"
    assert call.state.intents_tried == ("book", "human")


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(1, "incomplete"), (3, "failed")],
)
def test_identity_check_after_failed_verifications(failures: int, expected: str) -> None:
    call = Call()
    call.start()
    call.say("cancel my appointment")
    for _ in range(failures):
        call.say("jane doe")
        call.say("march third 1980")
        actions = call.result("ToolVerifyIdentity", VerifiedIdentity(False))
    if failures < 3:
        actions = call.say("operator")
    assert isinstance(last(actions), ToolCreateHandoff)
    assert call.state.identity_check == expected


@pytest.mark.parametrize(
    ("said", "name"),
    [
        (
            "my name is James Smith, born july fourteenth 1975, I need to speak to someone",
            "James Smith",
        ),
        ("hi this is maria lopez calling, can i talk to someone", "Maria Lopez"),
        ("my name's jane doe and i want to speak to a human", "Jane Doe"),
    ],
)
def test_a_volunteered_name_is_not_asked_for_again(said: str, name: str) -> None:
    call = Call()
    call.start()
    actions = call.say(said)
    assert "may I have your" not in spoken(actions)
    handoff = last(actions)
    assert isinstance(handoff, ToolCreateHandoff) and handoff.caller_name == name


@pytest.mark.parametrize(
    "said",
    [
        "this is really urgent, can i talk to someone",
        "my name is not important, transfer me to a human",
    ],
)
def test_only_an_explicit_introduction_counts_as_a_name(said: str) -> None:
    call = Call()
    call.start()
    actions = call.say(said)
    assert spoken(actions).endswith(NAME_BEFORE_TRANSFER) and call.state.caller_name == ""


def test_a_volunteered_name_is_not_asked_again_but_still_verified() -> None:
    call = Call()
    call.start()
    actions = call.say("hi this is jane doe calling, i'd like to book a checkup")
    assert "first and last name" not in spoken(actions)
    assert "Thank you, Jane. What is your date of birth?" in spoken(actions)
    assert call.state.phase == "ask_dob" and call.state.request.visit_type == "checkup"
    actions = call.say("march third 1980")
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))


def test_name_and_birth_date_in_the_opening_are_verified_at_once_and_not_taken_as_the_day() -> None:
    call = Call()
    call.start()
    actions = call.say(
        "Good morning, this is Jane Doe, date of birth March 3rd 1980, I'd like to book a checkup"
    )
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))
    assert "first and last name" not in spoken(actions)
    # Neither "good morning" nor the birth date is a wanted time.
    assert call.state.request.when is None and call.state.request.visit_type == "checkup"
    actions = call.result("ToolVerifyIdentity", VerifiedIdentity(True, "P1"))
    assert call.state.phase == "ask_time" and "What day and time" in spoken(actions)


def test_a_wrong_volunteered_birth_date_is_asked_for_again() -> None:
    call = Call()
    call.start()
    call.say("jane doe born 3/3/1980 i need to cancel my appointment")
    assert call.state.phase == "verifying" and call.state.intent == "cancel"
    call.result("ToolVerifyIdentity", VerifiedIdentity(False))
    assert call.state.phase == "ask_name" and call.state.volunteered.date_of_birth == ""
    call.say("jane doe")
    assert call.state.phase == "ask_dob"


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("it's for my knee, it hurts when I walk", "sick-visit"),
        ("my daughter needs her shots", "vaccination"),
        ("I just need my stitches taken out", "follow-up"),
        ("she needs a sports physical for school", "checkup"),
        ("I've had a rash on my arm for a week", "sick-visit"),
    ],
)
def test_a_reason_for_the_visit_answers_the_visit_type_question(said: str, kind: str) -> None:
    call = Call()
    call.verify("i need an appointment")
    assert call.state.phase == "ask_type"
    call.say(said)
    assert call.state.request.visit_type == kind and call.state.phase == "ask_time"


def test_a_reason_alone_is_a_request_for_a_visit() -> None:
    call = Call()
    call.start()
    call.say("hi um my back has been killing me since saturday")
    assert call.state.intent == "book" and call.state.request.visit_type == "sick-visit"


def test_a_closing_answer_to_anything_else_ends_the_call() -> None:
    for said in ("That will be all, thank you.", "is all, thanks", "thanks by"):
        call = Call()
        call.start()
        call.say("what are your hours")
        actions = call.say(said)
        assert isinstance(last(actions), EndCall) and call.state.outcome == "contained"


def test_a_birth_date_given_before_the_name_is_kept() -> None:
    call = Call()
    call.start()
    call.say("i need to book an appointment")
    actions = call.say("March third nineteen eighty")
    assert "first and last name" in spoken(actions) and call.state.misunderstood == 0
    actions = call.say("Jane Doe")
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))


def test_a_corrected_birth_date_is_read_after_the_correction() -> None:
    call = Call()
    call.start()
    call.say("i need to book an appointment")
    call.say("Jane Doe")
    actions = call.say("March fourth, sorry, March third nineteen eighty")
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))


def test_after_a_failed_check_a_new_birth_date_is_checked_with_the_same_name() -> None:
    call = Call()
    call.start()
    call.say("i need to book an appointment")
    call.say("Jane Doe")
    call.say("March fourth nineteen eighty")
    call.result("ToolVerifyIdentity", VerifiedIdentity(False))
    actions = call.say("March third nineteen eighty, I said the wrong day")
    assert last(actions) == ToolVerifyIdentity("Jane Doe", date(1980, 3, 3))


def test_a_name_in_running_speech_is_kept_and_not_asked_for_again() -> None:
    call = Call()
    call.start()
    actions = call.say("hi this is Jane Doe I wanted to cancel my appointment")
    assert call.state.caller_name == "Jane Doe" and call.state.phase == "ask_dob"
    assert "first and last name" not in spoken(actions)


def test_a_providers_name_is_not_taken_for_the_callers() -> None:
    call = Call()
    call.start()
    call.say("I'd like a checkup with Dr. Priya Patel")
    assert call.state.caller_name == "" and call.state.phase == "ask_name"


@pytest.mark.parametrize("reply", ["Yes, please change it.", "yes move it to friday"])
def test_a_yes_to_another_change_than_the_one_read_back_is_not_consent(reply: str) -> None:
    call = Call()
    call.verify("i have to cancel my appointment")
    call.result("ToolListAppointments", APPOINTMENTS[:1])
    actions = call.say(reply)
    assert not any(isinstance(a, ToolCancel) for a in actions)


def test_a_day_named_at_a_cancel_read_back_moves_the_appointment_instead() -> None:
    call = Call()
    call.verify("i have to cancel my appointment")
    call.result("ToolListAppointments", APPOINTMENTS[:1])
    actions = call.say("next week wednesday in the afternoon")
    tool = last(actions)
    assert isinstance(tool, ToolFindSlots) and not any(isinstance(a, ToolCancel) for a in actions)
    assert call.state.intent == "reschedule" and tool.provider_id == "dr-patel"
    assert tool.part_of_day == "afternoon" and "won't cancel" in spoken(actions)


def test_a_question_at_the_read_back_is_neither_yes_nor_no() -> None:
    call = Call()
    _to_confirm(call)
    actions = call.say("wait, how long does it take?")
    assert call.state.phase == "confirm" and "I haven't booked anything yet" in spoken(actions)
    assert isinstance(last(call.say("okay, yes, book it")), ToolBook)


def test_a_symptom_word_said_in_passing_does_not_change_the_visit_type() -> None:
    call = Call()
    call.verify("I'd like a flu jab for my mother")
    assert call.state.request.visit_type == "vaccination"
    call.say("next tuesday morning, I'll be driving her")
    assert call.state.request.visit_type == "vaccination"
