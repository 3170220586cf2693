"""Safety rules enforced in code, whatever the dialogue policy: emergencies, requests for a
person, and questions the assistant must not answer.

``find_red_flag("my dad has chest pain")`` -> ``RedFlag("chest_pain", "chest pain")``;
``find_red_flag("no chest pain just a cough")`` -> None (an obvious negation just before the
phrase, within the same clause, cancels it). ``asks_for_human`` and ``out_of_scope`` follow the
same negation rule. The policy speaks ``SAFETY_MESSAGE`` first and hands the call off as urgent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SAFETY_MESSAGE = (
    "If this is an emergency, hang up and call 911 now. "
    "If you are thinking about suicide, call or text 988."
)

_WHO = r"(?:my|his|her|their|your|the)"
_RED_FLAGS: tuple[tuple[str, str], ...] = (
    ("chest_pain", r"chest (?:pain|pains|pressure|tightness|is tight|hurts|is hurting)"),
    ("chest_pain", rf"pain in {_WHO} chest|heart attack|crushing pain"),
    (
        "breathing",
        r"(?:cant|cannot|can not|couldnt|unable to|hard to|struggling to|trouble|difficulty|"
        r"hard time|problems?) (?:breathe|breathing|catch (?:my|his|her|their) breath)",
    ),
    ("breathing", r"(?:not|stopped|isnt|is not) breathing|short(?:ness)? of breath|choking"),
    ("breathing", r"gasping|turning blue|lips are blue"),
    ("stroke", r"stroke|face (?:is )?droop\w*|droop\w* (?:face|mouth|on one side)"),
    ("stroke", rf"slurr\w* (?:speech|words|{_WHO} words)|speech is slurred|talking funny"),
    ("stroke", r"numb\w* (?:on|down) one side|one side of (?:my|his|her|their|the) (?:body|face)"),
    ("stroke", r"weak\w* on one side|(?:cant|cannot) (?:move|feel) (?:my|his|her) (?:arm|leg)"),
    (
        "bleeding",
        r"(?:severe|heavy|heavily|uncontrolled|a lot of|lots of|profuse) bleeding|"
        r"bleeding (?:heavily|badly|a lot|profusely|everywhere|that wont stop|wont stop)|"
        r"(?:wont|will not|cant|doesnt) stop bleeding|lots of blood|losing (?:a lot of )?blood",
    ),
    (
        "unconscious",
        r"unconscious|passed out|unresponsive|(?:wont|will not|cant) wake (?:up|him|her)|"
        r"not waking up|fainted|collapsed|not responding",
    ),
    ("overdose", r"overdos\w*|took too many (?:pills|tablets)|swallowed (?:a bottle|pills)"),
    (
        "suicidal",
        r"suicid\w*|kill (?:myself|himself|herself)|want to die|wanna die|end (?:my|it) all|"
        r"end my life|hurt (?:myself|himself|herself)|self harm|dont want to (?:live|be alive)|"
        r"better off dead|take my (?:own )?life",
    ),
    ("allergic_reaction", r"anaphyla\w*|epi ?pen"),
    (
        "allergic_reaction",
        r"(?:throat|tongue|lips?|face|mouth) (?:is |are )?(?:closing|swelling|swollen|swelled)|"
        r"swell\w* (?:in|of) (?:my|his|her|the) (?:throat|tongue|lips|face|mouth)",
    ),
    ("seizure", r"seizure|seizing|convuls\w*"),
    ("emergency", r"emergency|call 911|calling 911|ambulance|dying"),
)
# An allergic reaction is an emergency with swelling or breathing trouble, both checked above;
# "allergic reaction" with "swell" anywhere in the same text is caught here.
_ALLERGY_WITH_SWELLING = re.compile(r"allergic reaction.*swell|swell.*allergic reaction")

_NEGATORS = frozenset(
    [
        "no",
        "not",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "never",
        "without",
        "nor",
        "denies",
        "deny",
        "neither",
    ]
)
_CLAUSE_BREAKS = re.compile(r"\b(?:but|and|though|although|however|except|yet|so)\b|[.,;!?]")
_NEGATION_WINDOW = 4  # words before the phrase, within its clause


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    lowered = re.sub(r"[^a-z0-9.,;!? ]+", " ", lowered)
    return " ".join(lowered.split())


def _negated(cleaned: str, start: int) -> bool:
    """Whether a negator stands in the few words before ``start``, in the same clause."""
    before = cleaned[:start]
    clause = _CLAUSE_BREAKS.split(before)[-1]
    words = clause.split()[-_NEGATION_WINDOW:]
    return any(word in _NEGATORS for word in words)


def _first_unnegated(pattern: re.Pattern[str], cleaned: str) -> re.Match[str] | None:
    for match in pattern.finditer(cleaned):
        if not _negated(cleaned, match.start()):
            return match
    return None


@dataclass(frozen=True)
class RedFlag:
    """An emergency sign in what the caller said."""

    kind: str  # chest_pain, breathing, stroke, bleeding, unconscious, overdose, suicidal, ...
    phrase: str  # the words that matched


_COMPILED = tuple((kind, re.compile(rf"\b(?:{pattern})\b")) for kind, pattern in _RED_FLAGS)


def find_red_flag(text: str) -> RedFlag | None:
    """The first emergency sign in ``text`` that is not obviously negated, or None."""
    cleaned = _clean(text)
    for kind, pattern in _COMPILED:
        match = _first_unnegated(pattern, cleaned)
        if match:
            return RedFlag(kind, match.group(0))
    allergy = _ALLERGY_WITH_SWELLING.search(cleaned)
    if allergy and not _negated(cleaned, allergy.start()):
        return RedFlag("allergic_reaction", allergy.group(0))
    return None


_HUMAN = re.compile(
    r"\b(?:operator|receptionist|representative|real person|live person|human|"
    r"(?:talk|speak|speaking|talking|connect me|put me through|transfer me) (?:to|with) "
    r"(?:a |an |the |your )?(?:someone|somebody|person|people|staff|agent|nurse|front desk|"
    r"office|receptionist|representative|rep|human|real|live|doctor|dr)|"
    r"transfer me|agent|front desk please|someone at the front desk|"
    r"(?:need|want|get me|give me|find me) (?:a |an )?(?:person|human|staff member))\b"
)


def asks_for_human(text: str) -> bool:
    """The caller asks for a person ("operator", "can I talk to someone", "agent")."""
    cleaned = _clean(text)
    return _first_unnegated(_HUMAN, cleaned) is not None


_OUT_OF_SCOPE: tuple[tuple[str, str], ...] = (
    (
        "test_results",
        r"(?:what do|what does) (?:my|the) (?:\w+ )?results? (?:mean|say|show)|"
        r"results? (?:mean|say|show)|(?:are|is) (?:my|the) (?:\w+ )?results? (?:back|in|ready|"
        r"normal|ok|okay)|(?:get|give me|tell me|read me|know) (?:my|the) (?:\w+ )?results?|"
        r"interpret",
    ),
    (
        "prescription_dosing",
        r"dose|dosage|how (?:much|many|often) (?:\w+ ){0,3}(?:should|can|do) i take|"
        r"\d+ ?(?:mg|milligrams?)|double up|missed (?:a|my) (?:dose|pill)",
    ),
    (
        "medical_advice",
        r"should i (?:take|be worried|worry|go to|stop|start)|is (?:it|this|that) (?:normal|"
        r"serious|safe|dangerous|contagious)|what (?:should|can) i take|side effects?|"
        r"medical advice|diagnos\w*|do i have (?:a|an|the)? ?(?:infection|virus|cancer|covid)|"
        r"is it safe to|can i (?:take|mix|drink)|how (?:do|can|should) i treat|"
        r"what (?:is|could) (?:wrong with|causing)",
    ),
    (
        "billing",
        r"billing|(?:my|the|a|this|that) bill|invoice|refund|overcharg\w*|charged|"
        r"(?:my|the|outstanding) balance|payment plan|pay (?:my|the|a) (?:bill|balance)|"
        r"collections|statement",
    ),
)
_OUT_COMPILED = tuple(
    (topic, re.compile(rf"\b(?:{pattern})\b")) for topic, pattern in _OUT_OF_SCOPE
)


def out_of_scope(text: str) -> str | None:
    """The topic of a question the assistant must not answer (medical advice, test results,
    prescription dosing, billing), or None. Staff handle these: the policy hands off."""
    cleaned = _clean(text)
    for topic, pattern in _OUT_COMPILED:
        if _first_unnegated(pattern, cleaned):
            return topic
    return None
