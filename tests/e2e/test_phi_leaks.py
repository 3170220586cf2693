"""No PHI leaves the stack: calls with identifiers in every turn, then everything the stack
emitted — log lines, exported spans, every message on the events stream — is searched for the raw
identifiers. And the leak detector notices when something does leak."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from google.protobuf import symbol_database, text_format
from nats.aio.client import Client as NATS
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from callsim.client import Call
from frontdesk.v1 import events_pb2
from servicekit.phi_scrub import make_scrubber
from servicekit.settings import ServiceSettings
from servicekit.telemetry import configure_logging
from servicekit.testing import NatsServer

from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

# What the callers say, every turn carrying an identifier; then the raw forms to search for.
MARIA = [
    "hi this is Maria Lopez, I'd like to book a checkup, my number is 555 010 0201",
    "Maria Lopez",
    "march third nineteen eighty",
    "next tuesday morning please, or email me at maria dot lopez at example dot com",
    "the first one, and my chart number is MRN-100001",
    "yes Maria Lopez confirms",
    "no that's all, thanks, this is Maria signing off",
]
SMITH = [
    "my name is James Smith, born july fourteenth nineteen seventy five, I need a person",
]
RAW = [
    "maria",
    "lopez",
    "james smith",
    "smith",
    "1980-03-03",
    "march third nineteen eighty",
    "july fourteenth",
    "1975-07-14",
    "555 010 0201",
    "5550100201",
    "maria dot lopez",
    "maria.lopez",
    "mrn-100001",
    "100001",
]


def leaks_in(text: str) -> list[str]:
    lowered = text.lower()
    return [raw for raw in RAW if raw in lowered]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every service's log lines, through the same scrubbing JSON formatter services use."""
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging(
        "e2e",
        "e2e",
        level="DEBUG",
        fmt="json",
        scrub=make_scrubber(ServiceSettings()),
        stream=buffer,
    )
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


async def _talk(stack: Stack, call_id: str, caller: str, lines: list[str]) -> None:
    async with (
        stack.channel("gateway") as channel,
        Call.open(channel, call_id=call_id, from_number=caller, to_number="+15550100100") as call,
    ):
        await call.reply()
        for line in lines:
            if call.over:
                break
            await call.reply(asked=await call.say(line))
        await call.drain(0.5)


async def _events(nats_url: str) -> list[tuple[str, str]]:
    """(subject, text form) of every message on the events stream."""
    nc = NATS()
    await nc.connect(nats_url)
    js = nc.jetstream()
    sub = await js.subscribe("frontdesk.events.>", ordered_consumer=True)
    found = []
    try:
        while True:
            msg = await sub.next_msg(timeout=1.0)
            kind = (msg.headers or {}).get("Frontdesk-Type", "")
            message = symbol_database.Default().GetSymbol(kind)()
            message.ParseFromString(msg.data)
            found.append((msg.subject, text_format.MessageToString(message, as_utf8=True)))
    except Exception:
        pass
    finally:
        await nc.close()
    return found


async def _leaks_counted(stack: Stack) -> float:
    async with httpx.AsyncClient() as client:
        body = (await client.get(stack.services["phi_filter"].metrics_url)).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("frontdesk_phi_leaks_total{")
    )


async def test_nothing_the_stack_emits_carries_a_raw_identifier(
    nats_server: NatsServer, tmp_path: Path, captured_logs: io.StringIO
) -> None:
    exporter = InMemorySpanExporter()
    async with Stack.start(nats_server.url, state_dir=tmp_path, span_exporters=[exporter]) as stack:
        await _talk(stack, "phi-call-1", "+15550100201", MARIA)
        await _talk(stack, "phi-call-2", "+15550100202", SMITH)
        await asyncio.sleep(1.5)  # the leak detector reads the events stream as it grows
        assert await _leaks_counted(stack) == 0

        events = await _events(nats_server.url)
        logs = captured_logs.getvalue()
        spans = [span.to_json() for span in exporter.get_finished_spans()]

        # What was searched really carried the conversation (redacted), not nothing.
        turns = [text for subject, text in events if subject.endswith("turn_completed")]
        assert len(turns) >= len(MARIA) and any("[NAME]" in text for text in turns)
        assert any(subject.endswith("call_completed") for subject, _ in events)
        assert '"caller_text": "' in logs and "[NAME]" in logs
        assert any("frontdesk.caller_text" in span and "[NAME]" in span for span in spans)

        assert {subject: leaks_in(text) for subject, text in events if leaks_in(text)} == {}
        assert leaks_in(logs) == [], [line for line in logs.splitlines() if leaks_in(line)][:5]
        assert [leaks_in(span) for span in spans if leaks_in(span)] == []

        # A publish that skips the scrubber is caught, counted, and reported without the value.
        nc = NATS()
        await nc.connect(nats_server.url)
        unscrubbed = events_pb2.TurnCompleted(
            call_id="phi-call-1",
            caller_text="this is Maria Lopez, born march third nineteen eighty",
        )
        await nc.jetstream().publish(
            "frontdesk.events.turn_completed",
            unscrubbed.SerializeToString(),
            headers={"Frontdesk-Type": "frontdesk.v1.TurnCompleted"},
        )
        await nc.close()
        for _ in range(100):
            if await _leaks_counted(stack) > 0:
                break
            await asyncio.sleep(0.1)
        assert await _leaks_counted(stack) >= 2  # the name and the date of birth
        reports = [
            text for subject, text in await _events(nats_server.url) if "phi_leak" in subject
        ]
        assert reports and all("phi-call-1" in text for text in reports)
        assert [leaks_in(text) for text in reports if leaks_in(text)] == []


# A phone number said in three groups with pauses and fillers: in one turn, and as three turns.
GROUPED = [
    "hi I'd like to book a checkup",
    "my cell is eight four three... six four one... four five oh seven",
    "area code eight four three, uh, then six four one, um, four five oh seven",
    "my cell is eight four three",
    "six four one",
    "four five oh seven",
]
GROUPS = ["eight four three", "six four one", "four five oh seven", "8436414507", "843-641"]


async def test_a_phone_number_said_in_groups_never_leaves_the_stack(
    nats_server: NatsServer, tmp_path: Path, captured_logs: io.StringIO
) -> None:
    exporter = InMemorySpanExporter()
    async with Stack.start(nats_server.url, state_dir=tmp_path, span_exporters=[exporter]) as stack:
        await _talk(stack, "phi-grouped-1", "+15550100203", GROUPED)
        await asyncio.sleep(1.0)
        events = await _events(nats_server.url)
        logs = captured_logs.getvalue()
        spans = [span.to_json() for span in exporter.get_finished_spans()]

        turns = [text for subject, text in events if subject.endswith("turn_completed")]
        assert len(turns) >= 3  # the groups reached the stack and were published, redacted
        assert any("[PHONE]" in text or "[ID]" in text for text in turns)

        def grouped_leaks(text: str) -> list[str]:
            return [group for group in GROUPS if group in text.lower()]

        assert [text for _, text in events if grouped_leaks(text)] == []  # shown if not
        assert grouped_leaks(logs) == [], [ln for ln in logs.splitlines() if grouped_leaks(ln)][:5]
        assert [grouped_leaks(span) for span in spans if grouped_leaks(span)] == []
        assert await _leaks_counted(stack) == 0
