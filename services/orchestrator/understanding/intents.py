"""What the caller wants, from keywords and patterns (lower-case ASR text, no punctuation needed).

``detect_intent("i need to move my appointment to friday")`` -> "reschedule". Appointment
intents win over information questions; reschedule wins over book and cancel when both appear
("cancel and rebook" is a reschedule). FAQ topics are clinic-specific: see ``catalog.match_faq``.
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
    r"(?:appointment|visit)|(?:do|did) i have (?:an |any )?(?:appointment|visit)|"
    r"(?:what|which|list|check|verify|review) (?:are )?(?:my |the )?(?:appointments|appointment|"
    r"visits)|my upcoming|what time is my|appointment (?:is )?confirmed)\b"
)
_BOOK = re.compile(
    r"\b(?:book|booking|schedul\w*|make (?:an|a|my) (?:appointment|visit)|set up|"
    r"(?:need|want|like|get|have|request) "
    r"(?:an |a |to (?:make|book|get|have|schedule) (?:an |a )?)?"
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
