"""The action callback's TwiML: dial the transfer target from HandoffData, else hang up."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from gateway.relay_action import action_twiml, handoff_target


def _form(**data: str) -> dict[str, str]:
    return {"CallSid": "CA1", "HandoffData": json.dumps(data)}


def test_a_sip_target_is_dialled() -> None:
    root = ET.fromstring(action_twiml(_form(transferTarget="sip:desk@clinic.example")))
    dial = root.find("Dial")
    assert dial is not None and dial.find("Sip") is not None
    assert dial.find("Sip").text == "sip:desk@clinic.example"  # type: ignore[union-attr]
    assert root.find("Say") is not None  # heard only when nobody answers


def test_a_phone_number_target_is_dialled() -> None:
    root = ET.fromstring(action_twiml(_form(transferTarget="tel:+15550100199"), caller_id="+1555"))
    number = root.find("Dial/Number")
    assert number is not None and number.text == "+15550100199"
    assert root.find("Dial").get("callerId") == "+1555"  # type: ignore[union-attr]


def test_no_transfer_hangs_up() -> None:
    for form in (_form(outcome="contained"), {}, {"HandoffData": "not json"}):
        root = ET.fromstring(action_twiml(form))
        assert [child.tag for child in root] == ["Hangup"]
    assert handoff_target({"HandoffData": "[1]"}) == ""
