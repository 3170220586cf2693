"""The PhiFilter servicer: redaction and scanning over the ``phi`` engine.

``Redact`` and ``Scan`` are unary and served over gRPC and NATS
(``frontdesk.phi_filter.Redact`` / ``.Scan``). ``RedactStream`` is bidirectional streaming, so it
is served over gRPC only: servicekit's NATS binding carries unary and server-streaming methods.

    servicer = PhiFilterServicer(strict_default=lambda: True, redactions=counter, staff=names)
    response = await servicer.Redact(phi_pb2.RedactRequest(text="this is maria"), None)
    # response.text == "this is [NAME]"; response.findings[0].entity == "NAME"

Findings carry offsets (Python character offsets into the request's text), entity and source,
never the identifier itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, Protocol

import phi
from frontdesk.v1 import phi_pb2, phi_pb2_grpc
from servicekit.errors import InvalidArgument
from servicekit.phi_scrub import known_from_proto

DEFAULT_MAX_TEXT_BYTES = 64 * 1024
_ENGINE_CACHE_SIZE = 256
_PLACEHOLDERS = tuple((entity.value, f"[{entity.value}]") for entity in phi.Entity)


class RedactionCounter(Protocol):
    """Counts identifiers redacted (``frontdesk_phi_redactions_total{entity}``)."""

    def add(self, entity: str, count: int = 1) -> None: ...


def findings(spans: Iterable[phi.Span]) -> list[phi_pb2.Finding]:
    """Spans as ``Finding`` messages (where and which kind, never the value)."""
    return [
        phi_pb2.Finding(start=s.start, end=s.end, entity=s.entity.value, source=s.source.value)
        for s in spans
    ]


def _placeholder_counts(text: str) -> Counter[str]:
    return Counter({entity: text.count(mark) for entity, mark in _PLACEHOLDERS if mark in text})


class PhiFilterServicer(phi_pb2_grpc.PhiFilterServicer):
    """Redact, RedactStream and Scan.

    Args:
        strict_default: whether REDACTION_MODE_UNSPECIFIED means strict (the
            ``enhanced_phi_redaction`` flag; asked on every request so a flip applies at once).
        redactions: where redaction counts go.
        staff: names never redacted, on top of each request's ``allow`` (the clinics' staff).
        max_text_bytes: the largest text (UTF-8) one request or one held stream segment may carry.
    """

    def __init__(
        self,
        *,
        strict_default: Callable[[], bool],
        redactions: RedactionCounter,
        staff: Iterable[str] = (),
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
    ) -> None:
        self._strict_default = strict_default
        self._redactions = redactions
        self._staff = frozenset(staff)
        self._max_bytes = max_text_bytes
        self._engines: dict[tuple[bool, frozenset[str]], phi.Engine] = {}

    def _engine(self, mode: int, allow: Sequence[str]) -> phi.Engine:
        if mode == phi_pb2.REDACTION_MODE_STRICT:
            strict = True
        elif mode == phi_pb2.REDACTION_MODE_NORMAL:
            strict = False
        elif mode == phi_pb2.REDACTION_MODE_UNSPECIFIED:
            strict = self._strict_default()
        else:
            raise InvalidArgument(
                f"unknown redaction mode {mode}; use STRICT, NORMAL or leave it unset"
            )
        key = (strict, self._staff | frozenset(a for a in allow if a.strip()))
        engine = self._engines.get(key)
        if engine is None:
            if len(self._engines) >= _ENGINE_CACHE_SIZE:
                self._engines.clear()  # callers sending ever-new allow lists must not grow memory
            engine = self._engines[key] = phi.Engine(strict=strict, allow=key[1])
        return engine

    def _check_size(self, text: str, what: str) -> None:
        size = len(text.encode("utf-8"))
        if size > self._max_bytes:
            raise InvalidArgument(
                f"{what} is {size} bytes; the limit is {self._max_bytes} bytes: split it "
                "(RedactStream takes any length in chunks separated by sentence ends or newlines)"
            )

    def _count(self, spans: Iterable[phi.Span]) -> None:
        for entity, count in Counter(s.entity.value for s in spans).items():
            self._redactions.add(entity, count)

    async def Redact(self, request: phi_pb2.RedactRequest, context: Any) -> phi_pb2.RedactResponse:
        self._check_size(request.text, "text")
        engine = self._engine(request.mode, request.allow)
        known = known_from_proto(request.known) if request.HasField("known") else None
        result = engine.redact(request.text, known)
        self._count(result.spans)
        return phi_pb2.RedactResponse(text=result.text, findings=findings(result.spans))

    async def Scan(self, request: phi_pb2.ScanRequest, context: Any) -> phi_pb2.ScanResponse:
        """Always strict (a scan looks for anything that might identify), staff names allowed."""
        self._check_size(request.text, "text")
        engine = self._engine(phi_pb2.REDACTION_MODE_STRICT, ())
        known = known_from_proto(request.known) if request.HasField("known") else None
        spans = engine.detect(request.text, known)
        return phi_pb2.ScanResponse(clean=not spans, findings=findings(spans))

    async def RedactStream(
        self, request_iterator: AsyncIterator[phi_pb2.RedactStreamRequest], context: Any
    ) -> AsyncIterator[phi_pb2.RedactStreamResponse]:
        """Each response is text that can no longer change; the end of input flushes the rest.

        The first request may set known, mode and allow; setting them later is an error.
        Redactions are counted as placeholders that appear in the output beyond those the
        input already had (the stream redactor reports text, not spans).
        """
        redactor: phi.StreamRedactor | None = None
        seen_in: Counter[str] = Counter()
        seen_out: Counter[str] = Counter()
        counted: Counter[str] = Counter()

        def count(text: str) -> None:
            seen_out.update(_placeholder_counts(text))
            for entity in seen_out:
                new = seen_out[entity] - seen_in[entity] - counted[entity]
                if new > 0:
                    counted[entity] += new
                    self._redactions.add(entity, new)

        async for request in request_iterator:
            if redactor is None:
                engine = self._engine(request.mode, request.allow)
                known = known_from_proto(request.known) if request.HasField("known") else None
                redactor = engine.stream(known)
            elif request.HasField("known") or request.mode or request.allow:
                raise InvalidArgument(
                    "known, mode and allow may only be set on the stream's first message"
                )
            self._check_size(request.chunk, "chunk")
            seen_in.update(_placeholder_counts(request.chunk))
            out = redactor.feed(request.chunk)
            if redactor.pending > self._max_bytes:
                # Text is held until a boundary; an endless run without one must not grow memory.
                raise InvalidArgument(
                    f"{redactor.pending} characters arrived without a sentence end or newline; "
                    f"the limit is {self._max_bytes}: send boundaries (. ? ! or newline)"
                )
            if out:
                count(out)
                yield phi_pb2.RedactStreamResponse(text=out)
        if redactor is not None:
            rest = redactor.close()
            if rest:
                count(rest)
                yield phi_pb2.RedactStreamResponse(text=rest)
