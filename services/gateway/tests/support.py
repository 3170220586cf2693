"""Helpers for the gateway tests: drive one call through a switchboard, read metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from gateway import model
from gateway.switchboard import Switchboard
from servicekit import Metrics

VERSION = "gw-test"
DEMO_DESK = "sip:frontdesk@maple-clinic.example"  # the demo clinic's default transfer target


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """A metric sample's value, 0 when it was never recorded."""
    value = metrics.registry.get_sample_value(name, {"version": VERSION, **labels})
    return 0.0 if value is None else value


class Caller:
    """One call through ``Switchboard.converse``: ``send`` input, read what comes back."""

    def __init__(self, switchboard: Switchboard) -> None:
        self._inputs: asyncio.Queue[model.Setup | model.CallerInput | Exception | None] = (
            asyncio.Queue()
        )
        self._outputs: asyncio.Queue[model.CallerOutput | None] = asyncio.Queue()
        self.error: BaseException | None = None
        self.task = asyncio.create_task(self._run(switchboard))

    async def _messages(self) -> AsyncIterator[model.Setup | model.CallerInput]:
        while True:
            item = await self._inputs.get()
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item

    async def _run(self, switchboard: Switchboard) -> None:
        try:
            async for output in switchboard.converse(self._messages()):
                await self._outputs.put(output)
        except Exception as error:
            self.error = error
        finally:
            await self._outputs.put(None)

    def send(self, *messages: model.Setup | model.CallerInput | Exception) -> None:
        for message in messages:
            self._inputs.put_nowait(message)

    def close(self) -> None:
        """The telephony side closes its half of the stream."""
        self._inputs.put_nowait(None)

    async def next(self, timeout: float = 3.0) -> model.CallerOutput | None:
        """The next output; None once the call's stream has closed."""
        return await asyncio.wait_for(self._outputs.get(), timeout)

    async def reply(self, timeout: float = 3.0) -> str:
        """Speak tokens up to one with last=True, joined."""
        tokens = []
        while True:
            output = await self.next(timeout)
            assert isinstance(output, model.Speak), f"expected speech, got {output!r}"
            tokens.append(output.token)
            if output.last:
                return "".join(tokens)

    async def rest(self, timeout: float = 3.0) -> list[model.CallerOutput]:
        """Every output until the stream closes."""
        outputs = []
        while (output := await self.next(timeout)) is not None:
            outputs.append(output)
        return outputs


def setup(call_id: str = "call-1", **fields: Any) -> model.Setup:
    values: dict[str, Any] = {"from_number": "+15550109999", "to_number": "+15550100100"}
    values.update(fields)
    return model.Setup(call_id=call_id, **values)
