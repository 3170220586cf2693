"""Hypothesis strategies for any protobuf message, built from its descriptor: every field with
adversarial values — empty, huge and control-character strings, PHI-looking text, extreme and
negative numbers, unknown enum values, deep nesting, long repeated fields.

    strategy = messages(scheduler_pb2.BookRequest)
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)

# Text that has broken parsers and leaked data elsewhere: injections, separators, NATS subject
# wildcards, SQL, format strings, PHI-looking identifiers, bidi and zero-width characters.
_NASTY = st.sampled_from(
    [
        "",
        " ",
        "*",
        ">",
        "frontdesk.>",
        "a.b.c",
        "../../etc/passwd",
        "'; DROP TABLE appointments; --",
        "%s%s%n",
        "{0.__class__}",
        "\x00",
        "\u202e\u200b\ufeff",
        "Maria Lopez born 03/14/1961 phone 555 201 7788",
        "123-45-6789",
        "demo",
        "2025-03-10T14:00:00Z",
        "1" * 300,
    ]
)
TEXT = st.one_of(
    _NASTY,
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.text(alphabet="ab .", min_size=5_000, max_size=20_000),  # long, for limits
)


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return TEXT
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=300)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        width = 32 if kind == FieldDescriptor.TYPE_FLOAT else 64
        return st.floats(width=width, allow_nan=True, allow_infinity=True)
    if kind == FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-5, 1_000))  # unknown values too
    if kind in (
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_FIXED32,
    ):
        return st.integers(0, 2**32 - 1)
    if kind in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    if kind in (
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_SFIXED64,
    ):
        return st.one_of(st.integers(-10, 10_000), st.integers(*_INT64))
    return st.one_of(st.integers(-10, 10_000), st.integers(*_INT32))


def _fields(descriptor: Descriptor, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if depth >= 3:
                continue
            if field.message_type.GetOptions().map_entry:
                key = _scalar(field.message_type.fields_by_name["key"])
                value_field = field.message_type.fields_by_name["value"]
                value = (
                    _message(value_field.message_type, depth + 1)
                    if value_field.type == FieldDescriptor.TYPE_MESSAGE
                    else _scalar(value_field)
                )
                parts[field.name] = st.dictionaries(key, value, max_size=4)
                continue
            inner = _message(field.message_type, depth + 1)
        else:
            inner = _scalar(field)
        if field.is_repeated:
            parts[field.name] = st.lists(inner, max_size=3 if depth else 12)
        else:
            parts[field.name] = inner
    return st.fixed_dictionaries({}, optional=parts)


def _message(descriptor: Descriptor, depth: int) -> st.SearchStrategy[Message]:
    from google.protobuf import message_factory

    cls = message_factory.GetMessageClass(descriptor)

    def build(values: dict[str, Any]) -> Message:
        message = cls()
        for name, value in values.items():
            field = descriptor.fields_by_name[name]
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if field.message_type.GetOptions().map_entry:
                    target = getattr(message, name)
                    for key, item in value.items():
                        if isinstance(item, Message):
                            target[key].CopyFrom(item)
                        else:
                            target[key] = item
                elif field.is_repeated:
                    getattr(message, name).extend(value)
                else:
                    getattr(message, name).CopyFrom(value)
            elif field.is_repeated:
                getattr(message, name).extend(value)
            else:
                setattr(message, name, value)
        return message

    # Only one member of a oneof may be set: setting several keeps the last, which is fine.
    return _fields(descriptor, depth).map(build)


def messages(message_type: type[Message]) -> st.SearchStrategy[Message]:
    """Any message of ``message_type``, adversarial field by field."""
    return _message(message_type.DESCRIPTOR, 0)
