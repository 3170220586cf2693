"""``frontdesk slo report``: each SLO's indicator, error budget left and burn rates, read from a
Prometheus that scrapes the services, as a text table or one self-contained HTML page.

    client = PrometheusClient("http://127.0.0.1:9090")
    rows = measure(spec, client)
    print(table(spec, rows))
    Path("slo.html").write_text(html_page(spec, rows, charts(spec, client, hours=1)))

The queries are the spec's own (:mod:`controlplane.slo_spec`), so the report needs no recording
rules loaded and agrees with them by construction. An SLO without data (no traffic yet, or a
metric not emitted) shows ``-``, never a made-up figure.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from controlplane.prometheus import PrometheusClient
from controlplane.slo_spec import SLO, LatencySLO, RatioSLO, Spec, ZeroSLO


@dataclass(frozen=True)
class Row:
    """One SLO measured: the indicator over the budget window, budget left, burn rates."""

    slo: str
    kind: str
    target: str
    sli: float | None
    met: bool | None
    budget_left: float | None = None
    burn_rates: dict[str, float | None] = field(default_factory=dict)


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else value


def _one(client: PrometheusClient, expr: str) -> float | None:
    result = client.query(expr)
    return _finite(sum(item["value"] for item in result)) if result else None


def target_text(slo: SLO) -> str:
    if isinstance(slo, LatencySLO):
        return f"p{slo.objective * 100:g} < {slo.threshold_seconds * 1000:g} ms"
    if isinstance(slo, RatioSLO):
        return f">= {slo.objective:.1%}"
    if isinstance(slo, ZeroSLO):
        return "0 events"
    return f"<= {slo.maximum:.2f} per {slo.unit}"


def measure_one(spec: Spec, slo: SLO, client: PrometheusClient) -> Row:
    window = spec.budget_window
    if isinstance(slo, LatencySLO | RatioSLO):
        errors = _one(client, slo.error_ratio_query(window))
        sli = None if errors is None else 1 - errors
        left = None if errors is None else 1 - errors / slo.budget
        burns: dict[str, float | None] = {}
        for w in spec.windows():
            if w == window:
                continue
            ratio = _one(client, slo.error_ratio_query(w))
            burns[w] = None if ratio is None else ratio / slo.budget
        met = None if sli is None else sli >= slo.objective
        return Row(slo.name, slo.kind, target_text(slo), sli, met, left, burns)
    if isinstance(slo, ZeroSLO):
        events = _one(client, slo.increase_query(window))
        return Row(
            slo.name, slo.kind, target_text(slo), events, None if events is None else events == 0
        )
    value = _one(client, slo.value_query(window))
    return Row(
        slo.name, slo.kind, target_text(slo), value, None if value is None else value <= slo.maximum
    )


def measure(spec: Spec, client: PrometheusClient) -> list[Row]:
    return [measure_one(spec, slo, client) for slo in spec.slos]


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _sli_text(row: Row) -> str:
    if row.sli is None:
        return "-"
    if row.kind in ("latency", "ratio"):
        return f"{row.sli:.2%}"
    if row.kind == "zero":
        return f"{row.sli:g} events"
    return f"{row.sli:.2f}"


def table(spec: Spec, rows: Sequence[Row]) -> str:
    burn_windows = [w for w in spec.windows() if w != spec.budget_window]
    header = ["SLO", "TARGET", f"SLI ({spec.budget_window})", "MET", "BUDGET LEFT"]
    header += [f"BURN {w}" for w in burn_windows]
    lines = []
    for row in rows:
        lines.append(
            [
                row.slo,
                row.target,
                _sli_text(row),
                "-" if row.met is None else ("yes" if row.met else "NO"),
                _cell(row.budget_left, ".1%"),
                *[
                    _cell(row.burn_rates.get(w), ".2f") if row.burn_rates else ""
                    for w in burn_windows
                ],
            ]
        )
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
        for r in [header, *lines]
    )


# --- charts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    slo: str
    title: str
    unit: str
    target: float
    points: list[tuple[float, float]]


def chart_query(slo: SLO) -> tuple[str, str, float]:
    """What a chart of ``slo`` plots over time: expression, unit, target line."""
    if isinstance(slo, LatencySLO):
        return slo.quantile_query("5m"), "s", slo.threshold_seconds
    if isinstance(slo, RatioSLO):
        return f"1 - ({slo.error_ratio_query('5m')})", "ratio", slo.objective
    if isinstance(slo, ZeroSLO):
        return slo.increase_query("5m"), "events", 0.0
    return slo.value_query("5m"), f"per {slo.unit}", slo.maximum


def charts(
    spec: Spec, client: PrometheusClient, *, minutes: float = 60, end: float | None = None
) -> list[Chart]:
    end = time.time() if end is None else end
    start = end - minutes * 60
    step = max(1.0, minutes * 60 / 240)
    found = []
    for slo in spec.slos:
        expr, unit, target = chart_query(slo)
        series = client.query_range(expr, start, end, step)
        points = [
            (t, v) for item in series[:1] for t, v in item["values"] if _finite(v) is not None
        ]
        found.append(Chart(slo.name, slo.description, unit, target, points))
    return found


_W, _H, _PAD = 560, 200, 36


def svg_chart(chart: Chart) -> str:
    """A line chart of the SLI with its target as a dashed line; "no data" when empty."""
    values = [v for _, v in chart.points] + [chart.target]
    low, high = min(values), max(values)
    if chart.unit == "ratio":
        low, high = min(low, 0.8), 1.0
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    span_low, span_high = low - (high - low) * 0.05, high + (high - low) * 0.05

    def y(value: float) -> float:
        return _H - _PAD - (value - span_low) / (span_high - span_low) * (_H - 2 * _PAD)

    parts = [
        f'<svg class="chart" data-slo="{html.escape(chart.slo)}" xmlns="http://www.w3.org/2000/svg"'
        f' width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" role="img"'
        f' aria-label="{html.escape(chart.slo)}">',
        f'<rect x="{_PAD}" y="{_PAD / 2}" width="{_W - 1.5 * _PAD}" height="{_H - 1.5 * _PAD}"'
        ' fill="#fafafa" stroke="#ccc"/>',
        f'<line class="target" x1="{_PAD}" x2="{_W - _PAD / 2}" y1="{y(chart.target):.1f}"'
        f' y2="{y(chart.target):.1f}" stroke="#c0392b" stroke-dasharray="6 4"/>',
        f'<text x="{_W - _PAD / 2}" y="{y(chart.target) - 4:.1f}" text-anchor="end"'
        f' font-size="11" fill="#c0392b">target {chart.target:g} {html.escape(chart.unit)}</text>',
        f'<text x="4" y="{_PAD / 2 + 10}" font-size="10" fill="#555">{span_high:.3g}</text>',
        f'<text x="4" y="{_H - _PAD}" font-size="10" fill="#555">{span_low:.3g}</text>',
    ]
    if len(chart.points) >= 2:
        t0, t1 = chart.points[0][0], chart.points[-1][0]
        width = max(t1 - t0, 1e-9)
        coords = " ".join(
            f"{_PAD + (t - t0) / width * (_W - 1.5 * _PAD):.1f},{y(v):.1f}" for t, v in chart.points
        )
        parts.append(
            f'<polyline class="sli" points="{coords}" fill="none" stroke="#2471a3"'
            ' stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{_PAD}" y="{_H - 6}" font-size="10" fill="#555">'
            f"{time.strftime('%H:%M', time.gmtime(t0))} - {time.strftime('%H:%M', time.gmtime(t1))}"
            " UTC</text>"
        )
    else:
        parts.append(
            f'<text class="nodata" x="{_W / 2}" y="{_H / 2}" text-anchor="middle" font-size="14"'
            ' fill="#888">no data in this period</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# Runs in the browser after layout: records each chart's rendered size, so a headless browser's
# DOM dump shows whether every chart drew (the HTML test reads these attributes).
_RENDER_CHECK = """
window.addEventListener('load', function () {
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBBox();
    var line = svg.querySelector('polyline.sli');
    svg.setAttribute('data-rendered', box.width > 0 && box.height > 0 ? 'yes' : 'no');
    svg.setAttribute('data-points', line ? String(line.points.numberOfItems) : '0');
  });
  document.body.setAttribute('data-checked', 'yes');
});
"""


def html_page(spec: Spec, rows: Sequence[Row], found: Sequence[Chart], *, source: str) -> str:
    by_name = {row.slo: row for row in rows}
    sections = []
    for chart in found:
        row = by_name.get(chart.slo)
        summary = ""
        if row is not None:
            summary = (
                f"<p>target {html.escape(row.target)} &middot; SLI ({spec.budget_window}) "
                f"{html.escape(_sli_text(row))} &middot; budget left "
                f"{_cell(row.budget_left, '.1%')}</p>"
            )
        sections.append(
            f"<section><h2>{html.escape(chart.slo)}</h2><p>{html.escape(chart.title)}</p>"
            f"{summary}{svg_chart(chart)}</section>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Frontdesk SLO report</title>"
        "<style>body{font-family:sans-serif;margin:24px;color:#222}"
        "section{display:inline-block;vertical-align:top;margin:0 24px 24px 0;width:580px}"
        "h2{font-size:16px;margin:0 0 4px}p{font-size:12px;margin:2px 0}"
        "pre{font-size:12px;background:#f4f4f4;padding:8px}</style>"
        f"<script>{_RENDER_CHECK}</script></head><body>"
        f"<h1>Frontdesk SLO report</h1><p>from {html.escape(source)} at "
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}</p>"
        f"<pre>{html.escape(table(spec, rows))}</pre>{''.join(sections)}</body></html>"
    )
