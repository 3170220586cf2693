"""How the phi_filter service is built and exposed: the servicer, plus the leak detector running
beside it (started with the service, stopped when it drains).

Settings (``FRONTDESK_*``): ``MAX_TEXT_BYTES`` (largest text a request may carry),
``LEAK_DETECTOR`` (false turns the event consumer and the log tailer off),
``LEAK_SCAN_LOG_FILES`` (comma-separated JSON-lines log files to follow),
``KNOWN_CACHE_TTL_S`` (how long a call's session is cached for scanning).
"""

from __future__ import annotations

import phi
from frontdesk.v1 import phi_pb2, phi_pb2_grpc
from phi_filter.leak_detector import (
    EventLeakDetector,
    LeakReporter,
    LogTailer,
    SessionKnown,
    log_files,
)
from phi_filter.leak_scan import LeakScanner
from phi_filter.server import DEFAULT_MAX_TEXT_BYTES, PhiFilterServicer
from servicekit import Metrics, Runtime, ServiceDefinition, ServiceSettings
from servicekit.app import Built, Service
from servicekit.phi_scrub import staff_names

DEFINITION = ServiceDefinition(
    name="phi_filter",
    descriptor=phi_pb2.DESCRIPTOR.services_by_name["PhiFilter"],
    add_to_server=phi_pb2_grpc.add_PhiFilterServicer_to_server,
)
FLAG = "enhanced_phi_redaction"


class PhiFilterSettings(ServiceSettings):
    """``FRONTDESK_*`` settings of the phi_filter service."""

    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
    leak_detector: bool = True
    leak_scan_log_files: str = ""
    known_cache_ttl_s: float = 5.0


class PrometheusRedactions:
    """``frontdesk_phi_redactions_total{version, entity}``."""

    def __init__(self, metrics: Metrics, version: str) -> None:
        self._metrics = metrics
        self._version = version

    def add(self, entity: str, count: int = 1) -> None:
        self._metrics.phi_redactions.labels(version=self._version, entity=entity).inc(count)


class LeakDetection:
    """The event consumer and, when log files are configured, the log tailer."""

    def __init__(
        self, runtime: Runtime, settings: PhiFilterSettings, staff: tuple[str, ...]
    ) -> None:
        scanner = LeakScanner(phi.Engine(strict=True, allow=staff))  # the most sensitive setting
        known = SessionKnown(runtime.sessions, ttl_s=settings.known_cache_ttl_s)
        reporter = LeakReporter(runtime.events, runtime.metrics, settings.version)
        self.events = EventLeakDetector(runtime.js, scanner, known, reporter)
        paths = log_files(settings.leak_scan_log_files)
        self.logs = LogTailer(paths, scanner, known, reporter) if paths else None

    async def start(self) -> None:
        await self.events.start()
        if self.logs is not None:
            await self.logs.start()

    async def stop(self) -> None:
        if self.logs is not None:
            await self.logs.stop()
        await self.events.stop()


async def build(runtime: Runtime, settings: PhiFilterSettings) -> Built:
    staff = staff_names(settings.clinics_dir)
    flags = runtime.flags

    def strict_default() -> bool:
        return True if flags is None else flags.is_enabled(FLAG)

    servicer = PhiFilterServicer(
        strict_default=strict_default,
        redactions=PrometheusRedactions(runtime.metrics, settings.version),
        staff=staff,
        max_text_bytes=settings.max_text_bytes,
    )
    if not settings.leak_detector:
        return Built(servicer)
    detection = LeakDetection(runtime, settings, staff)
    await detection.start()

    # Stopped while draining: the consumer needs the NATS connection, which closes after.
    return Built(servicer, draining=detection.stop, close=detection.stop)


SERVICE = Service(DEFINITION, PhiFilterSettings, build)
