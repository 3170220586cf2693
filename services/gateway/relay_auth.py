"""Who may open a ConversationRelay session: the provider's signature on the WebSocket
handshake, checked before any call state exists.

- Twilio signs the handshake's URL with the account's auth token (``X-Twilio-Signature``);
  checked with the official ``twilio`` package's ``RequestValidator``.
- Telnyx signs its requests with Ed25519 (``telnyx-signature-ed25519`` over
  ``"<telnyx-timestamp>|<body>"``, the body of a handshake being empty), checked with the
  account's public key and a five-minute window against replays.
- ``Unsigned``: no check at all — only behind an explicit, loud setting.

Secrets are read from their source on every handshake, so a rotated auth token (a mounted
file rewritten) takes effect without a restart.

    check = TwilioSignature(lambda: token)
    reason = check.refusal("wss://relay.example/relay?clinic=demo", headers)   # None: allowed
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from twilio.request_validator import RequestValidator

TWILIO_HEADER = "X-Twilio-Signature"
TELNYX_SIGNATURE = "telnyx-signature-ed25519"
TELNYX_TIMESTAMP = "telnyx-timestamp"
TELNYX_TOLERANCE_S = 300.0


class HandshakeCheck(Protocol):
    def refusal(self, url: str, headers: Mapping[str, str]) -> str | None:
        """None when the handshake may proceed, else why it is refused (logged, and sent)."""
        ...


def secret_source(value: str, file: Path | None) -> Callable[[], str]:
    """The secret from ``file`` (re-read when it changes: rotation) or else ``value``."""
    cache: dict[str, object] = {}

    def read() -> str:
        if file is None:
            return value
        try:
            stamp = file.stat().st_mtime_ns
        except OSError:
            return ""
        if cache.get("stamp") != stamp:
            cache["stamp"] = stamp
            cache["secret"] = file.read_text().strip()
        return str(cache["secret"])

    return read


class TwilioSignature:
    def __init__(self, auth_token: Callable[[], str]) -> None:
        self._auth_token = auth_token

    def refusal(self, url: str, headers: Mapping[str, str]) -> str | None:
        signature = headers.get(TWILIO_HEADER, "")
        if not signature:
            return f"missing {TWILIO_HEADER}"
        token = self._auth_token()
        if not token:
            return "no Twilio auth token is configured (FRONTDESK_TWILIO_AUTH_TOKEN[_FILE])"
        if not RequestValidator(token).validate(url, {}, signature):
            return f"{TWILIO_HEADER} does not match this URL and auth token"
        return None


class TelnyxSignature:
    def __init__(
        self, public_key: Callable[[], str], clock: Callable[[], float] = time.time
    ) -> None:
        self._public_key = public_key
        self._clock = clock

    def refusal(self, url: str, headers: Mapping[str, str]) -> str | None:
        signature = headers.get(TELNYX_SIGNATURE, "")
        stamp = headers.get(TELNYX_TIMESTAMP, "")
        if not signature or not stamp:
            return f"missing {TELNYX_SIGNATURE} or {TELNYX_TIMESTAMP}"
        try:
            age = abs(self._clock() - float(stamp))
        except ValueError:
            return f"{TELNYX_TIMESTAMP} is not a number of seconds"
        if age > TELNYX_TOLERANCE_S:
            return f"{TELNYX_TIMESTAMP} is more than {TELNYX_TOLERANCE_S:.0f} s away from now"
        encoded = self._public_key()
        if not encoded:
            return "no Telnyx public key is configured (FRONTDESK_TELNYX_PUBLIC_KEY[_FILE])"
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded))
            key.verify(base64.b64decode(signature), f"{stamp}|".encode())
        except (InvalidSignature, binascii.Error, ValueError):
            return f"{TELNYX_SIGNATURE} does not verify with the configured public key"
        return None


class Unsigned:
    def refusal(self, url: str, headers: Mapping[str, str]) -> str | None:
        return None
