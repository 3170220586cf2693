"""`frontdesk compliance report` against a real JetStream: the month's PHI accesses, redactions,
leaks, chain status and handoff completeness on one self-contained HTML page."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from google.protobuf.message import Message

from controlplane.compliance import Month
from frontdesk.cli.__main__ import main
from frontdesk.v1 import common_pb2, events_pb2
from servicekit.events import EventPublisher
from servicekit.jetstream import AUDIT_STREAM, ensure_streams
from servicekit.testing import NatsServer

pytestmark = pytest.mark.nats

NOV = datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
OCT = datetime(2026, 10, 31, 23, 59, tzinfo=UTC)


def at(message: Message, moment: datetime) -> Message:
    message.time.FromDatetime(moment)  # type: ignore[attr-defined]
    return message


async def publish_month(url: str) -> None:
    connection = await nats.connect(url)
    js = connection.jetstream()
    await ensure_streams(js)
    publisher = EventPublisher(js)
    audit = [
        ("scheduler_adapter", "verify_identity", "ok", NOV),
        ("scheduler_adapter", "list_appointments", "ok", NOV),
        ("scheduler_adapter", "list_appointments", "denied", NOV.replace(day=11)),
        ("scheduler_adapter", "book", "ok", NOV.replace(day=30)),
        ("scheduler_adapter", "book", "ok", OCT),  # another month: not counted
    ]
    for actor, action, result, moment in audit:
        await publisher.audit(
            at(events_pb2.AuditRecord(actor=actor, action=action, result=result), moment)
        )
    await publisher.event(
        "turn_completed",
        at(
            events_pb2.TurnCompleted(
                caller_text="I'm [NAME], born [DATE], call me on [PHONE]",
                reply_text="Thanks [NAME_1].",
            ),
            NOV,
        ),
    )
    await publisher.event(
        "phi_leak_detected",
        at(events_pb2.PhiLeakDetected(origin="log:gateway", entity="PHONE"), NOV),
    )
    for complete, reason in ((True, 1), (False, 5), (False, 5)):
        await publisher.event(
            "handoff_created",
            at(
                events_pb2.HandoffCreated(
                    complete=complete,
                    completeness=1.0 if complete else 0.5,
                    reason=common_pb2.HandoffReason.ValueType(reason),
                    summary="caller [NAME] wants a callback",
                ),
                NOV,
            ),
        )
    await connection.close()


def text_of(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


async def test_the_report_counts_the_month_and_draws_charts(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    await publish_month(nats_server.url)
    out = tmp_path / "report.html"
    code = await asyncio.to_thread(
        main,
        [
            "compliance",
            "report",
            "--month",
            "2026-11",
            "--out",
            str(out),
            "--nats",
            nats_server.url,
        ],
    )
    assert code == 0
    page = out.read_text()
    words = " ".join(text_of(page).split())
    assert "PHI accesses 4" in words  # October's record is not counted
    assert "of which refused (denied, locked out, not found, failed) 1" in words
    assert "list_appointments: 2" in page and "book: 1" in page
    # Redactions by entity: NAME twice in the turn (NAME and NAME_1) and three in summaries.
    assert "NAME: 5" in page and "DATE: 1" in page and "PHONE: 1" in page
    assert "1 leak(s) found" in words and "log: 1" in page
    assert "Audit hash chain (whole stream, 5 records): intact" in words
    assert "Handoffs complete 33%" in words and "identity_failed: 2" in page
    assert page.count("<svg") >= 6
    # Self-contained: nothing fetched, no script.
    assert "<script" not in page and not re.search(r"(src|href)=", page)


async def test_the_report_shows_a_broken_chain(nats_server: NatsServer, tmp_path: Path) -> None:
    await publish_month(nats_server.url)
    connection = await nats.connect(nats_server.url)
    await connection.jetstream().delete_msg(AUDIT_STREAM, 2)
    await connection.close()
    out = tmp_path / "report.html"
    code = await asyncio.to_thread(
        main,
        [
            "compliance",
            "report",
            "--month",
            "2026-11",
            "--out",
            str(out),
            "--nats",
            nats_server.url,
        ],
    )
    assert code == 0
    words = " ".join(text_of(out.read_text()).split())
    assert "BROKEN: 1 problem(s)" in words
    assert "REMOVED frontdesk.audit.list_appointments" in words


def test_a_bad_month_is_refused_with_the_form_to_use(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("11/2026")
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("2026-13")
    assert Month.parse("2026-02").days()[-1].day == 28
    code = main(["compliance", "report", "--month", "Nov", "--out", str(tmp_path / "x.html")])
    assert code == 2 and not (tmp_path / "x.html").exists()
