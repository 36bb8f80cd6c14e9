package dev.aitenancy.memory;

import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.spi.StoredGuardrails;
import dev.aitenancy.tenant.OrgId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/** Guardrails in memory, in the order they were first saved. */
public final class InMemoryGuardrailStore implements GuardrailStore {

    private final Map<UUID, Guardrail> rules = new LinkedHashMap<>();

    @Override
    public synchronized List<Guardrail> guardrails(OrgId org) {
        Objects.requireNonNull(org, "org");
        List<Guardrail> out = new ArrayList<>(globalGuardrails());
        rules.values().stream().filter(g -> org.equals(g.org())).forEach(out::add);
        return out;
    }

    @Override
    public synchronized List<Guardrail> globalGuardrails() {
        return rules.values().stream().filter(g -> g.org() == null).toList();
    }

    @Override
    public synchronized Guardrail save(Guardrail guardrail) {
        StoredGuardrails.checkReplaceable(rules.get(guardrail.id()), guardrail);
        rules.put(guardrail.id(), guardrail);
        return guardrail;
    }

    @Override
    public synchronized Optional<Guardrail> find(OrgId org, UUID id) {
        return Optional.ofNullable(rules.get(id)).filter(g -> Objects.equals(g.org(), org));
    }

    @Override
    public synchronized boolean delete(OrgId org, UUID id) {
        return find(org, id).map(g -> rules.remove(id) != null).orElse(false);
    }
}
