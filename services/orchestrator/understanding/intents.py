"""What the caller wants: a trained classifier (``model.py``) with rules around it.

``classify_intent(text)`` -> ``IntentResult("book", 0.91, "model")`` over ``INTENTS``. The model
reads meaning from word and character n-grams and carries over unseen wording and misspellings;
rules stay where a model alone is unsafe or where the phrase is exact:

* guards first: a question about the cancellation policy or fees, or whether a provider takes
  new patients, is an FAQ, never a cancel or a booking; an explicit request for a person is
  ``human``;
* the model's label when it is confident;
* otherwise the keyword rules below when they name an intent, else the model's best guess when
  it is at least plausible, else ``other``.

``detect_intent(text)`` keeps the original, narrower contract (``Intent`` or None; "check" is
"list"; FAQ, person and other are None). ``clauses`` and ``is_question`` let the policy tell
"where can I park when I come in?" from "I'd like to come in, and where do I park?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from orchestrator.understanding.model import LinearModel, load_model

Intent = Literal["book", "reschedule", "cancel", "list", "hours", "address", "goodbye"]
APPOINTMENT_INTENTS: tuple[str, ...] = ("book", "reschedule", "cancel", "list")

IntentLabel = Literal[
    "book", "reschedule", "cancel", "check", "hours", "address", "faq", "human", "goodbye", "other"
]
INTENTS: tuple[str, ...] = (
    "book", "reschedule", "cancel", "check", "hours", "address", "faq", "human", "goodbye", "other"
)  # fmt: skip
CONFIDENT = 0.70  # the model beats the keyword rules from here (leave-one-style-out on dev)
PLAUSIBLE = 0.25  # below this, and with no rule, the utterance names no intent ("other")
CONFIDENT_UNKNOWN = 0.70  # a label read from character grams alone (no known word) needs this
UNKNOWN_WORDS_SURE = CONFIDENT_UNKNOWN  # ("purple elephant seventeen" read 0.51 "book")


@dataclass(frozen=True)
class IntentResult:
    """The intent, how sure the classifier is (0-1), and what decided it."""

    intent: IntentLabel
    confidence: float
    source: Literal["guard", "model", "rules", "none"]


_RESCHEDULE = re.compile(
    r"\b(?:re ?schedul\w*|re ?book\w*|re ?arrang\w*|move (?:my|the|it|our|his|her)|"
    # the determiner may be missing (terse and learner speech: "change appointment", "move
    # appointment to friday", "change day of appointment")
    r"(?:change|move|moving|changing) (?:the )?(?:appointment|visit|time|date|day) (?:to|of|for)|"
    r"(?:change|move|changing|moving) (?:appointment|visit)|"
    r"change (?:my|the|it|our|his|her) (?:appointment|visit|time|date|day)|"
    r"(?:different|new|another|later|earlier) (?:time|day|date|slot)|push (?:it|my|the) "
    r"(?:back|out)|postpone|cancel and (?:book|make|schedule)|another (?:time|day) for my|"
    r"(?:have|get) (?:it|my appointment|the appointment) moved|brought forward|bump (?:it|my)|"
    r"(?:bring|put|push|move) (?:it|that|my (?:appointment|visit)|the (?:appointment|visit)) "
    r"(?:forward|off|back|earlier|later|up)|make (?:it|my (?:appointment|visit)) "
    r"(?:earlier|later)|(?:alter|shift|switch|swap) (?:my|the|it|our|his|her))\b"
)
_CANCEL = re.compile(
    r"\b(?:cancel\w*|call off|(?:cant|cannot|wont|will not|not going to|not gonna) "
    r"(?:make it|come|be able to (?:make|come))|"
    r"(?:wont|will not|shant|shall not|not|wont be|will not be|not be) coming(?: in)?|"
    r"take (?:me|my name|him|her|us) off|(?:scratch|scrap|drop|kill|withdraw|bail on|remove)"
    r" (?:my |the |our |his |her |that |this )?(?:appointment|visit|booking)|"
    r"no longer (?:need|want|require)|back(?:ing)? out of|count (?:me|us|him|her) out|"
    r"(?:free|open) up (?:my|the|our|his|her|that) (?:appointment|visit|slot|spot|time)|"
    r"(?:give|let) (?:my|our|his|her|that) (?:appointment|visit|slot|spot|time) (?:go|to)|"
    r"(?:wont|will not|not going to|not gonna|dont|do not) (?:be )?need(?:ing)? "
    r"(?:that|this|the|my|our|his|her) (?:appointment|visit|slot)s?|"
    r"(?:wont|will not) be needing (?:it|that)\b|"
    r"(?:dont|do not|no longer|wont|will not|doesnt|does not) (?:need|want|require) "
    r"(?:my|the|that|this|our|his|her|their) (?:appointment|visit)s?)\b"
)
_LIST = re.compile(
    r"\b(?:when(?: is|s| was)? my (?:next )?(?:appointment|visit)|confirm (?:my|an|the) "
    r"(?:appointment|visit)|(?:do|did) i have (?:an |any )?(?:appointments?|visits?)|"
    r"(?:what|which|list|check|verify|review) (?:are )?(?:my |the )?(?:appointments|appointment|"
    r"visits)|my upcoming|what time is my|appointment (?:is )?confirmed|calling to confirm|"
    r"when (?:am i|do i|should i) (?:due|supposed|booked|coming|come)|what (?:day|time) is my|"
    r"lost (?:the|my|that) (?:little )?(?:card|reminder)|am i (?:still )?(?:booked|on)|"
    r"(?:do|did) i have (?:any|anything|something) (?:coming up|booked|scheduled))\b"
)
_BOOK = re.compile(
    r"\b(?:book|booking|schedul\w*|make (?:an |a |my |new )?(?:appointment|visit)|set up|"
    r"(?:need|want|like|get|have|request) "
    r"(?:an |a |to (?:make|book|get|have|schedule) (?:an |a )?)?"
    # one descriptive word may stand before the visit: "need a sick visit", "want a new physical"
    r"(?:(?!(?:my|your|the|his|her|our|their) )[a-z]+ )?"
    r"(?:appointment|visit|checkup|check up|physical)|see (?:a |the |my )?(?:dr|doctor|nurse|"
    r"provider|someone about|somebody about)|come in|get in|new appointment|an appointment|"
    r"appointment for|next (?:available|opening)|soonest|squeeze (?:me|us|him|her) in|"
    r"arrange (?:an|a)|fit (?:me|us|him|her) in)\b"
)
_HOURS = re.compile(
    r"\b(?:hours|open|opening|close|closing|closed|what time do you|when do you|are you open)\b"
)
_ADDRESS = re.compile(
    r"\b(?:address|where are you|where is the (?:clinic|office)|located|location|directions|"
    r"how do i get there|where do i go|where you are|what street|which street|get there|"
    r"cross street|which (?:building|floor|suite|entrance))\b"
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

# Guards. A policy question mentions cancelling without asking to cancel anything.
_POLICY = re.compile(
    r"\b(?:cancel\w* polic\w*|polic\w* (?:for|on|about) cancel\w*|(?:cancel\w*|no show|late|"
    r"missed?(?: appointment)?) (?:fee|charge|penalty)s?|(?:fee|charge|penalty) (?:for|if) "
    r"(?:i |you )?(?:cancel\w*|miss\w*|no show|dont show)|(?:will|would|do|does) (?:i|you|they) "
    r"(?:be |get )?(?:charged?|pay)\w* (?:if|for) (?:i |you )?(?:cancel\w*|miss\w*)|"
    r"what happens if i (?:cancel|miss)\w*|charge (?:for|if) (?:no shows?|cancel\w*)|"
    r"(?:will|would|do|does) (?:i|you|they) (?:be |get )?charg\w*|is there a (?:fee|charge))\b"
)
_REBOOK = re.compile(r"\bcancel\w* and (?:re ?book|book again|make a new|schedule (?:a )?new)\w*\b")
_NEW_PATIENTS = re.compile(
    r"\b(?:taking|accepting|accept|take|seeing) (?:any )?new (?:patients?|people|patience)\b"
)
_PERSON = re.compile(
    r"(?:\b(?:talk|speak|speaking|talking) (?:to|with) (?:a |an |the |some |)?"
    r"(?:real |live |actual )?"
    r"(?:person|human|someone|somebody|receptionist|representative|operator|agent|manager|"
    r"secretary|staff|member of staff|office manager|practice manager)\b|"
    r"\b(?:put|transfer|connect|pass) me (?:through )?(?:to|with) (?:a |an |the )?"
    r"(?:real )?(?:person|human|someone|somebody|receptionist|front desk|nurse|representative|"
    r"operator|manager|secretary)\b|"
    r"^(?:operator|representative|agent|human|receptionist|a person|person please|"
    r"real person)(?: please)?(?: (?:operator|representative|agent))?$)"
)


def clean(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation as spaces, "doctor" kept."""
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", lowered).split())


# "not a reschedule, a new appointment", "i was going to cancel but actually ...": what the
# caller says they do not want is dropped before anything else reads the text.
_DISOWNED = re.compile(
    r"\b(?:not (?:a |an |to )?(?:re ?schedul\w*|re ?book\w*|cancel\w*|book\w*|new one|move)"
    r"(?: it| that| my appointment)?|"
    r"i (?:was going|wanted|meant|was about|thought about) to (?:cancel|re ?schedule|book|move)"
    r"\w*(?: (?:it|my appointment|that))? but(?: actually)?)\b"
)


def drop_disowned(text: str) -> str:
    """``text`` without the requests the caller explicitly says they do not make."""
    return _DISOWNED.sub(" ", clean(text))


# Context, not a request, for the keyword rules: an appointment already booked ("I have an
# appointment tomorrow"), the time of a visit ("when I come in", "before we come in") and
# whether one is needed at all ("without an appointment", "do I need an appointment").
_EXISTING = re.compile(
    r"\b(?:(?<!can )(?<!could )(?<!may )(?<!do )(?<!did )(?:i|we|he|she|they|already) "
    r"(?:already )?(?:have|had|got|has) (?:an|a|my|the|his|her) (?:appointment|visit|booking)|"
    r"(?:when|before|after|if|once|whenever) (?:i|we|he|she|they|you) (?:come|get|go) in|"
    r"without (?:an |a )?(?:appointment|booking)|"
    r"(?:do|does) (?:i|we|he|she|they|you) (?:need|have to (?:have|make)|require) (?:an |a )?"
    r"(?:appointment|booking))\b"
)


def rule_intent(text: str) -> IntentLabel | None:
    """The intent the keyword rules alone name, or None."""
    said = clean(text)
    if not _RESCHEDULE.search(said) and not _CANCEL.search(said) and not _LIST.search(said):
        said = _EXISTING.sub(" ", said)
    if _RESCHEDULE.search(said):
        return "reschedule"
    if _CANCEL.search(said):
        return "cancel"
    if _LIST.search(said):
        return "check"
    if _BOOK.search(said):
        return "book"
    if _ADDRESS.search(said):
        return "address"
    if _HOURS.search(said):
        return "hours"
    if _GOODBYE.search(said):
        return "goodbye"
    return None


def guard_intent(text: str) -> IntentLabel | None:
    """The intent exact phrases force, whatever the model says."""
    said = clean(text)
    if _POLICY.search(said) or _NEW_PATIENTS.search(said):
        return "faq"
    if _REBOOK.search(said):
        return "reschedule"
    if _PERSON.search(said):
        return "human"
    return None


def classify_intent(text: str, model: LinearModel | None = None) -> IntentResult:
    """The caller's intent among ``INTENTS``; ``model`` defaults to the committed one. When the
    text asks something and also makes an appointment request in a clause of its own ("do you
    take medicare and can I book a checkup"), the appointment request is the intent: the
    question gets its answer on the way (``clauses``)."""
    model = model or load_model()
    whole = _classify_one(text, model)
    if whole.intent in _ACTIONS:
        return whole
    pieces = clauses(text)
    if len(pieces) < 2:
        return whole
    for piece in pieces:
        part = _classify_one(piece, model)
        if part.intent in _ACTIONS and part.source != "rules" and part.confidence >= CLAUSE_SURE:
            # A confident question is not outranked by a clause less sure than it ("could you
            # tell me where your office is? I've not been there before" asks the address).
            if whole.confidence >= CONFIDENT and part.confidence < whole.confidence:
                continue
            return part
    return whole


_ACTIONS = frozenset({"book", "reschedule", "cancel", "check"})
# Words too common to show that the model understood anything.
_FILLER = frozenset(
    re.findall(
        r"\S+",
        "a an the i im me my you your it its is are to of and or so um uh "
        "oh well yes no ok okay hi hello hey please thanks thank sorry just like that this",
    )
)
CLAUSE_SURE = 0.7  # a clause's appointment request outranks the whole text's question


def _classify_one(text: str, model: LinearModel) -> IntentResult:
    text = drop_disowned(text)
    if not clean(text):
        return IntentResult("other", 1.0, "none")
    guarded = guard_intent(text)
    if guarded is not None:
        return IntentResult(guarded, 1.0, "guard")
    ruled = rule_intent(text)
    prediction = model.predict("intent", text)
    label: IntentLabel = _label(prediction.label)
    if (
        ruled is None
        and prediction.probability < UNKNOWN_WORDS_SURE
        and not any(w not in _FILLER for w in model.known_words(text))
    ):
        # nothing the model knows as a word ("purple monkey dishwasher"): a guess from
        # character grams alone must be sure, or it would invent a request
        return IntentResult("other", prediction.probability, "none")
    if prediction.probability >= CONFIDENT:
        return IntentResult(label, prediction.probability, "model")
    if ruled is not None:
        return IntentResult(ruled, prediction.probabilities.get(ruled, 0.0), "rules")
    if prediction.probability >= PLAUSIBLE:
        return IntentResult(label, prediction.probability, "model")
    return IntentResult("other", prediction.probability, "none")


def _label(name: str) -> IntentLabel:
    for intent in INTENTS:
        if intent == name:
            return intent  # type: ignore[return-value]
    raise ValueError(f"the model returned an unknown intent {name!r}")


_LEGACY: dict[str, Intent] = {
    "book": "book", "reschedule": "reschedule", "cancel": "cancel", "check": "list",
    "hours": "hours", "address": "address", "goodbye": "goodbye",
}  # fmt: skip


def detect_intent(text: str) -> Intent | None:
    """The caller's main intent in the original narrower set ("check" is "list"), or None when
    the text names none of them (FAQ questions, requests for a person, small talk)."""
    return _LEGACY.get(classify_intent(text).intent)


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
