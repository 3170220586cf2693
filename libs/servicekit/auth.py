"""gRPC client tokens: the server's token file (reloaded when it changes), the interceptor that
checks them per method, and how a client connects (TLS, client certificate, token).

Token file (a mounted secret), one token per line, several per kind while one rotates::

    # kind: token            or the token's SHA-256, so the file holds no usable secret
    telephony: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    admin: 2c1f…

Zero-downtime rotation: add the new token beside the old, hand it to clients, remove the old;
every server picks each change up within ``reload_interval`` seconds, without a restart.

Only hashes are kept in memory and compared (``hmac.compare_digest`` over every entry), so
neither a memory dump nor timing tells a token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from servicekit.interceptors import Continuation, deny
from servicekit.permissions import METHOD_PERMISSIONS, ClientKind, allowed_kinds, is_open

log = logging.getLogger(__name__)
HASH_PREFIX = "sha256:"


class TokenFileError(ValueError):
    """The token file cannot be used; the message names the line."""


def token_hash(token: str) -> str:
    return HASH_PREFIX + hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenTable:
    """Token hashes and the kind each belongs to."""

    entries: tuple[tuple[bytes, ClientKind], ...] = ()

    @classmethod
    def parse(cls, text: str, source: str = "tokens") -> TokenTable:
        entries = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            kind_name, sep, value = line.partition(":")
            value = value.strip()
            if not sep or not value:
                raise TokenFileError(f"{source}:{number}: expected 'kind: token'")
            try:
                kind = ClientKind(kind_name.strip())
            except ValueError:
                known = ", ".join(k.value for k in ClientKind)
                raise TokenFileError(
                    f"{source}:{number}: unknown client kind {kind_name.strip()!r} ({known})"
                ) from None
            hashed = value if value.startswith(HASH_PREFIX) else token_hash(value)
            digest = hashed.removeprefix(HASH_PREFIX)
            if len(digest) != 64:
                raise TokenFileError(f"{source}:{number}: a sha256: value has 64 hex digits")
            entries.append((bytes.fromhex(digest), kind))
        return cls(tuple(entries))

    def kind_of(self, token: str) -> ClientKind | None:
        """The token's kind, or None. Every entry is compared, matched or not."""
        digest = hashlib.sha256(token.encode()).digest()
        found = None
        for expected, kind in self.entries:
            if hmac.compare_digest(digest, expected) and found is None:
                found = kind
        return found


class TokenFile:
    """The token table of a file, re-read when the file changes (checked at most every
    ``reload_interval`` seconds). A file that stops parsing keeps the last good table."""

    def __init__(self, path: Path, *, reload_interval: float = 1.0) -> None:
        self.path = path
        self.reload_interval = reload_interval
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._table = TokenTable.parse(path.read_text(), str(path))  # a bad file fails the start
        self._checked = time.monotonic()
        self.reloads = 0

    def _stat(self) -> tuple[int, int, int]:
        try:
            stat = self.path.stat()
        except OSError:
            return (0, 0, 0)
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def table(self) -> TokenTable:
        now = time.monotonic()
        if now - self._checked < self.reload_interval:
            return self._table
        with self._lock:
            self._checked = now
            stamp = self._stat()
            if stamp != self._stamp:
                try:
                    self._table = TokenTable.parse(self.path.read_text(), str(self.path))
                    self.reloads += 1
                    log.info("reloaded client tokens", extra={"tokens_file": str(self.path)})
                except (OSError, TokenFileError) as error:
                    log.error("client tokens not reloaded, keeping the last good ones: %s", error)
                self._stamp = stamp
        return self._table


def bearer_token(metadata: Mapping[str, Any]) -> str:
    value = str(metadata.get("authorization", "")).strip()
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class TokenAuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """``authorization: Bearer <token>`` → a client kind → allowed for this method or not.

    No or unknown token: UNAUTHENTICATED. A kind the method's row does not list:
    PERMISSION_DENIED. Health checks pass without a token.
    """

    def __init__(
        self,
        tokens: Callable[[], TokenTable],
        table: Mapping[str, frozenset[ClientKind]] = METHOD_PERMISSIONS,
    ) -> None:
        self._tokens = tokens
        self._table = table

    async def intercept_service(
        self, continuation: Continuation, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        method = details.method
        if handler is None or is_open(method):
            return handler
        token = bearer_token(dict(details.invocation_metadata or ()))
        if not token:
            return deny(
                handler,
                grpc.StatusCode.UNAUTHENTICATED,
                f"{method} needs a client token: send the metadata "
                "'authorization: Bearer <token>' (`frontdesk up` prints where its development "
                "tokens are)",
            )
        kind = self._tokens().kind_of(token)
        if kind is None:
            return deny(
                handler,
                grpc.StatusCode.UNAUTHENTICATED,
                f"{method}: the client token is unknown or was revoked; ask the operator for "
                "a current one",
            )
        allowed = allowed_kinds(method, self._table)
        if kind not in allowed:
            names = ", ".join(sorted(k.value for k in allowed))
            return deny(
                handler,
                grpc.StatusCode.PERMISSION_DENIED,
                f"a {kind.value} client may not call {method} (allowed: {names}); use a token "
                "of an allowed kind",
            )
        return handler


# --- clients --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrpcClient:
    """How a client reaches a Frontdesk gRPC server: CA to trust, optional client certificate
    (mutual TLS), bearer token. ``insecure`` is plaintext without a token (development only)."""

    token: str = ""
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure: bool = False

    def _credentials(self) -> grpc.ChannelCredentials:
        ca = self.ca_file.read_bytes() if self.ca_file else None
        cert = self.cert_file.read_bytes() if self.cert_file else None
        key = self.key_file.read_bytes() if self.key_file else None
        tls = grpc.ssl_channel_credentials(ca, key, cert)
        if not self.token:
            return tls
        return grpc.composite_channel_credentials(
            tls, grpc.access_token_call_credentials(self.token)
        )

    def channel(self, target: str, options: Sequence[tuple[str, Any]] = ()) -> grpc.aio.Channel:
        """An asyncio channel to ``target`` (``host:port``); ``options``: gRPC channel args."""
        if self.insecure:
            return grpc.aio.insecure_channel(target, options=list(options))
        return grpc.aio.secure_channel(target, self._credentials(), options=list(options))

    def sync_channel(self, target: str) -> grpc.Channel:
        if self.insecure:
            return grpc.insecure_channel(target)
        return grpc.secure_channel(target, self._credentials())

    def with_token(self, token: str) -> GrpcClient:
        return GrpcClient(token, self.ca_file, self.cert_file, self.key_file, self.insecure)


INSECURE_CLIENT = GrpcClient(insecure=True)
