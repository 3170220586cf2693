"""The placeholder vault: what the model sees, what tools get, what the caller hears."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

import phi
from orchestrator.llm.vault import PLACEHOLDER, UnknownPlaceholder, Vault
from orchestrator.understanding.identity import parse_dob

TODAY = date(2026, 11, 29)
ENGINE = phi.Engine(strict=True)


def read_date(text: str) -> date | None:
    return parse_dob(text, TODAY)


def conceal(vault: Vault, text: str, known: phi.Known | None = None) -> tuple[Vault, str]:
    return vault.conceal(text, ENGINE.detect(text, known), read_date)


def test_name_and_date_of_birth_become_placeholders() -> None:
    vault, text = conceal(Vault(), "my name is Maria Lopez born march third 1980")
    assert text == "my name is [NAME_1] born [DOB_1]"
    assert dict(vault.values) == {"[NAME_1]": "Maria Lopez", "[DOB_1]": "march third 1980"}


def test_phone_and_email_too() -> None:
    _, text = conceal(Vault(), "call me at 555-010-2233 or maria@example.com")
    assert "555" not in text and "maria@" not in text
    assert "[PHONE_1]" in text and "[EMAIL_1]" in text


def test_the_same_value_is_the_same_placeholder_however_it_is_written() -> None:
    vault, first = conceal(Vault(), "I'm Maria Lopez, born 03/03/1980")
    vault, second = conceal(vault, "maria lopez, march third 1980")
    assert first == "I'm [NAME_1], born [DOB_1]"
    assert second == "[NAME_1], [DOB_1]"
    assert len(vault.values) == 2


def test_different_values_get_numbered_placeholders() -> None:
    vault, _ = conceal(Vault(), "I'm Maria Lopez")
    vault, text = conceal(vault, "it's for my son, his name is Tom Lopez")
    assert "[NAME_2]" in text
    assert vault.resolve("[NAME_1] [NAME_2]") == "Maria Lopez Tom Lopez"


def test_phones_match_on_digits() -> None:
    vault, first = conceal(Vault(), "my number is 555-010-2233")
    vault, second = conceal(vault, "again that is (555) 010 2233")
    assert "[PHONE_1]" in first and "[PHONE_1]" in second
    assert not any(p.startswith("[PHONE_2") for p in vault.values)


def test_known_values_are_caught_where_detection_alone_would_miss_them() -> None:
    known = phi.Known.of(names="Maria Lopez", date_of_birth="1980-03-03")
    _, text = conceal(Vault(), "yes this is maria", known)
    assert "maria" not in text.casefold()


def test_text_without_identifiers_is_unchanged() -> None:
    vault, text = conceal(Vault(), "I'd like to book a checkup next tuesday morning")
    assert text == "I'd like to book a checkup next tuesday morning"
    assert not vault.values


def test_the_caller_cannot_pose_as_a_placeholder() -> None:
    vault, _ = conceal(Vault(), "I'm Maria Lopez")
    _, text = conceal(vault, "book it for [NAME_1] please")
    assert "[NAME_1]" not in text and "(NAME_1)" in text


def test_resolve_fills_placeholders_in_tool_arguments() -> None:
    vault, _ = conceal(Vault(), "Maria Lopez, 03/03/1980")
    assert vault.resolve("[NAME_1]") == "Maria Lopez"
    assert vault.resolve("born [DOB_1]") == "born 03/03/1980"
    assert vault.resolve("no placeholder") == "no placeholder"


def test_resolve_refuses_a_placeholder_this_call_does_not_hold() -> None:
    vault, _ = conceal(Vault(), "I'm Maria Lopez")
    with pytest.raises(UnknownPlaceholder) as caught:
        vault.resolve("[NAME_2]")
    assert caught.value.placeholder == "[NAME_2]"
    assert "not a value this caller gave" in str(caught.value)


def test_one_calls_placeholders_resolve_to_its_own_values_only() -> None:
    call_a, _ = conceal(Vault(), "I'm Maria Lopez")
    call_b, _ = conceal(Vault(), "this is John Smith")
    assert call_a.resolve("[NAME_1]") == "Maria Lopez"
    assert call_b.resolve("[NAME_1]") == "John Smith"
    empty = Vault()
    with pytest.raises(UnknownPlaceholder):
        empty.resolve("[NAME_1]")


def test_reveal_fills_in_for_the_caller_and_drops_invented_placeholders() -> None:
    vault, _ = conceal(Vault(), "I'm Maria Lopez")
    assert vault.reveal("Thank you, [NAME_1].") == "Thank you, Maria Lopez."
    assert vault.reveal("Thank you [NAME_7].") == "Thank you ."
    assert vault.reveal("Nothing to fill.") == "Nothing to fill."


def test_stored_form_round_trips() -> None:
    vault, _ = conceal(Vault(), "Maria Lopez, 03/03/1980, 555-010-2233")
    loaded = Vault.of(dict(vault.values), read_date)
    assert loaded.keys == vault.keys
    _, text = conceal(loaded, "march third 1980")
    assert text == "[DOB_1]"
    with pytest.raises(ValueError, match="not a placeholder"):
        Vault.of({"NAME_1": "x"})


def test_scrub_catches_a_value_that_slipped_through() -> None:
    vault, _ = conceal(Vault(), "I'm Maria Lopez")
    assert vault.scrub("book for maria  lopez") == "book for [NAME_1]"
    assert vault.scrub("Marias are many") == "Marias are many"


REPLY = "Thank you, [NAME_1]. Born [DOB_1], and your number is [PHONE_1]."


@pytest.mark.parametrize("cut", range(1, len(REPLY)))
def test_streaming_reveal_survives_a_placeholder_split_at_any_point(cut: int) -> None:
    vault, _ = conceal(Vault(), "Maria Lopez 03/03/1980 555-010-2233")
    whole = vault.reveal(REPLY)
    stream = vault.revealer()
    out = stream.feed(REPLY[:cut]) + stream.feed(REPLY[cut:]) + stream.close()
    assert out == whole
    assert not PLACEHOLDER.search(out)


def test_streaming_reveal_one_character_at_a_time() -> None:
    vault, _ = conceal(Vault(), "Maria Lopez 03/03/1980 555-010-2233")
    stream = vault.revealer()
    pieces = [stream.feed(ch) for ch in REPLY]
    out = "".join(pieces) + stream.close()
    assert out == vault.reveal(REPLY)
    assert "[" not in out
    # Text before a placeholder is not held back.
    assert "".join(pieces[: REPLY.index("[")]) == "Thank you, "


def test_streaming_reveal_releases_a_bracket_that_is_not_a_placeholder() -> None:
    stream = Vault().revealer()
    assert stream.feed("see [NOT") == "see "
    assert stream.feed("E below]") == "[NOTE below]"
    assert stream.feed("a [lowercase") == "a [lowercase"
    assert stream.feed("[") == ""
    assert stream.close() == "["


def test_all_splits_into_three_chunks() -> None:
    vault, _ = conceal(Vault(), "Maria Lopez")
    text = "Hi [NAME_1]!"
    for a, b in itertools.combinations(range(1, len(text)), 2):
        stream = vault.revealer()
        out = stream.feed(text[:a]) + stream.feed(text[a:b]) + stream.feed(text[b:])
        assert out + stream.close() == "Hi Maria Lopez!"
