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
[ -x /usr/bin/chromium ] || { echo "report: /usr/bin/chromium is missing (Debian: apt-get install chromium)" >&2; exit 1; }
# shellcheck source=tools/node-deps.sh
source "$repo/tools/node-deps.sh"
dir=$(node_deps "$repo/tools/report" "${ACCESSC_REPORT_NODE:-$HOME/.cache/accessc/report-node}" playwright-core)
work=$(mktemp -d)
if [ "${ACCESSC_REPORT_KEEP:-}" != 1 ]; then
    trap 'rm -rf "$work/profile" "$work/profile-nojs"' EXIT
fi
(cd "$repo" && "$accessc" report examples/multi-tenant -o "$work/report.html")
REPORT_NODE=$dir node "$repo/tools/report/test.js" "$work/report.html" "$work"
