/**
 * API: guardrail rules at five levels, their kinds and actions, and the store SPI. Content-filter
 * patterns run in linear time (RE2/J).
 */
package dev.aitenancy.guardrails;
