package dev.aitenancy.examples.quickstart;

import dev.aitenancy.AiTenancyException;
import dev.aitenancy.EmbeddingRequest;
import dev.aitenancy.EmbeddingResult;
import dev.aitenancy.GuardrailBlockedException;
import dev.aitenancy.JobEvent;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.RateLimitedException;
import dev.aitenancy.StreamHandle;
import dev.aitenancy.ToolLoop;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcModelCatalog;
import dev.aitenancy.jdbc.JdbcRateLimiter;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.anthropic.AnthropicClient;
import dev.aitenancy.provider.gemini.GeminiClient;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;

/**
 * Two organizations, each with its own key and allowed models, making governed and recorded calls.
 *
 * <p>Keys, models, rate-limit counters and usage records live in an embedded H2 database, as they
 * would in a shared PostgreSQL. With no provider key in the environment, a local stand-in speaking OpenAI's wire format runs
 * on 127.0.0.1, so the library's real HTTP path is exercised. With {@code OPENAI_API_KEY} (and
 * optionally {@code ANTHROPIC_API_KEY} or {@code GEMINI_API_KEY}) set, the real providers answer.
 */
public final class Quickstart {

    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");
    static final OrgId INITECH = OrgId.of("initech");

    private Quickstart() {
    }

    /** The JSON answer carol asks for. */
    record TripPlan(String city, int days, List<String> packing) {
    }

    /** The arguments of the get_weather tool. */
    record City(String city) {
    }

    public static void main(String[] args) throws Exception {
        run(Clock.systemUTC());
    }

    /** The whole tour on the given clock (a test fixes it, so no minute boundary splits the rate-limit demo). */
    static void run(Clock clock) throws Exception {
        String openAiKey = System.getenv("OPENAI_API_KEY");
        String anthropicKey = System.getenv("ANTHROPIC_API_KEY");
        String geminiKey = System.getenv("GEMINI_API_KEY");
        boolean real = notBlank(openAiKey) || notBlank(anthropicKey) || notBlank(geminiKey);

        try (StandInProvider standIn = real ? null : StandInProvider.start()) {
            ProviderClient openai = standIn == null ? OpenAiClient.create()
                    : new OpenAiClient(OpenAiClient.defaultSettings().baseUri(standIn.baseUri()).build());
            System.out.println(standIn == null ? "Calling the real providers whose keys are set."
                    : "No provider key set: using a local OpenAI-compatible stand-in at " + standIn.baseUri()
                            + "\n(set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY to call real providers)");

            // 1. Keys and models live in an embedded H2 database: keys encrypted with a master key
            //    and bound to their org; prices and limits of known models from the built-in registry.
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:quickstart;DB_CLOSE_DELAY=-1");
            AiTenancyJdbc db = AiTenancyJdbc.create(h2, clock, true);
            SecretCipher cipher = masterKey();
            AuditSink audit = db.auditSink(); // key changes and every decryption of a key
            KeyStore keys = new CachingKeyStore(db.keyStore(cipher), CachingKeyStore.DEFAULT_TTL, clock,
                    read -> audit.record(AuditEvent.of(read)));
            JdbcModelCatalog models = db.modelCatalog(ModelRegistry.builtIn());

            ModelRef acmeModel = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
            ModelRef globexModel = acmeModel;
            String acmeKey = standIn != null ? "sk-standin-acme-0000000000000000" : openAiKey;
            String globexKey = standIn != null ? "sk-standin-globex-00000000000000" : openAiKey;
            if (standIn == null && notBlank(anthropicKey)) {
                globexModel = ModelRef.of(ProviderId.ANTHROPIC, "claude-haiku-4-5");
                globexKey = anthropicKey;
            } else if (standIn == null && notBlank(geminiKey)) {
                globexModel = ModelRef.of(ProviderId.GEMINI, "gemini-2.5-flash");
                globexKey = geminiKey;
            }
            if (standIn == null && !notBlank(openAiKey)) {
                acmeModel = globexModel;
                acmeKey = globexKey;
            }
            models.allow(ACME, acmeModel, 300).setDefault(ACME, acmeModel).setDefaultProvider(ACME,
                    acmeModel.provider());
            models.allow(GLOBEX, globexModel, 200).setDefault(GLOBEX, globexModel).setDefaultProvider(GLOBEX,
                    globexModel.provider());
            // initech may use the model but has no key of its own: its calls must fail, not borrow one.
            models.allow(INITECH, acmeModel).setDefault(INITECH, acmeModel).setDefaultProvider(INITECH,
                    acmeModel.provider());

            JdbcRateLimiter limiter = db.rateLimiter(RateLimitPolicy.DEFAULT); // exact across instances
            limiter.setPolicy(ACME, new RateLimitPolicy(2, 60, 0)); // a tight per-user limit to show a refusal
            JdbcUsageSink usage = db.usageSink(); // written in batches; closed below so nothing is lost
            GuardrailStore guardrails = db.guardrailStore(); // org rules: globex blocks a topic, adds a note
            guardrails.save(Guardrail.forOrg(GLOBEX, "no salaries",
                    GuardrailRule.ContentFilter.input(List.of("salary", "salaries"), List.of()), GuardrailAction.BLOCK));
            guardrails.save(Guardrail.forOrg(GLOBEX, "disclaimer",
                    GuardrailRule.OutputModifier.append("\n(AI-generated: check before you share it)"),
                    GuardrailAction.MODIFY));

            ConversationStore conversations = db.conversationStore(); // each user's conversations
            LLMJob.Builder builder = LLMJob.builder().clock(clock).keyStore(keys).modelCatalog(models).rateLimiter(limiter)
                    .usageSink(usage).guardrails(guardrails).conversations(conversations).provider(openai);
            if (notBlank(anthropicKey)) {
                builder.provider(AnthropicClient.create());
            }
            if (notBlank(geminiKey)) {
                builder.provider(GeminiClient.create());
            }
            LLMJob llm = builder.build();

            // Each org stores its own key; the provider checks it before it is stored.
            ProviderKeyAdmin keyAdmin = new ProviderKeyAdmin(keys, models, llm, audit, limiter, clock);
            section("each org stores its own key (checked with the provider first)");
            System.out.println("acme:   " + keyAdmin.upsert(ACME, acmeModel.provider(), ApiKey.of(acmeKey), "quickstart"));
            System.out.println("globex: " + keyAdmin.upsert(GLOBEX, globexModel.provider(), ApiKey.of(globexKey), "quickstart"));

            // 2. One line per call: rendered, authorized, limited, billed and recorded for that org.
            section("acme runs a job");
            print(llm.run(JobRequest.builder("acme", "Summarize {{topic}} in 3 short bullets.")
                    .context(Map.of("topic", "the benefits of per-tenant API keys")).user("alice").build()));

            section("globex runs a job with its own key and model");
            print(llm.run("Give one tip about {{subject.name}}.", GLOBEX, Map.of("subject", Map.of("name", "budgets"))));

            // 3. Streaming, token by token.
            section("acme streams an answer");
            StreamHandle stream = llm.stream(JobRequest.builder("acme", "Write a haiku about {{thing}}.")
                    .context(Map.of("thing", "rate limits")).user("alice").build(), event -> {
                        if (event instanceof JobEvent.Token t) {
                            System.out.print(t.text());
                            System.out.flush();
                        } else if (event instanceof JobEvent.Done d) {
                            System.out.println();
                            System.out.println(summary(d.result()));
                        } else if (event instanceof JobEvent.Error e) {
                            System.out.println("\nstream failed: " + e.error().code() + ": " + e.error().getMessage());
                        }
                    });
            stream.completion().exceptionally(e -> null).get(2, TimeUnit.MINUTES);

            // 4. A rate-limited call: alice has used her 2 calls for this minute.
            section("acme's user alice goes over her limit of 2 calls a minute");
            try {
                llm.run(JobRequest.builder("acme", "One more, please.").caller(Caller.user("alice")).build());
                System.out.println("unexpected: the call was admitted");
            } catch (RateLimitedException e) {
                System.out.println(e.code() + ": " + e.getMessage() + " [limit: " + e.limit() + "]");
            }

            // 5. A guardrail of globex refuses a topic before anything is sent to the provider.
            section("globex's guardrail blocks a question about salaries");
            try {
                llm.run("What is the average salary of our engineers?", GLOBEX, Map.of());
                System.out.println("unexpected: the call was admitted");
            } catch (GuardrailBlockedException e) {
                System.out.println(e.code() + ": " + e.getMessage());
            }

            // 6. An org without a key fails clearly; no other org's key is ever used.
            section("initech has no key");
            try {
                llm.run("Hello", "initech", Map.of());
                System.out.println("unexpected: the call succeeded");
            } catch (AiTenancyException e) {
                System.out.println(e.code() + ": " + e.getMessage());
            }

            // 7. A conversation: each turn sends the earlier ones; an exchange is kept only when its call succeeds.
            section("bob has a two-turn conversation");
            Conversation chat = conversations.create(ACME, "bob", "weekend trip");
            print(llm.run(JobRequest.messages(ACME, Message.user("Suggest a city for a weekend trip.")).user("bob")
                    .conversation(chat.id()).build()));
            print(llm.run(JobRequest.messages(ACME, Message.user("What should I pack for it?")).user("bob")
                    .conversation(chat.id()).build()));
            System.out.println("conversation '" + chat.title() + "' holds "
                    + conversations.find(ACME, "bob", chat.id()).orElseThrow().messageCount() + " messages");

            // 8. A JSON answer, checked against the schema of a record and read into it.
            section("carol asks for JSON and reads it into a record");
            JobResult plan = llm.run(JobRequest.builder(ACME, "Plan a {{days}}-day trip to Lisbon as JSON.")
                    .context(Map.of("days", 3)).user("carol").responseFormat(TripPlan.class).build());
            System.out.println(plan.as(TripPlan.class));

            // 9. A tool round: the model asks for the host's function, the loop runs it and sends the result back.
            section("dave's question needs a tool of the host");
            JobResult weather = ToolLoop.on(llm)
                    .tool(Tool.of("get_weather", "The current weather in a city", City.class),
                            call -> "{\"city\":\"" + call.arguments(City.class).city() + "\",\"celsius\":21}")
                    .run(JobRequest.builder(ACME, "Do I need an umbrella in Paris today?").user("dave").build());
            print(weather);

            // 10. Embeddings, governed like a chat call: the org's key, an allowed embedding model, limits, a record.
            section("eve embeds two texts for search");
            ModelRef embedder = ModelRef.of(acmeModel.provider().equals(ProviderId.OPENAI) ? ProviderId.OPENAI
                    : acmeModel.provider(), acmeModel.provider().equals(ProviderId.GEMINI) ? "gemini-embedding-001"
                    : "text-embedding-3-small");
            if (!acmeModel.provider().equals(ProviderId.ANTHROPIC)) {   // Anthropic has no embeddings API
                models.allow(ACME, embedder).setFeaturePreference(ACME, "search", embedder, null);
                EmbeddingResult vectors = llm.embed(EmbeddingRequest.builder(ACME,
                        List.of("How do I reset my password?", "Refund policy")).feature("search").user("eve").build());
                System.out.println(vectors.vectors().size() + " vectors of " + vectors.vectors().get(0).length
                        + " numbers from " + vectors.model() + ", " + vectors.usage().inputTokens() + " tokens, cost "
                        + vectors.cost());
            }

            // 11. Every call, refused ones included, left a usage record for its org.
            section("acme's usage records (newest first)");
            System.out.printf("%-9s %-6s %-18s %7s %7s %12s %6s  %s%n", "status", "user", "model", "in", "out",
                    "cost USD", "ms", "error");
            for (UsageRecord r : usage.recent(ACME, 20)) {
                System.out.printf("%-9s %-6s %-18s %7s %7s %12s %6s  %s%n", r.status().wireName(),
                        r.userId() == null ? "-" : r.userId(), r.model() == null ? "-" : r.model(),
                        orDash(r.usage().inputTokens()), orDash(r.usage().outputTokens()),
                        r.cost().isPriced() ? r.cost().amount().toPlainString() : "unpriced",
                        r.latency() == null ? "-" : r.latency().toMillis(),
                        r.errorCode() == null ? "" : r.errorCode());
            }
            System.out.println("initech records: " + usage.recent(INITECH, 20).size() + ", globex records: "
                    + usage.recent(GLOBEX, 20).size());
            System.out.println("acme audit log: " + audit.query(ACME, Instant.EPOCH, clock.instant().plusSeconds(1), 20)
                    .stream().map(e -> e.action() + " " + e.target()).toList());
            usage.close();
        }
    }

    /** The master key from AI_TENANCY_MASTER_KEY, or a throwaway one for this run. */
    private static SecretCipher masterKey() {
        String configured = System.getenv(SecretCipher.MASTER_KEY_ENV);
        if (notBlank(configured)) {
            return SecretCipher.fromConfig(configured);
        }
        System.out.println("No " + SecretCipher.MASTER_KEY_ENV + " set: encrypting keys with a throwaway master key");
        return SecretCipher.fromConfig(SecretCipher.generateBase64Key());
    }

    private static void print(JobResult r) {
        System.out.println(r.text().strip());
        System.out.println(summary(r));
    }

    private static String summary(JobResult r) {
        return "  -> " + r.provider() + "/" + r.model() + ", tokens in/out " + orDash(r.usage().inputTokens()) + "/"
                + orDash(r.usage().outputTokens()) + ", cost " + r.cost() + ", " + r.latency().toMillis()
                + " ms, correlation id " + r.correlationId();
    }

    private static void section(String title) {
        System.out.println();
        System.out.println("== " + title + " ==");
    }

    private static String orDash(Long v) {
        return v == null ? "?" : v.toString();
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
