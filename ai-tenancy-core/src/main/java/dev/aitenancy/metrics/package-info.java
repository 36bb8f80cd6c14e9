/**
 * API: Micrometer metrics of calls (Micrometer is an optional dependency).
 */
package dev.aitenancy.metrics;
