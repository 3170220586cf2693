"""Putting one's life in order beside a word that the caller's future stops: a farewell plan.

Callers who have decided often say neither death nor a means; they say what they have settled
("I've made my arrangements", "wrote the letters", "said my goodbyes", "gave the dog away for
good", "my passwords and the will") and that they will not need the clinic again ("I shan't be
needing further care", "you needn't book me in again", "tonight's the night", "figured it was
time"). Either half alone is routine: people make arrangements for a lift, write letters to
their insurer and stop needing physio when the knee is better. Both in one utterance are a plan.

``find_farewell(tokens)`` takes the lemma tokens the rules read and returns the indexes of the
settling act and of the finality cue, or None; the caller checks denial and history.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.safety._scope import BUSINESS

Span = tuple[int, int]

# What one settles before going. A purpose after it ("arrangements for my husband to drive
# me", "letters to the insurer") makes it an errand: see ``_errand_after``.
_SETTLED = frozenset(
    ["arrangement", "arrangements", "affairs", "will", "letters", "goodbyes", "goodbye",
     "passwords", "password", "logins", "funeral", "undertaker", "peace", "keys", "rehomed"]
)  # fmt: skip
_SETTLE_VERBS = frozenset(
    ["made", "make", "making", "sorted", "sort", "put", "putting", "wrote", "write", "written",
     "writing", "said", "say", "saying", "left", "leave", "leaving", "emailed", "sent", "gave",
     "give", "given", "giving", "paid", "pay", "told", "tell", "settled", "settle", "done",
     "finished", "planned", "plan", "arranged", "rehomed", "signed"]
)  # fmt: skip
_GIVE_AWAY = frozenset(["give", "gave", "given", "giving", "left", "leave", "handed"])
# After a settling word: a purpose that makes it an errand.
_PURPOSE = frozenset(["for", "to", "with", "about", "from", "at"])
# "won't be needing", "shan't need", "needn't book me", "don't need to see me".
_NOT_NEED = frozenset(["wont", "shant", "neednt", "dont", "not", "no", "never", "wouldnt"])
_NEED = frozenset(["need", "needing", "needed", "book", "bother", "see", "call"])


def _settled(tokens: Sequence[str]) -> int | None:
    for i, token in enumerate(tokens):
        before = tokens[max(0, i - 4) : i]
        if token in _SETTLED and any(t in _SETTLE_VERBS for t in before):
            after = tokens[i + 1 : i + 5]
            if after[:1] and after[0] in _PURPOSE and any(t in BUSINESS for t in after):
                continue  # "wrote letters to the insurance company"
            if (
                after[:1]
                and after[0] in ("for", "with")
                and token in ("arrangement", "arrangements")
            ):
                continue  # "made arrangements for my husband to drive me"
            people = ("god", "family", "everyone", "everything")
            if token == "peace" and after[:1] == ["with"] and not any(t in people for t in after):
                continue  # "made my peace with needing glasses"
            return i
        # "gave my dog to the neighbour", "left the cattle with my neighbour", "handed out my
        # things": belongings given away, counted only with the finality cue below.
        if token in _GIVE_AWAY and tokens[i + 1 : i + 2] in (["away"], ["out"]):
            return i
    return None


def _final(tokens: Sequence[str], skip: int) -> int | None:
    for i, token in enumerate(tokens):
        if i == skip:
            continue
        nxt = tokens[i + 1 : i + 4]
        if token in _NOT_NEED and any(t in _NEED for t in nxt):
            k = next(k for k, t in enumerate(nxt) if t in _NEED)
            if nxt[k + 1 : k + 2] in (["it"], ["them"], ["this"], ["that"]):
                continue  # "I don't need it since the operation": the thing, not the care
            return i  # "shan't be needing further care", "needn't book me in again"
        if token in ("tonight", "tonights") and nxt[:2] == ["the", "night"]:
            return i
        if token == "was" and tokens[i - 1 : i] == ["it"] and nxt[:1] == ["time"]:
            return i  # "figured it was time"
        fights_what = nxt[1:2] in (["with"], ["for"], ["over"], ["about"], ["the"], ["my"])
        if token in ("done", "finished", "through") and nxt[:1] == ["fight"] and not fights_what:
            return i  # "done fighting", not "done fighting with the insurer"
        if token == "for" and nxt[:1] == ["good"]:
            return i
        if token in ("wont", "not") and nxt[:2] in (["be", "around"], ["be", "here"]):
            return i
        if token in ("after", "when", "once") and nxt[:2] in (["im", "go"], ["i", "go"]):
            return i  # "after I'm gone"
        if token == "last" and nxt[:1] in (["time"], ["call"], ["goodbye"]):
            return i
    return None


def _spoken_farewell(tokens: Sequence[str]) -> Span | None:
    """ "the last time you'll hear from me", "you won't hear from me again": a farewell said
    outright (its "last time" is the future, not history)."""
    for i, token in enumerate(tokens):
        if token not in ("hear", "see"):
            continue
        after = tokens[i + 1 : i + 4]
        if after[:2] != ["from", "me"] and after[:1] != ["me"]:
            continue
        before = tokens[max(0, i - 4) : i]
        if "last" in before and "time" in before:
            return (i - len(before) + before.index("last"), i)
        if any(t in ("wont", "never") for t in before) and "again" in after:
            return (i - 2, i)
    return None


def find_farewell(tokens: Sequence[str]) -> Span | None:
    """The indexes of a settling act and of a finality cue, or None."""
    spoken = _spoken_farewell(tokens)
    if spoken is not None:
        return spoken
    settled = _settled(tokens)
    if settled is None:
        return None
    final = _final(tokens, settled)
    if final is None:
        return None
    return (settled, final)
