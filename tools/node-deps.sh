#!/usr/bin/env bash
# The npm packages of one tool folder (its package.json and package-lock.json), installed with
# `npm ci` into a folder outside the repository and reused while the lock file is unchanged.
# Sourced by the scripts that run them (tools/grammar/run.sh, .ci/simulate.sh, …):
#
#   source tools/node-deps.sh
#   dir=$(node_deps TOOL_FOLDER INSTALL_DIR PACKAGE)   # PACKAGE: a module that must be there
node_deps() {
    local src=$1 dir=$2 package=$3 want
    want=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$want" ] || [ ! -d "$dir/node_modules/$package" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        cp "$src/package.json" "$src/package-lock.json" "$dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
        echo "$want" >"$dir/.stamp"
    fi
    echo "$dir"
}
