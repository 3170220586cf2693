"""What a hopeless-sounding verb or a self-injury is about, read from the words around it.

Two readings the crisis rules need and cannot express as word patterns:

* **Object scope.** "No point keeping the 3 o'clock slot", "I'm done with this insurance", "kill
  the Thursday appointment", "giving up on the portal": the verb that sounds hopeless takes a
  business object (an appointment, a slot, a bill, a membership ...) or a clock time, so it is
  about that errand, not about the caller's life. ``about_business(tokens, end)`` reads the
  object right after a match (skipping determiners, numbers and clock words).
* **Accidents.** "Hurt myself lifting", "cut myself shaving", "burned myself cooking", "fell and
  cut my head": an injury in an accident context is not self-harm unless the caller says it
  was meant ("on purpose", "wanted to", "deliberately"). ``accidental(tokens)``.
"""

from __future__ import annotations

from collections.abc import Sequence

# Errands and business objects a caller may give up on, cancel, keep or be done with.
BUSINESS = frozenset(
    ["appointment", "appointments", "appt", "slot", "slots", "booking", "bookings", "visit",
     "portal", "app", "website", "insurance", "insurer", "membership", "subscription",
     "prescription", "prescriptions", "refill", "repeat", "script", "bill", "bills", "billing",
     "invoice", "account", "referral", "policy", "plan", "contract", "session", "sessions",
     "class", "classes", "physio", "physiotherapy", "therapy", "follow", "followup", "checkup",
     "reminder", "reminders", "queue", "waitlist", "form",
     "forms", "claim", "pharmacy", "inhaler", "tablet", "medication", "med", "meds", "pill",
     "cream", "gym", "pool", "job", "shift", "shifts", "trip", "holiday", "meeting", "nurse",
     "doctor", "dentist", "gp", "clinic", "surgery", "practice", "test",
     "tests", "scan", "jab", "vaccine", "booster", "company",
     "diet", "treatment", "course", "programme", "program", "order", "delivery", "parking"]
)  # fmt: skip
# Words between a verb and its object that say nothing about what the object is.
_FILLER = frozenset(
    ["the", "a", "an", "my", "this", "that", "these", "those", "our", "your", "his", "her",
     "their", "whole", "stupid", "damn", "new", "old", "next", "other", "same", "online",
     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning",
     "afternoon", "evening", "early", "late", "am", "pm", "oclock", "o", "clock", "to"]
)  # fmt: skip
_CLOCK = frozenset(["am", "pm", "oclock", "noon", "half", "quarter"])
# The verbs whose object decides what they are about.
OBJECT_VERBS = frozenset(
    ["keep", "keeping", "go", "going", "be", "end", "ending", "kill", "killing", "quit",
     "cancel", "done", "over", "finish", "finished", "stop", "give", "up", "on", "with", "of",
     "worth", "continue", "continuing", "bother", "bothering"]
)  # fmt: skip

ACCIDENT_CUES = frozenset(
    ["gym", "lift", "lifting", "lifted", "deadlift", "deadlifts", "squat", "squats", "workout",
     "training", "shave", "shaving", "shaved", "cook", "cooking", "chop", "chopping", "slice",
     "slicing", "peel", "peeling", "fell", "fall", "falling", "slip", "slipped", "slipping",
     "trip", "tripped", "accident", "accidentally", "accidental", "ladder", "tractor", "bike",
     "football", "rugby", "sport", "sports", "playing", "garden", "gardening", "diy", "drill",
     "saw", "oven", "stove", "kettle", "iron", "pan", "tray", "knife", "bread", "metal",
     "grill", "straightener", "straighteners", "curling", "heater", "radiator", "pot",
     "steam", "sharpener", "paper", "hob", "barbecue", "bbq",
     "glass", "tin", "can", "ice", "stairs", "moving", "boiler", "injury", "injured", "sprain",
     "sprained", "pulled", "strain", "strained"]
)  # fmt: skip
# Words that make an injury meant: then the accident context does not excuse it.
INTENT_CUES = frozenset(
    ["purpose", "purposely", "deliberately", "deliberate", "intentionally", "intentional",
     "punish", "deserve", "urge", "urges", "relief", "numb", "deeper", "suicide", "suicidal",
     "die", "dead", "death", "kill"]
)  # fmt: skip
# "wanted to hurt myself", "meant to cut": a wish or plan whose object is the injury.
_WISH = frozenset(["want", "wanted", "meant", "mean", "trying", "tried"])
SELF_INJURY = frozenset(
    ["hurt", "hurting", "cut", "cutting", "burn", "burning", "burned", "burnt", "harm",
     "harming", "injure", "injured", "scratch", "scratching", "slice", "sliced"]
)  # fmt: skip


def about_business(tokens: Sequence[str], end: int) -> bool:
    """The match ending at ``end`` ends in an object-taking verb whose object is an errand or
    a clock time: "no point keeping [the 3 o'clock slot]", "done with [this insurance]"."""
    if end <= 0 or tokens[end - 1] not in OBJECT_VERBS:
        return False
    j = end
    seen_number = False
    while j < len(tokens) and j < end + 5:
        word = tokens[j]
        if word in BUSINESS:
            return True
        if word.isdigit():
            seen_number = True
        elif word in _CLOCK and seen_number:
            return True  # "keep the 9 am", "the 3 o'clock"
        elif word not in _FILLER:
            return False
        j += 1
    return False


def meant(tokens: Sequence[str]) -> bool:
    """Words that the injury was intended: "on purpose", "deliberately", "wanted to hurt",
    "wanted to feel something"."""
    if any(t in INTENT_CUES for t in tokens):
        return True
    for i, token in enumerate(tokens):
        if token in _WISH:
            ahead = tokens[i + 1 : i + 4]
            if any(t in SELF_INJURY or t == "feel" for t in ahead):
                return True
    return False


def accidental(tokens: Sequence[str]) -> bool:
    """An injury told in an accident context with no word that it was meant."""
    words = set(tokens)
    if not words & ACCIDENT_CUES:
        return False
    if meant(tokens):
        return False
    return bool(words & SELF_INJURY) or "myself" in words
