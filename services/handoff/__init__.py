"""The Handoff service: hands a call to a person with everything they need.

A handoff *packet* says who called, why, how urgently, what was tried and the last lines of the
conversation. Creating one chooses where the call goes (a SIP transfer target, or the clinic's
callback queue when it is closed), stores it, tells agent desks that watch, and publishes a
redacted ``HandoffCreated`` event. Agents claim a handoff (exactly one wins) and resolve it.

Modules, from pure to wired:

* ``handoff.packet``    the packet, its required fields and completeness score
* ``handoff.routing``   where a handoff goes, by reason, urgency and opening hours
* ``handoff.lifecycle`` the OPEN/CALLBACK -> CLAIMED -> RESOLVED state machine (a data table)
* ``handoff.convert``   protobuf <-> domain
* ``handoff.store``     SQLAlchemy store (SQLite or PostgreSQL); atomic claim, idempotent create
* ``handoff.fanout``    in-process fan-out of new handoffs to watchers
* ``handoff.server``    the gRPC/NATS servicer
* ``handoff.factory``   ``build_handoff_servicer(...)``: everything wired from a database URL
"""
