#!/usr/bin/env bash
# The change test of .ci/real-clients.sh (issue 19): a copy of examples/quickstart is built and
# applied against moto, one grant is changed (payments/checkout gains dynamodb:UpdateItem), the
# copy is rebuilt and re-applied
#   - with Terraform, in the same working folder (its state): apply changes the policy in place,
#     then plan -detailed-exitcode reports no changes;
#   - with the apply plan (out/apply/ACCOUNT/apply.sh) against its own moto: the second build's
#     plan prints `update` for the policy;
# and each time the policy's default version is read back from moto (aws iam get-policy,
# get-policy-version) and compared with the rebuilt policy.json.
#
#   tools/real-clients/change-test.sh        (run by .ci/real-clients.sh; runs on its own too)
# Environment as .ci/real-clients.sh (ACCESSC, ACCESSC_REAL_CLIENTS_VENV, ACCESSC_TF_MIRROR).
set -euo pipefail
# shellcheck source=tools/real-clients/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

example=$repo/examples/quickstart
account=111122223333
app_file=payments/checkout.access
role=payments-checkout
before_grant='allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query'
after_grant='allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem'

src=$work/change/src
mkdir -p "$src"
cp -R "$example/." "$src/"
rm -rf "$src/out"
[ "$(grep -cxF "    $before_grant" "$src/$app_file")" = 1 ] || fail "change test: '$before_grant' not found once in $app_file"
"$accessc" build "$src" --target terraform,apply -o "$work/change/out-before" >/dev/null 2>&1
before_policy=$work/change/out-before/aws/$account/roles/$role/policy.json
[ -f "$before_policy" ] || fail "change test: $before_policy missing"

# change one grant and rebuild
sed -i "s/^    $before_grant\$/    $after_grant/" "$src/$app_file"
grep -qxF "    $after_grant" "$src/$app_file" || fail "change test: the grant was not changed"
"$accessc" build "$src" --target terraform,apply -o "$work/change/out-after" >/dev/null 2>&1
after_policy=$work/change/out-after/aws/$account/roles/$role/policy.json
if "$py" "$helper" json-equal "$before_policy" "$after_policy" 2>/dev/null; then
    fail "change test: the rebuilt $role policy.json did not change"
fi
grep -qF 'dynamodb:UpdateItem' "$after_policy" || fail "change test: dynamodb:UpdateItem not in the rebuilt policy"

# the policy's ARN, from its create-policy input (path and name)
policy_arn=$("$py" "$helper" policy-arn "$work/change/out-after/aws/$account/roles/$role/create-policy.json" "$account")

# read_back_policy LABEL FILE: the default version of the policy in moto equals FILE
read_back_policy() {
    local version
    version=$(awsm iam get-policy --policy-arn "$policy_arn" --query Policy.DefaultVersionId --output text)
    awsm iam get-policy-version --policy-arn "$policy_arn" --version-id "$version" \
        --query PolicyVersion.Document --output json >"$work/change/read-back.json"
    "$py" "$helper" json-equal "$work/change/read-back.json" "$2" \
        || fail "change test ($1): policy version $version of $policy_arn differs from ${2#"$work"/}"
    note "change test ($1): $policy_arn default version $version equals ${2#"$work"/}"
}

# --- Terraform: apply, change, re-apply in the same folder (same state), re-plan clean
# shellcheck disable=SC2046
start_moto "$account" $(fixture_key_ids "$work/change/out-before" "$account")
create_fixtures "$work/change/out-before" "$account"
tfdir=$work/change/tf
tf_root "$work/change/out-before/terraform/$account" "$account" "$tfdir"
read_back_policy "terraform, before" "$before_policy"
tf_root "$work/change/out-after/terraform/$account" "$account" "$tfdir"
case $tf_last_apply in
    *" 0 added, 1 changed, 0 destroyed."*) ;;
    *) fail "change test (terraform): expected the policy changed in place, got: ${tf_last_apply:-no apply}" ;;
esac
read_back_policy "terraform, after" "$after_policy"
stop_moto

# --- the apply plan: run it for the first build, then for the second: `update` for the policy
# shellcheck disable=SC2046
start_moto "$account" $(fixture_key_ids "$work/change/out-before" "$account")
create_fixtures "$work/change/out-before" "$account"
run_apply_plan "$work/change/out-before" "$account" >"$work/change/apply-1.log"
read_back_policy "apply plan, before" "$before_policy"
run_apply_plan "$work/change/out-after" "$account" >"$work/change/apply-2.log"
awk -v name="${policy_arn##*/}" '$1 == "update" && $2 == "policy" && ($3 == name || substr($3, length($3) - length(name)) == "/" name) { found = 1 } END { exit !found }' \
    "$work/change/apply-2.log" \
    || { cat "$work/change/apply-2.log" >&2; fail "change test (apply plan): no update line for the $role policy"; }
read_back_policy "apply plan, after" "$after_policy"
stop_moto
echo "change test: one grant changed, re-applied by Terraform (1 changed, re-plan clean) and by the apply plan (update), new policy version read back equal"
