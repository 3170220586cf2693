"""Incremental redaction for streamed transcripts and logs."""

from __future__ import annotations

from collections.abc import Iterable

from ._engine import Engine, boundaries, engine_for
from ._types import Known


class StreamRedactor:
    """Redact text that arrives in chunks, emitting only what can no longer change.

    ``feed(chunk)`` returns redacted text up to the last hard boundary seen
    (newline, or sentence-ending ``.?!`` plus whitespace); ``close()`` flushes
    the rest.  Guarantee: for any chunking, ``"".join(outputs) ==
    redact(whole).text`` and no output ever contains raw PHI, because detection
    never crosses a boundary and a boundary is final once its following
    whitespace has arrived.  Text without any boundary is held until ``close()``.

    >>> s = StreamRedactor()
    >>> s.feed("my name is maria ") + s.feed("lopez. thanks") + s.close()
    'my name is [NAME]. thanks'
    """

    __slots__ = ("_buf", "_closed", "_engine", "_known")

    def __init__(
        self, known: Known | None = None, *, strict: bool = True, allow: Iterable[str] = ()
    ) -> None:
        self._engine: Engine = engine_for(strict, frozenset(allow))
        self._known = known
        self._buf = ""
        self._closed = False

    @property
    def pending(self) -> int:
        """Characters held back, waiting for a boundary."""
        return len(self._buf)

    def feed(self, chunk: str) -> str:
        """Add ``chunk``; return the redacted text that is now final (may be "")."""
        if self._closed:
            raise ValueError("StreamRedactor is closed")
        if not chunk:
            return ""
        # Only the tail (held text plus one char of look-back context) needs rescanning.
        buf = self._buf + chunk
        cuts = boundaries(buf)
        if not cuts:
            self._buf = buf
            return ""
        cut = cuts[-1]
        done, self._buf = buf[:cut], buf[cut:]
        return self._engine.redact(done, self._known).text

    def close(self) -> str:
        """Flush and return the remaining redacted text; the redactor cannot be fed again."""
        if self._closed:
            return ""
        self._closed = True
        rest, self._buf = self._buf, ""
        return self._engine.redact(rest, self._known).text if rest else ""
