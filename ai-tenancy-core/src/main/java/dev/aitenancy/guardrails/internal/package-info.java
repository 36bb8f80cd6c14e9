/**
 * Not API: how guardrails are checked on a call. May change without notice.
 */
package dev.aitenancy.guardrails.internal;
