"""The ``frontdesk`` command: run the local stack, check it, call it, simulate callers.

    frontdesk up [--state-dir .frontdesk] [--only gateway,orchestrator] [--log-format text]
                 [--observe] [--mtls] [--insecure]
    frontdesk status [--state-dir .frontdesk]
    frontdesk call [--gateway 127.0.0.1:50051] [--from +15555550123] [--to +15550100100]
                   [--insecure]
    frontdesk simulate [SCENARIOS...] [--concurrency 8] [--repeat 1] [--json]
    frontdesk load [--callers 200] [--duration 120] [--ramp 30] [--think 6 10] [--mix FILE=W]...
                   [--ws] [--rounds R | --find-capacity] [--json FILE|-]
    frontdesk eval [SECTION...]
    frontdesk slo generate [--check]
    frontdesk slo report --prometheus URL [--html FILE] [--minutes 60]
    frontdesk audit verify [--nats nats://127.0.0.1:4222] [--stream audit]
    frontdesk compliance report --month YYYY-MM --out FILE.html [--nats URL]
    frontdesk flags sync|set|kill|status|generate ...   (feature flags as code; see cli.flags)
    frontdesk rollout status|set-image|promote|abort|analyze ...   (canaries; see cli.rollout)
    frontdesk llm-sim [--config sim.yaml] [--provider NAME[:PORT]]...   (model provider double)
    frontdesk llm routes [--state-dir .frontdesk] [--address HOST:PORT] [--insecure]
    frontdesk llm cost CALL_ID... [--nats URL] [--state-dir .frontdesk]
    frontdesk gitops validate [DIR] | install-hook [--force]   (gitops/ checked offline)

Argument parsing only; the work is in :mod:`frontdesk.cli.stack`, :mod:`frontdesk.cli.talk`
and :mod:`callsim`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servicekit.auth import GrpcClient

DEFAULT_STATE_DIR = Path(".frontdesk")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frontdesk", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start NATS and the services; Ctrl-C stops them")
    up.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    up.add_argument("--only", help="comma-separated services to start (default: all six)")
    up.add_argument(
        "--log-format",
        choices=("json", "text"),
        default="json",
        help="services' log lines (they go to files: JSON by default)",
    )
    up.add_argument(
        "--observe",
        action="store_true",
        help="also run a local Prometheus scraping every service, with the SLO rules loaded",
    )
    up.add_argument("--start-timeout", type=float, default=60.0, help="seconds (default 60)")
    up.add_argument("--stop-timeout", type=float, default=20.0, help="seconds (default 20)")
    up.add_argument(
        "--mtls", action="store_true", help="require client certificates (mutual TLS) on gRPC"
    )
    up.add_argument(
        "--insecure",
        action="store_true",
        help="DEVELOPMENT ONLY: plaintext gRPC without tokens, NATS without users",
    )

    status = commands.add_parser("status", help="health of each service of the running stack")
    status.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)

    call = commands.add_parser("call", help="be a caller: type lines, read the replies")
    call.add_argument("--gateway", help="host:port (default: stack.json's, else 127.0.0.1:50051)")
    call.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    call.add_argument("--from", dest="from_number", default="+15555550123")
    call.add_argument("--to", dest="to_number", default="+15550100100")
    call.add_argument(
        "--ws",
        nargs="?",
        const="",
        metavar="URL",
        help="call over ConversationRelay's WebSocket, as Twilio would (default: stack.json's)",
    )
    call.add_argument(
        "--insecure", action="store_true", help="plaintext, no token (a gateway run insecure)"
    )

    simulate = commands.add_parser("simulate", help="run scenario files against the stack")
    simulate.add_argument("paths", nargs="*", type=Path, help="scenario files or folders")
    simulate.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    simulate.add_argument("--gateway", help="host:port (default: from stack.json)")
    simulate.add_argument(
        "--ws",
        nargs="?",
        const="",
        metavar="URL",
        help="every call over ConversationRelay's WebSocket (default URL: stack.json's)",
    )
    simulate.add_argument("--concurrency", type=int, default=8)
    simulate.add_argument("--repeat", type=int, default=1)
    simulate.add_argument("--json", action="store_true", help="print the report as JSON")
    simulate.add_argument(
        "--verbose", "-v", action="store_true", help="print the transcript of failed calls"
    )

    load = commands.add_parser(
        "load", help="N concurrent callers with think time: latency, errors, CPU per turn"
    )
    load.add_argument("--callers", type=int, default=200, help="concurrent calls (default 200)")
    load.add_argument("--duration", type=float, default=120.0, help="seconds measured (120)")
    load.add_argument("--ramp", type=float, default=30.0, help="seconds to start every caller")
    load.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(6.0, 10.0),
        metavar=("MIN", "MAX"),
        help="seconds a caller pauses before each turn (default 6 10)",
    )
    load.add_argument(
        "--mix",
        action="append",
        default=[],
        metavar="PATH[=WEIGHT]",
        help="scenario file or folder and its weight (repeatable; default: booking and "
        "question calls from tests/e2e/scenarios)",
    )
    load.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    load.add_argument("--gateway", help="host:port (default: from stack.json)")
    load.add_argument(
        "--ws",
        nargs="?",
        const="",
        metavar="URL",
        help="calls over ConversationRelay's WebSocket (default URL: stack.json's)",
    )
    load.add_argument(
        "--insecure", action="store_true", help="plaintext, no token (a gateway run insecure)"
    )
    load.add_argument(
        "--pid",
        action="append",
        default=[],
        metavar="NAME=PID",
        help="a process whose CPU to count (repeatable; default: the stack.json processes)",
    )
    load.add_argument("--reply-timeout", type=float, default=15.0)
    load.add_argument("--progress", type=float, default=5.0, help="seconds between lines")
    load.add_argument("--seed", type=int, default=0)
    load.add_argument("--rounds", type=int, default=1, help="back-to-back rounds (default 1)")
    load.add_argument(
        "--find-capacity",
        action="store_true",
        help="double N from --callers while the SLO holds, then bisect: the highest N that holds",
    )
    load.add_argument("--max-callers", type=int, default=2000)
    load.add_argument("--p95-ms", type=float, default=700.0)
    load.add_argument(
        "--max-failures", type=float, default=0.01, help="errors + refusals per call (0.01)"
    )
    load.add_argument("--json", default="", metavar="FILE", help="write the summary (- : print)")

    evaluate = commands.add_parser("eval", help="print the corpus figures (PHI, ...)")
    evaluate.add_argument("sections", nargs="*", help="sections to print (default: all)")

    slo = commands.add_parser("slo", help="SLO rules from gitops/slo/slos.yaml; SLO reports")
    slo_commands = slo.add_subparsers(dest="slo_command", required=True)
    generate = slo_commands.add_parser(
        "generate", help="write the recording rules, alerts and promtool tests from the spec"
    )
    generate.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a file is stale"
    )
    slo_report = slo_commands.add_parser(
        "report", help="each SLO's indicator, budget left and burn rates from Prometheus"
    )
    slo_report.add_argument("--prometheus", required=True, help="Prometheus URL")
    slo_report.add_argument("--html", type=Path, help="also write a page with a chart per SLO")
    slo_report.add_argument(
        "--minutes", type=float, default=60.0, help="period the charts cover (default 60)"
    )

    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="check the audit stream's hash chains; names any altered, removed or reordered record",
    )
    verify.add_argument("--nats", help="NATS URL (default: the running stack's, else local)")
    verify.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    verify.add_argument("--stream", default="audit")

    compliance = commands.add_parser("compliance", help="compliance reports")
    compliance_commands = compliance.add_subparsers(dest="compliance_command", required=True)
    report = compliance_commands.add_parser(
        "report",
        help="one self-contained HTML page for a month: PHI access, redactions, leaks, audit "
        "chain, handoff completeness",
    )
    report.add_argument("--month", required=True, help="YYYY-MM (UTC)")
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    report.add_argument("--nats", help="NATS URL (default: the running stack's, else local)")
    report.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    from frontdesk.cli import flags

    flags.add_parser(commands)
    from frontdesk.cli import rollout

    rollout.add_parser(commands)
    from frontdesk.cli import gitops

    gitops.add_parser(commands)
    llm_sim = commands.add_parser(
        "llm-sim", help="OpenAI-compatible model providers with scripted replies and faults"
    )
    llm_sim.add_argument("--config", type=Path, help="providers, ports, faults and script (YAML)")
    llm_sim.add_argument(
        "--provider",
        action="append",
        default=[],
        metavar="NAME[:PORT]",
        help="a provider with no faults (repeatable; port 0 or none: any free port)",
    )
    llm_sim.add_argument("--host", default="127.0.0.1")

    llm = commands.add_parser("llm", help="the model router")
    llm_commands = llm.add_subparsers(dest="llm_command", required=True)
    routes = llm_commands.add_parser(
        "routes", help="routes, deployments, weights and breaker states (ListRoutes)"
    )
    routes.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    routes.add_argument("--address", help="llm_router's gRPC address (default: stack.json's)")
    routes.add_argument(
        "--insecure", action="store_true", help="plaintext, no token (FRONTDESK_INSECURE)"
    )
    cost = llm_commands.add_parser("cost", help="calls' model spend (the llm_costs ledger)")
    cost.add_argument("call_ids", nargs="+", metavar="CALL_ID")
    cost.add_argument("--nats", help="NATS URL (default: the running stack's, else local)")
    cost.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    return parser


def _llm(args: argparse.Namespace) -> int:
    import grpc

    from frontdesk.cli.llm import cost_command, list_routes, routes_table

    if args.llm_command == "cost":
        url, options = _nats(args)
        return asyncio.run(cost_command(url, args.call_ids, options))
    from frontdesk.cli.stackfile import StackFile, StackNotRunning, stack_client
    from servicekit.auth import INSECURE_CLIENT

    try:
        state: StackFile | None = StackFile.load(args.state_dir)
    except StackNotRunning:
        state = None
    if state is None and not args.address:
        print(
            f"frontdesk llm routes: no stack.json in {args.state_dir}: run `frontdesk up`, "
            "pass --state-dir, or --address HOST:PORT",
            file=sys.stderr,
        )
        return 2
    client = INSECURE_CLIENT
    if state is not None and not args.insecure:
        client = stack_client(state, "admin")
    address = args.address
    if not address and state is not None and "llm_router" in state.services:
        address = state.services["llm_router"].grpc_address
    if not address:
        print("frontdesk llm routes: llm_router is not running in this stack", file=sys.stderr)
        return 1
    try:
        print(routes_table(list_routes(address, client)))
    except grpc.RpcError as error:
        code = error.code() if isinstance(error, grpc.Call) else None
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        print(f"frontdesk llm routes: {address}: {code}: {details}", file=sys.stderr)
        return 1
    return 0


def _eval(args: argparse.Namespace) -> int:
    from frontdesk.cli.evaluate import run

    try:
        print(run(args.sections))
    except ValueError as error:
        print(f"frontdesk eval: {error}", file=sys.stderr)
        return 2
    return 0


def _llm_sim(args: argparse.Namespace) -> int:
    from frontdesk.cli.llmsim import LlmSimError, run

    try:
        return run(args.config, args.provider, host=args.host)
    except LlmSimError as error:
        print(f"frontdesk llm-sim: {error}", file=sys.stderr)
        return 2


def _slo(args: argparse.Namespace) -> int:
    from frontdesk.cli import slo

    if args.slo_command == "generate":
        return slo.generate(check=args.check)
    return slo.report(args.prometheus, html_file=args.html, minutes=args.minutes)


def _nats(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    """The NATS URL and, for a stack with NATS users, the auditor's credentials."""
    from frontdesk.cli.stackfile import StackFile, StackNotRunning, stack_nats_options

    try:
        state = StackFile.load(args.state_dir)
    except StackNotRunning:
        return str(args.nats or "nats://127.0.0.1:4222"), {}
    if args.nats:
        return str(args.nats), {}
    return state.nats_url, stack_nats_options(state, "auditor")


def _audit(args: argparse.Namespace) -> int:
    from frontdesk.cli.audit import verify_command

    url, options = _nats(args)
    return asyncio.run(verify_command(url, args.stream, options=options))


def _compliance(args: argparse.Namespace) -> int:
    from frontdesk.cli.compliance import report_command

    url, options = _nats(args)
    return asyncio.run(report_command(url, args.month, args.out, options=options))


def _up(args: argparse.Namespace) -> int:
    from frontdesk.cli.stack import StackError, StackOptions, parse_only, supervise

    try:
        only = parse_only(args.only)
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    options = StackOptions(
        state_dir=args.state_dir,
        only=only,
        log_format=args.log_format,
        start_timeout=args.start_timeout,
        observe=args.observe,
        stop_timeout=args.stop_timeout,
        insecure=args.insecure or _truthy(os.environ.get("FRONTDESK_INSECURE", "")),
        mutual_tls=args.mtls,
    )
    return supervise(options)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _status(args: argparse.Namespace) -> int:
    from frontdesk.cli import health
    from frontdesk.cli.stack import service_statuses, stack_table
    from frontdesk.cli.stackfile import StackFile, StackNotRunning

    try:
        state = StackFile.load(args.state_dir)
    except StackNotRunning as error:
        print(error, file=sys.stderr)
        return 1
    statuses = service_statuses(state)
    print(stack_table(state, statuses))
    print(f"NATS: {state.nats_url}")
    bad = [name for name, status in statuses.items() if status != health.SERVING]
    if bad:
        print(f"not serving: {', '.join(bad)}")
        return 1
    return 0


def _gateway(args: argparse.Namespace, *, need_credentials: bool = True) -> tuple[str, GrpcClient]:
    """The gateway's address and how to reach it (the stack's development credentials)."""
    from frontdesk.cli.stackfile import StackFile, StackNotRunning, stack_client
    from servicekit.auth import INSECURE_CLIENT

    try:
        state = StackFile.load(args.state_dir)
    except StackNotRunning:
        state = None
    client = INSECURE_CLIENT
    if state is not None and not args.insecure:
        client = stack_client(state, "telephony")
    elif state is None and not args.insecure and need_credentials:
        raise SystemExit(
            f"error: no stack.json in {args.state_dir}, so no credentials: run `frontdesk up`, "
            "pass --state-dir, or --insecure for a gateway run with FRONTDESK_INSECURE"
        )
    if args.gateway:
        return str(args.gateway), client
    if state is not None and "gateway" in state.services:
        return state.services["gateway"].grpc_address, client
    return "127.0.0.1:50051", client


def _relay(args: argparse.Namespace) -> tuple[str, str]:
    """The relay URL (``--ws URL`` or stack.json's) and the auth token that signs for it."""
    from frontdesk.cli.stackfile import StackFile, StackNotRunning

    try:
        state = StackFile.load(args.state_dir)
    except StackNotRunning:
        if not args.ws:
            raise
        return str(args.ws), os.environ.get("FRONTDESK_TWILIO_AUTH_TOKEN", "")
    token = os.environ.get("FRONTDESK_TWILIO_AUTH_TOKEN", "")
    if not token and state.relay_auth_token_file:
        token = Path(state.relay_auth_token_file).read_text().strip()
    return str(args.ws or state.relay_url), token


def _call(args: argparse.Namespace) -> int:
    from frontdesk.cli.talk import talk

    relay = _relay(args) if args.ws is not None else None
    address, client = _gateway(args, need_credentials=relay is None)  # the CA, for wss://
    return asyncio.run(
        talk(
            address,
            from_number=args.from_number,
            to_number=args.to_number,
            relay=relay,
            client=client,
        )
    )


def _simulate(args: argparse.Namespace) -> int:
    from callsim.command import simulate

    return asyncio.run(
        simulate(
            args.paths,
            state_dir=args.state_dir,
            gateway=args.gateway,
            relay=_relay(args) if args.ws is not None else None,
            concurrency=args.concurrency,
            repeat=args.repeat,
            as_json=args.json,
            verbose=args.verbose,
        )
    )


def _load(args: argparse.Namespace) -> int:
    from callsim.command import target_from_stack
    from callsim.load_command import DEFAULT_MIX, LoadOptions, load
    from callsim.runner import Target

    relay = args.ws is not None
    pids = {}
    for spec in args.pid:
        name, _, pid = spec.partition("=")
        if not pid.isdecimal():
            print(f"error: --pid {spec!r}: use NAME=PID", file=sys.stderr)
            return 2
        pids[name] = int(pid)

    def target() -> Target:
        if (args.gateway or args.insecure) and not relay:
            address, client = _gateway(args)
            return Target(gateway=address, telephony=client)
        return target_from_stack(args.state_dir, args.gateway, _relay(args) if relay else None)

    options = LoadOptions(
        callers=args.callers,
        duration=args.duration,
        ramp=args.ramp,
        think=(args.think[0], args.think[1]),
        mix=args.mix or DEFAULT_MIX,
        reply_timeout=args.reply_timeout,
        progress_every=args.progress,
        seed=args.seed,
        rounds=args.rounds,
        find_capacity=args.find_capacity,
        max_callers=args.max_callers,
        p95_ms=args.p95_ms,
        max_failures=args.max_failures,
    )
    return asyncio.run(
        load(
            options,
            state_dir=args.state_dir,
            target_for=target,
            pids=pids,
            relay=relay,
            json_out=args.json,
        )
    )


def _flags(args: argparse.Namespace) -> int:
    from frontdesk.cli import flags

    return flags.run(args)


def _rollout(args: argparse.Namespace) -> int:
    from frontdesk.cli import rollout

    return rollout.run(args)


def _gitops(args: argparse.Namespace) -> int:
    from frontdesk.cli import gitops

    return gitops.run(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {
        "up": _up,
        "status": _status,
        "call": _call,
        "simulate": _simulate,
        "load": _load,
        "eval": _eval,
        "slo": _slo,
        "audit": _audit,
        "compliance": _compliance,
        "flags": _flags,
        "rollout": _rollout,
        "llm-sim": _llm_sim,
        "llm": _llm,
        "gitops": _gitops,
    }
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
