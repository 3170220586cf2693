"""Who may call what over gRPC: the client kinds and the per-method table, as data.

A client presents a bearer token; the token says which kind of client it is. Each gRPC method
lists the kinds allowed to call it; ``admin`` may call everything (reflection included).
A method missing from the table is admin-only, so a new method is closed until someone decides
who needs it (``test_permissions`` fails until every method of every service has a row).

Health checking stays open: load balancers and ``frontdesk status`` ask without a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ClientKind(StrEnum):
    TELEPHONY = "telephony"  # the SIP / media gateway that streams calls in
    AGENT_DESK = "agent_desk"  # the people who take handoffs
    ADMIN = "admin"  # operators (grpcurl, reflection, everything)
    SERVICE = "service"  # another Frontdesk service, a clinic's integration


T, A, S = ClientKind.TELEPHONY, ClientKind.AGENT_DESK, ClientKind.SERVICE

# "/<package>.<Service>/<Method>" -> the kinds (besides admin) that may call it.
METHOD_PERMISSIONS: Mapping[str, frozenset[ClientKind]] = {
    "/frontdesk.v1.CallGateway/Converse": frozenset({T}),
    "/frontdesk.v1.Orchestrator/Claim": frozenset({S}),
    "/frontdesk.v1.Orchestrator/Turn": frozenset({S}),
    "/frontdesk.v1.Orchestrator/GetSession": frozenset({A, S}),
    "/frontdesk.v1.Orchestrator/ListCalls": frozenset({A, S}),
    "/frontdesk.v1.Handoff/Create": frozenset({S}),
    "/frontdesk.v1.Handoff/Get": frozenset({A}),
    "/frontdesk.v1.Handoff/List": frozenset({A}),
    "/frontdesk.v1.Handoff/Claim": frozenset({A}),
    "/frontdesk.v1.Handoff/Resolve": frozenset({A}),
    "/frontdesk.v1.Handoff/Watch": frozenset({A}),
    "/frontdesk.v1.Scheduler/FindSlots": frozenset({S}),
    "/frontdesk.v1.Scheduler/HoldSlot": frozenset({S}),
    "/frontdesk.v1.Scheduler/Book": frozenset({S}),
    "/frontdesk.v1.Scheduler/Cancel": frozenset({S}),
    "/frontdesk.v1.Scheduler/Reschedule": frozenset({S}),
    "/frontdesk.v1.Scheduler/VerifyIdentity": frozenset({S}),
    "/frontdesk.v1.Scheduler/ListAppointments": frozenset({S}),
    "/frontdesk.v1.Scheduler/CheckVerification": frozenset({S}),
    "/frontdesk.v1.LlmRouter/Complete": frozenset({S}),
    "/frontdesk.v1.LlmRouter/StreamComplete": frozenset({S}),
    "/frontdesk.v1.LlmRouter/ListRoutes": frozenset({S}),
    "/frontdesk.v1.PhiFilter/Redact": frozenset({S}),
    "/frontdesk.v1.PhiFilter/RedactStream": frozenset({S}),
    "/frontdesk.v1.PhiFilter/Scan": frozenset({S}),
}

# Methods anyone may call without a token.
OPEN_PREFIXES = ("/grpc.health.v1.Health/",)


def is_open(method: str) -> bool:
    return method.startswith(OPEN_PREFIXES)


def allowed_kinds(
    method: str, table: Mapping[str, frozenset[ClientKind]] = METHOD_PERMISSIONS
) -> frozenset[ClientKind]:
    """The kinds that may call ``method`` (admin always)."""
    return table.get(method, frozenset()) | {ClientKind.ADMIN}
