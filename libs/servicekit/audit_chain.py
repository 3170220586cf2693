"""The audit hash chain: linking records and checking a chain. Pure functions, no I/O.

Each ``AuditRecord`` on a stream subject carries ``chain`` = (index, prev_hash, hash): its place
in the subject's chain, the hash of the record before it, and its own hash (SHA-256 of the
record's deterministic serialization with ``chain.hash`` empty)::

    record = link(record, head)            # head: the subject's last (index, hash), or None
    report = verify([StoredRecord(seq, subject, data), ...])
    for problem in report.problems: print(problem.describe())

What ``verify`` can tell, per subject:

* **altered** — a record's contents no longer match its own hash, or (when the hash was
  recomputed too) the next record's link no longer matches it;
* **removed** — chain indexes are missing (named by index, between which stream sequences);
* **reordered** — a record's index is lower than one stored before it, or repeated;
* **unchained** — a record without a chain (not written by the chained publisher);
* **unreadable** — bytes that are not an ``AuditRecord``.

A chain cannot show the removal of a subject's newest records by itself: the report gives each
subject's head (last index and hash) so an operator can keep it elsewhere and compare.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError

from frontdesk.v1 import events_pb2


@dataclass(frozen=True)
class ChainHead:
    """A subject's last chained record: its chain index and hash."""

    index: int
    hash: str


def record_hash(record: events_pb2.AuditRecord) -> str:
    """Hex SHA-256 of ``record`` serialized deterministically with ``chain.hash`` empty."""
    copy = events_pb2.AuditRecord()
    copy.CopyFrom(record)
    copy.chain.hash = ""
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


def link(record: events_pb2.AuditRecord, head: ChainHead | None) -> events_pb2.AuditRecord:
    """A copy of ``record`` chained after ``head`` (None: the subject's first record)."""
    chained = events_pb2.AuditRecord()
    chained.CopyFrom(record)
    chained.chain.index = 0 if head is None else head.index + 1
    chained.chain.prev_hash = "" if head is None else head.hash
    chained.chain.hash = record_hash(chained)
    return chained


@dataclass(frozen=True)
class StoredRecord:
    """One message as read from the stream."""

    seq: int
    subject: str
    data: bytes


@dataclass(frozen=True)
class ChainProblem:
    """One thing wrong with a chain, naming the record by subject, stream sequence and index."""

    kind: str  # altered | removed | reordered | unchained | unreadable
    subject: str
    seq: int
    index: int
    message: str

    def describe(self) -> str:
        return (
            f"{self.kind.upper()} {self.subject} seq {self.seq} index {self.index}: {self.message}"
        )


@dataclass(frozen=True)
class SubjectChain:
    """One subject's chain: how many records, its head, and what is wrong with it."""

    subject: str
    records: int
    head: ChainHead | None
    first_index: int
    problems: tuple[ChainProblem, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ChainReport:
    subjects: tuple[SubjectChain, ...] = field(default_factory=tuple)
    # Whether older records may have been removed by the stream's limits (its first sequence
    # is past 1): a chain may then start past index 0 without that being a removal.
    trimmed: bool = False

    @property
    def intact(self) -> bool:
        return all(s.intact for s in self.subjects)

    @property
    def records(self) -> int:
        return sum(s.records for s in self.subjects)

    @property
    def problems(self) -> list[ChainProblem]:
        return [p for s in self.subjects for p in s.problems]


@dataclass
class _Entry:
    seq: int
    record: events_pb2.AuditRecord
    self_ok: bool


def verify(records: Iterable[StoredRecord], *, trimmed: bool = False) -> ChainReport:
    """Checks every subject's chain in ``records`` (in stream order)."""
    by_subject: dict[str, list[StoredRecord]] = {}
    for stored in records:
        by_subject.setdefault(stored.subject, []).append(stored)
    return ChainReport(
        tuple(_verify_subject(s, rows, trimmed) for s, rows in sorted(by_subject.items())),
        trimmed,
    )


def _verify_subject(subject: str, rows: list[StoredRecord], trimmed: bool) -> SubjectChain:
    problems: list[ChainProblem] = []
    entries: list[_Entry] = []
    for stored in rows:
        record = events_pb2.AuditRecord()
        try:
            record.ParseFromString(stored.data)
        except DecodeError:
            problems.append(
                ChainProblem("unreadable", subject, stored.seq, -1, "not an AuditRecord")
            )
            continue
        if not record.chain.hash:
            problems.append(
                ChainProblem(
                    "unchained", subject, stored.seq, -1, "the record carries no chain link"
                )
            )
            continue
        self_ok = record.chain.hash == record_hash(record)
        if not self_ok:
            problems.append(
                _problem(
                    "altered", subject, stored.seq, record, "its contents no longer match its hash"
                )
            )
        entries.append(_Entry(stored.seq, record, self_ok))
    if not entries:
        return SubjectChain(subject, len(rows), None, 0, tuple(problems))

    # Order: each record's index must be above every index stored before it.
    highest = -1
    for entry in entries:
        index = entry.record.chain.index
        if index <= highest:
            problems.append(
                _problem(
                    "reordered",
                    subject,
                    entry.seq,
                    entry.record,
                    f"stored after the record with index {highest}"
                    if index < highest
                    else "its index is repeated",
                )
            )
        highest = max(highest, index)

    by_index: dict[int, _Entry] = {}
    for entry in entries:
        by_index.setdefault(int(entry.record.chain.index), entry)
    first = 0 if not trimmed else min(by_index)

    # Removal: every index from the first to the highest must be present.
    missing = [i for i in range(first, highest + 1) if i not in by_index]
    for run in _runs(missing):
        before = by_index.get(run[0] - 1)
        after = by_index.get(run[-1] + 1)
        where = (
            f"between seq {before.seq if before else '(start)'} and "
            f"seq {after.seq if after else '(end)'}"
        )
        span = f"index {run[0]}" if len(run) == 1 else f"indexes {run[0]}-{run[-1]}"
        problems.append(
            ChainProblem(
                "removed", subject, after.seq if after else -1, run[0], f"{span} missing {where}"
            )
        )

    # Links: each record must name the hash its predecessor carries.
    for index, entry in sorted(by_index.items()):
        prev_hash = entry.record.chain.prev_hash
        if index == first and not trimmed:
            if prev_hash:
                problems.append(
                    _problem(
                        "altered",
                        subject,
                        entry.seq,
                        entry.record,
                        "the first record links to a predecessor",
                    )
                )
            continue
        previous = by_index.get(index - 1)
        if previous is None or prev_hash == previous.record.chain.hash:
            continue
        if previous.self_ok:
            # The predecessor matches its own hash, so it was changed and re-hashed.
            problems.append(
                _problem(
                    "altered",
                    subject,
                    previous.seq,
                    previous.record,
                    f"changed and re-hashed: the next record (seq {entry.seq}) links to "
                    "another hash",
                )
            )
    head_entry = by_index[highest]
    head = ChainHead(highest, head_entry.record.chain.hash)
    problems.sort(key=lambda p: (p.seq if p.seq >= 0 else 1 << 62, p.kind))
    return SubjectChain(subject, len(rows), head, first, tuple(problems))


def _problem(
    kind: str, subject: str, seq: int, record: events_pb2.AuditRecord, why: str
) -> ChainProblem:
    who = f"{record.action or '?'} by {record.actor or '?'} on call {record.call_id or '?'}"
    when = record.time.ToDatetime().isoformat() if record.HasField("time") else "?"
    return ChainProblem(kind, subject, seq, int(record.chain.index), f"{why} ({who} at {when} UTC)")


def _runs(indexes: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in indexes:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
