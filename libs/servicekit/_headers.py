"""Header names of servicekit's request/reply protocol over NATS.

A request carries its deadline as the time left, in milliseconds; a reply carries a gRPC status
code name and, for errors, a message. A server-streaming call sends its chunks to the request's
reply subject, then one end message with the status; the caller may publish to
``<reply subject>.cancel`` to stop the stream early.
"""

from __future__ import annotations

TIMEOUT_MS = "Frontdesk-Timeout-Ms"
STATUS = "Frontdesk-Status"
MESSAGE = "Frontdesk-Message"
STREAM = "Frontdesk-Stream"
STREAM_END = "Frontdesk-Stream-End"
CANCEL_SUFFIX = ".cancel"

# NATS' own status header, and the code it uses for "no responders".
NATS_STATUS = "Status"
NO_RESPONDERS = "503"


def header_safe(text: str, limit: int = 1024) -> str:
    """A header value cannot hold line breaks; long messages are cut."""
    return text.replace("\r", " ").replace("\n", " ")[:limit]
