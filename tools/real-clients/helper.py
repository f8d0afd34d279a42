"""Helpers of .ci/real-clients.sh (run with the real-clients venv's python).

  helper.py tf-override ROOT ENDPOINT          write ROOT/zz_override.tf.json: every provider
                                               configuration of ROOT/providers.tf.json sends its
                                               calls to ENDPOINT (a local moto server) with fake
                                               credentials
  helper.py tf-targets ROOT EXCLUDED_TYPES...  print the address of every resource declared in
                                               ROOT/*.tf.json except those of EXCLUDED_TYPES, one
                                               a line; on stderr "excluded N TYPE,TYPE"
  helper.py fixtures OUT_DIR ACCOUNT           print the resources that the resource policies of
                                               ACCOUNT name and that must exist before they are
                                               applied: "s3 BUCKET", "kms REGION KEY_ID",
                                               "sqs REGION NAME", "sns REGION NAME",
                                               "ecr REGION NAME", "secret REGION NAME"
  helper.py readback OUT_DIR ACCOUNT            what the AWS CLI part reads back, one a line,
                                               tab-separated:
                                               "role NAME CREATE_ROLE TRUST_POLICY",
                                               "policy ARN POLICY_FILE", "attached ROLE ARN",
                                               "s3 BUCKET FILE", "kms REGION KEY_ID FILE", …
  helper.py role-equal GET_ROLE CREATE_ROLE TRUST   `aws iam get-role` output against the role's
                                               files: trust policy, boundary, path, tags (the
                                               apply plan's own accessc:sha256 tag aside)
  helper.py k8s-count FILE                     number of objects in a YAML stream
  helper.py json-equal A B                     exit 0 when the two JSON files (or a file and
                                               "-" for stdin) are equal after parsing
  helper.py policy-arn FILE ACCOUNT            the ARN of the policy a create-policy input creates

Every name read from the output is validated before it reaches a command line.
"""

import glob
import json
import os
import re
import sys

SERVICES = ["iam", "sts", "eks", "kms", "s3", "sqs", "sns", "secretsmanager", "ecr"]
ADDRESS = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
ACCOUNT = re.compile(r"^[0-9]{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
KEY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NAME = re.compile(r"^[A-Za-z0-9_./+=@-]{1,256}$")


def die(msg):
    print(f"real-clients: {msg}", file=sys.stderr)
    sys.exit(1)


def load_root(root):
    files = sorted(glob.glob(os.path.join(root, "*.tf.json")))
    return [(f, json.load(open(f, encoding="utf-8"))) for f in files if not f.endswith("_override.tf.json")]


def tf_override(root, endpoint):
    if not re.match(r"^http://127\.0\.0\.1:[0-9]{1,5}$", endpoint):
        die(f"endpoint must be http://127.0.0.1:PORT, not {endpoint!r}")
    providers = json.load(open(os.path.join(root, "providers.tf.json"), encoding="utf-8"))
    common = {
        "access_key": "AKIAIOSFODNN7EXAMPLE",
        "secret_key": "moto-fake-secret-key",
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "s3_use_path_style": True,
        "endpoints": [{s: endpoint for s in SERVICES}],
    }
    out = []
    for p in providers["provider"]["aws"]:
        o = dict(common)
        if "alias" in p:
            if not ADDRESS.match(p["alias"]):
                die(f"provider alias {p['alias']!r}")
            o = {"alias": p["alias"], **common}
        out.append(o)
    with open(os.path.join(root, "zz_override.tf.json"), "w", encoding="utf-8") as f:
        json.dump({"provider": {"aws": out}}, f, indent=2)
        f.write("\n")


def tf_targets(root, excluded):
    excluded = set(excluded)
    skipped = {}
    for _, doc in load_root(root):
        for rtype, blocks in sorted(doc.get("resource", {}).items()):
            for name in sorted(blocks):
                if not ADDRESS.match(rtype) or not ADDRESS.match(name):
                    die(f"resource address {rtype}.{name!r}")
                if rtype in excluded:
                    skipped[rtype] = skipped.get(rtype, 0) + 1
                else:
                    print(f"{rtype}.{name}")
    print(f"excluded {sum(skipped.values())} {','.join(sorted(skipped))}", file=sys.stderr)


def fixtures(out_dir, account):
    for line in fixture_lines(out_dir, account):
        print(line)


def fixture_lines(out_dir, account):
    """The resources that resource policies name, from the CLI inputs under OUT/resources/."""
    if not ACCOUNT.match(account):
        die(f"account {account!r}")
    seen = []
    res = os.path.join(out_dir, "resources")
    # S3: resources/s3/BUCKET/ (a bucket ARN names no account: the Terraform root that holds
    # its policy is the one that declares aws_s3_bucket_policy for it)
    tf_root = os.path.join(out_dir, "terraform", account)
    buckets = set()
    if os.path.isdir(tf_root):
        for _, doc in load_root(tf_root):
            for block in doc.get("resource", {}).get("aws_s3_bucket_policy", {}).values():
                buckets.add(block["bucket"])
    plan = os.path.join(out_dir, "apply", account, "plan.json")
    if os.path.isfile(plan):
        for step in read_json(plan)["steps"]:
            if step["kind"] == "resource-policy" and step["service"] == "s3":
                if not step["name"].startswith("arn:aws:s3:::"):
                    die(f"S3 resource {step['name']!r}")
                buckets.add(step["name"][len("arn:aws:s3:::"):])
    for b in sorted(buckets):
        if not BUCKET.match(b):
            die(f"bucket name {b!r}")
        seen.append(f"s3 {b}")
    base = os.path.join(res, account)
    for region in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        if not REGION.match(region):
            die(f"region {region!r}")
        for svc in sorted(os.listdir(os.path.join(base, region))):
            for name in sorted(os.listdir(os.path.join(base, region, svc))):
                kind = {"kms": "kms", "sqs": "sqs", "sns": "sns", "ecr": "ecr", "secretsmanager": "secret"}.get(svc)
                if kind is None:
                    die(f"unknown resource service folder {svc!r} (teach tools/real-clients/helper.py fixtures)")
                if kind == "kms" and not KEY_ID.match(name):
                    die(f"KMS key ID {name!r} (only key IDs, not aliases, can be created in moto)")
                if not NAME.match(name):
                    die(f"resource name {name!r}")
                seen.append(f"{kind} {region} {name}")
    return seen


POLICY_FILE = {
    "s3": "bucket-policy.json",
    "kms": "key-policy.json",
    "sqs": "queue-policy.json",
    "sns": "topic-policy.json",
    "secret": "secret-policy.json",
    "ecr": "repository-policy.json",
}
SERVICE_FOLDER = {"kms": "kms", "sqs": "sqs", "sns": "sns", "secret": "secretsmanager", "ecr": "ecr"}


def row(*fields):
    """One tab-separated line (paths may hold spaces; names are validated)."""
    for x in fields:
        if "\t" in x or "\n" in x:
            die(f"tab or newline in {x!r}")
    print("\t".join(fields))


def readback(out_dir, account):
    if not ACCOUNT.match(account):
        die(f"account {account!r}")
    base = os.path.join(out_dir, "aws", account)
    roles = sorted(glob.glob(os.path.join(base, "roles", "*", "create-role.json")))
    for create_role in roles:
        d = os.path.dirname(create_role)
        name = read_json(create_role)["RoleName"]
        if not NAME.match(name):
            die(f"role name {name!r}")
        row("role", name, create_role, os.path.join(d, "trust-policy.json"))
        for cp in sorted(glob.glob(os.path.join(d, "create-policy*.json"))):
            suffix = os.path.basename(cp)[len("create-policy"):]
            row("policy", policy_arn_of(cp, account), os.path.join(d, "policy" + suffix))
        for ap in sorted(glob.glob(os.path.join(d, "attach-role-policy*.json"))):
            arn = read_json(ap)["PolicyArn"]
            if not re.match(r"^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9_+=,.@/-]+$", arn):
                die(f"policy ARN {arn!r}")
            row("attached", name, arn)
    for bp in sorted(glob.glob(os.path.join(base, "boundaries", "*", "boundary-policy.json"))):
        bname = os.path.basename(os.path.dirname(bp))
        if not NAME.match(bname):
            die(f"boundary name {bname!r}")
        row("policy", f"arn:aws:iam::{account}:policy/{bname}", bp)
    for line in fixture_lines(out_dir, account):
        kind, rest = line.split(" ", 1)
        if kind == "s3":
            folder = os.path.join(out_dir, "resources", "s3", rest)
        else:
            region, name = rest.split(" ")
            folder = os.path.join(out_dir, "resources", account, region, SERVICE_FOLDER[kind], name)
        f = os.path.join(folder, POLICY_FILE[kind])
        if not os.path.isfile(f):
            die(f"{f} missing")
        row(*line.split(" "), f)


def role_equal(get_role, create_role, trust):
    got = read_json(get_role)["Role"]
    want = read_json(create_role)
    errors = []
    if got.get("AssumeRolePolicyDocument") != read_json(trust):
        errors.append("trust policy differs from " + trust)
    if json.loads(want["AssumeRolePolicyDocument"]) != read_json(trust):
        errors.append("create-role.json's trust policy differs from " + trust)
    got_b = (got.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if got_b != want.get("PermissionsBoundary"):
        errors.append(f"boundary {got_b!r}, file {want.get('PermissionsBoundary')!r}")
    if got.get("Path") != want.get("Path", "/"):
        errors.append(f"path {got.get('Path')!r}, file {want.get('Path')!r}")
    tags = {t["Key"]: t["Value"] for t in got.get("Tags", []) if t["Key"] != "accessc:sha256"}
    want_tags = {t["Key"]: t["Value"] for t in want.get("Tags", [])}
    if tags != want_tags:
        errors.append(f"tags {tags}, file {want_tags}")
    if errors:
        die(f"role {want['RoleName']}: " + "; ".join(errors))


def k8s_count(path):
    import yaml

    n = 0
    with open(path, encoding="utf-8") as f:
        for doc in yaml.safe_load_all(f):
            if doc is None:
                continue
            n += len(doc.get("items", [])) if doc.get("kind") == "List" else 1
    print(n)


def read_json(path):
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def json_equal(a, b):
    x, y = read_json(a), read_json(b)
    if x != y:
        print(f"differs: {a} vs {b}\n  {json.dumps(x, sort_keys=True)}\n  {json.dumps(y, sort_keys=True)}", file=sys.stderr)
        sys.exit(1)


def policy_arn_of(path, account):
    if not ACCOUNT.match(account):
        die(f"account {account!r}")
    doc = read_json(path)
    name, ppath = doc["PolicyName"], doc.get("Path", "/")
    if not NAME.match(name) or not re.match(r"^/([A-Za-z0-9_+=,.@-]+/)*$", ppath):
        die(f"policy path/name {ppath!r} {name!r}")
    return f"arn:aws:iam::{account}:policy{ppath}{name}"


def policy_arn(path, account):
    print(policy_arn_of(path, account))


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "tf-override" and len(args) == 2:
        tf_override(*args)
    elif cmd == "tf-targets" and len(args) >= 1:
        tf_targets(args[0], args[1:])
    elif cmd == "fixtures" and len(args) == 2:
        fixtures(*args)
    elif cmd == "readback" and len(args) == 2:
        readback(*args)
    elif cmd == "role-equal" and len(args) == 3:
        role_equal(*args)
    elif cmd == "k8s-count" and len(args) == 1:
        k8s_count(*args)
    elif cmd == "json-equal" and len(args) == 2:
        json_equal(*args)
    elif cmd == "policy-arn" and len(args) == 2:
        policy_arn(*args)
    else:
        die(f"usage: {__doc__}")


if __name__ == "__main__":
    main(sys.argv)
