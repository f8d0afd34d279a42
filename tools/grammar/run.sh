#!/usr/bin/env bash
# Tests of the TextMate grammar (editors/vscode/syntaxes/access.tmLanguage.json) with the npm
# package vscode-tmgrammar-test (pinned in tools/grammar/package-lock.json), installed into
# ${ACCESSC_GRAMMAR_NODE:-$HOME/.cache/accessc/grammar-node} (reused while the lock is unchanged):
#
#   * the assertions of editors/vscode/tests/*.test.access (each token's scopes);
#   * a snapshot of the tokens of every `.access` file under examples/, committed under
#     editors/vscode/tests/snapshots/ (the example's path + `.snap`): a change of an example or
#     of the grammar shows as a diff, and no token of an example may be `invalid.*`.
#
#   tools/grammar/run.sh            check
#   tools/grammar/run.sh --update   rewrite the snapshots (review them before committing)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
update=false
[ "${1:-}" = "--update" ] && update=true
# shellcheck source=tools/node-deps.sh
source "$repo/tools/node-deps.sh"
dir=$(node_deps "$repo/tools/grammar" "${ACCESSC_GRAMMAR_NODE:-$HOME/.cache/accessc/grammar-node}" vscode-tmgrammar-test)
bin=$dir/node_modules/.bin
grammar=$repo/editors/vscode/syntaxes/access.tmLanguage.json
snaps=$repo/editors/vscode/tests/snapshots

"$bin/vscode-tmgrammar-test" -g "$grammar" "$repo/editors/vscode/tests/*.test.access"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
count=0
missing=()
while IFS= read -r -d '' f; do
    rel=${f#./}
    mkdir -p "$work/$(dirname "$rel")"
    cp "$f" "$work/$rel"
    count=$((count + 1))
    if [ -f "$snaps/$rel.snap" ]; then
        cp "$snaps/$rel.snap" "$work/$rel.snap"
    elif ! $update; then
        missing+=("$rel")
    fi
done < <(find ./examples -name '*.access' -print0 | sort -z)
if [ ${#missing[@]} -gt 0 ]; then
    printf 'grammar: no snapshot for %s (run tools/grammar/run.sh --update)\n' "${missing[@]}" >&2
    exit 1
fi
if $update; then
    (cd "$work" && "$bin/vscode-tmgrammar-snap" -u -g "$grammar" -s source.access "examples/**/*.access") >/dev/null
    rm -rf "$snaps"
    mkdir -p "$snaps"
    (cd "$work" && find examples -name '*.access.snap' -print0 | while IFS= read -r -d '' s; do
        mkdir -p "$snaps/$(dirname "$s")"
        cp "$s" "$snaps/$s"
    done)
else
    (cd "$work" && "$bin/vscode-tmgrammar-snap" -g "$grammar" -s source.access "examples/**/*.access")
fi
if grep -rl 'invalid\.' "$snaps" >/dev/null 2>&1; then
    echo "grammar: an example has a token scoped invalid.*:" >&2
    grep -rn 'invalid\.' "$snaps" | head -5 >&2
    exit 1
fi
echo "grammar: assertions passed; $count example files match their token snapshots"
