"""Protobuf <-> domain, for the CallGateway messages and the orchestrator's Claim and Turn."""

from __future__ import annotations

import json

from frontdesk.v1 import common_pb2, gateway_pb2, orchestrator_pb2
from gateway import model


def _enum_word(name: str, prefix: str) -> str:
    """``HANDOFF_REASON_CALLER_REQUEST`` -> ``caller_request``; "" for ``*_UNSPECIFIED``."""
    word = name.removeprefix(prefix).lower()
    return "" if word == "unspecified" else word


# --- CallGateway -------------------------------------------------------------------------------


def caller_message(request: gateway_pb2.ConverseRequest) -> model.Setup | model.CallerInput | None:
    """The domain message of one ConverseRequest; None when no field of the oneof is set."""
    kind = request.WhichOneof("message")
    if kind == "setup":
        s = request.setup
        return model.Setup(
            call_id=s.call_id,
            from_number=s.from_number,
            to_number=s.to_number,
            clinic_id=s.clinic_id,
            custom_parameters=dict(s.custom_parameters),
        )
    if kind == "prompt":
        return model.Prompt(request.prompt.text, request.prompt.last, request.prompt.language)
    if kind == "dtmf":
        return model.Digit(request.dtmf.digit)
    if kind == "interrupt":
        i = request.interrupt
        return model.Interrupt(i.utterance_until_interrupt, i.duration_until_interrupt_ms)
    if kind == "hangup":
        return model.Hangup(request.hangup.reason)
    return None


def caller_response(output: model.CallerOutput) -> gateway_pb2.ConverseResponse:
    if isinstance(output, model.Speak):
        return gateway_pb2.ConverseResponse(
            text=gateway_pb2.Text(
                token=output.token, last=output.last, interruptible=output.interruptible
            )
        )
    if isinstance(output, model.TransferCall):
        return gateway_pb2.ConverseResponse(
            transfer=gateway_pb2.Transfer(
                target=output.target, handoff_id=output.handoff_id, handoff_data=output.data
            )
        )
    return gateway_pb2.ConverseResponse(
        end=gateway_pb2.End(handoff_data=json.dumps(output.data, sort_keys=True))
    )


# --- Orchestrator ------------------------------------------------------------------------------


def claim_request(claim: model.ClaimRequest) -> orchestrator_pb2.ClaimRequest:
    return orchestrator_pb2.ClaimRequest(
        call_id=claim.call_id,
        clinic_id=claim.clinic_id,
        from_number=claim.from_number,
        to_number=claim.to_number,
        custom_parameters=claim.custom_parameters,
        claim_token=claim.claim_token,
    )


def claimed(response: orchestrator_pb2.ClaimResponse) -> model.Claimed:
    return model.Claimed(version=response.version, clinic_id=response.clinic_id)


def turn_request(turn: model.TurnRequest) -> orchestrator_pb2.TurnRequest:
    request = orchestrator_pb2.TurnRequest(call_id=turn.call_id, turn_id=turn.turn_id)
    given = turn.input
    if isinstance(given, model.StartInput):
        request.start.SetInParent()
    elif isinstance(given, model.TextInput):
        request.text = given.text
    elif isinstance(given, model.DtmfInput):
        request.dtmf = given.digits
    elif isinstance(given, model.InterruptedInput):
        request.interrupted.turn_id = given.turn_id
        request.interrupted.heard_text = given.heard_text
    else:
        request.ended.reason = given.reason
    return request


def turn_event(event: orchestrator_pb2.TurnEvent) -> model.TurnEvent | None:
    """The domain event; None for an event with no field set (skipped, not fatal)."""
    kind = event.WhichOneof("event")
    if kind == "say":
        return model.SayChunk(event.say.text, event.say.last)
    if kind == "transfer":
        t = event.transfer
        return model.TransferTo(
            target=t.target,
            handoff_id=t.handoff_id,
            reason=_enum_word(common_pb2.HandoffReason.Name(t.reason), "HANDOFF_REASON_"),
            urgency=_enum_word(common_pb2.Urgency.Name(t.urgency), "URGENCY_"),
            summary=t.summary,
        )
    if kind == "end":
        return model.CallEnd(
            outcome=_enum_word(common_pb2.CallOutcome.Name(event.end.outcome), "CALL_OUTCOME_"),
            handoff_id=event.end.handoff_id,
        )
    return None
