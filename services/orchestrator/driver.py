"""Runs one turn: feeds an event to the policy, carries out its actions, feeds tool results back.

The policy is pure; this is the imperative shell around it. Speech is handed out as soon as a
step produces it (so a filler before a slow tool call is heard at once); a tool's failure comes
back to the policy as a ``ToolResult`` with the status code, never as an exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from opentelemetry import trace

from orchestrator.dialogue import (
    Context,
    DialogueError,
    DialogueState,
    EndCall,
    Event,
    Policy,
    Say,
    Tool,
    ToolResult,
    Transfer,
)
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
    ) -> None:
        self._tracer = tracer or trace.get_tracer(__name__)
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
            tool: Tool | None = None
            for action in step.actions:
                if isinstance(action, Say | Transfer | EndCall):
                    yield action
                else:
                    tool = action
            if tool is None:
                return
            self.tools_called.append(type(tool).__name__)
            event = await self._run_tool(tool, step_number)
        raise RuntimeError(
            f"the {self._policy.name} policy did not finish a turn in {MAX_STEPS_PER_TURN} steps"
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
