"""The monthly compliance report: what the audit and events streams say about one month, as
one self-contained HTML page (inline SVG charts, no script, nothing fetched). Pure: the caller
reads the streams (``frontdesk compliance report``) and hands the messages in::

    summary = summarise(month, audit_records, events, chain_report)
    Path("report.html").write_text(render(summary))

Sections: PHI accesses by service and by purpose (and refusals), per day; redactions by entity
(the placeholders in published turn texts and handoff summaries); PHI leaks the leak detector
found; the audit chain's status; handoff completeness.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from google.protobuf.message import Message

from frontdesk.v1 import common_pb2, events_pb2
from phi import Entity
from servicekit.audit_chain import ChainReport

_PLACEHOLDER = re.compile(r"\[(" + "|".join(e.value for e in Entity) + r")(?:_\d+)?\]")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Month:
    """A calendar month in UTC."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``; ValueError with a message a person can act on otherwise."""
        found = _MONTH.fullmatch(text.strip())
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise ValueError(f"month must be written YYYY-MM, e.g. 2026-11 (got {text!r})")
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        after = (self.start + timedelta(days=32)).replace(day=1)
        return after

    def days(self) -> list[date]:
        count = (self.end - self.start).days
        return [(self.start + timedelta(days=i)).date() for i in range(count)]

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Summary:
    month: Month
    accesses_by_service: Mapping[str, int]
    accesses_by_purpose: Mapping[str, int]
    results: Mapping[str, int]
    accesses_by_day: Mapping[date, int]
    redactions_by_entity: Mapping[str, int]
    leaks_by_entity: Mapping[str, int]
    leaks_by_origin: Mapping[str, int]
    handoffs: int
    handoffs_complete: int
    mean_completeness: float | None
    incomplete_by_reason: Mapping[str, int]
    chain: ChainReport
    # The oldest event the events stream still held (its retention is shorter than a month).
    events_since: datetime | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def accesses(self) -> int:
        return sum(self.accesses_by_service.values())


def _time(message: Message) -> datetime | None:
    stamp = getattr(message, "time", None)
    if stamp is None or not message.HasField("time"):
        return None
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment


def summarise(
    month: Month,
    audit: Iterable[events_pb2.AuditRecord],
    events: Iterable[Message],
    chain: ChainReport,
) -> Summary:
    """Counts for ``month`` from audit records and events (records outside it are skipped)."""
    by_service: Counter[str] = Counter()
    by_purpose: Counter[str] = Counter()
    results: Counter[str] = Counter()
    by_day: Counter[date] = Counter()
    for record in audit:
        moment = _time(record)
        if moment is None or not month.holds(moment):
            continue
        by_service[record.actor or "(unnamed)"] += 1
        by_purpose[record.action or "(unnamed)"] += 1
        results[record.result or "(none)"] += 1
        by_day[moment.date()] += 1

    redactions: Counter[str] = Counter()
    oldest: datetime | None = None
    leaks: Counter[str] = Counter()
    origins: Counter[str] = Counter()
    handoffs = complete = 0
    completeness: list[float] = []
    incomplete: Counter[str] = Counter()
    for event in events:
        moment = _time(event)
        if moment is not None and (oldest is None or moment < oldest):
            oldest = moment
        if moment is None or not month.holds(moment):
            continue
        if isinstance(event, events_pb2.TurnCompleted):
            for text in (event.caller_text, event.reply_text):
                redactions.update(m.group(1) for m in _PLACEHOLDER.finditer(text))
        elif isinstance(event, events_pb2.HandoffCreated):
            redactions.update(m.group(1) for m in _PLACEHOLDER.finditer(event.summary))
            handoffs += 1
            completeness.append(event.completeness)
            if event.complete:
                complete += 1
            else:
                incomplete[_reason(event.reason)] += 1
        elif isinstance(event, events_pb2.PhiLeakDetected):
            leaks[event.entity or "(unknown)"] += 1
            origins[event.origin.split(":", 1)[0] or "(unknown)"] += 1
    return Summary(
        month=month,
        accesses_by_service=dict(by_service.most_common()),
        accesses_by_purpose=dict(by_purpose.most_common()),
        results=dict(results.most_common()),
        accesses_by_day=dict(sorted(by_day.items())),
        redactions_by_entity=dict(redactions.most_common()),
        leaks_by_entity=dict(leaks.most_common()),
        leaks_by_origin=dict(origins.most_common()),
        handoffs=handoffs,
        handoffs_complete=complete,
        mean_completeness=sum(completeness) / len(completeness) if completeness else None,
        incomplete_by_reason=dict(incomplete.most_common()),
        chain=chain,
        events_since=oldest,
    )


def _reason(reason: int) -> str:
    name = common_pb2.HandoffReason.Name(reason)  # type: ignore[arg-type]
    return name.removeprefix("HANDOFF_REASON_").lower()


# --- rendering ----------------------------------------------------------------------------------

_BAR_HEIGHT = 22
_LABEL_WIDTH = 170
_CHART_WIDTH = 620


def bar_chart(title: str, counts: Mapping[str, int], *, colour: str = "#2b6cb0") -> str:
    """A horizontal bar chart as inline SVG (one bar per key, value written beside it)."""
    if not counts:
        return f'<p class="empty">{html.escape(title)}: none this month.</p>'
    top = max(counts.values()) or 1
    span = _CHART_WIDTH - _LABEL_WIDTH - 60
    height = _BAR_HEIGHT * len(counts) + 8
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{_CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_CHART_WIDTH} {height}">'
    ]
    for row, (label, value) in enumerate(counts.items()):
        y = 4 + row * _BAR_HEIGHT
        width = max(1.0, span * value / top) if value else 0.0
        parts.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">'
            f"{html.escape(label)}</text>"
            f'<rect x="{_LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" height="{_BAR_HEIGHT - 6}" '
            f'fill="{colour}"><title>{html.escape(label)}: {value}</title></rect>'
            f'<text x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def day_chart(title: str, month: Month, counts: Mapping[date, int]) -> str:
    """Columns, one per day of the month, as inline SVG."""
    days = month.days()
    top = max(counts.values(), default=0) or 1
    width, height, base = 620, 150, 130
    step = (width - 40) / len(days)
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<line x1="30" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999"/>',
        f'<text x="2" y="14">{top}</text>',
    ]
    for i, day in enumerate(days):
        value = counts.get(day, 0)
        bar = (base - 20) * value / top
        x = 30 + i * step
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{base - bar:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{bar:.1f}" fill="#2f855a"><title>{day.isoformat()}: {value}</title></rect>'
        )
        if day.day in (1, 8, 15, 22, 29):
            parts.append(f'<text x="{x:.1f}" y="{base + 15}">{day.day}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _coverage(summary: Summary) -> str:
    since = summary.events_since
    if since is None:
        return '<p class="empty">The events stream held no events.</p>'
    if since <= summary.month.start:
        return ""
    return (
        f'<p class="bad">The events stream keeps events for a shorter time than a month: '
        f"redactions, leaks and handoffs below cover {since.strftime('%Y-%m-%d %H:%M')} UTC "
        "onward only. PHI access and the audit chain cover the whole month.</p>"
    )


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _chain_section(chain: ChainReport) -> str:
    status = "intact" if chain.intact else f"BROKEN: {len(chain.problems)} problem(s)"
    css = "ok" if chain.intact else "bad"
    rows = "".join(
        f"<tr><td>{html.escape(s.subject)}</td><td>{s.records}</td>"
        f"<td>{s.head.index if s.head else '-'}</td>"
        f"<td><code>{html.escape(s.head.hash[:16]) if s.head else '-'}</code></td>"
        f"<td>{'intact' if s.intact else 'broken'}</td></tr>"
        for s in chain.subjects
    )
    problems = "".join(f"<li>{html.escape(p.describe())}</li>" for p in chain.problems)
    trimmed = (
        "<p>The stream's oldest records were removed by its retention limits; chains are "
        "checked from the oldest record kept.</p>"
        if chain.trimmed
        else ""
    )
    return (
        f'<p class="{css}">Audit hash chain (whole stream, {chain.records} records): '
        f"<strong>{status}</strong></p>{trimmed}"
        "<table><tr><th>subject</th><th>records</th><th>head index</th><th>head hash</th>"
        f"<th>state</th></tr>{rows}</table>"
        + (f"<ul class='bad'>{problems}</ul>" if problems else "")
    )


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #1a202c; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #cbd5e0; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0; } th, td { padding: .2em .8em; text-align: left;
border-bottom: 1px solid #edf2f7; } svg.chart text { font-size: 12px; fill: #2d3748; }
.ok { color: #276749; } .bad { color: #c53030; } .empty { color: #718096; }
"""


def render(summary: Summary) -> str:
    """The report as one HTML page."""
    month = str(summary.month)
    denied = sum(v for k, v in summary.results.items() if k != "ok")
    completeness = (
        f"{summary.mean_completeness:.0%}" if summary.mean_completeness is not None else "-"
    )
    complete_share = (
        f"{summary.handoffs_complete / summary.handoffs:.0%}" if summary.handoffs else "-"
    )
    leaks = sum(summary.leaks_by_entity.values())
    sections = [
        f"<h1>Frontdesk compliance report: {month}</h1>",
        f"<p>Generated {summary.generated_at.strftime('%Y-%m-%d %H:%M')} UTC from the "
        "<code>audit</code> and <code>events</code> streams. Times are UTC.</p>",
        _coverage(summary),
        _table(
            [
                ("PHI accesses", str(summary.accesses)),
                ("of which refused (denied, locked out, not found, failed)", str(denied)),
                ("Redactions in published events", str(sum(summary.redactions_by_entity.values()))),
                ("PHI leaks found", str(leaks)),
                ("Audit chain", "intact" if summary.chain.intact else "BROKEN"),
                ("Handoffs", str(summary.handoffs)),
                ("Handoffs complete", complete_share),
            ]
        ),
        "<h2>PHI access</h2>",
        "<h3>By service</h3>",
        bar_chart("PHI accesses by service", summary.accesses_by_service),
        "<h3>By purpose</h3>",
        bar_chart("PHI accesses by purpose", summary.accesses_by_purpose),
        "<h3>By result</h3>",
        bar_chart("PHI accesses by result", summary.results, colour="#6b46c1"),
        "<h3>Per day</h3>",
        day_chart("PHI accesses per day", summary.month, summary.accesses_by_day),
        "<h2>Redactions by entity</h2>",
        bar_chart("Redactions by entity", summary.redactions_by_entity, colour="#2f855a"),
        "<h2>PHI leaks</h2>",
        f'<p class="{"bad" if leaks else "ok"}">{leaks} leak(s) found by the leak detector.</p>',
        bar_chart("PHI leaks by entity", summary.leaks_by_entity, colour="#c53030"),
        bar_chart("PHI leaks by origin", summary.leaks_by_origin, colour="#c53030"),
        "<h2>Audit chain</h2>",
        _chain_section(summary.chain),
        "<h2>Handoff completeness</h2>",
        _table(
            [
                ("Handoffs", str(summary.handoffs)),
                ("Complete (every required field)", str(summary.handoffs_complete)),
                ("Mean completeness score", completeness),
            ]
        ),
        bar_chart("Incomplete handoffs by reason", summary.incomplete_by_reason, colour="#b7791f"),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Frontdesk compliance report {month}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
