/**
 * OpenAI's Chat Completions API: {@link dev.aitenancy.provider.openai.OpenAiClient} (API).
 */
package dev.aitenancy.provider.openai;
