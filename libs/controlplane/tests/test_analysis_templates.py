"""The canary AnalysisTemplates generated from the SLO spec: committed = generated, thresholds =
the spec, and every query, run by promtool on fixture series, selects the canary's series only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from controlplane.analysis_templates import ANALYSIS_DIR, generate, stale, thresholds
from controlplane.prometheus import promtool
from controlplane.slo_rules import write
from controlplane.slo_spec import SPEC_PATH, load_spec
from controlplane.testing import require
from servicekit.settings import PROJECT_ROOT

CANARY = '{{args.version-label}}="{{args.canary-hash}}"'


def _committed() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((PROJECT_ROOT / ANALYSIS_DIR).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if doc["kind"] == "AnalysisTemplate":
            found[doc["metadata"]["name"]] = doc
    return found


def _metrics() -> list[tuple[str, dict[str, Any]]]:
    return [(name, m) for name, doc in _committed().items() for m in doc["spec"]["metrics"]]


def test_committed_templates_are_what_the_spec_generates() -> None:
    assert stale(generate(load_spec()), PROJECT_ROOT) == [], "run `frontdesk slo generate`"


def test_there_is_a_template_per_runbook_check_and_a_background_one() -> None:
    assert sorted(_committed()) == [
        "frontdesk-background",
        "frontdesk-containment",
        "frontdesk-cost-per-call",
        "frontdesk-error-ratio",
        "frontdesk-phi-leaks",
        "frontdesk-turn-latency-p95",
    ]


def test_thresholds_are_the_slo_spec_numbers() -> None:
    spec = load_spec()
    assert thresholds(spec) == {
        "frontdesk-turn-latency-p95": spec.slo("turn-latency-p95").objective,  # type: ignore[union-attr]
        "frontdesk-error-ratio": spec.slo("availability").objective,  # type: ignore[union-attr]
        "frontdesk-containment": spec.slo("containment").objective,  # type: ignore[union-attr]
        "frontdesk-phi-leaks": 0.0,
        "frontdesk-cost-per-call": spec.slo("model-cost").maximum,  # type: ignore[union-attr]
    }
    limits = thresholds(spec)
    by_metric = {m["name"]: float(limits[f"frontdesk-{m['name']}"]) for _, m in _metrics()}
    for name, metric in _metrics():
        numbers = {
            float(n)
            for cond in (metric["successCondition"], metric["failureCondition"])
            for n in re.findall(r"result\[0\] (?:>=|<=|<|>) ([0-9.]+)", cond)
        }
        assert numbers == {by_metric[metric["name"]]}, (name, metric["name"], numbers)


def test_a_changed_objective_changes_the_template(tmp_path: Path) -> None:
    write(generate(load_spec()), tmp_path)
    changed = SPEC_PATH.read_text().replace("objective: 0.85", "objective: 0.9")
    (tmp_path / "slos.yaml").write_text(changed)
    files = generate(load_spec(tmp_path / "slos.yaml"))
    assert stale(files, tmp_path) == [
        ANALYSIS_DIR / "background.yaml",
        ANALYSIS_DIR / "containment.yaml",
    ]
    text = files[ANALYSIS_DIR / "containment.yaml"]
    assert "result[0] >= 0.9\n" in text and "0.85" not in text


def test_every_series_selector_selects_the_canary() -> None:
    for name, metric in _metrics():
        query = metric["provider"]["prometheus"]["query"]
        selectors = re.findall(r"frontdesk_[a-z_]+(\{.*?\"\})", query)
        names = re.findall(r"frontdesk_[a-z_]+", query)
        assert len(selectors) == len(names) > 0, (name, query)
        assert all(CANARY in s for s in selectors), (name, query)
        # "{{{" would be read by Argo as the placeholder "{args..." and never substituted.
        assert "{{{" not in query


def test_step_metrics_count_and_limits_and_background_runs_until_the_rollout_ends() -> None:
    from controlplane.analysis_template import find_template

    for name, metric in _metrics():
        # interval and count are arguments (short in tests/canary); their defaults are the
        # production values, resolved here as Argo resolves them.
        [resolved] = [
            m.spec
            for m in find_template(PROJECT_ROOT / "gitops" / "analysis", name).resolve(
                {"canary-hash": "h"}
            )
            if m.spec.name == metric["name"]
        ]
        assert resolved.interval == 60.0
        if name == "frontdesk-background":
            assert "count" not in metric and resolved.effective_count is None
            continue
        assert resolved.count == 5
        assert resolved.count > metric["inconclusiveLimit"] + metric["failureLimit"]
    leaks = _committed()["frontdesk-phi-leaks"]["spec"]["metrics"][0]
    assert leaks["failureLimit"] == 0


# --- the queries on fixture series, evaluated by promtool -----------------------------------

# A canary (hash "c4n4ry") and a stable (hash "st4bl3") gateway, scraped every 15 s for 10
# minutes. The stable pods are bad on every count: if a query read them, the canary would fail.
_SERIES_MINUTES = 10


def _series(labels: str, per_minute: float) -> dict[str, str]:
    samples = _SERIES_MINUTES * 4
    return {"series": labels, "values": f"0+{per_minute / 4:g}x{samples}"}


def _fixture(canary: dict[str, float]) -> list[dict[str, str]]:
    """Per-minute rates for the canary; the stable version always breaks every objective."""
    series = []
    for version, rates in (
        ("c4n4ry", canary),
        (
            "st4bl3",
            {"turns": 100, "errors": 50, "fast": 10, "calls": 10, "contained": 1, "cost": 100},
        ),
    ):
        v = f'version="{version}", orchestrator_version="o-{version}"'
        ok_turns = rates["turns"] - rates["errors"]
        series += [
            _series(f'frontdesk_turns_total{{outcome="ok", {v}}}', ok_turns),
            _series(f'frontdesk_turns_total{{outcome="error", {v}}}', rates["errors"]),
            _series(f"frontdesk_turn_latency_seconds_count{{{v}}}", rates["turns"]),
            _series(f'frontdesk_turn_latency_seconds_bucket{{le="0.7", {v}}}', rates["fast"]),
            _series(f'frontdesk_calls_total{{outcome="contained", {v}}}', rates["contained"]),
            _series(
                f'frontdesk_calls_total{{outcome="handoff", {v}}}',
                rates["calls"] - rates["contained"],
            ),
            _series(f'frontdesk_llm_cost_usd_total{{provider="a", {v}}}', rates["cost"]),
        ]
    return series


def _query(template: str, *, label: str = "version", canary: str = "c4n4ry") -> str:
    metric = _committed()[template]["spec"]["metrics"][0]
    query: str = metric["provider"]["prometheus"]["query"]
    return query.replace("{{args.version-label}}", label).replace("{{args.canary-hash}}", canary)


def _check(tmp_path: Path, series: list[dict[str, str]], cases: list[tuple[str, float | None]]):  # type: ignore[no-untyped-def]
    tests = {
        "rule_files": [],
        "evaluation_interval": "15s",
        "tests": [
            {
                "interval": "15s",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": expr,
                        "eval_time": f"{_SERIES_MINUTES}m",
                        "exp_samples": [] if value is None else [{"labels": "{}", "value": value}],
                    }
                    for expr, value in cases
                ],
            }
        ],
    }
    path = tmp_path / "analysis.test.yaml"
    path.write_text(yaml.safe_dump(tests, sort_keys=False))
    return promtool("test", "rules", str(path))


HEALTHY = {"turns": 100, "errors": 0, "fast": 99, "calls": 10, "contained": 9, "cost": 1.0}


def test_queries_read_the_canary_only(tmp_path: Path) -> None:
    require("promtool")
    result = _check(
        tmp_path,
        _fixture(HEALTHY),
        [
            (_query("frontdesk-turn-latency-p95"), 0.99),
            (_query("frontdesk-error-ratio"), 1.0),
            (_query("frontdesk-containment"), 0.9),
            (_query("frontdesk-cost-per-call"), 0.1),
            (_query("frontdesk-phi-leaks"), 0.0),
            # The orchestrator's canary is found through the label the gateway gives its turns.
            (
                _query("frontdesk-error-ratio", label="orchestrator_version", canary="o-c4n4ry"),
                1.0,
            ),
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_faulty_canary_reads_below_its_objectives(tmp_path: Path) -> None:
    require("promtool")
    faulty = {"turns": 100, "errors": 2, "fast": 80, "calls": 10, "contained": 5, "cost": 30.0}
    result = _check(
        tmp_path,
        _fixture(faulty),
        [
            (_query("frontdesk-turn-latency-p95"), 0.8),
            (_query("frontdesk-error-ratio"), 0.98),
            (_query("frontdesk-containment"), 0.5),
            (_query("frontdesk-cost-per-call"), 3.0),
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "template",
    [
        "frontdesk-turn-latency-p95",
        "frontdesk-error-ratio",
        "frontdesk-containment",
        "frontdesk-cost-per-call",
    ],
)
def test_a_canary_without_series_reads_no_data(tmp_path: Path, template: str) -> None:
    require("promtool")
    result = _check(tmp_path, _fixture(HEALTHY), [(_query(template, canary="n0d4t4"), None)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_phi_leaks_read_zero_without_series_and_count_a_new_one(tmp_path: Path) -> None:
    require("promtool")
    series = [
        *_fixture(HEALTHY),
        # A leak series born one minute before evaluation: increase() alone would miss it.
        {
            "series": 'frontdesk_phi_leaks_total{origin="x", entity="PHONE", version="c4n4ry"}',
            "values": "_x36 1x4",
        },
        # The stable pods leak all the time: not the canary's business in this query.
        _series('frontdesk_phi_leaks_total{origin="o", entity="NAME", version="st4bl3"}', 5),
    ]
    result = _check(
        tmp_path,
        series,
        [
            (_query("frontdesk-phi-leaks", canary="n0d4t4"), 0.0),
            (_query("frontdesk-phi-leaks"), 1.0),
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr
