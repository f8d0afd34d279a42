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
set -euo pipefail

t_start=$(date +%s)
# shellcheck source=tools/real-clients/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/real-clients/lib.sh"

examples=()
if [ $# -gt 0 ]; then
    examples=("$@")
else
    for ex in "$repo"/examples/*/; do
        [ -d "${ex}out" ] && examples+=("${ex%/}")
    done
fi
[ ${#examples[@]} -gt 0 ] || fail "no example with an out/ folder"

# ---------------------------------------------------------------- terraform
t=$(date +%s)
for ex in "${examples[@]}"; do
    for root in "$ex"/out/terraform/*/; do
        [ -d "$root" ] || continue
        root=${root%/}
        account=$(basename "$root")
        [[ $account =~ ^[0-9]{12}$ ]] || fail "terraform root $root is not an account folder"
        # shellcheck disable=SC2046
        start_moto "$account" $(fixture_key_ids "$ex/out" "$account")
        create_fixtures "$ex/out" "$account"
        tf_root "$root" "$account" "$work/tf/$(basename "$ex")/$account"
        stop_moto
    done
done
rm -rf "$work/tf"
tf_summary="terraform: $tf_applied resources applied ($tf_excluded excluded: ${tf_excluded_seen:-none}), re-plan clean"
note "terraform took $(( $(date +%s) - t ))s"

# ---------------------------------------------------------------- kubectl
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

# ---------------------------------------------------------------- aws-cli (the apply plan)
t=$(date +%s)
a_steps=0
a_skipped=0
a_read=0
for ex in "${examples[@]}"; do
    # the apply plan is not a default target: built as a user would, next to the CLI inputs
    aout=$work/apply-out/$(basename "$ex")
    "$accessc" build "$ex" --target apply -o "$aout" >/dev/null 2>"$work/build.log" \
        || { cat "$work/build.log" >&2; fail "accessc build ${ex#"$repo"/} --target apply"; }
    for adir in "$aout"/apply/*/; do
        [ -f "${adir}apply.sh" ] || continue
        account=$(basename "$adir")
        [[ $account =~ ^[0-9]{12}$ ]] || fail "apply plan $adir is not an account folder"
        # shellcheck disable=SC2046
        start_moto "$account" $(fixture_key_ids "$aout" "$account")
        create_fixtures "$aout" "$account"
        run_apply_plan "$aout" "$account" >"$work/apply-1.log"
        run_apply_plan "$aout" "$account" >"$work/apply-2.log"
        steps=$(grep -cE '^(create|update|unchanged|skip) ' "$work/apply-1.log" || true)
        skipped=$(grep -cE '^skip ' "$work/apply-1.log" || true)
        [ "$(grep -cE '^(create|update|unchanged|skip) ' "$work/apply-2.log" || true)" = "$steps" ] \
            || { cat "$work/apply-2.log" >&2; fail "apply plan of ${ex#"$repo"/} account $account: the second run has another number of steps"; }
        if grep -E '^(create|update) ' "$work/apply-2.log" >&2; then
            fail "apply plan of ${ex#"$repo"/} account $account: the second run changed something (above)"
        fi
        read_back "$aout" "$account"
        note "aws-cli ${ex#"$repo"/} apply/$account: $steps steps ($skipped skipped), second run unchanged, $read_back_count read back equal"
        a_steps=$((a_steps + steps - skipped))
        a_skipped=$((a_skipped + skipped))
        a_read=$((a_read + read_back_count))
        stop_moto
    done
    # every account with CLI inputs or a Terraform root has its plan
    for acct in "$ex"/out/aws/*/ "$ex"/out/terraform/*/; do
        [ -d "$acct" ] || continue
        [ -f "$aout/apply/$(basename "$acct")/apply.sh" ] \
            || fail "${ex#"$repo"/}: no apply plan apply/$(basename "$acct")/apply.sh for account $(basename "$acct")"
    done
    rm -rf "$aout"
done
a_summary="aws-cli: $a_steps steps applied ($a_skipped skipped: --skip ${apply_skip[*]}), second run unchanged, $a_read read back equal"
note "aws-cli took $(( $(date +%s) - t ))s"

# ---------------------------------------------------------------- the change test
t=$(date +%s)
c_summary=$(bash "$repo/tools/real-clients/change-test.sh") || fail "the change test failed"
note "the change test took $(( $(date +%s) - t ))s"

echo "$tf_summary"
echo "$a_summary"
echo "$k_summary"
echo "$c_summary"
echo "real-clients: all passed in $(( $(date +%s) - t_start ))s"
