"""PHI detection and redaction for phone-call transcripts (pure Python, no I/O).

Quick use::

    import phi
    phi.redact("my name is maria lopez, call me at five five five oh one two three").text
    # 'my name is [NAME], call me at [PHONE]'

    known = phi.Known.of(names="Maria Lopez", date_of_birth="1980-03-03")
    phi.redact("it's maria, born oh three oh three eighty", known).text

    stream = phi.StreamRedactor(known)
    out = stream.feed("hi this is ") + stream.feed("maria. ") + stream.close()

See README.md for what is detected, strict vs normal mode and the streaming guarantee.
"""

from __future__ import annotations

from ._engine import Engine, detect, redact
from ._stream import StreamRedactor
from ._types import Entity, Known, Redacted, Source, Span

__all__ = [
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
