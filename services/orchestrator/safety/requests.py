"""Requests the assistant hands to staff: asking for a person, and questions it must not
answer (medical advice, test results, dosing, billing).

``asks_for_human("can I talk to someone")`` -> True; ``asks_for_human("my insurance agent told
me to call")`` -> False (an agent mentioned, not asked for). ``out_of_scope("how many ibuprofen
can I take")`` -> "prescription_dosing". An obvious negation just before the phrase, in the
same clause, cancels it ("I don't need a person").
"""

from __future__ import annotations

import re

_NEGATORS = frozenset(
    ["no", "not", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "never", "without",
     "nor", "denies", "deny", "neither"]
)  # fmt: skip
_CLAUSE_BREAKS = re.compile(r"\b(?:but|and|though|although|however|except|yet|so)\b|[.,;!?]")
_NEGATION_WINDOW = 4  # words before the phrase, within its clause


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    lowered = re.sub(r"[^a-z0-9.,;!? ]+", " ", lowered)
    return " ".join(lowered.split())


def _negated(cleaned: str, start: int) -> bool:
    clause = _CLAUSE_BREAKS.split(cleaned[:start])[-1]
    return any(word in _NEGATORS for word in clause.split()[-_NEGATION_WINDOW:])


def _first_unnegated(pattern: re.Pattern[str], cleaned: str) -> re.Match[str] | None:
    for match in pattern.finditer(cleaned):
        if not _negated(cleaned, match.start()):
            return match
    return None


# "agent" alone asks for one; "my insurance agent", "a travel agent" only mention one.
_AGENT = r"(?<!insurance )(?<!travel )(?<!estate )(?<!my )(?<!his )(?<!her )(?<!their )agent"
_HUMAN = re.compile(
    r"\b(?:operator|receptionist|representative|real person|live person|human|"
    r"(?:talk|speak|speaking|talking|connect me|put me through|transfer me) (?:to|with) "
    r"(?:a |an |the |your )?(?:someone|somebody|person|people|staff|agent|nurse|front desk|"
    r"office|receptionist|representative|rep|human|real|live|doctor|dr)|"
    rf"transfer me|{_AGENT}|front desk please|someone at the front desk|"
    r"(?:need|want|get me|give me|find me) (?:a |an )?(?:person|human|staff member))\b"
)
# Mentions, not requests: "my insurance agent told me to call", "the operator at the hospital".
_ASKING = (
    "talk",
    "speak",
    "connect",
    "put",
    "transfer",
    "need",
    "want",
    "get",
    "give",
    "find",
    "front desk please",
    "someone",
)
_MENTION = re.compile(r"\b(?:told me|said|says|gave me|sent me|asked me|recommended)\b")


def asks_for_human(text: str) -> bool:
    """The caller asks for a person ("operator", "can I talk to someone", "agent")."""
    cleaned = _clean(text)
    match = _first_unnegated(_HUMAN, cleaned)
    if match is None:
        return False
    # "the receptionist at my other doctor told me to call": a person reported, not asked
    # for. "Can I talk to the receptionist, she told me to call back" still asks.
    asked = match.group(0).startswith(_ASKING) or match.group(0) == "human"
    return asked or not _MENTION.search(cleaned[match.end() :])


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
        # "how much ibuprofen can I give my toddler": giving counts as taking.
        r"dose|dosage|how (?:much|many|often) (?:\w+ ){0,3}(?:should|can|could|do|does) "
        r"(?:i|we|he|she|they) (?:take|give|have)|"
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
