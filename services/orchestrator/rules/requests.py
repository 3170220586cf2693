"""Reading a caller's request in the rules policy: which appointment request a text makes, a
closing, a wish for other options, a reference back to what was just booked."""

from __future__ import annotations

import re

from clinic import Clinic
from orchestrator.rules.reasons import visit_type_for
from orchestrator.understanding import catalog
from orchestrator.understanding.intents import (
    APPOINTMENT_INTENTS,
    clauses,
    detect_intent,
    is_question,
)


def request_intent(text: str, clinic: Clinic, faq_matched: bool) -> str | None:
    """The caller's intent for a new request, as ``detect_intent`` reads it, except that

    * an appointment intent found only inside questions about an FAQ topic does not count:
      "where can I park when I come in?" asks about parking ("do you take medicare and can I
      book a checkup" still books: its booking clause is not an FAQ question);
    * naming a visit type the clinic offers is a booking request ("I'd like to get a flu shot",
      "I need a follow up visit"), unless the text is an FAQ question.
    """
    intent = detect_intent(text)
    if intent in APPOINTMENT_INTENTS and faq_matched:
        requests = [
            clause
            for clause in clauses(text)
            if not (is_question(clause) and catalog.match_faq(clause, clinic) is not None)
        ]
        if not any(detect_intent(clause) in APPOINTMENT_INTENTS for clause in requests):
            return None
    if intent is None and not faq_matched and visit_type_for(text, clinic):
        return "book"  # a reason for a visit ("my knee hurts") is a request for one
    return intent


_CLOSING = re.compile(
    r"\b(?:thank|thanks|thankyou|cheers|bye|by|goodbye|all|done|finished|everything|nothing|"
    r"its all|is all|that will be|thatll be)\b"
)


BYE = re.compile(r"\b(?:bye|goodbye|good bye|hang up|gotta go|got to go)\b")
# "cancel that", "move the one I just booked": the appointment made earlier in this call.
REFERS_BACK = re.compile(
    r"\b(?:that|it|this|the one|just|same)\b(?!.*\b(?:other|another|different|older)\b)"
)


def closes(text: str) -> bool:
    """ "That will be all, thank you", "is all, thanks", "thanks by": an answer to "anything
    else?" that asks for nothing (the caller's request words are checked before this)."""
    return _CLOSING.search(catalog.normalise(text)) is not None


def without_words(text: str, name: str) -> str:
    """``text`` without the words of ``name`` (any case), so they are not read as a request."""
    words = {w.lower() for w in name.split()}
    return " ".join(w for w in text.split() if w.strip(",.;:!?").lower() not in words)


def rejects(text: str) -> bool:
    """ "none of those", "something else", "another time": the caller wants other options."""
    said = catalog.normalise(text)
    return any(
        f" {phrase} " in said
        for phrase in (
            "none", "neither", "nothing", "something else", "another", "other", "different",
            "later", "earlier", "dont work", "doesnt work", "wont work", "not work",
        )
    )  # fmt: skip
