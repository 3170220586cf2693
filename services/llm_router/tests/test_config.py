from __future__ import annotations

from pathlib import Path

import pytest

from llm_router.config import LlmConfigError, deployment_id, load_config, parse_config

GOOD = """
model_list:
  - model_name: dialogue
    litellm_params:
      {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:1/v1", api_key: os.environ/SIM_KEY}
    model_info: {id: alpha}
  - model_name: dialogue
    litellm_params:
      {model: openai/gpt-4o, api_base: "http://127.0.0.1:2/v1", api_key: os.environ/SIM_KEY}
  - model_name: dialogue-next
    litellm_params: {model: openai/gpt-4o, api_base: "http://127.0.0.1:3/v1", api_key: none}
router_settings: {timeout: 5}
frontdesk:
  ttft_budget_ms: 600
  breaker: {min_requests: 3}
  canary_routes: {variants: {candidate: dialogue-next}}
"""


def test_litellm_proxy_format_with_our_section() -> None:
    config = parse_config(GOOD, "llm.yaml", {"SIM_KEY": "secret"})
    assert config.routes() == ["dialogue", "dialogue-next"]
    assert config.default_route == "dialogue"
    assert config.model_list[0].litellm_params.api_key == "secret"
    assert [deployment_id(e, i) for i, e in enumerate(config.model_list)] == [
        "alpha",
        "dialogue-1",
        "dialogue-next-2",
    ]
    assert config.frontdesk.ttft_budget_ms == 600 and config.frontdesk.breaker.min_requests == 3
    assert config.router_settings == {"timeout": 5}


def test_a_missing_secret_names_the_key() -> None:
    with pytest.raises(
        LlmConfigError, match=r"llm.yaml: model_list.0.litellm_params.api_key: .*SIM_KEY"
    ):
        parse_config(GOOD, "llm.yaml", {})


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (
            ("ttft_budget_ms: 600", "ttft_budget_ms: -1"),
            "frontdesk.ttft_budget_ms",
            "greater than 0",
        ),
        (
            ("breaker: {min_requests: 3}", "breaker: {min_reqs: 3}"),
            "frontdesk.breaker.min_reqs",
            "Extra",
        ),
        (("model: openai/gpt-4o-mini, ", ""), "model_list.0.litellm_params.model", "required"),
        (("{variants: {candidate: dialogue-next}}", "{variants: {candidate: nope}}"), "", "nope"),
        (("model_info: {id: alpha}", "model_info: {id: dialogue-1}"), "", "unique"),
    ],
)
def test_a_bad_config_names_file_key_and_reason(
    change: tuple[str, str], where: str, reason: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(LlmConfigError) as raised:
        parse_config(text, "llm.yaml", {"SIM_KEY": "x"})
    message = str(raised.value)
    assert message.startswith("llm.yaml: ") and where in message and reason in message


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(LlmConfigError, match=r"missing\.yaml: cannot read"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("model_list: [")
    with pytest.raises(LlmConfigError, match=r"broken\.yaml: not YAML"):
        load_config(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(LlmConfigError, match="expected a mapping"):
        load_config(empty)


def test_the_shipped_local_files_load() -> None:
    from llmsim import load_config as load_sim_config

    repo = Path(__file__).resolve().parents[3]
    config = load_config(repo / "deploy/local/llm/llm.yaml", {"FRONTDESK_LLM_SIM_KEY": "sim"})
    sim = load_sim_config(repo / "deploy/local/llm/sim.yaml")
    ports = {f"http://127.0.0.1:{p.port}/v1" for p in sim.providers.values()}
    assert {e.litellm_params.api_base for e in config.model_list} == ports
    assert config.frontdesk.canary_routes.variants == {"candidate": "dialogue-next"}
