/**
 * API: {@link dev.aitenancy.jdbc.AiTenancyJdbc} and the JDBC implementations of every SPI on H2
 * and PostgreSQL, migrated by Flyway. Package-private classes here (the usage sink's parts) are not API.
 */
package dev.aitenancy.jdbc;
