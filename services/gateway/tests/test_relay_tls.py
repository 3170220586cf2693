"""The relay's wss:// certificate is the gateway's, and a rotated one is served to the next
connection without a restart."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

from gateway.relay_tls import ReloadingServerContext
from servicekit.tls import issue_dev_pki


async def _served_certificate(port: int, ca: Path) -> bytes:
    client = ssl.create_default_context(cafile=str(ca))  # verifies the chain and 127.0.0.1
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client)
    ssl_object = writer.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True)
    writer.close()
    await writer.wait_closed()
    assert der
    return bytes(der)


async def test_a_rotated_certificate_is_served_without_restart(tmp_path: Path) -> None:
    pki = issue_dev_pki(tmp_path)
    context = ReloadingServerContext(pki.server_cert, pki.server_key).context

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        first = await _served_certificate(port, pki.ca)
        assert first == await _served_certificate(port, pki.ca)  # no change, no reload
        pki.reissue_server()
        rotated = await _served_certificate(port, pki.ca)
        assert rotated != first
        # A half-written file keeps the last good certificate in service.
        pki.server_cert.write_text("-----BEGIN CERTIFICATE-----\ntruncated")
        assert await _served_certificate(port, pki.ca) == rotated
    finally:
        server.close()
        await server.wait_closed()
