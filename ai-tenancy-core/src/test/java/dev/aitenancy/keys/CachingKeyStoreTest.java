package dev.aitenancy.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.contract.KeyStoreContract;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import dev.aitenancy.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingKeyStoreTest extends KeyStoreContract {

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T09:00:00Z"));
    final CountingStore backing = new CountingStore();
    final List<SecretRead> audit = new CopyOnWriteArrayList<>();
    final CachingKeyStore store = new CachingKeyStore(backing, Duration.ofMinutes(5), clock, audit::add);

    @Override
    protected KeyStore newStore() {
        return new CachingKeyStore(new InMemoryKeyStore(), CachingKeyStore.DEFAULT_TTL, Clock.systemUTC(), e -> {
        });
    }

    @Test
    void aHotKeyIsReadFromTheStoreOnceUntilItExpires() {
        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);

        for (int i = 0; i < 10; i++) {
            assertThat(store.get(ACME, ProviderId.OPENAI)).contains(ACME_OPENAI);
        }
        clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        store.get(ACME, ProviderId.OPENAI);
        int readsBeforeExpiry = backing.reads.get();
        clock.advance(Duration.ofSeconds(1));
        store.get(ACME, ProviderId.OPENAI);

        assertThat(readsBeforeExpiry).isEqualTo(1);
        assertThat(backing.reads).hasValue(2);
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).isEqualTo(new SecretRead(ACME, ProviderId.OPENAI, null,
                Instant.parse("2026-11-24T09:00:00Z")));
        assertThat(audit.toString()).doesNotContain(ACME_OPENAI.reveal());
    }

    @Test
    void putAndDeleteThroughTheCacheTakeEffectAtOnce() {
        ApiKey rotated = ApiKey.of("sk-proj-CACHE-rotated-0000000000111");
        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);
        store.get(ACME, ProviderId.OPENAI);

        store.put(ACME, ProviderId.OPENAI, rotated);
        Optional<ApiKey> afterPut = store.get(ACME, ProviderId.OPENAI);
        store.delete(ACME, ProviderId.OPENAI);
        Optional<ApiKey> afterDelete = store.get(ACME, ProviderId.OPENAI);

        assertThat(afterPut).contains(rotated);
        assertThat(afterDelete).isEmpty();
    }

    @Test
    void absentKeysAreNotCachedSoAKeyAddedElsewhereIsSeenAtOnce() {
        assertThat(store.get(GLOBEX, ProviderId.OPENAI)).isEmpty();

        backing.put(GLOBEX, ProviderId.OPENAI, GLOBEX_OPENAI); // as another instance would

        assertThat(store.get(GLOBEX, ProviderId.OPENAI)).contains(GLOBEX_OPENAI);
        assertThat(audit).hasSize(1);
    }

    @Test
    void manyThreadsReadingOneKeyDecryptItAtMostOncePerThread() throws Exception {
        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);
        int threads = 32;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger wrong = new AtomicInteger();
        try {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        if (!store.get(ACME, ProviderId.OPENAI).orElseThrow().equals(ACME_OPENAI)) {
                            wrong.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }

        assertThat(wrong).hasValue(0);
        assertThat(backing.reads.get()).isBetween(1, threads);
        assertThat(audit).hasSize(backing.reads.get());
    }

    /** A real in-memory store that counts reads. */
    static final class CountingStore implements KeyStore {
        final InMemoryKeyStore inner = new InMemoryKeyStore();
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public Optional<StoredKey> find(OrgId org, ProviderId provider) {
            reads.incrementAndGet();
            return inner.find(org, provider);
        }

        @Override
        public void put(OrgId org, ProviderId provider, ApiKey key, String actor) {
            inner.put(org, provider, key, actor);
        }

        @Override
        public boolean delete(OrgId org, ProviderId provider) {
            return inner.delete(org, provider);
        }

        @Override
        public List<ProviderKeyStatus> status(OrgId org) {
            return inner.status(org);
        }

        @Override
        public boolean markVerified(OrgId org, ProviderId provider, Instant at) {
            return inner.markVerified(org, provider, at);
        }
    }
}
