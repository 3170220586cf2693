"""One step's working copy of the dialogue state, and the actions the step produces.

``Turn(state, context)`` copies the state's parts (the state itself is never touched, so a step
that raises leaves it as it was); handlers change the copy, ``say`` / ``tool`` / ``end`` record
actions, and ``finish()`` returns the ``Step``. Phase changes are checked against
``dialogue.TRANSITIONS`` as they happen.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from orchestrator.dialogue import (
    Action,
    Context,
    DialogueState,
    EndCall,
    HandoffPlan,
    Outcome,
    PendingTool,
    Phase,
    Request,
    Say,
    Step,
    Tool,
    Volunteered,
    check_transition,
)
from orchestrator.rules.serial import tool_data

TRANSCRIPT_LIMIT = 20
NOTES_LIMIT = 6


class Turn:
    """A mutable working copy of the state for one step, and the actions it produces. Phase
    changes are checked against ``dialogue.TRANSITIONS`` as they happen; the state given to the
    step is never touched, so a step that raises leaves it as it was."""

    def __init__(self, state: DialogueState, context: Context) -> None:
        self.context = context
        self.clinic = context.clinic
        self.zone = context.clinic.zone
        self.now = context.now
        self._phase = state.phase
        self.intent = state.intent
        self.intents_tried = list(state.intents_tried)
        self.verified_patient_id = state.verified_patient_id
        self.caller_name = state.caller_name
        self.date_of_birth = state.date_of_birth
        self.transcript = [(speaker, text) for speaker, text in state.transcript]
        self.outcome = state.outcome
        self.handoff_id = state.handoff_id
        self.req: Request = copy.deepcopy(state.request)
        self.pending: PendingTool | None = copy.deepcopy(state.pending)
        self.handoff_plan: HandoffPlan | None = copy.deepcopy(state.handoff)
        self.volunteered: Volunteered = copy.deepcopy(state.volunteered)
        self.misunderstood = state.misunderstood
        self.verify_failures = state.verify_failures
        self.first_name = state.first_name
        self.notes = list(state.notes)
        self.identity_check = state.identity_check
        self.made: dict[str, Any] | None = copy.deepcopy(state.made)
        self.actions: list[Action] = []

    @property
    def phase(self) -> Phase:
        return self._phase

    @phase.setter
    def phase(self, target: Phase) -> None:
        check_transition(self._phase, target)
        self._phase = target

    # output

    def say(self, *parts: str) -> None:
        text = " ".join(p.strip() for p in parts if p.strip())
        if text:
            self.actions.append(Say(text))
            self.transcript.append(("assistant", text))

    def tool(self, tool: Tool, retried: bool = False) -> None:
        self.pending = PendingTool(type(tool).__name__, tool_data(tool), retried)
        self.actions.append(tool)

    def end(self, outcome: Outcome, handoff_id: str = "") -> None:
        self.outcome = outcome.value
        self.phase = Phase.ENDED
        self.pending = None
        self.actions.append(EndCall(outcome, handoff_id))

    def finish(self) -> Step:
        state = DialogueState(
            phase=self.phase,
            intent=self.intent,
            intents_tried=tuple(self.intents_tried),
            verified_patient_id=self.verified_patient_id,
            caller_name=self.caller_name,
            date_of_birth=self.date_of_birth,
            transcript=tuple(self.transcript[-TRANSCRIPT_LIMIT:]),
            outcome=self.outcome,
            handoff_id=self.handoff_id,
            request=self.req,
            pending=self.pending,
            handoff=self.handoff_plan,
            volunteered=self.volunteered,
            misunderstood=self.misunderstood,
            verify_failures=self.verify_failures,
            first_name=self.first_name,
            notes=tuple(self.notes[-NOTES_LIMIT:]),
            identity_check=self.identity_check,
            made=self.made,
        )
        return Step(state, tuple(self.actions))

    # helpers

    def tried(self, intent: str) -> None:
        if intent not in self.intents_tried:
            self.intents_tried.append(intent)

    def note(self, text: str) -> None:
        """What was tried, for the handoff summary (last few kept)."""
        self.notes.append(text)
        del self.notes[:-NOTES_LIMIT]

    def local(self, iso: str) -> datetime:
        return self.clinic.local(datetime.fromisoformat(iso))

    def chosen(self) -> dict[str, Any]:
        """The offered slot the caller chose (set before the hold is asked for)."""
        assert self.req.chosen is not None, "no slot chosen"
        return self.req.chosen

    def target(self) -> dict[str, Any]:
        """The existing appointment to move or cancel (set before its read-back)."""
        assert self.req.target is not None, "no appointment targeted"
        return self.req.target
