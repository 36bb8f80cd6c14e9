/**
 * Not API: export, cursor and tally helpers of the usage sinks. May change without notice.
 */
package dev.aitenancy.usage.internal;
