"""``frontdesk llm-sim``: run simulated model providers until Ctrl-C.

Prints one line per provider (name, ``api_base``) so a litellm config or a drill can point at it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from llmsim import Provider, SimConfig, SimConfigError, Simulator, load_config


class LlmSimError(ValueError):
    """Bad command-line input for llm-sim."""


def _providers(config: Path | None, named: Sequence[str]) -> tuple[list[Provider], dict[str, int]]:
    sim = load_config(config) if config else SimConfig(providers={})
    providers, ports = sim.build()
    for spec in named:
        name, _, port = spec.partition(":")
        if not name or (port and not port.isdecimal()):
            raise LlmSimError(f"--provider {spec!r}: expected NAME or NAME:PORT")
        providers.append(Provider(name, script=sim.script))
        ports[name] = int(port or 0)
    if not providers:
        raise LlmSimError("no providers: pass --config FILE or --provider NAME[:PORT]")
    return providers, ports


def run(config: Path | None, named: Sequence[str], *, host: str = "127.0.0.1") -> int:
    try:
        providers, ports = _providers(config, named)
    except SimConfigError as error:
        raise LlmSimError(str(error)) from error
    try:
        sim = Simulator.start(providers, host=host, ports=ports)
    except OSError as error:
        raise LlmSimError(f"cannot listen: {error}") from error
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with sim:
        for name, item in sim.running.items():
            print(f"{name}\thttp://{host}:{item.port}/v1\t(admin: /admin/faults)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0
