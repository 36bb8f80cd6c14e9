package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.ADA;
import static dev.aitenancy.spring.AdminMvc.GUS;
import static dev.aitenancy.spring.AdminMvc.MEL;
import static dev.aitenancy.spring.AdminMvc.ROOT;
import static dev.aitenancy.spring.AdminMvc.as;
import static dev.aitenancy.spring.AdminMvc.body;
import static dev.aitenancy.spring.AdminMvc.idOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageSummaries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.context.WebApplicationContext;

/**
 * The wire format of every admin and generate endpoint, byte for byte: a scripted conversation
 * (successes, and for each body field a value of every wrong kind) is compared with the transcript
 * in {@code src/test/resources/dev/aitenancy/spring/wire-format.txt}. Field names, their order,
 * nesting, JSON types, status codes, the endpoint headers and every error message are in it; only
 * what differs from run to run (ids, cursors, latencies) is replaced by a placeholder.
 *
 * <p>A deliberate change of the wire format is recorded with
 * {@code -Daitenancy.wire.record=true} (which rewrites the transcript) and reviewed in the diff.
 */
@EndpointTest(WireFormatTest.Config.class)
class WireFormatTest {

    static final Path TRANSCRIPT = Path.of("src/test/resources/dev/aitenancy/spring/wire-format.txt");
    @AutoClose
    static final LoopbackServer PROVIDER = FakeOpenAi.start();
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T08:00:00Z"));
    static final String KEY = "sk-good-wire-0000000000004321";

    static final Map<String, RequestPostProcessor> USERS = Map.of("root", ROOT, "ada", ADA, "mel", MEL, "gus", GUS,
            "rae", as("rae", "AI_ORG_MEMBER:throttled"));

    /**
     * Replaced before comparing: what differs from run to run, and the messages of the library's own
     * errors (the core's to word; the endpoints only pass them on with their code and status).
     */
    static final List<Map.Entry<Pattern, String>> VARYING = List.of(
            Map.entry(Pattern.compile("\\{\"code\":\"(AI_(?!INVALID_REQUEST|NOT_FOUND|FORBIDDEN|UNAUTHENTICATED|INTERNAL)"
                    + "[A-Z_]+)\",\"message\":\"(?:[^\"\\\\]|\\\\.)*\"\\}"), "{\"code\":\"$1\",\"message\":\"<the library's>\"}"),
            Map.entry(Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
            Map.entry(Pattern.compile("\"nextCursor\":\"[^\"]*\""), "\"nextCursor\":\"<cursor>\""),
            Map.entry(Pattern.compile("\"(latencyMillis|averageLatencyMillis)\":[0-9.E]+"), "\"$1\":<millis>"));

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(CLOCK, PROVIDER, "acme", "globex", "throttled");
        }
    }

    @Autowired
    KeyStore keys;
    @Autowired
    ModelAdmin models;
    @Autowired
    RateLimitAdmin limits;
    @Autowired
    UsageSummaries summaries;

    AdminMvc mvc;
    final StringBuilder transcript = new StringBuilder();

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
    }

    @Test
    void everyEndpointAnswersInTheRecordedWireFormat() throws Exception {
        for (String org : List.of("acme", "globex", "throttled")) {
            TestApp.setUpOrg(models, keys, org, org.equals("globex") ? null : KEY, CLOCK.instant());
        }
        limits.setPolicy(OrgId.of("throttled"), new RateLimitPolicy(1, 60, 0));

        LogCapture.quietly(this::converse);

        String actual = transcript.toString();
        if (Boolean.getBoolean("aitenancy.wire.record")) {
            Files.writeString(TRANSCRIPT, actual, StandardCharsets.UTF_8);
        }
        assertThat(actual.lines().toList()).as("the wire format; -Daitenancy.wire.record=true records a deliberate change")
                .containsExactlyElementsOf(Files.readString(TRANSCRIPT, StandardCharsets.UTF_8).lines().toList());
    }

    // ---- the conversation -----------------------------------------------------------------------------

    private void converse() throws Exception {
        providers();
        models();
        governance();
        guardrails();
        generate();
        chat();
        usage();
        refusals();
        preferences();
    }

    private void providers() throws Exception {
        section("providers");
        ex("ada", "GET", "/ai/orgs/acme/providers", null);
        ex("ada", "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"sk-good-wire-new-00000000008765\"}");
        ex("ada", "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"sk-bad-wire-0000000000\"}");
        ex("ada", "POST", "/ai/orgs/acme/providers/openai/verify", "{\"apiKey\":\"" + KEY + "\"}");
        ex("ada", "POST", "/ai/orgs/acme/providers/openai/verify", "{\"apiKey\":\"sk-bad-wire-0000000001\"}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"" + KEY + "\"}", "apiKey");
        wrongKinds("ada", "POST", "/ai/orgs/acme/providers/openai/verify", "{\"apiKey\":\"" + KEY + "\"}", "apiKey");
        ex("ada", "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"   \"}");
        ex("ada", "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"" + KEY + "\",\"unknown\":[1,{\"x\":2}]}");
        ex("ada", "PUT", "/ai/orgs/acme/providers/nope", "{\"apiKey\":\"" + KEY + "\"}");
        ex("gus", "DELETE", "/ai/orgs/globex/providers/openai", null);
        ex("gus", "PUT", "/ai/orgs/globex/providers/openai", "{\"apiKey\":\"" + KEY + "\"}");
        ex("gus", "GET", "/ai/orgs/globex/providers", null);
        ex("gus", "DELETE", "/ai/orgs/globex/providers/openai", null);
        ex("gus", "DELETE", "/ai/orgs/globex/providers/OpenAI", null);
        models.allow(OrgId.of("globex"), TestApp.MINI, 1000).setDefault(OrgId.of("globex"), TestApp.MINI);
    }

    private void models() throws Exception {
        section("models");
        ex("ada", "GET", "/ai/orgs/acme/models", null);
        ex("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4.1-nano", "{\"maxOutputTokens\":100000000,\"label\":\"Nano\"}");
        ex("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4o", null);
        ex("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4o", "{}");
        ex("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4o", "null");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4o", "{\"maxOutputTokens\":10,\"label\":\"x\"}",
                "maxOutputTokens", "label");
        ex("ada", "GET", "/ai/orgs/acme/models", null);
        ex("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4.1-nano/default", null);
        ex("ada", "DELETE", "/ai/orgs/acme/models/openai/gpt-4.1-nano", null);
        ex("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4.1-mini/default", null);
        ex("ada", "DELETE", "/ai/orgs/acme/models/openai/gpt-4.1-nano", null);
        ex("ada", "DELETE", "/ai/orgs/acme/models/openai/gpt-4.1-nano", null);
        ex("ada", "PUT", "/ai/orgs/acme/models/openai/not-allowed/default", null);
        ex("ada", "DELETE", "/ai/orgs/acme/models/openai/gpt-4o", null);

        ex("ada", "PUT", "/ai/orgs/acme/default-provider", "{\"provider\":\"openai\"}");
        ex("ada", "PUT", "/ai/orgs/acme/default-provider", "{\"provider\":\"OpenAI\"}");
        ex("ada", "PUT", "/ai/orgs/acme/default-provider", "{\"provider\":\"\"}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/default-provider", "{\"provider\":\"openai\"}", "provider");

        String pref = "{\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\",\"maxOutputTokens\":300}";
        ex("ada", "PUT", "/ai/orgs/acme/feature-preferences/summaries", pref);
        ex("ada", "PUT", "/ai/orgs/acme/feature-preferences/drafts", "{\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\"}");
        ex("ada", "PUT", "/ai/orgs/acme/feature-preferences/drafts", "{\"provider\":\"openai\",\"model\":\"gpt-4o\"}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/feature-preferences/summaries", pref, "provider", "model",
                "maxOutputTokens");
        ex("ada", "GET", "/ai/orgs/acme/feature-preferences", null);

        String chain = "{\"models\":[\"openai/gpt-4.1-mini\",\"openai/gpt-4.1-mini\"]}";
        ex("ada", "PUT", "/ai/orgs/acme/fallbacks", chain);
        ex("ada", "GET", "/ai/orgs/acme/fallbacks", null);
        ex("ada", "PUT", "/ai/orgs/acme/fallbacks", "{\"models\":[\"gpt-4.1-nano\"]}");
        ex("ada", "PUT", "/ai/orgs/acme/fallbacks", "{\"models\":[\"openai/\"]}");
        ex("ada", "PUT", "/ai/orgs/acme/fallbacks", "{\"models\":[\"openai/gpt-4.1-mini\",null]}");
        ex("ada", "PUT", "/ai/orgs/acme/fallbacks", "{\"models\":[]}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/fallbacks", chain, "models");

        ex("ada", "PUT", "/ai/orgs/acme/denied-models/openai/gpt-4o", null);
        ex("ada", "DELETE", "/ai/orgs/acme/denied-models/openai/gpt-4o", null);
    }

    private void governance() throws Exception {
        section("features");
        ex("ada", "PUT", "/ai/orgs/acme/features/drafts", "{\"enabled\":false}");
        ex("ada", "PUT", "/ai/orgs/acme/features/chat", "{\"enabled\":true}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/features/drafts", "{\"enabled\":false}", "enabled");
        ex("ada", "GET", "/ai/orgs/acme/features", null);

        section("tiers");
        ex("ada", "GET", "/ai/orgs/acme/tiers", null);
        ex("ada", "PUT", "/ai/orgs/acme/tiers", "{\"tiers\":[\"standard\",\"basic\",\"standard\"]}");
        ex("ada", "PUT", "/ai/orgs/acme/tiers", "{\"tiers\":[\"platinum\"]}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/tiers", "{\"tiers\":[\"basic\"]}", "tiers");
        ex("ada", "PUT", "/ai/orgs/acme/tiers/groups/support", "{\"tiers\":[\"basic\"]}");
        ex("ada", "PUT", "/ai/orgs/acme/tiers/groups/support", "{\"tiers\":null}");
        ex("ada", "PUT", "/ai/orgs/acme/tiers/groups/support", "{}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/tiers/groups/support", "{\"tiers\":[\"basic\"]}", "tiers");
        ex("ada", "PUT", "/ai/orgs/acme/tiers/users/mel", "{\"tiers\":[\"premium\",\"basic\"]}");
        ex("ada", "PUT", "/ai/orgs/acme/tiers/users/mel", "{\"tiers\":null}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/tiers/users/mel", "{\"tiers\":[\"basic\"]}", "tiers");
        ex("ada", "PUT", "/ai/orgs/acme/tiers", "{\"tiers\":[]}");

        section("budgets");
        String budget = "{\"scope\":\"user\",\"subject\":\"mel\",\"period\":\"monthly\",\"limitUsd\":20,\"hard\":false,"
                + "\"alertThreshold\":0.5,\"zone\":\"Europe/Berlin\",\"allowUnpriced\":true}";
        ex("ada", "PUT", "/ai/orgs/acme/budgets", budget);
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"ORG\",\"period\":\"Weekly\",\"limitUsd\":\"12.50\"}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"group\",\"subject\":\"ops\",\"period\":\"daily\","
                + "\"limitUsd\":1e2,\"alertThreshold\":\"0.25\"}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"tier\",\"subject\":\"basic\",\"period\":\"daily\","
                + "\"limitUsd\":0.1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"planet\",\"period\":\"monthly\",\"limitUsd\":1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"org\",\"period\":\"yearly\",\"limitUsd\":1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\" user \",\"subject\":\"x\",\"period\":\"daily\",\"limitUsd\":1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"period\":\"daily\",\"limitUsd\":1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"org\",\"limitUsd\":1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"org\",\"period\":\"daily\"}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"user\",\"period\":\"daily\",\"limitUsd\":1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"org\",\"period\":\"daily\",\"limitUsd\":-1}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"org\",\"period\":\"daily\",\"limitUsd\":\"\"}");
        ex("ada", "PUT", "/ai/orgs/acme/budgets", "{\"scope\":\"org\",\"period\":\"daily\",\"limitUsd\":1,\"zone\":\"Mars/Base\"}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/budgets", budget, "scope", "subject", "period", "limitUsd", "hard",
                "alertThreshold", "zone", "allowUnpriced");
        ex("ada", "GET", "/ai/orgs/acme/budgets", null);
        ex("ada", "DELETE", "/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly", null);
        ex("ada", "DELETE", "/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly", null);
        ex("ada", "DELETE", "/ai/orgs/acme/budgets?scope=user&subject=mel", null);
        ex("ada", "DELETE", "/ai/orgs/acme/budgets?scope=planet&period=daily", null);
        ex("ada", "DELETE", "/ai/orgs/acme/budgets?scope=org&period=weekly", null);
        ex("ada", "DELETE", "/ai/orgs/acme/budgets?scope=group&subject=ops&period=daily", null);
        ex("ada", "DELETE", "/ai/orgs/acme/budgets?scope=tier&subject=basic&period=daily", null);

        section("templates");
        ex("ada", "POST", "/ai/orgs/acme/templates/greet", "{\"text\":\"Hello {{name}}\"}");
        ex("ada", "POST", "/ai/orgs/acme/templates/greet", "{\"text\":\"Hi there {{name}}\"}");
        ex("ada", "POST", "/ai/orgs/acme/templates/broken", "{\"text\":\"Hi {{name\"}");
        ex("ada", "POST", "/ai/orgs/acme/templates/greet", "{\"text\":\"\"}");
        wrongKinds("ada", "POST", "/ai/orgs/acme/templates/greet", "{\"text\":\"Hey {{name}}\"}", "text");
        ex("ada", "GET", "/ai/orgs/acme/templates/greet", null);
        ex("ada", "GET", "/ai/orgs/acme/templates/nothing", null);

        section("rate limits");
        ex("ada", "GET", "/ai/orgs/acme/rate-limits", null);
        String policy = "{\"userRequestsPerMinute\":40,\"ipRequestsPerMinute\":80,\"orgRequestsPerMinute\":500,"
                + "\"userTokensPerMinute\":10000,\"orgTokensPerMinute\":5000000000,\"userRequestsPerDay\":1000,"
                + "\"orgRequestsPerDay\":20000,\"userKeyChecksPerMinute\":6}";
        ex("ada", "PUT", "/ai/orgs/acme/rate-limits", policy);
        ex("ada", "PUT", "/ai/orgs/acme/rate-limits", "{\"orgRequestsPerMinute\":-1}");
        ex("ada", "PUT", "/ai/orgs/acme/rate-limits", "{\"userTokensPerMinute\":99999999999999999999}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/rate-limits", policy, "userRequestsPerMinute", "ipRequestsPerMinute",
                "orgRequestsPerMinute", "userTokensPerMinute", "orgTokensPerMinute", "userRequestsPerDay",
                "orgRequestsPerDay", "userKeyChecksPerMinute");
        ex("ada", "PUT", "/ai/orgs/acme/rate-limits", "{\"userRequestsPerMinute\":30,\"ipRequestsPerMinute\":60,"
                + "\"orgRequestsPerMinute\":0,\"userTokensPerMinute\":0,\"orgTokensPerMinute\":0,"
                + "\"userRequestsPerDay\":0,\"orgRequestsPerDay\":0,\"userKeyChecksPerMinute\":5}");
        ex("ada", "GET", "/ai/orgs/acme/rate-limits", null);

        section("usage text");
        ex("ada", "GET", "/ai/orgs/acme/usage-text", null);
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\":false}");
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\":true}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\":true}", "storeText");
    }

    private void guardrails() throws Exception {
        section("guardrails");
        String filter = "{\"level\":\"org\",\"name\":\"no salaries\",\"action\":\"block\",\"enabled\":true,"
                + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"salary\"],\"target\":\"INPUT\"}}";
        String id = idOf(ex("gus", "POST", "/ai/orgs/globex/guardrails", filter));
        ex("gus", "GET", "/ai/orgs/globex/guardrails", null);
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"level\":\"user\",\"subject\":\"zed\",\"action\":\"Warn\","
                + "\"enabled\":false,\"rule\":{\"type\":\"time-restriction\",\"from\":\"08:00\",\"to\":\"18:30\","
                + "\"days\":[\"monday\",\"FRIDAY\"],\"zone\":\"Europe/Berlin\"}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"modify\",\"rule\":{\"type\":"
                + "\"output-modifier\",\"replacements\":{\"salary\":\"pay\"}}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"log\",\"name\":\"caps\",\"rule\":"
                + "{\"type\":\"token-limit\",\"maxInputTokens\":\"4000\",\"maxOutputTokens\":500}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\",\"rule\":{\"type\":\"budget-limit\","
                + "\"maxCostPerRequestUsd\":0.25}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\",\"rule\":{\"type\":"
                + "\"model-allowlist\",\"models\":[\"openai/*\"]}}");
        wrongKinds("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, filter, "level", "subject", "name", "action",
                "enabled", "rule");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"level\":\"global\",\"action\":\"block\",\"rule\":"
                + "{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"]}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"level\":\"galaxy\",\"action\":\"block\",\"rule\":"
                + "{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"]}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"explode\",\"rule\":"
                + "{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"]}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"]}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\"}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\",\"rule\":{}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\",\"rule\":{\"type\":\"nope\"}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"modify\",\"rule\":{\"type\":\"rate-limit\","
                + "\"requestsPerMinute\":5}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\",\"rule\":{\"type\":\"content-filter\","
                + "\"blockedTopics\":[\"x\"],\"blockedTopic\":[\"y\"]}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\",\"rule\":{\"type\":\"content-filter\","
                + "\"patterns\":[\"(a)\\\\1\"]}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/" + id, "{\"action\":\"block\",\"rule\":{\"type\":\"token-limit\","
                + "\"maxOutputTokens\":99999999999}}");
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/not-a-uuid", filter);
        ex("gus", "PUT", "/ai/orgs/globex/guardrails/00000000-0000-0000-0000-000000000000", filter);
        ex("gus", "DELETE", "/ai/orgs/globex/guardrails/" + id, null);
        ex("gus", "DELETE", "/ai/orgs/globex/guardrails/" + id, null);
        ex("gus", "GET", "/ai/orgs/globex/guardrails", null);

        section("global guardrails");
        String global = "{\"name\":\"no weapons\",\"action\":\"block\",\"rule\":{\"type\":\"content-filter\","
                + "\"blockedTopics\":[\"bioweapon\"]}}";
        ex("ada", "POST", "/ai/guardrails", global);
        String gid = idOf(ex("root", "POST", "/ai/guardrails", global));
        ex("root", "GET", "/ai/guardrails", null);
        ex("ada", "GET", "/ai/orgs/acme/guardrails", null);
        ex("root", "PUT", "/ai/guardrails/" + gid, "{\"name\":\"no weapons\",\"action\":\"warn\",\"enabled\":false,"
                + "\"rule\":{\"type\":\"model-denylist\",\"models\":[\"openai/gpt-4o\"]}}");
        wrongKinds("root", "PUT", "/ai/guardrails/" + gid, global, "name", "action", "enabled", "rule");
        ex("root", "PUT", "/ai/guardrails/" + gid, "{\"level\":\"org\",\"subject\":\"x\",\"action\":\"block\","
                + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"]}}");
        ex("root", "PUT", "/ai/guardrails/00000000-0000-0000-0000-000000000000", global);
        ex("root", "DELETE", "/ai/guardrails/" + gid, null);
        ex("root", "DELETE", "/ai/guardrails/" + gid, null);
    }

    private void generate() throws Exception {
        section("generate");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"Say hi to {{name}}\",\"context\":{\"name\":\"Bo\","
                + "\"n\":[1,2.5,{\"deep\":true}]},\"maxOutputTokens\":50,\"temperature\":0.3,\"systemPrompt\":\"Be brief\","
                + "\"feature\":\"wire\",\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\",\"correlationId\":\"wire-1\"}",
                Map.of("x-correlation-id", "header-1"));
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\"}", Map.of("x-correlation-id", "header-2"));
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"Stream please\",\"stream\":true,"
                + "\"correlationId\":\"wire-2\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"template\":\"greet\",\"context\":{\"name\":\"Zed\"}}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"template\":\"greet\",\"templateVersion\":1,"
                + "\"context\":{\"name\":\"Zed\"},\"stream\":false}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"template\":\"nothing\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"template\":\"greet\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"feature\":\"x\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"Hi {{who}}\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"feature\":\"drafts\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"model\":\"gpt-4o\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"temperature\":7}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"maxOutputTokens\":0}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"templateVersion\":3}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"correlationId\":\"" + "c".repeat(200) + "\"}");
        wrongKinds("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"feature\":\"wire\"}", "prompt",
                "template", "templateVersion", "context", "temperature", "feature", "provider", "model",
                "maxOutputTokens", "systemPrompt", "correlationId", "stream");
        ex("gus", "POST", "/ai/orgs/globex/generate", "{\"prompt\":\"hi\"}");
        ex("gus", "POST", "/ai/orgs/globex/generate", "{\"prompt\":\"hi\",\"stream\":true}");
        ex("rae", "POST", "/ai/orgs/throttled/generate", "{\"prompt\":\"one\"}");
        exNow("rae", "POST", "/ai/orgs/throttled/generate", "{\"prompt\":\"two\",\"correlationId\":\"c-2\"}");
        exNow("rae", "POST", "/ai/orgs/throttled/generate", "{\"prompt\":\"three\",\"stream\":true}");
    }

    private void chat() throws Exception {
        section("conversations");
        String id = idOf(ex("mel", "POST", "/ai/orgs/acme/my/conversations", "{\"title\":\"wire\"}"));
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":"
                + "\"image_url\",\"url\":\"https://example.com/cat.png\"}]}],\"conversationId\":\"" + id + "\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"And now?\",\"conversationId\":\"" + id + "\"}");
        ex("mel", "GET", "/ai/orgs/acme/my/conversations/" + id + "?limit=10", null);
        ex("mel", "GET", "/ai/orgs/acme/my/conversations?pageSize=1", null);
        ex("mel", "PATCH", "/ai/orgs/acme/my/conversations/" + id, "{\"title\":\"renamed\"}");
        ex("ada", "GET", "/ai/orgs/acme/conversations", null);
        ex("ada", "GET", "/ai/orgs/acme/my/conversations/" + id, null);
        ex("mel", "GET", "/ai/orgs/acme/conversations", null);
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"conversationId\":\"nope\"}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}");
        ex("mel", "DELETE", "/ai/orgs/acme/my/conversations/" + id, null);
        ex("mel", "GET", "/ai/orgs/acme/my/conversations/" + id, null);

        section("tools and JSON answers");
        String tools = "\"tools\":[{\"name\":\"search\",\"description\":\"Search the wiki\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}}]";
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"Find x\"," + tools + "}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"messages\":[{\"role\":\"user\",\"content\":\"Find x\"},"
                + "{\"role\":\"assistant\",\"toolCalls\":[{\"id\":\"call_1\",\"name\":\"search\",\"arguments\":"
                + "{\"q\":\"x\"}}]},{\"role\":\"tool\",\"toolCallId\":\"call_1\",\"toolName\":\"search\","
                + "\"content\":\"x is 42\"}]," + tools + "}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"JSON please\",\"responseFormat\":{\"type\":"
                + "\"json_schema\",\"name\":\"reply\",\"schema\":{\"type\":\"object\",\"properties\":{\"answer\":"
                + "{\"type\":\"string\"}},\"required\":[\"answer\"],\"additionalProperties\":false}}}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"JSON please\",\"responseFormat\":{\"type\":"
                + "\"json_schema\",\"schema\":{\"type\":\"object\",\"required\":[\"missing\"]}}}");
        ex("mel", "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\",\"responseFormat\":{\"type\":\"xml\"}}");
    }

    private void usage() throws Exception {
        section("usage");
        ex("ada", "GET", "/ai/orgs/acme/usage?pageSize=2", null);
        ex("ada", "GET", "/ai/orgs/acme/usage?feature=wire&status=OK&user=mel&provider=openai&model=gpt-4.1-mini"
                + "&from=2026-11-25&to=2026-11-26T00:00:00Z&text=hi&correlationId=wire-1", null);
        ex("ada", "GET", "/ai/orgs/acme/usage?status=error&pageSize=1", null);
        ex("ada", "GET", "/ai/orgs/acme/usage?status=weird", null);
        ex("ada", "GET", "/ai/orgs/acme/usage?from=yesterday", null);
        ex("ada", "GET", "/ai/orgs/acme/usage?pageSize=0", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/totals", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/totals?feature=nothing", null);
        String first = idOf(ex("ada", "GET", "/ai/orgs/acme/usage?correlationId=wire-1", null));
        ex("ada", "GET", "/ai/orgs/acme/usage/records/" + first, null);
        ex("ada", "GET", "/ai/orgs/acme/usage/records/00000000-0000-0000-0000-000000000000", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/records/not-a-uuid", null);
        ex("mel", "GET", "/ai/orgs/acme/my/usage?pageSize=1", null);
        ex("mel", "GET", "/ai/orgs/acme/my/usage/totals", null);
        ex("mel", "GET", "/ai/orgs/acme/my/usage/records/" + first, null);
        summaries.summarize(LocalDate.of(2026, 11, 25));
        ex("ada", "GET", "/ai/orgs/acme/usage/daily?from=2026-11-25&to=2026-11-25", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/daily?from=someday", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/export?format=csv", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/export?format=jsonl", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/export?format=xml", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/pricing?from=2026-11-25&to=2026-11-26&zone=Europe/Berlin", null);
        ex("ada", "GET", "/ai/orgs/acme/usage/pricing?zone=Mars/Base", null);
        ex("ada", "GET", "/ai/orgs/acme/audit?limit=3", null);
        ex("ada", "GET", "/ai/orgs/acme/audit?action=budget.*&actor=ada", null);
        ex("ada", "GET", "/ai/orgs/acme/audit?limit=0", null);
        ex("gus", "DELETE", "/ai/orgs/globex/usage", null);
        ex("gus", "DELETE", "/ai/orgs/globex/usage?before=2026-11-26", null);
        ex("gus", "DELETE", "/ai/orgs/globex/usage?before=soon", null);
    }

    private void refusals() throws Exception {
        section("refusals");
        ex(null, "GET", "/ai/orgs/acme/providers", null);
        ex(null, "POST", "/ai/orgs/acme/generate", "{\"prompt\":5}");
        ex("mel", "GET", "/ai/orgs/acme/providers", null);
        ex("mel", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\":\"maybe\"}");
        ex("gus", "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":7}");
        ex("root", "GET", "/ai/orgs/nope/models", null);
        ex("ada", "GET", "/ai/orgs/nope/models", null);
        ex("ada", "GET", "/ai/orgs/Not%20An%20Org!/models", null);
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\":true}}");
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\": ");
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "[true]");
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "");
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\":true,\"storeText\":false}");
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"a\":".repeat(120) + "1" + "}".repeat(120));
        ex("ada", "PUT", "/ai/orgs/acme/usage-text", "{\"storeText\":true,\"extra\":" + "[".repeat(99)
                + "]".repeat(99) + "}");
    }

    private void preferences() throws Exception {
        section("preferences");
        String org = "{\"tone\":\"formal, in British English\",\"maxAnswerTokens\":300,\"provider\":\"openai\","
                + "\"model\":\"gpt-4.1-mini\"}";
        ex("ada", "GET", "/ai/orgs/acme/preferences", null);
        ex("ada", "PUT", "/ai/orgs/acme/preferences", org);
        ex("ada", "GET", "/ai/orgs/acme/preferences", null);
        ex("ada", "PUT", "/ai/orgs/acme/preferences", "{\"provider\":\"openai\",\"model\":\"gpt-4o\"}");
        ex("ada", "PUT", "/ai/orgs/acme/preferences", "{\"model\":\"gpt-4.1-mini\"}");
        ex("ada", "PUT", "/ai/orgs/acme/preferences", "{\"maxAnswerTokens\":0}");
        ex("ada", "PUT", "/ai/orgs/acme/preferences", "{\"tone\":\"" + "t".repeat(501) + "\"}");
        wrongKinds("ada", "PUT", "/ai/orgs/acme/preferences", org, "tone", "maxAnswerTokens", "provider", "model");
        ex("ada", "PUT", "/ai/orgs/acme/preferences", org);
        ex("mel", "GET", "/ai/orgs/acme/preferences/me", null);
        ex("mel", "PUT", "/ai/orgs/acme/preferences/me", "{\"tone\":\"casual\\nand short\",\"maxAnswerTokens\":5000}");
        ex("mel", "PUT", "/ai/orgs/acme/preferences/me", "{\"provider\":\"openai\",\"model\":\"gpt-4o\"}");
        wrongKinds("mel", "PUT", "/ai/orgs/acme/preferences/me", "{\"tone\":\"casual\"}", "tone", "maxAnswerTokens");
        ex("ada", "GET", "/ai/orgs/acme/preferences/users/mel", null);
        ex("mel", "GET", "/ai/orgs/acme/preferences/users/ada", null);
        ex("mel", "GET", "/ai/orgs/acme/preferences", null);
        ex("mel", "PUT", "/ai/orgs/acme/preferences", org);
        ex("gus", "PUT", "/ai/orgs/acme/preferences/me", "{\"tone\":\"x\"}");
        ex("mel", "DELETE", "/ai/orgs/acme/preferences/me", null);
        ex("ada", "GET", "/ai/orgs/acme/audit?action=preferences.*&limit=2", null);
        ex("ada", "PUT", "/ai/orgs/acme/preferences", "{}");
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** The same body with {@code field} set to a value of each kind but the right one (and to null). */
    private void wrongKinds(String who, String method, String path, String valid, String... fields) throws Exception {
        List<String> kinds = List.of("null", "\"text\"", "7", "1.5", "99999999999", "true", "[]", "[\"a\",1]", "{}");
        for (String field : fields) {
            for (String value : kinds) {
                String body = valid.contains("\"" + field + "\":")
                        ? replaceField(valid, field, value)
                        : valid.substring(0, valid.length() - 1) + ",\"" + field + "\":" + value + "}";
                ex(who, method, path, body);
            }
        }
    }

    /** {@code json} with the value of its top-level {@code field} replaced (values without nested quotes or braces). */
    private static String replaceField(String json, String field, String value) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(\\{[^}]*\\}|\\[[^\\]]*\\]|\"[^\"]*\"|[^,}]+)")
                .matcher(json);
        assertThat(m.find()).as(field + " in " + json).isTrue();
        return json.substring(0, m.start()) + "\"" + field + "\":" + Matcher.quoteReplacement(value)
                + json.substring(m.end());
    }

    private void section(String name) {
        transcript.append("\n==== ").append(name).append(" ====\n");
    }

    private String ex(String who, String method, String path, String body) throws Exception {
        return ex(who, method, path, body, Map.of());
    }

    /** An exchange in the same instant as the previous one (for rate limits). */
    private String exNow(String who, String method, String path, String body) throws Exception {
        CLOCK.advance(Duration.ofSeconds(-15));
        return ex(who, method, path, body, Map.of());
    }

    /** One exchange, written to the transcript; the clock then moves on 15 s so that no rate limit is reached. */
    private String ex(String who, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        MockHttpServletRequestBuilder request = AdminMvc.request(method, path, body);
        headers.forEach(request::header);
        MockHttpServletResponse r = mvc.call(who == null ? null : USERS.get(who), request);
        CLOCK.advance(Duration.ofSeconds(15));

        String answer = body(r);
        StringBuilder entry = new StringBuilder();
        entry.append(">>> ").append(who == null ? "nobody" : who).append(' ').append(method).append(' ')
                .append(path);
        headers.forEach((k, v) -> entry.append(" [").append(k).append(": ").append(v).append(']'));
        entry.append('\n');
        if (body != null) {
            entry.append(body.length() > 400 ? body.substring(0, 400) + "...(" + body.length() + " chars)" : body)
                    .append('\n');
        }
        entry.append("<<< ").append(r.getStatus()).append(' ').append(r.getContentType());
        for (String header : List.of("x-correlation-id", "Retry-After", "Content-Disposition", "X-Accel-Buffering")) {
            if (r.getHeader(header) != null) {
                entry.append(" [").append(header).append(": ").append(r.getHeader(header)).append(']');
            }
        }
        entry.append('\n');
        String shown = path.contains("/usage/export") && r.getStatus() == 200
                ? "(" + answer.lines().count() + " lines)" : answer;
        entry.append(shown).append('\n');
        transcript.append(normalize(entry.toString()));
        return answer;
    }

    static String normalize(String s) {
        for (Map.Entry<Pattern, String> v : VARYING) {
            s = v.getKey().matcher(s).replaceAll(v.getValue());
        }
        return s;
    }
}
