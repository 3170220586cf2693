"""``frontdesk up``: an embedded NATS and the six services as supervised child processes.

    stack = Stack(StackOptions(state_dir=Path(".frontdesk")))
    try:
        stack.start(should_stop)        # raises StackError naming the service that failed
        reason = stack.watch(should_stop)   # returns when asked to stop or a child died
    finally:
        stack.stop()

Secure by default: ``secrets/`` holds development credentials made on first start
(:mod:`servicekit.devcredentials`: a local CA, the servers' certificate, a client certificate,
one token per client kind); every service serves gRPC over TLS with client tokens, and
``frontdesk call`` / ``status`` / ``simulate`` read the same folder. ``--insecure`` turns that off,
loudly.

Layout of the state folder: ``nats/`` (JetStream data), ``logs/<svc>.log`` and ``logs/nats.log``
(each child's stdout and stderr), ``scheduler.db`` / ``handoff.db`` (SQLite, unless
``FRONTDESK_SCHEDULER_DATABASE_URL`` / ``FRONTDESK_HANDOFF_DATABASE_URL`` are set), and
``stack.json`` while the stack runs (:mod:`frontdesk.cli.stackfile`).

Children run in their own process group (Ctrl-C reaches only the supervisor, which stops them
in order: services first so they drain, NATS last) and, on Linux, with PR_SET_PDEATHSIG so the
kernel SIGKILLs them when the supervisor dies in any way, SIGKILL included
(:mod:`frontdesk.cli.processes` says why SIGKILL).
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from frontdesk.cli import health
from frontdesk.cli.processes import alive, pick_port, spawn, tail, terminate, wait_for_port
from frontdesk.cli.stackfile import ServiceRecord, StackFile, StackNotRunning, stack_client
from servicekit.auth import INSECURE_CLIENT, GrpcClient
from servicekit.devcredentials import DevCredentials
from servicekit.settings import DEFAULT_GRPC_PORTS, PROJECT_ROOT

if TYPE_CHECKING:
    from controlplane.prometheus import LocalPrometheus

SERVICES: tuple[str, ...] = tuple(DEFAULT_GRPC_PORTS)
NATS_PORT = 4222
RELAY_PORT = 8765
METRICS_BASE = 9100
HOST = "127.0.0.1"

ShouldStop = Callable[[], bool]


class StackError(RuntimeError):
    """The stack could not start or stopped working; the message says which service and why."""


@dataclass(frozen=True)
class StackOptions:
    state_dir: Path
    only: tuple[str, ...] = SERVICES
    log_format: str = "text"
    # How long every service gets to report SERVING.
    start_timeout: float = 60.0
    # How long services get to drain after SIGTERM before SIGKILL.
    stop_timeout: float = 20.0
    # Inherited environment; FRONTDESK_NATS_URL there means "use that NATS, start none".
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # Also run a local Prometheus scraping every service, with the SLO rules loaded.
    observe: bool = False
    # Plaintext gRPC without tokens (development only; printed loudly).
    insecure: bool = False
    # Require the development client certificate on gRPC (mutual TLS).
    mutual_tls: bool = False


@dataclass
class RunningService:
    name: str
    process: subprocess.Popen[bytes]
    grpc_port: int
    metrics_port: int
    log_path: Path

    @property
    def grpc_address(self) -> str:
        return f"{HOST}:{self.grpc_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"


def parse_only(value: str | None) -> tuple[str, ...]:
    """``"gateway,handoff"`` -> the services in start order; unknown names are an error."""
    if not value:
        return SERVICES
    wanted = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in SERVICES]
    if unknown:
        raise StackError(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    return tuple(name for name in SERVICES if name in wanted)


def database_urls(state_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The scheduler's and handoff's SQLAlchemy URLs: from the environment, else SQLite files."""
    return {
        "scheduler": environ.get(
            "FRONTDESK_SCHEDULER_DATABASE_URL", f"sqlite:///{state_dir / 'scheduler.db'}"
        ),
        "handoff": environ.get(
            "FRONTDESK_HANDOFF_DATABASE_URL", f"sqlite:///{state_dir / 'handoff.db'}"
        ),
    }


def python_path(environ: Mapping[str, str]) -> str:
    """PYTHONPATH with the monorepo's source roots first, so ``python -m <svc>`` finds them."""
    roots = [str(PROJECT_ROOT / "libs"), str(PROJECT_ROOT / "services")]
    existing = [part for part in environ.get("PYTHONPATH", "").split(os.pathsep) if part]
    return os.pathsep.join([*roots, *(p for p in existing if p not in roots)])


class Stack:
    """One local Frontdesk: see the module docstring."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.state_dir = options.state_dir.resolve()
        self.nats_process: subprocess.Popen[bytes] | None = None
        self.nats_url = ""
        self.services: dict[str, RunningService] = {}
        self.databases = database_urls(self.state_dir, options.environ)
        self.prometheus: LocalPrometheus | None = None
        self.relay_url = ""
        self.relay_token_file: Path | None = None
        self.credentials: DevCredentials | None = None
        # Whether the NATS we started has per-service users (not an external or insecure one).
        self.nats_users = False

    # --- start -------------------------------------------------------------------------------

    def start(self, should_stop: ShouldStop = lambda: False) -> StackFile:
        """NATS, then every service, then waits for all to be SERVING; writes stack.json."""
        self._refuse_second_supervisor()
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        if not self.options.insecure:
            self.credentials = DevCredentials.ensure(
                self.state_dir / "secrets", mutual=self.options.mutual_tls
            )
        self.nats_url = self.options.environ.get("FRONTDESK_NATS_URL", "")
        if not self.nats_url:
            self._start_nats()
        ports: set[int] = set()
        if self.nats_process is not None:
            ports.add(int(self.nats_url.rsplit(":", 1)[1]))
        for name in self.options.only:
            index = SERVICES.index(name)
            grpc_port = pick_port(DEFAULT_GRPC_PORTS[name], ports)
            ports.add(grpc_port)
            metrics_port = pick_port(METRICS_BASE + index + 1, ports)
            ports.add(metrics_port)
            env = self._child_env(grpc_port, metrics_port)
            if self.nats_users and self.credentials is not None:
                env.update(self.credentials.nats_environment(name))
            if name == "gateway":
                env.update(self._relay_env(ports))
            log_path = self.state_dir / "logs" / f"{name}.log"
            process = spawn(
                [sys.executable, "-m", name],
                env=env,
                log_path=log_path,
                cwd=self.state_dir,
            )
            self.services[name] = RunningService(name, process, grpc_port, metrics_port, log_path)
        self._wait_until_serving(should_stop)
        if self.options.observe:
            self._start_prometheus()
        state = self.state_file()
        state.write(self.state_dir)
        return state

    def _refuse_second_supervisor(self) -> None:
        previous = self._recorded()
        if previous is None or previous.supervisor_pid == os.getpid():
            return
        if alive(previous.supervisor_pid):
            raise StackError(
                f"a stack is already running from {self.state_dir} "
                f"(frontdesk up, pid {previous.supervisor_pid}); stop it or use another "
                "--state-dir"
            )

    def _start_nats(self) -> None:
        from servicekit.localnats import nats_server_binary

        port = pick_port(NATS_PORT)
        store = self.state_dir / "nats"
        store.mkdir(parents=True, exist_ok=True)
        argv = [nats_server_binary(), "-a", HOST, "-p", str(port), "-js", "-sd", str(store)]
        if self.credentials is not None:
            # One user per service with its subjects only (servicekit.natsperms); no anonymous.
            config = self.credentials.nats_config(host=HOST, port=port, store_dir=store)
            argv = [nats_server_binary(), "-c", str(config)]
        self.nats_process = spawn(
            argv,
            env=self.options.environ,
            log_path=self.state_dir / "logs" / "nats.log",
            cwd=self.state_dir,
        )
        self.nats_url = f"nats://{HOST}:{port}"
        try:
            wait_for_port(HOST, port, timeout=10.0, process=self.nats_process)
        except TimeoutError as error:
            raise StackError(
                f"nats-server did not start: {error}\n--- {self.state_dir / 'logs' / 'nats.log'}:"
                f"\n{tail(self.state_dir / 'logs' / 'nats.log')}"
            ) from error
        if self.credentials is not None:
            self._setup_streams()

    def _setup_streams(self) -> None:
        """Streams and the sessions bucket, made as the NATS admin: services may not."""
        import asyncio

        from servicekit.natsauth import setup_streams

        assert self.credentials is not None
        password = self.credentials.nats_password("admin")
        try:
            asyncio.run(setup_streams(self.nats_url, user="admin", password=password))
        except Exception as error:
            raise StackError(f"cannot set up JetStream on {self.nats_url}: {error}") from error
        self.nats_users = True

    def _start_prometheus(self) -> None:
        from controlplane.prometheus import LocalPrometheus, PrometheusError

        targets = {name: [f"{HOST}:{s.metrics_port}"] for name, s in self.services.items()}
        try:
            self.prometheus = LocalPrometheus.start(
                self.state_dir / "prometheus",
                targets,
                scrape_interval="5s",
                evaluation_interval="5s",
                spawn=lambda argv, log_path: spawn(
                    argv, env=self.options.environ, log_path=log_path, cwd=self.state_dir
                ),
            )
        except PrometheusError as error:
            raise StackError(f"--observe: {error}") from error

    def _child_env(self, grpc_port: int, metrics_port: int) -> dict[str, str]:
        env = dict(self.options.environ)
        env.update(
            {
                "FRONTDESK_NATS_URL": self.nats_url,
                "FRONTDESK_GRPC_PORT": str(grpc_port),
                "FRONTDESK_METRICS_PORT": str(metrics_port),
                "FRONTDESK_LOG_FORMAT": self.options.log_format,
                "FRONTDESK_VERSION": env.get("FRONTDESK_VERSION", "local"),
                "FRONTDESK_SCHEDULER_DATABASE_URL": self.databases["scheduler"],
                "FRONTDESK_HANDOFF_DATABASE_URL": self.databases["handoff"],
                "FRONTDESK_SCHEDULER_SEED_DEMO": env.get("FRONTDESK_SCHEDULER_SEED_DEMO", "true"),
                "PYTHONPATH": python_path(env),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.credentials is None:
            env["FRONTDESK_INSECURE"] = "true"
        else:
            env.update(self.credentials.environment())
        return env

    def _relay_env(self, ports: set[int]) -> dict[str, str]:
        """The gateway's ConversationRelay endpoint: a free port near 8765, and a development
        Twilio auth token (made once, kept in the state folder) that signs its handshakes."""
        port = pick_port(RELAY_PORT, ports)
        ports.add(port)
        token_file = self.state_dir / "secrets" / "twilio-auth-token"
        if not token_file.exists():
            token_file.parent.mkdir(parents=True, exist_ok=True)
            token_file.touch(mode=0o600)
            token_file.write_text(secrets.token_urlsafe(32) + "\n")
        # wss:// with the gateway's TLS certificate, as the gRPC port (ws:// when insecure).
        scheme = "wss" if self.credentials is not None else "ws"
        self.relay_url = f"{scheme}://{HOST}:{port}/relay"
        self.relay_token_file = token_file
        return {
            "FRONTDESK_RELAY_PORT": str(port),
            "FRONTDESK_TWILIO_AUTH_TOKEN_FILE": str(token_file),
        }

    def client(self, kind: str) -> GrpcClient:
        """How a client of ``kind`` reaches the services of this stack."""
        return INSECURE_CLIENT if self.credentials is None else self.credentials.client(kind)

    def _wait_until_serving(self, should_stop: ShouldStop) -> None:
        deadline = time.monotonic() + self.options.start_timeout
        waiting = dict(self.services)
        last: dict[str, str] = {}
        while waiting:
            if should_stop():
                raise StackError("interrupted while starting")
            self.check_children()
            for name, service in list(waiting.items()):
                last[name] = health.check(
                    service.grpc_address,
                    health.PROTO_SERVICES[name],
                    timeout=0.5,
                    client=self.client("admin"),
                )
                if last[name] == health.SERVING:
                    del waiting[name]
            if not waiting:
                return
            if time.monotonic() > deadline:
                name = next(iter(waiting))
                raise StackError(
                    self._describe_failure(
                        name,
                        f"not SERVING after {self.options.start_timeout:.0f} s "
                        f"(health: {last.get(name, 'unknown')})",
                    )
                )
            time.sleep(0.2)

    # --- run ---------------------------------------------------------------------------------

    def check_children(self) -> None:
        """Raises StackError when NATS or any service has exited."""
        if self.nats_process is not None and self.nats_process.poll() is not None:
            raise StackError(
                f"nats-server exited with code {self.nats_process.returncode}\n"
                f"--- {self.state_dir / 'logs' / 'nats.log'}:\n"
                f"{tail(self.state_dir / 'logs' / 'nats.log')}"
            )
        for name, service in self.services.items():
            code = service.process.poll()
            if code is not None:
                raise StackError(self._describe_failure(name, f"exited with code {code}"))

    def watch(self, should_stop: ShouldStop, interval: float = 0.2) -> None:
        """Returns when ``should_stop()``; raises StackError as soon as a child dies."""
        while not should_stop():
            self.check_children()
            time.sleep(interval)

    def _describe_failure(self, name: str, what: str) -> str:
        log_path = self.services[name].log_path
        return f"{name} {what}\n--- last lines of {log_path}:\n{tail(log_path) or '(empty)'}"

    # --- stop --------------------------------------------------------------------------------

    def stop(self) -> list[str]:
        """Services first (SIGTERM, they drain), then NATS; removes stack.json.

        Returns a line per process that had to be SIGKILLed.
        """
        notes: list[str] = []
        by_pid = {s.process.pid: s.name for s in self.services.values()}
        killed = terminate([s.process for s in self.services.values()], self.options.stop_timeout)
        notes += [f"{by_pid[pid]} (pid {pid}) did not stop in time: killed" for pid in killed]
        if self.prometheus is not None:
            self.prometheus.stop()
        if self.nats_process is not None:
            killed = terminate([self.nats_process], 10.0)
            notes += [f"nats-server (pid {pid}) did not stop in time: killed" for pid in killed]
        recorded = self._recorded()
        if recorded is not None and recorded.supervisor_pid == os.getpid():
            with contextlib.suppress(FileNotFoundError):
                StackFile.path(self.state_dir).unlink()
        return notes

    def _recorded(self) -> StackFile | None:
        """The stack.json in the state folder; None when missing or unreadable (stale)."""
        try:
            return StackFile.load(self.state_dir)
        except (StackNotRunning, ValueError, KeyError, TypeError):
            return None

    # --- report ------------------------------------------------------------------------------

    def state_file(self) -> StackFile:
        return StackFile(
            supervisor_pid=os.getpid(),
            state_dir=str(self.state_dir),
            nats_url=self.nats_url,
            nats_pid=self.nats_process.pid if self.nats_process else None,
            databases=dict(self.databases),
            services={
                name: ServiceRecord(
                    name=name,
                    pid=s.process.pid,
                    grpc_address=s.grpc_address,
                    metrics_url=s.metrics_url,
                    log=str(s.log_path),
                )
                for name, s in self.services.items()
            },
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            relay_url=self.relay_url,
            relay_auth_token_file=str(self.relay_token_file or ""),
            secrets_dir=str(self.credentials.folder) if self.credentials else "",
            nats_users=self.nats_users,
            mutual_tls=bool(self.credentials and self.credentials.mutual),
        )


def format_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """A plain left-aligned text table."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def stack_table(state: StackFile, statuses: Mapping[str, str] | None = None) -> str:
    """The services of ``state`` with pid, addresses and log; a STATUS column when given."""
    header = ["SERVICE", "PID", "GRPC", "METRICS", "LOG"]
    if statuses is not None:
        header.insert(1, "STATUS")
    rows = []
    for name, record in state.services.items():
        row = [name, str(record.pid), record.grpc_address, record.metrics_url, record.log]
        if statuses is not None:
            row.insert(1, statuses.get(name, health.DOWN))
        rows.append(row)
    return format_table(rows, header)


def service_statuses(state: StackFile, timeout: float = 1.0) -> dict[str, str]:
    """Each service's health: SERVING / NOT_SERVING / DOWN (DOWN when its process is gone)."""
    statuses = {}
    client = stack_client(state, "admin")
    for name, record in state.services.items():
        if not alive(record.pid):
            statuses[name] = health.DOWN
        else:
            statuses[name] = health.check(
                record.grpc_address, health.PROTO_SERVICES[name], timeout=timeout, client=client
            )
    return statuses


INSECURE_WARNING = """\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! --insecure: gRPC is PLAINTEXT and accepts calls WITHOUT A TOKEN, NATS has NO USERS.
!! Anything that reaches these ports can read and change patient data. Development only.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"""


def how_to_connect(state: StackFile) -> str:
    """What a person needs to call the stack: token files, CA, example commands."""
    if not state.secrets_dir:
        return INSECURE_WARNING
    secrets = Path(state.secrets_dir)
    tokens = secrets / "tokens"
    handoff = state.services.get("handoff")
    target = handoff.grpc_address if handoff else "127.0.0.1:50055"
    client_cert = (
        f" -cert {secrets / 'client.pem'} -key {secrets / 'client-key.pem'}"
        if state.mutual_tls
        else ""
    )
    return "\n".join(
        [
            "gRPC: TLS"
            + (" with client certificates (mTLS)" if state.mutual_tls else "")
            + " and a bearer token per client kind",
            f"  CA certificate: {secrets / 'ca.pem'}",
            f"  tokens:         {tokens}/{{telephony,agent_desk,admin,service}}.token",
            "  try:           frontdesk call    (uses these credentials by itself)",
            f"                 grpcurl -cacert {secrets / 'ca.pem'}{client_cert} "
            f'-H "authorization: Bearer $(cat {tokens / "agent_desk.token"})" '
            f"-d '{{}}' {target} frontdesk.v1.Handoff/List",
            *(
                [
                    "NATS: one user per service, subjects per servicekit/natsperms.py, no "
                    f"anonymous access; passwords in {secrets / 'nats'}/<user>.password",
                ]
                if state.nats_users
                else []
            ),
        ]
    )


def supervise(options: StackOptions, out: TextIO = sys.stdout) -> int:
    """``frontdesk up``: start, print the table, run until SIGINT/SIGTERM/SIGHUP, stop.

    Returns the exit code: 0 after a requested stop, 1 when the stack failed to start or a
    child died while it ran (everything is stopped either way).
    """
    requested: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        requested.append(signum)

    previous = {
        sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    stack = Stack(options)
    code = 0
    try:
        say = functools.partial(print, file=out, flush=True)
        if options.insecure:
            say(INSECURE_WARNING)
        say(f"starting {', '.join(options.only)} (logs in {stack.state_dir / 'logs'}) ...")
        try:
            state = stack.start(lambda: bool(requested))
            say(stack_table(state))
            say(f"NATS: {state.nats_url}" + ("" if state.nats_pid else " (external)"))
            if stack.prometheus is not None:
                say(
                    f"Prometheus: {stack.prometheus.url} (SLO rules loaded; "
                    f"frontdesk slo report --prometheus {stack.prometheus.url})"
                )
            say(how_to_connect(state))
            for name, url in state.databases.items():
                say(f"{name} database: {url}")
            if state.relay_url:
                say(
                    f"ConversationRelay: {state.relay_url} (handshakes signed with the Twilio "
                    f"auth token in {state.relay_auth_token_file}; try `frontdesk call --ws`)"
                )
            say(f"frontdesk is up ({StackFile.path(stack.state_dir)}); Ctrl-C stops it")
            stack.watch(lambda: bool(requested))
            say(f"got {signal.Signals(requested[0]).name}: stopping ...")
        except StackError as error:
            if requested:
                say(f"got {signal.Signals(requested[0]).name}: stopping ...")
            else:
                say(f"error: {error}")
                say("stopping everything ...")
                code = 1
    finally:
        for note in stack.stop():
            print(note, file=out, flush=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped", file=out, flush=True)
    return code
