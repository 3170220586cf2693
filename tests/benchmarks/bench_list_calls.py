"""ListCalls over a real nats-server with many claimed calls: the time of a page through the call
index (first, middle, last page; one clinic of two) against reading every session (what
ListCalls did before the index: list the keys, read each value).

    .venv/bin/python tests/benchmarks/bench_list_calls.py [--calls 10000] [--page 50]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import nats

from orchestrator.sessions import CallSession, SessionStore, index_key
from servicekit.jetstream import ensure_streams, session_key
from servicekit.localnats import NatsServer


async def _fill(store: SessionStore, kv: object, calls: int) -> None:
    for start in range(0, calls, 200):
        await asyncio.gather(
            *(
                store.create(
                    CallSession(
                        call_id=f"bench-{n}",
                        clinic_id="north" if n % 2 else "south",
                        version="v1",
                        policy="rules",
                        start_time="2026-01-01T00:00:00+00:00",
                    )
                )
                for n in range(start, min(calls, start + 200))
            )
        )


async def _timed(label: str, job: object) -> object:
    started = time.perf_counter()
    result = await job  # type: ignore[misc]
    print(f"{label:<44} {1000 * (time.perf_counter() - started):9.1f} ms")
    return result


async def _read_everything(kv: object) -> int:
    """The old ListCalls: every key, then every value."""
    keys = [k for k in await kv.keys() if not k.startswith("calls/")]  # type: ignore[attr-defined]
    sessions = []
    for start in range(0, len(keys), 200):  # all at once times out
        values = await asyncio.gather(*(kv.get(k) for k in keys[start : start + 200]))  # type: ignore[attr-defined]
        sessions += [CallSession.from_json(v.value) for v in values if v.value]
    return len(sessions)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args()
    server = NatsServer.start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        kv = await ensure_streams(js)
        store = SessionStore(kv, js)
        started = time.perf_counter()
        await _fill(store, kv, args.calls)
        print(f"{args.calls} calls claimed in {time.perf_counter() - started:.1f} s")
        assert (await kv.get(index_key("north", "bench-1"))).value == b"bench-1"
        assert (await kv.get(session_key("bench-1"))).value
        first = await _timed(f"first page of {args.page}", store.page("", args.page, ""))
        token = first.next_token  # type: ignore[attr-defined]
        for _ in range(args.calls // args.page // 2 - 1):
            token = (await store.page("", args.page, token)).next_token
        await _timed(f"a middle page of {args.page}", store.page("", args.page, token))
        await _timed(
            f"first page of {args.page}, one clinic of two", store.page("north", args.page, "")
        )
        await _timed("a page of 200 (the largest)", store.page("", 200, ""))
        count = await _timed("reading every session (before the index)", _read_everything(kv))
        print(f"(read {count} sessions)")
        await nc.close()
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
