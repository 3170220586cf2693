"""The telephony edge: ``CallGateway.Converse`` calls in, orchestrator turns over NATS out.

Modules: :mod:`gateway.model` (domain messages), :mod:`gateway.admission` (concurrent-call cap and
draining), :mod:`gateway.dtmf` (keypad digit buffering), :mod:`gateway.call` (one call's loop),
:mod:`gateway.switchboard` (admits calls and drains them), :mod:`gateway.orchestrator_client`
(the orchestrator over NATS), :mod:`gateway.convert` (protobuf <-> domain), :mod:`gateway.server`
(the servicer), :mod:`gateway.app` (how the service is built).
"""
