"""NATS users and permissions against a real nats-server running the generated configuration:
no anonymous access, each service only on its own subjects, the audit stream closed to the
gateway, and the gitops values generated from the same table."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
import yaml

from frontdesk.v1 import events_pb2, scheduler_pb2
from servicekit import BusClient, make_broker
from servicekit._headers import STATUS
from servicekit.audit import AuditChainPublisher, verify_stream
from servicekit.errors import DeadlineExceeded
from servicekit.natsauth import connect_options
from servicekit.natsperms import SERVICE_PERMISSIONS, helm_values
from servicekit.settings import PROJECT_ROOT, ServiceSettings
from servicekit.testing import SecuredNats

pytestmark = pytest.mark.nats

VALUES = PROJECT_ROOT / "gitops" / "platform" / "nats" / "values-permissions.yaml"


class Violations:
    """Collects the asynchronous permission errors nats-server sends a connection."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def record(self, error: Exception) -> None:
        self.seen.append(str(error))

    async def wait_for(self, text: str, timeout: float = 3.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        # nats-py lower-cases the server's "Permissions Violation for Publish to ..." text.
        while not any(text.lower() in seen.lower() for seen in self.seen):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no violation mentioning {text!r}: {self.seen}")
            await asyncio.sleep(0.02)


async def test_an_unauthenticated_connection_is_refused(secured_nats: SecuredNats) -> None:
    with pytest.raises(Exception, match=r"(?i)authorization violation"):
        await nats.connect(secured_nats.url, allow_reconnect=False, max_reconnect_attempts=0)
    with pytest.raises(Exception, match=r"(?i)authorization violation"):
        await nats.connect(
            secured_nats.url,
            user="orchestrator",
            password="not-the-password",
            allow_reconnect=False,
            max_reconnect_attempts=0,
        )


async def test_the_orchestrator_may_call_only_the_scheduler_methods_in_its_table(
    secured_nats: SecuredNats,
) -> None:
    # The scheduler (its own user) answers anything it receives and records the subject.
    scheduler = await secured_nats.connect("scheduler_adapter")
    received: list[str] = []

    async def answer(msg: Any) -> None:
        received.append(msg.subject)
        await scheduler.publish(msg.reply, b"", headers={STATUS: "OK"})

    await scheduler.subscribe("frontdesk.scheduler_adapter.>", queue="scheduler_adapter", cb=answer)
    await scheduler.flush()

    violations = Violations()
    settings = ServiceSettings(**secured_nats.settings("orchestrator"))
    broker = make_broker(settings.nats_url, credentials=connect_options(settings))
    await broker.connect()
    broker.connection._error_cb = violations.record  # nats-py reports permission errors here
    bus = BusClient(broker, timeout=1.0)
    try:
        # In its table: answered.
        await bus.call(
            "frontdesk.scheduler_adapter.FindSlots",
            scheduler_pb2.FindSlotsRequest(),
            scheduler_pb2.FindSlotsResponse,
        )
        # Outside it: a maintenance method the scheduler might serve to operators, the whole
        # subject space, and the agent desk's handoff methods: refused by the server.
        for forbidden in (
            "frontdesk.scheduler_adapter.SeedDemo",
            "frontdesk.scheduler_adapter.Purge",
            "frontdesk.handoff.Claim",
            "frontdesk.handoff.Resolve",
        ):
            with pytest.raises(DeadlineExceeded):
                await bus.call(
                    forbidden,
                    scheduler_pb2.FindSlotsRequest(),
                    scheduler_pb2.FindSlotsResponse,
                    timeout=0.3,
                )
            await violations.wait_for(f'Publish to "{forbidden}"')
    finally:
        await broker.stop()
        await scheduler.close()
    assert received == ["frontdesk.scheduler_adapter.FindSlots"]


async def test_the_gateway_cannot_read_the_audit_stream(secured_nats: SecuredNats) -> None:
    # The scheduler writes chained audit records (allowed, reading its chain's head) ...
    scheduler = await secured_nats.connect("scheduler_adapter")
    chain = AuditChainPublisher(scheduler.jetstream(timeout=2))
    for patient in ("pat-1", "pat-2"):
        record = events_pb2.AuditRecord(action="book", patient_id=patient)
        await chain.publish("frontdesk.audit.book", record, {})
    await scheduler.close()

    violations = Violations()
    gateway = await secured_nats.connect("gateway", error_cb=violations.record)
    js = gateway.jetstream(timeout=0.5)
    try:
        with pytest.raises((nats.errors.TimeoutError, TimeoutError)):
            await js.stream_info("audit")
        await violations.wait_for('Publish to "$JS.API.STREAM.INFO.audit"')
        with pytest.raises((nats.errors.TimeoutError, TimeoutError)):
            await js.pull_subscribe("frontdesk.audit.>", durable="peek", stream="audit")
        with pytest.raises((nats.errors.TimeoutError, TimeoutError)):
            await js.get_msg("audit", 1)
        # Nor listen to audit records as they are published.
        await gateway.subscribe("frontdesk.audit.>")
        await violations.wait_for('Subscription to "frontdesk.audit.>"')
    finally:
        await gateway.close()

    # ... which the auditor reads and verifies (what `frontdesk audit verify` does).
    auditor = await secured_nats.connect("auditor")
    try:
        report = await verify_stream(auditor.jetstream(timeout=2))
        assert report.records == 2 and report.intact
    finally:
        await auditor.close()


async def test_no_service_may_change_streams(secured_nats: SecuredNats) -> None:
    for user in SERVICE_PERMISSIONS:
        connection = await secured_nats.connect(user)
        try:
            with pytest.raises((nats.errors.TimeoutError, TimeoutError)):
                await connection.jetstream(timeout=0.3).delete_stream("audit")
        finally:
            await connection.close()
    admin = await secured_nats.connect("admin")
    try:
        assert (await admin.jetstream().stream_info("audit")).config.name == "audit"
    finally:
        await admin.close()


def test_the_gitops_values_are_generated_from_the_table() -> None:
    assert VALUES.exists(), "run: python -m servicekit.natsperms > " + str(VALUES)
    committed = yaml.safe_load(VALUES.read_text())
    assert committed == helm_values(), f"stale: python -m servicekit.natsperms > {VALUES}"


def test_the_generated_config_holds_one_user_per_service(tmp_path: Path) -> None:
    from servicekit.devcredentials import DevCredentials

    creds = DevCredentials.ensure(tmp_path)
    text = creds.nats_config(host="127.0.0.1", port=4222, store_dir=tmp_path / "js").read_text()
    import json

    users = {u["user"]: u for u in json.loads(text)["authorization"]["users"]}
    assert set(users) == {*SERVICE_PERMISSIONS, "auditor", "admin"}
    assert users["gateway"]["permissions"]["subscribe"]["allow"] == ["_INBOX.>"]
    assert not any(s == ">" for s in users["orchestrator"]["permissions"]["publish"]["allow"])
    assert (tmp_path / "nats.conf").stat().st_mode & 0o077 == 0
