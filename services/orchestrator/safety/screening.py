"""When to ask the caller directly about suicide, and how to read the answer.

A triage nurse who is unsure asks. The detector (``red_flags``) flags a crisis only when the
rules match or the learned crisis reader is at least ``crisis_model.THRESHOLD`` sure; below
that, quiet crisis talk in wordings nobody wrote down slips through. ``needs_screening(text)``
is true when no red flag is found but either the crisis reader is in the uncertain band
[``SCREEN_FLOOR``, ``THRESHOLD``) (and the words are not history, a what-if or a denial), or a
single weak sign of a plan or a farewell is present (two of them are already a detection).

``SCREEN_FLOOR`` was chosen on the corpora the reader was not tuned on: the intent corpus's
held-out styles and the consent replies, so that routine talk rarely hears the question (a
question costs little; a miss can cost a life): ``python -m
orchestrator.safety.screening_figures`` prints how many utterances of each corpus are asked.

``read_answer(text)`` reads the reply to ``SCREENING_QUESTION``: only a clear denial ("no, I'm
fine, just stressed") is ``DENIED``; "yes", "maybe", "sometimes", "I don't know", silence or
anything unclear is ``NOT_DENIED`` and gets the crisis script.
"""

from __future__ import annotations

import re
from enum import StrEnum

from orchestrator.safety import _context
from orchestrator.safety._ideation import weak_signs
from orchestrator.safety.crisis_model import crisis_probability
from orchestrator.safety.red_flags import RedFlagDetector, default_detector

SCREENING_QUESTION = (
    "I want to make sure you're safe. "
    "Are you having thoughts of hurting yourself or ending your life?"
)
# Below the detection threshold (0.85), above every held-out routine utterance but a handful.
SCREEN_FLOOR = 0.45


_SENTENCE_END = re.compile(r"[.!?;]+")


class Answer(StrEnum):
    DENIED = "denied"
    NOT_DENIED = "not_denied"


def needs_screening(text: str, detector: RedFlagDetector | None = None) -> bool:
    """No red flag in ``text``, but enough doubt to ask (see the module docstring).
    ``detector``: the shared default (rules and the committed crisis reader) when None."""
    detector = detector or default_detector()
    if detector.find(text) is not None:
        return False
    tokens = detector.tokens(text)
    if not tokens:
        return False
    if weak_signs(tokens):
        return True
    model = detector.crisis_model
    if model is None:
        return False
    # A worrying sentence after a routine one ("yes book it. I think they'd be better off") is
    # diluted when the reader scores the whole turn: each sentence is scored too.
    sentences = [part for part in _SENTENCE_END.split(text) if part.strip()]
    probability = max(crisis_probability(model, part) for part in [text, *sentences])
    if not SCREEN_FLOOR <= probability < detector.crisis_threshold:
        return False
    said = _context.context(tokens, 0, len(tokens), event=False, habit=False)
    if said.historical or said.hypothetical:
        return False
    # "I'm not suicidal, I just want my meds refilled": the caller has already answered.
    return not detector.crisis_words_read_as_not_now(tokens)


_DENIAL = re.compile(
    r"^(?:no+|nope|nah|not at all|never|of course not|absolutely not|definitely not|"
    r"god no|no way|im not|i am not|i wouldnt|i would never|id never|im fine|im okay|"
    r"im ok|not me|nothing like that|none)\b"
)
# Anything that softens the denial is not one: the caller gets the crisis script.
_HEDGE = re.compile(
    r"\b(?:yes|yeah|yep|maybe|sometimes|some times|not sure|dont know|do not know|dunno|"
    r"kind of|kinda|sort of|i guess|a little|a bit|occasionally|at times|used to|"
    r"not really|not anymore|but|though|well|lately|often|now and then|i think|probably|"
    r"perhaps|might|sometime)\b"
)


def read_answer(text: str) -> Answer:
    """The caller's reply to ``SCREENING_QUESTION``: only a clear denial is ``DENIED``."""
    said = re.sub(r"[^a-z ]+", " ", text.lower().replace("'", "").replace("\u2019", ""))
    said = " ".join(said.split())
    if not said or _HEDGE.search(said):
        return Answer.NOT_DENIED
    return Answer.DENIED if _DENIAL.match(said) else Answer.NOT_DENIED
