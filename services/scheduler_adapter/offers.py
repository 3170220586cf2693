"""Which free slots a call is offered: spread across equivalent ones (no I/O).

When every caller asking for "Tuesday afternoon" hears the same earliest three times, concurrent
bookers collide on the first of them and most hear "that time was just taken". So a call with an
id is offered ``page_size`` slots drawn from the equivalent candidates — every free slot that
matches its filters on the same clinic-local day as the earliest, up to ``POOL_PER_OFFER`` per
offer — chosen by a generator seeded from the call id (the same call asking again hears the same
times; different calls hear different ones), then read out in time order. A request without a
call id (an operator's query) gets the earliest, as before. When the earliest candidate is the
very time the caller named (``keep_first``: "Monday at 3:30"), it is not equivalent to the
others: it stays the first offer and only the rest are drawn.

    offered = spread(candidates, page_size=3, call_id="CA123", day_of=lambda s: s.start.date())
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")
# How many candidates per offered slot are considered equivalent (a day's afternoon with three
# providers has about 24 blocks: a pool of 24 for three offers).
POOL_PER_OFFER = 8


def pool_size(page_size: int, call_id: str) -> int:
    """How many candidates (in time order) to read before choosing."""
    return page_size * POOL_PER_OFFER if call_id else page_size


def spread(
    candidates: Sequence[T],
    *,
    page_size: int,
    call_id: str,
    day_of: Callable[[T], Hashable],
    keep_first: bool = False,
) -> list[T]:
    """``page_size`` of ``candidates`` (given in time order), see the module docstring."""
    if not call_id or len(candidates) <= page_size:
        return list(candidates[:page_size])
    first_day = day_of(candidates[0])
    pool = [c for c in candidates if day_of(c) == first_day]
    if len(pool) <= page_size:
        return list(candidates[:page_size])
    kept = 1 if keep_first else 0
    seed = int.from_bytes(hashlib.blake2b(call_id.encode(), digest_size=8).digest(), "big")
    picked = set(random.Random(seed).sample(range(kept, len(pool)), page_size - kept))
    picked |= set(range(kept))
    return [c for i, c in enumerate(pool) if i in picked]
