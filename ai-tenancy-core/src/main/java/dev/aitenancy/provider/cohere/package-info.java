/**
 * Cohere's Chat API v2: {@link dev.aitenancy.provider.cohere.CohereClient} (API); its wire format
 * is package-private.
 */
package dev.aitenancy.provider.cohere;
