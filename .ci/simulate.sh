#!/usr/bin/env bash
# IAM request simulation of the examples' generated policies with the npm package
# @cloud-copilot/iam-simulate (pinned in tools/simulate/package-lock.json), installed into
# ${ACCESSC_SIMULATE_NODE:-$HOME/.cache/accessc/simulate-node} (reused while the lock is unchanged).
#
#   .ci/simulate.sh [CASES.json...]     default: every examples/*/simulate.json
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tools/node-deps.sh
source "$repo/tools/node-deps.sh"
dir=$(node_deps "$repo/tools/simulate" "${ACCESSC_SIMULATE_NODE:-$HOME/.cache/accessc/simulate-node}" @cloud-copilot/iam-simulate)
if [ $# -eq 0 ]; then
    set -- "$repo"/examples/*/simulate.json
fi
ACCESSC_SIMULATE_NODE=$dir node "$repo/tools/simulate/run.mjs" "$@"
