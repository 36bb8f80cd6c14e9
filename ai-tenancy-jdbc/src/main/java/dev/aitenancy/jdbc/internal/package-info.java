/**
 * Not API: SQL helpers shared by the JDBC stores, and the JSON form of a conversation's messages.
 * May change without notice.
 */
package dev.aitenancy.jdbc.internal;
