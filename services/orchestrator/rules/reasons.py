"""The visit type a caller's reason points to: "my knee hurts when I walk" -> the clinic's sick
visit, "she needs her shots" -> vaccination, "to get my stitches out" -> follow-up.

``visit_type_for(text, clinic)`` first takes a type the clinic's own vocabulary names
(``catalog.match_appointment_type``: code, name, synonyms), then reads the reason through a small
lexicon of symptoms, body parts and purposes, each group pointing at a generic kind ("sick",
"vaccine", "follow up", "checkup") that the clinic's vocabulary resolves to one of its codes. A
clinic without such a kind gets None, and the caller is asked.

Why a lexicon: the caller names a body part or a symptom, not a visit type, and the clinic's
synonyms cannot list every body part. Kept small and general (no phrasings of one corpus).
"""

from __future__ import annotations

import re

from clinic import Clinic
from orchestrator.understanding import catalog

_BODY = (
    r"(?:knee|knees|back|shoulder|shoulders|ankle|ankles|wrist|wrists|elbow|elbows|hip|hips|neck|"
    r"foot|feet|toe|toes|leg|legs|arm|arms|hand|hands|finger|fingers|ear|ears|throat|eye|eyes|"
    r"stomach|tummy|belly|skin|head|nose|sinus|sinuses|chest|tooth|teeth|joint|joints|thumb|heel|"
    r"bladder|kidney)"
)
# Most specific first: "a shot for my sore arm" is a vaccination.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "vaccine",
        re.compile(
            r"\b(?:shots?|jabs?|vaccines?|vaccinations?|vaccinated|immuni[sz]\w*|boosters?|"
            r"tetanus|flu ?shot|covid ?shot|inoculat\w*|injections?)\b"
        ),
    ),
    (
        "follow up",
        re.compile(
            r"\b(?:follow(?:ing)? ?up|results?|labs?|blood ?work|stitches|sutures|staples|"
            r"re ?check|dressing|post ?op|after (?:my|the|his|her) (?:surgery|operation|procedure|"
            r"hospital stay|er visit)|(?:check|go over|review) (?:on )?(?:my|his|her|the) "
            r"(?:blood pressure|bp|diabetes|sugar|medication|meds|results|progress)|"
            r"blood pressure check|medication review|med review)\b"
        ),
    ),
    (
        "checkup",
        re.compile(
            r"\b(?:physicals?|annual|yearly|wellness|check ?ups?|well (?:child|baby|woman|visit)|"
            r"routine (?:exam|visit)|(?:school|sports|camp|work|employment|dot) (?:form|physical|"
            r"exam)|general (?:exam|check))\b"
        ),
    ),
    (
        "sick",
        re.compile(
            r"\b(?:pain|painful|hurts?|hurting|aches?|aching|achy|sore|swollen|swelling|swelled|"
            r"rash|rashes|itch\w*|cough\w*|cold|colds|flu|fever\w*|temperature|sick|ill|unwell|"
            r"not feeling (?:well|good|great|right|too good)|feeling (?:bad|poorly|awful|rough)|"
            r"vomit\w*|throwing up|threw up|nause\w*|diarrh\w*|infection|infected|earache|"
            r"headaches?|migraines?|dizz\w*|congest\w*|sprain\w*|twisted|injur\w*|bump|bruis\w*|"
            r"cut (?:my|his|her)|burn(?:ed|t)? (?:my|his|her)|uti|pink ?eye|allerg\w*|lump|mole|"
            r"bites?|stung|wheez\w*|runny|stuffy|sneez\w*|cramps?|bleeding|symptoms?|"
            rf"(?:my|his|her|their|the|a) {_BODY}|{_BODY} (?:pain|problem|issue|injury))\b"
        ),
    ),
)


_CONTRACTIONS = re.compile(r"\b(i|you|he|she|we|they|it)[\u2019']ll\b", re.IGNORECASE)


def reason_kind(text: str) -> str | None:
    """The generic kind of visit a reason points to ("sick", "vaccine", "follow up",
    "checkup"), or None."""
    said = catalog.normalise(_CONTRACTIONS.sub(r"\1 will", text))  # "i'll" is not "ill"
    for kind, pattern in _KINDS:
        if pattern.search(said):
            return kind
    return None


def visit_type_for(text: str, clinic: Clinic) -> str | None:
    """The clinic's appointment type code for the visit the text names or describes. A
    purpose (a shot, a follow-up, a checkup) outranks a symptom word among the clinic's
    synonyms: "my flu jab" is a vaccination even where "flu" means a sick visit."""
    code = catalog.match_appointment_type(text, clinic)
    kind = reason_kind(text)
    reasoned = catalog.match_appointment_type(kind, clinic) if kind else None
    sick = catalog.match_appointment_type("sick", clinic)
    if reasoned and kind != "sick" and (code is None or code == sick):
        return reasoned
    return code or reasoned
