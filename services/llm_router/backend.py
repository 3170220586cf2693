"""The model providers behind a tiny interface, and its implementation on litellm's ``Router``.

:class:`Backend` opens one streamed completion on one named deployment. The router above it
chooses the deployment, so litellm's own retries and cooldowns are switched off here: they would
wait out failures the breakers already know about. litellm is imported when a backend is built
(importing it takes seconds), never when this module is imported.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from llm_router.config import LlmConfig, deployment_id
from llm_router.types import ProviderChunk, Request


@dataclass
class ProviderError(Exception):
    """A deployment failed; ``fatal`` when retrying it cannot help (bad key, unknown model)."""

    message: str
    status: int | None = None
    retry_after_s: float | None = None
    fatal: bool = False

    def __str__(self) -> str:
        return self.message

    @property
    def refused(self) -> bool:
        """The provider refused the request itself as malformed (HTTP 400, 413, 422): the
        caller's mistake, not the deployment's; no reason to open its breaker."""
        return self.status in (400, 413, 422)


class Backend(Protocol):
    def open(
        self, deployment: str, request: Request, timeout_s: float
    ) -> AsyncIterator[ProviderChunk]:
        """The deployment's stream; raises :class:`ProviderError` on failure."""
        ...

    async def close(self) -> None: ...


Pricer = Any  # Callable[[str, int, int], float]; litellm's cost function in production


def litellm_price(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """US dollars for a call by litellm's cost map (local copy: no network at start)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    prompt, completion = litellm.cost_per_token(
        model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )
    return float(prompt + completion)


class LitellmPrices:
    """:func:`litellm_price` without its cost on every completion (a millisecond or more: litellm
    resolves the model's provider and entry each time). A model priced per token, whatever the
    count, is asked once for the price of one prompt and one completion token; those are
    multiplied as litellm's own per-token formula does. A model whose entry has tiers or
    thresholds (``..._above_128k_tokens`` and the like), or that litellm cannot price, goes
    through :func:`litellm_price` every time."""

    def __init__(self) -> None:
        self._units: dict[str, tuple[float, float] | None] = {}

    def __call__(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        if model not in self._units:
            self._units[model] = _unit_prices(model)
        units = self._units[model]
        if units is None:
            return litellm_price(model, prompt_tokens, completion_tokens)
        return prompt_tokens * units[0] + completion_tokens * units[1]


def _unit_prices(model: str) -> tuple[float, float] | None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    try:
        info = litellm.get_model_info(model)
    except Exception:  # not in the map: litellm_price says why, on each call
        return None
    if any(("above" in key or "tier" in key) and value for key, value in info.items()):
        return None
    return litellm_price(model, 1, 0), litellm_price(model, 0, 1)


def _retry_after(error: BaseException) -> float | None:
    headers: Any = getattr(error, "litellm_response_headers", None)
    response = getattr(error, "response", None)
    if headers is None and response is not None:
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def translate_error(error: BaseException) -> ProviderError:
    """litellm's exceptions (OpenAI's tree) → :class:`ProviderError`, in this one place."""
    status = getattr(error, "status_code", None)
    status = int(status) if isinstance(status, int) else None
    # 400 is not fatal: it refuses this request (see ProviderError.refused), not the deployment.
    fatal = status in (401, 403, 404)
    # litellm prefixes its class names and the provider's; the provider's own words come last.
    lines = str(error).strip().splitlines() or [""]
    said = lines[0].rsplit(" - ", 1)[-1][:160]
    kind = f"HTTP {status}" if status else type(error).__name__
    return ProviderError(
        f"{kind}: {said}", status=status, retry_after_s=_retry_after(error), fatal=fatal
    )


class LitellmBackend:
    """litellm ``Router`` over the config's ``model_list``; each deployment called by its id."""

    def __init__(self, config: LlmConfig) -> None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        from litellm.router import Router

        model_list = []
        for index, entry in enumerate(config.model_list):
            item = entry.model_dump(exclude_none=True)
            item["litellm_params"] = entry.litellm_params.model_dump(exclude_none=True)
            item["model_info"] = {**entry.model_info, "id": deployment_id(entry, index)}
            model_list.append(item)
        settings = {**config.router_settings, "num_retries": 0, "disable_cooldowns": True}
        self._router = Router(model_list=model_list, **settings)

    async def open(
        self, deployment: str, request: Request, timeout_s: float
    ) -> AsyncIterator[ProviderChunk]:
        options: dict[str, Any] = {
            "model": deployment,
            "messages": [m.to_openai() for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            # A per-request timeout would make litellm build a new HTTP client (and connection)
            # per distinct value; the router enforces its deadline itself, so only round it.
            "timeout": _bucket(timeout_s),
        }
        if request.tools:
            options["tools"] = list(request.tools)
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.max_tokens:
            options["max_tokens"] = request.max_tokens
        try:
            stream = await self._router.acompletion(**options)
            async for chunk in stream:
                yield _decode(chunk)
        except ProviderError:
            raise
        except Exception as error:  # every provider failure, whatever litellm wraps it in
            raise translate_error(error) from error

    async def close(self) -> None:
        """litellm keeps its HTTP clients in a process-wide cache; nothing to release here."""


def _bucket(timeout_s: float) -> float:
    """The timeout rounded up to a whole second: a handful of distinct values, not one per call."""
    return float(max(1, math.ceil(timeout_s)))


def _decode(chunk: Any) -> ProviderChunk:
    usage = getattr(chunk, "usage", None)
    counts = (int(usage.prompt_tokens), int(usage.completion_tokens)) if usage else None
    if not chunk.choices:
        return ProviderChunk(usage=counts)
    choice = chunk.choices[0]
    delta = choice.delta
    tools = tuple(
        (
            int(call.index or 0),
            call.id or "",
            (call.function.name if call.function else None) or "",
            (call.function.arguments if call.function else None) or "",
        )
        for call in (getattr(delta, "tool_calls", None) or [])
    )
    return ProviderChunk(
        text=getattr(delta, "content", None) or "",
        tool_deltas=tools,
        finish_reason=choice.finish_reason or "",
        usage=counts,
    )
