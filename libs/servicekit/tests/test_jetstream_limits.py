"""Every JetStream store is bounded: a full audit stream refuses new records (never drops old
ones), a full events stream drops its oldest, an oversized session is refused, and an older
bucket gets the current limits."""

from __future__ import annotations

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import APIError

from servicekit.jetstream import RetentionSettings, ensure_streams
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats

SMALL = RetentionSettings(
    events_max_bytes=4096,
    audit_max_bytes=4096,
    sessions_max_bytes=64 << 10,
    session_max_value_bytes=1024,
    storage=StorageType.MEMORY,
)


async def test_limits_hold(nats_server: NatsServer) -> None:
    nc = NATS()
    await nc.connect(nats_server.url)
    try:
        js = nc.jetstream()
        sessions = await ensure_streams(js, SMALL)

        record = b"x" * 500
        for _ in range(7):
            await js.publish("frontdesk.audit.read", record)
        with pytest.raises(APIError):  # full: refused, loudly
            for _ in range(20):
                await js.publish("frontdesk.audit.read", record)
        audit = await js.stream_info("audit")
        assert audit.state.first_seq == 1  # the oldest record is still there

        for _ in range(40):
            await js.publish("frontdesk.events.turn_completed", record)
        events = await js.stream_info("events")
        assert events.state.bytes <= 4096 and events.state.first_seq > 1  # oldest dropped

        await sessions.put("small", b"{}")
        with pytest.raises(APIError):
            await sessions.put("huge", b"x" * 2048)
    finally:
        await nc.close()


async def test_an_older_bucket_gets_the_current_limits(nats_server: NatsServer) -> None:
    nc = NATS()
    await nc.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await js.create_key_value(KeyValueConfig(bucket="sessions", history=1, ttl=60))
        bucket = await ensure_streams(js, SMALL)
        await bucket.put("kept", b"{}")
        config = (await js.stream_info("KV_sessions")).config
        assert (config.max_age, config.max_bytes, config.max_msg_size) == (
            SMALL.session_ttl_s,
            SMALL.sessions_max_bytes,
            SMALL.session_max_value_bytes,
        )
        assert (await bucket.get("kept")).value == b"{}"
    finally:
        await nc.close()
