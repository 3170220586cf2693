"""Which policy serves a call, decided at its start from Unleash (a real server): the
``dialogue_policy`` variant and ``kill_llm``, and the prompt template from
``new_prompt_template``; sticky per call id; rules whenever no model is configured."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from controlplane.flag_edit import edit_flag
from controlplane.flag_spec import load_spec
from controlplane.flag_sync import UnleashAdmin, sync
from orchestrator.app import policy_chooser
from servicekit.flags import Flags
from servicekit.localunleash import UnleashServer
from servicekit.settings import PROJECT_ROOT

pytestmark = pytest.mark.postgres

STAGING = PROJECT_ROOT / "gitops" / "flags" / "staging.yaml"
LLM_NAMES = {"v1": "llm-v1", "v2": "llm-v2"}
CALLS = [f"call-{i}" for i in range(2000)]


def spec_with(tmp_path: Path, **changes: tuple[str, bool | int]) -> Path:
    path = tmp_path / "staging.yaml"
    shutil.copy(STAGING, path)
    for name, (field, value) in changes.items():
        edit_flag(path, name, field, value)
    return path


async def wait_for(flags: Flags, name: str, enabled: bool) -> None:
    for _ in range(100):
        if flags.switches().get(name) is enabled:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} never became {enabled}")


async def test_the_flags_choose_the_policy_per_call_and_kill_llm_wins(
    unleash_server: UnleashServer, tmp_path: Path
) -> None:
    spec = spec_with(tmp_path, dialogue_policy=("enabled", True), kill_llm=("enabled", False))
    edit_flag(spec, "dialogue_policy", "rollout", 50)
    admin = UnleashAdmin(unleash_server.url, unleash_server.admin_token)
    sync(admin, load_spec(spec))
    flags = Flags(
        "orchestrator",
        url=unleash_server.url,
        token=unleash_server.client_token,
        bootstrap_file=PROJECT_ROOT / "gitops/flags/bootstrap/staging.json",
        refresh_interval=0.5,
    )
    await flags.start()
    try:
        await wait_for(flags, "dialogue_policy", True)
        choose = policy_chooser(flags, LLM_NAMES, "rules")
        chosen = {call: choose(call, "demo") for call in CALLS}
        llm = [c for c, p in chosen.items() if p != "rules"]
        # dialogue_policy at 50 %, split between its variants "llm" and "rules" (staging.yaml):
        # a quarter of the calls get the LLM policy.
        assert 0.20 < len(llm) / len(CALLS) < 0.30
        # new_prompt_template: 25 % of the demo clinic's calls get v2 (staging.yaml).
        v2 = sum(1 for c in llm if chosen[c] == "llm-v2") / len(llm)
        assert 0.18 < v2 < 0.32
        assert all(choose(c, "demo") == chosen[c] for c in CALLS[:200]), "sticky per call"
        # Another clinic is outside the template's constraint: always v1.
        assert {choose(c, "elsewhere") for c in llm[:100]} <= {"llm-v1", "rules"}
        # No model configured: rules, whatever the flags say.
        assert {policy_chooser(flags, {}, "rules")(c, "demo") for c in llm[:50]} == {"rules"}

        edit_flag(spec, "kill_llm", "enabled", True)
        sync(admin, load_spec(spec))
        await wait_for(flags, "kill_llm", True)
        assert {choose(c, "demo") for c in llm} == {"rules"}
    finally:
        sync(admin, load_spec(STAGING))
        admin.close()
        await flags.close()
