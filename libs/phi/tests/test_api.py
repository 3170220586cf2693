from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest

import phi


def test_public_api_is_pinned() -> None:
    assert phi.__all__ == sorted(phi.__all__)
    assert phi.__all__ == [
        "Engine",
        "Entity",
        "Known",
        "Redacted",
        "Source",
        "Span",
        "StreamRedactor",
        "detect",
        "redact",
    ]


def test_enum_values() -> None:
    assert [e.value for e in phi.Entity] == [
        "NAME",
        "DATE",
        "AGE",
        "PHONE",
        "EMAIL",
        "SSN",
        "MRN",
        "ACCOUNT",
        "ADDRESS",
        "ZIP",
        "URL",
        "IP",
        "ID",
    ]
    assert phi.Entity.NAME == "NAME"
    assert {s.value for s in phi.Source} == {"pattern", "context", "known"}


def test_span_and_redacted_are_frozen() -> None:
    span = phi.Span(0, 1, phi.Entity.NAME, phi.Source.CONTEXT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 2  # type: ignore[misc]
    red = phi.redact("my name is maria lopez")
    with pytest.raises(dataclasses.FrozenInstanceError):
        red.text = ""  # type: ignore[misc]


def test_redact_replaces_spans_and_keeps_original_offsets() -> None:
    text = "my name is maria lopez, call me at five five five oh one two three"
    red = phi.redact(text)
    assert red.text == "my name is [NAME], call me at [PHONE]"
    assert [text[s.start : s.end] for s in red.spans] == [
        "maria lopez",
        "five five five oh one two three",
    ]
    assert [s.entity for s in red.spans] == [phi.Entity.NAME, phi.Entity.PHONE]
    assert phi.detect(text) == list(red.spans)


def test_spans_sorted_and_non_overlapping() -> None:
    text = (
        "It's John Smith, DOB 03/03/1980, MRN A1234567, phone (555) 012-3456, "
        "email j.smith@x.com, 42 Elm Street, Springfield, IL 62704"
    )
    spans = phi.detect(text)
    assert len(spans) >= 6
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start


def test_known_of_and_hashable() -> None:
    k = phi.Known.of(names="Maria Lopez", date_of_birth="1980-03-03", phones=["555-012-3456"])
    assert k.names == ("Maria Lopez",)
    assert k.date_of_birth == dt.date(1980, 3, 3)
    assert k.phones == ("555-012-3456",)
    assert hash(k) == hash(
        phi.Known.of(
            names=["Maria Lopez"], date_of_birth=dt.date(1980, 3, 3), phones="555-012-3456"
        )
    )
    assert phi.Known().is_empty() and not k.is_empty()


def test_engine_matches_module_functions() -> None:
    eng = phi.Engine(strict=False, allow=("Dr. Priya Patel",))
    text = "this is Maria Lopez for Dr. Patel, member id 12345678"
    assert eng.redact(text) == phi.redact(text, strict=False, allow=["Dr. Priya Patel"])
    assert eng.strict is False and eng.allow == frozenset({"Dr. Priya Patel"})


def test_empty_and_whitespace() -> None:
    assert phi.detect("") == []
    assert phi.redact("   \n ").text == "   \n "


def test_digits_that_are_not_decimal_do_not_break_redaction() -> None:
    """Found by the fuzz suite: a superscript digit counts as a digit for ``str.isdigit`` but
    ``int()`` refuses it, which crashed redaction with such a character in a known value."""
    engine = phi.Engine(strict=True)
    assert engine.redact("*", phi.Known.of(mrns=["²"])).text == "*"
    redacted = engine.redact("my record is MRN 12345 ²", phi.Known.of(mrns=["12345²"])).text
    assert "12345" not in redacted
