"""Shared fixtures: settings pointing at the real demo clinic, its staff names, the scrubber."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import phi
from phi_filter.leak_scan import LeakScanner
from servicekit.phi_scrub import make_scrubber, staff_names
from servicekit.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[3]
CLINICS = REPO / "deploy" / "local" / "clinics"


@pytest.fixture(scope="session")
def settings() -> ServiceSettings:
    return ServiceSettings(clinics_dir=CLINICS)


@pytest.fixture(scope="session")
def staff() -> tuple[str, ...]:
    return staff_names(CLINICS)


@pytest.fixture(scope="session")
def scrub(settings: ServiceSettings) -> Callable[[str], str]:
    return make_scrubber(settings)


@pytest.fixture(scope="session")
def scanner(staff: tuple[str, ...]) -> LeakScanner:
    return LeakScanner(phi.Engine(strict=True, allow=staff))
