"""What a simulated provider does wrong: the fault model and the plan it yields per request.

Pure: :func:`plan` turns the provider's :class:`Faults`, one uniform random draw and the seconds
since the simulator started into a :class:`Refusal` (an HTTP error answered at once) or a
:class:`Delivery` (how the reply is streamed: first-token delay, token pace, stall, break).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

# 401 stands for a revoked or wrong API key (the router must open that breaker at once).
ERROR_STATUSES = (401, 429, 500, 503)


class Faults(BaseModel):
    """A provider's behaviour; every field may be changed at run time (``POST /admin/faults``).

    ``outages`` are ``[start, end)`` windows in seconds since the simulator started; ``down``
    is an outage with no end. ``break_after_tokens`` closes a stream mid-sentence without the
    closing chunk, ``stall_after_tokens`` pauses it for ``stall_ms``.
    """

    model_config = ConfigDict(extra="forbid")

    ttft_ms: float = Field(default=0.0, ge=0)
    tokens_per_second: float = Field(default=0.0, ge=0, description="0: all tokens at once")
    error_rate: float = Field(default=0.0, ge=0, le=1)
    error_status: int = 503
    retry_after_s: float | None = Field(default=None, ge=0, description="sent with 429s")
    down: bool = False
    outage_status: int = 503
    outages: list[tuple[float, float]] = Field(default_factory=list)
    stall_after_tokens: int | None = Field(default=None, ge=0)
    stall_ms: float = Field(default=0.0, ge=0)
    break_after_tokens: int | None = Field(default=None, ge=0)

    @field_validator("error_status", "outage_status")
    @classmethod
    def _known_status(cls, status: int) -> int:
        if status not in ERROR_STATUSES:
            raise ValueError(f"must be one of {ERROR_STATUSES}, got {status}")
        return status

    def changed(self, update: dict[str, object]) -> Faults:
        """These faults with ``update``'s fields replaced, validated (unknown keys refused)."""
        return Faults.model_validate({**self.model_dump(), **update})


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Delivery:
    ttft_s: float
    token_interval_s: float
    stall_after_tokens: int | None
    stall_s: float
    break_after_tokens: int | None


def in_outage(faults: Faults, elapsed_s: float) -> bool:
    return faults.down or any(start <= elapsed_s < end for start, end in faults.outages)


def plan(faults: Faults, draw: float, elapsed_s: float) -> Refusal | Delivery:
    """What to do with one request; ``draw`` is uniform in [0, 1)."""
    if in_outage(faults, elapsed_s):
        return Refusal(faults.outage_status, "provider outage (simulated)")
    if draw < faults.error_rate:
        retry = faults.retry_after_s if faults.error_status == 429 else None
        return Refusal(faults.error_status, "scripted error (simulated)", retry)
    interval = 1.0 / faults.tokens_per_second if faults.tokens_per_second > 0 else 0.0
    return Delivery(
        ttft_s=faults.ttft_ms / 1000.0,
        token_interval_s=interval,
        stall_after_tokens=faults.stall_after_tokens,
        stall_s=faults.stall_ms / 1000.0,
        break_after_tokens=faults.break_after_tokens,
    )
