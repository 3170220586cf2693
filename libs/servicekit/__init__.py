"""What every Frontdesk service stands on.

- :mod:`servicekit.settings`: ``FRONTDESK_*`` settings with local defaults.
- :func:`serve`: one servicer over gRPC (health, reflection, tracing, auth, errors) and NATS.
- :class:`BusClient`: calls another service's method over NATS with a deadline.
- :class:`Runtime`: the broker, JetStream, KV, event publisher, metrics, flags of one service.
- :mod:`servicekit.errors`: exceptions that carry their gRPC status.
- :mod:`servicekit.scrub`: the seam through which every outgoing text is scrubbed of PHI.
"""

from __future__ import annotations

from servicekit.bus import BusClient, bind_servicer, make_broker
from servicekit.events import EventPublisher
from servicekit.flags import Flags
from servicekit.metrics import Metrics
from servicekit.runtime import Runtime
from servicekit.scrub import Scrubber, no_scrub, scrub_message
from servicekit.serve import ServiceDefinition, Serving, serve
from servicekit.settings import ServiceSettings

__all__ = [
    "BusClient",
    "EventPublisher",
    "Flags",
    "Metrics",
    "Runtime",
    "Scrubber",
    "ServiceDefinition",
    "ServiceSettings",
    "Serving",
    "bind_servicer",
    "make_broker",
    "no_scrub",
    "scrub_message",
    "serve",
]
