package dev.aitenancy.guardrails;

import dev.aitenancy.tenant.OrgId;
import java.util.List;

/**
 * What a call needs of the guardrails: the rules that apply to an org. {@link dev.aitenancy.LLMJob}
 * reads {@link #guardrails(OrgId)} once per call; a backend for the call path implements this one
 * method. Saving, finding and deleting rules is {@link GuardrailStore}.
 */
@FunctionalInterface
public interface Guardrails {

    /** The global rules followed by the org's own, enabled or not, oldest first. */
    List<Guardrail> guardrails(OrgId org);

    /** No rules. */
    static Guardrails none() {
        return NoGuardrails.INSTANCE;
    }
}
