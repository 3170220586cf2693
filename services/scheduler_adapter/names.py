"""Matching a transcribed full name against a record's first and last name.

Transcripts vary in case, accents, punctuation, spacing and middle names, so names are compared
as lists of folded tokens: the caller's tokens must start with the record's first-name tokens
and end with its last-name tokens ("maria elena LOPEZ" matches Maria / Lopez; "Lopez, Maria"
is read as "Maria Lopez"). Nothing looser: a different first or last name never matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s\-_./]+")
_DROPPED = re.compile(r"[^a-z0-9 ]")


def name_tokens(name: str) -> list[str]:
    """Lower-case, accent-free tokens of a name; hyphens split, apostrophes vanish."""
    # casefold, not lower: "STRASSE" and "straße" are one name.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _DROPPED.sub("", _SEPARATORS.sub(" ", folded))
    return folded.split()


def _said_order(said: str) -> str:
    # "Lopez, Maria Elena" -> "Maria Elena Lopez".
    if said.count(",") == 1:
        last, first = said.split(",")
        return f"{first} {last}"
    return said.replace(",", " ")


def name_matches(said: str, first_name: str, last_name: str) -> bool:
    """Whether the name as said is the record's first and last name, allowing middle names."""
    tokens = name_tokens(_said_order(said))
    first = name_tokens(first_name)
    last = name_tokens(last_name)
    if not first or not last or len(tokens) < len(first) + len(last):
        return False
    return tokens[: len(first)] == first and tokens[len(tokens) - len(last) :] == last


def record_name_matches(
    said: str, first_name: str, last_name: str, nicknames: Iterable[str] = ()
) -> bool:
    """Whether the name as said is the record's name, or its last name with one of the first
    names (nicknames) the record answers to. Exact after folding: cheap enough to run against
    every record of a clinic (which records a failed attempt counts against)."""
    return any(name_matches(said, first, last_name) for first in (first_name, *nicknames) if first)
