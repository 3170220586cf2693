"""The details a caller gives with a request, each kept apart from the others:

    slots = extract_slots("hi this is jane doe born march 3rd 1980, my knee hurts, anything "
                          "tuesday afternoon with dr patel?", clinic, now)
    slots.visit_type   # "sick-visit" (from the reason: the knee)
    slots.provider     # "dr-patel"
    slots.preference   # Tuesday, afternoon (the date of birth is not read as a wanted day)
    slots.birth_date   # 1980-03-03
    slots.name         # "Jane Doe"

The visit type comes from the clinic's own words first (``catalog.match_appointment_type``),
else from the trained reason classifier (symptom -> sick visit, "shots" -> vaccination,
"stitches out" -> follow-up, "physical" -> checkup), mapped onto the clinic's types by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from clinic import Clinic
from orchestrator.understanding import catalog
from orchestrator.understanding.dates import TimePreference, find_birth_date, parse_preference
from orchestrator.understanding.identity import introduced_name
from orchestrator.understanding.model import LinearModel, load_model

REASON_SURE = 0.5  # the reason classifier's label counts at or above this probability
# The reason classifier's generic labels, as words a clinic's types are named by.
_REASON_WORDS: dict[str, tuple[str, ...]] = {
    "checkup": ("checkup", "physical", "annual", "wellness"),
    "sick-visit": ("sick", "sick visit", "acute", "same day"),
    "follow-up": ("follow-up", "follow up", "followup", "results"),
    "vaccination": ("vaccination", "vaccine", "shot", "immunization"),
}


@dataclass(frozen=True)
class VisitType:
    code: str
    source: str  # "named" (the clinic's word for it) or "reason" (inferred from why)
    confidence: float


@dataclass(frozen=True)
class Slots:
    visit_type: VisitType | None
    provider: str | None
    preference: TimePreference | None
    birth_date: date | None
    name: str | None


def visit_type(text: str, clinic: Clinic, model: LinearModel | None = None) -> VisitType | None:
    """The clinic's appointment type the text names or whose reason it describes."""
    named = catalog.match_appointment_type(text, clinic)
    if named:
        return VisitType(named, "named", 1.0)
    model = model or load_model()
    if not model.known_words(text):
        return None
    prediction = model.predict("reason", text)
    if prediction.label == "none" or prediction.probability < REASON_SURE:
        return None
    for word in _REASON_WORDS.get(prediction.label, (prediction.label,)):
        code = catalog.match_appointment_type(word, clinic)
        if code:
            return VisitType(code, "reason", prediction.probability)
    return None


def extract_slots(
    text: str, clinic: Clinic, now: datetime, model: LinearModel | None = None
) -> Slots:
    """Every detail of the request found in ``text`` (see the module docstring)."""
    born = find_birth_date(text, clinic.local(now).date())
    return Slots(
        visit_type=visit_type(text, clinic, model),
        provider=catalog.match_provider(text, clinic),
        preference=parse_preference(text, now, clinic.zone),
        birth_date=born.born if born else None,
        name=introduced_name(text),
    )
