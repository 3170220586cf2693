"""Revokes a call's verification proofs when the call ends.

A proof is a bearer secret for one call; once the call is over nothing may use it, so the
scheduler deletes its record on the orchestrator's ``call_completed`` event instead of waiting
for the proof's expiry. A durable pull consumer on the ``events`` stream (filtered to that
subject) shared by the replicas: each end is handled once, and ends published while no replica
ran are handled when one starts. A revocation that fails is redelivered.

Only the orchestrator may publish ``call_completed`` (``servicekit.natsperms``); a forged end
could only take access away, never grant it.

    revoker = CallEndRevoker(js, service.revoke_call)
    await revoker.start()
    ...
    await revoker.stop()
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from frontdesk.v1 import events_pb2
from servicekit.durable_pull import DurablePull

log = logging.getLogger(__name__)

SUBJECT = "frontdesk.events.call_completed"
DURABLE = "scheduler_proof_revoker"
Revoke = Callable[[str, str], Awaitable[int]]


class CallEndRevoker:
    """Args:
    js: JetStream of the scheduler's connection.
    revoke: ``revoke(clinic_id, call_id)`` -> proofs revoked.
    """

    def __init__(
        self,
        js: JetStreamContext,
        revoke: Revoke,
        *,
        durable: str = DURABLE,
        batch: int = 32,
        fetch_timeout_s: float = 1.0,
    ) -> None:
        self._revoke = revoke
        self.revoked = 0  # proofs revoked (tests, debugging)
        self._consumer = DurablePull(
            js,
            SUBJECT,
            durable,
            self._handle,
            name="scheduler-proof-revoker",
            batch=batch,
            fetch_timeout_s=fetch_timeout_s,
        )

    async def start(self) -> None:
        # Ends from before the first start are covered by the proofs' expiry.
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def _handle(self, message: Msg) -> None:
        try:
            ended = events_pb2.CallCompleted.FromString(message.data)
        except DecodeError:
            log.error("a call_completed event that is not a CallCompleted message: dropped")
            await message.term()
            return
        if not ended.call_id:
            await message.ack()
            return
        try:
            count = await self._revoke(ended.clinic_id, ended.call_id)
        except Exception:
            # Redelivered after the delay (up to max_deliver); the proof's expiry still bounds it.
            log.exception("revoking the proofs of an ended call failed")
            with contextlib.suppress(Exception):
                await message.nak(delay=2)
            return
        self.revoked += count
        if count:
            log.info("call ended: verification proofs revoked", extra={"call_id": ended.call_id})
        await message.ack()
