/**
 * API: the {@code UsageSink} SPI, usage records, queries, pages, totals, exports, reports,
 * the redactor and the audit log.
 */
package dev.aitenancy.usage;
