"""Protobuf <-> domain at the two edges (the transport tests cover the common paths)."""

from __future__ import annotations

import json

from frontdesk.v1 import common_pb2, gateway_pb2, orchestrator_pb2
from gateway import convert, model


def test_enum_names_become_words_and_unspecified_becomes_empty() -> None:
    event = orchestrator_pb2.TurnEvent(
        transfer=orchestrator_pb2.TransferTo(
            target="sip:x", reason=common_pb2.HANDOFF_REASON_IDENTITY_FAILED
        )
    )
    assert convert.turn_event(event) == model.TransferTo("sip:x", "", "identity_failed", "")
    end = orchestrator_pb2.TurnEvent(end=orchestrator_pb2.CallEnd())
    assert convert.turn_event(end) == model.CallEnd("", "")


def test_an_empty_turn_event_is_skipped() -> None:
    assert convert.turn_event(orchestrator_pb2.TurnEvent()) is None


def test_every_turn_input_maps_to_its_oneof_field() -> None:
    cases: list[tuple[model.TurnInput, str]] = [
        (model.StartInput(), "start"),
        (model.TextInput("hi"), "text"),
        (model.DtmfInput("12"), "dtmf"),
        (model.InterruptedInput("c-2", "Hel"), "interrupted"),
        (model.EndedInput("caller"), "ended"),
    ]
    for given, field in cases:
        request = convert.turn_request(model.TurnRequest("c", "c-3", given))
        assert (request.call_id, request.turn_id) == ("c", "c-3")
        assert request.WhichOneof("input") == field
    interrupted = convert.turn_request(
        model.TurnRequest("c", "c-3", model.InterruptedInput("c-2", "Hel"))
    )
    assert (interrupted.interrupted.turn_id, interrupted.interrupted.heard_text) == ("c-2", "Hel")


def test_caller_messages_and_an_empty_request() -> None:
    setup = gateway_pb2.ConverseRequest(
        setup=gateway_pb2.Setup(call_id="c", to_number="+1555", custom_parameters={"a": "b"})
    )
    assert convert.caller_message(setup) == model.Setup("c", "", "+1555", "", {"a": "b"})
    interrupt = gateway_pb2.ConverseRequest(
        interrupt=gateway_pb2.Interrupt(
            utterance_until_interrupt="Hi", duration_until_interrupt_ms=5
        )
    )
    assert convert.caller_message(interrupt) == model.Interrupt("Hi", 5)
    assert convert.caller_message(gateway_pb2.ConverseRequest()) is None


def test_end_carries_its_data_as_json() -> None:
    response = convert.caller_response(model.EndCall({"outcome": "handoff", "handoff_id": "h"}))
    assert json.loads(response.end.handoff_data) == {"outcome": "handoff", "handoff_id": "h"}
    speak = convert.caller_response(model.Speak("Hi", last=True, interruptible=False))
    assert (speak.text.token, speak.text.last, speak.text.interruptible) == ("Hi", True, False)
