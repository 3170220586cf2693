"""Every public gRPC method, fed generated malformed, oversized and adversarial input
(hypothesis), against the whole running stack: each answer is OK or the status a client can act
on, with a message; never INTERNAL or UNKNOWN, never a crash (the service still answers health
checks afterwards), and never a partial write (the scheduler's tables are unchanged by input
that was refused). llm_router runs real routes over simulated providers (conftest.py) and must
answer some generated completions with OK: half of them are shaped to pass its front checks
(shapes.py), so the routing, hedging, breaker, cache and cost code sees them too.

``FRONTDESK_FUZZ_EXAMPLES`` sets the examples per unary method (default 60 for CI); streaming
methods get ``FRONTDESK_FUZZ_STREAM_EXAMPLES`` (default a fifth of that), each stream held open
up to ``FRONTDESK_FUZZ_STREAM_CUTOFF`` seconds (0.5). The long run behind the documented
figures: ``FRONTDESK_FUZZ_EXAMPLES=10000 FRONTDESK_FUZZ_STREAM_EXAMPLES=10000
FRONTDESK_FUZZ_STREAM_CUTOFF=0.05 FRONTDESK_FUZZ_LISTED_CALLS=10000 ./dev test tests/fuzz``.
``FRONTDESK_FUZZ_LISTED_CALLS`` calls (default 300) are claimed before ``ListCalls`` is fuzzed,
so its pages have something to page through. With ``FRONTDESK_FUZZ_REPORT`` set
to a file, each method appends one JSON line: examples sent, seconds, and the statuses seen.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.v1 import (
    gateway_pb2,
    handoff_pb2,
    llm_router_pb2,
    orchestrator_pb2,
    phi_pb2,
    scheduler_pb2,
)
from servicekit.permissions import ClientKind
from tests.e2e.stack import Stack

from .messages import messages
from .shapes import shaped

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.slow]

EXAMPLES = int(os.environ.get("FRONTDESK_FUZZ_EXAMPLES", "60"))
SERVICES: dict[str, ServiceDescriptor] = {
    "gateway": gateway_pb2.DESCRIPTOR.services_by_name["CallGateway"],
    "handoff": handoff_pb2.DESCRIPTOR.services_by_name["Handoff"],
    "llm_router": llm_router_pb2.DESCRIPTOR.services_by_name["LlmRouter"],
    "orchestrator": orchestrator_pb2.DESCRIPTOR.services_by_name["Orchestrator"],
    "phi_filter": phi_pb2.DESCRIPTOR.services_by_name["PhiFilter"],
    "scheduler_adapter": scheduler_pb2.DESCRIPTOR.services_by_name["Scheduler"],
}
# What a client can act on. DEADLINE_EXCEEDED only for streams this suite cuts off itself.
ACTIONABLE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.ABORTED,
}
# Seconds a generated stream may run before the suite hangs up, and how many streams.
STREAM_CUTOFF = float(os.environ.get("FRONTDESK_FUZZ_STREAM_CUTOFF", "0.5"))
STREAM_EXAMPLES = int(os.environ.get("FRONTDESK_FUZZ_STREAM_EXAMPLES", str(max(10, EXAMPLES // 5))))
TABLES = ("patients", "appointments", "holds", "slots")
LISTED_CALLS = int(os.environ.get("FRONTDESK_FUZZ_LISTED_CALLS", "300"))


@dataclass(frozen=True)
class Target:
    service: str
    method: MethodDescriptor

    @property
    def path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def request_type(self) -> type[Message]:
        found: type[Message] = GetMessageClass(self.method.input_type)
        return found

    def __str__(self) -> str:
        return f"{self.service}.{self.method.name}"


TARGETS = [
    Target(service, method)
    for service, descriptor in SERVICES.items()
    for method in descriptor.methods
]


@pytest.fixture(scope="module")
def channels(stack: Stack) -> Iterator[dict[str, grpc.Channel]]:
    # As admin (every method allowed): the fuzz targets the handlers, not the auth table.
    admin = stack.credentials.client(ClientKind.ADMIN)
    opened = {name: admin.sync_channel(running.target) for name, running in stack.services.items()}
    yield opened
    for channel in opened.values():
        channel.close()


def _table_counts(stack: Stack) -> dict[str, int]:
    engine = sa.create_engine(stack.scheduler_db)
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            return {
                table: int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in TABLES
                if table in names
            }
    finally:
        engine.dispose()


def _call(channel: grpc.Channel, target: Target, requests: list[Message]) -> grpc.RpcError | None:
    """Sends the requests; returns the error (None when OK)."""
    method = target.method
    serialize = lambda message: message.SerializeToString()  # noqa: E731
    try:
        if not method.client_streaming and not method.server_streaming:
            channel.unary_unary(target.path, request_serializer=serialize)(requests[0], timeout=10)
        elif not method.client_streaming:
            for _ in channel.unary_stream(target.path, request_serializer=serialize)(
                requests[0], timeout=STREAM_CUTOFF
            ):
                pass
        else:
            for _ in channel.stream_stream(target.path, request_serializer=serialize)(
                iter(requests), timeout=STREAM_CUTOFF
            ):
                pass
    except grpc.RpcError as error:
        return error
    return None


def _own_deadline(sent: list[Message]) -> bool:
    """The request named its own time budget (llm_router's ``deadline_ms``)."""
    return any(getattr(message, "deadline_ms", 0) > 0 for message in sent)


def _check(error: grpc.RpcError | None, target: Target, sent: list[Message]) -> None:
    if error is None:
        return
    code = error.code()  # type: ignore[attr-defined]
    details = error.details() or ""  # type: ignore[attr-defined]
    streaming = target.method.server_streaming or target.method.client_streaming
    if code is grpc.StatusCode.DEADLINE_EXCEEDED and streaming:
        return  # the suite hung up on a stream that was still open: that is the stream working
    if code is grpc.StatusCode.DEADLINE_EXCEEDED and _own_deadline(sent):
        assert "deadline" in details, f"{target}: {details!r}"
        return  # the budget the request asked for ran out: the answer it asked for
    assert code in ACTIONABLE, f"{target}: {code.name} {details!r}"
    assert details.strip(), f"{target}: {code.name} without a message"


def _healthy(channel: grpc.Channel, target: Target) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    answer = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING, f"{target}: not serving"


def _claim_calls(channel: grpc.Channel, count: int) -> None:
    claim = channel.unary_unary(
        "/frontdesk.v1.Orchestrator/Claim",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=orchestrator_pb2.ClaimResponse.FromString,
    )
    for n in range(count):
        claim(
            orchestrator_pb2.ClaimRequest(call_id=f"fuzz-listed-{n}", clinic_id="demo"), timeout=30
        )


def _report(target: Target, statuses: Counter[str], seconds: float) -> None:
    """The figures behind the closing note of a long run (see the module docstring)."""
    path = os.environ.get("FRONTDESK_FUZZ_REPORT")
    if not path:
        return
    line = {
        "method": str(target),
        "examples": sum(statuses.values()),
        "seconds": round(seconds, 1),
        "statuses": dict(statuses.most_common()),
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_generated_input_gets_an_actionable_answer(
    target: Target, stack: Stack, channels: dict[str, grpc.Channel]
) -> None:
    channel = channels[target.service]
    if str(target) == "orchestrator.ListCalls":
        _claim_calls(channel, LISTED_CALLS)
    before = _table_counts(stack)
    single = messages(target.request_type)
    shape = shaped(target.request_type)
    if shape is not None:  # half random, half past the front checks (shapes.py)
        single = st.one_of(single, shape)
    requests = (
        st.lists(single, min_size=1, max_size=4)
        if target.method.client_streaming
        else single.map(lambda message: [message])
    )
    accepted: list[str] = []
    statuses: Counter[str] = Counter()
    streaming = target.method.client_streaming or target.method.server_streaming

    @settings(
        # A stream that stays open costs the cut-off each time: fewer of those.
        max_examples=STREAM_EXAMPLES if streaming else EXAMPLES,
        deadline=None,
        derandomize=True,  # the same inputs on every run: a CI failure reproduces locally
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(requests)
    def run(sent: list[Message]) -> None:
        error = _call(channel, target, sent)
        statuses["OK" if error is None else error.code().name] += 1  # type: ignore[attr-defined]
        _check(error, target, sent)
        if error is None and not streaming:
            accepted.append(target.method.name)

    started = time.monotonic()
    run()
    _report(target, statuses, time.monotonic() - started)
    _healthy(channel, target)
    if target.service == "llm_router":
        # Routes over the simulated providers (conftest.py): some generated requests must get
        # through routing to a provider and back, or the fuzz never reached that code.
        assert statuses["OK"], f"{target}: no generated request was answered: {dict(statuses)}"
    if target.service == "scheduler_adapter" and target.method.name in {
        "HoldSlot",
        "Book",
        "Cancel",
        "Reschedule",
    }:
        # Generated input never carries a verification this call earned: nothing may change.
        assert not accepted, f"{target}: generated input was accepted"
        assert _table_counts(stack) == before


def test_malformed_bytes_are_invalid_argument(
    stack: Stack, channels: dict[str, grpc.Channel]
) -> None:
    """Bytes that are not a protobuf message of the method's type at all."""
    for target in TARGETS:
        if target.method.client_streaming or target.method.server_streaming:
            continue
        call = channels[target.service].unary_unary(target.path)
        try:
            call(b"\xff\xff\xff\xff\x0f\x01", timeout=5)
        except grpc.RpcError as error:
            assert error.code() in ACTIONABLE, f"{target}: {error.code().name} {error.details()!r}"  # type: ignore[attr-defined]
            continue
        pytest.fail(f"{target}: garbage bytes were accepted")


def test_an_oversized_message_is_resource_exhausted(channels: dict[str, grpc.Channel]) -> None:
    redact = channels["phi_filter"].unary_unary(
        "/frontdesk.v1.PhiFilter/Redact",
        request_serializer=lambda m: m.SerializeToString(),
    )
    with pytest.raises(grpc.RpcError) as raised:
        redact(phi_pb2.RedactRequest(text="x" * (5 << 20)), timeout=10)
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
