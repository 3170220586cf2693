"""TLS for the ConversationRelay endpoint (``wss://``): the gateway's own certificate and key —
the same files its gRPC server uses — re-read when they change, so a rotated certificate is
served to new connections without a restart.

Python's ``ssl`` reads certificates once per context; the SNI callback runs at the start of
every handshake, so it is where a context with the current files is swapped in. Clients are not
asked for certificates: the providers (Twilio, Telnyx) present none; their signature on the
handshake is what identifies them (``gateway.relay_auth``).

    context = ReloadingServerContext(cert_file, key_file).context
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

log = logging.getLogger(__name__)


def _stamp(path: Path) -> tuple[int, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0, 0)
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class ReloadingServerContext:
    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self._cert = cert_file
        self._key = key_file
        self._stamps = (_stamp(cert_file), _stamp(key_file))
        self._current = self._load()  # fails at start on unreadable files: a clear error
        self.context = self._load()
        self.context.sni_callback = self._on_handshake

    def _load(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self._cert, self._key)
        return context

    def _on_handshake(
        self, connection: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _: ssl.SSLContext
    ) -> None:
        stamps = (_stamp(self._cert), _stamp(self._key))
        if stamps != self._stamps:
            try:
                self._current = self._load()
                self._stamps = stamps
                log.info("relay TLS certificate reloaded")
            except (OSError, ssl.SSLError):
                # Caught half-written: keep serving the previous certificate until it parses.
                log.warning("relay TLS certificate files changed but do not load yet")
        connection.context = self._current
