"""What the caller wants, from keywords and patterns (lower-case ASR text, no punctuation needed).

``detect_intent("i need to move my appointment to friday")`` -> "reschedule". Appointment
intents win over information questions; reschedule wins over book and cancel when both appear
("cancel and rebook" is a reschedule). FAQ topics are clinic-specific: see ``catalog.match_faq``.
``clauses`` and ``is_question`` let the policy tell "where can I park when I come in?" (a
question whose "come in" is only context) from "I'd like to come in, and where do I park?".
"""

from __future__ import annotations

import re
from typing import Literal

Intent = Literal["book", "reschedule", "cancel", "list", "hours", "address", "goodbye"]
APPOINTMENT_INTENTS: tuple[str, ...] = ("book", "reschedule", "cancel", "list")

_RESCHEDULE = re.compile(
    r"\b(?:re ?schedul\w*|re ?book\w*|move (?:my|the|it|our|his|her)|change (?:my|the|it|our|his|"
    r"her) (?:appointment|visit|time|date|day)|different (?:time|day|date)|push (?:it|my|the) "
    r"(?:back|out)|postpone|cancel and (?:book|make|schedule)|another (?:time|day) for my)\b"
)
_CANCEL = re.compile(
    r"\b(?:cancel\w*|call off|(?:cant|cannot|wont|will not|not going to|not gonna) "
    r"(?:make it|come|be able to (?:make|come))|dont need (?:my|the) appointment)\b"
)
_LIST = re.compile(
    r"\b(?:when(?: is|s| was)? my (?:next )?(?:appointment|visit)|confirm (?:my|an|the) "
    r"(?:appointment|visit)|(?:do|did) i have (?:an |any )?(?:appointments?|visits?)|"
    r"(?:what|which|list|check|verify|review) (?:are )?(?:my |the )?(?:appointments|appointment|"
    r"visits)|my upcoming|what time is my|appointment (?:is )?confirmed|"
    r"(?:do|did) i have (?:any|anything|something) (?:coming up|booked|scheduled))\b"
)
_BOOK = re.compile(
    r"\b(?:book|booking|schedul\w*|make (?:an|a|my) (?:appointment|visit)|set up|"
    r"(?:need|want|like|get|have|request) "
    r"(?:an |a |to (?:make|book|get|have|schedule) (?:an |a )?)?"
    # one descriptive word may stand before the visit: "need a sick visit", "want a new physical"
    r"(?:(?!(?:my|your|the|his|her|our|their) )[a-z]+ )?"
    r"(?:appointment|visit|checkup|check up|physical)|see (?:a |the |my )?(?:dr|doctor|nurse|"
    r"provider|someone about)|come in|get in|new appointment|an appointment|appointment for)\b"
)
_HOURS = re.compile(
    r"\b(?:hours|open|opening|close|closing|closed|what time do you|when do you|are you open)\b"
)
_ADDRESS = re.compile(
    r"\b(?:address|where are you|where is the (?:clinic|office)|located|location|directions|"
    r"how do i get there|where do i go|where you are)\b"
)
_GOODBYE = re.compile(
    r"\b(?:bye|goodbye|good bye|thats all|that is all|thats it|that is it|nothing else|"
    r"no thats all|im good|im all set|im done|all set|have a (?:good|nice) (?:day|one)|"
    r"no thank you|no thanks|nope thats it|thank you bye)\b"
)
_REPEAT = re.compile(
    r"\b(?:repeat|say (?:that|it) again|come again|what did you say|pardon|didnt (?:hear|catch))\b"
)
_STOP = re.compile(r"\b(?:never ?mind|forget it|forget about it|stop|skip it)\b")


def clean(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation as spaces, "doctor" kept."""
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", lowered).split())


def detect_intent(text: str) -> Intent | None:
    """The caller's main intent, or None when the text names none of them."""
    said = clean(text)
    if _RESCHEDULE.search(said):
        return "reschedule"
    if _CANCEL.search(said):
        return "cancel"
    if _LIST.search(said):
        return "list"
    if _BOOK.search(said):
        return "book"
    if _ADDRESS.search(said):
        return "address"
    if _HOURS.search(said):
        return "hours"
    if _GOODBYE.search(said):
        return "goodbye"
    return None


def is_goodbye(text: str) -> bool:
    return _GOODBYE.search(clean(text)) is not None


def is_stop(text: str) -> bool:
    """ "never mind", "forget it": the caller drops the current request."""
    return _STOP.search(clean(text)) is not None


def is_repeat_request(text: str) -> bool:
    """ "can you repeat that", "what did you say": say the question again."""
    return _REPEAT.search(clean(text)) is not None


_CLAUSE_SPLIT = re.compile(r"[.?!;]+|\b(?:and|also|plus|then)\b")
_QUESTION_LEAD = re.compile(
    r"^(?:(?:hi|hello|hey|um+|uh+|oh|so|well|okay|ok|yes|yeah|and|also|quick question|wait|"
    r"sorry|actually|by the way|excuse me|one more thing)\s+)*"
    r"(?:where|what|whats|how|when|which|who|why|do|does|did|is|are|can|could|will|would|should|"
    r"may)\b"
)


def clauses(text: str) -> list[str]:
    """The text cut at sentence ends and at "and" / "also" / "then", each clause cleaned; empty
    pieces dropped. Commas do not cut: "where can i park, when i come in" is one question."""
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    return [c for c in (clean(piece) for piece in _CLAUSE_SPLIT.split(lowered)) if c]


def is_question(clause: str) -> bool:
    """Whether a clause asks something: it opens with a question word ("where can i park",
    "do you take medicare", "hi how do i get a refill"), after fillers."""
    return _QUESTION_LEAD.match(clean(clause)) is not None


# Asking what is free ("do you have anything open tuesday") is a slot request, not about hours.
_AVAILABILITY = re.compile(
    r"\b(?:anything|something|any (?:openings?|slots?|times?|appointments?|availability|room)|"
    r"openings?|available|availability|slots?|spots?)\b"
)


def asks_about_hours(text: str) -> bool:
    """A question about the clinic's opening hours ("how late are you open on thursdays?",
    "what time do you close friday"), as opposed to a day and time for an appointment ("do
    you have anything open tuesday?", "thursday evening")."""
    said = clean(text)
    return (
        is_question(said) and detect_intent(said) == "hours" and _AVAILABILITY.search(said) is None
    )
