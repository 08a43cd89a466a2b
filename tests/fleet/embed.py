#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes docs/fleet/install-and-record.sh into the three rollout files
(ssm-document.json, imagebuilder-component.yaml, cloud-init.yaml) after a
change to it; tests/fleet/test-fleet.sh fails until they agree.

    tests/fleet/embed.py
"""
import json
import os

fleet = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "fleet")
script = open(os.path.join(fleet, "install-and-record.sh")).read()
lines = script.rstrip("\n").split("\n")
# The services' parameter becomes the script's $1.
embedded = [lines[0], "set -- '{{ PackageUrl }}'"] + lines[1:]


def block(text, indent):
    return "\n".join((" " * indent + line) if line else "" for line in text.split("\n"))


path = os.path.join(fleet, "ssm-document.json")
doc = json.load(open(path))
doc["mainSteps"][0]["inputs"]["runCommand"] = embedded
open(path, "w").write(json.dumps(doc, indent=2) + "\n")

# The YAML files: the script's block is everything between two marker lines.
for name, marker, text, indent in [
    ("imagebuilder-component.yaml", "          commands:\n            - |\n", "\n".join(embedded), 14),
    ("cloud-init.yaml", "    content: |\n", script.rstrip("\n"), 6),
]:
    path = os.path.join(fleet, name)
    old = open(path).read()
    start = old.index(marker) + len(marker)
    end = start
    rest = old[start:].split("\n")
    # the block ends at the first non-empty line indented less than it
    n = 0
    for n, line in enumerate(rest):
        if line and not line.startswith(" " * indent):
            break
    end = start + len("\n".join(rest[:n])) + 1
    open(path, "w").write(old[:start] + block(text, indent) + "\n" + old[end:])
