"""The image recipe (deploy/docker/Dockerfile), read statically (no Docker engine here): one
recipe for every service Pants packages, a non-root user, every path a service reads present in
the build context, every path it writes outside the read-only install, and the manifests
mounting writable volumes exactly there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from servicekit.settings import DEFAULT_GRPC_PORTS, PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / "deploy" / "docker" / "Dockerfile.dockerignore"
SERVICES = sorted(DEFAULT_GRPC_PORTS)


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped.

    Our own recipe uses only plain instructions (no heredocs, no escape directive), so this is
    all of Dockerfile's syntax it needs; a parsing library would add a dependency (and a lockfile
    regeneration) for these few lines."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = (pending + stripped).strip()
        pending = ""
        instruction, _, arguments = text.partition(" ")
        found.append((instruction.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return found


def _runtime_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage (the image that runs)."""
    instructions = _instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def _env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, arguments in stage:
        if name == "ENV":
            for word in shlex.split(arguments):
                key, _, value = word.partition("=")
                env[key] = value
    return env


def _copies(stage: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(source in the build context, destination) of each COPY from the context."""
    found = []
    for name, arguments in stage:
        if name == "COPY" and "--from=" not in arguments:
            source, destination = arguments.split()
            found.append((source, destination))
    return found


def _pattern(pattern: str) -> re.Pattern[str]:
    # Docker's rules (Go's filepath.Match, plus "**"): "*" and "?" stay within one path part.
    parts = re.split(r"(\*\*|\*|\?)", pattern)
    regex = "".join(
        {"**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part)) for part in parts
    )
    return re.compile(regex)


def _included(path: str) -> bool:
    """Whether the .dockerignore lets ``path`` (relative to the context) into the context. A
    pattern matching a parent folder matches everything under it, as in Docker."""
    parents = [path.split("/")[: i + 1] for i in range(path.count("/") + 1)]
    candidates = ["/".join(parts) for parts in parents]
    included = True
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = _pattern(line.lstrip("!"))
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            included = negate
    return included


def test_the_image_runs_as_a_non_root_user_by_number() -> None:
    users = [arguments for name, arguments in _runtime_stage() if name == "USER"]
    assert users, "the runtime stage sets no USER: the image would run as root"
    uid, _, gid = users[-1].partition(":")
    # Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    assert uid.isdigit() and int(uid) > 0 and gid.isdigit() and int(gid) > 0


def test_every_service_is_packaged_by_pants_where_the_recipe_copies_it_from() -> None:
    copy = next(src for src, _ in _copies(_instructions()) if src.endswith(".pex"))
    assert copy == "dist/services.${SERVICE}/${SERVICE}.pex"
    for service in SERVICES:
        build = (PROJECT_ROOT / "services" / service / "BUILD").read_text()
        assert re.search(rf'pex_binary\(\s*name="{service}"', build), service
        assert f'entry_point="{service}.__main__"' in build
        assert "include_tools=True" in build, "the recipe unpacks the PEX with PEX_TOOLS"
        assert _included(f"dist/services.{service}/{service}.pex")


def test_files_the_services_read_are_in_the_context_and_copied_where_env_points() -> None:
    stage = _runtime_stage()
    env = _env(stage)
    copies = _copies(stage)
    for key in ("FRONTDESK_CLINICS_DIR", "FRONTDESK_FLAGS_FILE"):
        target = env[key]
        source = next((src, dst) for src, dst in copies if target.startswith(dst.rstrip("/")))
        relative = source[0].rstrip("/") + target.removeprefix(source[1].rstrip("/"))
        assert (PROJECT_ROOT / relative).exists(), (key, relative)
        files = (
            [relative]
            if Path(PROJECT_ROOT / relative).is_file()
            else [str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / relative).iterdir()]
        )
        for path in files:
            if not path.endswith("BUILD"):
                assert _included(path), f"{path} is left out of the build context"


def test_writable_paths_are_set_and_outside_the_install() -> None:
    env = _env(_runtime_stage())
    state = env["FRONTDESK_STATE_DIR"]
    assert state.startswith("/var/lib/") and not state.startswith("/app")
    volumes = [arguments for name, arguments in _instructions() if name == "VOLUME"]
    assert any(state in v for v in volumes) and any("/tmp" in v for v in volumes)


@pytest.mark.parametrize("service", SERVICES)
def test_the_manifests_mount_writable_volumes_where_the_image_writes(service: str) -> None:
    env = _env(_runtime_stage())
    rollout = yaml.safe_load(
        (PROJECT_ROOT / "gitops" / "services" / service / "base" / "rollout.yaml").read_text()
    )
    pod = rollout["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    container_env = {e["name"]: e.get("value") for e in container["env"]}
    assert container_env["FRONTDESK_STATE_DIR"] == env["FRONTDESK_STATE_DIR"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
    for path in (env["FRONTDESK_STATE_DIR"], "/tmp"):
        assert "emptyDir" in mounts[path], f"{service}: {path} is not a writable volume"
    user = next(arguments for name, arguments in _runtime_stage() if name == "USER")
    assert container["securityContext"]["runAsUser"] == int(user.split(":")[0])


@pytest.mark.parametrize("service", SERVICES)
def test_probes_reach_the_plaintext_health_port_and_liveness_survives_a_drain(
    service: str,
) -> None:
    rollout = yaml.safe_load(
        (PROJECT_ROOT / "gitops" / "services" / service / "base" / "rollout.yaml").read_text()
    )
    pod = rollout["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    health_port = int(env["FRONTDESK_HEALTH_PORT"])
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["grpc"]["port"] == health_port, (service, probe)
    # Health reads NOT_SERVING from SIGTERM on; a liveness probe reading it would restart a
    # draining pod, so liveness only checks that the port accepts connections.
    assert container["livenessProbe"]["tcpSocket"]["port"] == health_port
    if service == "gateway":
        drain = float(env["FRONTDESK_DRAIN_TIMEOUT"])
        pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
        assert pod["terminationGracePeriodSeconds"] >= pre_stop + drain
