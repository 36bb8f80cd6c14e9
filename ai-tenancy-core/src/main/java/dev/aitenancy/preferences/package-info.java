/**
 * API: AI preferences per org and per user — a tone, a maximum answer length and a model override
 * ({@code AiPreferences}); {@code Preferences} for the call path, {@code PreferenceStore} to change
 * them, and {@code PreferenceMerge}, the rule that decides which apply to a call
 * ({@code request > user > org > feature preference}).
 */
package dev.aitenancy.preferences;
