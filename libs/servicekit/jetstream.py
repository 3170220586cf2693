"""JetStream setup: the ``events`` and ``audit`` streams and the ``sessions`` KV bucket.

Idempotent: running it again against a server that has them (even with older settings) leaves
one of each with the current settings. nats-py directly: faststream has no API to update them.

Every store is bounded by age and by bytes (``RetentionSettings``):

- ``events``: a week, 1 GiB; when full the oldest events go (consumers read them long before).
- ``audit``: six years, 10 GiB; when full NEW records are refused — publishing fails loudly and
  the PHI access that needed the record fails with it — because an audit trail that silently
  drops its oldest records is no audit trail. Size the storage for the clinic's volume.
- ``sessions``: four hours per entry (calls that never ended), 256 MiB, 256 KiB per session.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

EVENTS_STREAM = "events"
EVENTS_SUBJECTS = "frontdesk.events.>"
AUDIT_STREAM = "audit"
AUDIT_SUBJECTS = "frontdesk.audit.>"
SESSIONS_BUCKET = "sessions"
# Each call's model spend (servicekit.costs).
COSTS_BUCKET = "llm_costs"
_KEY_SAFE = re.compile(r"^[-_=.a-zA-Z0-9]{1,200}$")


def session_key(call_id: str) -> str:
    """The ``sessions`` bucket key of a call. KV keys allow a small alphabet and no empty
    token ("a..b", ".a", "a."); other call ids are hashed (the call id itself is kept in the
    value)."""
    if _KEY_SAFE.match(call_id) and "" not in call_id.split("."):
        return call_id
    return "h-" + hashlib.sha256(call_id.encode()).hexdigest()


@dataclass(frozen=True)
class RetentionSettings:
    events_max_age_s: float = 7 * 24 * 3600
    # Audit records are kept for as long as the stream's storage allows; 6 years is HIPAA's
    # documentation retention, the operator sets storage accordingly.
    audit_max_age_s: float = 6 * 365 * 24 * 3600
    # A session outlives any call; the TTL only collects sessions of calls that never ended.
    session_ttl_s: float = 4 * 3600
    events_max_bytes: int = 1 << 30
    audit_max_bytes: int = 10 << 30
    sessions_max_bytes: int = 256 << 20
    session_max_value_bytes: int = 256 << 10
    storage: StorageType = StorageType.FILE


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.stream_info(config.name or "")
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


async def ensure_streams(
    js: JetStreamContext, settings: RetentionSettings | None = None
) -> KeyValue:
    """Creates or updates the streams and the buckets (sessions, llm_costs); returns the
    sessions bucket."""
    settings = settings or RetentionSettings()
    await _ensure_stream(
        js,
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=[EVENTS_SUBJECTS],
            retention=RetentionPolicy.LIMITS,
            max_age=settings.events_max_age_s,
            max_bytes=settings.events_max_bytes,
            discard=DiscardPolicy.OLD,
            storage=settings.storage,
        ),
    )
    await _ensure_stream(
        js,
        StreamConfig(
            name=AUDIT_STREAM,
            subjects=[AUDIT_SUBJECTS],
            retention=RetentionPolicy.LIMITS,
            max_age=settings.audit_max_age_s,
            max_bytes=settings.audit_max_bytes,
            discard=DiscardPolicy.NEW,
            storage=settings.storage,
        ),
    )
    await ensure_costs_bucket(js, settings)
    return await ensure_sessions_bucket(js, settings)


async def ensure_costs_bucket(
    js: JetStreamContext, settings: RetentionSettings | None = None
) -> KeyValue:
    """The ``llm_costs`` bucket (one small entry per call), kept as long as sessions."""
    settings = settings or RetentionSettings()
    try:
        return await js.key_value(COSTS_BUCKET)
    except (BucketNotFoundError, NotFoundError):
        return await js.create_key_value(
            KeyValueConfig(
                bucket=COSTS_BUCKET,
                history=1,
                ttl=settings.session_ttl_s,
                max_value_size=1024,
                storage=settings.storage,
            )
        )


async def ensure_sessions_bucket(
    js: JetStreamContext, settings: RetentionSettings | None = None
) -> KeyValue:
    settings = settings or RetentionSettings()
    try:
        bucket = await js.key_value(SESSIONS_BUCKET)
    except (BucketNotFoundError, NotFoundError):
        return await js.create_key_value(
            KeyValueConfig(
                bucket=SESSIONS_BUCKET,
                history=1,
                ttl=settings.session_ttl_s,
                max_bytes=settings.sessions_max_bytes,
                max_value_size=settings.session_max_value_bytes,
                storage=settings.storage,
            )
        )
    # A bucket made by an older version: bring its limits up to date (a KV bucket is a stream).
    info = await js.stream_info(f"KV_{SESSIONS_BUCKET}")
    config = info.config
    wanted = (
        settings.session_ttl_s,
        settings.sessions_max_bytes,
        settings.session_max_value_bytes,
    )
    if (config.max_age, config.max_bytes, config.max_msg_size) != wanted:
        config.max_age, config.max_bytes, config.max_msg_size = wanted
        await js.update_stream(config)
    return bucket
