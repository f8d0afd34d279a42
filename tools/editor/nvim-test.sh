#!/usr/bin/env bash
# Neovim (Debian `neovim`) drives `accessc lsp` headless with its built-in LSP client
# (tools/editor/nvim-test.lua) on a copy of examples/quickstart: the E207 diagnostic of a typo
# with its did-you-mean, and the hover of a `read` grant with its expansion.
#
#   tools/editor/nvim-test.sh [ACCESSC]     default: target/release/accessc
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
accessc=$(realpath "${1:-$repo/target/release/accessc}")
if ! command -v nvim >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        timeout 300 apt-get install -y -qq neovim >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && timeout 300 apt-get install -y -qq neovim >/dev/null 2>&1; }
    fi
fi
command -v nvim >/dev/null 2>&1 || { echo "nvim-test: Neovim is missing (apt-get install neovim)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$repo/examples/quickstart/." "$work/"
rm -rf "$work/out"
ACCESSC_ROOT=$(realpath "$work") ACCESSC="$accessc" HOME="$work" \
    timeout 120 nvim --headless -n -u NONE -i NONE -c "luafile $repo/tools/editor/nvim-test.lua"
echo "nvim-test: $(nvim --version | head -1): diagnostics and hover from accessc lsp"
