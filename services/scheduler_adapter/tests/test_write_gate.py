"""kill_booking_writes at the scheduler: writes refused per the call's context, reads untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.v1 import common_pb2
from scheduler_adapter.write_gate import check_writes
from servicekit.errors import Unavailable
from servicekit.flags import KILL_BOOKING_WRITES, WRITES_PAUSED, Flags


def flags_with_switch(tmp_path: Path, enabled: bool, clinics: list[str]) -> Flags:
    strategy = {
        "name": "default",
        "parameters": {},
        "constraints": [{"contextName": "clinic", "operator": "IN", "values": clinics}],
    }
    features = {
        "version": 2,
        "features": [{"name": KILL_BOOKING_WRITES, "enabled": enabled, "strategies": [strategy]}],
    }
    path = tmp_path / "flags.json"
    path.write_text(json.dumps(features))
    return Flags("test", bootstrap_file=path)


def context(clinic: str) -> common_pb2.CallContext:
    return common_pb2.CallContext(call_id="c1", clinic_id=clinic)


def test_writes_refused_only_where_the_switch_is_on(tmp_path: Path) -> None:
    flags = flags_with_switch(tmp_path, True, ["north"])
    with pytest.raises(Unavailable) as raised:
        check_writes(flags, context("north"))
    assert raised.value.message.startswith(WRITES_PAUSED)
    assert KILL_BOOKING_WRITES in raised.value.message
    check_writes(flags, context("south"))  # another clinic books on


def test_writes_allowed_when_off_or_without_flags(tmp_path: Path) -> None:
    check_writes(flags_with_switch(tmp_path, False, ["north"]), context("north"))
    check_writes(None, context("north"))
