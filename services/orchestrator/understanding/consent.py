"""Consent to a read-back: only an explicit, unhedged yes books, cancels or moves anything.

``classify_consent(reply, read_back)`` returns a ``ConsentResult`` whose ``answer`` is

* ``"yes"``: an explicit yes ("yes", "yeah that works", "sure, book it", "yes Tuesday at two
  with Dr Patel is fine") and nothing else: every word is a yes, a filler or politeness word,
  or a word of the read-back itself;
* ``"no"``: a refusal or correction without any yes ("no", "not that one", "that's wrong");
* ``"unclear"``: everything else — hedges ("I guess", "I think so maybe"), conditions ("yes
  if it's not with a man doctor", "ok but let me check with my husband first"), questions
  ("can I call you back to confirm?", "sure... actually is that with a man or a woman
  doctor?"), mixed yes and no, and any word the assistant cannot account for (so a symptom
  or red flag said with a yes is never taken as consent).

The default is "unclear" on purpose: a wrong "yes" books an appointment the caller did not
agree to; a wrong "unclear" costs one more question. ``reason`` says why, for the dialogue's
re-ask and for evaluation. Keypad: 1 is yes, 2 is no (``consent_digits``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Consent = Literal["yes", "no", "unclear"]


@dataclass(frozen=True)
class ConsentResult:
    answer: Consent
    reason: str  # "explicit yes", "refusal", "hedge", "condition", "question", "mixed", ...


_HEDGE = re.compile(
    r"\b(?:i guess|guess so|i think|think so|i suppose|suppose so|maybe|probably|possibly|perhaps|"
    r"not sure|unsure|dont know|do not know|dunno|idk|kind of|kinda|sort of|sorta|might|"
    r"could be|should be|hopefully|i hope|if you say so|whatever|i reckon|reckon so|"
    r"i believe|more or less|ish|hmm+|er+m*|well ok then|fine i guess|not really sure|"
    r"not certain|im not|i am not|let me think|lemme think|tentative\w*|pencil)\b"
)
_CONDITION = re.compile(
    r"\b(?:if|unless|as long as|so long as|provided|only|but|except|though|although|however|"
    r"assuming|depends|depending|first|before|until|after i|once i|let me|lemme|check with|"
    r"ask (?:my|him|her|them)|talk to (?:my|him|her)|call (?:you )?back|get back to|"
    r"hold on|hang on|wait|one sec|one second|actually|on second thought|second thoughts|"
    r"instead|rather|change|different|another|other|later|tomorrow i|husband|wife|"
    r"partner|boss|mom|mother|dad|father|son|daughter|work out|figure out)\b"
)
_QUESTION = re.compile(
    r"\?|(?:^|\b(?:and|so|but|or|ok|okay|sure|yes|yeah)\s+)(?:what|whats|when|where|who|whos|"
    r"which|how|why|is|isnt|are|arent|can|could|would|will|do|does|did|should|shall|may)\b"
    r"(?!\s+(?:it|that|good|fine|correct|ok|okay|right|perfect)\s*$)|\bor\b"  # "yes, is good"
)
_REFUSAL = re.compile(
    r"\b(?:no|nope|nah|negative|dont|do not|not|wrong|incorrect|never ?mind|cancel that|"
    r"forget it|stop)\b"
)
_LEADING_NO = re.compile(r"^(?:(?:oh|uh|um|well|sorry)\s+)*(?:no|nope|nah)\b(?!\s+(?:yes|yeah))")
_AGREEABLE_NO = re.compile(r"\bno (?:problem|worries)\b|\bnot a problem\b|\bwhy not\b")
_YES = re.compile(
    r"\b(?:yes|yeah|yea|yah|ya|yep|yup|yes sir|yes maam|sure|surely|ok|okay|k|alright|all right|"
    r"correct|right|perfect|absolutely|definitely|certainly|of course|affirmative|uh huh|mhm+|"
    r"mm hmm|go ahead|book it|do it|please do|sounds good|sounds great|sounds perfect|"
    r"sounds fine|that works|works for me|that is fine|thats fine|fine|great|confirm|confirmed|"
    r"exactly|precisely|indeed|lets do it|lets do that|i do|i agree|agreed|deal|good)\b"
)
# Words a plain yes may carry besides the yes itself: fillers, politeness, "book it for me",
# and how a caller repeats a time ("tuesday at two thirty"). Anything else makes it unclear.
_ALLOWED = frozenset(
    re.findall(
        r"\S+",
        """
    yes yeah yea yah ya yep yup sure surely ok okay k alright all right correct perfect
    absolutely definitely certainly of course affirmative uh huh mhm mhmm mm hmm go ahead book
    it do please sounds good great fine that works for me is thats this exactly precisely
    indeed lets i agree agreed deal confirm confirmed um uh oh ah well so thank thanks you very
    much lovely wonderful excellent awesome cool nice super brilliant dear maam sir honey then
    now just totally yessir set the one a an and with at on in by to be will ill would id that
    sound sounds good one we us our my me him her them its it im am are be go ahead schedule
    put down lock take works work right really sounds do does please appointment visit time
    slot thats great works fine am pm noon morning afternoon evening oclock oh thirty fifteen
    forty five quarter half past dr doctor nurse practitioner np thing suits suit acceptable
    proceed booking fantastic marvellous marvelous splendid monday tuesday wednesday thursday
    friday saturday sunday today tomorrow january february march april may june july august
    september october november december first second third fourth fifth sixth seventh eighth
    ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth
    eighteenth nineteenth twentieth twenty thirtieth one two three four five six seven eight
    nine ten eleven twelve sorry ever
        """,
    )
)
_DIGITS = re.compile(r"^\d+(?:st|nd|rd|th|am|pm)?$")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("'", "")
    plain = re.sub(r"[^a-z0-9?]+", " ", plain)
    return " ".join(plain.replace("?", " ? ").split())


def _words_of(read_back: str) -> frozenset[str]:
    return frozenset(_fold(read_back).replace("?", " ").split())


# Someone else's answer reported before the caller's own: "ok she says yes, go ahead and book
# it" (the caller had waited on a daughter's shifts). The report is dropped and the caller's own
# words decide; a report alone ("she says yes") is not the caller's consent.
_REPORTED = re.compile(
    r"^(?:(?:ok|okay|alright|right|so|well)\s+)*(?:she|he|they|my \w+)\s+(?:says|said|say)\s+"
    r"(?:yes|yeah|ok|okay|its fine|thats fine|fine|its ok|its okay|thats ok|thats okay|"
    r"she can|he can|they can|its good|thats good)\b\s*"
)


def classify_consent(reply: str, read_back: str = "") -> ConsentResult:
    """Whether ``reply`` consents to the change ``read_back`` described (see module doc)."""
    said = _fold(reply)
    reported = _REPORTED.match(said)
    if reported is not None:
        said = said[reported.end() :].strip()
        if not said:
            return ConsentResult("unclear", "someone else's yes")
    if not said.replace("?", "").strip():
        return ConsentResult("unclear", "nothing said")
    unquestioned = said.replace("?", " ").strip()
    agreeable = _AGREEABLE_NO.sub(" ", unquestioned)
    said_yes = _YES.search(agreeable) is not None
    said_no = _REFUSAL.search(agreeable) is not None
    if _QUESTION.search(said):
        return ConsentResult("unclear", "question")
    if _HEDGE.search(said):
        return ConsentResult("unclear", "hedge")
    if said_no and not said_yes:
        return ConsentResult("no", "refusal")
    if said_no and _LEADING_NO.match(agreeable):
        # "no, that's not right", "no, don't book it": a refusal that happens to hold a yes word
        return ConsentResult("no", "refusal")
    if said_no:
        return ConsentResult("unclear", "mixed")
    if _CONDITION.search(said):
        return ConsentResult("unclear", "condition")
    if not said_yes:
        return ConsentResult("unclear", "no explicit yes")
    allowed = _ALLOWED | _words_of(read_back)
    unknown = [w for w in agreeable.split() if w not in allowed and not _DIGITS.match(w)]
    if unknown:
        return ConsentResult("unclear", "more than a yes")
    return ConsentResult("yes", "explicit yes")


def consent(reply: str, read_back: str = "") -> Consent:
    """ "yes", "no" or "unclear" (see ``classify_consent``)."""
    return classify_consent(reply, read_back).answer


def consent_digits(digits: str) -> Consent:
    """Keypad: 1 is yes, 2 is no, anything else unclear."""
    return {"1": "yes", "2": "no"}.get(digits.strip("#* "), "unclear")  # type: ignore[return-value]
