"""llm-sim providers on real sockets and routers over them through litellm's Router."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from llm_router.backend import LitellmBackend, LitellmPrices
from llm_router.config import LlmConfig, parse_config
from llm_router.routing import ModelRouter
from llmsim import Provider, Rule, Script, ScriptedToolCall, Simulator
from servicekit.metrics import Metrics

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

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
    with Simulator.start([Provider("alpha", script=SCRIPT), Provider("beta", script=SCRIPT)]) as s:
        yield s


def config_text(sim: Simulator, frontdesk: str = "") -> str:
    # alpha is the primary: its weight makes it first in all but ~1e-6 of orderings.
    return f"""
model_list:
  - model_name: dialogue
    litellm_params: {{model: openai/gpt-4o-mini, api_base: "{sim["alpha"].api_base}",
                      api_key: os.environ/SIM_KEY, weight: 1000000}}
    model_info: {{id: alpha}}
  - model_name: dialogue
    litellm_params: {{model: openai/gpt-4o, api_base: "{sim["beta"].api_base}",
                      api_key: os.environ/SIM_KEY, weight: 1}}
    model_info: {{id: beta}}
router_settings: {{timeout: 10}}
frontdesk:
  ttft_budget_ms: 5000
  deadline_ms: 10000
{frontdesk}
"""


MakeRouter = Callable[..., ModelRouter]


@pytest.fixture
def make_router(sim: Simulator) -> MakeRouter:
    def make(frontdesk: str = "", **options: Any) -> ModelRouter:
        config: LlmConfig = parse_config(config_text(sim, frontdesk), "test.yaml", {"SIM_KEY": "k"})
        options.setdefault("metrics", Metrics.create())
        return ModelRouter(config, LitellmBackend(config), pricer=LitellmPrices(), **options)

    return make
