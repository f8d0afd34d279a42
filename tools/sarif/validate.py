#!/usr/bin/env python3
"""Validate SARIF logs against the committed SARIF 2.1.0 JSON schema (schemas/).

    validate.py FILE.sarif...      exit 0 when every file is valid, 1 otherwise

Uses the `jsonschema` package (Draft 4, as the schema declares) with format checking.
"""
import json
import pathlib
import sys

import jsonschema

SCHEMA = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "sarif-2.1.0-rtm.5.json"


def main(paths):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    failed = 0
    for path in paths:
        try:
            log = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            print(f"FAIL {path}: {e}")
            failed += 1
            continue
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        if errors:
            failed += 1
            for e in errors[:20]:
                where = "/".join(str(p) for p in e.absolute_path) or "(root)"
                print(f"FAIL {path}: {where}: {e.message}")
        else:
            results = sum(len(r.get("results", [])) for r in log.get("runs", []))
            print(f"ok   {path}: valid SARIF {log.get('version')} ({results} results)")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
