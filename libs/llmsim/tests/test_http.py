"""The simulator over real HTTP on real sockets (httpx and the OpenAI SDK as clients)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from llmsim import Faults, Provider, Rule, Script, ScriptedToolCall, Simulator

SCRIPT = Script(
    rules=[
        Rule(
            pattern="book", tool_call=ScriptedToolCall(name="find_slots", arguments={"day": "tue"})
        ),
        Rule(pattern="hours", reply="We are open nine to five, Monday to Friday."),
    ]
)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator.start(
        [Provider("alpha", script=SCRIPT, seed=1), Provider("beta", script=SCRIPT, seed=2)]
    ) as running:
        yield running


def _ask(text: str, **extra: object) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": text}], **extra}


def test_providers_listen_on_their_own_ports(sim: Simulator) -> None:
    assert sim["alpha"].port != sim["beta"].port
    sim["beta"].provider.set_faults({"down": True})
    assert (
        httpx.post(f"{sim['alpha'].api_base}/chat/completions", json=_ask("hi")).status_code == 200
    )
    assert (
        httpx.post(f"{sim['beta'].api_base}/chat/completions", json=_ask("hi")).status_code == 503
    )


def test_whole_reply_with_usage(sim: Simulator) -> None:
    client = openai.OpenAI(base_url=sim["alpha"].api_base, api_key="x", max_retries=0)
    reply = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hours?"}]
    )
    assert reply.choices[0].message.content == "We are open nine to five, Monday to Friday."
    assert reply.usage is not None
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (5, 9)


def test_streamed_reply_and_tool_call(sim: Simulator) -> None:
    client = openai.OpenAI(base_url=sim["alpha"].api_base, api_key="x", max_retries=0)
    chunks = list(
        client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hours?"}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "We are open nine to five, Monday to Friday."
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 9
    tool_chunks = list(
        client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "book me"}], stream=True
        )
    )
    calls = [
        call for c in tool_chunks if c.choices for call in (c.choices[0].delta.tool_calls or [])
    ]
    assert calls[0].function is not None and calls[0].function.name == "find_slots"
    assert json.loads(calls[0].function.arguments or "") == {"day": "tue"}
    finishes = [c.choices[0].finish_reason for c in tool_chunks if c.choices]
    assert "tool_calls" in finishes


def test_429_carries_retry_after(sim: Simulator) -> None:
    sim["alpha"].provider.set_faults({"error_rate": 1, "error_status": 429, "retry_after_s": 3})
    response = httpx.post(f"{sim['alpha'].api_base}/chat/completions", json=_ask("hi"))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["error"]["type"] == "rate_limit_error"


def test_stream_breaks_mid_sentence(sim: Simulator) -> None:
    sim["alpha"].provider.set_faults({"break_after_tokens": 3})
    received: list[str] = []
    with (
        pytest.raises(httpx.HTTPError),
        httpx.stream(
            "POST", f"{sim['alpha'].api_base}/chat/completions", json=_ask("hours", stream=True)
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: {"):
                delta = json.loads(line[6:])["choices"][0]["delta"]
                received.append(delta.get("content") or "")
    assert "".join(received) == "We are open "


def test_first_token_delay_and_stall(sim: Simulator) -> None:
    sim["alpha"].provider.set_faults({"ttft_ms": 150, "stall_after_tokens": 2, "stall_ms": 200})
    started = time.perf_counter()
    arrivals: list[float] = []
    with httpx.stream(
        "POST", f"{sim['alpha'].api_base}/chat/completions", json=_ask("hours", stream=True)
    ) as response:
        for line in response.iter_lines():
            if '"content": "' in line and '"content": ""' not in line:
                arrivals.append(time.perf_counter() - started)
    assert arrivals[0] >= 0.15
    # Lower bounds only (a busy machine delays a read, never hastens one): the third token
    # cannot come before the first-token delay plus the stall ...
    assert arrivals[2] >= 0.15 + 0.2
    # ... and the pause falls after the second token, nowhere else.
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert gaps.index(max(gaps)) == 1


def test_admin_endpoint_switches_faults_at_run_time(sim: Simulator) -> None:
    base = f"http://127.0.0.1:{sim['alpha'].port}"
    assert httpx.post(f"{base}/admin/faults", json={"down": True}).json()["down"] is True
    assert (
        httpx.post(f"{sim['alpha'].api_base}/chat/completions", json=_ask("hi")).status_code == 503
    )
    bad = httpx.post(f"{base}/admin/faults", json={"error_status": 404})
    assert bad.status_code == 400 and "error_status" in bad.json()["error"]["message"]
    assert httpx.get(f"{base}/admin/faults").json()["down"] is True  # the bad change lost nothing
    httpx.post(f"{base}/admin/reset", json={})
    assert (
        httpx.post(f"{sim['alpha'].api_base}/chat/completions", json=_ask("hi")).status_code == 200
    )
    logged = httpx.get(f"{base}/admin/requests").json()["requests"]
    assert [r["messages"][0]["content"] for r in logged] == ["hi"]


def test_malformed_requests_get_400(sim: Simulator) -> None:
    url = f"{sim['alpha'].api_base}/chat/completions"
    assert httpx.post(url, content=b"{nope").status_code == 400
    assert httpx.post(url, json={"model": "m", "messages": []}).status_code == 400


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"messages": [{"role": "narrator", "content": "hi"}]}, "role"),
        ({"messages": [{"role": "tool", "content": "{}"}]}, "tool_call_id"),
        ({"temperature": 2.5}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"tools": [{"type": "function", "function": {"name": "has space"}}]}, "name"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": 1}}]}, "para"),
    ],
)
def test_what_the_real_api_refuses_gets_400_before_the_model(
    sim: Simulator, change: dict[str, object], named: str
) -> None:
    """A router that forwards a malformed request meets the refusal it would meet in
    production."""
    response = httpx.post(
        f"{sim['alpha'].api_base}/chat/completions", json={**_ask("hi"), **change}
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert named in response.json()["error"]["message"]
    assert (
        httpx.post(f"{sim['alpha'].api_base}/chat/completions", json=_ask("hi")).status_code == 200
    )


def test_cli_serves_from_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(
        "providers:\n  alpha: {faults: {ttft_ms: 5}}\n"
        "script:\n  rules:\n    - {pattern: hi, reply: Hello there.}\n"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontdesk.cli",
            "llm-sim",
            "--config",
            str(config),
            "--provider",
            "beta",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = dict(process.stdout.readline().split("\t")[:2] for _ in range(2))
        reply = httpx.post(f"{lines['alpha']}/chat/completions", json=_ask("hi")).json()
        assert reply["choices"][0]["message"]["content"] == "Hello there."
        assert httpx.post(f"{lines['beta']}/chat/completions", json=_ask("hi")).status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_cli_names_a_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text("providers:\n  alpha: {faults: {error_status: 404}}\n")
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", "llm-sim", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert str(config) in done.stderr and "providers.alpha.faults.error_status" in done.stderr


def test_faults_default_is_healthy() -> None:
    assert Faults().down is False
