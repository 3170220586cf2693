"""Whether a matched sign is asserted *now* about someone: NegEx/ConText-style context.

``context(tokens, start, end)`` looks around the matched tokens ``[start, end)`` (lemmas, as
``_text`` makes them) and says whether the sign is negated ("no chest pain"), historical ("had
a stroke last year", "my mom had a stroke two years ago"), hypothetical ("what should I do if
she has a seizure"), or habitual/chronic ("I get short of breath when I climb stairs").

Scope is the clause, as in ConText: it ends at punctuation, at a conjunction that starts a new
clause ("but", "so", "because"...), and, for negation, at a new subject ("no I can't
breathe", "I don't know I can't breathe": speech-to-text drops the comma, the new subject
"I" still ends the scope of "no"). Pseudo-triggers are not negations: "no" before a pronoun is
an interjection, "I don't want to bother you" negates wanting, "never had pain like this
before" affirms the pain.

Why not medspaCy's ConText or negspacy: both need a spaCy pipeline (milliseconds per
utterance, a model we cannot download here) and treat "no" before a new clause as a negation,
which is exactly what speech without punctuation gets wrong. The rule tables below follow
their trigger lists (pre/post negation, pseudo-negation, terminators, historical and
hypothetical triggers) on plain tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.safety._text import CLAUSE, COMMA

TERMINATORS = frozenset(
    [CLAUSE, COMMA, "but", "however", "although", "though", "except", "yet", "so", "because",
     "cause", "cuz", "plus", "anyway", "anyways", "whereas", "otherwise", "apart", "besides",
     "only", "just", "instead", "still", "now", "and"]
)  # fmt: skip
# "and" only ends a clause before a new subject (see ``_is_break``).
_SOFT_TERMINATORS = frozenset(["and", "just", "only", "still", "now"])
SUBJECTS = frozenset(
    ["i", "im", "ive", "id", "ill", "he", "hes", "she", "shes", "they", "theyre", "we", "were",
     "you", "youre", "it", "its", "there", "theres", "this", "that", "thats", "everything",
     "everyone", "someone", "somebody", "my", "his", "her", "their", "our", "mom", "dad",
     "husband", "wife", "baby", "son", "daughter"]
)  # fmt: skip
# Subjects that start a clause after "no"/"and"; "my"/"her" only after "no" (see below).
_NEW_SUBJECT = frozenset(
    ["i", "im", "ive", "id", "he", "hes", "she", "shes", "they", "theyre", "we", "you",
     "youre", "it", "its", "there", "theres", "this", "thats", "everything", "everyone",
     "someone", "somebody"]
)  # fmt: skip

NEGATIONS = frozenset(
    ["no", "not", "never", "without", "denies", "deny", "denied", "dont", "doesnt", "didnt",
     "isnt", "arent", "wasnt", "werent", "havent", "hasnt", "hadnt", "aint", "nor",
     "neither", "none", "free", "negative", "nope"]
)  # fmt: skip
_VERBAL = frozenset(
    ["dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "havent", "hasnt", "hadnt",
     "aint", "not", "never"]
)  # fmt: skip
# "no" is an interjection, not a negation, before these ("no my chest hurts", "no no no").
_NO_INTERJECTION = _NEW_SUBJECT | frozenset(
    ["my", "his", "her", "their", "our", "your", "the", "wait", "no", "yes", "yeah", "ok",
     "okay", "please", "help", "listen", "seriously", "really", "actually", "sorry", "um",
     "uh", "like", "so", "one", "body", "way", "sir", "maam", "dont", "cant", "wont", "oh",
     "god", "hurry", "im", "mom", "dad", "mommy", "daddy", "honey", "dear", "well", "wow",
     "thanks", "thank", "nevermind", "man", "idea", "clue", "matter", "doubt", "joke"]
)  # fmt: skip
# After a verbal negation these make it a pseudo-negation: the negated thing is the verb.
_PSEUDO_AFTER = frozenset(
    ["want", "know", "mean", "understand", "care", "need", "like", "mind", "remember",
     "bother", "wish", "panic", "worry", "freak", "hang", "lie", "kid", "joke", "sure",
     "ok", "okay", "fine", "good", "well", "great", "kidding", "joking", "lying", "just",
     "only", "exaggerating", "making", "even", "trying", "wanna", "expect",
     "look", "sound", "seem", "normal", "usual", "going", "gonna", "see", "right", "bad",
     "myself", "herself", "himself", "sleep", "waste", "cry", "blame", "let", "hear", "call",
     "able", "help", "helping", "work", "working", "improve", "improving", "ease", "easing",
     "change", "changing", "make", "go", "come", "start", "keep", "talk", "act", "find"]
)  # fmt: skip
_WHAT_NEXT = [["do"], ["should"], ["would"], ["to"]]
_STATE_WORDS = frozenset(["okay", "ok", "fine", "alright", "sure", "well", "good", "right"])
_PSEUDO_FEEL = frozenset(["good", "well", "right", "ok", "okay", "great", "myself", "safe"])
# "dont think he is breathing": the negated belief reaches over one new subject.
_BELIEF = frozenset(["think", "believe", "feel", "reckon", "guess"])
# "never had pain like this" affirms the pain.
_NEVER_LIKE = frozenset(["like", "before", "worse", "bad", "much", "severe", "intense"])

POST_NEGATIONS = frozenset(["gone", "resolve", "resolved", "subside", "subsided", "away"])
_POST_PHRASES = (("better", "now"), ("fine", "now"), ("ok", "now"), ("okay", "now"),
                 ("good", "now"), ("well", "now"), ("alright", "now"),
                 ("under", "control"), ("clear", "up"), ("cleared", "up"))  # fmt: skip

# Time and history words (ConText's "historical").
_PAST_UNITS = frozenset(
    ["year", "years", "month", "months", "week", "weeks", "day", "days", "decade", "decades",
     "while", "time", "ages", "summer", "winter", "spring", "fall", "autumn", "christmas"]
)  # fmt: skip
_RECENT_UNITS = frozenset(["minute", "minutes", "min", "mins", "second", "seconds", "hour",
                           "hours", "moment", "moments", "hr", "hrs"])  # fmt: skip
_LAST = frozenset(
    ["year", "month", "summer", "winter", "spring", "fall", "autumn", "christmas", "time",
     "january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december", "thanksgiving", "easter", "visit", "appointment",
     "period"]
)  # fmt: skip
_LAST_WEAK = frozenset(["night", "week", "weekend", "monday", "tuesday", "wednesday",
                        "thursday", "friday", "saturday", "sunday", "evening"])  # fmt: skip
HISTORY = frozenset(
    ["history", "hx", "previous", "previously", "prior", "follow", "followup", "recover",
     "recovered", "recovering", "recovery", "rehab", "survivor", "survived", "diagnosed",
     "childhood", "kid", "teenager", "younger", "past", "runs", "used"]
)  # fmt: skip
_WEAK_PAST = frozenset(["yesterday"])
_PRONOUNS = frozenset(["i", "he", "she", "we", "they", "you", "dad", "mom", "mum"])
_DECADES = frozenset(
    ["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties",
     "nineties", "20s", "30s", "40s", "50s", "60s", "70s", "80s", "90s", "1960s", "1970s",
     "1980s", "1990s", "2000s"]
)  # fmt: skip
_DECADE_PAIRS = [[word] for word in _DECADES]
_ONGOING = frozenset(["since", "still", "worse", "worst", "getting", "keeps", "keep", "ongoing",
                      "now", "again", "continuing", "hasnt", "wont", "been", "today",
                      "tonight"])  # fmt: skip
# Words of an errand around an event noun ("a bare "my husband had a seizure" is current).
_EVENT_ADMIN = frozenset(
    ["records", "record", "fax", "form", "forms", "refill", "prescription", "checkup",
     "check", "checked", "screening", "screened", "screen", "cholesterol", "cardiologist",
     "neurologist", "referral", "letter", "paperwork", "insurance", "bill", "claim", "review",
     "testing", "tested", "clinic", "physical", "license"]
)  # fmt: skip
_KIN = frozenset(["father", "mother", "husband", "wife", "dad", "mom", "brother", "sister",
                  "grandfather", "grandmother", "grandpa", "grandma", "son", "daughter",
                  "uncle", "aunt", "partner"])  # fmt: skip
CURRENT = frozenset(
    ["now", "currently", "still", "again", "another", "tonight", "today", "right", "worse",
     "worst", "keeps", "keep", "since", "ongoing", "happening", "continuing", "just"]
)  # fmt: skip
_CHRONIC_LONG = frozenset(["weeks", "months", "years", "ages", "while", "forever", "decades"])
_LONG_PAIRS = [[word] for word in _CHRONIC_LONG]  # "for a while", "for two years"
_UNIT_PAIRS = [[word] for word in _PAST_UNITS]
_SEASON_PAIRS = [["spring"], ["summer"], ["fall"], ["autumn"], ["winter"], ["past"]]
HABITUAL = frozenset(
    ["whenever", "sometimes", "occasionally", "usually", "often", "always", "every",
     "chronic", "tend", "tends", "normally", "periodically"]
)  # fmt: skip
_EVERY = frozenset(["day", "night", "morning", "evening", "week", "month", "year", "time",
                    "winter", "summer", "spring", "fall", "so"])  # fmt: skip
_HABIT_WHEN = frozenset(
    ["exercise", "walk", "climb", "run", "work", "lie", "lay", "bend", "cough", "sneeze", "eat",
     "get", "stand", "go", "sleep", "brush", "lift", "jog", "exert", "laugh", "floss", "swim",
     "bike", "hike", "do", "play", "wake"]
)  # fmt: skip
HYPOTHETICAL = frozenset(
    ["if", "whether", "suppose", "supposing", "hypothetically", "case", "risk", "risks",
     "prevent", "prevention", "preventing", "screening", "screen", "class", "course",
     "training", "information", "info", "pamphlet", "brochure", "awareness", "signs", "sign",
     "symptoms", "symptom", "avoid", "chance", "chances", "odds", "likely", "worried_about",
     "video", "article"]
)  # fmt: skip
_UNCERTAIN_BEFORE_IF = frozenset(
    [
        "know",
        "sure",
        "wonder",
        "wondering",
        "see",
        "check",
        "tell",
        "ask",
        "asking",
        "notice",
        "think",
        "as",
    ]
)
_HYPO_OF = frozenset(["signs", "sign", "symptoms", "symptom", "risk", "risks", "chance"])
_LEARN = frozenset(["learn", "learning", "learned", "learnt", "studying", "study", "reading",
                    "read", "question", "questions", "essay",
                    "project", "video", "article", "info", "information"])  # fmt: skip
# After the sign: "a stroke, what are the signs", "strokes in health class".
_HYPO_AFTER = frozenset(
    [
        "class",
        "course",
        "training",
        "signs",
        "symptoms",
        "homework",
        "project",
        "essay",
        "article",
        "video",
        "prevention",
        "awareness",
    ]
)
_WORRY = frozenset(["worried", "afraid", "scared", "nervous", "concerned", "worry", "fear"])


@dataclass(frozen=True)
class Context:
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    habitual: bool = False

    @property
    def affirmed(self) -> bool:
        return not (self.negated or self.historical or self.hypothetical or self.habitual)


def _is_break(tokens: list[str], i: int) -> bool:
    token = tokens[i]
    if token not in TERMINATORS:
        return False
    if token in _SOFT_TERMINATORS:
        # "and she can't breathe" starts a clause; "no fever and chest pain" does not.
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == "just":
            return True
        # "and her face is lopsided" starts a clause too: a possessive opens a new subject.
        return (
            following in _NEW_SUBJECT
            or token in ("now", "still")
            or (token == "and" and following in ("my", "his", "her", "their", "our", "your"))
        )
    return True


def clause_bounds(
    tokens: list[str], start: int, end: int, *, commas: bool = True
) -> tuple[int, int]:
    """The clause around ``[start, end)``: from after the last break before it to the next.
    ``commas=False`` reads through commas (an if-clause or a history reaches over "if I,
    like, ever had chest pain")."""

    def stops(i: int) -> bool:
        return _is_break(tokens, i) and (commas or tokens[i] != COMMA)

    left = start
    while left > 0 and not stops(left - 1):
        left -= 1
    right = end
    while right < len(tokens) and not stops(right):
        right += 1
    return left, right


def negated_before(tokens: list[str], left: int, start: int) -> bool:
    crossed_subjects = 0
    for i in range(start - 1, max(left, start - 9) - 1, -1):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in NEGATIONS:
            if _pseudo(tokens, i, start):
                return False
            if crossed_subjects == 0:
                return True
            # A belief reaches over one new subject ("don't think she's having a stroke").
            return crossed_subjects == 1 and nxt in _BELIEF
        if token in _NEW_SUBJECT and i != start:
            crossed_subjects += 1
            if crossed_subjects > 1:
                return False
        if token in _STATE_WORDS:
            # "I don't think I'm okay my chest hurts": the negation took "okay".
            return False
    return False


def _pseudo(tokens: list[str], i: int, start: int) -> bool:
    token = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    after = tokens[i + 2] if i + 2 < len(tokens) else ""
    if token == "nope":
        return True
    if token == "no" and nxt in _NO_INTERJECTION:
        return True
    if token == "free" or token == "negative":
        return nxt not in ("of", "for")
    if token == "never":
        # "never had pain like this (before)", "never been this short of breath"
        window = tokens[i + 1 : start + 6]
        return any(w in _NEVER_LIKE for w in window) or "this" in tokens[i + 1 : start]
    if token in _VERBAL:
        if nxt == "feel" and after in _PSEUDO_FEEL:
            return True
        if nxt in ("even", "really", "just", "ever", "like", "totally", "actually"):
            # Fillers: "I'm not like suicidal" negates what follows them.
            return after in _PSEUDO_AFTER and after != "like"
        return nxt in _PSEUDO_AFTER
    return False


_CORRECTION = frozenset(["no", "sorry", "actually", "wait", "mean"])
_TAKEN_BACK = frozenset(["dont", "doesnt", "didnt", "isnt", "wasnt", "havent", "hasnt", "not"])


def _taken_back(tokens: list[str], end: int) -> bool:
    """A self-correction after the sign: "I have chest pain, sorry, no, I don't"."""
    window = tokens[end : end + 7]
    if CLAUSE in window:
        window = window[: window.index(CLAUSE)]
    for j, token in enumerate(window):
        if token in _CORRECTION:
            for k in range(j + 1, min(len(window), j + 4)):
                if window[k] in _TAKEN_BACK:
                    after = window[k + 1] if k + 1 < len(window) else ""
                    later = tokens[end + k + 1 : end + k + 6]
                    unsure = any(w in ("know", "understand", "care") for w in later)
                    return after in ("", COMMA, "have", "anymore", "actually") and not unsure
    return False


def _negated_after(tokens: list[str], end: int, right: int) -> bool:
    window = tokens[end : min(right, end + 5)]
    for j, token in enumerate(window):
        if token in POST_NEGATIONS:
            return True
        if (token, window[j + 1] if j + 1 < len(window) else "") in _POST_PHRASES:
            return True
        if token == "stop" and (
            j == 0 or window[j - 1] not in ("wont", "cant", "doesnt", "didnt", "not", "wouldnt")
        ):
            return True
    return False


def _window(tokens: list[str], start: int, end: int) -> list[str]:
    """Up to three words before and after the sign, not across a hard clause break; a soft
    one ("now", "still", "just") is kept when it is close, as it says *when*."""
    before: list[str] = []
    for i in range(start - 1, max(0, start - 4) - 1, -1):
        if _is_break(tokens, i) and tokens[i] not in _SOFT_TERMINATORS:
            break
        before.insert(0, tokens[i])
    after: list[str] = []
    for i in range(end, min(len(tokens), end + 4)):
        if _is_break(tokens, i) and (tokens[i] not in _SOFT_TERMINATORS or i - end > 1):
            break
        after.append(tokens[i])
    return before + tokens[start:end] + after


def _current(tokens: list[str], start: int, end: int, left: int, right: int) -> bool:
    near = _window(tokens, start, end)
    if "now" in near and "that" in near[near.index("now") + 1 : near.index("now") + 2]:
        near = [w for w in near if w != "now"]  # "now that my rehab has finished": a reason
    after = tokens[end : min(right, end + 5)]
    if "right" in near and "now" in near:
        return True
    if "ago" in after:
        i = end + after.index("ago")
        if tokens[i - 1] in _RECENT_UNITS:
            return True
    return any(
        w
        in (
            "currently",
            "still",
            "again",
            "tonight",
            "today",
            "just",
            "now",
            "worse",
            "keeps",
            "another",
            "happening",
            "since",
        )
        for w in near
    )


def _historical(
    tokens: list[str], start: int, end: int, left: int, right: int, event: bool
) -> bool:
    clause = tokens[left:right]
    for j, token in enumerate(clause):
        i = left + j
        prev = tokens[i - 1] if i > 0 else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == "ago" and prev not in _RECENT_UNITS and prev != "an":
            return True
        if token == "last" and nxt in _LAST:
            return True
        weak_past = (token == "last" and nxt in _LAST_WEAK) or token in _WEAK_PAST
        # "had chest pain last week": past, unless it goes on ("since last week", "and it's
        # getting worse", "still").
        if weak_past and not any(t in _ONGOING for t in tokens):
            return True
        # "I used to self harm": the lemmatiser reads "used" as "use".
        if token == "use" and nxt == "to" and prev in _PRONOUNS:
            return True
        if token in HISTORY:
            if token == "used" and nxt != "to":
                continue
            if token == "runs" and nxt != "in":
                continue
            if token in ("kid", "teenager") and prev not in ("a", "as"):
                continue  # "as a kid" is history; "my teenager drank ..." is now
            return True

        # "is that genetic", "had seizures his whole life": a question about a history.
        if token in ("genetic", "hereditary", "inherited", "inherit", "genetics"):
            return True
        if token == "whole" and nxt == "life" and prev in ("his", "her", "my", "their", "your"):
            return True
        if token.isdigit() and len(token) == 4 and token[:2] in ("19", "20"):
            return True
        if token == "back" and (nxt in ("in", "when") or prev in _PAST_UNITS):
            return True  # "back in March", "three years back"
        if token == "in" and nxt == "the" and tokens[i + 2 : i + 3] in _DECADE_PAIRS:
            return True  # "in the seventies", "back in the 80s": a decade gone
        if token == "in" and nxt == "the" and tokens[i + 2 : i + 3] in _SEASON_PAIRS:
            return True  # "in the spring"
        if (
            event
            and token == "at"
            and (nxt.isdigit() or nxt in ("age", "fifty", "forty", "sixty", "seventy", "many"))
        ):
            return True  # "had a heart attack at 45": an age, so a past event
        if token == "before" and (nxt in _PAST_UNITS or tokens[i + 2 : i + 3] in _UNIT_PAIRS):
            return True  # "before two years": "two years ago", as many say it
        if event and token == "late" and nxt in _KIN:
            return True  # "my late father suffered a stroke"
        if event and token == "family" and prev in ("my", "the", "our", "his", "her"):
            return True  # "in my family many people have stroke"
        if (
            token == "when"
            and nxt in ("i", "he", "she")
            and tokens[i + 2 : i + 3] in (["was"], ["were"])
        ):
            return True
        if token in ("die", "pass") and (nxt in ("of", "from", "away")):
            return True
        if (
            token in ("after", "since")
            and nxt in ("my", "his", "her", "their", "the")
            and (event and i < start)
        ):
            return True
    return False


def _habitual(tokens: list[str], left: int, right: int) -> bool:
    clause = tokens[left:right]
    for j, token in enumerate(clause):
        nxt = clause[j + 1] if j + 1 < len(clause) else ""
        after = clause[j + 2] if j + 2 < len(clause) else ""
        if token in HABITUAL:
            if token == "every" and nxt not in _EVERY:
                continue  # "with every breath" says how bad, not how often
            return True
        if (
            token in ("when", "while", "after")
            and nxt in ("i", "he", "she", "we", "they")
            and (after in _HABIT_WHEN)
        ):
            return True
        if token in ("i", "he", "she") and nxt in ("get", "gets", "tend"):
            return True
        if token == "gets":  # "my dad gets short of breath walking up hills"
            return True
        if token == "for" and (nxt in _CHRONIC_LONG or clause[j + 2 : j + 3] in _LONG_PAIRS):
            return True  # "for months": chronic, for the clinic to see, not 911
        if token == "at" and nxt == "night":
            return True
        # "on and off for ten minutes" is one episode going on now, not a habit.
        if token in ("on", "off") and nxt == "and" and not any(t in _RECENT_UNITS for t in clause):
            return True
        if token == "come" and nxt == "and":
            return True
    return False


def _hypothetical(tokens: list[str], start: int, left: int) -> bool:
    for i in range(start - 1, left - 1, -1):
        token = tokens[i]
        prev = tokens[i - 1] if i > 0 else ""
        if token == "if":
            # "how do I know if my chest pain is serious": a question about the future.
            if "how" in tokens[max(0, i - 5) : i] and prev in ("know", "tell"):
                return True
            if prev in _UNCERTAIN_BEFORE_IF or (i > 1 and tokens[i - 2] in _UNCERTAIN_BEFORE_IF):
                return False
            # The if-clause's own subject is allowed; a second subject ends the scope.
            subjects = sum(1 for t in tokens[i + 2 : start] if t in _NEW_SUBJECT)
            return subjects == 0
        if token in HYPOTHETICAL and token != "if":
            if token in _HYPO_OF:
                return start - i <= 4
            if token == "case" and prev != "in":
                continue
            return start - i <= 6
        # "what should I do if she has a seizure"; "not sure what to do my husband collapsed"
        # is panic, not a question about the future.
        asks_what = token in ("what", "how") and tokens[i + 1 : i + 2] in _WHAT_NEXT
        if asks_what and any(t in ("if", "when", "case") for t in tokens[i + 2 : start]):
            return True
        if token in _WORRY:
            # "worried about (her) having a stroke", "worried I could have a stroke": a fear
            # of the future. "worried I'm having a stroke" is a sign now, said unsure.
            about = tokens[i + 1 : i + 2] in (["about"], ["of"])
            ahead = tokens[i + 1 : min(start, i + 6)]
            future = {"could", "might", "may", "will", "would", "ill", "gonna"}
            if about and any(t in ("having", "getting", "have", "get") for t in ahead):
                return True
            if any(t in future for t in ahead):
                return True
        if token == "about" and prev in _LEARN:
            return True  # "we're learning about strokes in health class"
        if token == "thought" and any(t in ("was", "were") for t in tokens[i + 1 : i + 4]):
            return True  # "I thought I was having a heart attack (but ...)"
    return False


def _having(tokens: list[str], start: int) -> bool:
    """ "is having a seizure", "she's seizing": said to be going on."""
    return any(
        t in ("having", "is", "shes", "hes", "keeps") for t in tokens[max(0, start - 3) : start]
    )


def context(tokens: list[str], start: int, end: int, *, event: bool, habit: bool) -> Context:
    """The context of the sign at ``tokens[start:end]``. ``event``: a noun for something
    that happens once ("stroke", "seizure"), which "had a ..." puts in the past; ``habit``:
    whether habitual wording ("when I climb stairs") makes it non-urgent."""
    left, right = clause_bounds(tokens, start, end)
    negated = (
        negated_before(tokens, left, start)
        or _negated_after(tokens, end, right)
        or _taken_back(tokens, end)
    )
    wide_left, wide_right = clause_bounds(tokens, start, end, commas=False)
    current = _current(tokens, start, end, left, right)
    historical = not current and (
        _historical(tokens, start, end, wide_left, wide_right, event)
        # "fax my records about my heart attack", "my brother had a heart attack so I want my
        # cholesterol checked": an event named as the reason for an errand, anywhere in what
        # was said. A bare "my husband had a seizure" stays current.
        or (event and not _having(tokens, start) and any(t in _EVENT_ADMIN for t in tokens))
    )
    habitual = habit and not current and _habitual(tokens, wide_left, wide_right)
    hypothetical = (
        _hypothetical(tokens, start, wide_left)
        or any(t in _HYPO_AFTER for t in tokens[end : min(wide_right, end + 4)])
        # "I'll die if I have to wait another week": a condition, not a sign.
        or (tokens[end : end + 1] == ["if"] and tokens[end - 1] in ("die", "dead", "out"))
    )
    return Context(negated, historical, hypothetical, habitual)
