"""Audit records on the JetStream ``audit`` stream, hash-chained per subject, and reading them
back to check the chain (``audit_chain`` has the pure rules).

Several replicas publish to one subject at once, so the chain uses JetStream's optimistic
concurrency: the publisher reads the subject's last record, links the new record after it and
publishes with ``Nats-Expected-Last-Subject-Sequence``; if another replica got there first the
server refuses, and the publisher re-reads and tries again. A replica remembers the head it
wrote last, so the read happens only after a conflict or at start::

    chain = AuditChainPublisher(js)
    await chain.publish("frontdesk.audit.book", record, headers)
    report = await verify_stream(js)          # `frontdesk audit verify`
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError

from frontdesk.v1 import events_pb2
from servicekit.audit_chain import ChainHead, ChainReport, StoredRecord, link, verify
from servicekit.errors import Unavailable
from servicekit.jetstream import AUDIT_STREAM, AUDIT_SUBJECTS

EXPECTED_LAST_SUBJECT_SEQUENCE = "Nats-Expected-Last-Subject-Sequence"
# JSStreamWrongLastSequenceErrF: the subject moved on since we read it.
_WRONG_LAST_SEQUENCE = 10071
# Enough for dozens of replicas racing on one subject; each retry re-reads the head.
MAX_ATTEMPTS = 64


@dataclass(frozen=True)
class _Head:
    seq: int  # the subject's last stream sequence (0: none)
    link: ChainHead | None


class AuditChainPublisher:
    """Publishes ``AuditRecord``s chained per subject; safe with many publishing replicas."""

    def __init__(self, js: JetStreamContext, stream: str = AUDIT_STREAM) -> None:
        self._js = js
        self._stream = stream
        self._heads: dict[str, _Head] = {}
        # One publish per subject at a time in this process: racing ourselves only wastes reads.
        self._locks: dict[str, asyncio.Lock] = {}
        # How often another writer got to a subject first (each cost one re-read and retry).
        self.conflicts = 0

    async def publish(
        self, subject: str, record: events_pb2.AuditRecord, headers: Mapping[str, str]
    ) -> int:
        """Chains and publishes ``record``; returns its stream sequence."""
        lock = self._locks.setdefault(subject, asyncio.Lock())
        async with lock:
            for attempt in range(MAX_ATTEMPTS):
                head = self._heads.get(subject) or await self._read_head(subject)
                chained = link(record, head.link)
                try:
                    ack = await self._js.publish(
                        subject,
                        chained.SerializeToString(deterministic=True),
                        headers={**headers, EXPECTED_LAST_SUBJECT_SEQUENCE: str(head.seq)},
                    )
                except APIError as error:
                    if error.err_code != _WRONG_LAST_SEQUENCE:
                        raise
                    self._heads.pop(subject, None)
                    self.conflicts += 1
                    # Spread the racers out a little so one of them wins the next round.
                    await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
                    continue
                self._heads[subject] = _Head(
                    int(ack.seq), ChainHead(int(chained.chain.index), chained.chain.hash)
                )
                return int(ack.seq)
        raise Unavailable(
            f"could not append to the audit chain of {subject} after {MAX_ATTEMPTS} attempts "
            "(too many concurrent writers); the request was not completed, try again"
        )

    async def _read_head(self, subject: str) -> _Head:
        try:
            last = await self._js.get_last_msg(self._stream, subject)
        except NotFoundError:
            return _Head(0, None)
        record = events_pb2.AuditRecord()
        record.ParseFromString(last.data or b"")
        if not record.chain.hash:
            # A record from before chaining: the chain starts after it.
            return _Head(int(last.seq or 0), None)
        return _Head(int(last.seq or 0), ChainHead(int(record.chain.index), record.chain.hash))


async def read_stream(
    js: JetStreamContext, stream: str = AUDIT_STREAM, subjects: str = AUDIT_SUBJECTS
) -> tuple[list[StoredRecord], bool]:
    """Every message of ``stream`` in order, and whether older ones may have been trimmed by
    the stream's limits (its first sequence is past 1)."""
    info = await js.stream_info(stream)
    state = info.state
    if not state.messages:
        return [], state.first_seq > 1
    records: list[StoredRecord] = []
    # An ephemeral ordered read from the first message; no consumer is left behind.
    subscription = await js.subscribe(
        subjects,
        stream=stream,
        ordered_consumer=True,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    try:
        while True:
            message = await subscription.next_msg(timeout=5)
            metadata = message.metadata
            records.append(StoredRecord(metadata.sequence.stream, message.subject, message.data))
            if not metadata.num_pending:
                break
    finally:
        await subscription.unsubscribe()
    return records, state.first_seq > 1


async def verify_stream(js: JetStreamContext, stream: str = AUDIT_STREAM) -> ChainReport:
    """Reads the whole stream and checks every subject's chain."""
    records, trimmed = await read_stream(js, stream)
    return verify(records, trimmed=trimmed)
