#!/usr/bin/env bash
# A Python venv outside the repository with the pinned packages of a requirements file, rebuilt
# when the requirements or the interpreter's version change, otherwise reused (a warm start
# costs ~0.1 s); concurrent installs (two CI steps, a developer running a script twice) are
# serialised with a lock file. Sourced by .ci/validate-output.sh and tools/real-clients/lib.sh:
#
#   source tools/py-venv.sh
#   py_venv PYTHON REQUIREMENTS VENV LABEL IMPORTS || exit 2   # IMPORTS: `import …` must work
py_venv() {
    local python=$1 req=$2 venv=$3 label=$4 imports=$5 want stamp start
    want="$(sha256sum "$req" | cut -d' ' -f1) $("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
    stamp=$venv/.accessc-venv-stamp
    _py_venv_ok() {
        [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
            && "$venv/bin/python" -c "import $imports" >/dev/null 2>&1
    }
    _py_venv_ok && return 0
    mkdir -p "$(dirname "$venv")"
    exec 9>"$venv.lock"
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if ! _py_venv_ok; then
        echo "$label: installing $req into $venv" >&2
        start=$(date +%s)
        rm -rf "$venv"
        "$python" -m venv "$venv"
        if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q --no-input -r "$req"; then
            echo "$label: pip install of $req failed; the incomplete venv is removed" >&2
            rm -rf "$venv"
            exec 9>&-
            return 1
        fi
        echo "$want" >"$stamp"
        echo "$label: installed in $(( $(date +%s) - start ))s" >&2
    fi
    exec 9>&-
}
