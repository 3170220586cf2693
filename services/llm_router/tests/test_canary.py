"""The model canary against the real flag definitions (production bootstrap: 5%, sessionId),
evaluated by the Unleash engine servicekit.flags uses."""

from __future__ import annotations

from pathlib import Path

from llm_router.canary import RoutePicker, VariantOf
from llm_router.config import CanaryConfig
from servicekit.flags import Flags

REPO = Path(__file__).resolve().parents[3]
CANARY = CanaryConfig(flag="llm_model_routing", variants={"candidate": "dialogue-next"})


def unleash_variant(flags: Flags) -> VariantOf:
    def variant_of(flag: str, call_id: str, clinic: str) -> tuple[str, bool]:
        found = flags.variant(flag, call_id=call_id, clinic=clinic)
        return found.name, found.enabled

    return variant_of


def test_five_percent_of_calls_within_one_and_a_half_points() -> None:
    flags = Flags("test", bootstrap_file=REPO / "gitops/flags/bootstrap/production.json")
    picker = RoutePicker(CANARY, "dialogue", unleash_variant(flags))
    picks = [picker.pick(f"CA{n:032x}", "demo") for n in range(10_000)]
    share = sum(p.route == "dialogue-next" for p in picks) / len(picks) * 100
    assert 3.5 <= share <= 6.5, share
    assert {p.variant for p in picks if p.route == "dialogue-next"} == {"candidate"}
    assert {p.variant for p in picks if p.route == "dialogue"} == {"disabled"}
    # Another replica (a fresh picker) agrees call by call: the hash is Unleash's, not ours.
    again = RoutePicker(CANARY, "dialogue", unleash_variant(flags))
    assert [again.pick(f"CA{n:032x}", "demo") for n in range(10_000)] == picks


def test_a_call_never_flips_when_the_rollout_changes_mid_call() -> None:
    rollout = {"share": 100}

    def variant_of(flag: str, call_id: str, clinic: str) -> tuple[str, bool]:
        return ("candidate", True) if rollout["share"] == 100 else ("disabled", False)

    picker = RoutePicker(CANARY, "dialogue", variant_of)
    assert picker.pick("call-1", "demo").route == "dialogue-next"
    rollout["share"] = 0
    assert picker.pick("call-1", "demo").route == "dialogue-next"  # the call keeps its model
    assert picker.pick("call-2", "demo").route == "dialogue"  # new calls follow the rollout


def test_no_canary_configured_or_no_call_id_is_the_default_route() -> None:
    def never(flag: str, call_id: str, clinic: str) -> tuple[str, bool]:
        raise AssertionError("no flag lookup expected")

    assert RoutePicker(CanaryConfig(), "dialogue", never).pick("c", "demo").route == "dialogue"
    assert RoutePicker(CANARY, "dialogue", never).pick("", "demo").variant == "disabled"


def test_an_unmapped_variant_uses_the_default_route() -> None:
    picker = RoutePicker(CANARY, "dialogue", lambda f, c, k: ("other", True))
    assert picker.pick("c", "demo").route == "dialogue"


def test_memory_is_bounded() -> None:
    calls = {"n": 0}

    def counting(flag: str, call_id: str, clinic: str) -> tuple[str, bool]:
        calls["n"] += 1
        return "candidate", True

    picker = RoutePicker(CANARY, "dialogue", counting, remember=2)
    for call in ("a", "b", "a", "c", "a", "b"):
        picker.pick(call, "demo")
    assert calls["n"] == 4  # a, b, c, then b again after being forgotten
