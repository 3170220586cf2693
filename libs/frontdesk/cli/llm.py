"""``frontdesk llm routes`` and ``frontdesk llm cost``: the model router as operators see it.

``routes``: llm_router's routes, deployments, weights and breaker states — what to look at first
in a provider outage or a latency incident: which deployments the breakers took out of service
(``open``), which are being probed (``half_open``), where the traffic goes meanwhile.
``cost CALL_ID...``: a call's model spend from the ``llm_costs`` ledger (servicekit.costs), the
same figures ``CallCompleted`` carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from frontdesk.v1 import llm_router_pb2, llm_router_pb2_grpc
from servicekit.auth import GrpcClient


def list_routes(
    address: str, client: GrpcClient, timeout: float = 5.0
) -> llm_router_pb2.ListRoutesResponse:
    with client.sync_channel(address) as channel:
        stub = llm_router_pb2_grpc.LlmRouterStub(channel)
        reply: llm_router_pb2.ListRoutesResponse = stub.ListRoutes(
            llm_router_pb2.ListRoutesRequest(),
            timeout=timeout,
        )
        return reply


def routes_table(routes: llm_router_pb2.ListRoutesResponse) -> str:
    """One line per deployment; a closing line names the routes nobody can serve."""
    rows = [("ROUTE", "DEPLOYMENT", "MODEL", "WEIGHT", "BREAKER", "HEALTHY")]
    down = []
    for route in routes.routes:
        for d in route.deployments:
            rows.append(
                (
                    route.name,
                    d.provider,
                    d.model,
                    f"{d.weight:.0%}",
                    d.breaker_state,
                    "yes" if d.healthy else "no",
                )
            )
        if route.deployments and not any(d.breaker_state != "open" for d in route.deployments):
            down.append(route.name)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if down:
        lines.append(
            f"every breaker open on: {', '.join(down)} (requests answer UNAVAILABLE at once; "
            "calls continue on the rules policy)"
        )
    return "\n".join(lines)


async def cost_command(url: str, call_ids: Sequence[str], options: Mapping[str, str]) -> int:
    """One line per call: dollars, tokens in and out, completions priced."""
    import nats

    from servicekit.costs import CallCosts

    connection = await nats.connect(url, **options)  # type: ignore[arg-type]
    try:
        costs = CallCosts(connection.jetstream())
        print(f"{'CALL':<36}  {'USD':>10}  {'PROMPT':>8}  {'COMPLETION':>10}  {'REQUESTS':>8}")
        for call_id in call_ids:
            spend = await costs.get(call_id)
            print(
                f"{call_id:<36}  {spend.cost_usd:>10.6f}  {spend.prompt_tokens:>8}  "
                f"{spend.completion_tokens:>10}  {spend.requests:>8}"
            )
    finally:
        await connection.close()
    return 0
