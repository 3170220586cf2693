"""``frontdesk slo generate`` and ``frontdesk slo report``: thin shells over
:mod:`controlplane.slo_rules`, :mod:`controlplane.analysis_templates` (the canary analysis
thresholds, generated with the rules so they cannot drift) and :mod:`controlplane.slo_report`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from controlplane import analysis_templates
from controlplane.prometheus import PrometheusClient, PrometheusError
from controlplane.slo_rules import generate as generate_files
from controlplane.slo_rules import stale, write
from controlplane.slo_spec import SPEC_PATH, SpecError, load_spec
from servicekit.settings import PROJECT_ROOT


def generate(
    *,
    spec_path: Path = SPEC_PATH,
    root: Path = PROJECT_ROOT,
    check: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Writes the rules, promtool tests and AnalysisTemplates; with ``check``, only reports stale
    files (exit 1)."""
    try:
        spec = load_spec(spec_path)
        files = generate_files(spec) | analysis_templates.generate(spec)
    except SpecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if check:
        outdated = stale(files, root)
        for path in outdated:
            print(f"stale: {path} (run `frontdesk slo generate`)", file=out)
        return 1 if outdated else 0
    changed = write(files, root)
    for path in changed:
        print(f"wrote {path}", file=out)
    if not changed:
        print("generated files are up to date", file=out)
    return 0


def report(
    prometheus: str,
    *,
    html_file: Path | None = None,
    minutes: float = 60,
    spec_path: Path = SPEC_PATH,
    out: TextIO = sys.stdout,
) -> int:
    from controlplane import slo_report

    try:
        spec = load_spec(spec_path)
    except SpecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    client = PrometheusClient(prometheus)
    try:
        rows = slo_report.measure(spec, client)
        print(slo_report.table(spec, rows), file=out)
        if html_file is not None:
            found = slo_report.charts(spec, client, minutes=minutes)
            html_file.write_text(slo_report.html_page(spec, rows, found, source=prometheus))
            print(f"wrote {html_file}", file=out)
    except PrometheusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        client.close()
    return 0
