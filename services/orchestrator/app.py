"""How the orchestrator service is built and exposed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import Field

import phi
from clinic import ClinicDirectory
from frontdesk.v1 import orchestrator_pb2, orchestrator_pb2_grpc
from orchestrator.call_ends import CallEndConsumer
from orchestrator.dialogue import Policy
from orchestrator.faults import TurnFaults
from orchestrator.server import CallRedactor, OrchestratorServicer
from orchestrator.sessions import SessionStore
from servicekit import Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service
from servicekit.costs import CallCosts
from servicekit.flags import DIALOGUE_POLICY, KILL_LLM, NEW_PROMPT_TEMPLATE, Flags
from servicekit.phi_scrub import CleanMemo, known_from_dict, staff_names

log = logging.getLogger(__name__)

DEFINITION = ServiceDefinition(
    name="orchestrator",
    descriptor=orchestrator_pb2.DESCRIPTOR.services_by_name["Orchestrator"],
    add_to_server=orchestrator_pb2_grpc.add_OrchestratorServicer_to_server,
    # A call's turns go to the version that claimed it (frontdesk.orchestrator.<version>.Turn).
    versioned_methods=("Turn",),
)


class OrchestratorSettings(ServiceSettings):
    """``FRONTDESK_*`` settings of the orchestrator."""

    # Deadline of each scheduler / handoff call made during a turn, in seconds.
    tool_timeout: float = 3.0
    # How long a slot offered to a caller stays held while they confirm, in seconds.
    hold_seconds: int = Field(default=180, ge=5, le=900)
    # Test-only fault injection (orchestrator.faults), off by default: every turn waits this
    # long before it starts, and this share of turns fails with Internal. The observability and
    # canary tests use them to prove alerts fire and canary analysis fails a bad version.
    fault_turn_delay_ms: int = Field(default=0, ge=0, le=60_000)
    fault_turn_error_percent: float = Field(default=0.0, ge=0.0, le=100.0)
    # FRONTDESK_LLM_CONFIG (llm_router's routes file): set, the LLM dialogue policy may serve
    # calls (the dialogue_policy flag's variant "llm", unless kill_llm is on); unset, only the
    # rules policy does.
    llm_config: Path | None = None
    # Deadline of one model reply (streamed through llm_router), in seconds.
    model_timeout: float = Field(default=10.0, gt=0, le=120)
    # A tool slower than this gets the LLM policy's filler ("One moment, please."), in ms.
    filler_after_ms: int = Field(default=1000, ge=0, le=30_000)


def call_redactor(settings: OrchestratorSettings) -> CallRedactor:
    """Strict PHI redaction with what the call knows about the caller (name, date of birth,
    phone, the record's identifiers), so every mention is caught however it is said."""
    engine = phi.Engine(strict=True, allow=staff_names(settings.clinics_dir))
    # Texts scanned before with the same Known are not scanned again: prompts repeat, and the
    # caller's words are redacted on their turn and again in the transcript at the call's end.
    memo = CleanMemo()

    def redact(text: str, known: Mapping[str, list[str]]) -> str:
        if not text:
            return text
        identity = known_from_dict(known)
        done = memo.redacted(text, identity)
        if done is not None:
            return done
        redacted = engine.redact(text, identity)
        memo.remember(text, identity, redacted.text if redacted.spans else None)
        return redacted.text

    return redact


def policy_chooser(
    flags: Flags | None, llm_names: Mapping[str, str], rules: str
) -> Callable[[str, str], str]:
    """Picks a call's policy at its start: the rules policy unless a model is configured
    (``llm_names``: template version -> policy name), ``kill_llm`` is off and the call's
    ``dialogue_policy`` variant is "llm"; then the template is the ``new_prompt_template``
    variant's (v1 when off)."""

    def choose(call_id: str, clinic_id: str) -> str:
        if not llm_names or flags is None:
            return rules
        call = flags.for_call(call_id, clinic_id)
        if call.enabled(KILL_LLM) or call.variant(DIALOGUE_POLICY).name != "llm":
            return rules
        template = call.variant(NEW_PROMPT_TEMPLATE)
        return llm_names.get(template.name if template.enabled else "v1", llm_names["v1"])

    return choose


async def build(runtime: Runtime, settings: OrchestratorSettings) -> Built:
    from orchestrator.llm.client import ModelClient, NatsModel
    from orchestrator.llm.policy import LlmPolicy
    from orchestrator.llm.prompts import TEMPLATES
    from orchestrator.rules.policy import RulesPolicy
    from orchestrator.understanding.model import load_model

    load_model()  # read the intent model now, not during the first caller's turn
    faults = TurnFaults(
        delay=settings.fault_turn_delay_ms / 1000,
        error_ratio=settings.fault_turn_error_percent / 100,
    )
    if faults.on:
        log.warning("FAULT INJECTION ON (test only): %s", faults.describe())
    rules = RulesPolicy()
    policies: dict[str, Policy] = {rules.name: rules}
    llm_names: dict[str, str] = {}
    model = None
    if settings.llm_config is not None:
        engine = phi.Engine(strict=True, allow=staff_names(settings.clinics_dir))
        for version, template in TEMPLATES.items():
            llm = LlmPolicy(rules, template, engine=engine)
            policies[llm.name] = llm
            llm_names[version] = llm.name

        def model(call_id: str, clinic_id: str) -> ModelClient:
            return NatsModel(
                runtime.bus, call_id=call_id, clinic_id=clinic_id, timeout=settings.model_timeout
            )

    choose_policy = policy_chooser(runtime.flags, llm_names, rules.name)

    servicer = OrchestratorServicer(
        store=SessionStore(runtime.sessions, runtime.js),
        clinics=ClinicDirectory.from_folder(settings.clinics_dir),
        policies=policies,
        choose_policy=choose_policy,
        bus=runtime.bus,
        events=runtime.events,
        version=settings.version,
        tool_timeout=settings.tool_timeout,
        redact=call_redactor(settings),
        hold_seconds=settings.hold_seconds,
        tracer=runtime.tracer_provider.get_tracer("orchestrator"),
        faults=faults,
        llm_spend=CallCosts(runtime.js).get,
        model=model,
        filler_after=settings.filler_after_ms / 1000,
    )
    # Hang-ups the gateway recorded on the events stream end their calls even when the direct
    # request did not get through.
    call_ends = CallEndConsumer(runtime.js, servicer.end_call)
    await call_ends.start()

    async def draining() -> None:
        await call_ends.stop()
        await servicer.drain()

    return Built(servicer, draining=draining, close=call_ends.stop)


SERVICE = Service(DEFINITION, OrchestratorSettings, build)
