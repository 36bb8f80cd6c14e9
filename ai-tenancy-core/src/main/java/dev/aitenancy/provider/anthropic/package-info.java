/**
 * Anthropic's Messages API: {@link dev.aitenancy.provider.anthropic.AnthropicClient} (API); its
 * wire format is package-private.
 */
package dev.aitenancy.provider.anthropic;
