/**
 * API: org ids and references, and the caller of a call.
 */
package dev.aitenancy.tenant;
