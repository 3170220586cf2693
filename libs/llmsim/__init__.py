"""llm-sim: OpenAI-compatible model providers with scripted replies and scripted faults.

The double for every model provider in tests, drills and benchmarks: real HTTP on real
sockets, one port per named provider, faults switchable at run time. ::

    from llmsim import Faults, Provider, Simulator

    with Simulator.start([Provider("alpha", faults=Faults(ttft_ms=300))]) as sim:
        base = sim["alpha"].api_base      # point an OpenAI client or litellm here
        sim["alpha"].provider.set_faults({"down": True})

``frontdesk llm-sim --config sim.yaml`` runs the same from the command line.
"""

from llmsim._config import ProviderConfig, SimConfig, SimConfigError, load_config
from llmsim._faults import Delivery, Faults, Refusal, in_outage, plan
from llmsim._http import RunningProvider, Simulator
from llmsim._provider import Provider
from llmsim._script import (
    Answer,
    Rule,
    Script,
    ScriptedToolCall,
    answer,
    count_completion_tokens,
    count_prompt_tokens,
    tokens,
)

__all__ = [
    "Answer",
    "Delivery",
    "Faults",
    "Provider",
    "ProviderConfig",
    "Refusal",
    "Rule",
    "RunningProvider",
    "Script",
    "ScriptedToolCall",
    "SimConfig",
    "SimConfigError",
    "Simulator",
    "answer",
    "count_completion_tokens",
    "count_prompt_tokens",
    "in_outage",
    "load_config",
    "plan",
    "tokens",
]
