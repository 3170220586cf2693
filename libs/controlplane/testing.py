"""Test helpers: the Prometheus binaries, or a skip (locally) / failure (in CI) naming the
install step. CI must never pass by skipping what it was meant to check."""

from __future__ import annotations

import os
from pathlib import Path

from controlplane.prometheus import PrometheusError, binary


def require(name: str) -> Path:
    """``prometheus`` or ``promtool``; skips the test when missing outside CI."""
    import pytest

    try:
        return binary(name)
    except PrometheusError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(error))
