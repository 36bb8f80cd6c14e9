package dev.aitenancy.guardrails;

import dev.aitenancy.tenant.OrgId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where guardrails are kept: global rules and each org's own (for the org, its tiers, groups and
 * users). {@link dev.aitenancy.LLMJob} reads only {@link #guardrails(OrgId)}, the call path's
 * {@link Guardrails}; the rest is for the admin side.
 */
public interface GuardrailStore extends Guardrails {

    /** Only the global rules. */
    List<Guardrail> globalGuardrails();

    /** Adds the rule, or replaces the one with the same id (its org and level cannot change). */
    Guardrail save(Guardrail guardrail);

    /** One rule of the org (or a global one when {@code org} is null). */
    Optional<Guardrail> find(OrgId org, UUID id);

    /**
     * Deletes one rule of the org, or a global rule when {@code org} is null.
     *
     * @return false when the org has no such rule
     */
    boolean delete(OrgId org, UUID id);

    /** A store without rules. */
    static GuardrailStore none() {
        return NoGuardrails.INSTANCE;
    }
}
