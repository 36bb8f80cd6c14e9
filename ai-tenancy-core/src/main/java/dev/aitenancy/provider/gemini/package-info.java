/**
 * Google Gemini's generateContent API: {@link dev.aitenancy.provider.gemini.GeminiClient} (API);
 * its wire format is package-private.
 */
package dev.aitenancy.provider.gemini;
