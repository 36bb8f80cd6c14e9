/**
 * Not API: may change without notice. The one {@code ProviderClient} implementation,
 * {@link dev.aitenancy.provider.internal.HttpProviderClient}, composed of a per-provider
 * {@link dev.aitenancy.provider.internal.WireFormat} (requests, answers, stream decoding, key
 * check, error bodies) and the parts every provider shares: {@code Attempts} (a call and its
 * retries inside one {@code Deadline}), {@code RetryDecision}, {@code ErrorClassifier} with the
 * {@link dev.aitenancy.provider.internal.Situation} table (the only place a failure gets its code),
 * {@code StreamExchange} over {@link dev.aitenancy.provider.internal.SseParser}, and
 * {@link dev.aitenancy.provider.internal.Endpoint} (the base-URL convention).
 */
package dev.aitenancy.provider.internal;
