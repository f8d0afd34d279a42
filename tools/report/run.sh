#!/usr/bin/env bash
# The access report in a real browser: headless Chromium from Debian's packages (/usr/bin/chromium),
# driven by the npm package playwright-core (pinned in tools/report/package-lock.json), installed
# into ${ACCESSC_REPORT_NODE:-$HOME/.cache/accessc/report-node} (reused while the lock is unchanged).
# tools/report/test.js opens `accessc report examples/multi-tenant` from a file:// URL, searches
# for a role, follows it to a resource with the keyboard and the mouse, checks elements and text,
# takes screenshots, loads the page again with JavaScript off and checks the tables, and fails on
# any request but the page itself.
#
#   tools/report/run.sh [ACCESSC]     (default target/release/accessc)
#
# The screenshots stay in the folder it prints (ACCESSC_REPORT_KEEP=1 keeps the whole work folder).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
accessc=${1:-$repo/target/release/accessc}
dir=${ACCESSC_REPORT_NODE:-$HOME/.cache/accessc/report-node}
[ -x /usr/bin/chromium ] || { echo "report: /usr/bin/chromium is missing (Debian: apt-get install chromium)" >&2; exit 1; }
want=$(sha256sum "$repo/tools/report/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$want" ] || [ ! -d "$dir/node_modules/playwright-core" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$repo/tools/report/package.json" "$repo/tools/report/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
    echo "$want" > "$dir/.stamp"
fi
work=$(mktemp -d)
if [ "${ACCESSC_REPORT_KEEP:-}" != 1 ]; then
    trap 'rm -rf "$work/profile" "$work/profile-nojs"' EXIT
fi
(cd "$repo" && "$accessc" report examples/multi-tenant -o "$work/report.html")
REPORT_NODE=$dir node "$repo/tools/report/test.js" "$work/report.html" "$work"
