#!/usr/bin/env bash
# The examples' output applied with the real clients, against a local AWS API (a moto server on
# 127.0.0.1, one per account folder, started and stopped by this script):
#
#   terraform  every out/terraform/ACCOUNT/ root, copied with an endpoints override:
#              init -backend=false, validate, apply, then plan -detailed-exitcode = no changes.
#              The EKS resources that moto does not implement are left out with -target lists
#              derived from the output, and counted.
#   aws-cli    every out/apply/ACCOUNT/apply.sh twice (the second run changes nothing), then every
#              role, policy, boundary and resource policy is read back and compared with the files
#   kubectl    kubectl kustomize out/clusters/NAME/kubernetes, then kubernetes-validate --strict
#   change     an example with one grant changed is rebuilt and re-applied by both paths, and the
#              new default policy version is read back (tools/real-clients/change-test.sh)
#
#   .ci/real-clients.sh [EXAMPLE_DIR...]      default: every examples/*/ with an out/ folder
#
# Needs: terraform (1.x) and a filesystem mirror of the hashicorp/aws provider (5.x; found in
# $ACCESSC_TF_MIRROR, /opt/tf-plugins, ~/.terraform.d/plugins or /usr/share/terraform/plugins,
# else searched for), kubectl, python3 (3.11) with venv, PyPI. Missing ones FAIL the run.
# moto, the AWS CLI and kubernetes-validate are installed (pinned: tools/real-clients/
# requirements.txt) into ${ACCESSC_REAL_CLIENTS_VENV:-$HOME/.cache/accessc/real-clients-venv},
# reused while the requirements and the Python version are unchanged.
# The accessc binary: $ACCESSC, default target/release/accessc (built by .ci/run).
# The Terraform roots, the apply plans and the change test run side by side, each with its own
# moto server: ACCESSC_REAL_CLIENTS_JOBS at once (default 2, the cores CI has).
set -euo pipefail

t_start=$(date +%s)
# shellcheck source=tools/real-clients/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/real-clients/lib.sh"

examples=()
if [ $# -gt 0 ]; then
    for ex in "$@"; do examples+=("$(cd "$ex" && pwd)"); done
else
    for ex in "$repo"/examples/*/; do
        [ -d "${ex}out" ] && examples+=("${ex%/}")
    done
fi
[ ${#examples[@]} -gt 0 ] || fail "no example with an out/ folder"
jobs_max=${ACCESSC_REAL_CLIENTS_JOBS:-2}
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || fail "ACCESSC_REAL_CLIENTS_JOBS must be a positive number"
mkdir -p "$work/results" "$work/units"

# spawn NAME COMMAND...: run one check in the background in its own scratch folder, with its own
# moto server (stopped on exit), at most jobs_max at once; it records its counts in results/NAME
# and, when it passed, results/NAME.ok
unit_pids=()
unit_names=()
spawn() {
    local name=$1
    shift
    while [ "$(jobs -pr | wc -l)" -ge "$jobs_max" ]; do
        wait -n || true # judged below, by PID
    done
    (
        scratch=$work/units/$name
        mkdir -p "$scratch"
        moto_pid=""
        trap stop_moto EXIT
        trap 'exit 143' INT TERM
        "$@" >"$work/results/$name"
        : >"$work/results/$name.ok"
    ) &
    unit_pids+=("$!")
    unit_names+=("$name")
}
# wait_all: every check has ended and passed
wait_all() {
    local i
    for i in "${!unit_pids[@]}"; do
        wait "${unit_pids[$i]}" || fail "check ${unit_names[$i]} failed (above)"
        [ -f "$work/results/${unit_names[$i]}.ok" ] || fail "check ${unit_names[$i]} did not finish"
    done
}

# tf_check EXAMPLE ACCOUNT: the root applied and re-planned; prints "APPLIED EXCLUDED TYPES"
tf_check() {
    local ex=$1 account=$2
    # shellcheck disable=SC2046
    start_moto "$account" $(fixture_key_ids "$ex/out" "$account")
    create_fixtures "$ex/out" "$account"
    tf_root "$ex/out/terraform/$account" "$account" "$scratch/tf"
    echo "$tf_applied $tf_excluded ${tf_excluded_seen:--}"
}

# cli_check EXAMPLE APPLY_OUT ACCOUNT: the apply plan run twice, then read back; prints
# "STEPS SKIPPED READ_BACK"
cli_check() {
    local ex=$1 aout=$2 account=$3 steps skipped
    # shellcheck disable=SC2046
    start_moto "$account" $(fixture_key_ids "$aout" "$account")
    create_fixtures "$aout" "$account"
    run_apply_plan "$aout" "$account" >"$scratch/apply-1.log"
    run_apply_plan "$aout" "$account" >"$scratch/apply-2.log"
    steps=$(grep -cE '^(create|update|unchanged|skip) ' "$scratch/apply-1.log" || true)
    skipped=$(grep -cE '^skip ' "$scratch/apply-1.log" || true)
    [ "$(grep -cE '^(create|update|unchanged|skip) ' "$scratch/apply-2.log" || true)" = "$steps" ] \
        || { cat "$scratch/apply-2.log" >&2; fail "apply plan of ${ex#"$repo"/} account $account: the second run has another number of steps"; }
    if grep -E '^(create|update) ' "$scratch/apply-2.log" >&2; then
        fail "apply plan of ${ex#"$repo"/} account $account: the second run changed something (above)"
    fi
    read_back "$aout" "$account"
    note "aws-cli ${ex#"$repo"/} apply/$account: $steps steps ($skipped skipped), second run unchanged, $read_back_count read back equal"
    echo "$steps $skipped $read_back_count"
}

# ---------------------------------------------------------------- kubectl (in the foreground)
t=$(date +%s)
k_clusters=0
k_objects=0
for ex in "${examples[@]}"; do
    for kdir in "$ex"/out/clusters/*/kubernetes; do
        [ -d "$kdir" ] || continue
        rendered=$work/kustomized.yaml
        kubectl kustomize "$kdir" >"$rendered" || fail "kubectl kustomize ${kdir#"$repo"/}"
        n=$("$py" "$helper" k8s-count "$rendered")
        if [ "$n" -gt 0 ]; then
            "$venv/bin/kubernetes-validate" --strict --quiet -k "$k8s_version" "$rendered" \
                || fail "kubernetes-validate --strict -k $k8s_version rejects kubectl kustomize ${kdir#"$repo"/}"
        fi
        k_clusters=$((k_clusters + 1))
        k_objects=$((k_objects + n))
    done
done
k_summary="kubectl: $k_clusters clusters kustomized, $k_objects objects valid (kubernetes-validate --strict, Kubernetes $k8s_version)"
note "kubectl took $(( $(date +%s) - t ))s"

# ---------------------------------------------------------------- the clients against moto
t=$(date +%s)
# the change test first: the longest
spawn change bash "$repo/tools/real-clients/change-test.sh"
u=0
for ex in "${examples[@]}"; do
    for root in "$ex"/out/terraform/*/; do
        [ -d "$root" ] || continue
        account=$(basename "$root")
        [[ $account =~ ^[0-9]{12}$ ]] || fail "terraform root $root is not an account folder"
        u=$((u + 1))
        spawn "tf-$u" tf_check "$ex" "$account"
    done
    # the apply plan is not a default target: built as a user would, next to the CLI inputs
    aout=$work/apply-out/$(basename "$ex")
    "$accessc" build "$ex" --target apply -o "$aout" >/dev/null 2>"$work/build.log" \
        || { cat "$work/build.log" >&2; fail "accessc build ${ex#"$repo"/} --target apply"; }
    # every account with CLI inputs or a Terraform root has its plan
    for acct in "$ex"/out/aws/*/ "$ex"/out/terraform/*/; do
        [ -d "$acct" ] || continue
        [ -f "$aout/apply/$(basename "$acct")/apply.sh" ] \
            || fail "${ex#"$repo"/}: no apply plan apply/$(basename "$acct")/apply.sh for account $(basename "$acct")"
    done
    for adir in "$aout"/apply/*/; do
        [ -f "${adir}apply.sh" ] || continue
        account=$(basename "$adir")
        [[ $account =~ ^[0-9]{12}$ ]] || fail "apply plan $adir is not an account folder"
        u=$((u + 1))
        spawn "cli-$u" cli_check "$ex" "$aout" "$account"
    done
done
wait_all
note "the clients against moto took $(( $(date +%s) - t ))s ($jobs_max at once)"

tf_applied=0 tf_excluded=0 tf_types="" a_steps=0 a_skipped=0 a_read=0
for r in "$work"/results/tf-[0-9]*; do
    case $r in *.ok) continue ;; esac
    read -r n ex types <"$r"
    tf_applied=$((tf_applied + n))
    tf_excluded=$((tf_excluded + ex))
    for ty in ${types//,/ }; do
        [ "$ty" = - ] && continue
        case ",$tf_types," in *",$ty,"*) ;; *) tf_types=${tf_types:+$tf_types,}$ty ;; esac
    done
done
for r in "$work"/results/cli-[0-9]*; do
    case $r in *.ok) continue ;; esac
    read -r n sk rb <"$r"
    a_steps=$((a_steps + n - sk))
    a_skipped=$((a_skipped + sk))
    a_read=$((a_read + rb))
done

echo "terraform: $tf_applied resources applied ($tf_excluded excluded: ${tf_types:-none}), re-plan clean"
echo "aws-cli: $a_steps steps applied ($a_skipped skipped: --skip ${apply_skip[*]}), second run unchanged, $a_read read back equal"
echo "$k_summary"
cat "$work/results/change"
echo "real-clients: all passed in $(( $(date +%s) - t_start ))s"
