"""Each call's model spend (its cost ledger) in the JetStream KV bucket ``llm_costs``.

llm_router adds every priced completion to the call's entry; the orchestrator reads the entry
when the call ends and puts it in ``CallCompleted``. The bucket, not a router's memory, holds
the ledger because any llm_router replica may serve any request of a call, and any orchestrator
replica may end it. Entries expire with the session TTL (a call outlives neither).

    costs = CallCosts(js)
    total = await costs.add("call-1", LlmSpend(cost_usd=0.0004, prompt_tokens=120, ...))
    spend = await costs.get("call-1")      # an empty LlmSpend when nothing was spent

The add is a read-modify-write on the entry's revision, retried when another replica wrote in
between, so concurrent completions of one call are never lost.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from frontdesk.v1.common_pb2 import LlmSpend
from servicekit.jetstream import COSTS_BUCKET, session_key

# Writers racing on one call's entry: far more attempts than replicas that could race.
_ATTEMPTS = 20


def merged(entry: LlmSpend, more: LlmSpend) -> LlmSpend:
    return LlmSpend(
        cost_usd=entry.cost_usd + more.cost_usd,
        prompt_tokens=entry.prompt_tokens + more.prompt_tokens,
        completion_tokens=entry.completion_tokens + more.completion_tokens,
        requests=entry.requests + more.requests,
    )


class CallCosts:
    """The ledger over ``js``; the bucket is looked up on first use (services only look it up;
    whoever manages streams creates it: :func:`servicekit.jetstream.ensure_streams`)."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self._bucket: KeyValue | None = None

    async def _kv(self) -> KeyValue:
        if self._bucket is None:
            self._bucket = await self._js.key_value(COSTS_BUCKET)
        return self._bucket

    async def add(self, call_id: str, spend: LlmSpend) -> LlmSpend:
        """Adds ``spend`` to the call's entry; returns the call's total after it."""
        kv = await self._kv()
        key = session_key(call_id)
        for _ in range(_ATTEMPTS):
            try:
                entry = await kv.get(key)
            except KeyNotFoundError:  # the call's first priced completion
                try:
                    await kv.create(key, spend.SerializeToString())
                except KeyWrongLastSequenceError:
                    continue  # another replica created it first
                return spend
            total = merged(LlmSpend.FromString(entry.value or b""), spend)
            try:
                await kv.update(key, total.SerializeToString(), last=entry.revision)
            except KeyWrongLastSequenceError:
                continue
            return total
        raise RuntimeError(
            f"the cost ledger of call {call_id} kept changing under {_ATTEMPTS} writes"
        )

    async def get(self, call_id: str) -> LlmSpend:
        kv = await self._kv()
        try:
            entry = await kv.get(session_key(call_id))
        except KeyNotFoundError:
            return LlmSpend()
        return LlmSpend.FromString(entry.value or b"")
