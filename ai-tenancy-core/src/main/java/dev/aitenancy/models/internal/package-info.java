/**
 * Not API: how an org's model setup is resolved. May change without notice.
 */
package dev.aitenancy.models.internal;
