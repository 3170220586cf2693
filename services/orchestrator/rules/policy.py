"""The rules dialogue policy: a slot-filling state machine with rule-based understanding.

``RulesPolicy().step(state, event, context)`` is pure and deterministic: time comes from
``context.now``, the clinic from ``context.clinic``; everything it remembers is in the returned
``DialogueState`` (``orchestrator.dialogue``: typed, JSON round trip), so any replica can serve
the next event. It completes the common calls on its own: greeting, identity verification (name,
date of birth, ``ToolVerifyIdentity``; three failures hand off), booking (type, provider, time ->
``ToolFindSlots`` -> offer -> ``ToolHoldSlot`` -> read-back -> ``ToolBook``), rescheduling,
cancelling, listing appointments, hours / address / FAQ answers, and handoffs to staff.

Guardrails run first on every caller utterance, in every phase (``orchestrator.safety``):
emergency signs, requests for a person (or keypad 0), out-of-scope questions. An emergency
gets one script, by kind (``safety.Script``): suicidal or self-harm -> 988 first and a warm
transfer; medical -> 911 and an urgent handoff; never a routine callback, even when the
clinic is closed. An unclear answer
gets the question rephrased with examples, a second one a keypad menu (``rules.ladder``), a
third in a row hands off; so do three failed verifications or a tool failing twice.
No appointment tool (list/book/cancel/reschedule) is asked for before the caller is verified.

Handoffs carry what an agent needs without asking again (``handoff.packet``):

* a non-urgent handoff of a caller whose name is unknown (and who was not just asked for it, to
  verify) first asks, once, "Before I connect you, may I have your first and last name?" (or,
  when the clinic is closed and the call becomes a callback, "So that our team can call you
  back, ..."), then hands off with whatever was said: a name when one can be read
  (``identity.given_name``), none when the caller declines or garbles. Emergencies are never
  delayed by it. A name the caller volunteered ("my name is ...", "this is ... calling") is not
  asked for again;
* the handoff reason is recorded in ``intents_tried`` as what the caller wanted ("human",
  "emergency", "out_of_scope"); a misunderstanding with nothing else understood records
  "unclear";
* ``state.identity_check`` (sent as a packet slot) says where verification stands:
  "verified", "failed" (three failures), "incomplete" (asked for but not finished) or
  "not_attempted" (nothing the caller asked for needed it).

The phases are ``dialogue.Phase``; every phase change is checked against
``dialogue.TRANSITIONS`` (``rules.turn``). Beside this module: ``turn`` (the step's working
copy), ``volunteered`` / ``names`` / ``reasons`` / ``requests`` (reading what the caller says
for the dialogue, over ``orchestrator.understanding``), ``consent`` (the read-back), ``ladder``
(unclear answers), ``summary`` (the handoff's words), ``serial`` (JSON forms).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

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
    Event,
    HandoffPlan,
    HandoffTicket,
    Outcome,
    PendingTool,
    Phase,
    Request,
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
    Volunteered,
    check_event,
)
from orchestrator.rules import ladder
from orchestrator.rules.consent import read_consent
from orchestrator.rules.names import after_repair, name_in, strip_lead_ins
from orchestrator.rules.reasons import visit_type_for
from orchestrator.rules.requests import (
    BYE,
    REFERS_BACK,
    closes,
    rejects,
    request_intent,
    without_words,
)
from orchestrator.rules.serial import appointment_data, slot_data, tool_from_data
from orchestrator.rules.summary import identity_check, provider_name, summary
from orchestrator.rules.turn import Turn
from orchestrator.rules.volunteered import read_volunteered
from orchestrator.understanding import catalog, speech
from orchestrator.understanding.choices import Choice, named_position, pick
from orchestrator.understanding.dates import TimePreference, parse_preference, part_of_day_only
from orchestrator.understanding.identity import (
    given_name,
    name_before_date,
    parse_dob,
    parse_name,
    partial_name,
)
from orchestrator.understanding.intents import (
    APPOINTMENT_INTENTS,
    asks_about_hours,
    classify_intent,
    detect_intent,
    is_goodbye,
    is_question,
    is_repeat_request,
    is_stop,
)
from orchestrator.understanding.yes_no import classify, classify_digits
from servicekit.flags import WRITES_PAUSED

MAX_VERIFY_FAILURES = 3
# Unclear answers in a row before a handoff: a rephrased question, then a keypad menu, then staff.
MAX_MISUNDERSTANDINGS = 3
OFFER_COUNT = 3
RETRYABLE = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED"})
SLOT_TAKEN = "FAILED_PRECONDITION"

IDENTITY_PHASES = frozenset({Phase.ASK_NAME, Phase.ASK_DOB})
YES_NO_PHASES = frozenset(
    {Phase.CONFIRM, Phase.ANYTHING_ELSE, Phase.OFFER_BOOK, Phase.OFFER_HANDOFF}
)
# Phases where the caller says what they want (a request for a person is one of those answers).
TALK_PHASES = frozenset({Phase.INTENT, Phase.ANYTHING_ELSE})
# Phases whose answers may name days and times: a question about the hours is not one of them.
DETAIL_PHASES = frozenset(
    {Phase.ASK_TYPE, Phase.ASK_TIME, Phase.OFFER, Phase.CONFIRM, Phase.OFFER_HANDOFF}
)
APPOINTMENT_TOOLS = (ToolBook, ToolCancel, ToolReschedule, ToolListAppointments)
HANDOFF_LINES = {
    "caller_request": "Of course. I'll connect you with someone from our team.",
    "misunderstanding": (
        "I'm sorry, I'm having trouble understanding. Let me get someone from our team to help."
    ),
    "out_of_scope": "That's a question for our staff. Let me get someone from our team to help.",
    "identity_failed": (
        "I'm sorry, I wasn't able to verify your identity. "
        "Let me get someone from our team to help."
    ),
    "system_error": (
        "I'm sorry, our scheduling system isn't responding. "
        "Let me get someone from our team to help."
    ),
}
PRESS_YES_NO = "You can say yes or no, or press 1 for yes and 2 for no."
# What the caller wanted, for handoffs the caller asked for (or needed) rather than ones the
# assistant decided on; recorded in intents_tried.
HANDOFF_INTENTS = {
    "caller_request": "human",
    "emergency": "emergency",
    "out_of_scope": "out_of_scope",
}
NAME_BEFORE_TRANSFER = "Before I connect you, may I have your first and last name?"
NAME_BEFORE_CALLBACK = "So that our team can call you back, may I have your first and last name?"

# --- one step's working copy ----------------------------------------------------------------


class RulesPolicy:
    """The rule-based dialogue policy (see the module docstring)."""

    name = "rules"

    def step(self, state: DialogueState, event: Event, context: Context) -> Step:
        if state.outcome:  # the call is over: nothing more to say or do
            return Step(state, ())
        check_event(state.phase, event)
        turn = Turn(state, context)
        if isinstance(event, CallStarted):
            self._greet(turn)
        elif isinstance(event, CallerSaid):
            turn.transcript.append(("caller", event.text))
            self._heard(turn, event.text, typed=False)
        elif isinstance(event, CallerPressed):
            turn.transcript.append(("caller", f"(pressed {event.digits})"))
            self._pressed(turn, event.digits)
        elif isinstance(event, CallerInterrupted):
            self._interrupted(turn, event.heard_text)
        elif isinstance(event, CallerHungUp):
            turn.end(Outcome.ABANDONED)
        elif isinstance(event, ToolResult):
            self._tool_result(turn, event)
        return turn.finish()

    # --- events ---------------------------------------------------------------------------

    def _greet(self, turn: Turn) -> None:
        turn.say(
            f"Thanks for calling {turn.clinic.name}. This is the automated assistant.",
            "How can I help you today? You can ask for a person at any time.",
        )
        turn.phase = Phase.INTENT

    def _interrupted(self, turn: Turn, heard: str) -> None:
        # What the caller did not hear was never said: drop this reply's lines, keep the heard part.
        while turn.transcript and turn.transcript[-1][0] == "assistant":
            turn.transcript.pop()
        if heard.strip():
            turn.transcript.append(("assistant", heard.strip()))
        if turn.phase == Phase.CONFIRM:
            core = catalog.normalise(turn.req.readback)
            if core.strip() not in catalog.normalise(heard):
                turn.req.readback_unheard = True

    def _pressed(self, turn: Turn, digits: str) -> None:
        keys = digits.strip("#*")
        if turn.phase == Phase.HANDOFF_NAME:
            self._on_handoff_name(turn, "")  # any key, 0 too: connect without a name
            return
        if keys == "0":
            self._handoff(turn, "caller_request", "routine", "the caller pressed 0")
            return
        if turn.phase in YES_NO_PHASES:
            answer = classify_digits(keys)
            self._heard(turn, answer or "", typed=True)
        else:
            menu = ladder.keypad_answer(turn.phase, keys, turn.clinic)
            self._heard(turn, menu or keys, typed=True)

    def _heard(self, turn: Turn, text: str, typed: bool) -> None:
        if turn.phase in (Phase.START, Phase.ENDED):
            turn.phase = Phase.INTENT
        heard = text
        if not typed and turn.phase not in (*IDENTITY_PHASES, Phase.HANDOFF_NAME):
            text = self._keep_volunteered(turn, text)
        if not typed:
            flag = safety.find_red_flag(heard)
            if flag is not None:
                self._emergency(turn, flag, heard)
                return
            if turn.phase == Phase.HANDOFF_NAME:
                self._on_handoff_name(turn, text)
                return
            if safety.asks_for_human(heard):
                self._handoff(turn, "caller_request", "routine", "")
                return
            if turn.phase not in IDENTITY_PHASES:
                topic = safety.out_of_scope(heard)
                if topic and catalog.match_faq(heard, turn.clinic) is None:
                    turn.note(f"out of scope: {topic.replace('_', ' ')}")
                    self._handoff(turn, "out_of_scope", "routine", f"The caller asked: {heard!r}.")
                    return
            if turn.phase in TALK_PHASES and classify_intent(heard).intent == "human":
                # "I'd be grateful if I could speak with a member of your staff"
                self._handoff(turn, "caller_request", "routine", "")
                return
            if not re.search(r"\w", text):
                # Only a greeting, or a name and date of birth before any request: kept; ask.
                first = turn.caller_name.split()[0] if turn.caller_name else ""
                turn.say(f"Thank you, {first}." if first else "Hello!", self._prompt(turn))
                return
        handler = self._handlers().get(turn.phase)
        if not typed and turn.phase in DETAIL_PHASES and self._info_question(turn, text):
            # "how late are you open on thursdays?" names a day but asks about the hours: answer
            # it and ask the question again rather than searching Thursday evening.
            handler = None
        understood = handler(turn, text) if handler else False
        if not understood and not typed and turn.phase not in IDENTITY_PHASES:
            understood = self._side_request(turn, text)
        if not understood and not typed and is_repeat_request(text):
            # Asking to hear the question again is not a misunderstanding, in identity too.
            turn.say(self._prompt(turn))
            return
        if understood:
            turn.misunderstood = 0
            return
        misses = turn.misunderstood + 1
        turn.misunderstood = misses
        if misses >= MAX_MISUNDERSTANDINGS:
            turn.note(f"could not understand: {text!r}")
            self._handoff(turn, "misunderstanding", "routine", "")
            return
        if misses == 1:
            opening = (
                f"I haven't {self._change_verb(turn)} anything yet."
                if turn.phase is Phase.CONFIRM
                else "Sorry, I didn't catch that."
            )
            turn.say(opening, self._rephrase(turn))
            return
        turn.say(
            "I'm sorry, I'm still not sure what you mean.",
            self._rephrase(turn),
            ladder.keypad_menu(turn.phase, turn.clinic, self._choice_count(turn)),
        )

    def _rephrase(self, turn: Turn) -> str:
        """The question of the current phase in other words, with examples (``rules.ladder``)."""
        if turn.phase is Phase.ASK_TYPE:
            return ladder.rephrase_type(turn.clinic)
        if turn.phase is Phase.ASK_NAME and turn.first_name:
            return "Please tell me just your last name."
        if turn.phase is Phase.OFFER:
            return f"{self._offer_text(turn)} {ladder.REPHRASE[Phase.OFFER]}"
        if turn.phase is Phase.PICK_APPOINTMENT:
            return f"{self._appointments_text(turn)} {ladder.REPHRASE[Phase.PICK_APPOINTMENT]}"
        if turn.phase is Phase.CONFIRM:
            return (
                f"{turn.req.readback} Please say yes if that's right, or no to change it. "
                "I won't make any change without a clear yes."
            )
        return ladder.REPHRASE.get(turn.phase, self._prompt(turn))

    def _choice_count(self, turn: Turn) -> int:
        if turn.phase is Phase.OFFER:
            return len(turn.req.offers)
        if turn.phase is Phase.PICK_APPOINTMENT:
            return len(turn.req.appointments)
        return 0

    def _keep_volunteered(self, turn: Turn, text: str) -> str:
        """Keeps a name and date of birth said before they were asked for (never asked for
        again, never read as the wanted day); returns the rest of the text for the phase's
        own question (``rules.volunteered``)."""
        offered = read_volunteered(text, turn.clinic.local(turn.now).date())
        rest = offered.rest
        name = offered.name or name_in(rest, turn.clinic)
        if name is not None:
            rest = without_words(rest, name)
        if name and not turn.caller_name:
            turn.caller_name = name
        if offered.date_of_birth and not turn.verified_patient_id:
            turn.volunteered.date_of_birth = offered.date_of_birth.isoformat()
        return rest

    def _info_question(self, turn: Turn, text: str) -> bool:
        """A question about hours or an FAQ topic, asked while booking details are collected."""
        if asks_about_hours(text):
            return True
        return (
            is_question(text)
            and detect_intent(text) not in APPOINTMENT_INTENTS
            and catalog.match_faq(text, turn.clinic) is not None
        )

    def _handlers(self) -> dict[Phase, Callable[[Turn, str], bool]]:
        return {
            Phase.INTENT: self._on_intent,
            Phase.ANYTHING_ELSE: self._on_intent,
            Phase.ASK_NAME: self._on_name,
            Phase.ASK_DOB: self._on_dob,
            Phase.ASK_TYPE: self._on_type,
            Phase.ASK_TIME: self._on_time,
            Phase.OFFER: self._on_offer,
            Phase.CONFIRM: self._on_confirm,
            Phase.PICK_APPOINTMENT: self._on_pick_appointment,
            Phase.OFFER_BOOK: self._on_offer_book,
            Phase.OFFER_HANDOFF: self._on_offer_handoff,
        }

    def _prompt(self, turn: Turn) -> str:
        phase = turn.phase
        if phase == Phase.ASK_NAME:
            if turn.first_name:
                return "And your last name, please?"
            return "Can I have your first and last name, please?"
        if phase == Phase.ASK_DOB:
            return (
                "What is your date of birth? You can say it, or type it on your keypad as two "
                "digits for the month, two for the day, and four for the year."
            )
        if phase == Phase.ASK_TYPE:
            names = [speech.with_article(t.name) for t in turn.clinic.appointment_types]
            return f"What kind of visit do you need? We offer {speech.join_words(names, 'or')}."
        if phase == Phase.ASK_TIME:
            return (
                "What day and time would work best for you? "
                "You can also ask for a particular provider."
            )
        if phase == Phase.OFFER:
            return self._offer_text(turn)
        if phase == Phase.CONFIRM:
            return f"{turn.req.readback} {self._confirm_question(turn)}"
        if phase == Phase.PICK_APPOINTMENT:
            return self._appointments_text(turn)
        if phase == Phase.OFFER_BOOK:
            return "Would you like to book a new appointment?"
        if phase == Phase.OFFER_HANDOFF:
            return "Would you like me to connect you with someone from our team?"
        if phase == Phase.HANDOFF_NAME:
            # Closed clinics call back (urgent handoffs aside, which never ask).
            if turn.clinic.is_open(turn.now):
                return NAME_BEFORE_TRANSFER
            return NAME_BEFORE_CALLBACK
        if phase == Phase.ANYTHING_ELSE:
            return "Is there anything else I can help you with?"
        return "How can I help you today?"

    # --- free-form requests -------------------------------------------------------------

    def _on_intent(self, turn: Turn, text: str) -> bool:
        faq = catalog.match_faq(text, turn.clinic)
        intent = request_intent(text, turn.clinic, faq_matched=faq is not None)
        if intent in APPOINTMENT_INTENTS:
            if faq is not None:
                turn.tried("faq")
                turn.say(faq.answer)
            self._start(turn, intent or "", text)
            return True
        if turn.phase == Phase.ANYTHING_ELSE and intent is None and faq is None:
            if closes(text) and not visit_type_for(text, turn.clinic):
                self._goodbye(turn)  # "that will be all, thank you": nothing more is asked
                return True
            answer = classify(text)
            if answer == "no":
                self._goodbye(turn)
                return True
            if answer == "yes":
                turn.say("Sure. What else can I help you with?")
                turn.phase = Phase.INTENT
                return True
        return self._side_request(turn, text)

    def _side_request(self, turn: Turn, text: str) -> bool:
        """Questions and requests understood in any phase outside identity collection: an FAQ,
        hours, address, goodbye, "never mind", or a switch to another appointment request."""
        intent = detect_intent(text)
        faq = catalog.match_faq(text, turn.clinic)
        in_flow = turn.phase not in (Phase.INTENT, Phase.ANYTHING_ELSE)
        if faq is not None:
            turn.tried("faq")
            turn.say(faq.answer, self._prompt(turn) if in_flow else self._anything_else(turn))
            return True
        if intent == "hours":
            turn.tried("hours")
            turn.say(
                speech.say_hours(turn.clinic),
                speech.say_now_open(turn.clinic, turn.now),
                self._prompt(turn) if in_flow else self._anything_else(turn),
            )
            return True
        if intent == "address":
            turn.tried("address")
            turn.say(
                f"We're at {turn.clinic.address}.",
                self._prompt(turn) if in_flow else self._anything_else(turn),
            )
            return True
        if is_repeat_request(text):
            turn.say(self._prompt(turn))
            return True
        if (intent == "goodbye" or is_goodbye(text)) and (
            turn.phase is not Phase.CONFIRM or BYE.search(catalog.normalise(text))
        ):
            # At the read-back only a real goodbye ends the call: "yes, thank you so much"
            # is an answer to it, never a reason to drop what was read back.
            self._goodbye(turn)
            return True
        if in_flow and is_stop(text):
            self._clear_flow(turn)
            turn.say("No problem.", self._anything_else(turn))
            return True
        if in_flow and intent in APPOINTMENT_INTENTS and intent != turn.intent:
            self._start(turn, intent or "", text)
            return True
        return False

    def _anything_else(self, turn: Turn) -> str:
        turn.phase = Phase.ANYTHING_ELSE
        return "Is there anything else I can help you with?"

    def _goodbye(self, turn: Turn) -> None:
        turn.say(f"Thank you for calling {turn.clinic.name}. Goodbye!")
        turn.end(Outcome.CONTAINED)

    def _clear_flow(self, turn: Turn) -> None:
        turn.req = Request()

    def _start(self, turn: Turn, intent: str, text: str) -> None:
        """Begins an appointment request; identity first when the caller is not verified."""
        self._clear_flow(turn)
        turn.intent = intent
        turn.tried(intent)
        turn.req.means_made = (
            bool(turn.made) and REFERS_BACK.search(catalog.normalise(text)) is not None
        )
        if intent in ("book", "reschedule"):
            self._collect_booking_details(turn, text, types=intent == "book")
        if not turn.verified_patient_id:
            self._ask_identity(turn)
            return
        self._continue(turn)

    def _ask_identity(self, turn: Turn) -> None:
        """Verification, using what the caller already gave: a volunteered name and date of
        birth are checked at once, a name alone skips to the date of birth."""
        turn.say("I can help with that.")
        born = turn.volunteered.date_of_birth
        if turn.caller_name and born:
            self._verify(turn, date.fromisoformat(born))
            return
        turn.say("First, I need to verify your identity.")
        if turn.caller_name:
            turn.phase = Phase.ASK_DOB
            turn.say(f"Thank you, {turn.caller_name.split()[0]}.", self._prompt(turn))
            return
        turn.phase = Phase.ASK_NAME
        turn.say(self._prompt(turn))

    def _continue(self, turn: Turn) -> None:
        """After verification: the next step of the current request."""
        if turn.intent == "book":
            self._book_next(turn)
        elif turn.intent in ("reschedule", "cancel", "list"):
            turn.phase = Phase.LISTING
            turn.say("One moment while I look up your appointments.")
            turn.tool(ToolListAppointments())
        else:
            turn.say(self._anything_else(turn))

    # --- identity -----------------------------------------------------------------------

    def _on_name(self, turn: Turn, text: str) -> bool:
        text = strip_lead_ins(text)
        born = parse_dob(text, turn.clinic.local(turn.now).date())
        # "john smith, born march third 1980": the name is before the date
        said = name_before_date(text) if born is not None else text
        name = parse_name(said) or name_in(said, turn.clinic)
        if name is None and born is not None and not said.strip():
            # A date of birth before the name (or to correct the one that did not match):
            # kept, and checked with the name already given, or the name asked for.
            if turn.caller_name and turn.verify_failures:
                self._verify(turn, born)
                return True
            turn.volunteered.date_of_birth = born.isoformat()
            turn.say("Thank you. And the patient's first and last name, please?")
            return True
        if name is None:
            # Only one name word: a first name to keep while asking for the last name, or the
            # last name that completes the first name given just before.
            single = partial_name(said)
            first = str(turn.first_name)
            if single is None or (not first and born is not None):
                return False
            if not first:
                turn.first_name = single
                turn.say(f"Thank you, {single}.", self._prompt(turn))
                return True
            name = f"{first} {single}"
        turn.first_name = ""
        turn.caller_name = name
        if born is None and turn.volunteered.date_of_birth:
            born = date.fromisoformat(turn.volunteered.date_of_birth)
        if born is not None:
            self._verify(turn, born)
            return True
        turn.phase = Phase.ASK_DOB
        turn.say("Thank you.", self._prompt(turn))
        return True

    def _on_dob(self, turn: Turn, text: str) -> bool:
        today = turn.clinic.local(turn.now).date()
        # "April eleventh, sorry, April eleventh 1971": the date after the correction.
        born = parse_dob(after_repair(text), today) or parse_dob(text, today)
        if born is None:
            return False
        self._verify(turn, born)
        return True

    def _verify(self, turn: Turn, born: date) -> None:
        turn.date_of_birth = born.isoformat()
        turn.phase = Phase.VERIFYING
        turn.say("Thank you. One moment while I find your record.")
        turn.tool(ToolVerifyIdentity(full_name=turn.caller_name, date_of_birth=born))

    def _on_verified(self, turn: Turn, result: VerifiedIdentity) -> None:
        if result.verified and result.patient_id:
            turn.verified_patient_id = result.patient_id
            first = turn.caller_name.split()[0] if turn.caller_name else ""
            turn.say(f"Thanks{', ' + first if first else ''}. I found your record.")
            self._continue(turn)
            return
        if result.locked_out:
            turn.note("verification refused after too many failed attempts")
            self._handoff(turn, "identity_failed", "routine", "")
            return
        failures = turn.verify_failures + 1
        turn.verify_failures = failures
        turn.volunteered = Volunteered()  # ask for both again, not reuse what did not match
        turn.note(f"verification failed ({failures})")
        if failures >= MAX_VERIFY_FAILURES:
            self._handoff(turn, "identity_failed", "routine", "")
            return
        turn.phase = Phase.ASK_NAME
        turn.say(
            "I'm sorry, I couldn't find a record with that name and date of birth. "
            "Let's try again.",
            self._prompt(turn),
        )

    # --- booking details ----------------------------------------------------------------

    def _collect_booking_details(self, turn: Turn, text: str, types: bool) -> bool:
        """Appointment type, provider and preferred time named in ``text``; True if any."""
        found = False
        if types:
            # A visit type already settled changes only when another is named outright, not
            # on a symptom word said in passing ("I'll be driving her").
            code = (
                catalog.match_appointment_type(text, turn.clinic)
                if turn.req.visit_type
                else visit_type_for(text, turn.clinic)
            )
            if code:
                turn.req.visit_type = code
                found = True
        provider = catalog.match_provider(text, turn.clinic)
        if provider:
            turn.req.provider = provider
            found = True
        elif catalog.wants_any_provider(text) and turn.req.provider:
            turn.req.provider = ""
            found = True
        preference = parse_preference(text, turn.now, turn.zone)
        previous = turn.req.when or {}
        part = part_of_day_only(text, turn.now, turn.zone) if preference else ""
        if part and previous.get("start_before") and not previous.get("clock"):
            # "can we do the morning instead": the same day or week, another part of the day.
            turn.req.when = {
                **previous,
                "part_of_day": part,
                "said": f"{previous['said']}; {text}",
            }
            turn.req.widen = 0
            found = True
        elif preference is not None:
            turn.req.when = preference.to_data()
            turn.req.widen = 0
            found = True
        return found

    def _book_next(self, turn: Turn) -> None:
        if not turn.req.visit_type:
            turn.phase = Phase.ASK_TYPE
            turn.say(self._prompt(turn))
        elif not turn.req.when:
            turn.phase = Phase.ASK_TIME
            turn.say(self._prompt(turn))
        else:
            self._find(turn, "Let me check what's available.")

    def _on_type(self, turn: Turn, text: str) -> bool:
        if not self._collect_booking_details(turn, text, types=True) or not turn.req.visit_type:
            return False
        self._book_next(turn)
        return True

    def _on_time(self, turn: Turn, text: str) -> bool:
        if not self._collect_booking_details(turn, text, types=turn.intent == "book"):
            return False
        if turn.req.when:
            self._find(turn, "Let me check what's available.")
        else:
            turn.say("Got it.", self._prompt(turn))
        return True

    def _find(self, turn: Turn, lead: str) -> None:
        """Searches slots with the collected details, widened by ``data["widen"]``."""
        code = turn.req.visit_type
        provider_id = turn.req.provider
        provider = turn.clinic.provider(provider_id) if provider_id else None
        lines = [lead]
        if provider is not None and code and code not in provider.appointment_types:
            kind = speech.type_name(turn.clinic, code)
            lines.insert(0, f"{provider.name} doesn't offer {kind} appointments, so I'll look "
                         "with all our providers.")  # fmt: skip
            turn.req.provider = provider_id = ""
        widen = turn.req.widen
        when = TimePreference.from_data(turn.req.when) if turn.req.when else None
        start_after = turn.now
        start_before: datetime | None = None
        part_of_day = ""
        if when is not None and widen == 0:
            start_after, start_before, part_of_day = (
                when.start_after,
                when.start_before,
                when.part_of_day,
            )
        if widen >= 2:
            provider_id = ""
        taken = turn.req.taken
        turn.phase = Phase.FINDING
        turn.say(*lines)
        turn.tool(
            ToolFindSlots(
                appointment_type=code,
                provider_id=provider_id,
                start_after=start_after,
                start_before=start_before,
                part_of_day=part_of_day,
                limit=OFFER_COUNT + len(taken),
            )
        )

    def _on_slots(self, turn: Turn, slots: list[SlotOption]) -> None:
        taken = set(turn.req.taken)
        offers = [slot_data(s) for s in slots if s.slot_id not in taken][:OFFER_COUNT]
        if offers and turn.req.retaking:
            # The caller had chosen; one alternative, the nearest, is easier to agree to
            # than a new list.
            offers = offers[:1]
        turn.req.retaking = False
        if offers:
            turn.req.offers = offers
            turn.note(f"offered {len(offers)} slot(s)")
            turn.phase = Phase.OFFER
            turn.say(self._offer_text(turn))
            return
        widen = turn.req.widen
        when = turn.req.when or {}
        narrowed = bool(when.get("start_before") or when.get("part_of_day") or when.get("clock"))
        if widen == 0 and narrowed:
            turn.req.widen = 1
            self._find(
                turn, "I don't see any openings then. Let me look for the next available times."
            )
            return
        if widen < 2 and turn.req.provider:
            turn.req.widen = 2
            name = provider_name(turn, turn.req.provider)
            self._find(turn, f"{name} has no openings soon. Let me check with our other providers.")
            return
        kind = speech.type_name(turn.clinic, turn.req.visit_type)
        turn.note("no openings found")
        turn.phase = Phase.OFFER_HANDOFF
        turn.say(
            f"I'm sorry, I couldn't find any openings for {speech.with_article(kind)} in the next "
            "two weeks.",
            self._prompt(turn),
        )

    def _offer_text(self, turn: Turn) -> str:
        offers = turn.req.offers
        if len(offers) == 1:
            return f"I have {speech.say_slot(offers[0], turn.clinic)}. Would that work for you?"
        read = [
            f"{speech.ordinal_word(i + 1).capitalize()}, {speech.say_slot(o, turn.clinic)}"
            for i, o in enumerate(offers)
        ]
        return f"I have {len(offers)} times. {'. '.join(read)}. Which one works for you?"

    def _choices(self, turn: Turn, slots: list[dict[str, Any]]) -> list[Choice]:
        phrases = catalog.provider_phrases(turn.clinic)
        choices = []
        for slot in slots:
            names = tuple(p for p, pid in phrases.items() if pid == slot.get("provider_id"))
            kind = turn.clinic.appointment_type(slot.get("appointment_type", ""))
            kinds = (
                tuple(catalog.normalise(n).strip() for n in (kind.code, kind.name, *kind.synonyms))
                if kind
                else ()
            )
            choices.append(Choice(datetime.fromisoformat(slot["start"]), names, kinds))
        return choices

    def _on_offer(self, turn: Turn, text: str) -> bool:
        offers = turn.req.offers
        index = pick(text, self._choices(turn, offers), turn.zone)
        answer = classify(text)
        if index is None and answer == "yes" and len(offers) == 1:
            index = 0
        if index is not None:
            turn.req.chosen = offers[index]
            turn.phase = Phase.HOLDING
            turn.tool(ToolHoldSlot(slot_id=offers[index]["slot_id"]))
            return True
        position = named_position(text)
        if position is not None and position >= len(offers):
            # "the third one" of two: not "the 3rd of the month".
            count = "one time" if len(offers) == 1 else f"{len(offers)} times"
            turn.say(f"Sorry, I only have {count}.", self._offer_text(turn))
            return True
        if self._collect_booking_details(turn, text, types=turn.intent == "book"):
            self._find(turn, "Let me check.")
            return True
        if answer == "yes":
            turn.say("Which one would you like? You can say the first, the second, or the third.")
            return True
        if answer == "no" or rejects(text):
            turn.req.when = None
            turn.phase = Phase.ASK_TIME
            turn.say("No problem. What other day or time would work for you?")
            return True
        return False

    def _on_held(self, turn: Turn, hold_id: str) -> None:
        turn.req.hold_id = hold_id
        chosen = turn.chosen()
        if turn.intent == "reschedule":
            target = turn.target()
            core = (
                f"I'll move {speech.say_appointment(target, turn.clinic)} to "
                f"{speech.say_slot(chosen, turn.clinic)}."
            )
        else:
            kind = speech.type_name(turn.clinic, chosen.get("appointment_type", ""))
            core = (
                f"I have you down for {speech.with_article(kind)} on "
                f"{speech.say_slot(chosen, turn.clinic)}."
            )
        turn.req.readback = core
        turn.req.readback_unheard = False
        turn.phase = Phase.CONFIRM
        turn.say(core, self._confirm_question(turn))

    def _confirm_question(self, turn: Turn) -> str:
        if turn.intent == "cancel":
            return f"Would you like me to cancel it? {PRESS_YES_NO}"
        if turn.intent == "reschedule":
            return f"Shall I go ahead? {PRESS_YES_NO}"
        return f"Shall I book it? {PRESS_YES_NO}"

    def _on_confirm(self, turn: Turn, text: str) -> bool:
        """The answer to the read-back: only a plain yes commits (``rules.consent``); anything
        hedged, conditional or questioning is not understood as consent (the ladder then says
        nothing has changed and reads it back again)."""
        heard = f"{turn.req.readback} {self._confirm_question(turn)}"
        consent = read_consent(text, turn.intent, heard)
        if consent == "yes":
            if turn.req.readback_unheard:
                turn.req.readback_unheard = False
                # The caller cut the read-back short: they must hear it before agreeing.
                turn.say(f"Just to be sure. {turn.req.readback}", self._confirm_question(turn))
                return True
            self._commit(turn)
            return True
        turn.req.readback_unheard = False
        if consent == "defer":
            turn.note("the caller wanted to wait before agreeing")
            turn.say(
                f"Of course. I haven't {self._change_verb(turn)} anything. You're welcome to "
                "call us back when you're ready.",
                self._anything_else(turn),
            )
            return True
        if turn.intent == "cancel":
            if consent == "no":
                turn.note("the caller decided not to cancel")
                turn.say("Okay, I won't cancel it.", self._anything_else(turn))
                return True
            if parse_preference(text, turn.now, turn.zone) is not None:
                # A day named in answer to "shall I cancel it?" asks to move it instead.
                turn.intent = "reschedule"
                turn.tried("reschedule")
                target = turn.target()
                turn.req.visit_type = target["slot"]["appointment_type"]
                turn.req.provider = str(target["slot"].get("provider_id", ""))
                self._collect_booking_details(turn, text, types=False)
                self._find(turn, "I won't cancel it. Let me look for a new time instead.")
                return True
            return False
        if self._collect_booking_details(turn, text, types=turn.intent == "book"):
            self._find(turn, "Let me check.")
            return True
        if consent == "no":
            turn.note("the caller declined the read-back")
            turn.req.when = None
            turn.phase = Phase.ASK_TIME
            turn.say(
                "No problem. What would you like to change? You can tell me another day or "
                "time, or a different provider."
            )
            return True
        return False

    def _change_verb(self, turn: Turn) -> str:
        return {"cancel": "cancelled", "reschedule": "moved"}.get(turn.intent, "booked")

    def _commit(self, turn: Turn) -> None:
        turn.phase = Phase.COMMITTING
        if turn.intent == "cancel":
            turn.tool(ToolCancel(appointment_id=turn.target()["appointment_id"]))
        elif turn.intent == "reschedule":
            turn.tool(
                ToolReschedule(
                    appointment_id=turn.target()["appointment_id"],
                    new_slot_id=turn.chosen()["slot_id"],
                    hold_id=turn.req.hold_id,
                )
            )
        else:
            turn.tool(
                ToolBook(
                    slot_id=turn.chosen()["slot_id"],
                    hold_id=turn.req.hold_id,
                )
            )

    def _on_committed(self, turn: Turn, appointment: AppointmentInfo) -> None:
        done = appointment_data(appointment)
        kind = speech.type_name(turn.clinic, appointment.slot.appointment_type)
        slot = speech.say_slot(done["slot"], turn.clinic)
        if turn.intent == "cancel":
            target = turn.req.target or done
            when = speech.say_when(turn.local(target["slot"]["start"]))
            line = f"Your {kind} on {when} is cancelled."
            turn.note("cancelled the appointment")
        elif turn.intent == "reschedule":
            line = f"Done. Your {kind} is now on {slot}."
            turn.note("rescheduled the appointment")
        else:
            line = f"You're all set. Your {kind} is booked for {slot}."
            turn.note("booked the appointment")
        turn.made = None if turn.intent == "cancel" else done
        self._clear_flow(turn)
        turn.say(line, self._anything_else(turn))

    # --- existing appointments ----------------------------------------------------------

    def _on_appointments(self, turn: Turn, appointments: list[AppointmentInfo]) -> None:
        listed = sorted(
            (appointment_data(a) for a in appointments), key=lambda a: a["slot"]["start"]
        )
        turn.req.appointments = listed
        if not listed:
            turn.note("no upcoming appointments")
            turn.phase = Phase.OFFER_BOOK
            turn.say("I don't see any upcoming appointments for you.", self._prompt(turn))
            return
        if turn.intent == "list":
            count = (
                "one upcoming appointment"
                if len(listed) == 1
                else f"{len(listed)} upcoming appointments"
            )
            read = [speech.say_appointment(a, turn.clinic) for a in listed]
            read = [line[0].upper() + line[1:] for line in read]
            turn.say(f"You have {count}. {'. '.join(read)}.", self._anything_else(turn))
            return
        made = [
            a for a in listed if turn.made and a["appointment_id"] == turn.made["appointment_id"]
        ]
        if turn.req.means_made and made:
            self._target(turn, made[0])  # "cancel that": the one just booked in this call
            return
        if len(listed) == 1:
            self._target(turn, listed[0])
            return
        turn.phase = Phase.PICK_APPOINTMENT
        turn.say(self._appointments_text(turn))

    def _appointments_text(self, turn: Turn) -> str:
        listed = turn.req.appointments
        read = [
            f"The {speech.ordinal_word(i + 1)} is {speech.say_appointment(a, turn.clinic)}"
            for i, a in enumerate(listed)
        ]
        verb = "cancel" if turn.intent == "cancel" else "move"
        return (
            f"You have {len(listed)} upcoming appointments. {'. '.join(read)}. "
            f"Which one would you like to {verb}?"
        )

    def _on_pick_appointment(self, turn: Turn, text: str) -> bool:
        listed = turn.req.appointments
        index = pick(text, self._choices(turn, [a["slot"] for a in listed]), turn.zone)
        if index is None:
            if classify(text) == "no" or rejects(text):
                turn.say("Okay.", self._anything_else(turn))
                return True
            return False
        self._target(turn, listed[index])
        return True

    def _target(self, turn: Turn, appointment: dict[str, Any]) -> None:
        turn.req.target = appointment
        if turn.intent == "cancel":
            core = f"I see {speech.say_appointment(appointment, turn.clinic)}."
            turn.req.readback = core
            turn.req.readback_unheard = False
            turn.phase = Phase.CONFIRM
            turn.say(core, self._confirm_question(turn))
            return
        turn.req.visit_type = appointment["slot"]["appointment_type"]
        # A move keeps the provider unless the caller named another; the search says so when
        # it has to look wider, and the read-back names both.
        turn.req.provider = turn.req.provider or str(appointment["slot"].get("provider_id", ""))
        if turn.req.when:
            seen = speech.say_appointment(appointment, turn.clinic)
            self._find(turn, f"I see {seen}. Let me check what's available.")
            return
        turn.phase = Phase.ASK_TIME
        turn.say(
            f"I see {speech.say_appointment(appointment, turn.clinic)}.",
            "What day and time would you like to move it to?",
        )

    def _on_offer_book(self, turn: Turn, text: str) -> bool:
        answer = classify(text)
        if answer == "yes":
            self._start(turn, "book", text)
            return True
        if answer == "no":
            turn.say("Okay.", self._anything_else(turn))
            return True
        return False

    def _on_offer_handoff(self, turn: Turn, text: str) -> bool:
        answer = classify(text)
        if answer == "yes":
            self._handoff(turn, "caller_request", "routine", "no openings were found")
            return True
        if answer == "no":
            self._clear_flow(turn)
            turn.say("Okay.", self._anything_else(turn))
            return True
        return self._on_time(turn, text)

    # --- handoff --------------------------------------------------------------------------

    def _emergency(self, turn: Turn, flag: safety.RedFlag, text: str) -> None:
        """An emergency: its script at once, then an urgent handoff (never delayed by the
        name question, never a routine callback)."""
        categories = ", ".join(c.value.replace("_", " ") for c in flag.categories)
        turn.note(f"red flag: {categories} ({flag.phrase})")
        told = "988 given" if flag.script is safety.Script.CRISIS else "told to call 911"
        detail = f"Red flag ({categories}; {told}). The caller said: {text!r}."
        self._handoff(turn, "emergency", "urgent", detail, script=flag.script)

    @staticmethod
    def _emergency_lines(plan: HandoffPlan) -> safety.EmergencyLines:
        return safety.emergency_lines(safety.Script(plan.script or safety.Script.MEDICAL.value))

    def _handoff(
        self,
        turn: Turn,
        reason: str,
        urgency: str,
        detail: str,
        script: safety.Script | None = None,
    ) -> None:
        """Hands the call to staff, first asking an unknown caller's name (see the module
        docstring); ``detail`` is a sentence for the summary."""
        asked = turn.handoff_plan is not None and turn.handoff_plan.name_asked
        intent = HANDOFF_INTENTS.get(reason)
        if intent:
            turn.tried(intent)
        elif not turn.intents_tried:
            turn.tried("unclear" if reason == "misunderstanding" else reason)
        plan = turn.handoff_plan = HandoffPlan(reason, urgency, name_asked=asked)
        if reason == "emergency":
            plan.script = (script or safety.Script.MEDICAL).value
            turn.say(self._emergency_lines(plan).first)
        else:
            turn.say(HANDOFF_LINES[reason])
        # Not asked when the caller was just asked for their name (verification) and answered
        # with this: that would be asking twice.
        ask = not (turn.caller_name or asked or turn.phase == Phase.ASK_NAME)
        if ask and reason != "emergency" and urgency != "urgent":
            plan.name_asked, plan.detail = True, detail
            turn.pending = None  # a late tool answer must not restart the flow
            turn.phase = Phase.HANDOFF_NAME
            turn.say(self._prompt(turn))
            return
        self._create_handoff(turn, detail)

    def _on_handoff_name(self, turn: Turn, text: str) -> None:
        """The answer to the name question before a handoff: hand off with it, whatever it is
        (asking to repeat the question is honoured once)."""
        handoff = turn.handoff_plan
        assert handoff is not None, "the handoff_name phase is entered with a plan"
        if text and is_repeat_request(text) and not handoff.repeated:
            handoff.repeated = True
            turn.say(self._prompt(turn))
            return
        name = given_name(text) if text else None
        if name:
            turn.caller_name = name
            turn.say(f"Thank you, {name.split()[0]}.")
        else:
            turn.note("no name given when asked before the handoff")
            turn.say("No problem.")
        self._create_handoff(turn, handoff.detail)

    def _create_handoff(self, turn: Turn, detail: str) -> None:
        handoff = turn.handoff_plan
        assert handoff is not None, "_handoff plans before it creates"
        turn.identity_check = identity_check(turn, MAX_VERIFY_FAILURES)
        turn.phase = Phase.HANDOFF
        turn.tool(
            ToolCreateHandoff(
                reason=handoff.reason,
                urgency=handoff.urgency,
                summary=summary(turn, handoff.reason, detail),
                # A first name alone ("Thank you, Jane. And your last name?") beats none.
                caller_name=turn.caller_name or str(turn.first_name),
                callback_number=turn.context.caller_number,
            )
        )

    def _on_ticket(self, turn: Turn, ticket: HandoffTicket) -> None:
        handoff = turn.handoff_plan or HandoffPlan("caller_request", "routine")
        turn.handoff_id = ticket.handoff_id
        emergency = handoff.reason == "emergency"
        if ticket.callback:
            if emergency:
                # Nobody can take it now: where help is, never "we'll call you back".
                turn.say(self._emergency_lines(handoff).nobody, "Goodbye.")
            else:
                opening = turn.clinic.next_opening(turn.now)
                when = (
                    f"when we open {speech.say_next(opening, turn.now, turn.clinic)}"
                    if opening
                    else "as soon as we can"
                )
                turn.say(
                    "Our office is closed right now. I've passed your request to our team, and "
                    f"someone will call you back {when}.",
                    "Thank you for calling. Goodbye.",
                )
            turn.end(Outcome.HANDOFF, ticket.handoff_id)
            return
        if emergency:
            turn.say(self._emergency_lines(handoff).connecting)
        else:
            turn.say("Connecting you now. Please stay on the line.")
        turn.actions.append(
            Transfer(
                target=ticket.target,
                handoff_id=ticket.handoff_id,
                reason=handoff.reason,
                urgency=handoff.urgency,
            )
        )
        turn.end(Outcome.HANDOFF, ticket.handoff_id)

    def _handoff_failed(self, turn: Turn) -> None:
        handoff = turn.handoff_plan
        phone = turn.clinic.phone_numbers[0] if turn.clinic.phone_numbers else ""
        if handoff is not None and handoff.reason == "emergency":
            turn.say(self._emergency_lines(handoff).nobody, "Goodbye.")
            turn.end(Outcome.HANDOFF)
            return
        lines = ["I'm sorry, I couldn't reach our team just now."]
        if phone:
            lines.append(f"Please call us back at {speech.say_phone(phone)}.")
        lines += [speech.say_hours(turn.clinic), "Goodbye."]
        turn.say(*lines)
        turn.end(Outcome.HANDOFF)

    # --- tool results ---------------------------------------------------------------------

    def _tool_result(self, turn: Turn, result: ToolResult) -> None:
        pending, turn.pending = turn.pending, None
        if pending is None:
            return  # a late answer to a request already handled: ignore it
        kind = pending.kind
        if not result.ok:
            self._tool_failed(turn, kind, pending, result)
            return
        value = result.value
        handlers: dict[str, tuple[type | tuple[type, ...], Callable[[Any], None]]] = {
            "ToolVerifyIdentity": (VerifiedIdentity, lambda v: self._on_verified(turn, v)),
            "ToolFindSlots": ((tuple, list), lambda v: self._on_slots(turn, list(v))),
            "ToolHoldSlot": (str, lambda v: self._on_held(turn, v)),
            "ToolBook": (AppointmentInfo, lambda v: self._on_committed(turn, v)),
            "ToolCancel": (AppointmentInfo, lambda v: self._on_committed(turn, v)),
            "ToolReschedule": (AppointmentInfo, lambda v: self._on_committed(turn, v)),
            "ToolListAppointments": ((tuple, list), lambda v: self._on_appointments(turn, list(v))),
            "ToolCreateHandoff": (HandoffTicket, lambda v: self._on_ticket(turn, v)),
        }
        expected, handle = handlers[kind]
        items_ok = not isinstance(value, tuple | list) or all(
            isinstance(v, SlotOption if kind == "ToolFindSlots" else AppointmentInfo) for v in value
        )
        if not isinstance(value, expected) or not items_ok:
            self._tool_failed(
                turn,
                kind,
                dataclasses.replace(pending, retried=True),
                ToolResult(
                    tool=result.tool, error_code="INTERNAL", error_message="unexpected result"
                ),
            )
            return
        handle(value)

    def _tool_failed(self, turn: Turn, kind: str, pending: PendingTool, result: ToolResult) -> None:
        if kind == "ToolCreateHandoff":
            self._handoff_failed(turn)
            return
        if result.error_message.startswith(WRITES_PAUSED):
            # kill_booking_writes: no retry, no "slot taken" search; staff take over.
            turn.note("booking changes are paused (kill_booking_writes)")
            self._handoff(turn, "system_error", "soon", "Booking changes are paused right now")
            return
        if result.error_code in RETRYABLE and not pending.retried:
            turn.say("Sorry, that's taking a moment. Let me try again.")
            turn.tool(tool_from_data(kind, pending.args), retried=True)
            return
        if result.error_code == SLOT_TAKEN and kind in (
            "ToolHoldSlot",
            "ToolBook",
            "ToolReschedule",
        ):
            chosen, turn.req.chosen = turn.req.chosen, None
            if chosen:
                turn.req.taken.append(chosen["slot_id"])
            turn.req.hold_id = ""
            turn.req.retaking = True
            turn.note("the chosen slot was taken")
            self._find(turn, "I'm sorry, that time was just taken. Let me find other times.")
            return
        turn.note(f"{kind} failed: {result.error_code} {result.error_message}".strip())
        self._handoff(turn, "system_error", "soon", "")
