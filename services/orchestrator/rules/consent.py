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


# Refusing the change itself, whatever else is said ("oh no no, please don't cancel it").
_REFUSAL = re.compile(
    r"\b(?:(?:dont|do not|please dont|not|never) (?:cancel|book|move|change|reschedule|do) "
    r"(?:it|that|this|anything)|keep (?:it|that|my appointment|the appointment)|leave it|"
    r"changed my mind|change my mind|on second thought|second thoughts|forget it|never ?mind|"
    r"not (?:that|this) one|no no)\b"
)
_LEADING_FILLERS = re.compile(r"^(?:(?:oh|ah|um+|uh+|er+|well|so|hmm+)\s+)+")
# A question: a question mark, a question word opening a clause, or an auxiliary before a
# pronoun ("is it", "can you"); not any clause starting "is" ("yes, is good").
_ASKS = re.compile(
    r"(?:^|\b(?:and|but|so|yes|yeah|ok|okay|sure|wait|actually|um+|uh+)\s+)"
    r"(?:what|whats|when|where|who|which|why|how|(?:is|are|was|will|would|can|could|do|does|did|"
    r"should|shall|may) (?:it|that|this|there|he|she|they|you|i|we|the|a|an|my)\b)"
)


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9?]+", " ", lowered).split())


# The words for each change; a yes that names another change ("yes, please change it" to "shall
# I cancel it?") agrees to something that was not read back.
_ACTIONS = {
    "book": re.compile(r"\b(?:book|schedule|make)\b"),
    "cancel": re.compile(r"\b(?:cancel\w*|call off|delete|remove)\b"),
    "reschedule": re.compile(r"\b(?:move|change|reschedul\w*|switch|push|rebook)\b"),
}


def read_consent(text: str, action: str = "") -> Consent:
    """See the module docstring. ``action`` is the change read back ("book", "cancel",
    "reschedule"); a yes that names only a different one is "unsure"."""
    said = _LEADING_FILLERS.sub("", _clean(text))
    if action in _ACTIONS:
        others = [a for a, words in _ACTIONS.items() if a != action and words.search(said)]
        if others and not _ACTIONS[action].search(said):
            return "unsure"
    answer = classify(said)
    if _REFUSAL.search(said) or said.split()[:1] in (["no"], ["nope"], ["nah"]):
        return "no"
    if _DEFER.search(said):
        return "defer"
    if "?" in said or _ASKS.search(said):
        return "unsure"  # a question is never an answer, not even "wait, how long is it?"
    if answer == "no":
        return "no"
    if answer != "yes" or _HEDGE.search(said) or _CONDITION.search(said):
        return "unsure"
    return "yes"
