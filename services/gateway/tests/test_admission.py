"""Admission: the concurrent-call cap and the drain switch."""

from __future__ import annotations

import asyncio

import pytest

from gateway.admission import Admission


def test_admits_up_to_capacity_then_refuses_until_a_call_ends() -> None:
    admission = Admission(capacity=2)
    assert admission.try_admit()
    assert admission.try_admit()
    assert not admission.try_admit()
    assert admission.live == 2  # the refused call took no place
    admission.release()
    assert admission.try_admit()
    assert admission.live == 2


def test_zero_capacity_refuses_everything() -> None:
    assert not Admission(capacity=0).try_admit()


def test_draining_refuses_new_calls_but_keeps_live_ones() -> None:
    admission = Admission(capacity=5)
    assert admission.try_admit()
    admission.start_draining()
    assert admission.draining
    assert not admission.try_admit()
    assert admission.live == 1


def test_release_without_admit_is_a_bug() -> None:
    with pytest.raises(RuntimeError):
        Admission(capacity=1).release()


def test_negative_capacity_is_rejected() -> None:
    with pytest.raises(ValueError):
        Admission(capacity=-1)


async def test_wait_idle_returns_when_the_last_call_ends() -> None:
    admission = Admission(capacity=2)
    admission.try_admit()
    admission.try_admit()
    waiter = asyncio.create_task(admission.wait_idle(timeout=2))
    await asyncio.sleep(0.01)
    admission.release()
    await asyncio.sleep(0.01)
    assert not waiter.done()  # one call is still live
    admission.release()
    assert await waiter is True


async def test_wait_idle_times_out_with_live_calls() -> None:
    admission = Admission(capacity=1)
    admission.try_admit()
    assert await admission.wait_idle(timeout=0.05) is False
    assert await Admission(capacity=1).wait_idle(timeout=0) is True  # nothing live: idle now
