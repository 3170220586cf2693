"""Applying ``gitops/flags/<env>.yaml`` to an Unleash server through its admin API.

``plan`` compares the file with what the server holds and returns the changes (pure: it takes the
server's feature documents); ``apply`` makes them. Applying a plan and planning again gives no
changes, so ``frontdesk flags sync`` can run on every push. Flags on the server that the file does
not name are reported, never deleted. ``kill`` is the emergency path: one API call, no planning.

    admin = UnleashAdmin("http://unleash:4242", token)
    changes = sync(admin, spec, dry_run=True)      # what would change
    sync(admin, spec)                              # make it so
    kill(admin, spec, "kill_booking_writes")       # switch on a kill switch / switch off a flag

Errors: :class:`UnleashAdminError` (the server refused or could not be reached; the message
says which call and why).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from controlplane.flag_spec import Flag, FlagSpec


class UnleashAdminError(RuntimeError):
    """An admin API call failed: method, path, status and the server's message."""


def admin_base_url(url: str) -> str:
    """``http://host:4242``, whether given that or the API URL ``…/api`` services use."""
    url = url.rstrip("/")
    return url[: -len("/api")] if url.endswith("/api") else url


class UnleashAdmin:
    """The few admin API calls sync needs, over one httpx client.

    Args:
        url: the server (``http://host:4242``; a trailing ``/api`` is accepted).
        token: an admin API token.
        timeout: seconds per request.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=admin_base_url(url) + "/api/admin",
            headers={"Authorization": token, "Content-Type": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> UnleashAdmin:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise UnleashAdminError(f"{method} {path}: cannot reach Unleash ({error})") from error
        if response.status_code == 404 and method == "GET":
            return None
        if response.status_code >= 400:
            raise UnleashAdminError(
                f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return response.json() if response.content else None

    def feature(self, project: str, name: str) -> dict[str, Any] | None:
        """The feature document (with every environment's strategies), None when absent."""
        found = self.request("GET", f"/projects/{project}/features/{name}")
        return None if found is None else dict(found)

    def feature_names(self, project: str) -> list[str]:
        listed = self.request("GET", f"/projects/{project}/features") or {}
        return sorted(f["name"] for f in listed.get("features", []))


@dataclass(frozen=True)
class Change:
    """One admin API call and what it means to a person reading the diff."""

    flag: str
    summary: str
    method: str = ""
    path: str = ""
    body: Any = None

    def __str__(self) -> str:
        return f"{self.flag}: {self.summary}"


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    unmanaged: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.changes


def _constraint(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "contextName": raw.get("contextName", ""),
        "operator": raw.get("operator", ""),
        "values": list(raw.get("values") or []),
        "inverted": bool(raw.get("inverted", False)),
        "caseInsensitive": bool(raw.get("caseInsensitive", False)),
    }


def _variant(raw: dict[str, Any]) -> dict[str, Any]:
    out = {
        "name": raw.get("name", ""),
        "weight": int(raw.get("weight", 0)),
        "weightType": raw.get("weightType", "variable"),
        "stickiness": raw.get("stickiness", "default"),
    }
    if raw.get("payload"):
        out["payload"] = {"type": raw["payload"]["type"], "value": raw["payload"]["value"]}
    return out


def comparable_strategy(raw: dict[str, Any]) -> dict[str, Any]:
    """A strategy as both the file and the server can say it, for comparison."""
    return {
        "name": raw.get("name", ""),
        "parameters": {k: str(v) for k, v in (raw.get("parameters") or {}).items()},
        "constraints": [_constraint(c) for c in raw.get("constraints") or []],
        "variants": [_variant(v) for v in raw.get("variants") or []],
        "disabled": bool(raw.get("disabled", False)),
    }


def _environment(feature: dict[str, Any], environment: str) -> dict[str, Any]:
    for env in feature.get("environments", []):
        if env.get("name") == environment:
            return dict(env)
    return {"name": environment, "enabled": False, "strategies": []}


def _describe(strategy: dict[str, Any]) -> str:
    params = strategy["parameters"]
    text = str(strategy["name"])
    if "rollout" in params:
        text += f" {params['rollout']}%"
    for constraint in strategy["constraints"]:
        text += f" {constraint['contextName']} {constraint['operator']} {constraint['values']}"
    if strategy["variants"]:
        text += " variants " + "/".join(v["name"] for v in strategy["variants"])
    return text


def plan_flag(spec: FlagSpec, name: str, flag: Flag, live: dict[str, Any] | None) -> list[Change]:
    """The changes that make the server's ``live`` feature (None: absent) match ``flag``."""
    base = f"/projects/{spec.project}/features"
    env_path = f"{base}/{name}/environments/{spec.environment}"
    changes: list[Change] = []
    if live is None:
        changes.append(
            Change(
                name,
                f"create ({flag.type})",
                "POST",
                base,
                {"name": name, "type": flag.type, "description": flag.description},
            )
        )
        live = {"name": name, "environments": []}
    elif live.get("type") != flag.type or (live.get("description") or "") != flag.description:
        differs = [
            f"{key} {live.get(key)!r} -> {want!r}"
            for key, want in (("type", flag.type), ("description", flag.description))
            if (live.get(key) or "") != want
        ]
        changes.append(
            Change(
                name,
                "; ".join(differs),
                "PUT",
                f"{base}/{name}",
                {"type": flag.type, "description": flag.description},
            )
        )
    env = _environment(live, spec.environment)
    have = [(s.get("id", ""), comparable_strategy(s)) for s in env.get("strategies", [])]
    want = [comparable_strategy(s.unleash(name)) for s in flag.strategies]
    for index in range(max(len(have), len(want))):
        if index < len(have) and index < len(want):
            strategy_id, current = have[index]
            if current != want[index]:
                body = {**want[index], "sortOrder": index}
                changes.append(
                    Change(
                        name,
                        f"strategy {index + 1}: {_describe(current)} -> {_describe(want[index])}",
                        "PUT",
                        f"{env_path}/strategies/{strategy_id}",
                        body,
                    )
                )
        elif index < len(want):
            changes.append(
                Change(
                    name,
                    f"add strategy {index + 1}: {_describe(want[index])}",
                    "POST",
                    f"{env_path}/strategies",
                    {**want[index], "sortOrder": index},
                )
            )
        else:
            strategy_id, current = have[index]
            changes.append(
                Change(
                    name,
                    f"remove strategy {index + 1}: {_describe(current)}",
                    "DELETE",
                    f"{env_path}/strategies/{strategy_id}",
                )
            )
    if bool(env.get("enabled")) != flag.enabled:
        state = "on" if flag.enabled else "off"
        changes.append(
            Change(name, f"switch {state} in {spec.environment}", "POST", f"{env_path}/{state}")
        )
    return changes


def plan(
    spec: FlagSpec, live: dict[str, dict[str, Any] | None], server_names: Iterable[str] = ()
) -> Plan:
    """Every change, flag by flag in name order; server flags the file lacks as ``unmanaged``."""
    changes: list[Change] = []
    for name, flag in sorted(spec.flags.items()):
        changes.extend(plan_flag(spec, name, flag, live.get(name)))
    unmanaged = tuple(sorted(set(server_names) - set(spec.flags)))
    return Plan(tuple(changes), unmanaged)


def read_live(admin: UnleashAdmin, spec: FlagSpec) -> dict[str, dict[str, Any] | None]:
    return {name: admin.feature(spec.project, name) for name in sorted(spec.flags)}


def sync(admin: UnleashAdmin, spec: FlagSpec, *, dry_run: bool = False) -> Plan:
    """Plans and (unless ``dry_run``) applies; returns the plan that was (or would be) applied."""
    result = plan(spec, read_live(admin, spec), admin.feature_names(spec.project))
    if not dry_run:
        for change in result.changes:
            admin.request(change.method, change.path, change.body)
    return result


def kill_action(flag: Flag) -> bool:
    """The state a kill leaves a flag in: a kill switch on, anything else off."""
    return flag.is_kill_switch


def kill(admin: UnleashAdmin, spec: FlagSpec, name: str) -> bool:
    """Switches ``name`` to its safe state in the spec's environment at once; returns that
    state (True: on)."""
    flag = spec.flags.get(name)
    if flag is None:
        raise KeyError(f"no flag {name!r} in {spec.path}")
    state = kill_action(flag)
    path = f"/projects/{spec.project}/features/{name}/environments/{spec.environment}/"
    admin.request("POST", path + ("on" if state else "off"))
    return state


@dataclass(frozen=True)
class FlagStatus:
    """One flag in the file beside the same flag on the server."""

    name: str
    file_enabled: bool
    file_strategies: str
    live_enabled: bool | None  # None: not on the server
    live_strategies: str
    in_sync: bool
    owner: str
    expires: str


def status(admin: UnleashAdmin, spec: FlagSpec) -> list[FlagStatus]:
    live = read_live(admin, spec)
    rows = []
    for name, flag in sorted(spec.flags.items()):
        feature = live.get(name)
        want = [comparable_strategy(s.unleash(name)) for s in flag.strategies]
        if feature is None:
            live_enabled, live_text = None, "-"
        else:
            env = _environment(feature, spec.environment)
            live_enabled = bool(env.get("enabled"))
            live_text = "; ".join(
                _describe(comparable_strategy(s)) for s in env.get("strategies", [])
            )
        rows.append(
            FlagStatus(
                name=name,
                file_enabled=flag.enabled,
                file_strategies="; ".join(_describe(s) for s in want),
                live_enabled=live_enabled,
                live_strategies=live_text,
                in_sync=not plan_flag(spec, name, flag, feature),
                owner=flag.owner,
                expires=flag.expires.isoformat() if flag.expires else "never",
            )
        )
    return rows
