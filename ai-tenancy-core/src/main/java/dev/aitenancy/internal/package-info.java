/**
 * Not API: small helpers shared by the core packages. May change without notice.
 */
package dev.aitenancy.internal;
