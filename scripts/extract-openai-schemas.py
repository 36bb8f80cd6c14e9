#!/usr/bin/env python3
"""Extracts the Chat Completions and Embeddings schemas (and every schema they refer to) from
OpenAI's official OpenAPI spec into a JSON test resource the wire tests check requests and
answers against.

Usage: scripts/extract-openai-schemas.py ../shared/data/openai-openapi.yaml
"""
import json
import sys

import yaml

ROOTS = ["CreateChatCompletionRequest", "CreateChatCompletionResponse", "CreateChatCompletionStreamResponse",
         "CreateEmbeddingRequest", "CreateEmbeddingResponse"]
OUT = "ai-tenancy-core/src/test/resources/dev/aitenancy/provider/openai/openai-chat-schemas.json"


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for v in node.values():
            refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)


def main(path):
    with open(path) as f:
        spec = yaml.safe_load(f)
    schemas = spec["components"]["schemas"]
    wanted, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        found = set()
        refs(schemas[name], found)
        todo.extend(found - wanted)
    out = {
        "source": "openai/openai-openapi openapi.yaml, info.version " + str(spec["info"]["version"])
                  + " (MIT); only the schemas the Chat Completions and Embeddings bodies refer to",
        "components": {"schemas": {k: schemas[k] for k in sorted(wanted)}},
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True, default=str)
        f.write("\n")
    print(f"{len(wanted)} schemas -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/openai-openapi.yaml")
