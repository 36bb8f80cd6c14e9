package dev.aitenancy.guardrails;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.util.Objects;
import java.util.UUID;

/**
 * One rule at one level. Levels go global → org → tier → group → user; every enabled rule whose
 * level matches a call applies (their union), and where rules disagree the most restrictive wins:
 * one blocking rule blocks, allowlists intersect, the lowest cap holds.
 *
 * <pre>{@code
 * store.save(Guardrail.forOrg(acme, "no salaries",
 *     GuardrailRule.ContentFilter.input(List.of("salary"), List.of()), GuardrailAction.BLOCK));
 * store.save(Guardrail.forGroup(acme, "interns", "short answers",
 *     new GuardrailRule.TokenLimit(null, 300), GuardrailAction.MODIFY));
 * }</pre>
 *
 * @param org     null for a global rule, else the org it belongs to
 * @param subject the tier name, group id or user id; null for global and org rules
 * @param name    a short name shown in outcomes and usage records
 * @param action  what happens when the rule applies; each kind allows some actions
 *                ({@link GuardrailRule#actions()})
 */
public record Guardrail(UUID id, Level level, OrgId org, String subject, String name, GuardrailRule rule,
        GuardrailAction action, boolean enabled) {

    /** Where a rule sits; a call is subject to the rules of every level it matches. */
    public enum Level {
        GLOBAL, ORG, TIER, GROUP, USER
    }

    public Guardrail {
        Objects.requireNonNull(id, "id");
        require(level != null, org, "a guardrail needs a level (global, org, tier, group or user)");
        require(rule != null, org, "a guardrail needs a rule");
        require(action != null, org, "a guardrail needs an action (" + rule.actions() + ")");
        require((level == Level.GLOBAL) == (org == null), org,
                "a global guardrail has no org; every other level belongs to one");
        boolean hasSubject = level == Level.TIER || level == Level.GROUP || level == Level.USER;
        require(hasSubject == (subject != null && !subject.isBlank()), org, hasSubject
                ? "a " + level.name().toLowerCase(java.util.Locale.ROOT) + " guardrail needs the "
                        + level.name().toLowerCase(java.util.Locale.ROOT) + " it applies to"
                : "a global or org guardrail has no subject");
        require(rule.actions().contains(action), org, "a " + rule.kind() + " guardrail can "
                + rule.actions().stream().map(GuardrailAction::wireName).toList() + ", not " + action.wireName());
        name = name == null || name.isBlank() ? rule.kind() : name.strip();
        require(name.length() <= 200, org, "a guardrail name has at most 200 characters");
    }

    public static Guardrail global(String name, GuardrailRule rule, GuardrailAction action) {
        return new Guardrail(UUID.randomUUID(), Level.GLOBAL, null, null, name, rule, action, true);
    }

    public static Guardrail forOrg(OrgId org, String name, GuardrailRule rule, GuardrailAction action) {
        return new Guardrail(UUID.randomUUID(), Level.ORG, org, null, name, rule, action, true);
    }

    public static Guardrail forTier(OrgId org, String tier, String name, GuardrailRule rule, GuardrailAction action) {
        return new Guardrail(UUID.randomUUID(), Level.TIER, org, tier, name, rule, action, true);
    }

    public static Guardrail forGroup(OrgId org, String group, String name, GuardrailRule rule,
            GuardrailAction action) {
        return new Guardrail(UUID.randomUUID(), Level.GROUP, org, group, name, rule, action, true);
    }

    public static Guardrail forUser(OrgId org, String user, String name, GuardrailRule rule, GuardrailAction action) {
        return new Guardrail(UUID.randomUUID(), Level.USER, org, user, name, rule, action, true);
    }

    /** This rule switched on or off. */
    public Guardrail withEnabled(boolean on) {
        return new Guardrail(id, level, org, subject, name, rule, action, on);
    }

    /** Whether this rule applies to a call of {@code callOrg} by {@code caller} through {@code tier}. */
    public boolean appliesTo(OrgId callOrg, Caller caller, String tier) {
        if (!enabled || (org != null && !org.equals(callOrg))) {
            return false;
        }
        return switch (level) {
            case GLOBAL, ORG -> true;
            case TIER -> subject.equals(tier);
            case GROUP -> caller.groupIds().contains(subject);
            case USER -> subject.equals(caller.userId());
        };
    }

    /** How outcomes and messages name this rule, e.g. {@code group interns guardrail 'short answers'}. */
    public String describe() {
        String where = switch (level) {
            case GLOBAL -> "global";
            case ORG -> "org";
            default -> level.name().toLowerCase(java.util.Locale.ROOT) + " " + subject;
        };
        return where + " guardrail '" + name + "'";
    }

    static void require(boolean ok, OrgId org, String message) {
        if (!ok) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org == null ? null : org.value(), message);
        }
    }
}
