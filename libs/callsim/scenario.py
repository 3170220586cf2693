"""Scenario files: what a simulated caller says and what the call must achieve.

One YAML file holds one scenario (a mapping) or several (a list of mappings)::

    name: book-checkup                 # unique across all files loaded together
    description: A verified patient books an annual checkup.
    from: "+15555550123"               # caller number (default +15555550123)
    to: "+15550100100"                 # number called: selects the clinic (default: the demo's)
    patient: Maria Lopez               # the demo patient the caller is (see below)
    reply_timeout: 15                  # seconds to wait for each reply (default 15)
    steps:                             # in order; each waits for its reply to finish
      - say: I'd like to book a checkup
        expect_reply: [first and last name]   # optional: substrings of this step's reply
      - say: Maria Lopez
      - dtmf: "03031980"               # keypad; "#" is appended unless it ends with one
      - interrupt: {heard: "Let me"}   # barge in on the previous reply
      - hangup: {}                     # hang up now (the call is abandoned)
    expect:
      outcome: contained               # contained | handoff | abandoned
      reply_contains: [booked]         # substrings somewhere in the assistant's replies
      reply_excludes: [cancelled]      # substrings that must appear nowhere
      greeting_contains: [How can I help]
      appointments:                    # changes to the patient's appointments during the call
        - {appointment_type: checkup, status: booked}
      appointments_unchanged: false    # true: the patient's appointments must not change
      handoff: {reason: caller_request, urgency: soon, min_completeness: 0.5}

``patient`` names the demo patient whose appointments are compared before and after the call
(``appointments`` items default to it), and the runner never runs two calls about the same
patient at once, so parallel runs cannot confuse each other's checks. Matching is
case-insensitive everywhere. :func:`load_paths` loads files and folders (``*.yaml``, ``*.yml``,
recursively) and raises :class:`ScenarioError` naming the file and field for anything wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DTMF_KEYS = frozenset("0123456789*#")
DEFAULT_FROM = "+15555550123"
DEFAULT_TO = "+15550100100"  # the demo clinic (deploy/local/clinics/demo.yaml)


class ScenarioError(ValueError):
    """A scenario file is unreadable or invalid; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class InterruptSpec(_Strict):
    # What the caller heard of the previous reply; empty: its first half (by words).
    heard: str = ""
    # How long to listen for a reply to the interruption before the next step, in seconds.
    wait: float = Field(default=1.0, ge=0)


class HangupSpec(_Strict):
    reason: str = "caller"


class Step(_Strict):
    """Exactly one of ``say``, ``dtmf``, ``interrupt``, ``hangup``."""

    say: str | None = None
    dtmf: str | None = None
    interrupt: InterruptSpec | None = None
    hangup: HangupSpec | None = None
    expect_reply: Annotated[list[str], Field(default_factory=list)]

    _normalize_expect = field_validator("expect_reply", mode="before")(_as_list)

    @model_validator(mode="before")
    @classmethod
    def _empty_actions(cls, data: Any) -> Any:
        # `hangup: {}` / `hangup:` / `interrupt: {}` all mean "with defaults".
        if isinstance(data, dict):
            data = dict(data)
            for key in ("hangup", "interrupt"):
                if key in data and data[key] is None:
                    data[key] = {}
        return data

    @field_validator("say")
    @classmethod
    def _say_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("say must not be empty")
        return value

    @field_validator("dtmf", mode="before")
    @classmethod
    def _dtmf_keys(cls, value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, int):
            raise ValueError(
                "dtmf must be a quoted string (YAML reads 0303 as a number: octal 195)"
            )
        keys = str(value)
        bad = sorted({key for key in keys if key not in DTMF_KEYS})
        if not keys or bad:
            raise ValueError(f"dtmf {keys!r} has keys other than 0-9, * and #: {bad}")
        return keys

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        given = [k for k in ("say", "dtmf", "interrupt", "hangup") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a step needs exactly one of say, dtmf, interrupt, hangup; got "
                + (", ".join(given) or "none")
            )
        if given[0] in ("interrupt", "hangup") and self.expect_reply:
            raise ValueError(f"expect_reply does not apply to a {given[0]} step")
        return self

    @property
    def kind(self) -> str:
        for key in ("say", "dtmf", "interrupt", "hangup"):
            if getattr(self, key) is not None:
                return key
        raise AssertionError("validated step without an action")

    @property
    def keys(self) -> str:
        """The DTMF keys to send, with the ``#`` terminator."""
        assert self.dtmf is not None
        return self.dtmf if self.dtmf.endswith("#") else self.dtmf + "#"

    def describe(self) -> str:
        if self.say is not None:
            return f"say {self.say!r}"
        if self.dtmf is not None:
            return f"dtmf {self.dtmf!r}"
        if self.interrupt is not None:
            return "interrupt"
        return "hangup"


class AppointmentExpect(_Strict):
    """An appointment of ``patient`` created or changed during the call, in this end state."""

    patient: str = ""  # default: the scenario's patient
    appointment_type: str = ""
    provider: str = ""  # provider id, e.g. dr-patel
    status: Literal["booked", "cancelled"] = "booked"


class HandoffExpect(_Strict):
    reason: str = ""  # e.g. caller_request, emergency, identity_failed
    urgency: str = ""  # routine | soon | urgent
    min_completeness: float = Field(default=0.0, ge=0, le=1)


class Expect(_Strict):
    outcome: Literal["contained", "handoff", "abandoned"] | None = None
    reply_contains: Annotated[list[str], Field(default_factory=list)]
    reply_excludes: Annotated[list[str], Field(default_factory=list)]
    greeting_contains: Annotated[list[str], Field(default_factory=list)]
    appointments: Annotated[list[AppointmentExpect], Field(default_factory=list)]
    appointments_unchanged: bool = False
    handoff: HandoffExpect | None = None

    _lists = field_validator(
        "reply_contains", "reply_excludes", "greeting_contains", mode="before"
    )(_as_list)

    @model_validator(mode="before")
    @classmethod
    def _single_appointment(cls, data: Any) -> Any:
        # `appointment: {...}` is accepted for one expected appointment.
        if isinstance(data, dict) and "appointment" in data:
            data = dict(data)
            if "appointments" in data:
                raise ValueError("give either appointment or appointments, not both")
            data["appointments"] = [data.pop("appointment")]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Expect:
        if self.appointments and self.appointments_unchanged:
            raise ValueError("appointments and appointments_unchanged contradict each other")
        if self.handoff is not None and self.outcome not in (None, "handoff"):
            raise ValueError(f"a handoff is expected but the outcome is {self.outcome!r}")
        return self


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    from_number: str = Field(default=DEFAULT_FROM, alias="from")
    to_number: str = Field(default=DEFAULT_TO, alias="to")
    clinic: str = ""  # clinic id, when the number alone should not select it
    patient: str = ""
    reply_timeout: float = Field(default=15.0, gt=0)
    steps: list[Step] = Field(min_length=1)
    expect: Expect = Field(default_factory=lambda: Expect.model_validate({}))
    source: str = Field(default="", exclude=True)  # the file it came from (set by the loader)

    @field_validator("from_number", "to_number", mode="before")
    @classmethod
    def _number_text(cls, value: Any) -> Any:
        if isinstance(value, int):
            raise ValueError('phone numbers must be quoted strings, e.g. "+15555550123"')
        return value

    @model_validator(mode="after")
    def _patients_named(self) -> Scenario:
        needs_patient = self.expect.appointments_unchanged or any(
            not a.patient for a in self.expect.appointments
        )
        if needs_patient and not self.patient:
            raise ValueError(
                "appointment checks need `patient:` (the demo patient the caller is) "
                "or `patient` on each expected appointment"
            )
        return self

    def patients(self) -> set[str]:
        """Every patient whose appointments this scenario checks (lower case)."""
        names = {a.patient or self.patient for a in self.expect.appointments}
        if self.patient:
            names.add(self.patient)
        return {name.strip().lower() for name in names if name.strip()}


def _location(loc: Iterable[int | str]) -> str:
    """``("steps", 2, "dtmf")`` -> ``steps[2].dtmf``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _explain(error: ValidationError, where: str) -> ScenarioError:
    problems = []
    for item in error.errors():
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif item["type"] == "missing":
            message = "required field is missing"
        problems.append(f"{where}: {_location(loc)}: {message}")
    return ScenarioError("\n".join(problems))


def parse(data: Any, source: str = "<string>") -> list[Scenario]:
    """Scenarios from parsed YAML (a mapping or a list of mappings)."""
    items = data if isinstance(data, list) else [data]
    if not items or data is None:
        raise ScenarioError(f"{source}: no scenario in the file")
    scenarios = []
    for index, item in enumerate(items):
        where = source if not isinstance(data, list) else f"{source}[{index}]"
        if not isinstance(item, dict):
            raise ScenarioError(f"{where}: a scenario must be a mapping, got {type(item).__name__}")
        try:
            scenario = Scenario.model_validate(item)
        except ValidationError as error:
            named = item.get("name")
            raise _explain(error, f"{where} ({named})" if named else where) from None
        scenarios.append(scenario.model_copy(update={"source": source}))
    return scenarios


def load_file(path: Path) -> list[Scenario]:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from None
    return parse(data, str(path))


def load_paths(paths: Iterable[Path]) -> list[Scenario]:
    """Every scenario in the files and folders given; names must be unique."""
    scenarios: list[Scenario] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
            if not files:
                raise ScenarioError(f"{path}: no .yaml or .yml files in this folder")
        elif path.exists():
            files = [path]
        else:
            raise ScenarioError(f"{path}: no such file or folder")
        for file in files:
            scenarios += load_file(file)
    seen: dict[str, str] = {}
    for scenario in scenarios:
        if scenario.name in seen:
            raise ScenarioError(
                f"{scenario.source}: name: {scenario.name!r} is also used in {seen[scenario.name]}"
            )
        seen[scenario.name] = scenario.source
    return scenarios
