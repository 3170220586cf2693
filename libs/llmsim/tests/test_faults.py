from __future__ import annotations

import pytest
from pydantic import ValidationError

from llmsim import Delivery, Faults, Refusal, plan


def test_no_faults_delivers_at_once() -> None:
    assert plan(Faults(), 0.0, 0.0) == Delivery(0.0, 0.0, None, 0.0, None)


def test_pace_and_first_token() -> None:
    result = plan(Faults(ttft_ms=300, tokens_per_second=50), 0.5, 1.0)
    assert isinstance(result, Delivery)
    assert result.ttft_s == pytest.approx(0.3)
    assert result.token_interval_s == pytest.approx(0.02)


def test_error_rate_uses_the_draw() -> None:
    faults = Faults(error_rate=0.25, error_status=500)
    assert plan(faults, 0.24, 0.0) == Refusal(500, "scripted error (simulated)", None)
    assert isinstance(plan(faults, 0.25, 0.0), Delivery)


def test_retry_after_only_on_429() -> None:
    assert plan(Faults(error_rate=1, error_status=429, retry_after_s=2), 0.0, 0.0) == Refusal(
        429, "scripted error (simulated)", 2
    )
    refusal = plan(Faults(error_rate=1, error_status=503, retry_after_s=2), 0.0, 0.0)
    assert isinstance(refusal, Refusal) and refusal.retry_after_s is None


def test_outage_windows_are_half_open() -> None:
    faults = Faults(outages=[(10.0, 20.0)])
    assert isinstance(plan(faults, 0.9, 9.99), Delivery)
    assert plan(faults, 0.9, 10.0) == Refusal(503, "provider outage (simulated)")
    assert isinstance(plan(faults, 0.9, 20.0), Delivery)


def test_down_beats_everything() -> None:
    assert isinstance(plan(Faults(down=True, outage_status=500), 0.99, 0.0), Refusal)
    assert plan(Faults(down=True, outage_status=500), 0.99, 0.0).status == 500  # type: ignore[union-attr]


def test_changed_validates_and_refuses_unknown_fields() -> None:
    faults = Faults().changed({"ttft_ms": 50})
    assert faults.ttft_ms == 50
    with pytest.raises(ValidationError, match="error_status"):
        faults.changed({"error_status": 418})
    with pytest.raises(ValidationError, match="ttft"):
        faults.changed({"ttft": 1})
    with pytest.raises(ValidationError):
        faults.changed({"error_rate": 1.5})
