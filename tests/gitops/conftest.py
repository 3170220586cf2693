"""A copy of the project's gitops/ per test, and the findings of the unbroken copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from controlplane.gitops import Finding, validate
from servicekit.settings import PROJECT_ROOT

GITOPS = PROJECT_ROOT / "gitops"
Copy = Callable[[], Path]


def copy_gitops(destination: Path) -> Path:
    tree = destination / "gitops"
    shutil.copytree(GITOPS, tree, ignore=shutil.ignore_patterns("BUILD", "__pycache__"))
    return tree


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> frozenset[Finding]:
    """What the validator finds in gitops/ as it is: a break must add to it."""
    tree = copy_gitops(tmp_path_factory.mktemp("baseline"))
    return frozenset(validate(tree, promtool=False).findings)


@pytest.fixture
def gitops_copy(tmp_path: Path) -> Path:
    return copy_gitops(tmp_path)
