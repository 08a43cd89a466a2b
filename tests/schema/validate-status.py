#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validates `ec2-xvd-alias status --json` output against docs/status.schema.json.

    validate-status.py SCHEMA FILE...

Each FILE holds one run's standard output. It must be exactly one JSON
document (RFC 8259, strict: no NaN, no duplicate key) that the schema
(draft 2020-12, itself checked first) accepts, and whose collision_count is
the length of its collisions (which a schema cannot say). Prints
"PASS: FILE" or "FAIL: FILE: why" for each; exits 0 when all pass, 1 when
one fails, 2 when the schema or the command line is bad, and 77 (a skip
for meson) when python3-jsonschema is not installed.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed (tests/setup-deps.sh build)", file=sys.stderr)
    sys.exit(77)


def strict_object(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError("duplicate key %s" % ", ".join(sorted(dup)))
    return dict(pairs)


def reject_constant(name):
    raise ValueError("not JSON: %s" % name)


def branch_validator(schema, doc):
    """The validator of the one branch of the top oneOf the object means
    (the error object when its state is "unknown"), for a precise message."""
    sub = {k: v for k, v in schema.items() if k != "oneOf"}
    is_error = isinstance(doc, dict) and doc.get("state") == "unknown"
    sub["$ref"] = "#/$defs/error" if is_error else "#/$defs/report"
    return jsonschema.Draft202012Validator(sub)


def check(schema, validator, path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8", errors="strict")
        doc = json.loads(text, object_pairs_hook=strict_object, parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError) as e:
        return "not one JSON document: %s" % e
    if not text.endswith("}\n"):
        return "does not end with the object and one newline"
    if not validator.is_valid(doc):
        errors = list(branch_validator(schema, doc).iter_errors(doc)) or list(validator.iter_errors(doc))
        e = jsonschema.exceptions.best_match(errors)
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        message = e.message if len(e.message) <= 300 else e.message[:300] + "..."
        return "%s: %s" % (where, message)
    if "collisions" in doc and doc["collision_count"] != len(doc["collisions"]):
        return "collision_count %d but %d collisions" % (doc["collision_count"], len(doc["collisions"]))
    return None


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print("FAIL: %s: not a valid draft 2020-12 schema: %s" % (argv[1], str(e).splitlines()[0]))
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    for path in argv[2:]:
        why = check(schema, validator, path)
        if why:
            failed += 1
            print("FAIL: %s: %s" % (path, why))
        else:
            print("PASS: %s" % path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
