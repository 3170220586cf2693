"""What a handoff tells the agent: where identity verification stands and a few sentences
an agent can act on without asking the caller again (``handoff.packet`` carries both)."""

from __future__ import annotations

from orchestrator.rules.turn import Turn
from orchestrator.understanding import speech
from orchestrator.understanding.intents import APPOINTMENT_INTENTS

REASON_TEXT = {
    "caller_request": "the caller asked for a person",
    "emergency": "possible emergency",
    "misunderstanding": "the assistant could not understand the caller",
    "out_of_scope": "the caller asked something the assistant may not answer",
    "identity_failed": "identity could not be verified",
    "system_error": "a system was not responding",
}
INTENT_TEXT = {
    "book": "book an appointment",
    "reschedule": "reschedule an appointment",
    "cancel": "cancel an appointment",
    "list": "check their appointments",
}


def provider_name(turn: Turn, provider_id: str) -> str:
    provider = turn.clinic.provider(provider_id)
    return provider.name if provider else "That provider"


def identity_check(turn: Turn, max_failures: int) -> str:
    """Where verification stands. Only appointment requests ask for it (``_start``)."""
    if turn.verified_patient_id:
        return "verified"
    if turn.verify_failures >= max_failures:
        return "failed"
    if any(intent in APPOINTMENT_INTENTS for intent in turn.intents_tried):
        return "incomplete"
    return "not_attempted"


def summary(turn: Turn, reason: str, detail: str) -> str:
    """A few sentences an agent can act on without asking again."""
    req = turn.req
    lines = [f"Handoff: {REASON_TEXT[reason]}."]
    if detail:
        lines.append(detail[0].upper() + detail[1:] + ("" if detail.endswith(".") else "."))
    if turn.intent:
        lines.append(f"The caller wanted to {INTENT_TEXT.get(turn.intent, turn.intent)}.")
    if turn.intents_tried:
        lines.append(f"Requests this call: {', '.join(turn.intents_tried)}.")
    if turn.verified_patient_id:
        lines.append(f"Identity verified (patient {turn.verified_patient_id}).")
    else:
        lines.append("Identity not verified.")
    if turn.caller_name:
        lines.append(f"Name given: {turn.caller_name}.")
    if turn.date_of_birth:
        lines.append(f"Date of birth given: {turn.date_of_birth}.")
    if req.visit_type:
        lines.append(f"Visit type: {speech.type_name(turn.clinic, req.visit_type)}.")
    if req.provider:
        lines.append(f"Provider: {provider_name(turn, req.provider)}.")
    if req.when:
        lines.append(f"Preferred time: {req.when.get('said', '')}.")
    if req.target:
        lines.append(f"Appointment concerned: {speech.say_appointment(req.target, turn.clinic)}.")
    if req.chosen:
        lines.append(f"Slot chosen: {speech.say_slot(req.chosen, turn.clinic)}.")
    if turn.notes:
        lines.append(f"What happened: {'; '.join(turn.notes)}.")
    return " ".join(lines)
