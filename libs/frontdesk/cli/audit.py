"""``frontdesk audit verify``: checks the hash chain of every subject of the ``audit`` stream.

Prints one line per subject (records, head index and hash: keep the heads somewhere else to
catch a removal of the newest records later) and one line per problem, naming the record by
subject, stream sequence and chain index. Exit status 0 when every chain is intact, 1 when
something was altered, removed or reordered, 2 when the stream cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping

import nats
from nats.js.errors import NotFoundError

from servicekit.audit import verify_stream
from servicekit.audit_chain import ChainReport
from servicekit.jetstream import AUDIT_STREAM


def format_report(report: ChainReport, stream: str) -> str:
    lines = [f"audit stream {stream!r}: {report.records} records, {len(report.subjects)} subjects"]
    if report.trimmed:
        lines.append(
            "  note: the stream's first records were removed by its limits; chains are checked "
            "from the oldest record kept"
        )
    for subject in report.subjects:
        head = (
            f"head index {subject.head.index} hash {subject.head.hash[:16]}…"
            if subject.head
            else "no chained record"
        )
        state = "intact" if subject.intact else f"{len(subject.problems)} problem(s)"
        lines.append(f"  {subject.subject}: {subject.records} records, {head}: {state}")
    for problem in report.problems:
        lines.append(f"  {problem.describe()}")
    lines.append("chain intact" if report.intact else "CHAIN BROKEN")
    return "\n".join(lines)


async def verify_command(
    nats_url: str, stream: str = AUDIT_STREAM, *, options: Mapping[str, str] | None = None
) -> int:
    try:
        connection = await nats.connect(
            nats_url, connect_timeout=5, max_reconnect_attempts=0, **dict(options or {})
        )
    except Exception as error:  # nats-py raises several unrelated types for "cannot connect"
        print(f"error: cannot connect to NATS at {nats_url}: {error}")
        return 2
    try:
        try:
            report = await verify_stream(connection.jetstream(), stream)
        except NotFoundError:
            print(f"error: NATS at {nats_url} has no stream {stream!r}")
            return 2
        print(format_report(report, stream))
        return 0 if report.intact else 1
    finally:
        await connection.close()
