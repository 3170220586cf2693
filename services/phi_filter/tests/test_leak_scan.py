"""The pure half of the leak detector: walking messages and log lines, scanning, reporting."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from google.protobuf.descriptor import Descriptor
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import phi
from frontdesk.v1 import (
    common_pb2,
    events_pb2,
    gateway_pb2,
    handoff_pb2,
    orchestrator_pb2,
    scheduler_pb2,
)
from phi_filter.leak_scan import (
    LeakScanner,
    call_id_of,
    decode_event,
    is_identifier_key,
    json_strings,
    leak_events,
    log_call_id,
    placeholder_only,
    string_fields,
)
from servicekit.scrub import _is_identifier

RAW = "hi this is Maria Lopez, born March 3 1980, call me back at 555-012-3456"
RAW_VALUES = ("Maria", "Lopez", "March 3 1980", "555-012-3456")


def turn(caller_text: str, reply_text: str = "Sure, let me check.") -> events_pb2.TurnCompleted:
    return events_pb2.TurnCompleted(
        call_id="call-1",
        turn_id="t-1",
        index=2,
        caller_text=caller_text,
        reply_text=reply_text,
        state="verifying",
        intent="book",
        orchestrator_version="v-5550123456",
    )


def _all_messages() -> list[Descriptor]:
    found: list[Descriptor] = []

    def visit(descriptor: Descriptor) -> None:
        found.append(descriptor)
        for nested in descriptor.nested_types:
            visit(nested)

    modules = (common_pb2, events_pb2, gateway_pb2, handoff_pb2, orchestrator_pb2, scheduler_pb2)
    for module in modules:
        for descriptor in module.DESCRIPTOR.message_types_by_name.values():
            visit(descriptor)
    return found


def test_json_key_rule_agrees_with_the_scrubbers_field_rule() -> None:
    fields = [f for d in _all_messages() for f in d.fields]
    assert len(fields) > 50
    for field in fields:
        assert is_identifier_key(field.name) == _is_identifier(field), field.full_name


def test_string_fields_walks_free_text_and_skips_identifiers() -> None:
    paths = dict(string_fields(turn("hello")))
    assert paths == {
        "caller_text": "hello",
        "reply_text": "Sure, let me check.",
        "state": "verifying",
        "intent": "book",
    }


def test_string_fields_walks_repeated_nested_and_map_fields() -> None:
    completed = events_pb2.CallCompleted(
        call_id="c",
        intents=["book", "cancel"],
        transcript=[
            common_pb2.TranscriptLine(speaker="caller", text="first"),
            common_pb2.TranscriptLine(speaker="assistant", text="second"),
        ],
    )
    assert list(string_fields(completed)) == [
        ("intents[0]", "book"),
        ("intents[1]", "cancel"),
        ("transcript[0].speaker", "caller"),
        ("transcript[0].text", "first"),
        ("transcript[1].speaker", "assistant"),
        ("transcript[1].text", "second"),
    ]
    claim = orchestrator_pb2.ClaimRequest(call_id="c", custom_parameters={"note": "x", "b": "y"})
    assert list(string_fields(claim)) == [
        ('custom_parameters["b"]', "y"),
        ('custom_parameters["note"]', "x"),
    ]


def test_unscrubbed_turn_leaks_are_located_by_field_and_offsets(scanner: LeakScanner) -> None:
    leaks = scanner.scan_message(turn(RAW))
    assert {leak.location for leak in leaks} == {"caller_text"}
    assert {"NAME", "DATE", "PHONE"} <= {leak.entity for leak in leaks}
    found = [RAW[leak.start : leak.end] for leak in leaks]
    for value in ("Maria Lopez", "555-012-3456"):
        assert any(value in text for text in found), (value, found)


def test_scrubbed_turn_is_clean(scanner: LeakScanner, scrub: Callable[[str], str]) -> None:
    assert scanner.scan_message(turn(scrub(RAW), scrub("Thanks Maria, see you then."))) == []


def test_identifier_fields_are_not_scanned(scanner: LeakScanner) -> None:
    message = events_pb2.AuditRecord(
        patient_id="Maria Lopez 555-012-3456", call_id="555-012-3456", action="book"
    )
    assert scanner.scan_message(message) == []


def test_transcript_leak_location_names_the_line(scanner: LeakScanner) -> None:
    completed = events_pb2.CallCompleted(
        call_id="c",
        transcript=[
            common_pb2.TranscriptLine(speaker="assistant", text="How can I help?"),
            common_pb2.TranscriptLine(speaker="caller", text="my phone is 555-012-3456"),
        ],
    )
    leaks = scanner.scan_message(completed)
    assert [(leak.location, leak.entity) for leak in leaks] == [("transcript[1].text", "PHONE")]


def test_known_catches_what_patterns_alone_miss(scanner: LeakScanner) -> None:
    message = turn("maria said she will come on time")
    assert scanner.scan_message(message) == []
    known = phi.Known.of(names="Maria Lopez")
    leaks = scanner.scan_message(message, known)
    assert [(leak.entity, leak.source, leak.start, leak.end) for leak in leaks] == [
        ("NAME", "known", 0, 5)
    ]


def test_placeholders_are_not_leaks(scanner: LeakScanner) -> None:
    text = "Caller [NAME] ([PHONE]) born [DATE] at [ADDRESS], [ZIP]; email [EMAIL]"
    assert scanner.scan_text(text) == []
    # A known surname next to a placeholder still leaks.
    known = phi.Known.of(names="Maria Lopez")
    spans = scanner.scan_text("my name is [NAME] Lopez", known)
    assert [("my name is [NAME] Lopez"[s.start : s.end], s.entity) for s in spans] == [
        ("Lopez", phi.Entity.NAME)
    ]


def test_placeholder_only_spans_versus_spans_with_something_left() -> None:
    text = "x [NAME] Lopez"
    holes = [(2, 8)]
    assert placeholder_only(text, 2, 8, holes)
    assert placeholder_only(text, 1, 9, holes)  # only whitespace around it
    assert not placeholder_only(text, 2, 14, holes)  # "Lopez" is left


def test_decode_event_by_type_name() -> None:
    data = turn("hello").SerializeToString()
    decoded = decode_event("frontdesk.v1.TurnCompleted", data)
    assert isinstance(decoded, events_pb2.TurnCompleted)
    assert decoded.caller_text == "hello"
    assert call_id_of(decoded) == "call-1"
    assert decode_event("frontdesk.v1.NoSuchThing", data) is None
    assert decode_event("", data) is None
    assert decode_event("frontdesk.v1.TurnCompleted", b"\xff\xff\xff") is None


def test_call_id_of_a_message_without_one_is_empty() -> None:
    assert call_id_of(events_pb2.AppointmentChanged(call_id="c-9")) == "c-9"
    assert call_id_of(common_pb2.TranscriptLine(text="x")) == ""


def test_raw_payload_is_scanned_as_text(scanner: LeakScanner) -> None:
    leaks = scanner.scan_payload(b"\xffcall me at 555-012-3456")
    assert [(leak.location, leak.entity) for leak in leaks] == [("payload", "PHONE")]


def test_log_line_scans_message_error_and_extras_but_not_metadata(scanner: LeakScanner) -> None:
    line = json.dumps(
        {
            "time": "2025-03-10T14:00:00.000+00:00",
            "level": "info",
            "service": "gateway",
            "version": "v-1980-03-03",
            "logger": "gateway.calls",
            "message": "caller said her name is Maria Lopez",
            "call_id": "Maria-Lopez",
            "trace_id": "5550123456",
            "error": "Traceback: bad phone 555-012-3456",
            "details": {"note": ["call back at 555-012-3456"]},
        }
    )
    leaks = scanner.scan_log_line(line)
    assert {(leak.location, leak.entity) for leak in leaks} == {
        ("message", "NAME"),
        ("error", "PHONE"),
        ("details.note[0]", "PHONE"),
    }
    assert log_call_id(line) == "Maria-Lopez"


def test_non_json_log_line_is_scanned_whole(scanner: LeakScanner) -> None:
    leaks = scanner.scan_log_line("ERROR could not reach 555-012-3456")
    assert [(leak.location, leak.entity) for leak in leaks] == [("line", "PHONE")]
    assert log_call_id("not json") == ""
    assert log_call_id('["a list"]') == ""


def test_json_strings_paths() -> None:
    assert list(json_strings({"a": "x", "b": [1, "y", {"c": "z"}], "user_id": "u"})) == [
        ("a", "x"),
        ("b[1]", "y"),
        ("b[2].c", "z"),
    ]
    assert list(json_strings("bare")) == [("value", "bare")]


def test_leak_events_say_where_and_what_kind_never_the_value(scanner: LeakScanner) -> None:
    leaks = scanner.scan_message(turn(RAW))
    when = dt.datetime(2025, 3, 10, 14, 0, tzinfo=dt.UTC)
    events = leak_events("events:frontdesk.events.turn_completed", "call-1", leaks, when)
    assert len(events) == len(leaks)
    for event, leak in zip(events, leaks, strict=True):
        assert event.origin == "events:frontdesk.events.turn_completed"
        assert event.entity == leak.entity
        assert event.location == "caller_text"
        assert event.call_id == "call-1"
        assert event.time.ToDatetime(tzinfo=dt.UTC) == when
        wire = event.SerializeToString()
        for value in RAW_VALUES:
            assert value.encode() not in wire


# --- the scrubber and the detector agree ------------------------------------------------------

FIRST = ["maria", "John", "Priya", "li", "Ana", "Mohammed", "Kwame", "SARAH"]
LAST = ["Lopez", "smith", "O'Brien", "Nguyen", "Okafor", "van der Berg"]
TEMPLATES = [
    "my name is {first} {last}",
    "this is {first}, date of birth {dob}",
    "call me back at {phone}",
    "I was born on {dob} and my number is {phone}",
    "it's {first} {last}, {phone}, I'd like to see Dr. Patel",
    "my email is {email}",
    "I live at {house} Oak Lane, Springfield {zip}",
    "member id {digits}, my son {first} has a fever",
    "{first} {last} here. Can I reschedule? My birthday is {dob}.",
    "hi, {first} speaking\nmy phone is {phone}",
]


@st.composite
def utterances(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(TEMPLATES))
    first = draw(st.sampled_from(FIRST))
    last = draw(st.sampled_from(LAST))
    date = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2024, 12, 31)))
    dob = draw(
        st.sampled_from([date.isoformat(), date.strftime("%B %-d %Y"), date.strftime("%m/%d/%Y")])
    )
    area, mid, end = (
        draw(st.integers(200, 999)),
        draw(st.integers(100, 999)),
        draw(st.integers(0, 9999)),
    )
    phone = draw(st.sampled_from([f"{area}-{mid}-{end:04d}", f"({area}) {mid} {end:04d}"]))
    text = template.format(
        first=first,
        last=last,
        dob=dob,
        phone=phone,
        email=f"{first.lower()}.{last.lower().replace(' ', '')}@example.com",
        house=draw(st.integers(1, 9999)),
        zip=f"{draw(st.integers(10000, 99999))}",
        digits=draw(st.integers(10**5, 10**9)),
    )
    prefix = draw(st.sampled_from(["", "Hello. ", "Um, ", "Yes! "]))
    return prefix + text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(utterances())
@example("my name is [NAME] and I was born on [DATE].")
def test_scanning_scrubbed_text_finds_nothing(
    scanner: LeakScanner, scrub: Callable[[str], str], text: str
) -> None:
    if "[" not in text:
        assert scanner.scan_text(text), text  # every generated utterance carries PHI
    clean = scrub(text)
    assert scanner.scan_text(clean) == [], clean


@pytest.mark.parametrize("text", ["my name is maria lopez", "call 555 012 3456 please"])
def test_scrubbing_is_idempotent(scrub: Callable[[str], str], text: str) -> None:
    once = scrub(text)
    assert once != text
    assert scrub(once) == once


@pytest.mark.parametrize(
    ("caller_text", "known", "entities"),
    [
        # Accented names, with and without what the call knows (the KV session's Known).
        ("okay so Zoë Müller, born 3/4/1981", None, {"NAME", "DATE"}),
        ("yes it's jose garcia", phi.Known.of(names="José García"), {"NAME"}),
        ("GARCÍA, with the accent", phi.Known.of(names="Jose Garcia"), {"NAME"}),
        # A number given in three groups with pauses: the whole number, not only its last group.
        ("my cell is eight four three... six four one... four five oh seven", None, {"PHONE"}),
        ("I live at 12 Elm Street in Brookline", None, {"ADDRESS"}),
    ],
)
def test_the_leak_detector_notices_what_redact_removes(
    scanner: LeakScanner, caller_text: str, known: phi.Known | None, entities: set[str]
) -> None:
    leaks = scanner.scan_message(turn(caller_text), known)
    assert {leak.entity for leak in leaks} == entities
    covered = {i for leak in leaks for i in range(leak.start, leak.end)}
    raw = [i for i, ch in enumerate(caller_text) if ch.isalnum()]
    redacted = phi.redact(caller_text, known, allow=scanner.engine.allow)
    removed = {i for s in redacted.spans for i in range(s.start, s.end)}
    assert [i for i in raw if i in removed and i not in covered] == []
