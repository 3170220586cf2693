"""Finding PHI that got out: walking events and log lines, scanning their free text (no I/O).

The leak detector (:mod:`phi_filter.leak_detector`) feeds this module what it reads from the
``events`` stream and from log files; this module says where identifiers are (field path,
entity, offsets), never what they are::

    scanner = LeakScanner(phi.Engine(strict=True, allow=staff))
    message = decode_event("frontdesk.v1.TurnCompleted", payload)  # None when the type is unknown
    leaks = scanner.scan_message(message, known)  # [Leak(location="caller_text", entity="NAME"…)]
    leaks = scanner.scan_log_line('{"message": "..."}', known)
    events = leak_events("events:frontdesk.events.turn_completed", "call-1", leaks, now)

It mirrors what the scrubber touches: the free-text string fields of a message (recursively),
skipping identifier fields (``servicekit.scrub._is_identifier``), and the redactor's own
placeholders (``[NAME]``, ``[DATE]``…) are not leaks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import symbol_database
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp

import phi
from frontdesk.v1 import events_pb2
from servicekit.phi_scrub import CleanMemo
from servicekit.scrub import _is_identifier

# Mirrors servicekit.scrub._is_identifier for JSON keys (a test keeps the two in agreement).
IDENTIFIER_SUFFIXES = ("_id", "_ids", "version", "origin", "entity", "location")
# Keys the JSON log formatter writes unscrubbed because they are never free text.
LOG_METADATA_KEYS = frozenset(
    {"time", "level", "service", "version", "logger", "trace_id", "span_id"}
)
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(e.value for e in phi.Entity) + r")\]")
LEAK_SUBJECT = "frontdesk.events.phi_leak_detected"

# Make sure every event type is in the default pool before decode_event looks one up.
_ = events_pb2


@dataclass(frozen=True, slots=True)
class Leak:
    """One identifier found in a field: ``location`` is the field path, offsets index its text."""

    location: str
    entity: str
    source: str
    start: int
    end: int


def is_identifier_key(name: str) -> bool:
    """True for JSON keys that hold ids rather than free text (same rule as protobuf fields)."""
    return name.endswith(IDENTIFIER_SUFFIXES)


def decode_event(type_name: str, data: bytes) -> Message | None:
    """The event named by the ``Frontdesk-Type`` header, parsed; None if unknown or malformed."""
    if not type_name:
        return None
    try:
        cls = symbol_database.Default().GetSymbol(type_name)
    except KeyError:
        return None
    message: Message = cls()
    try:
        message.ParseFromString(data)
    except DecodeError:
        return None
    return message


def call_id_of(message: Message) -> str:
    """The message's top-level ``call_id`` ("" when it has none)."""
    field = message.DESCRIPTOR.fields_by_name.get("call_id")
    if field is None or field.type != FieldDescriptor.TYPE_STRING or field.is_repeated:
        return ""
    return str(getattr(message, field.name))


def string_fields(message: Message, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(path, text)`` for every free-text string in ``message``, recursively.

    Paths look like ``caller_text``, ``transcript[2].text`` and ``labels["reason"]``. Identifier
    fields and map keys are skipped, as the scrubber skips them.
    """
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                value_field = entry.fields_by_name["value"]
                for key in sorted(value):
                    item_path = f"{path}[{json.dumps(key)}]"
                    if value_field.type == FieldDescriptor.TYPE_STRING:
                        yield item_path, value[key]  # the scrubber scrubs every map value
                    elif value_field.type == FieldDescriptor.TYPE_MESSAGE:
                        yield from string_fields(value[key], item_path + ".")
            elif field.is_repeated:
                for index, item in enumerate(value):
                    yield from string_fields(item, f"{path}[{index}].")
            else:
                yield from string_fields(value, path + ".")
        elif field.type == FieldDescriptor.TYPE_STRING and not _is_identifier(field):
            if field.is_repeated:
                for index, item in enumerate(value):
                    yield f"{path}[{index}]", item
            else:
                yield path, value


def json_strings(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(path, text)`` for every string in a decoded JSON value, skipping identifier keys."""
    if isinstance(value, str):
        yield prefix or "value", value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            if is_identifier_key(name):
                continue
            yield from json_strings(item, f"{prefix}.{name}" if prefix else name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_strings(item, f"{prefix}[{index}]")


def placeholder_only(text: str, start: int, end: int, holes: Sequence[tuple[int, int]]) -> bool:
    # A span is not a leak when, placeholders removed, nothing identifying is left in it
    # ("[NAME] Lopez" still leaks "Lopez"; "[NAME]" alone is the redactor's own work).
    kept = [
        ch for i, ch in enumerate(text[start:end], start) if not any(a <= i < b for a, b in holes)
    ]
    return not any(ch.isalnum() for ch in kept)


class LeakScanner:
    """Scans texts, messages and log lines with one engine (use strict: the most sensitive)."""

    def __init__(self, engine: phi.Engine, memo: CleanMemo | None = None) -> None:
        self._engine = engine
        # Texts found clean before (with the same Known) are not scanned again: a call's
        # transcript repeats its turns' texts, and prompts repeat across calls.
        self._memo = memo if memo is not None else CleanMemo()

    @property
    def engine(self) -> phi.Engine:
        return self._engine

    def scan_text(self, text: str, known: phi.Known | None = None) -> list[phi.Span]:
        """The identifiers in ``text``, without the redactor's placeholders."""
        if not text or not text.strip() or self._memo.is_clean(text, known):
            return []
        spans = self._engine.detect(text, known)
        if spans:
            holes = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
            if holes:
                spans = [s for s in spans if not placeholder_only(text, s.start, s.end, holes)]
        if not spans:
            self._memo.remember(text, known)
        return spans

    def scan_fields(
        self, fields: Iterable[tuple[str, str]], known: phi.Known | None = None
    ) -> list[Leak]:
        """Leaks in ``(path, text)`` pairs, in order."""
        leaks: list[Leak] = []
        for path, text in fields:
            for span in self.scan_text(text, known):
                leaks.append(Leak(path, span.entity.value, span.source.value, span.start, span.end))
        return leaks

    def scan_message(self, message: Message, known: phi.Known | None = None) -> list[Leak]:
        """Leaks in the free-text fields of a protobuf message."""
        return self.scan_fields(string_fields(message), known)

    def scan_payload(self, data: bytes, known: phi.Known | None = None) -> list[Leak]:
        """Leaks in a payload of unknown type, read as UTF-8 (location ``payload``)."""
        return self.scan_fields([("payload", data.decode("utf-8", errors="replace"))], known)

    def scan_log_line(self, line: str, known: phi.Known | None = None) -> list[Leak]:
        """Leaks in one log line: a JSON object's strings (``message``, ``error``, extras;
        metadata and identifier keys skipped), or the whole line when it is not JSON."""
        entry = parse_log_line(line)
        if entry is None:
            return self.scan_fields([("line", line)], known)
        fields = (pair for pair in json_strings(entry) if pair[0] not in LOG_METADATA_KEYS)
        return self.scan_fields(fields, known)


def parse_log_line(line: str) -> dict[str, Any] | None:
    """A JSON-lines log entry, or None when the line is not a JSON object."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def log_call_id(line: str) -> str:
    """The ``call_id`` of a JSON log line ("" when it has none)."""
    entry = parse_log_line(line)
    value = entry.get("call_id") if entry else None
    return value if isinstance(value, str) else ""


def leak_events(
    origin: str, call_id: str, leaks: Iterable[Leak], time: dt.datetime
) -> list[events_pb2.PhiLeakDetected]:
    """One ``PhiLeakDetected`` per leak: where and which entity, never the value."""
    stamp = Timestamp()
    stamp.FromDatetime(time.astimezone(dt.UTC))
    return [
        events_pb2.PhiLeakDetected(
            origin=origin, entity=leak.entity, call_id=call_id, location=leak.location, time=stamp
        )
        for leak in leaks
    ]
