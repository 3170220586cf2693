"""The audit hash chain's pure rules: linking, and naming each kind of tampering."""

from __future__ import annotations

from frontdesk.v1 import events_pb2
from servicekit.audit_chain import (
    ChainHead,
    StoredRecord,
    link,
    record_hash,
    verify,
)

SUBJECT = "frontdesk.audit.book"


def chain(count: int, subject: str = SUBJECT, start_seq: int = 1) -> list[StoredRecord]:
    stored = []
    head: ChainHead | None = None
    for i in range(count):
        record = link(
            events_pb2.AuditRecord(
                actor="scheduler_adapter", action="book", call_id=f"call-{i}", result="ok"
            ),
            head,
        )
        head = ChainHead(record.chain.index, record.chain.hash)
        stored.append(StoredRecord(start_seq + i, subject, record.SerializeToString()))
    return stored


def parsed(stored: StoredRecord) -> events_pb2.AuditRecord:
    record = events_pb2.AuditRecord()
    record.ParseFromString(stored.data)
    return record


def test_link_numbers_and_hashes_each_record_after_the_last() -> None:
    first = link(events_pb2.AuditRecord(action="book"), None)
    assert (first.chain.index, first.chain.prev_hash) == (0, "")
    assert first.chain.hash == record_hash(first) and len(first.chain.hash) == 64
    second = link(events_pb2.AuditRecord(action="book"), ChainHead(0, first.chain.hash))
    assert (second.chain.index, second.chain.prev_hash) == (1, first.chain.hash)
    # Same contents at another place in the chain: another hash.
    assert second.chain.hash != first.chain.hash


def test_an_untouched_chain_is_intact_per_subject() -> None:
    records = chain(5) + chain(3, "frontdesk.audit.cancel", start_seq=6)
    report = verify(records)
    assert report.intact and report.records == 8
    assert [(s.subject, s.records, s.head.index if s.head else None) for s in report.subjects] == [
        ("frontdesk.audit.book", 5, 4),
        ("frontdesk.audit.cancel", 3, 2),
    ]


def test_an_altered_record_is_named() -> None:
    records = chain(5)
    record = parsed(records[2])
    record.result = "denied"
    records[2] = StoredRecord(3, SUBJECT, record.SerializeToString())
    problems = verify(records).problems
    assert [(p.kind, p.seq, p.index) for p in problems] == [("altered", 3, 2)]
    assert "call-2" in problems[0].message


def test_an_altered_and_rehashed_record_is_named_through_its_successor() -> None:
    records = chain(5)
    record = parsed(records[1])
    record.patient_id = "pat-someone-else"
    record.chain.hash = record_hash(record)
    records[1] = StoredRecord(2, SUBJECT, record.SerializeToString())
    problems = verify(records).problems
    assert [(p.kind, p.seq, p.index) for p in problems] == [("altered", 2, 1)]
    assert "seq 3" in problems[0].message


def test_removed_records_are_named_by_index_and_place() -> None:
    records = chain(6)
    del records[2:4]
    problems = verify(records).problems
    assert [(p.kind, p.index) for p in problems] == [("removed", 2)]
    assert "indexes 2-3 missing between seq 2 and seq 5" in problems[0].message
    # The first record removed: the chain no longer starts at 0.
    assert [(p.kind, p.index) for p in verify(chain(3)[1:]).problems] == [("removed", 0)]
    # ... unless the stream's own limits trimmed its oldest records.
    assert verify(chain(3)[1:], trimmed=True).intact


def test_reordered_records_are_named() -> None:
    records = chain(5)
    swapped = [records[0], records[1], records[3], records[2], records[4]]
    # Re-stored in the new order: the stream sequences follow the order stored.
    restored = [StoredRecord(i + 1, SUBJECT, r.data) for i, r in enumerate(swapped)]
    problems = verify(restored).problems
    assert [(p.kind, p.seq, p.index) for p in problems] == [("reordered", 4, 2)]
    duplicated = [*records, StoredRecord(6, SUBJECT, records[1].data)]
    assert [(p.kind, p.seq) for p in verify(duplicated).problems] == [("reordered", 6)]


def test_unchained_and_unreadable_records_are_named() -> None:
    records = chain(2)
    records.append(
        StoredRecord(3, SUBJECT, events_pb2.AuditRecord(action="book").SerializeToString())
    )
    records.append(StoredRecord(4, SUBJECT, b"\xff\xff\xff"))
    problems = verify(records).problems
    assert [(p.kind, p.seq) for p in problems] == [("unchained", 3), ("unreadable", 4)]
