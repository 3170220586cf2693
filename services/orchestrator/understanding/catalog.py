"""Clinic vocabulary in what callers say: appointment types, providers and FAQ topics.

Matching is on whole words and phrases of the lower-cased text; the longest phrase wins, so
"flu shot" is a vaccination although "flu" alone is a sick visit::

    match_appointment_type("i need a flu shot", clinic)  # "vaccination"
    match_provider("can i see doctor okafor", clinic)    # "dr-okafor"
"""

from __future__ import annotations

import re

from clinic import Clinic, FaqEntry


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation to spaces, "doctor" to "dr", single spaces."""
    lowered = text.lower().replace("\u2019", "'").replace("'", "")
    lowered = re.sub(r"[^a-z0-9]+", " ", lowered)
    lowered = re.sub(r"\bdoctor\b", "dr", lowered)
    return f" {' '.join(lowered.split())} "


def _contains(haystack: str, phrase: str) -> bool:
    """Whole-word containment; a plural of the phrase counts ("flu shots" for "flu shot")."""
    needle = normalise(phrase)
    if not needle.strip():
        return False
    return needle in haystack or f"{needle.rstrip()}s " in haystack


def match_appointment_type(text: str, clinic: Clinic) -> str | None:
    """The appointment type code the text names (code, name or synonym); longest match wins."""
    said = normalise(text)
    best: tuple[int, str] | None = None
    for kind in clinic.appointment_types:
        for phrase in (kind.code, kind.code.replace("-", " "), kind.name, *kind.synonyms):
            if _contains(said, phrase) and (best is None or len(phrase) > best[0]):
                best = (len(phrase), kind.code)
    return best[1] if best else None


_TITLES = frozenset({"dr", "doctor", "nurse", "practitioner", "np", "md", "pa"})
_ANY_PROVIDER = re.compile(
    r"\b(?:any (?:provider|doctor|dr|one|body|clinician)|anyone|anybody|no preference|"
    r"doesnt matter|does not matter|whoever|dont care|dont mind|either)\b"
)


def provider_phrases(clinic: Clinic) -> dict[str, str]:
    """Every way a provider is named, normalised, to the provider id: name, aliases, surname."""
    phrases: dict[str, str] = {}
    for provider in clinic.providers:
        for phrase in (provider.name, *provider.aliases):
            phrases[normalise(phrase).strip()] = provider.id
        words = [w for w in normalise(provider.name).split() if w not in _TITLES]
        if words:
            phrases.setdefault(words[-1], provider.id)  # "patel"
            phrases.setdefault(" ".join(words), provider.id)  # "priya patel"
    return phrases


def match_provider(text: str, clinic: Clinic) -> str | None:
    """The provider id the text names; the longest naming wins."""
    said = normalise(text)
    best: tuple[int, str] | None = None
    for phrase, provider_id in provider_phrases(clinic).items():
        if f" {phrase} " in said and (best is None or len(phrase) > best[0]):
            best = (len(phrase), provider_id)
    return best[1] if best else None


def wants_any_provider(text: str) -> bool:
    """ "any doctor", "no preference", "doesn't matter"."""
    return _ANY_PROVIDER.search(normalise(text)) is not None


def match_faq(text: str, clinic: Clinic) -> FaqEntry | None:
    """The first FAQ entry one of whose keywords (whole words) the text contains."""
    said = normalise(text)
    for entry in clinic.faq:
        if any(_contains(said, keyword) for keyword in entry.keywords):
            return entry
    return None
