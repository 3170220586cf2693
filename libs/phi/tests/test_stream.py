"""Streaming guarantee: any chunking == redact(whole), and raw PHI never leaves."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

import phi

DIGIT = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# (template, raw value, strict-only?) — every raw value must be redacted in whole-text mode.
PIECES: list[tuple[str, str]] = [
    ("my name is {v}", "maria lopez"),
    ("Hi, this is {v} calling", "John Smith"),
    ("my date of birth is {v}", "march third nineteen eighty"),
    ("born {v}", "03/03/1980"),
    ("call me back at {v}", "(555) 012-3456"),
    ("my number is {v}", "five five five oh one two three four five six"),
    ("email is {v}", "john dot smith at gmail dot com"),
    ("email {v}", "j.smith@x.com"),
    ("my social is {v}", "123-45-6789"),
    ("my member id is {v}", "XJ4 5567"),
    ("MRN {v}", "A1234567"),
    ("I live at {v}", "421 oak avenue apartment 5"),
    ("zip is {v}", "nine oh two one oh"),
    ("I'm {v} years old", "ninety two"),
    ("see Dr. Patel at {v}", "www.clinic-portal.com"),
    ("hi this is {v} calling", "José García"),
    ("my cell is {v}", "eight four three... six four one... four five oh seven"),
    ("area code {v}", "seven two two, then four three four, uh, five five six seven"),
    ("I live at 12 Elm Street in {v}", "Brookline"),
]
FILLERS = [
    "thanks.",
    "ok?",
    "I've had this for three days.",
    "can I come at 3:30 pm?",
    "St. Louis is far.",
    "um",
    "yes!",
    "Dr. Smith said so.",
    "and",
    "3.3.80 no",
    "\n",
    "p.o. box",
    "see you next tuesday.",
]
SEPS = [" ", ". ", "? ", "! ", "\n", ", ", ".\n", " ... "]

utterance = st.lists(
    st.one_of(
        st.sampled_from(PIECES).map(lambda p: (p[0].replace("{v}", p[1]), p[1])),
        st.sampled_from(FILLERS).map(lambda f: (f, "")),
    ),
    min_size=1,
    max_size=6,
).flatmap(
    lambda parts: st.lists(st.sampled_from(SEPS), min_size=len(parts), max_size=len(parts)).map(
        lambda seps: (
            "".join(p[0] + s for p, s in zip(parts, seps, strict=False)),
            [p[1] for p in parts if p[1]],
        )
    )
)


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    out, prev = [], 0
    for p in points:
        out.append(text[prev:p])
        prev = p
    out.append(text[prev:])
    return out


def digits(s: str) -> str:
    return re.sub(r"\D", "", s)


@settings(max_examples=300, deadline=None)
@given(utterance, st.lists(st.integers(min_value=0, max_value=400), max_size=12), st.booleans())
def test_stream_equals_whole_and_never_leaks(
    sample: tuple[str, list[str]], cuts: list[int], strict: bool
) -> None:
    text, raws = sample
    whole = phi.redact(text, strict=strict).text
    stream = phi.StreamRedactor(strict=strict)
    outputs = [stream.feed(c) for c in chunked(text, cuts)] + [stream.close()]
    assert "".join(outputs) == whole
    for out in outputs:
        for raw in raws:
            assert raw.lower() not in out.lower()
            d = digits(raw)
            if len(d) >= 4:
                assert d not in digits(out)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab .?!\nDrSt5-@x")), max_size=60),
    st.lists(st.integers(min_value=0, max_value=80), max_size=8),
)
def test_stream_matches_whole_for_arbitrary_text(text: str, cuts: list[int]) -> None:
    stream = phi.StreamRedactor()
    out = "".join(stream.feed(c) for c in chunked(text, cuts)) + stream.close()
    assert out == phi.redact(text).text


KNOWN = phi.Known.of(names="Maria Lopez", date_of_birth="1980-03-03", phones="555-012-3456")
KNOWN_FORMS = [
    "Maria",
    "lopez",
    "march third nineteen eighty",
    "03/03/1980",
    "oh three oh three eighty",
    "five five five oh one two three four five six",
    "555-012-3456",
    "double five five oh one two three four five six",
    "m a r i a",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(KNOWN_FORMS), min_size=1, max_size=4),
    st.lists(st.sampled_from(SEPS), min_size=4, max_size=4),
    st.lists(st.integers(min_value=0, max_value=300), max_size=10),
)
def test_stream_with_known(forms: list[str], seps: list[str], cuts: list[int]) -> None:
    text = "".join(f"yes {f}{s}" for f, s in zip(forms, seps, strict=False))
    stream = phi.Engine().stream(KNOWN)
    outputs = [stream.feed(c) for c in chunked(text, cuts)] + [stream.close()]
    assert "".join(outputs) == phi.redact(text, KNOWN).text
    for out in outputs:
        for f in forms:
            assert f.lower() not in out.lower()
        assert "0123456" not in digits(out) and "5550123" not in digits(out)


def test_stream_emits_completed_sentences_early() -> None:
    s = phi.StreamRedactor()
    assert s.feed("my name is maria ") == ""
    assert s.feed("lopez.") == ""  # a boundary needs its following whitespace
    assert s.feed(" I need a refill") == "my name is [NAME]."
    assert s.pending == len(" I need a refill")
    assert s.close() == " I need a refill"
    assert s.close() == ""


def test_abbreviations_hold_back_output() -> None:
    s = phi.StreamRedactor()
    assert s.feed("please call Mr. ") == ""
    assert s.feed("Okafor. ok") == "please call Mr. [NAME]."
