#!/usr/bin/env bash
# Validate `accessc lint --format sarif` output against the SARIF 2.1.0 JSON schema committed in
# schemas/ (with Python's jsonschema, pinned in tools/sarif/requirements.txt, installed from PyPI
# into a venv outside the repository: ${ACCESSC_SARIF_VENV:-$HOME/.cache/accessc/sarif-venv},
# rebuilt when the requirements or the Python version change).
#
#   tools/sarif/validate.sh                 lint every example and every tests/cases folder
#                                           (with the release binary, built if stale) and
#                                           validate each log, plus a broken log that must fail
#   tools/sarif/validate.sh FILE.sarif...   validate these logs
#
# Needs python3 with the venv module. Exit 0 valid, 1 invalid, 2 setup failed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
req=$repo/tools/sarif/requirements.txt
venv=${ACCESSC_SARIF_VENV:-$HOME/.cache/accessc/sarif-venv}
python=${ACCESSC_SARIF_PYTHON:-python3}

command -v "$python" >/dev/null 2>&1 || { echo "sarif: $python not found" >&2; exit 2; }
want="$(sha256sum "$req" | cut -d' ' -f1) $("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
stamp=$venv/.accessc-sarif-stamp
if ! { [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }; then
    mkdir -p "$(dirname "$venv")"
    exec 9>"$venv.lock"
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if ! { [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }; then
        echo "sarif: installing jsonschema into $venv" >&2
        rm -rf "$venv"
        "$python" -m venv "$venv"
        if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q --no-input -r "$req"; then
            rm -rf "$venv"
            echo "sarif: pip install failed" >&2
            exit 2
        fi
        echo "$want" >"$stamp"
    fi
    exec 9>&-
fi

if [ $# -gt 0 ]; then
    exec "$venv/bin/python" "$repo/tools/sarif/validate.py" "$@"
fi

cd "$repo"
bin=$repo/target/release/accessc
cargo build --locked --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
logs=()
for dir in examples/*/ tests/cases/*/; do
    dir=${dir%/}
    name=$(echo "$dir" | tr '/' '_')
    # Exit 1 (findings with errors) is expected for error cases; 2 is not.
    rc=0
    "$bin" lint "$dir" --format sarif -o "$dir/out" >"$work/$name.sarif" 2>/dev/null || rc=$?
    if [ "$rc" -ge 2 ]; then
        echo "sarif: accessc lint $dir failed (exit $rc)" >&2
        exit 1
    fi
    logs+=("$work/$name.sarif")
done
if ! "$venv/bin/python" "$repo/tools/sarif/validate.py" "${logs[@]}" >"$work/report.txt"; then
    grep -v '^ok ' "$work/report.txt" >&2
    exit 1
fi
tail -1 "$work/report.txt"
# The validator must catch a broken log.
sed 's/"version": "2.1.0"/"version": "2.0"/' "${logs[0]}" >"$work/broken.sarif"
if "$venv/bin/python" "$repo/tools/sarif/validate.py" "$work/broken.sarif" >/dev/null; then
    echo "sarif: a broken log passed validation" >&2
    exit 1
fi
echo "sarif: ${#logs[@]} logs valid; a broken log is rejected"
