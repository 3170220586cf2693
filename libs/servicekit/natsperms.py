"""NATS users: one per service, allowed to publish and subscribe on exactly what it needs.

One table (:data:`SERVICE_PERMISSIONS`) generates both the nats-server configuration that
``frontdesk up`` runs (:func:`server_config`) and the NATS Helm chart's values
(:func:`helm_values`, written to ``gitops/platform/nats/values-permissions.yaml``; a test fails
when that file is stale).

Where the subjects come from:

- serving: ``frontdesk.<svc>.>`` (each method, versioned ones too; queue group ``<svc>``) and,
  for unary replies, ``allow_responses`` (one reply to the requester's inbox);
- server streaming (orchestrator ``Turn``, handoff ``Watch``, llm_router ``StreamComplete``):
  chunks go to the caller's ``_INBOX.…`` — publish on ``_INBOX.>``;
- calling: the exact ``frontdesk.<svc>.<Method>`` subjects it requests, replies on ``_INBOX.>``;
  a stream's caller also publishes the ``.cancel`` of its inbox;
- events and audit: the exact ``frontdesk.events.<kind>`` / ``frontdesk.audit.*`` it publishes
  (JetStream acks come back on ``_INBOX.>``); the scheduler reads the last audit record of a
  subject to chain the next one to it;
- the ``sessions`` KV bucket: ``$KV.sessions.>`` for writes, direct/message get for reads,
  a consumer on ``KV_sessions`` to list keys; the ``llm_costs`` bucket likewise (llm_router
  writes a call's spend, the orchestrator reads it at call end);
- consumers: the ``$JS.API.CONSUMER.…`` subjects of exactly the stream it reads (phi_filter's
  durable leak detector on ``events``, the scheduler's durable proof revoker on ``events``,
  handoff's ordered consumer for ``handoff_created``).

Nobody but the ``admin`` user (``frontdesk up`` itself, a setup job) creates or changes streams;
services start with ``FRONTDESK_MANAGE_STREAMS=false`` and only look them up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INBOX = "_INBOX.>"
# Looking the sessions bucket up at start (servicekit.runtime).
SESSIONS_LOOKUP = ("$JS.API.STREAM.INFO.KV_sessions",)
SESSIONS_READ = (
    "$JS.API.DIRECT.GET.KV_sessions.>",
    "$JS.API.STREAM.MSG.GET.KV_sessions",
)
# The ``llm_costs`` bucket (servicekit.costs): looked up on first use, read per call.
COSTS_READ = (
    "$JS.API.STREAM.INFO.KV_llm_costs",
    "$JS.API.DIRECT.GET.KV_llm_costs.>",
    "$JS.API.STREAM.MSG.GET.KV_llm_costs",
)


def _calls(service: str, *methods: str) -> tuple[str, ...]:
    return tuple(f"frontdesk.{service}.{method}" for method in methods)


def _consumer(stream: str, name: str = "*") -> tuple[str, ...]:
    """What reading ``stream`` through a consumer named ``name`` needs."""
    return (
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.CONSUMER.CREATE.{stream}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{name}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{name}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{name}",
        f"$JS.API.CONSUMER.INFO.{stream}.{name}",
        f"$JS.API.CONSUMER.DELETE.{stream}.{name}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}",
        f"$JS.ACK.{stream}.{name}.>",
        f"$JS.FC.{stream}.>",
    )


@dataclass(frozen=True)
class NatsPermissions:
    """One user's allowed subjects (nats-server ``permissions``)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    # May answer the requests it receives (one reply each, to the requester's inbox).
    responses: bool = True

    def as_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "publish": {"allow": list(self.publish)},
            "subscribe": {"allow": list(self.subscribe)},
        }
        if self.responses:
            config["allow_responses"] = True
        return config


def _serving(service: str) -> tuple[str, ...]:
    return (f"frontdesk.{service}.>", INBOX)


SERVICE_PERMISSIONS: Mapping[str, NatsPermissions] = {
    # The edge: asks the orchestrator (claim, turns) and nothing else; serves nothing on NATS
    # (Converse is a bidirectional gRPC stream).
    "gateway": NatsPermissions(
        publish=(
            *_calls("orchestrator", "Claim", "*.Turn"),
            INBOX,  # the .cancel of a Turn stream it leaves early
            *SESSIONS_LOOKUP,
            # Hang-ups, durably, for the orchestrator to end the call (gateway.call).
            "frontdesk.events.call_hung_up",
        ),
        subscribe=(INBOX,),
        responses=False,
    ),
    "orchestrator": NatsPermissions(
        publish=(
            *_calls(
                "scheduler_adapter",
                "VerifyIdentity",
                "FindSlots",
                "HoldSlot",
                "Book",
                "Cancel",
                "Reschedule",
                "ListAppointments",
            ),
            *_calls("handoff", "Create"),
            *_calls("llm_router", "StreamComplete"),  # the LLM dialogue policy
            "frontdesk.events.call_started",
            "frontdesk.events.turn_completed",
            "frontdesk.events.call_completed",
            INBOX,  # Turn chunks to the caller's inbox
            "$KV.sessions.>",
            *SESSIONS_LOOKUP,
            *SESSIONS_READ,
            *_consumer("KV_sessions"),  # listing keys (ListCalls)
            *COSTS_READ,  # the call's model spend, for CallCompleted
            # Ending calls from the gateway's hang-up events (orchestrator.call_ends).
            *_consumer("events", "orchestrator_call_ends"),
        ),
        subscribe=_serving("orchestrator"),
    ),
    "scheduler_adapter": NatsPermissions(
        publish=(
            "frontdesk.events.appointment_changed",
            "frontdesk.audit.*",
            # The audit chain's head: the last record of a subject (servicekit.audit).
            "$JS.API.STREAM.MSG.GET.audit",
            "$JS.API.DIRECT.GET.audit.>",
            *SESSIONS_LOOKUP,
            # Revoking a call's proofs when it ends (scheduler_adapter.call_ends).
            *_consumer("events", "scheduler_proof_revoker"),
        ),
        subscribe=_serving("scheduler_adapter"),
    ),
    "handoff": NatsPermissions(
        publish=(
            # A packet's patient id only with the call's proof for it (handoff.patient_check).
            *_calls("scheduler_adapter", "CheckVerification"),
            "frontdesk.events.handoff_created",
            INBOX,  # Watch chunks
            *SESSIONS_LOOKUP,
            "$JS.API.STREAM.NAMES",  # finding the stream of handoff_created
            *_consumer("events"),  # the ordered consumer that relays handoff_created
        ),
        subscribe=_serving("handoff"),
    ),
    "phi_filter": NatsPermissions(
        publish=(
            "frontdesk.events.phi_leak_detected",
            *SESSIONS_LOOKUP,
            *SESSIONS_READ,  # what a call knows, to scan for it
            *_consumer("events", "phi_filter_leak_detector"),
        ),
        subscribe=_serving("phi_filter"),
    ),
    "llm_router": NatsPermissions(
        publish=(
            INBOX,  # StreamComplete chunks
            *SESSIONS_LOOKUP,
            "frontdesk.events.provider_failover",
            "$KV.llm_costs.>",  # each call's spend (servicekit.costs)
            *COSTS_READ,
        ),
        subscribe=_serving("llm_router"),
    ),
}

# Reads the audit stream (`frontdesk audit verify`), the redacted events (the compliance
# report) and calls' model spend (`frontdesk llm cost`); writes nothing.
AUDITOR = NatsPermissions(
    publish=(
        "$JS.API.STREAM.NAMES",
        *_consumer("audit"),
        "$JS.API.STREAM.MSG.GET.audit",
        "$JS.API.DIRECT.GET.audit.>",
        *_consumer("events"),
        *COSTS_READ,  # `frontdesk llm cost`
    ),
    subscribe=(INBOX,),
    responses=False,
)
# Sets up streams and buckets (frontdesk up, a setup job); everything.
ADMIN = NatsPermissions(publish=(">",), subscribe=(">",), responses=False)


def all_users() -> dict[str, NatsPermissions]:
    return {**SERVICE_PERMISSIONS, "auditor": AUDITOR, "admin": ADMIN}


def server_config(
    *,
    host: str,
    port: int,
    store_dir: Path,
    passwords: Mapping[str, str],
) -> str:
    """A nats-server configuration: JetStream on, one user per entry of :func:`all_users`
    (with ``passwords[name]``), no anonymous access."""
    users = [
        {"user": name, "password": passwords[name], "permissions": perms.as_config()}
        for name, perms in all_users().items()
    ]
    body = {
        "host": host,
        "port": port,
        "jetstream": {"store_dir": str(store_dir)},
        "authorization": {"users": users},
    }
    # nats-server reads JSON as its configuration format.
    return json.dumps(body, indent=2) + "\n"


def helm_values(users: Iterable[str] | None = None) -> dict[str, Any]:
    """Values for the NATS Helm chart: the same users and permissions, passwords taken from
    the environment of the NATS pod (``$<USER>_NATS_PASSWORD``, from a Secret)."""
    chosen = list(users) if users is not None else list(all_users())
    table = all_users()
    return {
        "config": {
            "jetstream": {"enabled": True},
            "merge": {
                "authorization": {
                    "users": [
                        {
                            "user": name,
                            "password": f"${name.upper()}_NATS_PASSWORD",
                            "permissions": table[name].as_config(),
                        }
                        for name in chosen
                    ]
                }
            },
        }
    }


HEADER = """\
# Generated by `python -m servicekit.natsperms` from servicekit/natsperms.py: do not edit.
# NATS users and subject permissions for the NATS Helm chart (merged into its config).
# Each password comes from the NATS pod's environment ($<USER>_NATS_PASSWORD, from a Secret);
# services read theirs from FRONTDESK_NATS_USER / FRONTDESK_NATS_PASSWORD_FILE.
"""


def render_values() -> str:
    import yaml

    return HEADER + yaml.safe_dump(helm_values(), sort_keys=False, width=100)


if __name__ == "__main__":
    print(render_values(), end="")
