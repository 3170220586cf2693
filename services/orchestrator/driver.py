"""Runs one turn: feeds an event to the policy, carries out its actions, feeds tool results back.

The policy is pure; this is the imperative shell around it. Speech is handed out as soon as a
step produces it (so a filler before a slow tool call is heard at once); a tool's failure comes
back to the policy as a ``ToolResult`` with the status code, never as an exception.

``AskModel`` (the LLM policy's) is carried out here too: the model's reply streams in, its
placeholders are filled back from the call's vault (streaming-safe), and each sentence is
handed out as soon as it is complete, before the rest is generated. With ``filler`` set, a tool
that has not answered within ``filler_after`` seconds gets the filler said while it runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol

from opentelemetry import trace

from orchestrator.dialogue import (
    AskModel,
    Context,
    DialogueError,
    DialogueState,
    EndCall,
    Event,
    ModelReply,
    ModelToolCall,
    Policy,
    Say,
    Tool,
    ToolResult,
    Transfer,
)
from orchestrator.llm.client import ModelClient
from orchestrator.llm.sentences import Sentences
from orchestrator.llm.vault import Vault
from servicekit.errors import FailedPrecondition, ServiceError

# A policy that keeps asking for tools without ever finishing is a bug; stop it.
MAX_STEPS_PER_TURN = 12

Output = Say | Transfer | EndCall


class Tools(Protocol):
    async def run(self, tool: Tool, state: DialogueState, step: int) -> ToolResult: ...


class TurnRun:
    """One turn. Iterate ``outputs()``; afterwards ``state`` is the state to save."""

    def __init__(
        self,
        policy: Policy,
        state: DialogueState,
        event: Event,
        context: Context,
        tools: Tools,
        tracer: trace.Tracer | None = None,
        *,
        model: ModelClient | None = None,
        filler: str = "",
        filler_after: float = 1.0,
    ) -> None:
        self._tracer = tracer or trace.get_tracer(__name__)
        self._model = model
        self._filler = filler
        self._filler_after = filler_after
        self._policy = policy
        self._event: Event = event
        self._context = context
        self._tools = tools
        self.state = state
        self.tools_called: list[str] = []

    async def outputs(self) -> AsyncIterator[Output]:
        event = self._event
        for step_number in range(MAX_STEPS_PER_TURN):
            # Span attributes are names and numbers only: the event's text never goes in one.
            with self._tracer.start_as_current_span(
                "policy.step",
                attributes={
                    "frontdesk.policy": self._policy.name,
                    "frontdesk.step": step_number,
                    "frontdesk.event": type(event).__name__,
                },
            ):
                try:
                    step = self._policy.step(self.state, event, self._context)
                except DialogueError as error:  # the state is unchanged: the client may go on
                    raise FailedPrecondition(str(error)) from error
            self.state = step.state
            tool: Tool | AskModel | None = None
            for action in step.actions:
                if isinstance(action, Say | Transfer | EndCall):
                    yield action
                else:
                    tool = action
            if tool is None:
                return
            self.tools_called.append(type(tool).__name__)
            if isinstance(tool, AskModel):
                answer: ToolResult | None = None
                async for item in self._ask(tool, step_number):
                    if isinstance(item, ToolResult):
                        answer = item
                    else:
                        yield item
                assert answer is not None, "_ask always ends with a ToolResult"
                event = answer
                continue
            running = asyncio.ensure_future(self._run_tool(tool, step_number))
            if self._filler:
                done, _ = await asyncio.wait({running}, timeout=self._filler_after)
                if not done:
                    yield Say(self._filler)
            event = await running
        raise RuntimeError(
            f"the {self._policy.name} policy did not finish a turn in {MAX_STEPS_PER_TURN} steps"
        )

    async def _ask(self, ask: AskModel, step_number: int) -> AsyncIterator[Say | ToolResult]:
        """The model's reply: sentences to say as they complete, then the ``ToolResult``."""
        name = AskModel.__name__
        if self._model is None:
            yield ToolResult(tool=name, error_code="UNAVAILABLE", error_message="no model")
            return
        memory = self.state.model
        reveal = Vault.of(memory.placeholders if memory else {}).revealer()
        sentences = Sentences()
        written: list[str] = []
        spoken: list[str] = []
        calls: list[ModelToolCall] = []
        with self._tracer.start_as_current_span(
            "model", attributes={"frontdesk.step": step_number}
        ) as span:
            try:
                async for chunk in self._model.stream(ask):
                    written.append(chunk.delta)
                    calls.extend(chunk.tool_calls)
                    for sentence in sentences.feed(reveal.feed(chunk.delta)):
                        spoken.append(sentence)
                        yield Say(sentence)
            except ServiceError as error:
                span.set_attribute("frontdesk.model.error", error.code.name)
                yield ToolResult(tool=name, error_code=error.code.name, error_message=error.message)
                return
            rest = [*sentences.feed(reveal.close()), sentences.close()]
            for sentence in (s for s in rest if s):
                spoken.append(sentence)
                yield Say(sentence)
            span.set_attribute("frontdesk.model.tool_calls", len(calls))
        yield ToolResult(
            tool=name, value=ModelReply("".join(written), " ".join(spoken), tuple(calls))
        )

    async def _run_tool(self, tool: Tool, step_number: int) -> ToolResult:
        name = type(tool).__name__
        with self._tracer.start_as_current_span(
            f"tool {name.removeprefix('Tool')}",
            attributes={"frontdesk.tool": name, "frontdesk.step": step_number},
        ) as span:
            try:
                return await self._tools.run(tool, self.state, step_number)
            except ServiceError as error:
                span.set_attribute("frontdesk.tool.error", error.code.name)
                return ToolResult(
                    tool=name, error_code=error.code.name, error_message=error.message
                )
