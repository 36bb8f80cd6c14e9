package dev.aitenancy.memory;

import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.spi.StoredGuardrails;
import dev.aitenancy.tenant.OrgId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Guardrails in memory, in the order they were first saved. A call's read takes no lock: every
 * change (rare, by an admin) publishes a new immutable view with each org's rules already listed.
 */
public final class InMemoryGuardrailStore implements GuardrailStore {

    /** The rules as a call reads them: the global ones, and per org the global ones then its own. */
    private record View(List<Guardrail> global, Map<OrgId, List<Guardrail>> byOrg) {
    }

    private final Map<UUID, Guardrail> rules = new LinkedHashMap<>();
    private volatile View view = new View(List.of(), Map.of());

    @Override
    public List<Guardrail> guardrails(OrgId org) {
        Objects.requireNonNull(org, "org");
        View v = view;
        return v.byOrg().getOrDefault(org, v.global());
    }

    @Override
    public List<Guardrail> globalGuardrails() {
        return view.global();
    }

    @Override
    public synchronized Guardrail save(Guardrail guardrail) {
        StoredGuardrails.checkReplaceable(rules.get(guardrail.id()), guardrail);
        rules.put(guardrail.id(), guardrail);
        publish();
        return guardrail;
    }

    private void publish() {
        List<Guardrail> global = rules.values().stream().filter(g -> g.org() == null).toList();
        Map<OrgId, List<Guardrail>> own = new HashMap<>();
        for (Guardrail g : rules.values()) {
            if (g.org() != null) {
                own.computeIfAbsent(g.org(), o -> new ArrayList<>()).add(g);
            }
        }
        Map<OrgId, List<Guardrail>> byOrg = new HashMap<>();
        own.forEach((org, list) -> {
            List<Guardrail> all = new ArrayList<>(global);
            all.addAll(list);
            byOrg.put(org, List.copyOf(all));
        });
        view = new View(global, Map.copyOf(byOrg));
    }

    @Override
    public synchronized Optional<Guardrail> find(OrgId org, UUID id) {
        return Optional.ofNullable(rules.get(id)).filter(g -> Objects.equals(g.org(), org));
    }

    @Override
    public synchronized boolean delete(OrgId org, UUID id) {
        if (find(org, id).isEmpty()) {
            return false;
        }
        rules.remove(id);
        publish();
        return true;
    }
}
