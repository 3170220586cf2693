"""servicekit.flags: the bootstrap file alone, and a real Unleash server (changes seen within the
refresh interval, sticky percentages, Unleash stopped mid-test) with the metrics it exports."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from controlplane.flag_sync import UnleashAdmin, kill, sync
from controlplane.flag_testing import rollout_flag, switch_flag, write_flags_file
from servicekit.flags import (
    KILL_BOOKING_WRITES,
    LLM_MODEL_ROUTING,
    Flags,
)
from servicekit.localunleash import UnleashServer
from servicekit.settings import PROJECT_ROOT

PRODUCTION = PROJECT_ROOT / "gitops" / "flags" / "bootstrap" / "production.json"
REFRESH = 0.5


async def test_bootstrap_alone_answers_and_leaves_no_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))  # other processes share /tmp
    registry = CollectorRegistry()
    flags = Flags("test", bootstrap_file=PRODUCTION, registry=registry)
    await flags.start()
    assert flags.is_enabled("enhanced_phi_redaction", call_id="c1", clinic="demo")
    assert not flags.is_enabled(KILL_BOOKING_WRITES, call_id="c1", clinic="demo")
    assert not flags.is_enabled("no_such_flag", call_id="c1", clinic="demo")
    routed = [
        flags.variant(LLM_MODEL_ROUTING, call_id=f"call-{i}", clinic="demo") for i in range(400)
    ]
    candidates = sum(v.name == "candidate" for v in routed)
    assert 0 < candidates < 60  # about 5% of 400; the exact share is tested on the server below
    assert all(v.enabled == (v.name == "candidate") for v in routed)
    await flags.close()
    assert list(private_tmp.iterdir()) == []
    assert (
        registry.get_sample_value(
            "frontdesk_flag_evaluations_total", {"flag": KILL_BOOKING_WRITES, "result": "off"}
        )
        == 1
    )
    assert (
        registry.get_sample_value("frontdesk_flag_enabled", {"flag": "enhanced_phi_redaction"}) == 1
    )
    assert registry.get_sample_value("frontdesk_flags_last_fetch_timestamp_seconds") == 0


def test_a_missing_bootstrap_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no flags bootstrap file .* `frontdesk flags generate`"):
        Flags("test", bootstrap_file=tmp_path / "none.json")


# --- against a real Unleash server -------------------------------------------------------------


@pytest.fixture
def admin(unleash_server: UnleashServer) -> Iterator[UnleashAdmin]:
    with UnleashAdmin(unleash_server.url, unleash_server.admin_token) as client:
        yield client


@pytest.fixture
async def live(
    unleash_server: UnleashServer, tmp_path: Path
) -> AsyncIterator[tuple[Flags, CollectorRegistry]]:
    """Flags on the server, with an empty bootstrap: every answer must come from the server."""
    bootstrap = tmp_path / "bootstrap.json"
    bootstrap.write_text('{"version": 2, "features": []}')
    registry = CollectorRegistry()
    flags = Flags(
        "test",
        url=unleash_server.url,
        token=unleash_server.client_token,
        bootstrap_file=bootstrap,
        refresh_interval=REFRESH,
        registry=registry,
    )
    await flags.start()
    try:
        yield flags, registry
    finally:
        await flags.close()


async def eventually(check, timeout: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``check()`` holds (asserts it does within ``timeout``)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, "not seen in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_a_change_on_the_server_is_seen_within_the_refresh_interval(
    live: tuple[Flags, CollectorRegistry], admin: UnleashAdmin, tmp_path: Path
) -> None:
    flags, registry = live
    name = f"switch_{uuid.uuid4().hex[:8]}"
    spec = write_flags_file(tmp_path, {name: switch_flag(False)})
    sync(admin, spec)
    await eventually(lambda: name in flags.switches())
    assert not flags.is_enabled(name, call_id="a", clinic="demo")
    kill(admin, spec, name)  # a kill switch: on
    seen = await eventually(lambda: flags.is_enabled(name, call_id="a", clinic="demo"))
    # The SDK polls every REFRESH s; the server publishes a change within about a second.
    assert seen < REFRESH + 2.0
    print(f"\nchange seen after {seen:.2f} s (refresh interval {REFRESH} s)")
    assert registry.get_sample_value("frontdesk_flag_enabled", {"flag": name}) == 1
    assert (registry.get_sample_value("frontdesk_flags_last_fetch_timestamp_seconds") or 0) > 0


async def test_ten_thousand_calls_land_on_the_percentage_and_never_flip(
    live: tuple[Flags, CollectorRegistry], admin: UnleashAdmin, tmp_path: Path
) -> None:
    flags, registry = live
    name = f"canary_{uuid.uuid4().hex[:8]}"
    canary = rollout_flag(5, clinics=("demo",), variants=("candidate",))
    spec = write_flags_file(tmp_path, {name: canary})
    sync(admin, spec)
    await eventually(lambda: name in flags.switches())
    calls = [str(uuid.uuid4()) for _ in range(10_000)]
    first = {c: flags.variant(name, call_id=c, clinic="demo").name for c in calls}
    share = sum(v == "candidate" for v in first.values()) / len(calls) * 100
    print(f"\n5% configured: {share:.2f}% of 10,000 calls")
    # ±1.5 points (the canary's stated tolerance): 3.5 standard deviations at 25% of 10,000.
    assert abs(share - 5) <= 1.5
    assert set(first.values()) == {"candidate", "disabled"}
    # Asked again, a call gets the same answer; another clinic is outside the constraint.
    assert all(flags.variant(name, call_id=c, clinic="demo").name == first[c] for c in calls)
    assert not any(flags.is_enabled(name, call_id=c, clinic="elsewhere") for c in calls[:1000])
    # Widening the canary keeps every call that was in (the hash is the call's, not the poll's).
    canary["strategies"][0]["rollout"] = 25
    sync(admin, write_flags_file(tmp_path, {name: canary}))
    await eventually(
        lambda: sum(flags.is_enabled(name, call_id=c, clinic="demo") for c in calls[:1000]) > 150
    )
    widened = {c: flags.is_enabled(name, call_id=c, clinic="demo") for c in calls}
    assert all(widened[c] for c, v in first.items() if v == "candidate")
    share = sum(widened.values()) / len(calls) * 100
    print(f"25% configured: {share:.2f}% of 10,000 calls")
    assert abs(share - 25) <= 1.5
    counted = registry.get_sample_value(
        "frontdesk_flag_evaluations_total", {"flag": name, "result": "candidate"}
    )
    assert counted == 2 * sum(v == "candidate" for v in first.values())  # asked twice


async def test_unleash_hung_then_stopped_calls_go_on_with_the_last_known_values(
    live: tuple[Flags, CollectorRegistry],
    admin: UnleashAdmin,
    unleash_server: UnleashServer,
    tmp_path: Path,
) -> None:
    flags, _ = live
    name = f"outage_{uuid.uuid4().hex[:8]}"
    sync(admin, write_flags_file(tmp_path, {name: switch_flag(True)}))
    await eventually(lambda: flags.is_enabled(name, call_id="x", clinic="demo"))
    fetched = flags.last_fetch

    lags: list[float] = []

    async def ticker() -> None:  # how late the loop runs a 10 ms sleep
        while True:
            start = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append(time.monotonic() - start - 0.01)

    async def calls_for(seconds: float) -> list[bool]:
        answers = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            answers.append(flags.is_enabled(name, call_id=str(uuid.uuid4()), clinic="demo"))
            await asyncio.sleep(0.005)
        return answers

    ticking = asyncio.create_task(ticker())
    try:
        # Hung: the server accepts connections and never answers. A fetch on the event loop's
        # thread would hold the loop for its whole timeout (2 s) at every poll.
        unleash_server.pause()
        hung = await calls_for(4 * REFRESH + 2.5)
        hung_lag = max(lags)
        unleash_server.resume()
        # Gone: connections refused.
        await asyncio.to_thread(unleash_server.stop)  # waits for the process: not on the loop
        down = await calls_for(4 * REFRESH + 1.0)
        assert flags.last_fetch == fetched  # no answer from the server all that time...
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
        unleash_server.resume()
        await asyncio.to_thread(unleash_server.restart)
    assert hung and down and all(hung) and all(down)  # ...yet every call got the last value
    print(
        f"\nUnleash hung: {len(hung)} evaluations, worst event-loop lag {hung_lag * 1000:.0f} ms;"
        f" down: {len(down)} evaluations, worst lag {max(lags) * 1000:.0f} ms"
    )
    # Generous for a loaded machine; a blocked loop would show the 2 s fetch timeout.
    assert max(lags) < 1.0
    # Back up: the server's answers resume.
    await eventually(lambda: flags.last_fetch > fetched, timeout=30)
