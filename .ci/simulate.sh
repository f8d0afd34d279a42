#!/usr/bin/env bash
# IAM request simulation of the examples' generated policies with the npm package
# @cloud-copilot/iam-simulate (pinned in tools/simulate/package-lock.json), installed into
# ${ACCESSC_SIMULATE_NODE:-$HOME/.cache/accessc/simulate-node} (reused while the lock is unchanged).
#
#   .ci/simulate.sh [CASES.json...]     default: every examples/*/simulate.json
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${ACCESSC_SIMULATE_NODE:-$HOME/.cache/accessc/simulate-node}
want=$(sha256sum "$repo/tools/simulate/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$want" ] || [ ! -d "$dir/node_modules/@cloud-copilot/iam-simulate" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$repo/tools/simulate/package.json" "$repo/tools/simulate/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
    echo "$want" > "$dir/.stamp"
fi
if [ $# -eq 0 ]; then
    set -- "$repo"/examples/*/simulate.json
fi
ACCESSC_SIMULATE_NODE=$dir node "$repo/tools/simulate/run.mjs" "$@"
