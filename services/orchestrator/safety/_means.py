"""A means of dying said beside intent or finality: "the gun in my lap", "the rope in the shed,
I'm ready", "I'm on the ledge and I'm going back out", "I've been saving my pills for when".

Callers who have a plan often name the means and leave the act unsaid. A means alone is
ordinary clinic talk ("a form for my gun licence", "a refill of my sleeping pills", "I cut my
hand with a kitchen knife"), and so is a finality word alone ("tonight", "goodbye", "I'm ready").
Together, in one utterance, with nothing that makes it routine business, they are a plan.

``find_means(tokens)`` takes the lemma tokens the rules read and returns the indexes of the
means and of the cue, or None. The caller checks the cue's context (history, what-ifs: "I sat
on the ledge last night and I'm going back" is a plan for now) and ``_ideation.denied`` for a
denial ("I'd never use the gun on myself").
"""

from __future__ import annotations

from orchestrator.safety._text import CLAUSE

Span = tuple[int, int]

# Things a person dies by; "pill" only counted with a whole supply (below).
_LETHAL = frozenset(
    ["rope", "noose", "gun", "pistol", "rifle", "shotgun", "revolver", "firearm", "bullet",
     "bullets", "blade", "blades", "razor", "razors", "knife", "exhaust", "hose", "beam",
     "weapon", "hosepipe"]
)  # fmt: skip
_SUPPLY = frozenset(["pill", "pills", "tablet", "tablets", "med", "meds", "medication",
                     "medicine", "painkiller", "insulin", "tylenol", "paracetamol",
                     "morphine", "oxy", "sleeping"])  # fmt: skip
_HOARD = frozenset(["saving", "save", "saved", "collecting", "collect", "collected",
                    "stockpiling", "stockpile", "stockpiled", "hoarding", "hoard", "hoarded",
                    "stash", "stashed", "stashing", "lined", "counted", "counting"])  # fmt: skip
_WHOLE = frozenset(["all", "whole", "every", "everything", "entire"])
# Places a person falls from or in front of.
_HEIGHT = frozenset(["ledge", "edge", "overpass", "bridge", "roof", "rooftop", "cliff",
                     "balcony", "tracks", "railway", "parapet"])  # fmt: skip
_BE_THERE = frozenset(["on", "standing", "stand", "sitting", "sit", "sat", "stood", "up", "at",
                       "over", "climb", "climbed", "climbing"])  # fmt: skip
# Intent, readiness or finality, said anywhere in the utterance.
_CUE_WORDS = frozenset(
    ["tonight", "goodbye", "goodbyes", "ready", "enough", "lap", "loaded", "wrist", "wrists",
     "throat", "temple", "chest", "decide", "decided", "plan", "planning", "planned",
     "anymore", "forever", "sorry", "note", "letter", "letters", "hid", "hidden", "hide",
     "nobody", "know", "knows", "why", "case", "again", "back", "jump", "end", "over"]
)  # fmt: skip
_CUE_PAIRS = (("through", "with"), ("right", "now"), ("after", "this"),
              ("in", "case"), ("go", "back"), ("going", "back"), ("last", "time"),
              ("last", "call"))  # fmt: skip
# Routine business around the same nouns: licences, refills, disposal, cooking, shaving.
_ROUTINE = frozenset(
    ["license", "licence", "permit", "form", "refill", "refills", "prescription", "pharmacy",
     "dispose", "disposal", "drop", "expired", "old", "unused", "side", "effect", "effects",
     "dose", "dosage", "how", "many", "much", "kitchen", "cook", "cooking", "slicing",
     "chopping", "shave", "shaving", "hunting", "range", "class", "safety", "street", "road",
     "avenue", "clinic", "office", "parking", "entrance", "elevator", "view", "noise",
     "appointment", "insurance", "fix", "fixing", "work", "job", "construction", "garden",
     "gardening", "swing", "pool", "trampoline", "food", "meal", "daily",
     "twice", "bed", "bedtime", "label", "bottle", "instructions", "should", "can", "could"]
)  # fmt: skip
_SELF_USE = frozenset(["myself", "me", "my", "i", "im", "ive", "id", "herself", "himself",
                       "he", "she", "hes", "shes", "his", "her"])  # fmt: skip


def _cue(tokens: list[str], skip: int) -> int | None:
    for i, token in enumerate(tokens):
        if i == skip:
            continue
        if token in _CUE_WORDS:
            return i
        if i + 1 < len(tokens) and (token, tokens[i + 1]) in _CUE_PAIRS:
            return i + 1
    return None


def _means(tokens: list[str]) -> int | None:
    for i, token in enumerate(tokens):
        if token in _LETHAL:
            return i
        if token in _HEIGHT and any(t in _BE_THERE for t in tokens[max(0, i - 4) : i]):
            return i
        if token in _SUPPLY:
            near = tokens[max(0, i - 5) : i + 3]
            if any(t in _HOARD for t in near) or any(t in _WHOLE for t in near):
                return i
    return None


def find_means(tokens: list[str]) -> Span | None:
    """The indexes of a means of dying and of an intent or finality cue, or None."""
    words = [t for t in tokens if t != CLAUSE]
    if any(t in _ROUTINE for t in words) or not any(t in _SELF_USE for t in words):
        return None
    means = _means(tokens)
    if means is None:
        return None
    cue = _cue(tokens, means)
    if cue is None:
        return None
    return (means, cue)
