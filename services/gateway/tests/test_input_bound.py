"""A client that floods the call with input is held back, not buffered without bound, and
nothing it sent is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from gateway import model
from gateway.call import MAX_QUEUED_INPUTS, Call, CallPolicy
from gateway.recording import PrometheusRecorder
from gateway.tests.fakes import ScriptedOrchestrator
from gateway.tests.support import setup
from servicekit import Metrics


async def test_reading_ahead_is_bounded_and_loses_nothing(
    orchestrator: ScriptedOrchestrator, metrics: Metrics
) -> None:
    call = Call(
        setup(),
        orchestrator,
        PrometheusRecorder(metrics, "v-test"),
        CallPolicy(),
        transfer_target=lambda clinic: None,
    )
    pulled = 0

    async def flood() -> AsyncIterator[model.CallerInput]:
        nonlocal pulled
        for index in range(10 * MAX_QUEUED_INPUTS):
            pulled += 1
            yield model.Prompt(f"word {index}", last=False)

    reader = asyncio.create_task(call._read(flood()))
    await asyncio.sleep(0.2)
    # The reader took one more item and waits for a slot to queue it.
    assert pulled == MAX_QUEUED_INPUTS + 1
    received = []
    for _ in range(10 * MAX_QUEUED_INPUTS):
        event = await asyncio.wait_for(call._next_event(), 1)
        assert isinstance(event, model.Prompt)
        received.append(event.text)
    assert received == [f"word {i}" for i in range(10 * MAX_QUEUED_INPUTS)]
    await asyncio.wait_for(reader, 1)
