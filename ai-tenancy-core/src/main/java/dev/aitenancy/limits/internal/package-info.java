/**
 * Not API: budget periods and the admission rule shared by the ledgers. May change without notice.
 */
package dev.aitenancy.limits.internal;
