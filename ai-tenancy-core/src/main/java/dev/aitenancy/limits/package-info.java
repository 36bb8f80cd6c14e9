/**
 * API: the {@code RateLimiter} and {@code BudgetLedger} SPIs, their policies, budgets,
 * reservations and permits.
 */
package dev.aitenancy.limits;
