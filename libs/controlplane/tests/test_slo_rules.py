"""The SLO spec, the generated rules and their promtool tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from controlplane.prometheus import promtool
from controlplane.slo_rules import (
    GENERATED_TESTS,
    PROMETHEUS_RULE_PATH,
    RULES_PATH,
    generate,
    rule_groups,
    stale,
    write,
)
from controlplane.slo_spec import SPEC_PATH, LatencySLO, RatioSLO, SpecError, load_spec
from controlplane.testing import require
from servicekit.settings import PROJECT_ROOT


def test_committed_files_are_what_the_spec_generates() -> None:
    assert stale(generate(load_spec()), PROJECT_ROOT) == [], "run `frontdesk slo generate`"


def test_a_changed_spec_makes_the_committed_files_stale(tmp_path: Path) -> None:
    spec_text = SPEC_PATH.read_text().replace("objective: 0.999", "objective: 0.995")
    (tmp_path / "slos.yaml").write_text(spec_text)
    write(generate(load_spec()), tmp_path)
    assert stale(generate(load_spec(tmp_path / "slos.yaml")), tmp_path) == sorted(
        [
            RULES_PATH,
            PROMETHEUS_RULE_PATH,
            *(GENERATED_TESTS / p.name for p in (tmp_path / GENERATED_TESTS).glob("*")),
        ]
    )


def test_the_spec_holds_the_runbook_objectives() -> None:
    spec = load_spec()
    latency = {
        slo.threshold_seconds: slo.objective for slo in spec.slos if isinstance(slo, LatencySLO)
    }
    assert latency == {0.3: 0.5, 0.7: 0.95, 1.2: 0.99}
    ratios = {slo.name: slo.objective for slo in spec.slos if isinstance(slo, RatioSLO)}
    assert ratios == {"availability": 0.999, "containment": 0.85, "handoff-completeness": 0.95}
    assert spec.budget_window == "30d"
    assert [(t.long, t.short, t.factor, t.severity) for t in spec.burn_rate_alerts] == [
        ("1h", "5m", 14.4, "page"),
        ("6h", "30m", 6, "page"),
        ("1d", "2h", 3, "ticket"),
        ("3d", "6h", 1, "ticket"),
    ]


def test_unreachable_burn_rate_tiers_are_left_out() -> None:
    spec = load_spec()
    tiers = {slo.name: [t.factor for t in spec.burn_rate_tiers(slo)] for slo in spec.budgeted()}
    assert tiers["availability"] == [14.4, 6, 3, 1]
    assert tiers["containment"] == [6, 3, 1]  # 14.4 x 15% is more than every call failing
    assert tiers["turn-latency-p50"] == [1]
    alerts = [
        r
        for r in rule_groups(spec)["groups"][0]["rules"]
        if r.get("alert") == "FrontdeskSLOBurnRate"
    ]
    assert len(alerts) == sum(len(t) for t in tiers.values())


def test_every_runbook_alert_is_generated() -> None:
    names = {r["alert"] for r in rule_groups(load_spec())["groups"][0]["rules"] if "alert" in r}
    assert names == {
        "FrontdeskSLOBurnRate",
        "FrontdeskErrorBudgetLow",
        "FrontdeskPHILeak",
        "FrontdeskNoHealthyModelProvider",
        "FrontdeskLatencyAboveTarget",
        "FrontdeskObjectiveBelowTarget",
        "FrontdeskModelCostHigh",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["slos"].append(dict(d["slos"][0])), "unique"),
        (lambda d: d["slos"][3].update(objective=1.5), "objective"),
        (lambda d: d["slos"][0].update(kind="vibes"), "kind"),
        (lambda d: d.update(budget_window="a month"), "duration"),
        (lambda d: d["slos"][3].update(errors="rate(x[5m])"), "selector"),
    ],
)
def test_a_malformed_spec_is_refused_with_the_reason(tmp_path: Path, change, message) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(SPEC_PATH.read_text())
    change(data)
    path = tmp_path / "slos.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError, match=message):
        load_spec(path)


def test_promtool_accepts_the_rules() -> None:
    require("promtool")
    result = promtool("check", "rules", str(PROJECT_ROOT / RULES_PATH))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_fires_when_it_should_and_stays_silent_otherwise() -> None:
    """promtool runs the hand-written runbook tests and the generated burn-rate tests."""
    require("promtool")
    tests = sorted((PROJECT_ROOT / "gitops" / "slo" / "tests").rglob("*.test.yaml"))
    assert len(tests) == 5
    result = promtool("test", "rules", *map(str, tests))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(tests)


def test_promtool_tests_catch_a_wrong_threshold(tmp_path: Path) -> None:
    """The tests have teeth: a page threshold off by a little makes them fail."""
    require("promtool")
    rules = (PROJECT_ROOT / RULES_PATH).read_text()
    assert "> 0.72\n" in rules  # turn-latency-p95 page: 14.4 x 5%
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "slos.rules.yaml").write_text(rules.replace("> 0.72\n", "> 0.8\n"))
    (tmp_path / "tests" / "generated").mkdir(parents=True)
    test_file = tmp_path / "tests" / "generated" / "burn-rate-1h-5m.test.yaml"
    test_file.write_text((PROJECT_ROOT / GENERATED_TESTS / "burn-rate-1h-5m.test.yaml").read_text())
    result = promtool("test", "rules", str(test_file))
    assert result.returncode != 0
    assert "turn-latency-p95 1h/5m: just above the threshold: fires" in result.stderr


def test_slo_report_without_a_prometheus_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    from controlplane.prometheus import _free_port
    from frontdesk.cli.__main__ import main

    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    assert main(["slo", "report", "--prometheus", url]) == 2
    assert f"cannot reach Prometheus at {url}" in capsys.readouterr().err


def test_slo_generate_check_reports_stale_files(tmp_path: Path) -> None:
    import io

    from frontdesk.cli.slo import generate as generate_command

    out = io.StringIO()
    assert generate_command(root=tmp_path, check=True, out=out) == 1
    assert f"stale: {RULES_PATH}" in out.getvalue()
    assert generate_command(root=tmp_path, out=io.StringIO()) == 0
    assert generate_command(root=tmp_path, check=True, out=io.StringIO()) == 0
