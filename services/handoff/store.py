"""Handoffs in a SQL database: SQLite by default, PostgreSQL by URL.

::

    store = HandoffStore.open("sqlite:///handoffs.db")
    store = HandoffStore.open("postgresql+psycopg://postgres@127.0.0.1:5432/frontdesk")
    packet, created = store.create(packet, idempotency_key="call-1/handoff")
    store.claim(packet.handoff_id, "agent-7", now)

``open`` creates the tables when missing and refuses a database whose schema version differs from
``SCHEMA_VERSION``. Queried fields are columns; the rest of the packet (caller details, summary,
transcript, ...) is one JSON column.

Concurrency: a claim reads the row, applies ``lifecycle.claim`` (which raises for an illegal
step), then writes with ``UPDATE ... WHERE id = :id AND state IN (open, callback)`` and checks the
row count. Two agents racing both pass the read, but the database lets only one UPDATE match; the
loser re-reads and gets ``FailedPrecondition("... already claimed by <winner>")``. Resolve works
the same way with ``state = claimed AND agent_id = :agent``. Create is idempotent per
``idempotency_key`` (a unique column): a repeat returns the first handoff.

Methods are synchronous (SQLAlchemy Core); async callers run them in a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from handoff import lifecycle
from handoff.packet import Line, Packet, Reason, State, Target, Urgency
from handoff.routing import is_urgent
from servicekit.errors import Aborted, NotFound

SCHEMA_VERSION = 1

_metadata = sa.MetaData()

handoffs = sa.Table(
    "handoffs",
    _metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), unique=True, nullable=True),
    sa.Column("call_id", sa.String(200), nullable=False, index=True),
    sa.Column("clinic_id", sa.String(100), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("urgency", sa.Integer, nullable=False),
    # Urgency for ordering: emergencies count as urgent whatever urgency was sent.
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("agent_id", sa.String(200), nullable=False, default=""),
    sa.Column("resolution", sa.Text, nullable=False, default=""),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claim_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("resolve_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Index("handoffs_queue", "clinic_id", "state", "priority", "create_time"),
)

schema_version = sa.Table(
    "handoff_schema_version",
    _metadata,
    sa.Column("version", sa.Integer, primary_key=True),
)

# A claim or resolve that loses a race re-reads and re-decides; more rounds than this means
# the row keeps changing under us.
_MAX_ATTEMPTS = 3


def _utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetimes both ways (SQLite hands back naive values)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _body(packet: Packet) -> dict[str, Any]:
    return {
        "caller_name": packet.caller_name,
        "callback_number": packet.callback_number,
        "identity_verified": packet.identity_verified,
        "patient_id": packet.patient_id,
        "summary": packet.summary,
        "intents_tried": list(packet.intents_tried),
        "slots": dict(packet.slots),
        "transcript_excerpt": [
            {
                "speaker": line.speaker,
                "text": line.text,
                "at": line.at.astimezone(UTC).isoformat() if line.at else None,
            }
            for line in packet.transcript_excerpt
        ],
        "target": (
            {"kind": packet.target.kind, "address": packet.target.address}
            if packet.target
            else None
        ),
    }


def _packet(row: RowMapping) -> Packet:
    body: Mapping[str, Any] = row["body"]
    target = body.get("target")
    return Packet(
        handoff_id=row["id"],
        call_id=row["call_id"],
        clinic_id=row["clinic_id"],
        reason=Reason(row["reason"]),
        urgency=Urgency(row["urgency"]),
        caller_name=body.get("caller_name", ""),
        callback_number=body.get("callback_number", ""),
        identity_verified=bool(body.get("identity_verified", False)),
        patient_id=body.get("patient_id", ""),
        summary=body.get("summary", ""),
        intents_tried=tuple(body.get("intents_tried", ())),
        slots=dict(body.get("slots", {})),
        transcript_excerpt=tuple(
            Line(
                speaker=line["speaker"],
                text=line["text"],
                at=datetime.fromisoformat(line["at"]) if line.get("at") else None,
            )
            for line in body.get("transcript_excerpt", ())
        ),
        state=State(row["state"]),
        target=Target(kind=target["kind"], address=target["address"]) if target else None,
        agent_id=row["agent_id"],
        resolution=row["resolution"],
        create_time=_utc(row["create_time"]),
        claim_time=_utc(row["claim_time"]),
        resolve_time=_utc(row["resolve_time"]),
    )


class SchemaMismatch(RuntimeError):
    """The database was made by a different version of this store."""


class HandoffStore:
    """Stores handoff packets; see the module docstring."""

    def __init__(self, engine: Engine) -> None:
        """Use ``open(url)`` unless you already have an engine; call ``migrate()`` once."""
        self._engine = engine

    @classmethod
    def open(cls, url: str) -> HandoffStore:
        """A store on ``url`` with its schema created or checked."""
        engine = sa.create_engine(url, pool_pre_ping=True)
        store = cls(engine)
        try:
            store.migrate()
        except BaseException:
            engine.dispose()
            raise
        return store

    @property
    def engine(self) -> Engine:
        return self._engine

    def migrate(self) -> None:
        """Create missing tables and record/check the schema version."""
        _metadata.create_all(self._engine)
        with self._engine.begin() as conn:
            found = conn.execute(sa.select(schema_version.c.version)).scalars().all()
            if not found:
                conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif found != [SCHEMA_VERSION]:
                raise SchemaMismatch(
                    f"handoff database has schema version(s) {found}; this code needs "
                    f"{SCHEMA_VERSION}: migrate the database or use a new one"
                )

    def close(self) -> None:
        self._engine.dispose()

    # --- reads ---------------------------------------------------------------------------

    def get(self, handoff_id: str) -> Packet:
        """The handoff; NotFound when there is none with that id."""
        with self._engine.connect() as conn:
            row = (
                conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"no handoff with id {handoff_id!r}")
        return _packet(row)

    def _by_key(self, key: str) -> Packet | None:
        with self._engine.connect() as conn:
            row = (
                conn.execute(sa.select(handoffs).where(handoffs.c.idempotency_key == key))
                .mappings()
                .first()
            )
        return _packet(row) if row is not None else None

    def list(self, *, clinic_id: str = "", states: Collection[State], limit: int) -> list[Packet]:
        """Handoffs in ``states`` (of one clinic when given), most urgent first, then oldest."""
        query = sa.select(handoffs).where(handoffs.c.state.in_([s.value for s in states]))
        if clinic_id:
            query = query.where(handoffs.c.clinic_id == clinic_id)
        query = query.order_by(
            handoffs.c.priority.desc(), handoffs.c.create_time.asc(), handoffs.c.id.asc()
        ).limit(limit)
        with self._engine.connect() as conn:
            return [_packet(row) for row in conn.execute(query).mappings()]

    # --- writes --------------------------------------------------------------------------

    def create(self, packet: Packet, idempotency_key: str = "") -> tuple[Packet, bool]:
        """Store a new handoff; returns (the stored packet, whether it was created now).

        With an ``idempotency_key`` already used, nothing is written and the first handoff is
        returned with ``False``.
        """
        if idempotency_key:
            existing = self._by_key(idempotency_key)
            if existing is not None:
                return existing, False
        if packet.create_time is None:
            raise ValueError("packet.create_time must be set before storing")
        values = {
            "id": packet.handoff_id,
            "idempotency_key": idempotency_key or None,
            "call_id": packet.call_id,
            "clinic_id": packet.clinic_id,
            "reason": packet.reason.value,
            "urgency": int(packet.urgency),
            "priority": int(
                Urgency.URGENT if is_urgent(packet.reason, packet.urgency) else packet.urgency
            ),
            "state": packet.state.value,
            "agent_id": packet.agent_id,
            "resolution": packet.resolution,
            "create_time": _utc(packet.create_time),
            "claim_time": _utc(packet.claim_time),
            "resolve_time": _utc(packet.resolve_time),
            "body": _body(packet),
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(handoffs.insert().values(**values))
        except IntegrityError:
            # A concurrent create with the same key won the insert: return its handoff.
            if idempotency_key:
                existing = self._by_key(idempotency_key)
                if existing is not None:
                    return existing, False
            raise
        return self.get(packet.handoff_id), True

    def claim(self, handoff_id: str, agent_id: str, now: datetime) -> Packet:
        """``agent_id`` takes the handoff; exactly one of several racing agents wins."""
        return self._transition(
            handoff_id,
            lambda p: lifecycle.claim(p, agent_id, now),
            lifecycle.Action.CLAIM,
            extra=None,
        )

    def resolve(self, handoff_id: str, agent_id: str, resolution: str, now: datetime) -> Packet:
        """The claiming agent closes the handoff."""
        return self._transition(
            handoff_id,
            lambda p: lifecycle.resolve(p, agent_id, resolution, now),
            lifecycle.Action.RESOLVE,
            extra=handoffs.c.agent_id == agent_id,
        )

    def _transition(
        self,
        handoff_id: str,
        step: Callable[[Packet], Packet],
        action: lifecycle.Action,
        extra: sa.ColumnElement[bool] | None,
    ) -> Packet:
        allowed = [s.value for s in lifecycle.from_states(action)]
        for _ in range(_MAX_ATTEMPTS):
            current = self.get(handoff_id)
            updated = step(current)  # raises for an illegal step; nothing is written
            if updated == current:
                return current
            condition = sa.and_(handoffs.c.id == handoff_id, handoffs.c.state.in_(allowed))
            if extra is not None:
                condition = sa.and_(condition, extra)
            with self._engine.begin() as conn:
                result = conn.execute(
                    handoffs.update()
                    .where(condition)
                    .values(
                        state=updated.state.value,
                        agent_id=updated.agent_id,
                        resolution=updated.resolution,
                        claim_time=_utc(updated.claim_time),
                        resolve_time=_utc(updated.resolve_time),
                    )
                )
            if result.rowcount == 1:
                return updated
            # Someone else changed the row between our read and write: decide again.
        raise Aborted(f"handoff {handoff_id} kept changing while we updated it; retry")
