"""Feature flags through Unleash.

With ``FRONTDESK_UNLEASH_URL`` set, flags come from that Unleash server (refreshed in the
background). Without it, they are bootstrapped once from the flags file in ``gitops/flags/``:
the same definitions Unleash is synced from, so local runs and tests see production's rules.
The context is always ``sessionId`` = the call id and ``properties.clinic`` = the clinic id, so
a call sees one answer for its whole life (sticky rollouts and variants).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from UnleashClient import UnleashClient  # type: ignore[attr-defined]
from UnleashClient.cache import FileCache

log = logging.getLogger(__name__)

# What each flag means and its default when Unleash cannot be asked at all.
DEFAULTS: dict[str, bool] = {
    "llm_model_routing": False,
    "new_prompt_template": False,
    "enhanced_phi_redaction": True,
    "dialogue_policy": False,
    "kill_llm": False,
    "kill_booking_writes": False,
}


class Flags:
    """Asks Unleash (or the bootstrap file) about flags for one call.

    Args:
        app_name: the service asking.
        url: Unleash API URL (``http://unleash:4242/api``); empty for the offline bootstrap.
        token: client API token for ``url``.
        bootstrap_file: Unleash features JSON used when ``url`` is empty.
    """

    def __init__(
        self,
        app_name: str,
        *,
        url: str = "",
        token: str = "",
        bootstrap_file: Path | None = None,
        instance_id: str = "",
        refresh_interval: int = 15,
    ) -> None:
        self._cache_dir = tempfile.TemporaryDirectory(prefix="frontdesk-flags-")
        cache = FileCache(f"frontdesk-{app_name}", directory=self._cache_dir.name)
        self.offline = not url
        if self.offline:
            if bootstrap_file is None or not bootstrap_file.is_file():
                raise ValueError(
                    f"no Unleash URL (FRONTDESK_UNLEASH_URL) and no flags file at {bootstrap_file}"
                )
            cache.bootstrap_from_file(bootstrap_file)
        self._client = UnleashClient(
            url=url or "http://127.0.0.1:4242/api",
            app_name=app_name,
            instance_id=instance_id or app_name,
            custom_headers={"Authorization": token} if token else {},
            refresh_interval=refresh_interval,
            disable_metrics=self.offline,
            disable_registration=self.offline,
            cache=cache,
            multiple_instance_mode="SILENTLY_ALLOW",  # type: ignore[arg-type]
        )
        self._client.initialize_client(fetch_toggles=not self.offline)

    @staticmethod
    def _context(call_id: str, clinic: str) -> dict[str, Any]:
        return {"sessionId": call_id, "properties": {"clinic": clinic}}

    def is_enabled(self, name: str, *, call_id: str = "", clinic: str = "") -> bool:
        default = DEFAULTS.get(name, False)
        return bool(
            self._client.is_enabled(
                name,
                self._context(call_id, clinic),
                fallback_function=lambda _name, _ctx: default,
            )
        )

    def variant(self, name: str, *, call_id: str = "", clinic: str = "") -> str:
        """The variant's name for this call; "disabled" when the flag is off or has none."""
        result = self._client.get_variant(name, self._context(call_id, clinic))
        return str(result.get("name", "disabled")) if result.get("enabled") else "disabled"

    def close(self) -> None:
        try:
            self._client.destroy()
        except Exception:  # the background scheduler may already be gone at interpreter exit
            log.debug("unleash client destroy failed", exc_info=True)
        self._cache_dir.cleanup()
