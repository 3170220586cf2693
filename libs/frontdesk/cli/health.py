"""Asking a service's gRPC health endpoint how it is (grpc.health.v1).

    check("127.0.0.1:50051", "frontdesk.v1.CallGateway")   # -> "SERVING" / "NOT_SERVING" / "DOWN"

Every service serves health for ``""`` (the server) and for its protobuf service's full name;
a service counts as SERVING only when both say so.
"""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from servicekit.auth import INSECURE_CLIENT, GrpcClient

# The protobuf service each Frontdesk service exposes (health is reported under this name).
PROTO_SERVICES: dict[str, str] = {
    "gateway": "frontdesk.v1.CallGateway",
    "orchestrator": "frontdesk.v1.Orchestrator",
    "llm_router": "frontdesk.v1.LlmRouter",
    "scheduler_adapter": "frontdesk.v1.Scheduler",
    "handoff": "frontdesk.v1.Handoff",
    "phi_filter": "frontdesk.v1.PhiFilter",
}

SERVING = "SERVING"
NOT_SERVING = "NOT_SERVING"
DOWN = "DOWN"


def check(
    address: str, proto_service: str, timeout: float = 1.0, client: GrpcClient = INSECURE_CLIENT
) -> str:
    """SERVING, NOT_SERVING (answers but not serving, or unknown service) or DOWN (no answer).

    Health needs no token, but a TLS server needs ``client`` to trust its CA."""
    with client.sync_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for name in ("", proto_service):
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=timeout)
            except grpc.RpcError as error:
                code = error.code() if isinstance(error, grpc.Call) else None
                if code == grpc.StatusCode.NOT_FOUND:
                    return NOT_SERVING
                return DOWN
            if reply.status != health_pb2.HealthCheckResponse.SERVING:
                return NOT_SERVING
    return SERVING
