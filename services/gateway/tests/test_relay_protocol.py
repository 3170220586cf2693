"""ConversationRelay frames <-> domain messages, and the handshake signature checks."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from twilio.request_validator import RequestValidator

from gateway import model
from gateway.relay_auth import TelnyxSignature, TwilioSignature, secret_source
from gateway.relay_protocol import ProtocolError, ProviderError, RelayEnding, parse, render

TWILIO_SETUP = {
    "type": "setup",
    "sessionId": "VX00000000000000000000000000000000",
    "accountSid": "AC00000000000000000000000000000000",
    "parentCallSid": "",
    "callSid": "CA00000000000000000000000000000000",
    "from": "+14155551212",
    "to": "+15550100100",
    "forwardedFrom": "+15550100100",
    "callerName": "",
    "direction": "inbound",
    "callType": "PSTN",
    "callStatus": "RINGING",
    "customParameters": {"clinic": "demo", "campaign": "flu"},
}


def test_setup_as_twilio_sends_it() -> None:
    setup = parse(json.dumps(TWILIO_SETUP))
    assert setup == model.Setup(
        call_id="CA00000000000000000000000000000000",
        from_number="+14155551212",
        to_number="+15550100100",
        clinic_id="demo",
        custom_parameters={
            "campaign": "flu",
            "sessionId": "VX00000000000000000000000000000000",
            "callSid": "CA00000000000000000000000000000000",
            "direction": "inbound",
            "callType": "PSTN",
            "accountSid": "AC00000000000000000000000000000000",
        },
    )


def test_caller_messages() -> None:
    assert parse('{"type":"prompt","voicePrompt":"Hi there","lang":"en-US","last":true}') == (
        model.Prompt("Hi there", last=True, language="en-US")
    )
    assert parse('{"type":"prompt","voicePrompt":"Hi"}') == model.Prompt("Hi", last=True)
    assert parse(
        '{"type":"interrupt","utteranceUntilInterrupt":"Let me","durationUntilInterruptMs":460}'
    ) == model.Interrupt("Let me", duration_ms=460)
    assert parse('{"type":"dtmf","digit":"#"}') == model.Digit("#")
    assert parse('{"type":"error","description":"Invalid message"}') == ProviderError(
        "Invalid message"
    )


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("{", "not JSON"),
        ("[]", "JSON object"),
        ("{}", "no 'type'"),
        ('{"type":"setup"}', "callSid"),
        ('{"type":"setup","callSid":"CA1","customParameters":[1]}', "customParameters"),
        ('{"type":"prompt","voicePrompt":"x","last":"yes"}', "'last' must be true or false"),
        ('{"type":"interrupt","durationUntilInterruptMs":"soon"}', "must be a number"),
        ('{"type":"dtmf","digit":"x"}', "one keypad key"),
        ('{"type":"dtmf"}', "one keypad key"),
        ('{"type":"info"}', "unknown message type 'info'"),
    ],
)
def test_malformed_messages_say_what_is_wrong(raw: str, says: str) -> None:
    with pytest.raises(ProtocolError, match=says):
        parse(raw)


def test_a_transfer_goes_out_in_the_end_frame() -> None:
    ending = RelayEnding()
    assert render(model.Speak("One moment.", last=True, interruptible=False), ending) == [
        {
            "type": "text",
            "token": "One moment.",
            "last": True,
            "interruptible": False,
            "preemptible": False,
        }
    ]
    transfer = model.TransferCall(
        "sip:desk@clinic.example", "h-1", {"reason": "caller_request", "urgency": "routine"}
    )
    assert render(transfer, ending) == []
    (end,) = render(model.EndCall({"outcome": "handoff", "handoff_id": "h-1"}), ending)
    assert end["type"] == "end"
    assert json.loads(str(end["handoffData"])) == {
        "outcome": "handoff",
        "handoff_id": "h-1",
        "handoffId": "h-1",
        "transferTarget": "sip:desk@clinic.example",
        "reason": "caller_request",
        "urgency": "routine",
        "reasonCode": "live-agent-handoff",
    }


def test_an_end_without_transfer() -> None:
    (end,) = render(model.EndCall({"outcome": "contained"}), RelayEnding())
    assert json.loads(str(end["handoffData"])) == {"outcome": "contained"}


URL = "wss://frontdesk.example/relay?clinic=demo"


def test_twilio_signature() -> None:
    check = TwilioSignature(lambda: "token-1")
    good = RequestValidator("token-1").compute_signature(URL, {})
    assert check.refusal(URL, {"X-Twilio-Signature": good}) is None
    assert "missing" in str(check.refusal(URL, {}))
    assert "does not match" in str(check.refusal(URL + "&x=1", {"X-Twilio-Signature": good}))
    assert "no Twilio auth token" in str(
        TwilioSignature(lambda: "").refusal(URL, {"X-Twilio-Signature": good})
    )


def test_telnyx_signature() -> None:
    private = Ed25519PrivateKey.generate()
    public = base64.b64encode(
        private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ).decode()
    now = 1_900_000_000.0
    check = TelnyxSignature(lambda: public, clock=lambda: now)
    stamp = str(int(now))
    signature = base64.b64encode(private.sign(f"{stamp}|".encode())).decode()
    headers = {"telnyx-signature-ed25519": signature, "telnyx-timestamp": stamp}
    assert check.refusal(URL, headers) is None
    assert "missing" in str(check.refusal(URL, {}))
    stale = {**headers, "telnyx-timestamp": str(int(now) - 600)}
    assert "away from now" in str(check.refusal(URL, stale))
    other = base64.b64encode(Ed25519PrivateKey.generate().sign(f"{stamp}|".encode())).decode()
    assert "does not verify" in str(
        check.refusal(URL, {**headers, "telnyx-signature-ed25519": other})
    )


def test_a_secret_file_is_read_again_when_it_changes(tmp_path: object) -> None:
    from pathlib import Path

    file = Path(str(tmp_path)) / "token"
    file.write_text("first\n")
    read = secret_source("ignored", file)
    assert read() == "first"
    file.write_text("second\n")
    import os

    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert read() == "second"
    assert secret_source("inline", None)() == "inline"
