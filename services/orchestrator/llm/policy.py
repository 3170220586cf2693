"""The LLM dialogue policy: the model leads the conversation; the code keeps the guardrails.

``LlmPolicy(rules, template).step(state, event, context)`` is pure, like ``RulesPolicy``: asking
the model is an action (``AskModel``) that the driver carries out (streaming the reply's
sentences to the caller) and answers with a ``ToolResult`` holding a ``ModelReply``. The model
sees only placeholders (``orchestrator.llm.vault``); its tool calls become the same dialogue
tools the rules policy uses, with its placeholders resolved from this call's own values.

Guardrails, in code whatever the model asks:

* red flags are checked on every caller utterance BEFORE the model is asked; an emergency goes
  to the rules policy's crisis / medical script and urgent handoff without a model round trip.
  So does a request for a person;
* nothing about the caller's appointments (listing, cancelling, moving, booking) before identity
  is verified; a name or date of birth that is not the caller's own words (a placeholder of
  this call) is refused;
* a change is made only by ``make_change`` after ``prepare_change`` had the code read it back
  and the consent rule (``rules.consent.read_consent``) accepted the caller's explicit yes;
* a model that keeps calling tools without answering is stopped after a few calls.

When the router answers UNAVAILABLE (every provider down) or RESOURCE_EXHAUSTED (the call's cost
cap), the rules policy takes the call over from the same state: the LLM policy keeps the shared
fields (verified patient, offers, appointments, the read-back) in the rules policy's form, maps
its progress to a phase, and hands the caller's last words to the rules policy, so the caller
never starts over.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import deque
from datetime import date, datetime
from typing import Any

import phi
from orchestrator import safety
from orchestrator.dialogue import (
    AppointmentInfo,
    AskModel,
    CallerHungUp,
    CallerInterrupted,
    CallerPressed,
    CallerSaid,
    CallStarted,
    Context,
    DialogueState,
    EndCall,
    Event,
    HandoffPlan,
    ModelMemory,
    ModelMessage,
    ModelReply,
    ModelToolCall,
    Outcome,
    PendingTool,
    Phase,
    Policy,
    Request,
    Say,
    SlotOption,
    Step,
    Tool,
    ToolBook,
    ToolCancel,
    ToolCreateHandoff,
    ToolFindSlots,
    ToolHoldSlot,
    ToolListAppointments,
    ToolReschedule,
    ToolResult,
    ToolVerifyIdentity,
    VerifiedIdentity,
    check_event,
    check_transition,
)
from orchestrator.llm import toolspec
from orchestrator.llm.history import tool_message, trim
from orchestrator.llm.prompts import PromptTemplate, greeting, system_prompt
from orchestrator.llm.vault import DateReader, UnknownPlaceholder, Vault
from orchestrator.rules.consent import read_consent
from orchestrator.rules.serial import appointment_data, slot_data, tool_data
from orchestrator.understanding import speech
from orchestrator.understanding.consent import consent_digits
from orchestrator.understanding.dates import parse_preference
from orchestrator.understanding.identity import parse_dob
from servicekit.flags import WRITES_PAUSED

ASK_MODEL = AskModel.__name__
# Model requests in one turn before the rules policy takes over (a model looping on tools).
MAX_MODEL_CALLS_PER_TURN = 5
MAX_VERIFY_FAILURES = 3
OFFER_COUNT = 3
HISTORY_BUDGET_TOKENS = 1500
TRANSCRIPT_LIMIT = 20
PRESS_YES_NO = "You can say yes or no, or press 1 for yes and 2 for no."
CHANGES = ("book", "cancel", "reschedule")
HANDOFF_LINES = {
    "caller_request": "Of course. I'll connect you with someone from our team.",
    "out_of_scope": "That's a question for our staff. Let me get someone from our team to help.",
    "misunderstanding": (
        "I'm sorry, I'm having trouble understanding. Let me get someone from our team to help."
    ),
    "identity_failed": (
        "I'm sorry, I wasn't able to verify your identity. "
        "Let me get someone from our team to help."
    ),
    "system_error": (
        "I'm sorry, our scheduling system isn't responding. "
        "Let me get someone from our team to help."
    ),
}
NOT_VERIFIED = (
    "identity not verified: ask for the caller's full name and date of birth, then call "
    "verify_identity"
)


class _Work:
    """One step's working copy (the given state is never touched)."""

    def __init__(self, state: DialogueState, memory: ModelMemory, context: Context) -> None:
        self.state = state
        self.memory = memory
        self.context = context
        self.req: Request = copy.deepcopy(state.request)
        self.transcript = list(state.transcript)
        self.actions: list[Any] = []

    def go(self, target: Phase) -> None:
        """To ``target`` along ``TRANSITIONS`` (through the phases between, if need be)."""
        self.state = dataclasses.replace(self.state, phase=_path_end(self.state.phase, target))

    def set(self, **changes: Any) -> None:
        self.state = dataclasses.replace(self.state, **changes)

    def say(self, *parts: str) -> None:
        text = " ".join(p.strip() for p in parts if p.strip())
        if text:
            self.actions.append(Say(text))
            self.transcript.append(("assistant", text))

    def tool(self, tool: Tool) -> None:
        self.set(pending=PendingTool(type(tool).__name__, tool_data(tool)))
        self.actions.append(tool)

    def finish(self) -> Step:
        state = dataclasses.replace(
            self.state,
            request=self.req,
            transcript=tuple(self.transcript[-TRANSCRIPT_LIMIT:]),
            model=self.memory,
        )
        return Step(state, tuple(self.actions))


def _path_end(source: Phase, target: Phase) -> Phase:
    """``target`` if some chain of allowed transitions reaches it (else IllegalTransition)."""
    seen = {source}
    queue = deque([source])
    while queue:
        phase = queue.popleft()
        try:
            check_transition(phase, target)
            return target
        except Exception:
            pass
        for following in Phase:
            if following in seen:
                continue
            try:
                check_transition(phase, following)
            except Exception:
                continue
            seen.add(following)
            queue.append(following)
    check_transition(source, target)  # raises with the direct pair named
    return target


class LlmPolicy:
    """The LLM dialogue policy (see the module docstring).

    Args:
        rules: the policy that handles emergencies, handoff tickets and calls taken over.
        template: the prompt template of this policy's calls (``new_prompt_template``).
        engine: PHI detection for the caller's words (strict).
        history_budget: tokens of conversation the model is shown at most.
    """

    def __init__(
        self,
        rules: Policy,
        template: PromptTemplate,
        *,
        engine: phi.Engine | None = None,
        history_budget: int = HISTORY_BUDGET_TOKENS,
    ) -> None:
        self.name = f"llm-{template.version}"
        self.template = template
        self.filler = template.filler
        self._rules = rules
        self._engine = engine or phi.Engine(strict=True)
        self._budget = history_budget

    # --- events ---------------------------------------------------------------------------

    def step(self, state: DialogueState, event: Event, context: Context) -> Step:
        if state.outcome:
            return Step(state, ())
        check_event(state.phase, event)
        memory = copy.deepcopy(state.model) or ModelMemory(template=self.template.version)
        if memory.handed_over:
            return self._rules_step(state, memory, event, context)
        work = _Work(state, memory, context)
        if isinstance(event, CallStarted):
            line = greeting(self.template, context.clinic)
            work.say(line)
            memory.history.append({"role": "assistant", "content": line})
            work.go(Phase.INTENT)
            return work.finish()
        if isinstance(event, CallerHungUp):
            work.set(outcome=Outcome.ABANDONED.value, phase=Phase.ENDED, pending=None)
            work.actions.append(EndCall(Outcome.ABANDONED))
            return work.finish()
        if isinstance(event, CallerInterrupted):
            return self._interrupted(work, event.heard_text)
        if isinstance(event, CallerPressed):
            keys = event.digits.strip("#*")
            if keys == "0":  # the keypad's way of asking for a person
                return self._hand_over(work, "caller_request", replay=f"(pressed {keys})")
            if state.phase is Phase.CONFIRM and consent_digits(keys) != "unclear":
                return self._heard(work, consent_digits(keys), pressed=True)
            return self._heard(work, keys, pressed=True)
        if isinstance(event, CallerSaid):
            return self._heard(work, event.text, pressed=False)
        return self._result(work, event)

    def _rules_step(
        self, state: DialogueState, memory: ModelMemory, event: Event, context: Context
    ) -> Step:
        """The rules policy serves the event; the memory (why it took over) is kept."""
        step = self._rules.step(state, event, context)
        return Step(dataclasses.replace(step.state, model=memory), step.actions)

    def _heard(self, work: _Work, text: str, *, pressed: bool) -> Step:
        memory = work.memory
        if not pressed:
            if safety.find_red_flag(text) is not None:
                # No model round trip: the rules policy's emergency script, at once.
                return self._hand_over(work, "emergency", replay=text)
            if safety.asks_for_human(text):
                return self._hand_over(work, "caller_request", replay=text)
        memory.calls_this_turn = 0
        memory.tools_this_turn = 0
        memory.utterance = text
        work.transcript.append(("caller", f"(pressed {text})" if pressed else text))
        if work.state.phase is Phase.CONFIRM and work.req.readback:
            question = self._confirm_question(work.state.intent)
            answer = read_consent(text, work.state.intent, f"{work.req.readback} {question}")
            memory.consented = answer == "yes" and not work.req.readback_unheard
            if not memory.consented:
                work.req.readback = ""
                work.go(Phase.INTENT)
        vault = self._vault(memory, work.context)
        spans = self._engine.detect(text, self._known(work, vault))
        vault, hidden = vault.conceal(text, spans, self._read_date(work.context))
        memory.placeholders = dict(vault.values)
        memory.history.append({"role": "user", "content": hidden})
        return self._ask(work)

    def _interrupted(self, work: _Work, heard: str) -> Step:
        # What the caller did not hear was never said.
        while work.transcript and work.transcript[-1][0] == "assistant":
            work.transcript.pop()
        if heard.strip():
            work.transcript.append(("assistant", heard.strip()))
        history = work.memory.history
        if history and history[-1].get("role") == "assistant" and not history[-1].get("tool_calls"):
            vault = self._vault(work.memory, work.context)
            history[-1] = {"role": "assistant", "content": vault.scrub(heard.strip())}
        if work.state.phase is Phase.CONFIRM and work.req.readback not in heard:
            work.req.readback_unheard = True
        return work.finish()

    # --- the model --------------------------------------------------------------------------

    def _ask(self, work: _Work) -> Step:
        memory = work.memory
        memory.calls_this_turn += 1
        if memory.calls_this_turn > MAX_MODEL_CALLS_PER_TURN:
            return self._hand_over(work, "model_loop")
        vault = self._vault(memory, work.context)
        system = system_prompt(self.template, work.context.clinic, work.context.now)
        messages = [ModelMessage("system", system)]
        for message in trim(memory.history, self._budget):
            messages.append(
                ModelMessage(
                    role=str(message["role"]),
                    # Belt and braces: any value of the vault that got into the history
                    # verbatim is replaced again before the prompt leaves.
                    content=vault.scrub(str(message.get("content") or "")),
                    tool_call_id=str(message.get("tool_call_id") or ""),
                    tool_calls=tuple(
                        ModelToolCall(c["id"], c["name"], vault.scrub(c["arguments_json"]))
                        for c in message.get("tool_calls") or ()
                    ),
                )
            )
        work.actions.append(AskModel(tuple(messages), toolspec.MODEL_TOOLS))
        return work.finish()

    def _result(self, work: _Work, result: ToolResult) -> Step:
        memory = work.memory
        if result.tool == ASK_MODEL:
            if not result.ok:
                reason = "cost_cap" if result.error_code == "RESOURCE_EXHAUSTED" else "unavailable"
                return self._hand_over(work, reason)
            reply = result.value
            if not isinstance(reply, ModelReply):
                return self._hand_over(work, "unavailable")
            if reply.spoken.strip():
                work.transcript.append(("assistant", reply.spoken.strip()))
            call = reply.tool_calls[0] if reply.tool_calls else None
            message: dict[str, Any] = {"role": "assistant", "content": reply.text}
            if call is not None:
                message["tool_calls"] = [
                    {"id": call.id, "name": call.name, "arguments_json": call.arguments_json}
                ]
            memory.history.append(message)
            if call is None:
                return work.finish()  # the reply was spoken as it streamed: the turn is done
            return self._tool_call(work, call)
        awaiting, memory.awaiting = memory.awaiting, None
        work.set(pending=None)
        if awaiting is None:
            return work.finish()  # a late answer to something already handled
        return self._tool_done(work, awaiting, result)

    # --- the model's tool calls -------------------------------------------------------------

    def _tool_call(self, work: _Work, call: ModelToolCall) -> Step:
        memory = work.memory
        memory.tools_this_turn += 1
        try:
            args = json.loads(call.arguments_json or "{}")
        except ValueError:
            args = None
        if not isinstance(args, dict):
            return self._answer(work, call.id, {"error": "arguments must be a JSON object"})
        handler = {
            toolspec.VERIFY_IDENTITY: self._verify,
            toolspec.FIND_SLOTS: self._find,
            toolspec.LIST_APPOINTMENTS: self._list,
            toolspec.PREPARE_CHANGE: self._prepare,
            toolspec.MAKE_CHANGE: self._make,
            toolspec.TRANSFER_TO_STAFF: self._transfer,
            toolspec.END_CALL: self._end,
        }.get(call.name)
        if handler is None:
            return self._answer(work, call.id, {"error": f"there is no tool {call.name!r}"})
        return handler(work, call.id, args)

    def _answer(self, work: _Work, call_id: str, payload: dict[str, Any]) -> Step:
        """The tool's answer goes back to the model, which is asked again."""
        work.memory.history.append(tool_message(call_id, payload))
        return self._ask(work)

    def _run(self, work: _Work, call_id: str, name: str, tool: Tool, phase: Phase) -> Step:
        work.memory.awaiting = {"id": call_id, "name": name}
        work.go(phase)
        work.tool(tool)
        return work.finish()

    def _verify(self, work: _Work, call_id: str, args: dict[str, Any]) -> Step:
        vault = self._vault(work.memory, work.context)
        said_name, said_born = str(args.get("full_name", "")), str(args.get("date_of_birth", ""))
        if "[" not in said_name or "[" not in said_born:
            return self._answer(
                work,
                call_id,
                {"error": "use the caller's own words: the placeholders, e.g. [NAME_1] [DOB_1]"},
            )
        try:
            name, born_text = vault.resolve(said_name), vault.resolve(said_born)
        except UnknownPlaceholder as error:
            return self._answer(work, call_id, {"error": str(error)})
        born = self._read_date(work.context)(born_text)
        if born is None:
            return self._answer(
                work, call_id, {"error": "that is not a date of birth; ask the caller again"}
            )
        work.set(caller_name=name, date_of_birth=born.isoformat())
        return self._run(
            work,
            call_id,
            toolspec.VERIFY_IDENTITY,
            ToolVerifyIdentity(full_name=name, date_of_birth=born),
            Phase.VERIFYING,
        )

    def _find(self, work: _Work, call_id: str, args: dict[str, Any]) -> Step:
        clinic = work.context.clinic
        code = str(args.get("appointment_type", ""))
        code = code if clinic.appointment_type(code) is not None else ""
        provider = str(args.get("provider_id", ""))
        provider = provider if clinic.provider(provider) is not None else ""
        part = str(args.get("part_of_day", ""))
        part = part if part in ("morning", "afternoon", "evening") else ""
        start_after: datetime = work.context.now
        start_before: datetime | None = None
        try:
            day = self._vault(work.memory, work.context).resolve(str(args.get("day", "")))
        except UnknownPlaceholder as error:
            return self._answer(work, call_id, {"error": str(error)})
        if day.strip():
            when = parse_preference(day, work.context.now, clinic.zone)
            if when is None:
                return self._answer(work, call_id, {"error": f"cannot read the day {day!r}"})
            start_after, start_before = when.start_after, when.start_before
            part = part or when.part_of_day
        if "appointment" in args:  # a reschedule: times for the appointment to move
            if not work.state.verified_patient_id:
                return self._answer(work, call_id, {"error": NOT_VERIFIED})
            target = _pick(work.req.appointments, args.get("appointment"))
            if target is None:
                return self._answer(
                    work,
                    call_id,
                    {"error": "appointment must be one of the numbers list_appointments gave"},
                )
            work.req.target = target
            work.set(intent="reschedule")
            code = code or str(target["slot"]["appointment_type"])
            provider = provider or str(target["slot"].get("provider_id", ""))
        else:
            work.set(intent="book")
        work.req.visit_type = code or work.req.visit_type
        work.req.provider = provider
        return self._run(
            work,
            call_id,
            toolspec.FIND_SLOTS,
            ToolFindSlots(
                appointment_type=code,
                provider_id=provider,
                start_after=start_after,
                start_before=start_before,
                part_of_day=part,
                limit=OFFER_COUNT,
            ),
            Phase.FINDING,
        )

    def _list(self, work: _Work, call_id: str, args: dict[str, Any]) -> Step:
        if not work.state.verified_patient_id:
            return self._answer(work, call_id, {"error": NOT_VERIFIED})
        return self._run(
            work, call_id, toolspec.LIST_APPOINTMENTS, ToolListAppointments(), Phase.LISTING
        )

    def _prepare(self, work: _Work, call_id: str, args: dict[str, Any]) -> Step:
        action = str(args.get("action", ""))
        if action not in CHANGES:
            return self._answer(work, call_id, {"error": "action is book, cancel or reschedule"})
        if not work.state.verified_patient_id:
            return self._answer(work, call_id, {"error": NOT_VERIFIED})
        offer = _pick(work.req.offers, args.get("option")) if action != "cancel" else None
        target = None
        if action != "book":
            target = _pick(work.req.appointments, args.get("appointment"))
            if target is None and "appointment" not in args and action == "reschedule":
                target = work.req.target  # the one find_slots searched times for
        if action != "cancel" and offer is None:
            return self._answer(
                work, call_id, {"error": "option must be one of the numbers find_slots gave"}
            )
        if action != "book" and target is None:
            return self._answer(
                work,
                call_id,
                {"error": "appointment must be one of the numbers list_appointments gave"},
            )
        work.memory.consented = False
        work.set(intent=action, intents_tried=_tried(work.state.intents_tried, action))
        work.req.chosen, work.req.target, work.req.hold_id = offer, target, ""
        if offer is not None:
            return self._run(
                work,
                call_id,
                toolspec.PREPARE_CHANGE,
                ToolHoldSlot(slot_id=str(offer["slot_id"])),
                Phase.HOLDING,
            )
        assert target is not None
        core = f"I'll cancel {speech.say_appointment(target, work.context.clinic)}."
        return self._read_back(work, call_id, core)

    def _read_back(self, work: _Work, call_id: str, core: str) -> Step:
        """The code, not the model, reads the change back; the turn ends on the question."""
        work.req.readback, work.req.readback_unheard = core, False
        work.go(Phase.CONFIRM)
        question = self._confirm_question(work.state.intent)
        work.say(core, question)
        work.memory.history.append(
            tool_message(call_id, {"read_back": core, "status": "asked the caller to confirm"})
        )
        work.memory.history.append({"role": "assistant", "content": f"{core} {question}"})
        return work.finish()

    @staticmethod
    def _confirm_question(intent: str) -> str:
        if intent == "cancel":
            return f"Would you like me to cancel it? {PRESS_YES_NO}"
        if intent == "reschedule":
            return f"Shall I go ahead? {PRESS_YES_NO}"
        return f"Shall I book it? {PRESS_YES_NO}"

    def _make(self, work: _Work, call_id: str, args: dict[str, Any]) -> Step:
        if not work.state.verified_patient_id:
            return self._answer(work, call_id, {"error": NOT_VERIFIED})
        req, intent = work.req, work.state.intent
        if work.state.phase is not Phase.CONFIRM or not req.readback:
            return self._answer(work, call_id, {"error": "call prepare_change first"})
        if not work.memory.consented:
            return self._answer(
                work,
                call_id,
                {"error": "the caller has not said an explicit yes to the read-back; nothing "
                 "was changed"},
            )  # fmt: skip
        work.memory.consented = False
        tool: Tool
        if intent == "cancel" and req.target is not None:
            tool = ToolCancel(appointment_id=str(req.target["appointment_id"]))
        elif intent == "reschedule" and req.target is not None and req.chosen is not None:
            tool = ToolReschedule(
                appointment_id=str(req.target["appointment_id"]),
                new_slot_id=str(req.chosen["slot_id"]),
                hold_id=req.hold_id,
            )
        elif intent == "book" and req.chosen is not None:
            tool = ToolBook(slot_id=str(req.chosen["slot_id"]), hold_id=req.hold_id)
        else:
            return self._answer(work, call_id, {"error": "call prepare_change first"})
        return self._run(work, call_id, toolspec.MAKE_CHANGE, tool, Phase.COMMITTING)

    def _transfer(self, work: _Work, call_id: str, args: dict[str, Any]) -> Step:
        reason = str(args.get("reason", ""))
        reason = reason if reason in HANDOFF_LINES else "caller_request"
        vault = self._vault(work.memory, work.context)
        summary = str(args.get("summary", ""))
        try:
            summary = vault.resolve(summary)
        except UnknownPlaceholder:
            summary = ""
        work.memory.history.append(tool_message(call_id, {"status": "transferring"}))
        return self._handoff(work, reason, "routine", summary)

    def _end(self, work: _Work, call_id: str, args: dict[str, Any]) -> Step:
        work.memory.history.append(tool_message(call_id, {"status": "call ended"}))
        spoken = any(s == "assistant" for s, _ in work.transcript[-1:])
        if not spoken:
            work.say(f"Thank you for calling {work.context.clinic.name}. Goodbye!")
        work.set(outcome=Outcome.CONTAINED.value, phase=Phase.ENDED, pending=None)
        work.actions.append(EndCall(Outcome.CONTAINED))
        return work.finish()

    def _handoff(self, work: _Work, reason: str, urgency: str, summary: str) -> Step:
        """Creates the handoff; the rules policy reads the ticket (transfer or callback)."""
        work.memory.handed_over = "handoff"
        work.set(
            handoff=HandoffPlan(reason, urgency),
            intents_tried=_tried(
                work.state.intents_tried, "human" if reason == "caller_request" else reason
            ),
            identity_check="verified" if work.state.verified_patient_id else "not_attempted",
        )
        work.say(HANDOFF_LINES.get(reason, HANDOFF_LINES["caller_request"]))
        work.go(Phase.HANDOFF)
        work.tool(
            ToolCreateHandoff(
                reason=reason,
                urgency=urgency,
                summary=summary or f"The caller was handed to staff ({reason.replace('_', ' ')}).",
                caller_name=work.state.caller_name,
                callback_number=work.context.caller_number,
            )
        )
        return work.finish()

    # --- tool results -----------------------------------------------------------------------

    def _tool_done(self, work: _Work, awaiting: dict[str, Any], result: ToolResult) -> Step:
        call_id = str(awaiting["id"])
        clinic = work.context.clinic
        if not result.ok:
            if result.error_message.startswith(WRITES_PAUSED):
                return self._handoff(work, "system_error", "soon", "Booking changes are paused.")
            work.go(Phase.INTENT)
            if result.error_code == "FAILED_PRECONDITION" and result.tool in (
                "ToolHoldSlot",
                "ToolBook",
                "ToolReschedule",
            ):
                work.req.chosen, work.req.hold_id, work.req.readback = None, "", ""
                return self._answer(
                    work, call_id, {"error": "that time was just taken; find other times"}
                )
            return self._answer(
                work,
                call_id,
                {"error": f"the clinic's system did not answer ({result.error_code})"},
            )
        value = result.value
        if isinstance(value, VerifiedIdentity):
            if value.verified:
                work.set(verified_patient_id=value.patient_id, identity_check="verified")
                work.go(Phase.INTENT)
                return self._answer(work, call_id, {"verified": True})
            failures = work.state.verify_failures + 1
            work.set(verify_failures=failures, verified_patient_id="")
            if value.locked_out or failures >= MAX_VERIFY_FAILURES:
                work.set(identity_check="failed")
                return self._handoff(work, "identity_failed", "routine", "")
            work.go(Phase.INTENT)
            return self._answer(
                work,
                call_id,
                {"verified": False, "attempts_left": MAX_VERIFY_FAILURES - failures},
            )
        if isinstance(value, str) and result.tool == "ToolHoldSlot":
            work.req.hold_id = value
            chosen = work.req.chosen or {}
            if work.state.intent == "reschedule" and work.req.target is not None:
                core = (
                    f"I'll move {speech.say_appointment(work.req.target, clinic)} to "
                    f"{speech.say_slot(chosen, clinic)}."
                )
            else:
                kind = speech.type_name(clinic, str(chosen.get("appointment_type", "")))
                core = (
                    f"I have you down for {speech.with_article(kind)} on "
                    f"{speech.say_slot(chosen, clinic)}."
                )
            return self._read_back(work, call_id, core)
        if isinstance(value, AppointmentInfo):
            done = appointment_data(value)
            intent = work.state.intent
            verb = {"cancel": "cancelled", "reschedule": "rescheduled"}.get(intent, "booked")
            when = speech.say_slot(done["slot"], clinic)
            work.set(made=None if intent == "cancel" else done)
            work.req = Request()
            work.go(Phase.INTENT)
            return self._answer(work, call_id, {"done": verb, "when": when})
        if isinstance(value, tuple | list) and result.tool == "ToolFindSlots":
            offers = [slot_data(s) for s in value if isinstance(s, SlotOption)][:OFFER_COUNT]
            work.req.offers = offers
            work.go(Phase.OFFER if offers else Phase.INTENT)
            return self._answer(
                work,
                call_id,
                {
                    "options": [
                        {"option": i + 1, "when": speech.say_slot(o, clinic)}
                        for i, o in enumerate(offers)
                    ]
                },
            )
        if isinstance(value, tuple | list) and result.tool == "ToolListAppointments":
            listed = sorted(
                (appointment_data(a) for a in value if isinstance(a, AppointmentInfo)),
                key=lambda a: str(a["slot"]["start"]),
            )
            work.req.appointments = listed
            work.go(Phase.PICK_APPOINTMENT if listed else Phase.INTENT)
            return self._answer(
                work,
                call_id,
                {
                    "appointments": [
                        {"appointment": i + 1, "what": speech.say_appointment(a, clinic)}
                        for i, a in enumerate(listed)
                    ]
                },
            )
        work.go(Phase.INTENT)
        return self._answer(work, call_id, {"error": "unexpected answer from the clinic's system"})

    # --- the rules policy takes over ----------------------------------------------------------

    def _hand_over(self, work: _Work, reason: str, replay: str | None = None) -> Step:
        """The rules policy continues the call from the same state (see the module docstring).

        ``replay``: the caller's words to hand it (an emergency, a request for a person). By
        default the turn's utterance is replayed when no tool has acted on it yet; otherwise
        the rules policy's question for the phase the progress maps to is asked."""
        memory = work.memory
        memory.handed_over = reason
        memory.awaiting = None
        state = work.state
        req = work.req
        verified = bool(state.verified_patient_id)
        intent = state.intent
        if req.readback and intent in CHANGES and (req.chosen or req.target):
            phase = Phase.CONFIRM
        elif verified and req.offers:
            phase = Phase.OFFER
        elif verified and req.appointments and intent in ("cancel", "reschedule"):
            phase = Phase.PICK_APPOINTMENT
        elif verified and intent == "book":
            phase = Phase.ASK_TIME if req.visit_type else Phase.ASK_TYPE
        elif state.made is not None or (verified and state.phase is Phase.INTENT and intent):
            phase = Phase.ANYTHING_ELSE
        else:
            phase = Phase.INTENT
        if phase is Phase.CONFIRM and not memory.consented and replay is None:
            phase = Phase.OFFER if req.offers else Phase.INTENT
            req.readback = ""
        text = replay
        if text is None and memory.tools_this_turn == 0 and memory.utterance:
            text = memory.utterance
        transcript = list(work.transcript)
        if text is not None and transcript and transcript[-1] == ("caller", text):
            transcript.pop()  # the rules policy writes it down itself
        mapped = dataclasses.replace(
            state,
            phase=phase,
            request=req,
            pending=None,
            transcript=tuple(transcript[-TRANSCRIPT_LIMIT:]),
            model=memory,
        )
        if text is not None:
            step = self._rules_step(mapped, memory, CallerSaid(text), work.context)
            return Step(step.state, (*work.actions, *step.actions))
        work.state = mapped
        work.transcript = transcript
        work.say(self._question(phase, req, intent, work.context))
        return work.finish()

    @staticmethod
    def _question(phase: Phase, req: Request, intent: str, context: Context) -> str:
        """What the rules policy would ask in ``phase`` (after the model went away)."""
        clinic = context.clinic
        if phase is Phase.OFFER:
            read = [
                f"{speech.ordinal_word(i + 1).capitalize()}, {speech.say_slot(o, clinic)}"
                for i, o in enumerate(req.offers)
            ]
            return f"I have {'. '.join(read)}. Which one works for you?"
        if phase is Phase.PICK_APPOINTMENT:
            read = [
                f"The {speech.ordinal_word(i + 1)} is {speech.say_appointment(a, clinic)}"
                for i, a in enumerate(req.appointments)
            ]
            return f"{'. '.join(read)}. Which one do you mean?"
        if phase is Phase.CONFIRM:
            return f"{req.readback} {LlmPolicy._confirm_question(intent)}"
        return {
            Phase.ASK_TYPE: "What kind of visit do you need?",
            Phase.ASK_TIME: "What day and time would work best for you?",
            Phase.ANYTHING_ELSE: "Is there anything else I can help you with?",
        }.get(phase, "How can I help you today?")

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _read_date(context: Context) -> DateReader:
        today = context.clinic.local(context.now).date()

        def read(text: str) -> date | None:
            return parse_dob(text, today)

        return read

    def _vault(self, memory: ModelMemory, context: Context) -> Vault:
        return Vault.of(memory.placeholders, self._read_date(context))

    @staticmethod
    def _known(work: _Work, vault: Vault) -> phi.Known:
        names = [v for p, v in vault.values.items() if p.startswith("[NAME_")]
        if work.state.caller_name:
            names.append(work.state.caller_name)
        return phi.Known.of(
            names=names,
            date_of_birth=work.state.date_of_birth or None,
            phones=[work.context.caller_number] if work.context.caller_number else None,
        )


def _pick(items: list[dict[str, Any]], number: object) -> dict[str, Any] | None:
    if isinstance(number, bool) or not isinstance(number, int | str):
        return None
    try:
        index = int(number) - 1
    except ValueError:
        return None
    return items[index] if 0 <= index < len(items) else None


def _tried(tried: tuple[str, ...], intent: str) -> tuple[str, ...]:
    return tried if intent in tried else (*tried, intent)
