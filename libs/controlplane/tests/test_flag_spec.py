"""gitops/flags/<env>.yaml: valid, complete, and the bootstrap files generated from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from controlplane.flag_spec import (
    FlagSpecError,
    bootstrap_json,
    check_bootstrap,
    load_spec,
    spec_files,
    unleash_variants,
    write_bootstrap,
)
from controlplane.flag_spec import Variant as VariantSpec
from servicekit.flags import FLAG_NAMES
from servicekit.settings import PROJECT_ROOT

FLAGS_DIR = PROJECT_ROOT / "gitops" / "flags"


def test_every_bootstrap_file_is_generated_from_its_yaml() -> None:
    assert check_bootstrap(FLAGS_DIR) == []


def test_a_stale_bootstrap_file_is_caught(tmp_path: Path) -> None:
    shutil.copytree(FLAGS_DIR, tmp_path / "flags")
    folder = tmp_path / "flags"
    text = (folder / "staging.yaml").read_text().replace("rollout: 5\n", "rollout: 7\n", 1)
    (folder / "staging.yaml").write_text(text)
    problems = check_bootstrap(folder)
    assert len(problems) == 1 and "staging.json" in problems[0]
    assert write_bootstrap(folder) == [folder / "bootstrap" / "staging.json"]
    assert check_bootstrap(folder) == []
    (folder / "bootstrap" / "qa.json").write_text("{}")
    assert any("qa.json" in p for p in check_bootstrap(folder))


@pytest.mark.parametrize("path", spec_files(FLAGS_DIR), ids=lambda p: p.stem)
def test_each_environment_defines_every_flag_the_code_reads(path: Path) -> None:
    spec = load_spec(path)
    assert set(FLAG_NAMES) <= set(spec.flags)
    for name, flag in spec.flags.items():
        # Temporary flags must say when they go; kill switches and operational ones stay.
        assert flag.expires is not None or flag.type in ("kill-switch", "operational"), name


def test_runbook_flags_in_production() -> None:
    spec = load_spec(FLAGS_DIR / "production.yaml")
    routing = spec.flags["llm_model_routing"]
    assert routing.enabled and routing.strategies[0].rollout == 5
    assert routing.strategies[0].stickiness == "sessionId"
    assert not spec.flags["new_prompt_template"].enabled
    assert spec.flags["enhanced_phi_redaction"].enabled
    assert not spec.flags["kill_booking_writes"].enabled
    assert not spec.flags["kill_llm"].enabled


def test_bootstrap_is_the_client_api_format() -> None:
    spec = load_spec(FLAGS_DIR / "staging.yaml")
    document = json.loads(bootstrap_json(spec))
    by_name = {f["name"]: f for f in document["features"]}
    template = by_name["new_prompt_template"]["strategies"][0]
    assert template["parameters"] == {
        "rollout": "25",
        "stickiness": "sessionId",
        "groupId": "new_prompt_template",
    }
    assert template["constraints"][0]["contextName"] == "clinic"
    assert [v["weight"] for v in by_name["dialogue_policy"]["strategies"][0]["variants"]] == [
        500,
        500,
    ]


def test_variant_weights_split_1000_like_unleash() -> None:
    weights = [v["weight"] for v in unleash_variants(tuple(VariantSpec(name=n) for n in "abc"))]
    assert weights == [334, 333, 333]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("rollout: 5\n", "rollout: 105\n"), "less than or equal to 100"),
        (("type: release\n", "type: nonsense\n"), "type"),
        (("owner: privacy\n", "ownr: privacy\n"), "owner"),
        (("operator: IN\n", "operator: MAYBE\n"), "operator"),
    ],
)
def test_invalid_files_say_what_is_wrong(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    text = (FLAGS_DIR / "staging.yaml").read_text()
    assert edit[0] in text
    path = tmp_path / "staging.yaml"
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(FlagSpecError) as raised:
        load_spec(path)
    assert str(path) in str(raised.value) and expected in str(raised.value)
