"""Feature flags through Unleash, asked per call.

With ``FRONTDESK_UNLEASH_URL`` set, flags come from that Unleash server: the SDK's asyncio client
(``UnleashClient.AsyncUnleashClient``) polls ``/api/client/features`` with the ETag every
``FRONTDESK_UNLEASH_REFRESH_INTERVAL`` seconds on the service's own event loop (no thread, no
blocking call) and evaluates locally (Unleash's Yggdrasil engine: the same normalized murmur hash
as the server's SDKs, so a call's bucket is the same everywhere). Without a URL, or until the
first answer, or for a flag the server does not have, the bootstrap file answers
(``gitops/flags/bootstrap/<env>.json``, generated from ``gitops/flags/<env>.yaml``). When the
server goes away the last state it sent stays in force: a call never fails because of Unleash.

The context is always ``sessionId`` = the call id and ``properties.clinic`` = the clinic, so a
call sees one answer for its whole life (sticky rollouts and variants)::

    flags = Flags("orchestrator", url=..., token=..., bootstrap_file=..., registry=registry)
    await flags.start()
    call = flags.for_call(call_id, clinic_id)
    if call.enabled(KILL_BOOKING_WRITES): ...
    route = call.variant(LLM_MODEL_ROUTING).name        # "candidate" or "disabled"
    await flags.close()

Metrics (on ``registry``): ``frontdesk_flag_evaluations_total{flag,result}`` (result: ``on``,
``off`` or the variant's name), ``frontdesk_flag_enabled{flag}`` (the flag's switch in the state
in force), ``frontdesk_flags_last_fetch_timestamp_seconds`` (last answer from the server, 0 when
none yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from UnleashClient.cache import BaseCache
from UnleashClient.constants import FEATURES_URL
from UnleashClient.utils import InstanceAllowType
from yggdrasil_engine.engine import UnleashEngine

log = logging.getLogger(__name__)

# The flags code reads (gitops/flags/<env>.yaml defines them; a test checks each is there).
LLM_MODEL_ROUTING = "llm_model_routing"
NEW_PROMPT_TEMPLATE = "new_prompt_template"
ENHANCED_PHI_REDACTION = "enhanced_phi_redaction"
DIALOGUE_POLICY = "dialogue_policy"
KILL_LLM = "kill_llm"
KILL_BOOKING_WRITES = "kill_booking_writes"
FLAG_NAMES = (
    LLM_MODEL_ROUTING,
    NEW_PROMPT_TEMPLATE,
    ENHANCED_PHI_REDACTION,
    DIALOGUE_POLICY,
    KILL_LLM,
    KILL_BOOKING_WRITES,
)
# How a refused booking write starts its message (scheduler_adapter), so the dialogue can tell
# "paused by the kill switch" from "the scheduler is down" without a proto change.
WRITES_PAUSED = "booking changes are paused"

DEFAULT_REFRESH_INTERVAL = 15.0
# Seconds start() waits for the first answer from the server before going on with the bootstrap.
START_WAIT = 2.0


@dataclass(frozen=True)
class Variant:
    """A flag's variant for one call: ``name`` is "disabled" when the flag is off or has none."""

    name: str
    enabled: bool
    payload: str = ""


DISABLED = Variant("disabled", False)


def call_context(call_id: str, clinic: str) -> dict[str, Any]:
    """The Unleash context of one call."""
    return {"sessionId": call_id, "properties": {"clinic": clinic}}


class _MemoryCache(BaseCache):
    """The SDK's cache kept in memory. The SDK only ships a file cache, which needs a folder
    (the old ``frontdesk-flags-*`` temp folders); a service has no use for state on disk: the
    bootstrap file is the cold-start answer."""

    def __init__(self, features: str) -> None:
        self._data: dict[str, Any] = {FEATURES_URL: features}
        self.bootstrapped = True

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value

    def mset(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            self.set(key, value)

    def get(self, key: str, default: Any | None = None) -> Any:
        return self._data.get(key, default)

    def exists(self, key: str) -> bool:
        return key in self._data

    def destroy(self) -> None:
        self._data.clear()

    def features(self) -> str:
        return str(self._data.get(FEATURES_URL, ""))


def _switches(features_json: str) -> dict[str, bool]:
    try:
        document = json.loads(features_json) if features_json else {}
    except ValueError:
        return {}
    return {f["name"]: bool(f.get("enabled")) for f in document.get("features", [])}


class Flags:
    """Asks Unleash (or the bootstrap file) about flags for one call.

    Args:
        app_name: the service asking.
        url: Unleash API URL (``http://unleash:4242/api``); empty for the bootstrap file only.
        token: client API token for ``url``.
        bootstrap_file: client-API features JSON: the answer without (or before) a server.
        instance_id: this process, for Unleash's list of connected SDKs.
        refresh_interval: seconds between polls of the server.
        registry: where the flag metrics go (none when None).
        request_timeout: seconds per HTTP call to the server.
    """

    def __init__(
        self,
        app_name: str,
        *,
        url: str = "",
        token: str = "",
        bootstrap_file: Path | None = None,
        instance_id: str = "",
        refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
        registry: CollectorRegistry | None = None,
        request_timeout: int = 2,
    ) -> None:
        if bootstrap_file is None or not bootstrap_file.is_file():
            raise ValueError(
                f"no flags bootstrap file at {bootstrap_file} (FRONTDESK_FLAGS_FILE); "
                "generate it with `frontdesk flags generate`"
            )
        bootstrap = bootstrap_file.read_text()
        self._bootstrap = UnleashEngine()
        self._bootstrap.take_state(bootstrap)
        self._bootstrap_switches = _switches(bootstrap)
        self._cache = _MemoryCache(bootstrap)
        self.offline = not url
        self._last_fetch = 0.0
        self._client: Any = None
        self._starting: asyncio.Task[None] | None = None
        if not self.offline:
            # Imported here: it needs aiohttp, which an offline process does not.
            from UnleashClient.clients.async_unleash_client import AsyncUnleashClient

            self._client = AsyncUnleashClient(
                url=url,
                app_name=app_name,
                instance_id=instance_id or app_name,
                custom_headers={"Authorization": token} if token else {},
                refresh_interval=refresh_interval,  # type: ignore[arg-type]  # float works
                request_timeout=request_timeout,
                cache=self._cache,
                multiple_instance_mode=InstanceAllowType.SILENTLY_ALLOW,
            )
            self._note_answers(self._client)
        self._evaluations: Counter | None = None
        if registry is not None:
            self._evaluations = Counter(
                "frontdesk_flag_evaluations_total",
                "Flag evaluations by flag and result (on, off, or the variant's name).",
                ["flag", "result"],
                registry=registry,
            )
            registry.register(_StateCollector(self))

    def _note_answers(self, client: Any) -> None:
        """Notes when the server last answered (200 or 304): the SDK has no hook for it, and a
        304 changes nothing it stores, so its transport's fetch is wrapped (pinned SDK; a test
        checks the time moves)."""
        transport = client._transport
        fetch = transport.fetch_features

        async def noted(etag: str = "") -> Any:
            result = await fetch(etag=etag)
            if result.raw_state or result.not_modified:
                self._last_fetch = time.time()
            return result

        transport.fetch_features = noted

    async def start(self, wait: float = START_WAIT) -> None:
        """Starts polling the server in the background; waits up to ``wait`` seconds for its
        first answer (the bootstrap answers meanwhile, and for good when it never comes)."""
        if self._client is None or self._starting is not None:
            return
        self._starting = asyncio.create_task(self._client.initialize_client())
        with contextlib.suppress(TimeoutError, Exception):
            await asyncio.wait_for(asyncio.shield(self._starting), wait)

    async def close(self) -> None:
        if self._client is None:
            return
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starting
        try:
            await self._client.destroy()
        except Exception:  # shutting down: nothing left to protect
            log.debug("unleash client destroy failed", exc_info=True)

    # --- evaluation ---------------------------------------------------------------------

    def _count(self, name: str, result: str) -> None:
        if self._evaluations is not None:
            self._evaluations.labels(flag=name, result=result).inc()

    def _known(self, name: str) -> bool:
        return self._client is not None and name in self._client.feature_definitions()

    def is_enabled(self, name: str, *, call_id: str = "", clinic: str = "") -> bool:
        context = call_context(call_id, clinic)

        def from_bootstrap(_name: str, _context: dict[str, Any]) -> bool:
            return bool(self._bootstrap.check_enabled(name, context).is_enabled)

        if self._client is None:
            enabled = from_bootstrap(name, context)
        else:
            enabled = bool(self._client.is_enabled(name, context, fallback_function=from_bootstrap))
        self._count(name, "on" if enabled else "off")
        return enabled

    def variant(self, name: str, *, call_id: str = "", clinic: str = "") -> Variant:
        """The flag's variant for this call (``DISABLED`` when off or without variants)."""
        context = call_context(call_id, clinic)
        if self._known(name):
            raw = self._client.get_variant(name, context)
            enabled, variant_name = bool(raw.get("enabled")), str(raw.get("name", "disabled"))
            payload = raw.get("payload") or {}
        else:
            found = self._bootstrap.check_variant(name, context).variant
            enabled, variant_name = bool(found.enabled), str(found.name)
            payload = found.payload or {}
        result = Variant(variant_name, True, str(payload.get("value", ""))) if enabled else DISABLED
        self._count(name, result.name)
        return result

    def for_call(self, call_id: str, clinic: str) -> CallFlags:
        return CallFlags(self, call_id, clinic)

    # --- state, for metrics and `frontdesk flags status` -----------------------------------

    def switches(self) -> dict[str, bool]:
        """Each flag's on/off switch in the state in force (server's, else the bootstrap's)."""
        return {**self._bootstrap_switches, **_switches(self._cache.features())}

    @property
    def last_fetch(self) -> float:
        """Unix time of the server's last answer; 0 when it never answered."""
        return self._last_fetch


@dataclass(frozen=True)
class CallFlags:
    """The flags of one call: what the dialogue, the router and the tools ask."""

    flags: Flags
    call_id: str
    clinic: str

    def enabled(self, name: str) -> bool:
        return self.flags.is_enabled(name, call_id=self.call_id, clinic=self.clinic)

    def variant(self, name: str) -> Variant:
        return self.flags.variant(name, call_id=self.call_id, clinic=self.clinic)


class _StateCollector(Collector):
    """Reads the state in force at scrape time (no copy to keep up to date)."""

    def __init__(self, flags: Flags) -> None:
        self._flags = flags

    def collect(self) -> Iterator[GaugeMetricFamily]:
        enabled = GaugeMetricFamily(
            "frontdesk_flag_enabled", "The flag's switch in the state in force.", labels=["flag"]
        )
        for name, state in sorted(self._flags.switches().items()):
            enabled.add_metric([name], 1.0 if state else 0.0)
        yield enabled
        yield GaugeMetricFamily(
            "frontdesk_flags_last_fetch_timestamp_seconds",
            "Unix time of the Unleash server's last answer (0: none yet; bootstrap in force).",
            value=self._flags.last_fetch,
        )
