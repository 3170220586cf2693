"""Whether an answer to a read-back is consent to make the change.

``read_consent("yes please book it")`` -> "yes"; ``read_consent("I guess, let me check with my
husband first")`` -> "defer"; ``read_consent("sure, that sounds... actually is that with a man or
a woman doctor?")`` -> "unsure"; ``read_consent("no")`` -> "no".

Only an explicit, unhedged yes is consent: a yes (``understanding.yes_no.classify``) with no
hedge ("I guess", "maybe", "I think so"), no condition ("if", "as long as", "but"), no question,
and no wish to wait ("let me check first", "can I call you back"). Everything that is not plainly
yes or no is "unsure", so the read-back is asked again and nothing changes. A red flag never gets
here: it is handled before any answer is read.
"""

from __future__ import annotations

import re
from typing import Literal

from orchestrator.understanding.intents import clauses, is_question
from orchestrator.understanding.yes_no import classify

Consent = Literal["yes", "no", "defer", "unsure"]

_HEDGE = re.compile(
    r"\b(?:i guess|guess so|i suppose|suppose so|maybe|perhaps|probably|possibly|i think|think so|"
    r"not sure|unsure|dont know|do not know|dunno|kind of|sort of|kinda|sorta|might|could be|"
    r"hmm+|not certain|hopefully|i hope|ish)\b"
)
_CONDITION = re.compile(
    r"\b(?:if|unless|as long as|provided|only if|assuming|depends|depending|but|though|although|"
    r"except|however|instead|actually|wait|hold on|hang on|one second|one sec|just a (?:sec|second|"
    r"minute|moment)|before you)\b"
)
_DEFER = re.compile(
    r"\b(?:call (?:you |ya )?back|get back to you|check with|ask my|talk to my|speak to my|"
    r"speak with my|talk with my|think about it|think it over|sleep on it|not (?:right )?now|"
    r"let me (?:check|see|think|look|ask|confirm)|(?:my|the) calendar|another time|maybe later|"
    r"(?:call|decide|do (?:it|this)|confirm|book|talk|know) (?:it |this )?later)\b"
)


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9?]+", " ", lowered).split())


def read_consent(text: str) -> Consent:
    """See the module docstring."""
    said = _clean(text)
    answer = classify(text)
    if _DEFER.search(said) and answer != "no":
        return "defer"
    if answer == "no":
        return "no"
    if answer != "yes":
        return "unsure"
    asks = "?" in said or any(is_question(clause) for clause in clauses(text))
    if asks or _HEDGE.search(said) or _CONDITION.search(said):
        return "unsure"
    return "yes"
