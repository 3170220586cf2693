"""``frontdesk rollout`` set-image / promote / abort / status on a gitops tree in a real git
repository: each action is one commit touching one overlay, renders with ``kubectl kustomize``,
passes ``frontdesk gitops validate``, and bad input is refused with a message saying what to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from controlplane.rollout_edit import (
    ABORTED,
    CANARY,
    STABLE,
    ImageRef,
    RolloutError,
    read_overlay,
    set_image,
)
from controlplane.rollout_tree import GitopsTree
from frontdesk.cli.__main__ import main
from servicekit.settings import PROJECT_ROOT

DIGEST = "sha256:" + "ab" * 32
DIGEST2 = "sha256:" + "cd" * 32

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: orchestrator
spec:
  replicas: 3
  selector:
    matchLabels: {app: orchestrator}
  template:
    metadata:
      labels: {app: orchestrator}
    spec:
      containers:
        - name: orchestrator
          image: frontdesk/orchestrator
  strategy:
    canary: {}
"""

CANARY_PATCH = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: any
spec:
  strategy:
    canary:
      steps:
        - setWeight: 1
        - analysis: {templates: [{templateName: latency}]}
        - setWeight: 50
        - analysis: {templates: [{templateName: latency}]}
        - setWeight: 100
        - analysis:
            templates: [{templateName: latency}, {templateName: errors}]
"""

STAGING = """\
# orchestrator in staging (a comment that must survive edits)
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: frontdesk-staging
resources:
  - ../../base
images:
  - name: frontdesk/orchestrator
    newName: ghcr.io/frontdesk-dev/frontdesk-orchestrator
    newTag: 2026.11.29-4557118  # set by frontdesk rollout
"""

PRODUCTION = f"""\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: frontdesk-production
resources:
  - ../../base
images:
  - name: frontdesk/orchestrator
    newName: ghcr.io/frontdesk-dev/frontdesk-orchestrator
    digest: {DIGEST}
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    files = {
        "components/canary/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "patches:\n  - path: canary.yaml\n    target: {kind: Rollout}\n"
        ),
        "components/canary/canary.yaml": CANARY_PATCH,
        "services/orchestrator/base/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources: [rollout.yaml]\ncomponents: [../../../components/canary]\n"
        ),
        "services/orchestrator/base/rollout.yaml": ROLLOUT,
        "services/orchestrator/overlays/staging/kustomization.yaml": STAGING,
        "services/orchestrator/overlays/production/kustomization.yaml": PRODUCTION,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "user.name", "test")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "--quiet", "-m", "initial")
    return root


def rendered(overlay: Path) -> list[dict[str, object]]:
    kubectl = shutil.which("kubectl") or str(PROJECT_ROOT / ".venv" / "bin" / "kubectl")
    if not Path(kubectl).exists():
        pytest.skip("kubectl not installed")
    out = subprocess.run(
        [kubectl, "kustomize", str(overlay)], check=True, capture_output=True, text=True
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def changed_files(repo: Path) -> list[str]:
    return git(repo, "show", "--name-only", "--format=", "HEAD").splitlines()


def test_a_canary_from_set_image_to_promote(repo: Path) -> None:
    tree = GitopsTree(repo)
    [row] = tree.status(envs=["staging"])
    assert row.phase == "stable" and row.steps == (1, 50, 100) and row.analysed
    commit = tree.set_image("orchestrator", "staging", "2026.11.30-ab12cd3")
    assert git(repo, "rev-parse", "HEAD") == commit
    overlay = "gitops/services/orchestrator/overlays/staging"
    assert changed_files(repo) == [f"{overlay}/kustomization.yaml"]
    text = (repo / "services/orchestrator/overlays/staging/kustomization.yaml").read_text()
    assert "# orchestrator in staging (a comment that must survive edits)" in text
    state = read_overlay(text, "orchestrator")
    assert state.image == "ghcr.io/frontdesk-dev/frontdesk-orchestrator:2026.11.30-ab12cd3"
    assert state.stable_image == "ghcr.io/frontdesk-dev/frontdesk-orchestrator:2026.11.29-4557118"
    assert state.canary_image == state.image
    [row] = tree.status(envs=["staging"])
    assert row.phase == "canary" and row.weight == "1%>50%>100% as analyses pass"

    # A second image during the canary replaces the canary; the stable image stays.
    tree.set_image("orchestrator", "staging", "2026.11.30-ef34ab5")
    state = tree.status(envs=["staging"])[0].state
    assert state.stable_image.endswith(":2026.11.29-4557118")

    objects = rendered(repo / "services/orchestrator/overlays/staging")
    tree.promote("orchestrator", "staging")
    assert changed_files(repo) == [f"{overlay}/kustomization.yaml"]
    [row] = tree.status(envs=["staging"])
    assert row.phase == "stable" and row.steps == (1, 50, 100) and row.analysed
    assert row.state.stable_image.endswith(":2026.11.30-ef34ab5") and not row.state.canary_image
    # Only the Kustomization's own annotations changed: the objects are exactly as before.
    assert rendered(repo / "services/orchestrator/overlays/staging") == objects
    [rollout] = [o for o in objects if o["kind"] == "Rollout"]
    image = rollout["spec"]["template"]["spec"]["containers"][0]["image"]  # type: ignore[index]
    assert image == "ghcr.io/frontdesk-dev/frontdesk-orchestrator:2026.11.30-ef34ab5"
    assert "frontdesk.dev" not in yaml.safe_dump(objects)  # markers never reach the objects

    # The next canary's stable image is the promoted one.
    tree.set_image("orchestrator", "staging", "2026.12.01-0000001")
    assert tree.status(envs=["staging"])[0].state.stable_image.endswith(":2026.11.30-ef34ab5")


def test_abort_writes_the_stable_image_back(repo: Path) -> None:
    tree = GitopsTree(repo)
    tree.set_image("orchestrator", "production", f"2026.11.30@{DIGEST2}")
    tree.abort("orchestrator", "production", reason="p95 above target")
    assert "Reason: p95 above target" in git(repo, "log", "-1", "--format=%B")
    text = (repo / "services/orchestrator/overlays/production/kustomization.yaml").read_text()
    state = read_overlay(text, "orchestrator")
    assert state.image == f"ghcr.io/frontdesk-dev/frontdesk-orchestrator@{DIGEST}"
    assert state.aborted.endswith(f":2026.11.30@{DIGEST2}") and not state.canary_image
    data = yaml.safe_load(text)
    assert data["images"] == yaml.safe_load(PRODUCTION)["images"]  # exactly as before
    assert tree.status(envs=["production"])[0].phase == "aborted"
    [rollout] = [
        o
        for o in rendered(repo / "services/orchestrator/overlays/production")
        if o["kind"] == "Rollout"
    ]
    image = rollout["spec"]["template"]["spec"]["containers"][0]["image"]  # type: ignore[index]
    assert image == f"ghcr.io/frontdesk-dev/frontdesk-orchestrator@{DIGEST}"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda t: t.set_image("nope", "staging", "v1"), "unknown service 'nope'"),
        (lambda t: t.set_image("orchestrator", "qa", "v1"), "no overlay 'qa'"),
        (lambda t: t.set_image("orchestrator", "production", "v1"), "pinned by digest"),
        (lambda t: t.set_image("orchestrator", "staging", "latest"), "`latest` moves"),
        (lambda t: t.set_image("orchestrator", "staging", "sha256:12"), "is not a digest"),
        (lambda t: t.set_image("orchestrator", "staging", "a b"), "is not an image tag"),
        (
            lambda t: t.set_image("orchestrator", "staging", "2026.11.29-4557118"),
            "already runs",
        ),
        (lambda t: t.promote("orchestrator", "staging"), "no canary under way to promote"),
        (lambda t: t.abort("orchestrator", "staging"), "no canary under way to abort"),
    ],
)
def test_refusals_change_nothing(repo: Path, action: object, message: str) -> None:
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(RolloutError, match=message.replace("(", r"\(").replace(")", r"\)")):
        action(GitopsTree(repo))  # type: ignore[operator]
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""


def test_a_dirty_tree_is_refused(repo: Path) -> None:
    (repo / "services/orchestrator/base/rollout.yaml").write_text(ROLLOUT + "# edited\n")
    with pytest.raises(RolloutError, match=r"uncommitted changes .*rollout\.yaml.*commit or stash"):
        GitopsTree(repo).set_image("orchestrator", "staging", "v2")
    overlay = repo / "services/orchestrator/overlays/staging/kustomization.yaml"
    assert overlay.read_text() == STAGING


def test_tags_yaml_would_misread_are_quoted() -> None:
    text = set_image(STAGING, "orchestrator", ImageRef.parse("1.10"))
    assert "newTag: '1.10'" in text
    assert read_overlay(text, "orchestrator").image.endswith(":1.10")
    both = set_image(STAGING, "orchestrator", ImageRef.parse(f"v2@{DIGEST2}"))
    entry = yaml.safe_load(both)["images"][0]
    assert entry["newTag"] == "v2" and entry["digest"] == DIGEST2
    annotations = yaml.safe_load(both)["metadata"]["annotations"]
    assert set(annotations) == {STABLE, CANARY} and ABORTED not in annotations


def test_cli_status_and_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rollout", "status", "--gitops", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "orchestrator  production" in out and "1,50,100 +analysis" in out
    assert "stable  0% (no canary)" in out
    where = ["--env", "staging", "--gitops", str(repo)]
    assert main(["rollout", "set-image", "nope", "v1", *where]) == 2
    assert "unknown service 'nope' (known: orchestrator)" in capsys.readouterr().err
    assert main(["rollout", "set-image", "orchestrator", "v9", *where]) == 0
    assert "orchestrator (staging): image v9, commit" in capsys.readouterr().out


def test_on_the_project_gitops_tree(tmp_path: Path) -> None:
    """The real overlays: a canary of llm_router (image names use dashes) promoted; an
    orchestrator canary in production aborted renders exactly what was there before."""
    root = tmp_path / "gitops"
    shutil.copytree(PROJECT_ROOT / "gitops", root)
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "user.name", "test")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "--quiet", "-m", "initial")
    tree = GitopsTree(root)
    rows = tree.status()
    assert {row.service for row in rows} >= {"gateway", "orchestrator", "llm_router"}
    assert all(row.steps == (1, 5, 10, 25, 50, 100) and row.analysed for row in rows)

    tree.set_image("llm_router", "staging", "2026.11.30-ab12cd3")
    [rollout] = [
        o for o in rendered(root / "services/llm_router/overlays/staging") if o["kind"] == "Rollout"
    ]
    container = rollout["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert container["image"].endswith("frontdesk-llm-router:2026.11.30-ab12cd3")
    tree.promote("llm_router", "staging")

    production = root / "services/orchestrator/overlays/production"
    before = rendered(production)
    tree.set_image("orchestrator", "production", DIGEST2)
    assert rendered(production) != before
    tree.abort("orchestrator", "production", reason="error ratio")
    assert rendered(production) == before
    # Every commit leaves a tree the project's own validation accepts.
    validated = subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", "gitops", "validate", str(root), "--no-promtool"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{PROJECT_ROOT / 'libs'}:{PROJECT_ROOT / 'services'}"},
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
