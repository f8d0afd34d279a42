# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables it sets are read by the scripts that source it
# Shared by .ci/real-clients.sh and tools/real-clients/change-test.sh (sourced, not run): the
# pinned venv, the tools' checks, the scratch folder, the moto server, the fixtures and one
# Terraform root applied against moto. Sets: repo, py, aws, helper, work, moto_url; a trap stops
# the server (by its PID) and removes the scratch folder.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
req=$repo/tools/real-clients/requirements.txt
helper=$repo/tools/real-clients/helper.py
venv=${ACCESSC_REAL_CLIENTS_VENV:-$HOME/.cache/accessc/real-clients-venv}
python=${ACCESSC_REAL_CLIENTS_PYTHON:-python3}
k8s_version=${ACCESSC_K8S_VERSION:-1.37.0}
accessc=${ACCESSC:-$repo/target/release/accessc}
# EKS resources moto (5.2.5) does not implement: no access entries, access policy associations
# or Pod Identity associations in its EKS backend
tf_exclude=(aws_eks_access_entry aws_eks_access_policy_association aws_eks_pod_identity_association)
# the services the apply plan skips because moto lacks their calls
apply_skip=(eks)

fail() { echo "real-clients: FAIL: $*" >&2; exit 1; }
note() { echo "real-clients: $*" >&2; }

# ---------------------------------------------------------------- tools
command -v "$python" >/dev/null 2>&1 || fail "$python not found"
command -v terraform >/dev/null 2>&1 \
    || fail "terraform not found on PATH (this kind of machine ships Terraform 1.11; CI does not skip this check)"
if ! command -v kubectl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    note "installing Debian's kubectl"
    timeout 300 apt-get install -y -qq kubectl >/dev/null 2>&1 || true
fi
command -v kubectl >/dev/null 2>&1 || fail "kubectl not found and not installable (Debian package kubectl)"
case $accessc in /*) ;; *) accessc=$PWD/$accessc ;; esac
[ -x "$accessc" ] || fail "accessc binary $accessc missing (cargo build --release, or set ACCESSC)"

# shellcheck source=tools/py-venv.sh
source "$(dirname "${BASH_SOURCE[0]}")/../py-venv.sh"
py_venv "$python" "$req" "$venv" real-clients "moto, kubernetes_validate" || fail "pip install of $req failed"
py=$venv/bin/python
aws=$venv/bin/aws

# the hashicorp/aws provider mirror: a folder holding registry.terraform.io/hashicorp/aws/5.*/
find_mirror() {
    local d
    for d in ${ACCESSC_TF_MIRROR:+"$ACCESSC_TF_MIRROR"} /opt/tf-plugins "$HOME/.terraform.d/plugins" \
        /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
        if compgen -G "$d/registry.terraform.io/hashicorp/aws/5.*/linux_amd64/terraform-provider-aws*" >/dev/null; then
            echo "$d"
            return
        fi
    done
    local bin
    bin=$(find / -xdev \( -path /proc -o -path /sys -o -path "$repo" \) -prune -o \
        -path '*/registry.terraform.io/hashicorp/aws/5.*/*/terraform-provider-aws*' -type f -print 2>/dev/null | head -n 1)
    [ -n "$bin" ] && echo "${bin%/registry.terraform.io/hashicorp/aws/*}"
}
tf_mirror=$(find_mirror) || true
[ -n "$tf_mirror" ] || fail "no filesystem mirror of the hashicorp/aws 5.x provider found (set ACCESSC_TF_MIRROR); Terraform cannot run without the network"
tf_version=$(TF_CLI_CONFIG_FILE=/dev/null terraform version -json | "$py" -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')
tf_provider=$(cd "$tf_mirror/registry.terraform.io/hashicorp/aws" && ls -d 5.* | sort -V | tail -n 1)
note "terraform $tf_version, hashicorp/aws $tf_provider from $tf_mirror, kubectl $(kubectl version --client -o json | "$py" -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"

# ---------------------------------------------------------------- scratch, servers
work=$(mktemp -d "${TMPDIR:-/tmp}/accessc-real-clients.XXXXXX")
moto_pid=""
stop_moto() {
    if [ -n "$moto_pid" ]; then
        kill "$moto_pid" 2>/dev/null || true
        wait "$moto_pid" 2>/dev/null || true
        moto_pid=""
    fi
}
scratch=$work
# the background checks of .ci/real-clients.sh (each stops its own server on exit)
cleanup() {
    local p
    for p in $(jobs -pr); do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    stop_moto
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$work/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$tf_mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF
: >"$work/aws-config"
: >"$work/aws-credentials"
# nothing of the caller's AWS or Terraform setup reaches the clients
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE \
    AWS_ENDPOINT_URL AWS_CA_BUNDLE TF_CLI_ARGS TF_DATA_DIR TF_WORKSPACE 2>/dev/null || true
export TF_CLI_CONFIG_FILE=$work/terraformrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=moto-fake-secret-key
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""

# start_moto ACCOUNT [KMS_KEY_ID...]: a fresh moto server for one account on a free loopback
# port; sets $moto_url. KMS keys created next get the IDs given, in order.
start_moto() {
    local account=$1
    shift
    stop_moto
    local port_file=$scratch/moto-$account.port
    rm -f "$port_file"
    MOTO_ACCOUNT_ID=$account ACCESSC_MOTO_KMS_KEY_IDS="$*" \
        "$py" "$repo/tools/real-clients/moto_server.py" "$port_file" >"$scratch/moto-$account.log" 2>&1 &
    moto_pid=$!
    local _
    for _ in $(seq 1 200); do
        if [ -s "$port_file" ]; then
            moto_url=http://127.0.0.1:$(cat "$port_file")
            return 0
        fi
        kill -0 "$moto_pid" 2>/dev/null || { cat "$scratch/moto-$account.log" >&2; fail "moto server did not start"; }
        sleep 0.1
    done
    fail "moto server did not listen within 20 s"
}

awsm() { AWS_ENDPOINT_URL=$moto_url "$aws" "$@"; }

# create_fixtures OUT ACCOUNT: the resources the account's resource policies are attached to
# (they exist before accessc's output is applied: accessc writes their policies only)
create_fixtures() {
    local kind region name id
    "$py" "$helper" fixtures "$1" "$2" >"$scratch/fixtures"
    while read -r -u 3 kind region name; do
        case $kind in
            s3) awsm s3api create-bucket --bucket "$region" >/dev/null ;;
            kms)
                id=$(awsm kms create-key --region "$region" --description "fixture $name" \
                    --query KeyMetadata.KeyId --output text)
                [ "$id" = "$name" ] || fail "moto created KMS key $id, not $name" ;;
            sqs) awsm sqs create-queue --region "$region" --queue-name "$name" >/dev/null ;;
            sns) awsm sns create-topic --region "$region" --name "$name" >/dev/null ;;
            ecr) awsm ecr create-repository --region "$region" --repository-name "$name" >/dev/null ;;
            secret) awsm secretsmanager create-secret --region "$region" --name "$name" >/dev/null ;;
            *) fail "unknown fixture $kind" ;;
        esac
    done 3<"$scratch/fixtures"
}

# the KMS key IDs the fixtures of OUT ACCOUNT need, for start_moto
fixture_key_ids() { "$py" "$helper" fixtures "$1" "$2" | awk '$1 == "kms" { print $3 }'; }

# ---------------------------------------------------------------- terraform
# tf_root ROOT_SRC ACCOUNT SCRATCH OUT: apply one root against the running moto; adds to the
# counters. SCRATCH keeps the state (the change test re-applies in it).
tf_applied=0
tf_excluded=0
tf_excluded_seen=""
tf_root() {
    local src=$1 account=$2 dir=$3
    mkdir -p "$dir"
    rm -f "$dir"/*.tf.json
    cp "$src"/*.tf.json "$dir"/
    "$py" "$helper" tf-override "$dir" "$moto_url"
    "$py" "$helper" tf-targets "$dir" "${tf_exclude[@]}" >"$dir/.targets" 2>"$dir/.excluded"
    local targets=() a
    while read -r a; do targets+=("-target=$a"); done <"$dir/.targets"
    local n=${#targets[@]} ex types
    read -r _ ex types <"$dir/.excluded"
    (
        cd "$dir"
        terraform init -backend=false -input=false -no-color >"$dir/.init.log" 2>&1 \
            || { cat "$dir/.init.log" >&2; fail "terraform init in $src"; }
        terraform validate -no-color >"$dir/.validate.log" 2>&1 \
            || { cat "$dir/.validate.log" >&2; fail "terraform validate in $src"; }
        [ "$n" -gt 0 ] || exit 0
        terraform apply -auto-approve -input=false -no-color "${targets[@]}" >"$dir/.apply.log" 2>&1 \
            || { cat "$dir/.apply.log" >&2; fail "terraform apply in $src"; }
        local rc=0
        terraform plan -detailed-exitcode -input=false -no-color "${targets[@]}" >"$dir/.plan.log" 2>&1 || rc=$?
        [ "$rc" -eq 0 ] || { cat "$dir/.plan.log" >&2; fail "terraform plan after apply in $src: exit $rc (2 = changes pending)"; }
    )
    tf_last_apply=$(grep -h '^Apply complete!' "$dir/.apply.log" 2>/dev/null || true)
    tf_applied=$((tf_applied + n))
    tf_excluded=$((tf_excluded + ex))
    local t
    for t in ${types//,/ }; do
        case ",$tf_excluded_seen," in *",$t,"*) ;; *) tf_excluded_seen=${tf_excluded_seen:+$tf_excluded_seen,}$t ;; esac
    done
    note "terraform ${src#"$repo"/}: $n applied, $ex excluded, re-plan clean"
}


# ---------------------------------------------------------------- the apply plan, read back
# run_apply_plan OUT ACCOUNT: OUT/apply/ACCOUNT/apply.sh against the running moto, the services
# moto lacks skipped; its lines on stdout
run_apply_plan() {
    local script=$1/apply/$2/apply.sh skip=() s
    [ -f "$script" ] || fail "no apply plan $script"
    for s in "${apply_skip[@]}"; do skip+=(--skip "$s"); done
    PATH=$venv/bin:$PATH AWS_ENDPOINT_URL=$moto_url bash "$script" "${skip[@]}" \
        || fail "$script failed against moto"
}

# read_back OUT ACCOUNT: every role (trust policy, boundary, path, tags), policy and boundary
# (default version's document), attachment and resource policy of ACCOUNT read back from moto
# with the AWS CLI and compared with the files; sets read_back_count
read_back() {
    local out=$1 account=$2 kind a b c v n=0
    "$py" "$helper" readback "$out" "$account" >"$scratch/readback"
    while IFS=$'\t' read -r -u 3 kind a b c; do
        case $kind in
            role)
                awsm iam get-role --role-name "$a" --output json >"$scratch/got.json"
                "$py" "$helper" role-equal "$scratch/got.json" "$b" "$c" ;;
            policy)
                v=$(awsm iam get-policy --policy-arn "$a" --query Policy.DefaultVersionId --output text)
                awsm iam get-policy-version --policy-arn "$a" --version-id "$v" \
                    --query PolicyVersion.Document --output json >"$scratch/got.json"
                "$py" "$helper" json-equal "$scratch/got.json" "$b" \
                    || fail "policy $a (version $v) differs from ${b#"$repo"/}" ;;
            attached)
                awsm iam list-attached-role-policies --role-name "$a" \
                    --query 'AttachedPolicies[].PolicyArn' --output text | tr '\t' '\n' | grep -xF -- "$b" >/dev/null \
                    || fail "role $a: $b not attached" ;;
            s3)
                awsm s3api get-bucket-policy --bucket "$a" --query Policy --output text >"$scratch/got.json"
                "$py" "$helper" json-equal "$scratch/got.json" "$b" || fail "bucket policy of $a" ;;
            kms)
                awsm kms get-key-policy --region "$a" --key-id "$b" --policy-name default \
                    --query Policy --output text >"$scratch/got.json"
                "$py" "$helper" json-equal "$scratch/got.json" "$c" || fail "key policy of $b" ;;
            sqs)
                v=$(awsm sqs get-queue-url --region "$a" --queue-name "$b" --query QueueUrl --output text)
                awsm sqs get-queue-attributes --region "$a" --queue-url "$v" --attribute-names Policy \
                    --query Attributes.Policy --output text >"$scratch/got.json"
                "$py" "$helper" json-equal "$scratch/got.json" "$c" || fail "queue policy of $b" ;;
            sns)
                v=$(awsm sns list-topics --region "$a" --query 'Topics[].TopicArn' --output text | tr '\t' '\n' \
                    | grep -E -- ":$b\$" | head -n 1)
                awsm sns get-topic-attributes --region "$a" --topic-arn "$v" \
                    --query Attributes.Policy --output text >"$scratch/got.json"
                "$py" "$helper" json-equal "$scratch/got.json" "$c" || fail "topic policy of $b" ;;
            ecr)
                awsm ecr get-repository-policy --region "$a" --repository-name "$b" \
                    --query policyText --output text >"$scratch/got.json"
                "$py" "$helper" json-equal "$scratch/got.json" "$c" || fail "repository policy of $b" ;;
            secret)
                awsm secretsmanager get-resource-policy --region "$a" --secret-id "$b" \
                    --query ResourcePolicy --output text >"$scratch/got.json"
                "$py" "$helper" json-equal "$scratch/got.json" "$c" || fail "secret policy of $b" ;;
            *) fail "read back: unknown kind $kind" ;;
        esac
        n=$((n + 1))
    done 3<"$scratch/readback"
    read_back_count=$n
}
