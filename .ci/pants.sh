#!/usr/bin/env bash
# CI checks for the Pants build: bootstrap Pants, check the BUILD files are complete and
# formatted, package one service PEX and prove it imports and unpacks the way the Docker image
# does. Run from anywhere: `bash .ci/pants.sh [pants target of a pex_binary]`.
#
# Cold on a fresh machine (no ~/.cache/frontdesk-pants, no ~/.cache/pants) it takes a few
# minutes, most of it resolving the service's requirements from PyPI; warm, well under a minute.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARGET="${1:-services/gateway:gateway}"
SERVICE="${TARGET##*:}"
SERVICE_DIR="${TARGET%%:*}"
PEX="dist/${SERVICE_DIR//\//.}/${SERVICE}.pex"

# CI output: no progress bars or colours; pants.ci.toml on top of pants.toml.
export PANTS_CONFIG_FILES="+['pants.ci.toml']"

step() {
  STEP_NAME="$1"
  STEP_START=$SECONDS
  echo "::: ${STEP_NAME}"
}
done_step() { echo "::: ${STEP_NAME}: ok in $((SECONDS - STEP_START))s"; }

step "bootstrap Pants"
./pants --version
done_step

step "tailor --check (every source file is owned by a BUILD target)"
./pants tailor --check ::
done_step

step "update-build-files --check (BUILD files formatted, no deprecated syntax)"
./pants update-build-files --check ::
done_step

step "package ${TARGET}"
rm -f "${PEX}"
./pants package "${TARGET}"
test -s "${PEX}"
ls -l "${PEX}"
done_step

step "import check of ${PEX}"
# Importing the entry-point module (not running it: that would start the server) pulls in the
# service's whole import graph, so a dependency Pants failed to package fails here.
PEX_INTERPRETER=1 "${PEX}" -c "
import importlib, sys
importlib.import_module('${SERVICE}.__main__')
print('imported ${SERVICE}.__main__ on Python', sys.version.split()[0])
"
done_step

step "unpack ${PEX} into a venv as deploy/docker/Dockerfile does"
VENV_DIR="$(mktemp -d)"
trap 'rm -rf "${VENV_DIR}"' EXIT
PEX_TOOLS=1 "${PEX}" venv --compile "${VENV_DIR}/venv"
"${VENV_DIR}/venv/bin/python" -c "import ${SERVICE}.__main__"
test -x "${VENV_DIR}/venv/pex"
done_step

echo "pants checks passed"
