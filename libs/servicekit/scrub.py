"""The scrubbing seam: every text that leaves the process (log lines, span attributes and
events, published events) passes through a ``Scrubber`` first.

Every service runs with the PHI engine's strict redaction
(:func:`servicekit.phi_scrub.make_scrubber`, installed by :mod:`servicekit.app`); ``no_scrub``
is for tests of the seam itself.
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

Scrubber = Callable[[str], str]


def no_scrub(text: str) -> str:
    return text


def _is_identifier(field: FieldDescriptor) -> bool:
    # Ids, enums' string forms and timestamps are not free text; scrubbing them would break joins.
    return field.name.endswith(("_id", "_ids", "version", "origin", "entity", "location"))


def scrub_message(message: Message, scrub: Scrubber) -> Message:
    """A copy of ``message`` whose free-text string fields (recursively) went through ``scrub``."""
    copy = type(message)()
    copy.CopyFrom(message)
    _scrub_in_place(copy, scrub)
    return copy


def _scrub_in_place(message: Message, scrub: Scrubber) -> None:
    for field, value in message.ListFields():
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                value_field = entry.fields_by_name["value"]
                for key in list(value):
                    if value_field.type == FieldDescriptor.TYPE_STRING:
                        value[key] = scrub(value[key])
                    elif value_field.type == FieldDescriptor.TYPE_MESSAGE:
                        _scrub_in_place(value[key], scrub)
            elif field.is_repeated:
                for item in value:
                    _scrub_in_place(item, scrub)
            else:
                _scrub_in_place(value, scrub)
        elif field.type == FieldDescriptor.TYPE_STRING and not _is_identifier(field):
            if field.is_repeated:
                value[:] = [scrub(item) for item in value]
            else:
                setattr(message, field.name, scrub(value))
