/**
 * API: administration of an org's setup (models, tiers, budgets, rate limits, guardrails,
 * templates, features, stored text, purges), each change audited.
 */
package dev.aitenancy.admin;
