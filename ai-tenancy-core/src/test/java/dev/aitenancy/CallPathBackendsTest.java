package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.keys.StoredKey;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.template.Templates;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend for the call path implements only the call path's interfaces, each one or two methods:
 * {@link ProviderKeys}, {@link BudgetLedger}, {@link Guardrails}, {@link Templates}, {@link FeatureFlags},
 * {@link RateLimiter} and {@link UsageSink}. A job built from such backends alone runs every step of
 * its policy through them.
 */
class CallPathBackendsTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");

    final LoopbackServer server = LoopbackServer.start();
    final Map<OrgId, StoredKey> vault = new ConcurrentHashMap<>();
    final List<Instant> verified = new CopyOnWriteArrayList<>();
    final List<BigDecimal> reserved = new CopyOnWriteArrayList<>();
    final List<UsageRecord> finished = new CopyOnWriteArrayList<>();
    final AtomicInteger permits = new AtomicInteger();

    final ProviderKeys keys = new ProviderKeys() {
        @Override
        public Optional<StoredKey> find(OrgId org, ProviderId provider) {
            return Optional.ofNullable(vault.get(org));
        }

        @Override
        public boolean markVerified(OrgId org, ProviderId provider, Instant at) {
            verified.add(at);
            return vault.computeIfPresent(org, (o, k) -> new StoredKey(k.key(), at)) != null;
        }
    };
    final BudgetLedger ledger = (org, caller, tier, worstCase) -> {
        reserved.add(worstCase);
        return BudgetReservation.NONE;
    };
    final Guardrails rules = org -> List.of(Guardrail.forOrg(org, "no passwords",
            GuardrailRule.ContentFilter.input(List.of("password"), List.of()), GuardrailAction.BLOCK));
    final Templates templates = new Templates() {
        @Override
        public Optional<StoredTemplate> latest(OrgId org, String name) {
            return version(org, name, 2);
        }

        @Override
        public Optional<StoredTemplate> version(OrgId org, String name, int version) {
            return name.equals("greet") ? Optional.of(new StoredTemplate(org, name, version,
                    "Say hello to {{who}} (v" + version + ")", "ada", Instant.EPOCH)) : Optional.empty();
        }
    };
    final FeatureFlags flags = (org, feature) -> !"beta".equals(feature);
    final RateLimiter limiter = request -> {
        permits.incrementAndGet();
        return RateLimitPermit.NONE;
    };
    final UsageSink usage = new UsageSink() {
        @Override
        public void started(UsageRecord record) {
        }

        @Override
        public void finished(UsageRecord record) {
            finished.add(record);
        }
    };

    CallPathBackendsTest() {
        server.otherwise(req -> req.pathAndQuery().endsWith("/models") ? json(200, "{\"object\":\"list\",\"data\":[]}")
                : json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2}}"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    LLMJob job() {
        InMemoryModelCatalog catalog = new InMemoryModelCatalog();
        catalog.register(new ModelSpec(MINI, 1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"),
                new BigDecimal("0.10")));
        catalog.allow(ACME, MINI, 256).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);
        return LLMJob.builder().keyStore(keys).budgetLedger(ledger).guardrails(rules).templateStore(templates)
                .featureFlags(flags).rateLimiter(limiter).usageSink(usage).modelCatalog(catalog)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri(""))
                        .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofSeconds(5)).build()))
                .build();
    }

    @Test
    void aJobOnCallPathBackendsRunsEveryStepThroughThem() {
        vault.put(ACME, new StoredKey(ApiKey.of("sk-proj-callpath000111222333444"), null));
        LLMJob job = job();

        JobResult result = job.run(JobRequest.storedTemplate(ACME, "greet").context(Map.of("who", "Ada"))
                .user("ada").build());

        assertThat(result.text()).isEqualTo("hello");
        assertThat(server.requests()).filteredOn(r -> r.pathAndQuery().endsWith("/chat/completions")).singleElement()
                .satisfies(r -> assertThat(r.body()).contains("Say hello to Ada (v2)"));
        assertThat(verified).as("a key never verified is checked, and the check is recorded").hasSize(1);
        assertThat(reserved).singleElement().satisfies(c -> assertThat(c).isPositive());
        assertThat(permits.get()).isPositive();
        assertThat(finished).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(UsageStatus.OK));

        job.run(JobRequest.storedTemplate(ACME, "greet").templateVersion(1).context(Map.of("who", "Bo")).build());
        assertThat(server.requests()).filteredOn(r -> r.pathAndQuery().endsWith("/chat/completions")).last()
                .satisfies(r -> assertThat(r.body()).contains("Say hello to Bo (v1)"));
        assertThat(verified).as("verified once, trusted afterwards").hasSize(1);
    }

    @Test
    void theCallPathsGuardrailsAndFlagsRefuse() {
        vault.put(ACME, new StoredKey(ApiKey.of("sk-proj-callpath000111222333444"), Instant.now()));
        LLMJob job = job();

        assertThatThrownBy(() -> job.run("my password is {{p}}", ACME, Map.of("p", "x")))
                .isInstanceOf(GuardrailBlockedException.class);
        assertThatThrownBy(() -> job.run(JobRequest.builder(ACME, "hi").feature("beta").build()))
                .isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.AI_FEATURE_DISABLED));
        assertThat(server.requests()).noneMatch(r -> r.pathAndQuery().endsWith("/chat/completions"));
        assertThat(finished).hasSize(2).allSatisfy(r -> assertThat(r.status()).isNotEqualTo(UsageStatus.OK));
    }
}
