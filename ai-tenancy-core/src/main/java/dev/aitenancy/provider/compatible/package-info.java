/**
 * Any OpenAI-compatible endpoint, Azure OpenAI included: {@link
 * dev.aitenancy.provider.compatible.OpenAiCompatibleClient} (API).
 */
package dev.aitenancy.provider.compatible;
