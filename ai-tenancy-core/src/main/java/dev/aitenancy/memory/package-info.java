/**
 * API: in-memory implementations of every SPI, for tests, demos and single instances.
 */
package dev.aitenancy.memory;
