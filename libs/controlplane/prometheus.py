"""A local Prometheus: its binaries, its configuration, the running server, and queries.

    server = LocalPrometheus.start(
        workdir, targets={"gateway": ["127.0.0.1:9101"]}, rule_files=[RULES_FILE],
        scrape_interval="1s", evaluation_interval="1s",
    )
    server.wait_until_up(len(targets))
    value = server.client.scalar('frontdesk:slo_errors:ratio_rate5m{slo="availability"}')
    server.stop()

Binaries come from the project's own set-up (``.ci/install-observability`` unpacks Debian's
``prometheus`` package into ``.cache/prometheus/``), else from ``PATH``; never downloaded here.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from servicekit.settings import PROJECT_ROOT

CACHE_BIN = PROJECT_ROOT / ".cache" / "prometheus" / "usr" / "bin"
RULES_FILE = PROJECT_ROOT / "gitops" / "slo" / "rules" / "slos.rules.yaml"
INSTALL_HINT = "run .ci/install-observability (unpacks Debian's prometheus into .cache/prometheus)"


class PrometheusError(RuntimeError):
    """Prometheus is missing, did not start, or answered a query with an error."""


def binary(name: str) -> Path:
    """``prometheus`` or ``promtool``: the project's copy, else the one on PATH."""
    candidate = CACHE_BIN / name
    if candidate.is_file():
        return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise PrometheusError(f"{name} not found: {INSTALL_HINT}")


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Runs promtool; the result carries its exit code and output (not raised)."""
    return subprocess.run(
        [str(binary("promtool")), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def config(
    targets: Mapping[str, Sequence[str]],
    *,
    rule_files: Sequence[Path] = (),
    scrape_interval: str = "15s",
    evaluation_interval: str = "15s",
) -> dict[str, Any]:
    """A Prometheus configuration: one scrape job per service (``job`` = the service's name)."""
    return {
        "global": {
            "scrape_interval": scrape_interval,
            "evaluation_interval": evaluation_interval,
            "scrape_timeout": scrape_interval if _seconds(scrape_interval) < 10 else "10s",
        },
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": list(addresses)}]}
            for job, addresses in targets.items()
        ],
    }


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit):
            return float(duration[: -len(unit)]) * units[unit]
    raise ValueError(f"not a duration: {duration!r}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrometheusClient:
    """The HTTP query API (``/api/v1/query``), answers as Python values."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, **params: Any) -> Any:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as error:
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {error}") from error
        body = response.json() if response.content else {}
        if response.status_code != 200 or body.get("status") != "success":
            raise PrometheusError(
                f"{path} {params}: {body.get('error', response.text[:200]) or response.status_code}"
            )
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """An instant query: ``[{"metric": {...}, "value": float}]`` (vector or scalar)."""
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = at
        data = self._get("/api/v1/query", **params)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": float(data["result"][1])}]
        return [
            {"metric": item["metric"], "value": float(item["value"][1])} for item in data["result"]
        ]

    def instant(self, expr: str) -> tuple[str, Any]:
        """An instant query's ``resultType`` and ``result`` as Prometheus sent them (what
        canary analysis needs: a vector, a scalar or a matrix, told apart)."""
        data = self._get("/api/v1/query", query=expr)
        return str(data["resultType"]), data["result"]

    def scalar(self, expr: str) -> float | None:
        """The single value of ``expr``; None when it has no result."""
        result = self.query(expr)
        if not result:
            return None
        if len(result) > 1:
            raise PrometheusError(f"{expr} has {len(result)} series, expected one")
        return float(result[0]["value"])

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        """``[{"metric": {...}, "values": [(t, v), ...]}]``."""
        data = self._get("/api/v1/query_range", query=expr, start=start, end=end, step=step)
        return [
            {
                "metric": item["metric"],
                "values": [(float(t), float(v)) for t, v in item["values"]],
            }
            for item in data["result"]
        ]

    def targets_up(self) -> int:
        return sum(1 for item in self.query("up == 1"))


def _spawn(argv: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )


@dataclass
class LocalPrometheus:
    """A Prometheus process with its own data folder, listening on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    url: str
    workdir: Path
    client: PrometheusClient

    @classmethod
    def start(
        cls,
        workdir: Path,
        targets: Mapping[str, Sequence[str]],
        *,
        rule_files: Sequence[Path] = (RULES_FILE,),
        scrape_interval: str = "15s",
        evaluation_interval: str = "15s",
        port: int = 0,
        timeout: float = 30.0,
        spawn: Callable[[list[str], Path], subprocess.Popen[bytes]] | None = None,
    ) -> LocalPrometheus:
        """Writes the configuration, starts Prometheus and waits until it is ready.

        ``spawn(argv, log_path)`` starts the process (``frontdesk up`` passes its own, which
        ties the child's life to the supervisor); by default a plain child logging to
        ``workdir/prometheus.log``.
        """
        workdir.mkdir(parents=True, exist_ok=True)
        config_path = workdir / "prometheus.yml"
        config_path.write_text(
            yaml.safe_dump(
                config(
                    targets,
                    rule_files=rule_files,
                    scrape_interval=scrape_interval,
                    evaluation_interval=evaluation_interval,
                ),
                sort_keys=False,
            )
        )
        port = port or _free_port()
        argv = [
            str(binary("prometheus")),
            f"--config.file={config_path}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1d",
        ]
        process = (spawn or _spawn)(argv, workdir / "prometheus.log")
        url = f"http://127.0.0.1:{port}"
        server = cls(process, url, workdir, PrometheusClient(url))
        try:
            server._wait_ready(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrometheusError(
                    f"prometheus exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.2)
        raise PrometheusError(f"prometheus not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def wait_until_up(self, targets: int, timeout: float = 30.0) -> None:
        """Waits until ``targets`` scrape targets report ``up == 1`` (first scrape comes late)."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            with contextlib.suppress(PrometheusError):
                seen = self.client.targets_up()
                if seen >= targets:
                    return
            time.sleep(0.5)
        raise PrometheusError(f"only {seen} of {targets} targets up after {timeout:.0f} s")

    def log_tail(self, lines: int = 20) -> str:
        path = self.workdir / "prometheus.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
