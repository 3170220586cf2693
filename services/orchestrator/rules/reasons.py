"""The visit type a caller's words name or describe, for the rules policy.

``visit_type_for("my knee hurts when I walk", clinic)`` -> the clinic's sick visit;
``visit_type_for("I need my flu jab", clinic)`` -> vaccination.

The understanding pipeline reads the visit type (``understanding.slots.visit_type``: the
clinic's own words first, else the trained reason classifier). One case is the dialogue's to
settle: a clinic's symptom synonym ("flu" for a sick visit) said together with a purpose ("flu
jab", "flu injection", "a follow-up on my cough") names the purpose, not the symptom; otherwise
"I need my flu jab" would book a sick visit.
"""

from __future__ import annotations

import re

from clinic import Clinic
from orchestrator.understanding import catalog
from orchestrator.understanding.slots import visit_type

_CONTRACTIONS = re.compile(r"\b(i|you|he|she|we|they|it)[\u2019']ll\b", re.IGNORECASE)
# Purposes a symptom word does not override, as generic words the clinic's types resolve.
_PURPOSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "vaccine",
        re.compile(
            r"\b(?:shots?|jabs?|vaccines?|vaccinations?|immuni[sz]\w*|boosters?|injections?|"
            r"inoculat\w*)\b"
        ),
    ),
    ("follow up", re.compile(r"\b(?:follow ?ups?|results?|recheck)\b")),
    ("checkup", re.compile(r"\b(?:physicals?|check ?ups?|annual|yearly|wellness)\b")),
)


# Feeling unwell in words the classifier may not be sure of ("not feeling too good", "under the
# weather"): a sick visit when nothing else was found. A fallback, not a second classifier.
_UNWELL = re.compile(
    r"\b(?:not feeling (?:\w+ )?(?:well|good|great|right|myself)|feeling (?:bad|poorly|awful|"
    r"rough|terrible|crappy|lousy)|under the weather|not (?:feel|feeling) good|unwell|sick|ill|"
    r"(?:pain|hurts?|hurting|aches?|sore|swollen|fever|cough\w*|rash)\b)"
)


def visit_type_for(text: str, clinic: Clinic) -> str | None:
    """The clinic's appointment type code for the visit the text names or describes."""
    found = visit_type(text, clinic)
    sick = catalog.match_appointment_type("sick", clinic)
    if found is None:
        unwell = _UNWELL.search(catalog.normalise(_CONTRACTIONS.sub(r"\1 will", text)))
        return sick if unwell else None
    if found.code == sick:
        said = catalog.normalise(text)
        for word, pattern in _PURPOSES:
            code = catalog.match_appointment_type(word, clinic)
            if code and pattern.search(said):
                return code
    return found.code
