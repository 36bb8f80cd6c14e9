package dev.aitenancy.guardrails;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.guardrails.internal.GuardrailPatterns;
import dev.aitenancy.models.ModelRef;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a guardrail checks. Each kind is a small record; in JSON a rule carries its kind as
 * {@code "type"}, e.g. {@code {"type":"token-limit","maxInputTokens":4000,"maxOutputTokens":500}}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = GuardrailRule.ModelAllowlist.class, name = "model-allowlist"),
    @JsonSubTypes.Type(value = GuardrailRule.ModelDenylist.class, name = "model-denylist"),
    @JsonSubTypes.Type(value = GuardrailRule.TokenLimit.class, name = "token-limit"),
    @JsonSubTypes.Type(value = GuardrailRule.RateLimit.class, name = "rate-limit"),
    @JsonSubTypes.Type(value = GuardrailRule.ContentFilter.class, name = "content-filter"),
    @JsonSubTypes.Type(value = GuardrailRule.OutputModifier.class, name = "output-modifier"),
    @JsonSubTypes.Type(value = GuardrailRule.BudgetLimit.class, name = "budget-limit"),
    @JsonSubTypes.Type(value = GuardrailRule.TimeRestriction.class, name = "time-restriction")
})
public sealed interface GuardrailRule {

    /** The kind's name, as in JSON and usage records, e.g. {@code content-filter}. */
    String kind();

    /** The actions a rule of this kind can take. */
    Set<GuardrailAction> actions();

    /** Block, warn or log: for rules that only say yes or no. */
    Set<GuardrailAction> YES_OR_NO = Set.of(GuardrailAction.BLOCK, GuardrailAction.WARN, GuardrailAction.LOG);

    /** Every action. */
    Set<GuardrailAction> ANY = Set.of(GuardrailAction.values());

    /**
     * Only these models: entries are {@code provider/model} or {@code provider/*}. Several allowlists
     * that apply to one call intersect. Fallback models outside it are skipped.
     */
    record ModelAllowlist(Set<String> models) implements GuardrailRule {
        public ModelAllowlist {
            models = ModelPatterns.check(models, "model-allowlist");
        }

        @Override
        public String kind() {
            return "model-allowlist";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return YES_OR_NO;
        }

        /** Whether the model is on the list. */
        public boolean matches(ModelRef model) {
            return ModelPatterns.matches(models, model);
        }
    }

    /** Never these models: entries are {@code provider/model} or {@code provider/*}. */
    record ModelDenylist(Set<String> models) implements GuardrailRule {
        public ModelDenylist {
            models = ModelPatterns.check(models, "model-denylist");
        }

        @Override
        public String kind() {
            return "model-denylist";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return YES_OR_NO;
        }

        public boolean matches(ModelRef model) {
            return ModelPatterns.matches(models, model);
        }
    }

    /**
     * Caps on the prompt's estimated input tokens (4 characters a token) and on the output. A
     * prompt over {@code maxInputTokens} meets the action (block, warn or log); with {@code modify}
     * only the output cap is applied. The output cap always lowers the call's
     * {@code maxOutputTokens} (the lowest cap of all rules holds).
     *
     * @param maxInputTokens  null for no input cap
     * @param maxOutputTokens null for no output cap
     */
    record TokenLimit(Long maxInputTokens, Integer maxOutputTokens) implements GuardrailRule {
        public TokenLimit {
            check(maxInputTokens != null || maxOutputTokens != null,
                    "a token-limit needs maxInputTokens, maxOutputTokens or both");
            check(maxInputTokens == null || maxInputTokens > 0, "maxInputTokens must be > 0");
            check(maxOutputTokens == null || maxOutputTokens > 0, "maxOutputTokens must be > 0");
        }

        @Override
        public String kind() {
            return "token-limit";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return ANY;
        }
    }

    /**
     * Requests per minute for each user the rule applies to; lowers the rate limiter's per-user
     * limit for those users (the lowest of all rules and the org's policy holds). Block only.
     */
    record RateLimit(int requestsPerMinute) implements GuardrailRule {
        public RateLimit {
            check(requestsPerMinute > 0, "a rate-limit needs requestsPerMinute > 0");
        }

        @Override
        public String kind() {
            return "rate-limit";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return Set.of(GuardrailAction.BLOCK);
        }
    }

    /**
     * Blocked topics (words or phrases of at most 200 characters, matched case-insensitively as
     * whole words) and regular expressions, checked on the prompt, the answer or both. With
     * {@code modify} the matches are replaced by {@code [removed]}.
     *
     * <p>Patterns are RE2 syntax and run in time linear in the text (RE2/J), whatever they say:
     * a pattern that needs backtracking (backreferences such as {@code \1}, lookahead
     * {@code (?=...)}, lookbehind {@code (?<=...)}, possessive quantifiers such as {@code a*+},
     * atomic groups), a Java-only class such as {@code \p{Alpha}}, a pattern over 1000 characters
     * or one whose counted repetitions expand to more than 10,000 steps is refused here with
     * {@link InvalidRequestException} ({@code AI_INVALID_REQUEST}) saying why. Unlike
     * {@code java.util.regex}, {@code $} matches only at the very end of the text (use {@code (?m)$}
     * for line ends) and {@code (?i)} folds Unicode case.
     */
    record ContentFilter(List<String> blockedTopics, List<String> patterns, Target target) implements GuardrailRule {

        /** Which text a content filter reads. */
        public enum Target {
            INPUT, OUTPUT, BOTH
        }

        public ContentFilter {
            blockedTopics = blockedTopics == null ? List.of() : blockedTopics;
            patterns = patterns == null ? List.of() : patterns;
            target = target == null ? Target.BOTH : target;
            check(!blockedTopics.isEmpty() || !patterns.isEmpty(), "a content-filter needs blockedTopics or patterns");
            for (String topic : blockedTopics) {
                GuardrailPatterns.checkTopic(topic);
            }
            for (String p : patterns) {
                GuardrailPatterns.checkPattern(p);
            }
            blockedTopics = List.copyOf(blockedTopics);
            patterns = List.copyOf(patterns);
        }

        /** A filter of the prompt only. */
        public static ContentFilter input(List<String> topics, List<String> patterns) {
            return new ContentFilter(topics, patterns, Target.INPUT);
        }

        /** A filter of the answer only. */
        public static ContentFilter output(List<String> topics, List<String> patterns) {
            return new ContentFilter(topics, patterns, Target.OUTPUT);
        }

        public boolean readsInput() {
            return target != Target.OUTPUT;
        }

        public boolean readsOutput() {
            return target != Target.INPUT;
        }

        @Override
        public String kind() {
            return "content-filter";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return ANY;
        }
    }

    /** Text put before and after every answer, e.g. a disclaimer. Modify only. */
    record OutputModifier(String prefix, String suffix) implements GuardrailRule {
        public OutputModifier {
            prefix = prefix == null || prefix.isEmpty() ? null : prefix;
            suffix = suffix == null || suffix.isEmpty() ? null : suffix;
            check(prefix != null || suffix != null, "an output-modifier needs a prefix, a suffix or both");
        }

        /** A disclaimer appended to every answer. */
        public static OutputModifier append(String suffix) {
            return new OutputModifier(null, suffix);
        }

        @Override
        public String kind() {
            return "output-modifier";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return Set.of(GuardrailAction.MODIFY);
        }
    }

    /**
     * The most one call may cost: its worst case (input estimate plus output cap at the billed
     * rate). A call on an unpriced model cannot be checked and passes.
     */
    record BudgetLimit(BigDecimal maxCostPerCallUsd) implements GuardrailRule {
        public BudgetLimit {
            check(maxCostPerCallUsd != null && maxCostPerCallUsd.signum() >= 0,
                    "a budget-limit needs maxCostPerCallUsd >= 0");
        }

        @Override
        public String kind() {
            return "budget-limit";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return YES_OR_NO;
        }
    }

    /**
     * Calls are allowed only from {@code from} to {@code to} (local times such as {@code 08:00}
     * and {@code 18:00}; {@code to} before {@code from} spans midnight) on {@code days} (all when
     * empty), in {@code zone} (the org's time zone; UTC when null).
     */
    record TimeRestriction(String from, String to, Set<DayOfWeek> days, String zone) implements GuardrailRule {
        public TimeRestriction {
            check(from != null && to != null, "a time-restriction needs from and to, e.g. \"08:00\" and \"18:00\"");
            try {
                LocalTime.parse(from);
                LocalTime.parse(to);
            } catch (DateTimeParseException e) {
                throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                        "a time-restriction's from and to are times such as \"08:00\"; got " + from + " and " + to);
            }
            days = java.util.Collections.unmodifiableSet(days == null || days.isEmpty() ? EnumSet.allOf(DayOfWeek.class)
                    : EnumSet.copyOf(days));
            zone = zone == null || zone.isBlank() ? "UTC" : zone;
            try {
                ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                        "unknown time zone '" + zone + "'; use a region id such as Europe/Berlin");
            }
        }

        /** Whether a call at {@code at} falls into the allowed hours. */
        public boolean allows(java.time.Instant at) {
            ZonedDateTime local = at.atZone(ZoneId.of(zone));
            LocalTime time = local.toLocalTime();
            LocalTime start = LocalTime.parse(from);
            LocalTime end = LocalTime.parse(to);
            boolean inHours = start.isBefore(end) ? !time.isBefore(start) && time.isBefore(end)
                    : !time.isBefore(start) || time.isBefore(end);
            // an overnight window belongs to the day it started on
            DayOfWeek day = start.isBefore(end) || !time.isBefore(start) ? local.getDayOfWeek()
                    : local.getDayOfWeek().minus(1);
            return inHours && days.contains(day);
        }

        @Override
        public String kind() {
            return "time-restriction";
        }

        @Override
        public Set<GuardrailAction> actions() {
            return YES_OR_NO;
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
        }
    }
}
