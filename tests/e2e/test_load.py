"""``frontdesk load`` against a stack started by ``frontdesk up``: a few callers over gRPC and over
the ConversationRelay WebSocket; the JSON summary counts their turns, calls and the CPU each of
the stack's processes spent per turn."""

from __future__ import annotations

import json

import pytest

from frontdesk.cli.stack import SERVICES

from .test_cli_up import REPO, Up, frontdesk, shared_up  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("transport", [[], ["--ws"]], ids=["grpc", "ws"])
def test_load_reports_turns_calls_and_cpu_per_service(
    shared_up: Up,  # noqa: F811
    transport: list[str],
) -> None:
    up = shared_up
    result = frontdesk(
        "load",
        "--state-dir",
        str(up.state_dir),
        "--callers",
        "4",
        "--ramp",
        "1",
        "--duration",
        "12",
        "--think",
        "0.1",
        "0.3",
        "--mix",
        str(REPO / "tests" / "e2e" / "scenarios" / "questions.yaml"),
        "--mix",
        str(REPO / "tests" / "e2e" / "scenarios" / "booking.yaml") + "=2",
        "--json",
        "-",
        *transport,
        timeout=180,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    (summary,) = report["rounds"]
    assert summary["plan"]["transport"] == ("ws" if transport else "grpc")
    calls = summary["calls"]
    assert calls["errors"] == 0, calls["error_kinds"]
    assert calls["refused"] == 0
    assert calls["calls"] >= 1 and calls["booking_calls"] >= 1
    assert summary["turns"] >= 8
    latency = summary["latency"]
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    cpu = summary["cpu_ms_per_turn"]
    assert set(cpu) == {*SERVICES, "nats-server", "stack"}
    assert cpu["orchestrator"] > 0 and cpu["gateway"] > 0
    assert cpu["stack"] == pytest.approx(sum(v for k, v in cpu.items() if k != "stack"), abs=0.1)
    assert set(summary["rss_mb"]) == {*SERVICES, "nats-server"}
    # The live progress went to stderr while the JSON went to stdout.
    assert "live" in result.stderr and "turns/s" in result.stderr
    assert result.returncode == 0
