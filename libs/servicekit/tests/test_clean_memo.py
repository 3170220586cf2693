"""The clean-text memo behind the scrubbers: clean texts are not scanned twice, texts with PHI
always are, what the memo keeps is a keyed digest (no text), and it stays bounded."""

from __future__ import annotations

from pathlib import Path

import phi
from servicekit.phi_scrub import CleanMemo, make_scrubber
from servicekit.settings import ServiceSettings


def test_only_clean_texts_are_remembered_and_per_known() -> None:
    memo = CleanMemo()
    maria = phi.Known.of(names="Maria Lopez")
    assert not memo.is_clean("what are your hours")
    memo.remember("what are your hours")
    assert memo.is_clean("what are your hours")
    # Clean without a Known says nothing about the same text with one.
    assert not memo.is_clean("what are your hours", maria)
    memo.remember("what are your hours", maria)
    assert memo.is_clean("what are your hours", maria)
    assert not memo.is_clean("what are your hours", phi.Known.of(names="James Smith"))
    assert memo.hits == 2


def test_the_memo_holds_digests_not_text_and_is_bounded() -> None:
    memo = CleanMemo(max_entries=3)
    for text in ("one", "two", "three", "four"):
        memo.remember(text)
    assert len(memo) == 3
    assert not memo.is_clean("one")  # the least recently used went first
    assert memo.is_clean("four")
    kept = memo._seen  # what is stored, checked directly
    assert all(isinstance(key, bytes) and len(key) == 16 for key in kept)
    # A second memo (another key) does not recognise the first one's entries.
    other = CleanMemo()
    assert not other.is_clean("four")


def test_the_scrubber_redacts_phi_every_time_and_skips_clean_text(tmp_path: Path) -> None:
    settings = ServiceSettings(clinics_dir=tmp_path)
    memo = CleanMemo()
    scrub = make_scrubber(settings, memo)
    for _ in range(3):
        assert scrub("this is maria lopez, born march third 1980") != (
            "this is maria lopez, born march third 1980"
        )
        assert "maria" not in scrub("this is maria lopez").lower()
    assert scrub("What day and time works for you?") == "What day and time works for you?"
    assert scrub("What day and time works for you?") == "What day and time works for you?"
    assert memo.hits == 1  # only the clean text was skipped, once


def test_a_redacted_form_is_returned_for_the_same_known_only_and_is_never_clean() -> None:
    memo = CleanMemo()
    maria = phi.Known.of(names="Maria Lopez")
    engine = phi.Engine(strict=True)
    text = "this is maria lopez calling"
    redacted = engine.redact(text, maria).text
    assert "maria" not in redacted.lower()
    memo.remember(text, maria, redacted)
    assert memo.redacted(text, maria) == redacted
    assert not memo.is_clean(text, maria)  # a scrubber sharing the memo still scans it
    assert memo.redacted(text, phi.Known.of(names="James Smith")) is None
    assert memo.redacted(text) is None
    # What is kept beside the digest is the redacted form, never the text.
    assert all("maria" not in (value or "").lower() for value in memo._seen.values())
