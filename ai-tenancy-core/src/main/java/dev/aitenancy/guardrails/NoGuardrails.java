package dev.aitenancy.guardrails;

import dev.aitenancy.tenant.OrgId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The store of {@link GuardrailStore#none()}: no rules, and none can be added. */
enum NoGuardrails implements GuardrailStore {
    INSTANCE;

    @Override
    public List<Guardrail> guardrails(OrgId org) {
        return List.of();
    }

    @Override
    public List<Guardrail> globalGuardrails() {
        return List.of();
    }

    @Override
    public Guardrail save(Guardrail guardrail) {
        throw new UnsupportedOperationException("this LLMJob keeps no guardrails; give its builder a GuardrailStore");
    }

    @Override
    public Optional<Guardrail> find(OrgId org, UUID id) {
        return Optional.empty();
    }

    @Override
    public boolean delete(OrgId org, UUID id) {
        return false;
    }
}
