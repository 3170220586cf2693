"""``frontdesk up --observe`` as a user runs it: the stack plus a local Prometheus that scrapes
every service with the SLO rules loaded; its URL is printed; Ctrl-C stops it with the rest."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from controlplane.prometheus import PrometheusClient
from controlplane.testing import require
from frontdesk.cli.stack import SERVICES

from ..e2e.test_cli_up import REPO, START_TIMEOUT, UP_START_TIMEOUT, cli_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_up_observe_runs_prometheus_over_every_service_with_the_slo_rules(tmp_path: Path) -> None:
    require("prometheus")
    state_dir = tmp_path / "state"
    log = tmp_path / "up.out"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "frontdesk.cli",
                "up",
                "--observe",
                "--start-timeout",
                UP_START_TIMEOUT,
                "--state-dir",
                str(state_dir),
            ],
            env=cli_env(),
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        _wait(
            lambda: "frontdesk is up" in log.read_text() or process.poll() is not None,
            START_TIMEOUT,
            "frontdesk up",
        )
        printed = log.read_text()
        found = re.search(r"Prometheus: (http://127\.0\.0\.1:\d+)", printed)
        assert found, printed
        client = PrometheusClient(found.group(1))
        try:
            # Every service scraped (the first scrape comes a few seconds after start).
            _wait(lambda: client.targets_up() == len(SERVICES), 90, "every target up")
            jobs = {item["metric"]["job"] for item in client.query("up == 1")}
            assert jobs == set(SERVICES)
            groups = httpx.get(f"{client.url}/api/v1/rules").json()["data"]["groups"]
            assert [group["name"] for group in groups] == ["frontdesk-slo"]
            # The recording rules run: one objective per budgeted SLO.
            _wait(lambda: len(client.query("frontdesk:slo_objective:ratio")) == 6, 60, "rules")
        finally:
            client.close()
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    assert code == 0, log.read_text()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{found.group(1)}/-/ready", timeout=2)
