package dev.aitenancy.guardrails;

import java.util.Objects;
import java.util.UUID;

/**
 * What one guardrail did to one call, or a soft budget's warning. The detail names the rule's own
 * terms (a blocked topic, an hour range), never the text of the prompt or the answer.
 *
 * @param guardrailId the rule's id; null for a soft budget (kind {@code budget})
 * @param name        the rule's name
 * @param kind        the rule's kind, e.g. {@code content-filter}
 * @param action      what was done
 * @param detail      why, in words an admin understands
 */
public record GuardrailOutcome(UUID guardrailId, String name, String kind, GuardrailAction action, String detail) {

    public GuardrailOutcome {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(action, "action");
    }

    /** The summary form kept in usage records: {@code action:kind:name}. */
    public String summary() {
        return action.wireName() + ":" + kind + ":" + name;
    }
}
