#!/usr/bin/env python3
"""Writes COUNT manifests for `just bench-cli` into DIR: the project's example
manifests (every kind the policies judge, admitted and rejected ones) cycled,
each copy renamed so every object is distinct, one file per manifest."""

import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def sources():
    files = sorted(ROOT.glob("examples/*.yaml")) + sorted(ROOT.glob("policies/*/examples/*.yaml"))
    docs = []
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("metadata", {}).get("name"):
                docs.append(doc)
    return docs


def main():
    out = pathlib.Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    docs = sources()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.yaml"):
        old.unlink()
    for i in range(count):
        doc = yaml.safe_load(yaml.safe_dump(docs[i % len(docs)]))
        doc["metadata"]["name"] = f"{doc['metadata']['name']}-{i}"
        (out / f"{i:04d}-{doc['kind'].lower()}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    print(f"{count} manifests from {len(docs)} examples in {out}")


main()
