#!/usr/bin/env python3
"""The peer: policy_sentry writing the equivalent CRUD policies of the corpus's apps in one
Python process (tools/bench/run.sh runs it with policy_sentry installed in a venv).

    python peer.py APPS.json [LIMIT]

APPS.json comes from gen_corpus.py --json. Each app's five grants become one CRUD template:
the access-level grants as they are (`read`, `list`, `write` on the same ARNs), and the explicit
`allow` grants at the access level of their actions (DynamoDB GetItem/Query: read, PutItem:
write; Secrets Manager GetSecretValue: read) on the same ARNs: policy_sentry writes policies
from access levels and ARNs, not from action lists with resources. Prints one JSON line:
policies written, seconds, policies per second (the import of policy_sentry is not timed).
"""

import json
import sys
import time

from policy_sentry.command.write_policy import write_policy_with_template

LEVEL = {
    "dynamodb:GetItem": "read",
    "dynamodb:Query": "read",
    "dynamodb:PutItem": "write",
    "secretsmanager:GetSecretValue": "read",
}


def template(app):
    cfg = {"mode": "crud", "name": app["role"], "read": list(app["read"]),
           "write": list(app["write"]), "list": list(app["list"])}
    for arn, actions in app["actions"].items():
        for level in sorted({LEVEL[a] for a in actions}):
            if arn not in cfg[level]:
                cfg[level].append(arn)
    return cfg


def main():
    apps = json.load(open(sys.argv[1]))
    if len(sys.argv) > 2:
        apps = apps[: int(sys.argv[2])]
    templates = [template(a) for a in apps]
    write_policy_with_template(templates[0])  # warm the database connection and caches
    start = time.perf_counter()
    statements = 0
    for cfg in templates:
        policy = write_policy_with_template(cfg)
        statements += len(policy.get("Statement", []))
    elapsed = time.perf_counter() - start
    print(json.dumps({"policies": len(templates), "statements": statements,
                      "seconds": round(elapsed, 3),
                      "policies_per_s": round(len(templates) / elapsed, 1)}))


if __name__ == "__main__":
    main()
