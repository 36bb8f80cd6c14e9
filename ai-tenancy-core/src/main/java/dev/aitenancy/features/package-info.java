/**
 * API: feature switches per org ({@code FeatureFlags} for the call path, {@code FeatureFlagStore}
 * to change them).
 */
package dev.aitenancy.features;
