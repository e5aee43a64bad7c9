#!/usr/bin/env python3
"""Checks that docs/hf-config-fields.md names every key of every golden config.

    check_fields_documented.py DOC GOLDENS_DIR

A key counts as documented for an architecture when it appears in backquotes
in the "Every architecture" section or in the section whose heading names the
architecture. Prints the undocumented keys and exits 1 if there are any.
"""
import json
import os
import re
import sys

doc_path, goldens = sys.argv[1:3]
with open(doc_path, encoding="utf-8") as f:
    text = f.read()
sections = re.split(r"^## ", text, flags=re.M)
generic, by_heading = set(), {}
for section in sections[1:]:
    heading, _, body = section.partition("\n")
    keys = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_.]*)`", body))
    if heading.startswith("Every architecture"):
        generic = keys
    else:
        by_heading[heading] = keys

missing = []
for name in sorted(os.listdir(goldens)):
    config_path = os.path.join(goldens, name, "config.json")
    if not os.path.exists(config_path):
        continue
    with open(config_path) as f:
        config = json.load(f)
    arch = config["architectures"][0]
    documented = set(generic)
    for heading, keys in by_heading.items():
        if arch in heading:
            documented |= keys
    for key in config:
        if key not in documented:
            missing.append(f"{name} ({arch}): '{key}'")
for m in missing:
    print("undocumented:", m)
print(f"{len(missing)} undocumented keys")
sys.exit(1 if missing else 0)
