#!/usr/bin/env bash
# CI checks for the Pants build: bootstrap Pants, check the BUILD files are complete and
# formatted, package every service's PEX (each services/<svc>:<svc> pex_binary) and prove each
# unpacks into a venv the way deploy/docker/Dockerfile does and imports its entry point.
# Run from anywhere: `bash .ci/pants.sh [pants target of a pex_binary ...]` (default: all).
#
# Cold on a fresh machine (no ~/.cache/frontdesk-pants, no ~/.cache/pants) it takes a few
# minutes, most of it resolving requirements from PyPI; warm, a minute or two: the six PEXes
# share one lockfile and Pants builds them in one run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$#" -gt 0 ]; then
  TARGETS=("$@")
else
  # Every service directory with a BUILD file: its pex_binary is named after the directory.
  TARGETS=()
  for build in services/*/BUILD; do
    dir="${build%/BUILD}"
    TARGETS+=("${dir}:${dir##*/}")
  done
fi

# CI output: no progress bars or colours; pants.ci.toml on top of pants.toml.
export PANTS_CONFIG_FILES="+['pants.ci.toml']"

step() {
  STEP_NAME="$1"
  STEP_START=$SECONDS
  echo "::: ${STEP_NAME}"
}
done_step() { echo "::: ${STEP_NAME}: ok in $((SECONDS - STEP_START))s"; }
# services/gateway:gateway -> dist/services.gateway/gateway.pex
pex_path() {
  local target="$1"
  local dir="${target%%:*}"
  echo "dist/${dir//\//.}/${target##*:}.pex"
}

step "bootstrap Pants"
./pants --version
done_step

step "tailor --check (every source file is owned by a BUILD target)"
./pants tailor --check ::
done_step

step "update-build-files --check (BUILD files formatted, no deprecated syntax)"
./pants update-build-files --check ::
done_step

step "package ${#TARGETS[@]} PEXes: ${TARGETS[*]}"
for target in "${TARGETS[@]}"; do
  rm -f "$(pex_path "${target}")"
done
./pants package "${TARGETS[@]}"
for target in "${TARGETS[@]}"; do
  test -s "$(pex_path "${target}")"
  ls -l "$(pex_path "${target}")"
done
done_step

VENV_DIR="$(mktemp -d)"
trap 'rm -rf "${VENV_DIR}"' EXIT
for target in "${TARGETS[@]}"; do
  service="${target##*:}"
  pex="$(pex_path "${target}")"
  step "unpack ${pex} into a venv as deploy/docker/Dockerfile does, import ${service}.__main__"
  # PEX_TOOLS venv is the Dockerfile's first stage (without --compile: CI only needs imports).
  # Importing the entry-point module (not running it: that would start the server) pulls in
  # the service's whole import graph, so a dependency Pants failed to package fails here.
  PEX_TOOLS=1 "${pex}" venv "${VENV_DIR}/${service}"
  test -x "${VENV_DIR}/${service}/pex"
  "${VENV_DIR}/${service}/bin/python" -c "
import importlib, sys
importlib.import_module('${service}.__main__')
print('imported ${service}.__main__ on Python', sys.version.split()[0])
"
  done_step
done

echo "pants checks passed"
