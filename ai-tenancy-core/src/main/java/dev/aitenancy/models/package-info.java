/**
 * API: the {@code ModelCatalog} SPI, the model registry and prices, tiers and resolved models.
 */
package dev.aitenancy.models;
