"""The router: deployments chosen per request, breakers, failover, hedging, deadlines, costs.

    router = ModelRouter(config, LitellmBackend(config), pricer=LitellmPrices())
    async for chunk in router.stream(request): ...
    completion = await router.complete(request)

Per request: the route's deployments in weighted random order, skipping those whose breaker is
open; if none is left the request fails with ``Unavailable`` at once (no timeout is waited out).
Until the first token, any failure moves to the next deployment. If no first token arrives within
the budget and hedging is on (and under its share), one more request goes to the next deployment;
the first to produce a token wins and the other is cancelled. A stream that breaks after its
first token resumes on another deployment with the text already sent as an assistant message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace

from llm_router.backend import Backend, ProviderError
from llm_router.breaker import Breaker, Clock
from llm_router.cache import ExactCache, PhiCheck, cache_key, shareable
from llm_router.canary import RoutePicker
from llm_router.config import DISABLED, EXPLICIT, LlmConfig, deployment_id
from llm_router.types import (
    Chunk,
    Completion,
    DeploymentView,
    Message,
    ProviderChunk,
    Request,
    RouteView,
    ToolCall,
    Usage,
)
from servicekit.errors import DeadlineExceeded, InvalidArgument, ResourceExhausted, Unavailable
from servicekit.metrics import Metrics

log = logging.getLogger(__name__)

Pricer = Callable[[str, int, int], float]
# Longest a completion's last chunk waits for the shared ledger (a KV read and write, ~1 ms).
LEDGER_WAIT_S = 1.0
# Adds a priced completion to the call's shared ledger (servicekit.costs in production: any
# replica may serve the call's next request); returns the call's total in dollars.
RecordSpend = Callable[[str, Usage], Awaitable[float]]


@dataclass(frozen=True)
class Deployment:
    id: str
    route: str
    model: str
    weight: float


@dataclass
class _Opened:
    """A deployment's stream that produced its first token."""

    deployment: Deployment
    stream: AsyncIterator[ProviderChunk]
    first: list[ProviderChunk]
    ttft_s: float


@dataclass(frozen=True)
class Failover:
    """A request not served by the deployment it would have gone to first."""

    call_id: str
    from_provider: str
    to_provider: str  # empty: nobody could serve it
    model: str
    reason: str  # "error", "circuit_open", "ttft_budget", "stream_broken"


Notify = Callable[[Failover], None]


@dataclass
class CostLedger:
    """Dollars spent per call id as this replica knows it, for the per-call cap: its own
    completions, brought up to the shared ledger's total after each write there. The calls
    seen last are kept (calls end; the oldest are forgotten)."""

    remember: int = 50_000
    spent: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def add(self, call_id: str, usd: float) -> float:
        return self.set(call_id, self.spent.get(call_id, 0.0) + usd)

    def set(self, call_id: str, usd: float) -> float:
        self.spent[call_id] = usd
        self.spent.move_to_end(call_id)
        if len(self.spent) > self.remember:
            self.spent.popitem(last=False)
        return usd

    def total(self, call_id: str) -> float:
        return self.spent.get(call_id, 0.0)


class ModelRouter:
    def __init__(
        self,
        config: LlmConfig,
        backend: Backend,
        *,
        pricer: Pricer,
        metrics: Metrics | None = None,
        version: str = "dev",
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        on_failover: Notify | None = None,
        picker: RoutePicker | None = None,
        record_spend: RecordSpend | None = None,
        has_phi: PhiCheck | None = None,
    ) -> None:
        self.config = config
        self._backend = backend
        self._pricer = pricer
        self._metrics = metrics
        self._version = version
        self._clock = clock
        self._rng = rng or random.Random()
        self._on_failover = on_failover
        self._picker = picker
        self._record_spend = record_spend
        self._has_phi = has_phi
        self._cache = ExactCache(config.frontdesk.cache_entries)
        self.ledger = CostLedger()
        self._deployments: dict[str, list[Deployment]] = {}
        for index, entry in enumerate(config.model_list):
            weight = float(entry.litellm_params.model_extra.get("weight", 1) or 1)  # type: ignore[union-attr]
            item = Deployment(
                deployment_id(entry, index), entry.model_name, entry.litellm_params.model, weight
            )
            self._deployments.setdefault(entry.model_name, []).append(item)
        self.breakers = {
            d.id: Breaker(config.frontdesk.breaker, clock)
            for ds in self._deployments.values()
            for d in ds
        }
        # The health gauge's variant label per route (which canary variants it serves).
        self._route_variants = {route: config.variant_label(route) for route in self._deployments}
        self._requests = 0
        self._hedges = 0
        for deployment_list in self._deployments.values():
            for deployment in deployment_list:
                self._health(deployment)

    # -- views ------------------------------------------------------------------------------
    def routes(self) -> list[RouteView]:
        views = []
        for name, deployments in self._deployments.items():
            total = sum(d.weight for d in deployments)
            views.append(
                RouteView(
                    name,
                    tuple(
                        DeploymentView(
                            d.id,
                            d.model,
                            d.weight / total,
                            self.breakers[d.id].healthy,
                            self.breakers[d.id].state.value,
                        )
                        for d in deployments
                    ),
                )
            )
        return views

    # -- the request path -------------------------------------------------------------------
    def _order(self, route: str) -> list[Deployment]:
        name = route or self.config.default_route
        if name not in self._deployments:
            raise InvalidArgument(
                f"unknown route {name!r}; configured routes: {', '.join(self._deployments)}"
            )
        remaining = list(self._deployments[name])
        ordered = []
        while remaining:  # weighted random order without replacement
            pick = self._rng.choices(remaining, weights=[d.weight for d in remaining])[0]
            ordered.append(pick)
            remaining.remove(pick)
        return ordered

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        """The completion as it is generated. A stream that breaks after some text resumes on
        another deployment, asked to continue from the text already sent (as an assistant
        message), so the caller never hears half a sentence and then silence."""
        started = self._clock()
        deadline_s = request.deadline_s or self.config.frontdesk.deadline_ms / 1000.0
        self._within_budget(request)
        request = self._routed(request)
        route = request.route
        broken: set[str] = set()
        spoken = ""
        current = request
        # A deadline the caller chose shorter than the route's: overrunning it is no sign
        # that the deployment is slow (a caller asking for 7 ms must not open breakers).
        callers_deadline = deadline_s < self.config.frontdesk.deadline_ms / 1000.0
        for _ in range(len(self._deployments.get(route, ())) + 1):
            try:
                async for chunk in self._stream(current, frozenset(broken), callers_deadline):
                    spoken += chunk.delta
                    yield chunk
                return
            except _BrokenStream as error:
                broken.add(error.deployment)
                if self._on_failover is not None:
                    self._on_failover(
                        Failover(request.call_id, error.deployment, "", "", "stream_broken")
                    )
                if len(broken) >= len(self._deployments.get(route, ())):
                    break
                remaining = deadline_s - (self._clock() - started)
                resume = (Message("assistant", spoken),) if spoken else ()
                current = _with_deadline(
                    replace(request, messages=request.messages + resume), remaining
                )
                log.warning("resuming on another deployment after %d characters", len(spoken))
        raise Unavailable(
            f"every deployment of route {route!r} broke off mid-answer: {', '.join(sorted(broken))}"
        )

    async def _stream(
        self, request: Request, exclude: frozenset[str], callers_deadline: bool = False
    ) -> AsyncIterator[Chunk]:
        if not request.messages:
            raise InvalidArgument("messages: at least one message is needed")
        started = self._clock()
        deadline_s = request.deadline_s or self.config.frontdesk.deadline_ms / 1000.0
        ttft_budget_s = request.ttft_budget_s or self.config.frontdesk.ttft_budget_ms / 1000.0
        opened = await self._first_token(request, started, deadline_s, ttft_budget_s, exclude)
        async for chunk in self._rest(request, opened, started + deadline_s, callers_deadline):
            yield chunk

    def _routed(self, request: Request) -> Request:
        """The request with its route and the canary variant that chose it (a metrics label)."""
        if request.variant:  # routed already
            return request
        if request.route:
            return replace(request, variant=EXPLICIT)
        if self._picker is not None:  # the model canary, sticky per call
            pick = self._picker.pick(request.call_id, request.clinic)
            return replace(request, route=pick.route, variant=pick.variant)
        return replace(request, route=self.config.default_route, variant=DISABLED)

    def _within_budget(self, request: Request) -> None:
        cap = self.config.frontdesk.cost_cap_usd_per_call
        spent = self.ledger.total(request.call_id)
        if cap is not None and spent >= cap:
            raise ResourceExhausted(
                f"call {request.call_id} has spent ${spent:.4f} of its ${cap:g} model budget; "
                "continue it on the rules policy"
            )

    async def complete(self, request: Request) -> Completion:
        """A whole completion: the stream, gathered (so it fails over and resumes alike);
        answered from the exact-match cache when this call asked exactly this before (or, for
        a clinic FAQ question, any call of the clinic did)."""
        request = self._routed(request)
        key = ""
        if self._cache.capacity > 0:  # hashing every message costs; only with a cache
            key = cache_key(request, request.route, shared=shareable(request, self._has_phi))
        hit = self._cache.get(key) if key else None
        if hit is not None:
            free = replace(
                hit.usage, cost_usd=0.0, call_cost_usd=self.ledger.total(request.call_id)
            )
            return replace(hit, cached=True, usage=free)
        started = self._clock()
        text: list[str] = []
        calls: tuple[ToolCall, ...] = ()
        last = Chunk()
        ttft = 0.0
        async for chunk in self.stream(request):
            if not ttft and (chunk.delta or chunk.tool_calls):
                ttft = self._clock() - started
            text.append(chunk.delta)
            calls = calls + chunk.tool_calls
            last = chunk
        done = Completion(
            Message("assistant", "".join(text), tool_calls=calls),
            last.provider,
            last.model,
            last.usage or Usage(),
            ttft or self._clock() - started,
            last.finish_reason,
        )
        if key:
            self._cache.put(key, done)
        return done

    async def _first_token(
        self,
        request: Request,
        started: float,
        deadline_s: float,
        ttft_budget_s: float,
        exclude: frozenset[str],
    ) -> _Opened:
        self._requests += 1
        candidates = [d for d in self._order(request.route) if d.id not in exclude]
        first = candidates[0] if candidates else None
        first_reason = ""
        skipped: list[str] = []
        failed: list[str] = []
        refused: list[str] = []  # by providers, as a malformed request
        running: dict[asyncio.Task[_Opened], Deployment] = {}
        hedged = False
        # No hedge possible for this request: one deployment at a time, awaited in this task
        # (no task and wait per request: fewer event loop turns on the path every request takes).
        serial = not self._may_hedge()

        def launch() -> bool:
            nonlocal first_reason
            while candidates:
                deployment = candidates.pop(0)
                if self.breakers[deployment.id].allow():
                    remaining = deadline_s - (self._clock() - started)
                    task = asyncio.ensure_future(
                        self._open(deployment, request, remaining, started)
                    )
                    running[task] = deployment
                    return True
                skipped.append(deployment.id)
                if deployment is first:
                    first_reason = "circuit_open"
            return False

        def note(to: Deployment | None, reason: str) -> None:
            if first is not None and self._on_failover is not None and to is not first:
                self._on_failover(
                    Failover(
                        request.call_id,
                        first.id,
                        to.id if to else "",
                        (to or first).model,
                        first_reason or reason,
                    )
                )

        if serial:
            for deployment in candidates:
                if not self.breakers[deployment.id].allow():
                    skipped.append(deployment.id)
                    if deployment is first:
                        first_reason = "circuit_open"
                    continue
                left = deadline_s - (self._clock() - started)
                try:
                    if left <= 0:
                        raise TimeoutError
                    async with asyncio.timeout(left):
                        opened = await self._open(deployment, request, left, started)
                except TimeoutError as timeout:
                    self.breakers[deployment.id].release()
                    self._count(deployment, request.variant, "cancelled")
                    raise DeadlineExceeded(
                        f"no first token within the {deadline_s * 1000:.0f} ms deadline "
                        f"(tried {deployment.id})"
                    ) from timeout
                except Exception as failure:  # the provider failed: the next one
                    _note_failure(deployment, failure, failed, refused)
                    if deployment is first:
                        first_reason = first_reason or "error"
                    self._failure(deployment, failure, request.variant)
                    continue
                except BaseException:  # cancelled from outside
                    self.breakers[deployment.id].release()
                    self._count(deployment, request.variant, "cancelled")
                    raise
                note(opened.deployment, "error")
                return opened
            note(None, "error")
            raise _no_answer(request.route or self.config.default_route, skipped, failed, refused)
        try:
            while True:
                if not running and not launch():
                    note(None, "error")
                    raise _no_answer(
                        request.route or self.config.default_route, skipped, failed, refused
                    )
                left = deadline_s - (self._clock() - started)
                if left <= 0:
                    raise DeadlineExceeded(
                        f"no first token within the {deadline_s * 1000:.0f} ms deadline "
                        f"(tried {', '.join(d.id for d in running.values())})"
                    )
                wait = left
                if not hedged and self._may_hedge():
                    wait = min(left, max(ttft_budget_s - (self._clock() - started), 0.0))
                done, _ = await asyncio.wait(
                    running, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    if wait < left and not hedged:
                        hedged = True
                        first_reason = first_reason or "ttft_budget"
                        if launch():
                            self._hedges += 1
                    continue
                for task in done:
                    deployment = running.pop(task)
                    error = task.exception()
                    if error is None:
                        opened = task.result()
                        note(opened.deployment, "error")
                        return opened
                    _note_failure(deployment, error, failed, refused)
                    if deployment is first:
                        first_reason = first_reason or "error"
                    self._failure(deployment, error, request.variant)
        finally:
            for task, deployment in running.items():
                task.cancel()
                self.breakers[deployment.id].release()
                self._count(deployment, request.variant, "cancelled")
            for task in running:
                with contextlib.suppress(BaseException):
                    opened = await task
                    await _close(opened.stream)

    def _may_hedge(self) -> bool:
        hedging = self.config.frontdesk.hedging
        return hedging.enabled and (self._hedges + 1) <= hedging.max_share * self._requests

    async def _open(
        self, deployment: Deployment, request: Request, timeout_s: float, started: float
    ) -> _Opened:
        stream = self._backend.open(deployment.id, request, timeout_s)
        first: list[ProviderChunk] = []
        try:
            async for chunk in stream:
                first.append(chunk)
                if chunk.is_token or chunk.finish_reason:
                    return _Opened(deployment, stream, first, self._clock() - started)
        except BaseException:
            await _close(stream)
            raise
        raise ProviderError("the stream ended without a token")

    async def _rest(
        self, request: Request, opened: _Opened, deadline: float, callers_deadline: bool = False
    ) -> AsyncIterator[Chunk]:
        deployment = opened.deployment
        tools: dict[int, list[str]] = {}
        usage: tuple[int, int] | None = None
        finish = ""

        self._observe_ttft(deployment, request.variant, opened.ttft_s)
        early = list(opened.first)  # read while waiting for the first token
        watchdog = _Deadline(deadline - self._clock())
        try:
            while True:
                if early:
                    chunk = early.pop(0)
                else:
                    if deadline - self._clock() <= 0:
                        raise TimeoutError
                    try:
                        chunk = await watchdog.read(opened.stream)
                    except StopAsyncIteration:
                        break
                for index, call_id, name, fragment in chunk.tool_deltas:
                    entry = tools.setdefault(index, ["", "", ""])
                    entry[0] = entry[0] or call_id
                    entry[1] = entry[1] or name
                    entry[2] += fragment
                if chunk.usage:
                    usage = chunk.usage
                finish = chunk.finish_reason or finish
                if chunk.text:
                    yield Chunk(delta=chunk.text, provider=deployment.id, model=deployment.model)
        except (ProviderError, TimeoutError, OSError) as error:
            watchdog.stop()
            if isinstance(error, TimeoutError) and callers_deadline:
                self.breakers[deployment.id].release()  # the caller's budget, not its fault
                self._count(deployment, request.variant, "cancelled")
            else:
                self._failure(deployment, error, request.variant)
            await _close(opened.stream)
            if isinstance(error, TimeoutError):
                raise DeadlineExceeded(
                    f"{deployment.id}: the completion overran its deadline"
                ) from error
            raise _BrokenStream(
                deployment.id, f"{deployment.id}: the stream broke after the first token ({error})"
            ) from error
        except BaseException:  # cancelled, or the caller stopped reading
            watchdog.stop()
            raise
        watchdog.stop()
        self.breakers[deployment.id].success(opened.ttft_s)
        self._health(deployment)
        self._count(deployment, request.variant, "ok")
        prompt, completion = usage or (0, 0)
        cost = self._price(deployment, prompt, completion)
        total = await self._spend(request.call_id, Usage(prompt, completion, cost))
        if self._metrics is not None and cost:
            self._metrics.llm_cost.labels(
                version=self._version,
                route=deployment.route,
                variant=request.variant,
                provider=deployment.id,
                model=deployment.model,
            ).inc(cost)
        yield Chunk(
            tool_calls=tuple(ToolCall(i, n, a) for i, n, a in (tools[k] for k in sorted(tools))),
            finish_reason=finish or ("tool_calls" if tools else "stop"),
            provider=deployment.id,
            model=deployment.model,
            usage=Usage(prompt, completion, cost, total),
        )

    # -- bookkeeping ------------------------------------------------------------------------
    async def _spend(self, call_id: str, usage: Usage) -> float:
        """The completion on the call's ledger (before its last chunk goes out, so the caller
        that saw the end of a completion finds it counted); returns the call's total."""
        total = self.ledger.add(call_id, usage.cost_usd)
        if self._record_spend is None or not call_id:
            return total
        try:
            # Bounded: with NATS unreachable the answer's end must not wait out its timeouts.
            async with asyncio.timeout(LEDGER_WAIT_S):
                shared = await self._record_spend(call_id, usage)
        except Exception as error:  # an unrecorded cost must not cost the caller the answer
            log.warning("call %s: cost ledger not updated: %s", call_id, error)
            return total
        return self.ledger.set(call_id, max(shared, total))

    def _price(self, deployment: Deployment, prompt: int, completion: int) -> float:
        try:
            return self._pricer(deployment.model, prompt, completion)
        except Exception as error:  # a model litellm has no price for: counted as free, said once
            log.warning("no price for %s: %s", deployment.model, error)
            return 0.0

    def _failure(self, deployment: Deployment, error: BaseException, variant: str) -> None:
        breaker = self.breakers[deployment.id]
        if isinstance(error, ProviderError) and error.refused:
            # The request's fault, not the deployment's: a caller's malformed request must not
            # open every breaker of the route for everyone else.
            breaker.release()
            self._count(deployment, variant, "refused")
            log.info("deployment %s refused the request: %s", deployment.id, error)
            return
        if isinstance(error, ProviderError) and error.fatal:
            breaker.trip()
        else:
            breaker.failure(error.retry_after_s if isinstance(error, ProviderError) else None)
        self._health(deployment)
        self._count(deployment, variant, "error")
        log.warning("deployment %s failed: %s", deployment.id, error or type(error).__name__)

    def _health(self, deployment: Deployment) -> None:
        if self._metrics is not None:
            self._metrics.llm_provider_healthy.labels(
                version=self._version,
                route=deployment.route,
                variant=self._route_variants[deployment.route],
                provider=deployment.id,
            ).set(1 if self.breakers[deployment.id].healthy else 0)

    def _count(self, deployment: Deployment, variant: str, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.llm_requests.labels(
                version=self._version,
                route=deployment.route,
                variant=variant,
                provider=deployment.id,
                model=deployment.model,
                outcome=outcome,
            ).inc()

    def _observe_ttft(self, deployment: Deployment, variant: str, ttft_s: float) -> None:
        if self._metrics is not None:
            self._metrics.llm_ttft.labels(
                version=self._version,
                route=deployment.route,
                variant=variant,
                provider=deployment.id,
                model=deployment.model,
            ).observe(ttft_s)


class _Deadline:
    """A completion's deadline over its stream with one timer, not one per chunk: a timeout
    context per chunk (``asyncio.timeout``) was the largest share of the router's own CPU per
    completion when profiled. The timer cancels the task only while it waits for the provider's
    next chunk (:meth:`read` then raises ``TimeoutError``); a deadline passed between reads is
    the caller's clock check before the next one."""

    def __init__(self, seconds: float) -> None:
        self._task = asyncio.current_task()
        self._fired = False
        self._reading = False
        self._handle = asyncio.get_running_loop().call_later(max(seconds, 0.0), self._fire)

    def _fire(self) -> None:
        self._fired = True
        if self._reading and self._task is not None:
            self._task.cancel()

    async def read(self, stream: AsyncIterator[ProviderChunk]) -> ProviderChunk:
        if self._fired:
            raise TimeoutError
        self._reading = True
        try:
            return await anext(stream)
        except asyncio.CancelledError:
            # Ours alone: the deadline. Anyone else's cancel goes on as it came.
            if self._fired and self._task is not None and self._task.uncancel() == 0:
                raise TimeoutError from None
            raise
        finally:
            self._reading = False

    def stop(self) -> None:
        self._handle.cancel()


class _BrokenStream(Unavailable):
    """A stream that broke after its first token."""

    def __init__(self, deployment: str, message: str) -> None:
        super().__init__(message)
        self.deployment = deployment


def _with_deadline(request: Request, remaining_s: float) -> Request:
    return replace(request, deadline_s=max(remaining_s, 0.001))


def _note_failure(
    deployment: Deployment, error: BaseException, failed: list[str], refused: list[str]
) -> None:
    said = f"{deployment.id} ({error})"
    (refused if isinstance(error, ProviderError) and error.refused else failed).append(said)


def _no_answer(
    route: str, skipped: list[str], failed: list[str], refused: list[str]
) -> InvalidArgument | Unavailable:
    """Refused as malformed by every provider that answered: the caller's request is wrong
    (retrying it cannot help); otherwise the route is down."""
    if refused and not failed:
        return InvalidArgument(
            f"the providers of route {route!r} refused the request as malformed: "
            f"{'; '.join(refused)}"
        )
    return Unavailable(_all_down(route, skipped, failed + refused))


def _all_down(route: str, skipped: list[str], failed: list[str]) -> str:
    parts = []
    if skipped:
        parts.append(f"circuit open: {', '.join(skipped)}")
    if failed:
        parts.append(f"failed: {'; '.join(failed)}")
    return f"every deployment of route {route!r} is down ({'; '.join(parts) or 'none configured'})"


async def _close(stream: AsyncIterator[ProviderChunk]) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is not None:
        with contextlib.suppress(BaseException):
            await closer()
