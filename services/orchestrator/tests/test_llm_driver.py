"""The driver's part of the LLM policy: the model's reply streamed to the caller sentence by
sentence with placeholders filled in, and the filler while a slow tool runs. The model here is
a scripted ``ModelClient`` that waits for the test, so "before" is proven by order, not time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clinic import ClinicDirectory
from orchestrator.dialogue import (
    AskModel,
    CallerSaid,
    Context,
    DialogueState,
    Event,
    ModelMemory,
    ModelMessage,
    ModelReply,
    Say,
    Step,
    Tool,
    ToolListAppointments,
    ToolResult,
)
from orchestrator.driver import TurnRun
from orchestrator.llm.client import ModelChunk
from servicekit.errors import Unavailable

ROOT = Path(__file__).resolve().parents[3]
CONTEXT = Context(
    clinic=ClinicDirectory.from_folder(ROOT / "deploy/local/clinics").get("demo"),
    now=datetime(2026, 3, 11, 14, 15, tzinfo=UTC),
)
STATE = DialogueState(model=ModelMemory(placeholders={"[NAME_1]": "Maria Lopez"}))


class OneAsk:
    """Asks the model (or runs a tool) once and records what came back."""

    name = "test"

    def __init__(self, first: AskModel | Tool) -> None:
        self.first = first
        self.results: list[ToolResult] = []

    def step(self, state: DialogueState, event: Event, context: Context) -> Step:
        if isinstance(event, ToolResult):
            self.results.append(event)
            return Step(state, ())
        return Step(state, (self.first,))


class GatedModel:
    """Streams its pieces; waits for ``go`` before the pieces after ``gate_at``."""

    def __init__(self, pieces: list[str], gate_at: int, fail: bool = False) -> None:
        self.pieces = pieces
        self.gate_at = gate_at
        self.go = asyncio.Event()
        self.fail = fail

    async def stream(self, ask: AskModel) -> AsyncIterator[ModelChunk]:
        for index, piece in enumerate(self.pieces):
            if index == self.gate_at:
                await self.go.wait()
            yield ModelChunk(delta=piece)
        if self.fail:
            raise Unavailable("every provider is down")


class NoTools:
    async def run(self, tool: Tool, state: DialogueState, step: int) -> ToolResult:
        raise AssertionError("no tool expected")


ASK = AskModel((ModelMessage("user", "hi"),))
HELLO = CallerSaid("hi")


async def test_sentences_are_said_as_they_complete_with_placeholders_filled() -> None:
    model = GatedModel(["Thank you, [NAM", "E_1]. Your", " time is set. Any", "thing else?"], 3)
    policy = OneAsk(ASK)
    run = TurnRun(policy, STATE, HELLO, CONTEXT, NoTools(), model=model)
    said: list[str] = []
    async for output in run.outputs():
        assert isinstance(output, Say)
        said.append(output.text)
        if len(said) == 2:
            model.go.set()  # the rest is generated only after two sentences were out
    assert said == ["Thank you, Maria Lopez.", "Your time is set.", "Anything else?"]
    (result,) = policy.results
    assert isinstance(result.value, ModelReply)
    assert result.value.text == "Thank you, [NAME_1]. Your time is set. Anything else?"
    assert "Maria Lopez" in result.value.spoken


async def test_a_model_failing_mid_reply_comes_back_as_an_error_result() -> None:
    model = GatedModel(["Let me check. ", "One"], gate_at=99, fail=True)
    policy = OneAsk(ASK)
    run = TurnRun(policy, STATE, HELLO, CONTEXT, NoTools(), model=model)
    said = [o.text async for o in run.outputs() if isinstance(o, Say)]
    assert said == ["Let me check."]
    (result,) = policy.results
    assert (result.tool, result.error_code) == ("AskModel", "UNAVAILABLE")


class SlowTools:
    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def run(self, tool: Tool, state: DialogueState, step: int) -> ToolResult:
        await self.release.wait()
        return ToolResult(type(tool).__name__, ())


async def test_a_slow_tool_gets_the_filler_while_it_runs() -> None:
    tools = SlowTools()
    policy = OneAsk(ToolListAppointments())
    run = TurnRun(
        policy,
        STATE,
        HELLO,
        CONTEXT,
        tools,
        filler="One moment, please.",
        filler_after=0.01,
    )
    outputs: list[Any] = []
    async for output in run.outputs():
        outputs.append(output)
        tools.release.set()  # the tool answers only after the filler was said
    assert outputs == [Say("One moment, please.")]
    assert policy.results[0].ok


async def test_a_quick_tool_gets_no_filler() -> None:
    tools = SlowTools()
    tools.release.set()
    policy = OneAsk(ToolListAppointments())
    run = TurnRun(policy, STATE, HELLO, CONTEXT, tools, filler="One moment.", filler_after=30)
    assert [o async for o in run.outputs()] == []
