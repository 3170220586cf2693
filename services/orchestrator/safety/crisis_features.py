"""What the crisis reader reads: the caller's words as lemmas, negation marked, meanings tagged.

The reader (``crisis_model``) is a linear model over word 1-2 grams and character 3-5 grams
(``understanding.features``). Fed the raw transcript it learns surface words: "pills", "bridge",
"goodbye" in the few wordings it was trained on. Fed this view it also sees *what kind* of word
was said, so a wording it never saw ("the beam in the basement", "my heart tablets", "the
overpass") shares features with the ones it did:

* the lemma tokens the red-flag rules read (``_text``, ``_lexicon``), idioms masked ("dying to
  know", "killing me") and tagged ``zidiom``, sentence marks dropped;
* one tag per concept word: a means of dying (``zmeans``), a high place or a road (``zplace``),
  a farewell (``zfarewell``), death (``zdeath``), the self's ending or absence (``zgone``),
  permanence or a deadline (``zfinal``), harm to one's body (``zharm``), being a burden
  (``zburden``), a named complaint ("this cough", "my back": what should stop is the symptom,
  ``zcomplaint``), the clinic's routine business (``zroutine``);
* death said of a thing ("the photocopier died", "my phone is dead") as ``zthing``, not death;
* each pair of concepts said together (``zpfinalmeans``: a means beside a deadline);
* negation scope, NegEx-style: a word after a negation in the same clause (up to a comma, a
  sentence mark or "but") is also emitted as ``zneg_<word>``, so "I don't want to die" and
  "I want to die" no longer share every gram.

    crisis_view("I've got the rope in the garage")  # "ive get the rope ... zmeans zplace"
"""

from __future__ import annotations

from orchestrator.safety._context import NEGATIONS
from orchestrator.safety._lexicon import LEMMAS, mask_idioms, rewrite_ages
from orchestrator.safety._text import CLAUSE, COMMA, lemmatise, normalise


def _family(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TAGS: dict[str, frozenset[str]] = {
    "zmeans": _family(
        "pill pills tablet tablets med meds medication medicine painkiller painkillers "
        "insulin tylenol paracetamol morphine oxy opioid opioids dose overdose od rope noose "
        "belt cord gun pistol rifle shotgun revolver bullet knife blade blades razor razors "
        "exhaust hose hosepipe engine bleach poison beam lethal weapon firearm"
    ),
    "zplace": _family(
        "bridge overpass ledge roof rooftop cliff balcony tracks train railway highway "
        "freeway river lake sea ocean garage building edge drop tub bathtub wall traffic "
        "window truck barrier motorway lorry canal carriageway tree"
    ),
    "zfarewell": _family(
        "goodbye goodbyes farewell bye note letter letters will funeral affairs sorry thank "
        "thanks last peace arrangement arrangements password passwords login logins undertaker"
    ),
    "zdeath": _family(
        "die died dying dead death suicide suicidal kill killed alive live living life exist "
        "existing existence"
    ),
    "zgone": _family(
        "gone disappear vanish around here away over end ending done finish stop out go leave "
        "sleep wake asleep"
    ),
    "zfinal": _family(
        "forever anymore longer tonight permanently never ready decided enough weekend "
        "tomorrow soon through after plan planning planned saving collecting stockpiling case"
    ),
    "zharm": _family(
        "cut cutting cuts burn burning scratch scratching carve carving slash slice hurt "
        "hurting harm harming punch hit bleed bleeding purpose deserve punish marks wrist "
        "wrists arm arms thigh thighs skin myself herself himself"
    ),
    "zburden": _family(
        "burden better happier relieved miss notice care without nobody everyone everybody "
        "point worth tired weary heavy"
    ),
    "zcomplaint": _family(
        "pain ache aches cough cold flu migraine migraines headache headaches rash nausea "
        "itch itching knee back hip heartburn insomnia allergy allergies sinus sinuses cramp "
        "cramps dizziness symptom symptoms infection fever pregnancy cast test bill"
    ),
    "zroutine": _family(
        "appointment appt book booking schedule reschedule cancel refill prescription "
        "pharmacy insurance bill form doctor clinic checkup visit slot test results referral "
        "shot vaccine physio membership records parking address open"
    ),
}
_WORD_TAGS: dict[str, list[str]] = {}
for _tag, _words in _TAGS.items():
    for _word in _words:
        _WORD_TAGS.setdefault(_word, []).append(_tag)
_SCOPE_ENDS = frozenset([CLAUSE, COMMA, "but", "and", "so", "because"])
_MASKED = "_"  # what ``mask_idioms`` leaves of an idiom's words
_SCOPE_WORDS = 5  # a negation reaches this many words at most: "I don't ever want to ..."


# The families that can carry crisis talk; routine and complaint words only argue against it.
CRISIS_FAMILIES = frozenset(
    ["zmeans", "zplace", "zfarewell", "zdeath", "zgone", "zfinal", "zharm", "zburden"]
)


def concepts(text: str) -> frozenset[str]:
    """The concept families named in ``text`` ("zmeans", "zfarewell", ...), negated words
    included."""
    return frozenset(t for t in crisis_view(text).split() if t in _TAGS)


_PEOPLE = frozenset(
    ["i", "im", "ive", "id", "me", "he", "hes", "she", "shes", "they", "theyre", "we", "you",
     "son", "daughter", "husband", "wife", "mom", "mum", "mother", "dad", "father", "brother",
     "sister", "friend", "partner", "boyfriend", "girlfriend", "grandma", "grandpa",
     "grandmother", "grandfather", "grandson", "granddaughter", "kid", "child", "baby",
     "roommate", "teenager", "teen", "uncle", "aunt", "cousin", "family", "everyone",
     "everybody", "nobody", "someone", "people", "patient", "student", "myself", "who"]
)  # fmt: skip
_DETERMINERS = frozenset(["the", "my", "our", "this", "that", "his", "her", "their", "your"])
_DEATH_WORDS = frozenset(["die", "died", "dead", "dying"])


def _thing_dies(tokens: list[str], i: int) -> bool:
    """ "the photocopier died", "my phone is dead": a thing, not a person, is what dies."""
    back = [t for t in tokens[max(0, i - 4) : i] if t not in ("just", "is", "has", "had", "be")]
    if len(back) < 2 or back[-1] in _PEOPLE:
        return False
    return back[-2] in _DETERMINERS


def crisis_view(text: str) -> str:
    """The text the crisis reader is trained on and reads (see the module docstring)."""
    said = normalise(text)
    tokens = lemmatise(mask_idioms(rewrite_ages(said)).split(), LEMMAS)
    raw = said.split()
    words: list[str] = []
    tags: list[str] = []
    scope = 0
    for i, token in enumerate(tokens):
        if token in _SCOPE_ENDS:
            scope = 0
            continue
        words.append(token)
        if scope:
            tags.append(f"zneg{token}")
            scope -= 1
        if token in NEGATIONS or token in ("wont", "cant", "couldnt", "wouldnt", "nobody"):
            scope = _SCOPE_WORDS
        if token == _MASKED:  # an idiom ("bored to death", "dying to know"): no concept
            tags.append("zidiom")
            continue
        if token in _DEATH_WORDS and _thing_dies(tokens, i):
            tags.append("zthing")
            continue
        spoken = raw[i] if i < len(raw) and len(raw) == len(tokens) else token
        for word in {token, spoken}:
            tags += _WORD_TAGS.get(word, [])
    # Concepts said together, as one feature each: "zpfinalmeans" (the rope, tonight) is a plan
    # where neither word alone is; "zcomplaint+zgone" (this cough, gone for good) is a symptom.
    concepts = sorted({t for t in tags if not t.startswith("zneg")})
    pairs = [f"zp{a[1:]}{b[1:]}" for i, a in enumerate(concepts) for b in concepts[i + 1 :]]
    return " ".join(words + sorted(tags) + pairs)
