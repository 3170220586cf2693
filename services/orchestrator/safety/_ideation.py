"""Suicidal and self-harm ideation read compositionally, not from a list of phrases.

A person at risk rarely says "suicide". They say what they want (*want*, *wish*, *ready to*,
*thinking about*, *can't wait to* ...) about the end of themselves or of everything (*stop*,
*end*, *be over*, *not wake up*, *not be here*, *disappear*, *be gone* ...), often with
permanence (*for good*, *forever*, *anymore*); or what they no longer want about going on (*don't
want to* + *live*, *be here*, *wake up* ...); or they describe a world without them (*better off
without me*, *if I wasn't around*), a farewell (*giving my things away*, *saying goodbye*,
*letters for after I'm gone*), or harm to their own body.

``find_ideation(tokens)`` takes lemma tokens (as ``red_flags`` makes them) and returns the span
``(start, end)`` of the words that carry it, or None; the caller then checks the span's context
(history, hypotheticals) as for any other sign. It reads the parts of the sentence:

* a **frame** (wish, intent, readiness; or its negation: "don't want", "never want");
* what the frame is about, after fillers ("to", "just", "finally" ...):

  - the **end of the self**: die, be dead, kill/hurt myself, end my life, end it (all), not exist,
    disappear, vanish, be gone, not be here/around, not wake up, sleep forever, want out;
  - the **end of everything** said as a subject: "everything / it all / all of it / life" +
    "stop / end / be over / go away"; a vaguer subject ("it", "this") needs permanence
    ("I want it to stop for good"); a named thing ("this pain", "the ringing", "this rash") or
    an activity that stops ("everything to stop hurting") is the complaint, not the self;
  - **going on**, under a negative frame: "don't want to live / be here / wake up / go on";
    a negative frame over the end of the self is a denial ("I don't want to kill myself");

* **states** that need no frame: tired of / done with living, no point in going on, can't go on;
* **weak signs** that count only two together ("I've decided", "tonight is the night", "giving
  my things away", "saying my goodbyes", "after I'm gone", "I won't be here next week").

Why rules and not a model: the corpus is a few hundred lines, recall on the crisis category must
be total on wordings nobody has seen, and every decision here must be explainable to a clinician.
"""

from __future__ import annotations

from orchestrator.safety._scope import meant
from orchestrator.safety._text import CLAUSE

Span = tuple[int, int]

# --- frames -----------------------------------------------------------------------------------
_WISH = frozenset(
    ["want", "wish", "hope", "hoping", "hoped", "pray", "praying", "prayed", "ready", "rather",
     "prefer", "decide", "decided", "deciding", "tempted", "need", "plan", "planning", "planned",
     "try", "trying", "tried", "long", "longing", "urge", "urges", "gonna", "able", "allowed",
     "intend", "intending", "mean", "meant"]
)  # fmt: skip
# "thinking about / of ending it", "considering ending things": the gerund follows.
_THINK = frozenset(
    [
        "think",
        "thinking",
        "thought",
        "considering",
        "consider",
        "dream",
        "dreaming",
        "fantasize",
        "fantasizing",
        "obsessing",
    ]
)
_NOT = frozenset(
    ["dont", "doesnt", "didnt", "not", "never", "no", "wont", "cant", "couldnt", "nobody"]
)
_FILL = frozenset(
    ["to", "just", "really", "finally", "simply", "so", "honestly", "truly", "actually",
     "kind", "kinda", "sort", "of", "like", "quietly", "peacefully", "go", "be", "able",
     "have", "would", "could", "ever", "totally", "completely", "somehow", "already",
     "literally", "basically", "and", "i", "he", "she", "was", "were", "had", "did"]
)  # fmt: skip
_SELF = frozenset(["myself", "himself", "herself", "themselves", "themself", "yourself"])
_POSSESSIVE = frozenset(["my", "his", "her", "their", "your", "own", "this", "the"])
# The whole of things, said as what should stop.
_WHOLE = frozenset(["everything", "life", "existence", "world"])
_WHOLE_PAIRS = (("it", "all"), ("all", "this"), ("all", "of"), ("all", "that"))
_VAGUE = frozenset(["it", "this", "that", "things"])
_STOP = frozenset(["stop", "end", "over", "finish", "finished", "quit", "cease", "done"])
_PERMANENT = frozenset(["forever", "permanently", "good", "anymore", "longer", "eternally"])
# An activity after "stop": "everything to stop hurting" is the pain stopping, not the self.
_GERUND_SUFFIX = ("ing", "in")
# A complaint named anywhere makes a vague "it" the complaint: "my ears ring and I want it to
# stop for good".
_COMPLAINT = frozenset(
    ["pain", "ache", "ring", "ringing", "itch", "itching", "itchy", "cough", "coughing", "rash",
     "headache", "migraine", "noise", "buzzing", "tinnitus", "nausea", "hurt", "hurting",
     "swell", "bleed", "spotting", "burn", "symptom", "insomnia", "snoring", "sneezing",
     "allergy", "eczema", "acne", "ear", "ears", "back", "knee", "head", "stomach", "tooth",
     "throat", "skin", "eye", "hip", "shoulder", "neck", "leg", "arm", "foot", "hand", "period",
     "flu", "cold", "infection", "medication", "med", "pill", "treatment", "therapy", "smoking",
     "drinking", "contract", "membership", "subscription", "appointment", "appointments",
     "bill", "billing", "insurance", "calls", "noise", "dizziness", "vertigo", "spinning"]
)  # fmt: skip
_PERSONS = frozenset(
    [
        "i",
        "im",
        "ive",
        "id",
        "ill",
        "me",
        "he",
        "hes",
        "she",
        "shes",
        "they",
        "theyre",
        "we",
        "were",
        "you",
        "youre",
    ]
)


_HARM = frozenset(
    [
        "cut",
        "cutting",
        "scratch",
        "scratching",
        "burn",
        "burning",
        "carve",
        "carving",
        "slash",
        "slashing",
        "hurting",
        "hurt",
        "stab",
        "stabbing",
        "pick",
        "picking",
    ]
)
_BODY = frozenset(
    ["arm", "wrist", "leg", "thigh", "thighs", "skin", "stomach", "body", "self", "chest"]
)
_HARM_HOW = frozenset(
    [
        "razor",
        "blade",
        "blades",
        "knife",
        "scissors",
        "glass",
        "again",
        "purpose",
        "deliberately",
        "deep",
        "deeper",
        "lighter",
        "compass",
        "bleed",
    ]
)
_ACCIDENT = frozenset(
    [
        "accident",
        "accidentally",
        "cooking",
        "stove",
        "oven",
        "iron",
        "work",
        "fell",
        "fall",
        "slipped",
        "shaving",
        "garden",
        "gardening",
        "pan",
    ]
)
_MEANS = frozenset(
    [
        "pill",
        "tablet",
        "med",
        "medication",
        "medicine",
        "sleeping",
        "painkiller",
        "insulin",
        "drug",
        "bottle",
    ]
)


def _permanent(tokens: list[str], start: int, stop: int) -> bool:
    window = tokens[start:stop]
    for i, token in enumerate(window):
        if token in _PERMANENT:
            if token == "good" and (i == 0 or window[i - 1] != "for"):
                continue
            if token == "longer" and (i == 0 or window[i - 1] not in ("any", "no")):
                continue
            return True
        if token == "again" and "never" in window[max(0, i - 6) : i]:
            return True
    return False


def _clause_end(tokens: list[str], i: int) -> int:
    j = i
    while j < len(tokens) and tokens[j] != CLAUSE:
        j += 1
    return j


def _skip_fill(tokens: list[str], j: int, limit: int) -> int:
    while j < limit and tokens[j] in _FILL and tokens[j] not in ("go", "be", "have"):
        j += 1
    return j


def _end_of_self(tokens: list[str], j: int, limit: int) -> int | None:
    """The end of the predicate at ``j`` when it is the end of the self, else None."""

    def at(k: int) -> str:
        return tokens[k] if k < limit else ""

    # "be gone", "ready to be gone": the light verb is the whole predicate.
    if (
        at(j) == "be"
        and at(j + 1) in ("go", "gone")
        and at(j + 2) in ("", "for", "forever", "and", "now", "soon")
    ):
        return j + 2
    # Light verbs first: "go to sleep forever", "be dead", "have to wake up".
    k = j
    while at(k) in (
        "be",
        "go",
        "have",
        "to",
        "just",
        "simply",
        "finally",
        "never",
        "not",
        "no",
        "dont",
        "didnt",
        "wont",
        "wasnt",
        "werent",
        "been",
    ):
        k += 1
    head, nxt, third = at(k), at(k + 1), at(k + 2)
    light = tokens[j:k]
    negated = any(
        t in ("not", "never", "no", "dont", "didnt", "wont", "wasnt", "werent") for t in light
    )
    if head in ("die", "dead", "death") and nxt != "of":
        return k + 1
    if head in (
        "kill",
        "harm",
        "hurt",
        "cut",
        "off",
        "shoot",
        "hang",
        "drown",
        "poison",
        "starve",
        "burn",
    ) and (nxt in _SELF or third in _SELF):
        return k + (2 if nxt in _SELF else 3)
    if head in ("end", "take", "finish") and (
        (nxt in _POSSESSIVE and third in ("life", "lives", "own"))
        or (nxt in ("it", "everything", "things", "myself") and third not in ("with", "for"))
    ):
        return k + 2
    if head == "check" and nxt == "out" and (third in ("", "for", "permanently", "forever")):
        return k + 2  # "time for me to check out (for good)"
    if head in ("disappear", "vanish", "disappearing", "vanishing") and nxt not in (
        "from",
        "off",
        "before",
        "by",
    ):
        return k + 1
    if head in ("exist",) or (head == "exist" and negated):
        return k + 1
    if head == "stop" and nxt in ("exist", "existing", "living", "live", "breathe"):
        return k + 2
    if head in ("go", "gone") and "be" in light and nxt in ("", "for", "forever", "and", "now"):
        return k + 1
    if head in ("alive", "here", "around", "live", "living", "exist") and negated:
        return k + 1
    if head == "wake" and negated:
        return k + 1
    if head == "sleep" and (
        nxt in ("forever", "permanently") or (nxt == "and" and third in ("never", "not"))
    ):
        return k + 2
    if head == "asleep" and nxt in ("forever", "and"):
        return k + 2
    if head in ("fall", "go", "sleep", "bed", "lie", "close") and _never_again(tokens, k, limit):
        return limit
    if head == "stop" and nxt == "being" and third in ("me", "myself", "alive", "here", "around"):
        return k + 3
    if head in _METHOD_VERB and _method(tokens, k, limit):
        return limit
    if _never_back(tokens, k, limit):
        return limit
    if head == "out" and (
        nxt == ""
        or (nxt == "of" and third in ("life", "here", "everything", "existence"))
        or (nxt == "of" and third in ("this", "it") and at(k + 3) in ("life", "world", "all"))
    ):
        return k + 1
    if head == "born" and negated:
        return k + 1
    if head == "leave" and nxt in ("this", "the") and third in ("world", "earth", "life"):
        return k + 3
    if (
        head == "give"
        and nxt == "up"
        and (third in ("", "for") or (third == "on" and at(k + 3) in _LIFE_WORDS))
    ):
        return k + 2
    if head == "face" and (nxt in ("anything", "anyone", "tomorrow", "another") or negated):
        return k + 1
    if head == "feel" and nxt == "anything" and negated:
        return k + 2
    return None


# "say goodbye to Dr Patel before she retires" is a farewell to someone else.
_FAREWELL_ROUTINE = frozenset(["before", "retire", "retires", "retiring", "leave", "leaves",
                               "leaving", "moves", "moving", "dr", "doctor", "nurse"])  # fmt: skip
_FAREWELL_WORDS = frozenset(["say", "saying", "said", "my", "all", "wrote", "write", "letter",
                             "letters", "note", "notes"])  # fmt: skip
_DEATH = frozenset(["die", "dying", "death", "dead", "funeral", "end", "gone"])
_LIFE_WORDS = frozenset(["life", "living", "everything", "myself"])
_WEAK_WISH = frozenset(["mean", "meant", "able", "allowed", "need", "try", "trying", "tried"])
_LETHAL = frozenset(["rope", "noose", "gun", "pistol", "rifle", "shotgun", "revolver"])
_METHOD_VERB = frozenset(
    [
        "drive",
        "crash",
        "steer",
        "jump",
        "step",
        "walk",
        "throw",
        "swallow",
        "take",
        "overdose",
        "od",
        "hang",
        "shoot",
        "drown",
        "driving",
        "crashing",
        "jumping",
        "stepping",
        "walking",
        "throwing",
        "swallowing",
        "taking",
        "swim",
        "swimming",
    ]
)


def _never_back(tokens: list[str], k: int, limit: int) -> bool:
    """Going somewhere "and not coming back", "and never come back": leaving for good."""
    rest = tokens[k:limit]
    for i, token in enumerate(rest):
        if token in ("never", "not") and rest[i + 1 : i + 3] in (
            ["come", "back"],
            ["coming", "back"],
            ["return"],
            ["returning"],
        ):
            return not any(
                t in ("work", "office", "clinic", "job", "school", "town", "here") for t in rest[:i]
            )
    return False


_METHOD_PLACE = frozenset(
    [
        "road",
        "bridge",
        "cliff",
        "tree",
        "wall",
        "traffic",
        "river",
        "lake",
        "sea",
        "ocean",
        "roof",
        "building",
        "train",
        "tracks",
        "overpass",
        "balcony",
        "window",
        "highway",
        "freeway",
        "everything",
        "pills",
        "pill",
        "bottle",
        "all",
    ]
)


def _method(tokens: list[str], k: int, limit: int) -> bool:
    """A means of dying after an intent: "drive my car off the road", "jump off the bridge",
    "walk into the sea", "take all my pills"."""
    return any(t in _METHOD_PLACE for t in tokens[k + 1 : min(limit, k + 7)]) and (
        tokens[k] not in ("take", "swallow", "walk", "step", "taking", "walking", "stepping")
        or any(
            t in ("all", "whole", "every", "everything", "front", "into")
            for t in tokens[k + 1 : min(limit, k + 5)]
        )
    )


def _never_again(tokens: list[str], k: int, limit: int) -> bool:
    """ "go to sleep and never wake up", "go to bed and never get up again", "fall asleep and
    stay asleep", "close my eyes and not open them"."""
    rest = tokens[k + 1 : limit]
    for i, token in enumerate(rest):
        nxt = rest[i + 1] if i + 1 < len(rest) else ""
        if token == "stay" and nxt in ("asleep", "sleep", "down"):
            return True
        if token in ("never", "not", "dont", "wont") and any(
            t in ("wake", "up", "open", "back", "again", "return") for t in rest[i + 1 : i + 5]
        ):
            return True
        if token in ("forever", "permanently"):
            return True
    return False


def _going_on(tokens: list[str], j: int, limit: int) -> int | None:
    """Going on with life, the object of a negative frame: "don't want to live"."""

    def at(k: int) -> str:
        return tokens[k] if k < limit else ""

    k = j
    while at(k) in ("to", "be", "just", "really", "even"):
        k += 1
    head, nxt = at(k), at(k + 1)
    if head in ("live", "living", "alive", "exist", "existing"):
        if head in ("live", "living") and nxt in (
            "with",
            "in",
            "alone",
            "near",
            "there",
            "like",
            "on",
            "at",
            "by",
            "together",
        ):
            return None
        return k + 1
    if (
        head in ("here", "around")
        and "be" in tokens[j:k]
        and nxt in ("", "anymore", "any", "no", "now", "much")
    ):
        return k + 1
    if head in ("on", "in") and "be" in tokens[j:k] and at(k + 2) in ("earth", "world", "planet"):
        return k + 3
    if head == "wake" and (
        nxt in ("", "up") and at(k + 2) in ("", "anymore", "again", "tomorrow", "ever")
    ):
        return k + 2
    if (
        head in ("go", "carry", "keep", "carrying", "keeping")
        and nxt in ("on", "going", "living")
        and at(k + 2) in ("", "anymore", "like", "any", "with", "now")
    ):
        if at(k + 2) == "with" and at(k + 3) not in ("life", "living", "it"):
            return None
        return k + 2
    if head == "continue" and nxt in ("", "living", "anymore", "like", "on"):
        return k + 1
    return None


def _whole_stops(tokens: list[str], j: int, limit: int, clause_end: int) -> int | None:
    """ "everything to stop (for good)", "it all to be over", "it would all end"."""
    k = j
    whole = False
    if k < limit and tokens[k] in _WHOLE:
        whole = True
        k += 1
    elif k + 1 < limit and (tokens[k], tokens[k + 1]) in _WHOLE_PAIRS:
        whole = True
        k += 2
        if k < limit and tokens[k] in ("of", "it", "this", "that"):
            k += 1
            if k < limit and tokens[k] in ("it", "this", "that"):
                k += 1
    elif k < limit and tokens[k] in _VAGUE:
        k += 1
        if k < limit and tokens[k] == "all":
            whole = True
            k += 1
    else:
        return None
    # "to", "would", "could", "just", "all", "be", "to be", "would just"
    while k < limit and tokens[k] in (
        "to",
        "would",
        "could",
        "just",
        "all",
        "be",
        "finally",
        "simply",
        "really",
        "can",
        "will",
    ):
        whole = whole or tokens[k] == "all"  # "it would all end"
        k += 1
    if k + 1 < limit and tokens[k] == "go" and tokens[k + 1] == "away":
        k += 1
    if k >= limit or (tokens[k] not in _STOP and tokens[k] not in ("away", "go")):
        return None
    if tokens[k] == "go" and tokens[k + 1 : k + 2] not in ([], [","], ["away"], ["for"]):
        return None  # "it all to go smoothly"
    nxt = tokens[k + 1] if k + 1 < limit else ""
    if nxt.endswith(_GERUND_SUFFIX) or nxt in ("hurt", "hurting", "ache", "spin", "bleed"):
        return None  # "everything to stop hurting": the complaint stops
    if nxt and nxt not in (
        "for",
        "forever",
        "permanently",
        "and",
        "now",
        "already",
        "once",
        "tonight",
        "today",
        "soon",
        "please",
        "i",
        "just",
        "completely",
        ",",
        "im",
    ):
        return None  # "it to end with a refund": something else ends
    if whole or (_permanent(tokens, k, clause_end) and not any(t in _COMPLAINT for t in tokens)):
        return k + 1
    return None


def _frames(tokens: list[str]) -> list[tuple[int, bool]]:
    """Positions right after each frame, and whether the frame is negated."""
    found: list[tuple[int, bool]] = []
    for i, token in enumerate(tokens):
        prev = tokens[i - 1] if i > 0 else ""
        prev2 = tokens[i - 2] if i > 1 else ""
        negated = prev in _NOT or (prev in ("really", "even", "just", "ever") and prev2 in _NOT)
        if token in _WISH:
            if token in _WEAK_WISH and prev in _NOT:
                continue  # "I didn't mean to", "can't try": not a frame
            found.append((i + 1, negated))
        elif token == "wait" and prev in ("cant", "couldnt"):
            found.append((i + 1, False))  # "I can't wait to be gone"
        elif token == "about" and tokens[i + 1 : i + 2] == ["to"] and prev in _PERSONS:
            found.append((i + 1, False))
        elif (
            token == "go"
            and tokens[i + 1 : i + 2] == ["to"]
            and (prev in _PERSONS or (prev in _NOT and prev2 in _PERSONS))
        ):
            found.append((i + 1, negated))  # "I'm going to end it", "I'm not going to"
        elif token == "like" and (
            prev in ("id", "would", "wd") or tokens[i - 2 : i] == ["id", "just"]
        ):
            found.append((i + 1, negated))
        elif token in _THINK and tokens[i + 1 : i + 2] in (["about"], ["of"]):
            found.append((i + 2, negated))
        elif token in ("considering", "contemplating", "planning"):
            found.append((i + 1, negated))
        elif token == "time" and tokens[i + 1 : i + 4] in (["for", "me", "to"], ["to", "go"]):
            found.append((i + (4 if tokens[i + 1] == "for" else 1), False))
        elif token == "like" and prev in ("feel", "felt", "feeling"):
            found.append((i + 1, negated))  # "I feel like disappearing"
    return found


def find_strong(tokens: list[str]) -> Span | None:
    for after, negated in _frames(tokens):
        limit = _clause_end(tokens, after)
        j = _skip_fill(tokens, after, limit)
        end = _end_of_self(tokens, j, limit)
        if end is not None:
            # "I don't want to kill myself": a denial. "I never want to wake up": going on.
            light = tokens[j:end]
            if not negated or any(
                t in ("wake", "here", "around", "alive", "live", "living", "exist") for t in light
            ):
                return (after - 1, end)
            continue
        if negated:
            end = _going_on(tokens, j, limit)
            if end is not None:
                return (after - 1, end)
            continue
        end = _whole_stops(tokens, j, limit, limit)
        if end is not None:
            return (after - 1, end)
    return _states(tokens)


def _states(tokens: list[str]) -> Span | None:
    """Signs that need no frame: tired of living, no point going on, can't go on."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < n else ""
        limit = _clause_end(tokens, i)
        # "tired of being alive", "done with life", "sick of living"
        if token in ("tired", "sick", "done", "exhausted", "weary", "finished") and nxt in (
            "of",
            "with",
        ):
            j = i + 2
            while j < limit and tokens[j] in ("being", "be", "just", "my", "this", "it", "all"):
                j += 1
            if tokens[j + 1 : j + 2] in (["with"], ["in"], ["like"], ["on"]):
                continue  # "tired of living with this eczema"
            if j < limit and tokens[j] in (
                "alive",
                "living",
                "live",
                "life",
                "existing",
                "exist",
                "here",
                "everything",
                "breathing",
                "breathe",
            ):
                if tokens[j] in ("everything",) and token in ("tired", "sick", "exhausted"):
                    continue  # "sick of everything at work": weariness, not ideation
                return (i, j + 1)
        # "no point in going on", "what's the point of living", "don't see the point anymore"
        if token in ("point", "reason", "use", "sense"):
            before = tokens[max(0, i - 4) : i]
            asks = any(
                t in ("no", "whats", "what", "dont", "cant", "nothing", "any", "zero", "never")
                for t in before
            )
            if asks:
                j = i + 1
                while j < limit and tokens[j] in (
                    "in",
                    "of",
                    "to",
                    "for",
                    "me",
                    "my",
                    "even",
                    "anymore",
                    "any",
                    "more",
                    "just",
                ):
                    j += 1
                end = _going_on(tokens, j, limit)
                if (
                    end is None
                    and j < limit
                    and tokens[j] in ("life", "living", "anything", "existing", "being")
                ):
                    if tokens[j] == "being" and tokens[j + 1 : j + 2] not in (
                        ["here"],
                        ["alive"],
                        ["around"],
                    ):
                        continue
                    end = j + 1
                if end is None and tokens[i + 1 : i + 2] == ["anymore"]:
                    end = i + 2
                if end is not None:
                    return (max(0, i - 2), end)
        # "I can't go on (like this)", "I can't keep going", "can't carry on anymore"
        if token in ("cant", "couldnt") or (token == "unable" and nxt == "to"):
            j = i + 1
            while j < limit and tokens[j] in ("to", "just", "really", "even"):
                j += 1
            end = _going_on(tokens, j, limit)
            if end is not None and tokens[j] not in ("live", "living", "alive", "exist"):
                return (i, end)
        # Harm to one's own body: "scratching my arms up with a razor again".
        if token in _HARM and nxt in ("my", "his", "her", "their", "into", "up"):
            body = tokens[i + 1 : min(limit, i + 4)]
            rest = tokens[i + 1 : min(limit, i + 9)]
            if (
                any(t in _BODY for t in body)
                and any(t in _HARM_HOW for t in rest)
                and not (any(t in _ACCIDENT for t in tokens) and not meant(tokens))
            ):
                return (i, i + 3)
        # A method weighed: "how many of my pills it would take", "enough pills to ...".
        if token == "how" and nxt in ("many", "much"):
            window = tokens[i + 2 : min(limit, i + 10)]
            if any(t in _MEANS for t in window) and any(
                t in ("take", "kill", "enough", "die", "end", "od", "overdose") for t in window
            ):
                return (i, min(limit, i + 8))
        if (
            token == "enough"
            and any(t in _MEANS for t in tokens[i + 1 : i + 4])
            and any(t in ("die", "kill", "end", "never", "not") for t in tokens[i + 2 : i + 9])
        ):
            return (i, min(limit, i + 6))
        # "everyone would be better off without me", "the world would be better without me"
        if token in ("without",) and nxt in ("me", "him", "her"):
            before = tokens[max(0, i - 6) : i]
            if any(t in ("better", "easier", "happier", "fine", "okay", "ok") for t in before):
                return (max(0, i - 4), i + 2)
        # "better off if I wasn't around", "everyone would be fine if I just wasn't here"
        if token == "if" and any(
            t
            in (
                "better",
                "easier",
                "happier",
                "fine",
                "okay",
                "ok",
                "good",
                "favour",
                "favor",
                "relief",
                "blessing",
                "lighter",
            )
            for t in tokens[max(0, i - 5) : i]
        ):
            j = i + 1
            if j < limit and tokens[j] in ("i", "im", "he", "she", "hes", "shes"):
                j += 1
                while j < limit and tokens[j] in ("just", "simply", "only", "really", "finally"):
                    j += 1
                rest = tokens[j : j + 3]
                gone = {
                    "here",
                    "around",
                    "alive",
                    "go",
                    "gone",
                    "dead",
                    "die",
                    "disappear",
                    "born",
                    "exist",
                }
                if (
                    rest
                    and rest[0]
                    in (
                        "wasnt",
                        "werent",
                        "was",
                        "were",
                        "didnt",
                        "die",
                        "disappear",
                        "go",
                        "never",
                        "left",
                    )
                    and (any(t in gone for t in rest) or rest[0] in ("die", "disappear"))
                ):
                    return (max(0, i - 3), j + len(rest))
        # A lethal means kept and weighed: "a rope in the garage ... thinking about using it".
        if (
            token in _LETHAL
            and any(
                t in ("use", "using", "used", "myself", "hang", "shoot", "end")
                for t in tokens[i + 1 :]
            )
            and not any(
                t in ("swing", "hunting", "range", "safety", "class", "license") for t in tokens
            )
        ):
            return (i, min(n, i + 8))
        # "looking forward to it" about death; "picturing my funeral ... relief"
        if (
            token == "forward"
            and tokens[i - 1 : i] in (["look"], ["looking"])
            and any(t in _DEATH for t in tokens)
        ):
            return (max(0, i - 2), min(n, i + 3))
        if (
            token == "funeral"
            and tokens[i - 1 : i] in (["my"], ["own"])
            and any(
                t
                in (
                    "relief",
                    "peace",
                    "peaceful",
                    "forward",
                    "better",
                    "easier",
                    "plan",
                    "planning",
                    "want",
                    "wish",
                )
                for t in tokens
            )
        ):
            return (max(0, i - 2), i + 1)
        # "nobody would miss me", "no one would even notice if I was gone"
        if token in ("nobody", "noone") or (token == "no" and nxt == "one"):
            window = tokens[i + 1 : min(limit, i + 6)]
            if any(t in ("miss", "notice", "care") for t in window) and any(
                t in ("me", "if", "gone", "im") for t in tokens[i + 1 : min(limit, i + 8)]
            ):
                return (i, min(limit, i + 5))
    return None


# Weak signs: each alone is ordinary talk; two together are a plan or a farewell.
def _weak_signs(tokens: list[str]) -> list[Span]:
    signs: list[Span] = []
    n = len(tokens)
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < n else ""
        window = tokens[i + 1 : i + 5]
        if token in ("decided", "decide") and nxt in ("", "tonight", "today", "that", "it"):
            signs.append((i, i + 1))
        if token == "mind" and tokens[max(0, i - 3) : i][-2:] == ["up", "my"]:
            signs.append((i - 3, i + 1))  # "I've made up my mind"
        if token == "night" and tokens[max(0, i - 3) : i] in (["tonight", "is", "the"],):
            signs.append((i - 3, i + 1))  # "tonight is the night"
        if (
            token in ("goodbye", "goodbyes", "farewell", "farewells")
            and not any(t in _FAREWELL_ROUTINE for t in tokens[i + 1 : i + 6])
            and any(t in _FAREWELL_WORDS for t in tokens[max(0, i - 4) : i + 6])
        ):
            signs.append((i, i + 1))
        if (
            token in ("giving", "give", "gave", "given")
            and any(
                t
                in (
                    "things",
                    "stuff",
                    "belongings",
                    "possessions",
                    "pets",
                    "dog",
                    "cat",
                    "cats",
                    "dogs",
                    "jewelry",
                    "everything",
                )
                for t in window
            )
            and "away" in tokens[i + 1 : i + 6]
        ):
            signs.append((i, i + 2))
        if token in ("letter", "letters", "note", "notes", "will") and any(
            t
            in (
                "kids",
                "kid",
                "children",
                "family",
                "wife",
                "husband",
                "mom",
                "dad",
                "son",
                "daughter",
                "everyone",
                "parents",
                "partner",
            )
            for t in tokens[i + 1 : i + 5]
        ):
            signs.append((i, i + 1))
        if (
            token in ("after", "when", "once")
            and nxt in ("im", "i")
            and (
                tokens[i + 2 : i + 3] in (["go"], ["gone"], ["dead"], ["die"])
                or tokens[i + 2 : i + 4] in (["be", "go"], ["am", "go"])
            )
        ):
            signs.append((i, i + 3))
        # "I won't be here", "I'm not planning on being around next month": said of a trip as
        # often as of an ending, so a weak sign.
        if token in ("wont", "not", "dont") and any(
            window[k : k + 2] in (["be", "here"], ["be", "around"], ["being", "here"],
                                  ["being", "around"])
            for k in range(3)
        ):  # fmt: skip
            signs.append((i, i + 4))
        # "none of it matters", "nothing matters anymore"
        if token in ("none", "nothing") and any(
            t in ("matter", "matters", "mattered") for t in tokens[i + 1 : i + 5]
        ):
            signs.append((i, i + 2))
        if (
            token == "ill"
            and window[:2] in (["be", "here"], ["be", "around"])
            and any(t in ("dont", "doesnt", "not", "wont") for t in tokens[max(0, i - 3) : i])
        ):
            signs.append((i, i + 3))
        if (
            token == "way"
            and nxt == "out"
            and any(
                t in ("no", "only", "except", "cant", "dont", "any")
                for t in tokens[max(0, i - 3) : i]
            )
        ):
            signs.append((i - 1, i + 2))
        if (
            token in ("cant", "couldnt")
            and any(t in ("this", "it") for t in window)
            and any(t in ("anymore", "longer") for t in tokens[i + 1 : i + 7])
        ):
            signs.append((i, i + 4))  # "I can't do this anymore", "can't take it anymore"
        if token in ("cant", "couldnt") and window[:3] == ["keep", "do", "this"]:
            signs.append((i, i + 4))
        if token == "done" and nxt == "with" and tokens[i + 2 : i + 3] in (["all"], ["it"]):
            signs.append((i, i + 3))
        if token in ("burden", "hopeless", "worthless", "pointless", "trapped"):
            signs.append((i, i + 1))
        if (
            token == "nothing"
            and nxt == "left"
            and any(t in ("me", "for", "live", "living") for t in tokens[i + 2 : i + 5])
        ):
            signs.append((i, i + 2))  # "there's nothing left for me here"
        if (
            token == "ready"
            and tokens[i + 1 : i + 3] == ["to", "go"]
            and (i + 3 >= n or tokens[i + 3] in (CLAUSE, ",", "now", "tonight"))
        ):
            signs.append((i, i + 3))  # "I'm ready to go" said of nothing in particular
        if (
            token in ("scared", "afraid", "frightened")
            and "not" in tokens[max(0, i - 3) : i]
            and any(t in ("die", "dying", "death", "dead") for t in tokens[i + 1 : i + 4])
        ):
            signs.append((i, i + 3))  # "I'm not scared of dying anymore"
        if token in (
            "stockpile",
            "stockpiling",
            "hoard",
            "hoarding",
            "stash",
            "stashing",
            "collecting",
            "saving",
            "saved",
        ) and any(t in _MEANS for t in tokens[i + 1 : i + 5]):
            signs.append((i, i + 3))
    return signs


def find_ideation(tokens: list[str]) -> Span | None:
    """The span of words carrying suicidal ideation in ``tokens`` (see the module docstring)."""
    strong = find_strong(tokens)
    if strong is not None:
        return strong
    weak = _weak_signs(tokens)
    distinct = {tokens[s] for s, _ in weak}
    if len(weak) >= 2 and len(distinct) >= 2:
        return (min(s for s, _ in weak), max(e for _, e in weak))
    return None


_DENY_FRAME = frozenset(
    [
        "want",
        "plan",
        "planning",
        "gonna",
        "intend",
        "would",
        "will",
        "ever",
        "thinking",
        "think",
        "go",
        "trying",
        "try",
    ]
)


def denied(tokens: list[str], start: int, end: int | None = None) -> bool:
    """Whether the self-harm named at ``start`` is denied by a negated frame before it in the
    same clause, with no new subject between: "I don't want to kill myself", "I'm not going to
    hurt myself", "I would never hurt myself". Going on is another matter ("I don't want to
    live" is ideation): callers pass only the end of the self here."""
    for i in range(start - 1, max(-1, start - 7), -1):
        token = tokens[i]
        if token in (CLAUSE, ",", "but", "so", "because"):
            return False
        if token in ("i", "im", "he", "she", "hes", "shes") and i < start - 1:
            # the frame's own subject is before the negation: keep looking one step
            continue
        if token in _NOT - {"no", "nobody", "cant", "couldnt"}:
            # The match may start with the frame itself: "(don't) want to die".
            after = tokens[i + 1 : start + 1]
            if any(t in _DENY_FRAME for t in after[:3]) or tokens[i + 1 : i + 2] in (
                ["hurt"],
                ["harm"],
                ["kill"],
                ["cut"],
            ):
                stop = max(start + 3, end or 0)
                return not any(
                    t
                    in (
                        "live",
                        "living",
                        "alive",
                        "here",
                        "around",
                        "wake",
                        "exist",
                        "anymore",
                        "earth",
                        "world",
                    )
                    for t in tokens[i + 1 : stop]
                )
    return False
