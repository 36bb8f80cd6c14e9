/**
 * Not API: SQL helpers shared by the JDBC stores. May change without notice.
 */
package dev.aitenancy.jdbc.internal;
