"""Prompt templates, versioned: the ``new_prompt_template`` flag picks one per call at its start.

A template is the system prompt (the clinic's facts, never anything about the caller), the
greeting and the filler said when a tool is slow. ``TEMPLATES["v1"]`` is the stable one,
``TEMPLATES["v2"]`` the one being rolled out; ``template_for(variant)`` maps the flag's variant
name to a template (anything unknown is v1, so a typo in the flag cannot break calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clinic import Clinic
from orchestrator.understanding import speech


@dataclass(frozen=True)
class PromptTemplate:
    version: str
    instructions: str  # with {clinic}, {today}, {hours}, {address}, {types}, {providers}
    greeting: str  # with {clinic}
    filler: str  # said when a tool takes longer than the budget


_RULES = """\
Identifiers the caller says (names, dates of birth, phone numbers) reach you as placeholders
such as [NAME_1] or [DOB_1]. Use them exactly as written in tool arguments and in what you say;
never ask the caller to spell or explain a placeholder.
Before anything about the caller's appointments, verify identity: ask for the full name and date
of birth, then call verify_identity with them.
To book, cancel or reschedule: find the options (find_slots, list_appointments), then call
prepare_change; it reads the change back to the caller and asks for a yes. Only after the caller
says yes, call make_change. Never say a change is made before make_change succeeds.
If the caller asks for a person, or you cannot help, call transfer_to_staff. When the caller is
done, say goodbye and call end_call.
Do not give medical advice."""

V1 = PromptTemplate(
    version="v1",
    instructions=(
        "You are the automated phone assistant of {clinic}. Today is {today}.\n"
        "Hours: {hours} Address: {address}.\n"
        "Visit types (code: name): {types}.\nProviders (id: name): {providers}.\n"
        + _RULES
        + "\nSpeak in short sentences, one or two per reply: this is a phone call."
    ),
    greeting=(
        "Thanks for calling {clinic}. This is the automated assistant. "
        "How can I help you today? You can ask for a person at any time."
    ),
    filler="One moment, please.",
)

V2 = PromptTemplate(
    version="v2",
    instructions=(
        "You answer the phone for {clinic}, a medical clinic. Today is {today}.\n"
        "Opening hours: {hours} We are at {address}.\n"
        "Visit types (code: name): {types}.\nProviders (id: name): {providers}.\n"
        + _RULES
        + "\nBe warm and brief: at most two short sentences per reply, and end with a question "
        "when you need something from the caller."
    ),
    greeting=(
        "Hello, you've reached {clinic}. I'm the automated assistant. "
        "What can I do for you today? You can ask for a person at any time."
    ),
    filler="Just a moment while I check.",
)

TEMPLATES = {template.version: template for template in (V1, V2)}


def template_for(variant: str) -> PromptTemplate:
    """The template a ``new_prompt_template`` variant names (v1 when off or unknown)."""
    return TEMPLATES.get(variant, V1)


def system_prompt(template: PromptTemplate, clinic: Clinic, now: datetime) -> str:
    local = clinic.local(now)
    return template.instructions.format(
        clinic=clinic.name,
        today=f"{local:%A, %B} {local.day}, {local.year}",
        hours=speech.say_hours(clinic),
        address=clinic.address,
        types="; ".join(f"{t.code}: {t.name}" for t in clinic.appointment_types),
        providers="; ".join(f"{p.id}: {p.name}" for p in clinic.providers),
    )


def greeting(template: PromptTemplate, clinic: Clinic) -> str:
    return template.greeting.format(clinic=clinic.name)
