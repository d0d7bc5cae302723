#!/usr/bin/env python3
"""Checks that the scenario schema is a valid JSON Schema (draft 7) and that
every scenario file conforms to it. Usage: check_schema.py SCHEMA SCENARIO_DIR"""
import glob
import json
import os
import sys

import jsonschema


def main():
    schema_path, scenario_dir = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    failed = False
    files = sorted(glob.glob(os.path.join(scenario_dir, "*.json")))
    for path in files:
        with open(path) as f:
            errors = list(validator.iter_errors(json.load(f)))
        for error in errors[:5]:
            pointer = "".join("/" + str(p) for p in error.absolute_path)
            print(f"FAIL {os.path.basename(path)}: {pointer}: {error.message[:200]}")
        failed = failed or bool(errors)
        if not errors:
            print(f"ok   {os.path.basename(path)}")
    # A document the engine rejects must be rejected by the schema too.
    if validator.is_valid({"main": [{"op": "gett"}]}):
        print("FAIL the schema accepts an unknown op")
        failed = True
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
