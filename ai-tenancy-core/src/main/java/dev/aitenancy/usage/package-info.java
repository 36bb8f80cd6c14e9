/**
 * API: the {@code UsageSink} SPI, usage records, queries, pages, totals, exports, reports,
 * the redactor, the audit log, and {@code WriteBehindUsageSink} for a slow or remote sink.
 */
package dev.aitenancy.usage;
