"""Whether an answer to a read-back is consent to make the change, and what to do if not.

``read_consent("yes please book it", "book", read_back)`` -> "yes";
``read_consent("I guess, let me check with my husband first", "book", read_back)`` -> "defer";
``read_consent("sure, that sounds... actually is that with a man or a woman doctor?", ...)`` ->
"unsure"; ``read_consent("oh no no, please don't cancel it", "cancel", read_back)`` -> "no".

Whether the words are an explicit, unhedged yes is the consent classifier's call
(``understanding.consent.classify_consent``: hedges, conditions, questions, mixed answers and
anything it cannot account for are "unclear"). The dialogue adds what depends on the read-back
it asked about:

* a refusal of the change itself ("don't cancel it", "keep it", "on second thought") is a no,
  whatever else is said, so the caller is not asked again about something they declined;
* wanting to wait ("let me check with my husband first", "can I call you back to confirm?")
  is "defer": nothing changes and the call moves on instead of asking the same question again;
* a yes that names a different change than the one read back ("yes, please change it" to
  "shall I cancel it?") is "unsure": it agrees to something that was not read back.

The dialogue handles a red flag before any answer is read; this rule still refuses to read
consent from an answer with one in it ("yes book it, but I can barely breathe" is "unsure"), so
a policy that calls it first can never book on such an answer.
"""

from __future__ import annotations

import re
from typing import Literal

from orchestrator.safety import RedFlagDetector, default_detector
from orchestrator.understanding.consent import classify_consent

Consent = Literal["yes", "no", "defer", "unsure"]

_REFUSAL = re.compile(
    r"\b(?:(?:dont|do not|please dont|not|never) (?:cancel|book|move|change|reschedule|do) "
    r"(?:it|that|this|anything)|keep (?:it|that|my appointment|the appointment)|leave it|"
    r"changed my mind|change my mind|on second thought|second thoughts|forget it|never ?mind|"
    r"not (?:that|this) one|no no)\b"
)
_LEADING_NO = re.compile(r"^(?:(?:oh|ah|um+|uh+|er+|well|so|hmm+)\s+)*(?:no|nope|nah)\b(?! yes)")
_DEFER = re.compile(
    r"\b(?:call (?:you |ya )?back|get back to you|check with|ask my|talk to my|speak to my|"
    r"speak with my|talk with my|think about it|think it over|sleep on it|not (?:right )?now|"
    r"let me (?:check|see|think|look|ask|confirm)|(?:my|the) calendar|another time|maybe later|"
    r"(?:call|decide|do (?:it|this)|confirm|book|talk|know) (?:it |this )?later)\b"
)
# The words for each change; a yes that names only another change agrees to something else.
_ACTIONS = {
    "book": re.compile(r"\b(?:book|schedule|make)\b"),
    "cancel": re.compile(r"\b(?:cancel\w*|call off|delete|remove)\b"),
    "reschedule": re.compile(r"\b(?:move|change|reschedul\w*|switch|push|rebook)\b"),
}


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9?]+", " ", lowered).split())


def read_consent(
    text: str, action: str = "", read_back: str = "", detector: RedFlagDetector | None = None
) -> Consent:
    """See the module docstring. ``action`` is the change read back ("book", "cancel",
    "reschedule"), ``read_back`` the words the caller heard; ``detector`` the red-flag
    detector (the shared default when not given)."""
    if (detector or default_detector()).find(text) is not None:
        return "unsure"  # never consent beside an emergency sign
    said = _clean(text)
    if _REFUSAL.search(said) or _LEADING_NO.match(said):
        return "no"
    answer = classify_consent(text, read_back).answer
    if answer == "no":
        return "no"
    if answer != "yes":
        return "defer" if _DEFER.search(said) else "unsure"
    if action in _ACTIONS:
        others = [a for a, words in _ACTIONS.items() if a != action and words.search(said)]
        if others and not _ACTIONS[action].search(said):
            return "unsure"
    return "yes"
