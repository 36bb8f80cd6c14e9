package dev.aitenancy.guardrails;

import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

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

    private static final int MAX_ORGS = 10_000;

    private record Cached(List<Guardrail> rules, Instant until) {
    }

    private final GuardrailStore delegate;
    private final Duration ttl;
    private final Clock clock;
    private final Map<OrgId, Cached> byOrg = new ConcurrentHashMap<>();

    public CachingGuardrailStore(GuardrailStore delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must be >= 0");
        }
    }

    @Override
    public List<Guardrail> guardrails(OrgId org) {
        Instant now = clock.instant();
        Cached cached = byOrg.get(org);
        if (cached == null || !now.isBefore(cached.until())) {
            cached = new Cached(List.copyOf(delegate.guardrails(org)), now.plus(ttl));
            if (byOrg.size() >= MAX_ORGS) {
                byOrg.clear();
            }
            byOrg.put(org, cached);
        }
        return cached.rules();
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
            byOrg.remove(org);
        }
    }
}
