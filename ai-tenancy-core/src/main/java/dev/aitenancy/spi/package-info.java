/**
 * API for writers of SPI implementations: the helpers the built-in backends use and a new backend
 * (another database, a cache) needs too — a TTL cache for configuration, usage export and keyset
 * cursors, the pricing report tally, audit pages, budget periods and the admission rule, an org's
 * model view, stored guardrail rules as JSON, conversation cursors and checks, and the checks of
 * preference stores. The JDBC module uses only these and the domain packages, never an
 * {@code internal} package.
 */
package dev.aitenancy.spi;
