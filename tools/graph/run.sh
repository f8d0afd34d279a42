#!/usr/bin/env bash
# Parses accessc's Mermaid output with the mermaid npm package's own parser (pinned in
# tools/graph/package-lock.json, with jsdom for the DOM its parser needs in Node), installed into
# ${ACCESSC_GRAPH_NODE:-$HOME/.cache/accessc/graph-node} (reused while the lock is unchanged):
#
#   * `accessc graph` of every example, collapsed and with --no-collapse, and focused on an app,
#     a resource and a principal of the quickstart;
#   * tests/graph/hostile (hostile names in every label);
#   * the Mermaid diagrams of `accessc diff --format markdown` (the snapshots/diff_*.snap).
#
#   tools/graph/run.sh [ACCESSC]     (default: target/release/accessc)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${ACCESSC_GRAPH_NODE:-$HOME/.cache/accessc/graph-node}
accessc=${1:-$repo/target/release/accessc}
want=$(sha256sum "$repo/tools/graph/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$want" ] || [ ! -d "$dir/node_modules/mermaid" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$repo/tools/graph/package.json" "$repo/tools/graph/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
    echo "$want" > "$dir/.stamp"
fi
cp "$repo/tools/graph/parse.mjs" "$dir/parse.mjs"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
for ex in examples/*/; do
    name=$(basename "$ex")
    "$accessc" graph "$ex" > "$work/$name.mmd"
    "$accessc" graph "$ex" --no-collapse > "$work/$name.all.mmd"
done
"$accessc" graph examples/quickstart --focus payments/checkout > "$work/focus-app.mmd"
"$accessc" graph examples/quickstart --resource 'arn:aws:s3:::receipts/a.pdf' > "$work/focus-resource.mmd"
"$accessc" graph examples/quickstart --principal 'arn:aws:iam::111122223333:role/prod-nodes' > "$work/focus-principal.mmd"
"$accessc" graph tests/graph/hostile > "$work/hostile.mmd"
node "$dir/parse.mjs" "$work"/*.mmd snapshots/diff_*.snap
