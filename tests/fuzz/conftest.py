"""The whole stack for the fuzz suite, run on an event loop in a background thread so that
hypothesis (synchronous) can drive it with blocking gRPC calls.

llm_router runs the shipped local routes (``deploy/local/llm/llm.yaml``: two weighted
deployments, hedging, breaker, cache, cost cap) over simulated providers answering at once
(the script of ``deploy/local/llm/sim.yaml``), so generated requests reach the routing code and
a provider, not the "no routes configured" answer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmsim import Provider, Simulator
from llmsim import load_config as load_sim_config
from servicekit.testing import NatsServer
from tests.e2e.stack import Stack

LLM_DIR = Path(__file__).resolve().parents[2] / "deploy" / "local" / "llm"


@contextlib.contextmanager
def simulated_providers() -> Iterator[Simulator]:
    """The shipped sim's providers and script, without its latency faults: 10,000 examples
    at its 300 ms to first token would be the whole run."""
    sim_config = load_sim_config(LLM_DIR / "sim.yaml")
    sim = Simulator.start(
        [
            Provider(name, script=sim_config.script, seed=n)
            for n, name in enumerate(sim_config.providers)
        ]
    )
    try:
        yield sim
    finally:
        sim.stop()


def llm_config(sim: Simulator, folder: Path) -> Path:
    """The shipped local routes (``deploy/local/llm/llm.yaml``), each deployment pointed at the
    simulated provider that listens on its port in ``sim.yaml``."""
    config: dict[str, Any] = yaml.safe_load((LLM_DIR / "llm.yaml").read_text())
    shipped = load_sim_config(LLM_DIR / "sim.yaml").providers
    base_of = {f"127.0.0.1:{shipped[name].port}/": sim[name].api_base for name in sim.running}
    for deployment in config["model_list"]:
        params = deployment["litellm_params"]
        params["api_base"] = next(
            base for port, base in base_of.items() if port in params["api_base"]
        )
        params["api_key"] = "sim"
    path = folder / "llm.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextlib.contextmanager
def running_stack(state_dir: Any) -> Iterator[Stack]:
    # llm_router imports litellm when it has routes (seconds, more on a loaded machine): once
    # here, so the stack's start-up deadline measures the services, not the import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price fetch over the network
    import litellm  # noqa: F401

    nats = NatsServer.start()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzz-stack", daemon=True)
    thread.start()
    with simulated_providers() as sim:
        manager = Stack.start(
            nats.url,
            state_dir=state_dir,
            scheduler_db=f"sqlite+pysqlite:///{state_dir / 'scheduler.db'}",
            settings={"llm_config": llm_config(sim, state_dir)},
        )
        try:
            stack = asyncio.run_coroutine_threadsafe(manager.__aenter__(), loop).result(120)
            stack.scheduler_db = f"sqlite+pysqlite:///{state_dir / 'scheduler.db'}"
            try:
                yield stack
            finally:
                asyncio.run_coroutine_threadsafe(manager.__aexit__(None, None, None), loop).result(
                    120
                )
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            nats.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("fuzz")) as started:
        yield started
