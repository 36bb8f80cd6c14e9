package dev.aitenancy.guardrails;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.contract.GuardrailStoreContract;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The store contract through the cache, and how long a change made elsewhere takes to apply. */
class CachingGuardrailStoreTest extends GuardrailStoreContract {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));

    @Override
    protected GuardrailStore newStore() {
        return new CachingGuardrailStore(new InMemoryGuardrailStore(), Duration.ofSeconds(5), clock);
    }

    @Test
    void aChangeMadeElsewhereAppliesWhenTheCachedRulesExpireOwnChangesAtOnce() {
        InMemoryGuardrailStore shared = new InMemoryGuardrailStore();
        CachingGuardrailStore cached = new CachingGuardrailStore(shared, Duration.ofSeconds(5), clock);
        Guardrail own = cached.save(Guardrail.forOrg(ACME, "own", new GuardrailRule.RateLimit(5), GuardrailAction.BLOCK));
        assertThat(cached.guardrails(ACME)).containsExactly(own);

        Guardrail elsewhere = shared.save(Guardrail.global("elsewhere", new GuardrailRule.RateLimit(9),
                GuardrailAction.BLOCK));
        var within = cached.guardrails(ACME);
        clock.advance(Duration.ofSeconds(5));
        var after = cached.guardrails(ACME);
        cached.delete(ACME, own.id());

        assertThat(within).as("another instance's change within the lifetime").containsExactly(own);
        assertThat(after).containsExactly(elsewhere, own);
        assertThat(cached.guardrails(ACME)).as("own delete applies at once").containsExactly(elsewhere);
    }
}
