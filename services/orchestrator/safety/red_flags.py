"""Emergency signs in what a caller says, matched on meaning, with their context.

``find_red_flag("my chest feels tight")`` -> ``RedFlag(Category.CARDIAC, "chest feel tight")``;
``find_red_flag("no chest pain just a cough")`` -> None; ``find_red_flag("no I can't
breathe")`` -> a breathing red flag; ``find_red_flag("I had a stroke last year and need a follow
up")`` -> None; ``find_red_flag("I don't feel like living anymore")`` -> ``Category.SUICIDAL``.

Pipeline (pure, a few hundred microseconds): normalise (``_text``), rewrite ages and mask
idioms (``_lexicon``), lemmatise, try the rules whose anchor words occur (``_rules``), keep
the matches asserted now (``_context``); then ideation read compositionally (``_ideation``), a
means beside intent or finality (``_means``), and the learned crisis reader (``crisis_model``).
``RedFlagDetector`` holds the compiled rules; build one at start-up and pass it in.
``find_red_flag`` uses a shared default for convenience.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from orchestrator.safety import _context
from orchestrator.safety._farewell import find_farewell
from orchestrator.safety._ideation import denied, find_ideation
from orchestrator.safety._lexicon import CLASSES, LEMMAS, mask_idioms, rewrite_ages
from orchestrator.safety._means import find_means
from orchestrator.safety._rules import RULES, Category, Rule
from orchestrator.safety._scope import SELF_INJURY, about_business, accidental
from orchestrator.safety._text import lemmatise, normalise
from orchestrator.safety.crisis_features import CRISIS_FAMILIES, concepts
from orchestrator.safety.crisis_model import THRESHOLD, crisis_probability, load_crisis_model
from orchestrator.understanding.model import LinearModel


class Script(StrEnum):
    """Which emergency script the caller hears: never both."""

    CRISIS = "crisis"  # suicidal or self-harm: 988 first, stay on the line, warm transfer
    MEDICAL = "medical"  # 911 now, urgent handoff


@dataclass(frozen=True)
class RedFlag:
    """An emergency sign in what the caller said.

    ``categories`` lists every category found (first = ``category``); ``phrase`` is the
    lemmas that matched, for the handoff summary.
    """

    category: Category
    phrase: str
    categories: tuple[Category, ...] = ()

    @property
    def script(self) -> Script:
        """A medical sign beside a suicidal one ("I took all my pills, I want to die") needs
        911 first: the danger to life is physical and immediate."""
        cats = self.categories or (self.category,)
        if any(c is not Category.SUICIDAL for c in cats):
            return Script.MEDICAL
        return Script.CRISIS

    @property
    def kind(self) -> str:
        return self.category.value


def _words(rule: Rule) -> frozenset[str]:
    """Every word a rule's own slots name ("cant" in "cant ~1 breathe" is not a negation of
    the match)."""
    words: set[str] = set()
    for part in rule.pattern.split():
        for alt in part.rstrip("?").split("/"):
            words |= CLASSES[alt.strip("<>")] if alt.startswith("<") else {LEMMAS.get(alt, alt)}
    return frozenset(words)


class RedFlagDetector:
    """Compiled red-flag rules. ``detector.find(text)`` -> ``RedFlag | None``."""

    def __init__(
        self,
        rules: tuple[Rule, ...] = RULES,
        crisis: LinearModel | None = None,
        crisis_threshold: float = THRESHOLD,
    ) -> None:
        """``crisis``: the learned crisis reader (``crisis_model``), consulted when the rules
        find no crisis; None reads with the rules alone."""
        self._rules = rules
        self._own_words = {id(rule): _words(rule) for rule in rules}
        self._crisis = crisis
        self._crisis_threshold = crisis_threshold

    def tokens(self, text: str) -> list[str]:
        return lemmatise(mask_idioms(rewrite_ages(normalise(text))).split(), LEMMAS)

    def find(self, text: str) -> RedFlag | None:
        """The emergency signs asserted in ``text``, or None."""
        tokens = self.tokens(text)
        if not tokens:
            return None
        present = set(tokens)
        joined = " " + " ".join(tokens) + " "
        # Character offset of each token in ``joined``, to turn a match into token indexes.
        starts: dict[int, int] = {}
        offset = 1
        for i, token in enumerate(tokens):
            starts[offset] = i
            offset += len(token) + 1
        found: list[tuple[Category, str]] = []
        # An injury in an accident context ("hurt myself lifting", "cut myself shaving") is
        # not self-harm unless the caller says it was meant.
        accident = accidental(tokens)
        for rule in self._rules:
            if rule.anchors.isdisjoint(present):
                continue
            if any(f[0] is rule.category for f in found):
                continue
            phrase = self._match(rule, tokens, joined, starts)
            if phrase is not None:
                found.append((rule.category, phrase))
        if not any(category is Category.SUICIDAL for category, _ in found):
            span = find_ideation(tokens)
            if span is not None and not _errand_or_accident(tokens, span, accident):
                start, end = span
                said = _context.context(tokens, start, end, event=False, habit=False)
                if not (said.historical or said.hypothetical):
                    found.append((Category.SUICIDAL, " ".join(tokens[start:end])))
        if not any(category is Category.SUICIDAL for category, _ in found):
            # A means beside intent or finality ("the gun in my lap", "saving my pills for
            # when"): a plan said without the act.
            pair = find_means(tokens)
            if pair is not None:
                start, end = min(pair), max(pair) + 1
                cue = pair[1]
                said = _context.context(tokens, cue, cue + 1, event=False, habit=False)
                if not (denied(tokens, start, end) or said.historical or said.hypothetical):
                    found.append((Category.SUICIDAL, " ".join(tokens[start:end])))
        if not any(category is Category.SUICIDAL for category, _ in found):
            # Life put in order beside the end of needing care ("made my arrangements, I
            # shan't be needing further care"): a farewell plan.
            pair = find_farewell(tokens)
            if pair is not None:
                start, end = min(pair), max(pair) + 1
                said = _context.context(tokens, pair[1], pair[1] + 1, event=False, habit=False)
                past = said.historical and "last" not in tokens[start:end]
                if not (denied(tokens, start, end) or past or said.hypothetical):
                    found.append((Category.SUICIDAL, " ".join(tokens[start:end])))
        if not found and self._crisis is not None and self._learned_crisis(text, tokens):
            found.append((Category.SUICIDAL, "(crisis reader)"))
        if not found:
            return None
        categories = tuple(category for category, _ in found)
        return RedFlag(found[0][0], found[0][1], categories)

    def _match(
        self, rule: Rule, tokens: list[str], joined: str, starts: dict[int, int]
    ) -> str | None:
        for match in rule.regex.finditer(joined):
            start = starts[match.start()]
            end = start + len(match.group(0).split())
            if rule.category is Category.SUICIDAL and _errand_or_accident(
                tokens, (start, end), accidental(tokens)
            ):
                continue
            if not self._asserted(rule, tokens, start, end):
                continue
            if rule.also and not any(
                self._present(regex, tokens, joined, starts) for regex in rule.also_regex
            ):
                continue
            if any(self._present(regex, tokens, joined, starts) for regex in rule.unless_regex):
                continue
            return " ".join(tokens[start:end])
        return None

    def _asserted(self, rule: Rule, tokens: list[str], start: int, end: int) -> bool:
        own = self._own_words[id(rule)]
        # "I don't want to kill myself", "I'd never hurt myself": a denial, not ideation.
        if rule.category is Category.SUICIDAL and denied(tokens, start, end):
            return False
        # A negation inside the match that the rule did not name: "my chest doesn't hurt".
        if any(t in _context.NEGATIONS and t not in own for t in tokens[start + 1 : end]):
            return False
        found = _context.context(tokens, start, end, event=rule.event, habit=rule.habit)
        return found.affirmed

    def _learned_crisis(self, text: str, tokens: list[str]) -> bool:
        """The learned reader is sure, and the words are not about the past or a what-if."""
        assert self._crisis is not None
        # Nothing said about death, going, means, farewells, harm or burden: whatever the
        # model's weights make of "know no not that one", it is not crisis talk.
        if not concepts(text) & CRISIS_FAMILIES:
            return False
        if accidental(tokens):
            return False  # "cut myself cooking, sliced my thumb": an accident, told as one
        if crisis_probability(self._crisis, text) < self._crisis_threshold:
            return False
        said = _context.context(tokens, 0, len(tokens), event=False, habit=False)
        if said.historical or said.hypothetical:
            return False
        # Where the rules saw crisis words and read them as denied, negated or past ("I don't
        # want to kill myself, I just feel low"), the rules' reading stands.
        return not self._crisis_words_read_as_not_now(tokens)

    def _crisis_words_read_as_not_now(self, tokens: list[str]) -> bool:
        # "I would never hurt myself", "I'm not going to end it": denied.
        for i, token in enumerate(tokens):
            if token in _SELF_END_WORDS and denied(tokens, i, i + 1):
                return True
        joined = " " + " ".join(tokens) + " "
        starts: dict[int, int] = {}
        offset = 1
        for i, token in enumerate(tokens):
            starts[offset] = i
            offset += len(token) + 1
        for rule in self._rules:
            # OTHER holds "I'm going to die": read as a condition ("... if I have to wait
            # another week"), the rules' reading stands for the reader too.
            if rule.category not in (Category.SUICIDAL, Category.OTHER):
                continue
            for match in rule.regex.finditer(joined):
                start = starts[match.start()]
                end = start + len(match.group(0).split())
                said = _context.context(tokens, start, end, event=False, habit=False)
                if denied(tokens, start, end) or not said.affirmed:
                    return True
                # The rule itself ruled the words out ("burned myself on the curling iron",
                # "better off if I got the shot"): its exception stands too.
                if any(self._present(r, tokens, joined, starts) for r in rule.unless_regex):
                    return True
        return False

    @staticmethod
    def _present(
        regex: re.Pattern[str], tokens: list[str], joined: str, starts: dict[int, int]
    ) -> bool:
        """A supporting sign anywhere in the utterance, not negated ("after a bee sting")."""
        for match in regex.finditer(joined):
            start = starts[match.start()]
            end = start + len(match.group(0).split())
            left, _ = _context.clause_bounds(tokens, start, end)
            if not _context.negated_before(tokens, left, start):
                return True
        return False


def _errand_or_accident(tokens: list[str], span: tuple[int, int], accident: bool) -> bool:
    """Crisis-sounding words that are about an errand ("no point keeping the 3 pm slot") or
    an injury told as an accident ("hurt myself at the gym")."""
    start, end = span
    if about_business(tokens, end):
        return True
    return accident and any(t in SELF_INJURY for t in tokens[start:end])


_SELF_END_WORDS = frozenset(["kill", "hurt", "harm", "cut", "end", "die", "suicide", "off"])


@cache
def default_detector() -> RedFlagDetector:
    """The rules and the committed crisis reader."""
    return RedFlagDetector(crisis=load_crisis_model())


def find_red_flag(text: str) -> RedFlag | None:
    """The emergency signs in ``text`` (see the module docstring), or None."""
    return default_detector().find(text)
