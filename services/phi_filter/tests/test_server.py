"""The servicer called directly (no transport): Redact, Scan, RedactStream, validation, counts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import pytest

import phi
from frontdesk.v1 import common_pb2, phi_pb2
from phi_filter.app import PrometheusRedactions
from phi_filter.server import PhiFilterServicer
from servicekit.errors import InvalidArgument
from servicekit.metrics import Metrics

TEXT = "this is Maria Lopez, my number is 555-012-3456. I want to see Dr. Patel."
KNOWN = common_pb2.KnownIdentity(names=["Maria Lopez"], date_of_birth="1980-03-03")


class Harness:
    def __init__(self, staff: Iterable[str], strict: bool = True) -> None:
        self.metrics = Metrics.create()
        self.strict = strict
        self.servicer = PhiFilterServicer(
            strict_default=lambda: self.strict,
            redactions=PrometheusRedactions(self.metrics, "v-test"),
            staff=staff,
            max_text_bytes=1024,
        )

    def redactions(self, entity: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "frontdesk_phi_redactions_total", {"version": "v-test", "entity": entity}
        )
        return value or 0.0


@pytest.fixture
def harness(staff: tuple[str, ...]) -> Harness:
    return Harness(staff)


async def test_redact_replaces_identifiers_and_reports_findings(harness: Harness) -> None:
    response = await harness.servicer.Redact(phi_pb2.RedactRequest(text=TEXT), None)
    assert response.text == "this is [NAME], my number is [PHONE]. I want to see Dr. Patel."
    assert [(f.entity, TEXT[f.start : f.end]) for f in response.findings] == [
        ("NAME", "Maria Lopez"),
        ("PHONE", "555-012-3456"),
    ]
    assert all(f.source in ("pattern", "context", "known") for f in response.findings)
    assert harness.redactions("NAME") == 1
    assert harness.redactions("PHONE") == 1


async def test_findings_never_carry_values(harness: Harness) -> None:
    response = await harness.servicer.Redact(phi_pb2.RedactRequest(text=TEXT), None)
    wire = b"".join(f.SerializeToString() for f in response.findings)
    assert b"Maria" not in wire and b"555" not in wire


async def test_known_catches_a_bare_first_name_and_dob(harness: Harness) -> None:
    text = "maria will call back. born oh three oh three eighty"
    plain = await harness.servicer.Redact(phi_pb2.RedactRequest(text=text), None)
    assert plain.text.startswith("maria will call back")
    known = await harness.servicer.Redact(phi_pb2.RedactRequest(text=text, known=KNOWN), None)
    assert known.text.startswith("[NAME] will call back")
    assert "[DATE]" in known.text
    assert {(f.entity, f.source) for f in known.findings} >= {("NAME", "known"), ("DATE", "known")}


async def test_a_bad_known_dob_is_skipped_not_fatal(harness: Harness) -> None:
    known = common_pb2.KnownIdentity(names=["Maria Lopez"], date_of_birth="03/03/1980")
    response = await harness.servicer.Redact(
        phi_pb2.RedactRequest(text="maria here", known=known), None
    )
    assert response.text == "[NAME] here"


async def test_modes_strict_normal_and_flag_default(staff: tuple[str, ...]) -> None:
    text = "my code is 4821 ok"  # a short digit run: only strict mode redacts it
    harness = Harness(staff, strict=True)

    async def redact(mode: int) -> str:
        request = phi_pb2.RedactRequest(text=text, mode=mode)  # type: ignore[arg-type]
        return (await harness.servicer.Redact(request, None)).text

    assert await redact(phi_pb2.REDACTION_MODE_STRICT) != text
    assert await redact(phi_pb2.REDACTION_MODE_NORMAL) == text
    assert await redact(phi_pb2.REDACTION_MODE_UNSPECIFIED) != text  # flag on: strict
    harness.strict = False  # the flag flipped: applies to the next request
    assert await redact(phi_pb2.REDACTION_MODE_UNSPECIFIED) == text
    assert await redact(phi_pb2.REDACTION_MODE_STRICT) != text
    with pytest.raises(InvalidArgument, match="redaction mode 7"):
        await redact(7)


async def test_allow_keeps_names_the_request_names(staff: tuple[str, ...]) -> None:
    harness = Harness(())  # no staff configured: only the request's allow list
    text = "please ask for Alvarez"
    redacted = await harness.servicer.Redact(phi_pb2.RedactRequest(text=text), None)
    assert "Alvarez" not in redacted.text
    allowed = await harness.servicer.Redact(
        phi_pb2.RedactRequest(text=text, allow=["Dr. Maya Alvarez"]), None
    )
    assert allowed.text == text


async def test_configured_staff_are_always_allowed(harness: Harness) -> None:
    response = await harness.servicer.Redact(
        phi_pb2.RedactRequest(text="I'd like Dr. Okafor please"), None
    )
    assert response.text == "I'd like Dr. Okafor please"
    assert list(response.findings) == []


async def test_text_over_the_limit_is_invalid_argument(harness: Harness) -> None:
    with pytest.raises(InvalidArgument, match="1025 bytes; the limit is 1024"):
        await harness.servicer.Redact(phi_pb2.RedactRequest(text="a" * 1025), None)
    with pytest.raises(InvalidArgument, match="limit"):
        await harness.servicer.Scan(phi_pb2.ScanRequest(text="é" * 513), None)  # 1026 bytes
    ok = await harness.servicer.Redact(phi_pb2.RedactRequest(text="a" * 1024), None)
    assert ok.text == "a" * 1024


async def test_scan_reports_without_redacting(harness: Harness) -> None:
    dirty = await harness.servicer.Scan(phi_pb2.ScanRequest(text=TEXT, origin="test"), None)
    assert not dirty.clean
    assert {f.entity for f in dirty.findings} == {"NAME", "PHONE"}
    clean = await harness.servicer.Scan(
        phi_pb2.ScanRequest(text="this is [NAME], see Dr. Patel on Monday"), None
    )
    assert clean.clean and list(clean.findings) == []
    with_known = await harness.servicer.Scan(
        phi_pb2.ScanRequest(text="maria here", known=KNOWN), None
    )
    assert [(f.entity, f.source) for f in with_known.findings] == [("NAME", "known")]
    assert harness.redactions("NAME") == 0  # scanning redacts nothing


async def requests(
    chunks: list[str], first: phi_pb2.RedactStreamRequest | None = None
) -> AsyncIterator[phi_pb2.RedactStreamRequest]:
    for index, chunk in enumerate(chunks):
        request = phi_pb2.RedactStreamRequest(chunk=chunk)
        if index == 0 and first is not None:
            request.MergeFrom(first)
        yield request


async def collect(
    harness: Harness, stream: AsyncIterator[phi_pb2.RedactStreamRequest]
) -> list[str]:
    return [r.text async for r in harness.servicer.RedactStream(stream, None)]


async def test_redact_stream_matches_redact_of_the_whole(harness: Harness) -> None:
    text = "hi this is maria. my number is 555-012-3456.\nborn oh three oh three eighty. bye"
    chunks = [text[i : i + 7] for i in range(0, len(text), 7)]
    first = phi_pb2.RedactStreamRequest(known=KNOWN, mode=phi_pb2.REDACTION_MODE_STRICT)
    outputs = await collect(harness, requests(chunks, first))
    whole = await harness.servicer.Redact(phi_pb2.RedactRequest(text=text, known=KNOWN), None)
    assert "".join(outputs) == whole.text
    assert len(outputs) > 1 and all(outputs)  # emitted early, no empty responses
    assert "maria" not in "".join(outputs)


async def test_redact_stream_counts_new_placeholders_only(harness: Harness) -> None:
    chunks = ["already [NAME] here. ", "call 555-012-3456. ", "bye"]
    outputs = await collect(harness, requests(chunks))
    assert "".join(outputs) == "already [NAME] here. call [PHONE]. bye"
    assert harness.redactions("PHONE") == 1
    assert harness.redactions("NAME") == 0


async def test_redact_stream_rejects_settings_after_the_first_message(harness: Harness) -> None:
    async def late_known() -> AsyncIterator[phi_pb2.RedactStreamRequest]:
        yield phi_pb2.RedactStreamRequest(chunk="hello. ")
        yield phi_pb2.RedactStreamRequest(chunk="maria", known=KNOWN)

    with pytest.raises(InvalidArgument, match="first message"):
        await collect(harness, late_known())


async def test_redact_stream_bounds_text_without_boundaries(harness: Harness) -> None:
    with pytest.raises(InvalidArgument, match="without a sentence end or newline"):
        await collect(harness, requests(["word " * 100] * 3))  # 1500 characters, no boundary
    with pytest.raises(InvalidArgument, match="chunk is 2000 bytes"):
        await collect(harness, requests(["x" * 2000]))


async def test_empty_stream_yields_nothing(harness: Harness) -> None:
    assert await collect(harness, requests([])) == []


def test_engine_modes_really_differ_on_the_probe() -> None:
    # Guards the mode test above: if the engine stops treating this probe differently,
    # that test would pass vacuously.
    probe = "my code is 4821 ok"
    assert phi.Engine(strict=True).detect(probe)
    assert not phi.Engine(strict=False).detect(probe)
