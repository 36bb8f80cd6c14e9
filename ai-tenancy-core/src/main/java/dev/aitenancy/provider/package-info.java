/**
 * Talking to LLM providers. API: {@link dev.aitenancy.provider.ProviderClient} (the SPI a host may
 * implement for another provider), its request, response and stream types,
 * {@link dev.aitenancy.provider.ProviderSettings} (base URL, timeouts — a call's timeout is its
 * deadline, retries included — headers) and {@link dev.aitenancy.provider.RetryPolicy}. The
 * built-in clients live in {@code openai}, {@code anthropic}, {@code gemini}, {@code cohere} and
 * {@code compatible}; their shared machinery in {@code internal} is not API.
 */
package dev.aitenancy.provider;
