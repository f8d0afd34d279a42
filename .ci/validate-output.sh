#!/usr/bin/env bash
# External validation of accessc output (IAM policies, EKS CLI inputs, Kubernetes RBAC YAML)
# with published validators: parliament, policy_sentry, botocore, kubernetes-validate.
#
#   .ci/validate-output.sh DIR_OR_FILE...     validate; exit 1 if any file has a FAIL finding
#   .ci/validate-output.sh --selftest         tools/validate/testdata: good passes, bad is caught
#
# The validators are installed (pinned: tools/validate/requirements.txt) into a venv outside the
# repository, ${ACCESSC_VALIDATE_VENV:-$HOME/.cache/accessc/validate-venv}; it is rebuilt when the
# requirements or the Python version change, otherwise reused (a warm start costs ~0.1 s).
# Needs python3 (>= 3.9; pinned and tested with 3.11) with the venv module, and PyPI.
# Environment: ACCESSC_VALIDATE_VENV (venv path), ACCESSC_VALIDATE_PYTHON (interpreter, default python3).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
req=$repo/tools/validate/requirements.txt
script=$repo/tools/validate/validate.py
venv=${ACCESSC_VALIDATE_VENV:-$HOME/.cache/accessc/validate-venv}
python=${ACCESSC_VALIDATE_PYTHON:-python3}

if [ $# -eq 0 ]; then
    echo "usage: $0 DIR_OR_FILE...   (or: $0 --selftest)" >&2
    exit 2
fi

if ! command -v "$python" >/dev/null 2>&1; then
    echo "validate-output: $python not found" >&2
    exit 2
fi

# shellcheck source=tools/py-venv.sh
source "$repo/tools/py-venv.sh"
py_venv "$python" "$req" "$venv" validate-output sys || exit 2

exec "$venv/bin/python" "$script" "$@"
