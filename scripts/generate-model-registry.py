#!/usr/bin/env python3
"""Derives ai-tenancy's built-in model registry from LiteLLM's price table.

Usage: scripts/generate-model-registry.py ../shared/data/model_prices_and_context_window.json

Keeps chat models of the providers ai-tenancy speaks to directly (openai, anthropic, gemini,
cohere), and the embedding models of openai, gemini and cohere (rows with "mode": "embedding";
Anthropic has no embeddings API), and writes
ai-tenancy-core/src/main/resources/dev/aitenancy/models/builtin-models.json: USD prices per 1M
tokens as exact decimal strings, limits as integers, unknown values as null. Embedding models carry
"kind": "embedding", their max input tokens as "contextWindow", no output cap and an output price
of 0; chat models carry no "kind" (chat is the default).
"""
import json
import sys
from decimal import Decimal
from pathlib import Path

PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "gemini": "gemini", "cohere_chat": "cohere"}
# LiteLLM files Cohere's embedding models under "cohere" (its chat models under "cohere_chat").
EMBEDDING_PROVIDERS = {"openai": "openai", "gemini": "gemini", "cohere": "cohere"}
OUT = Path(__file__).resolve().parent.parent / "ai-tenancy-core/src/main/resources/dev/aitenancy/models/builtin-models.json"


def per_million(value):
    if value is None:
        return None
    d = (Decimal(str(value)) * 1_000_000).normalize()
    return format(d, "f")


def main(source):
    table = json.loads(Path(source).read_text())
    models = []
    for key, row in sorted(table.items()):
        if not isinstance(row, dict) or row.get("mode") not in ("chat", "embedding"):
            continue
        embedding = row.get("mode") == "embedding"
        provider = (EMBEDDING_PROVIDERS if embedding else PROVIDERS).get(row.get("litellm_provider"))
        if provider is None:
            continue
        name = key.split("/", 1)[1] if "/" in key else key
        if "/" in name:
            continue
        if embedding:
            # LiteLLM also files a few chat models as "embedding" rows (gemini/gemini-1.5-flash):
            # only names that say they embed are embedding models
            if "embed" not in name:
                continue
            models.append({
                "provider": provider,
                "model": name,
                "kind": "embedding",
                "contextWindow": row.get("max_input_tokens"),
                "maxOutputTokens": None,
                "inputPer1M": per_million(row.get("input_cost_per_token")),
                "outputPer1M": per_million(row.get("output_cost_per_token") or 0),
                "cachedInputPer1M": None,
            })
            continue
        models.append({
            "provider": provider,
            "model": name,
            "contextWindow": row.get("max_input_tokens"),
            "maxOutputTokens": row.get("max_output_tokens"),
            "inputPer1M": per_million(row.get("input_cost_per_token")),
            "outputPer1M": per_million(row.get("output_cost_per_token")),
            "cachedInputPer1M": per_million(row.get("cache_read_input_token_cost")),
        })
    seen = set()
    unique = []
    for m in models:
        k = (m["provider"], m["model"])
        if k not in seen:
            seen.add(k)
            unique.append(m)
    doc = {
        "source": "LiteLLM model_prices_and_context_window.json as of 2026-07-24 (MIT, see builtin-models.NOTICE.txt)",
        "units": "prices in USD per 1M tokens; null = unknown",
        "models": unique,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(unique)} models to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/model_prices_and_context_window.json")
