package dev.aitenancy.guardrails;

import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Duration;
import dev.aitenancy.spi.TtlCache;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Keeps each org's rules for a while so a call does not read them from the database every time.
 * Changes through this store apply at once on this instance (a global change clears every org);
 * changes made on other instances apply within {@code ttl}.
 *
 * <pre>{@code
 * GuardrailStore rules = new CachingGuardrailStore(db.guardrailStore(), Duration.ofSeconds(5), Clock.systemUTC());
 * }</pre>
 */
public final class CachingGuardrailStore implements GuardrailStore {

    private final GuardrailStore delegate;
    private final TtlCache<OrgId, List<Guardrail>> byOrg;

    public CachingGuardrailStore(GuardrailStore delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.byOrg = new TtlCache<>(ttl, clock, 10_000);
    }

    @Override
    public List<Guardrail> guardrails(OrgId org) {
        return byOrg.get(org, o -> List.copyOf(delegate.guardrails(o)));
    }

    @Override
    public List<Guardrail> globalGuardrails() {
        return delegate.globalGuardrails();
    }

    @Override
    public Guardrail save(Guardrail guardrail) {
        Guardrail saved = delegate.save(guardrail);
        forget(guardrail.org());
        return saved;
    }

    @Override
    public Optional<Guardrail> find(OrgId org, UUID id) {
        return delegate.find(org, id);
    }

    @Override
    public boolean delete(OrgId org, UUID id) {
        boolean deleted = delegate.delete(org, id);
        forget(org);
        return deleted;
    }

    private void forget(OrgId org) {
        if (org == null) {
            byOrg.clear();
        } else {
            byOrg.invalidateIf(org::equals);
        }
    }
}
