package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.ADA;
import static dev.aitenancy.spring.AdminMvc.MEL;
import static dev.aitenancy.spring.AdminMvc.ROOT;
import static dev.aitenancy.spring.AdminMvc.body;
import static dev.aitenancy.spring.AdminMvc.idOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.spring.internal.wire.WireJson;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import java.io.File;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.net.URL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The request and response records of the endpoints, in a real Spring web context whose application
 * has Jackson settings of its own (snake_case names, nulls left out, indented output): fields a body
 * does not know are ignored everywhere but in a guardrail rule, the application's settings change
 * nothing on the endpoints' wire, and the records keep to the shapes that keep keys out.
 */
@EndpointTest(RequestBodiesTest.Config.class)
class RequestBodiesTest {

    @AutoClose
    static final LoopbackServer PROVIDER = FakeOpenAi.start();
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    static final String KEY = "sk-good-bodies-000000000000abcd";
    /** Fields no endpoint knows, among them the snake_case twin of a known one. */
    static final String UNKNOWN = "\"unknownField\":{\"nested\":[1,{\"deep\":null}]},\"store_text\":false,"
            + "\"api_key\":\"x\",\"max_output_tokens\":\"many\"";

    /** The application's own Jackson settings, for its own controllers. */
    static final JsonMapper HOST_JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL))
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /** A controller of the application. */
    @RestController
    static class HostController {

        record HostView(String someField, String nothing) {
        }

        @GetMapping("/host")
        HostView host() {
            return new HostView("x", null);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(CLOCK, PROVIDER, "acme");
        }

        @Bean
        HostController hostController() {
            return new HostController();
        }

        /** The application's JSON converter takes the place of Spring's default one. */
        @Bean
        WebMvcConfigurer hostJackson() {
            return new WebMvcConfigurer() {
                @Override
                @SuppressWarnings("deprecation") // the one way Spring Boot 3.5 and 4.1 have in common
                public void extendMessageConverters(List<HttpMessageConverter<?>> converters) {
                    HttpMessageConverter<?> host =
                            new org.springframework.http.converter.json.MappingJackson2HttpMessageConverter(HOST_JSON);
                    int jackson = -1;
                    for (int i = 0; i < converters.size() && jackson < 0; i++) {
                        if (converters.get(i).getClass().getSimpleName().contains("Jackson")) {
                            jackson = i;
                        }
                    }
                    converters.removeIf(c -> c.getClass().getSimpleName().contains("Jackson"));
                    converters.add(jackson < 0 ? converters.size() : jackson, host);
                }
            };
        }
    }

    @Autowired
    KeyStore keys;
    @Autowired
    ModelAdmin models;

    AdminMvc mvc;

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
        CLOCK.advance(java.time.Duration.ofMinutes(1));
        TestApp.setUpOrg(models, keys, "acme", KEY, CLOCK.instant());
    }

    // ---- unknown fields -------------------------------------------------------------------------------

    @Test
    void everyBodyIgnoresFieldsItDoesNotKnow() throws Exception {
        String rule = "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"]}";
        String orgGuardrail = idOf(body(mvc.call(ADA, "POST", "/ai/orgs/acme/guardrails",
                "{\"action\":\"warn\"," + rule + "}")));
        String globalGuardrail = idOf(body(mvc.call(ROOT, "POST", "/ai/guardrails", "{\"action\":\"warn\"," + rule + "}")));
        // who, method, path, the body's known fields, and what the answer then says
        List<List<String>> cases = List.of(
                List.of("mel", "POST", "/ai/orgs/acme/generate", "\"prompt\":\"hi\"", "\"text\":\"Hello from fake\""),
                List.of("ada", "PUT", "/ai/orgs/acme/providers/openai", "\"apiKey\":\"" + KEY + "\"", "\"verified\":true"),
                List.of("ada", "POST", "/ai/orgs/acme/providers/openai/verify", "\"apiKey\":\"" + KEY + "\"",
                        "\"valid\":true"),
                List.of("ada", "PUT", "/ai/orgs/acme/models/openai/gpt-4.1-nano", "\"label\":\"Nano\"",
                        "\"label\":\"Nano\""),
                List.of("ada", "PUT", "/ai/orgs/acme/default-provider", "\"provider\":\"openai\"",
                        "{\"defaultProvider\":\"openai\"}"),
                List.of("ada", "PUT", "/ai/orgs/acme/feature-preferences/summaries",
                        "\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\"", "\"maxOutputTokens\":null"),
                List.of("ada", "PUT", "/ai/orgs/acme/fallbacks", "\"models\":[]", "{\"fallbacks\":[]}"),
                List.of("ada", "PUT", "/ai/orgs/acme/features/drafts", "\"enabled\":true",
                        "{\"feature\":\"drafts\",\"enabled\":true}"),
                List.of("ada", "PUT", "/ai/orgs/acme/tiers", "\"tiers\":[]", "{\"tiers\":[]}"),
                List.of("ada", "PUT", "/ai/orgs/acme/tiers/groups/support", "\"tiers\":null",
                        "{\"group\":\"support\",\"tiers\":null}"),
                List.of("ada", "PUT", "/ai/orgs/acme/tiers/users/mel", "\"tiers\":null", "{\"user\":\"mel\",\"tiers\":null}"),
                List.of("ada", "PUT", "/ai/orgs/acme/budgets", "\"scope\":\"org\",\"period\":\"daily\",\"limitUsd\":5",
                        "\"limitUsd\":5,"),
                List.of("ada", "POST", "/ai/orgs/acme/templates/unknown-fields", "\"text\":\"Hi\"", "\"text\":\"Hi\""),
                List.of("ada", "PUT", "/ai/orgs/acme/rate-limits", "\"userRequestsPerMinute\":30",
                        "\"userRequestsPerMinute\":30,"),
                List.of("ada", "PUT", "/ai/orgs/acme/usage-text", "\"storeText\":true", "{\"storeText\":true}"),
                List.of("ada", "POST", "/ai/orgs/acme/guardrails", "\"action\":\"log\"," + rule, "\"action\":\"log\""),
                List.of("ada", "PUT", "/ai/orgs/acme/guardrails/" + orgGuardrail, "\"action\":\"block\"," + rule,
                        "\"action\":\"block\""),
                List.of("root", "POST", "/ai/guardrails", "\"action\":\"log\"," + rule, "\"global\":true"),
                List.of("root", "PUT", "/ai/guardrails/" + globalGuardrail, "\"action\":\"block\",\"level\":\"org\","
                        + "\"subject\":\"x\"," + rule, "\"level\":\"global\""));
        Map<String, RequestPostProcessor> users = Map.of("root", ROOT, "ada", ADA, "mel", MEL);
        List<String> failures = new ArrayList<>();

        for (List<String> c : cases) {
            MockHttpServletResponse r = mvc.call(users.get(c.get(0)), c.get(1), c.get(2), "{" + c.get(3) + "," + UNKNOWN + "}");
            if (r.getStatus() / 100 != 2 || !body(r).contains(c.get(4))) {
                failures.add(c.get(1) + " " + c.get(2) + " -> " + r.getStatus() + " " + body(r));
            }
        }

        assertThat(failures).isEmpty();
        mvc.call(ADA, "DELETE", "/ai/orgs/acme/budgets?scope=org&period=daily", null);
        for (String id : List.of(orgGuardrail, globalGuardrail)) {
            mvc.call(ADA, "DELETE", "/ai/orgs/acme/guardrails/" + id, null);
            mvc.call(ROOT, "DELETE", "/ai/guardrails/" + id, null);
        }
    }

    @Test
    void aGuardrailRuleRefusesFieldsItDoesNotKnow() throws Exception {
        MockHttpServletResponse r = mvc.call(ADA, "POST", "/ai/orgs/acme/guardrails", "{\"action\":\"warn\","
                + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"],\"blockedTopic\":[\"y\"]}}");

        assertThat(r.getStatus()).isEqualTo(400);
        assertThat(body(r)).isEqualTo("{\"code\":\"AI_INVALID_REQUEST\",\"message\":\"field 'rule.blockedTopic' is not "
                + "known here; the known fields are blockedTopics, patterns, target\"}");
    }

    // ---- the application's Jackson settings ----------------------------------------------------------

    @Test
    void theApplicationsJacksonSettingsChangeNothingOnTheWire() throws Exception {
        MockHttpServletResponse host = mvc.call(ADA, "GET", "/host", null);
        MockHttpServletResponse limits = mvc.call(ADA, "GET", "/ai/orgs/acme/rate-limits", null);
        MockHttpServletResponse text = mvc.call(ADA, "PUT", "/ai/orgs/acme/usage-text",
                "{\"storeText\":true,\"store_text\":false}");
        MockHttpServletResponse snakeOnly = mvc.call(ADA, "PUT", "/ai/orgs/acme/usage-text", "{\"store_text\":false}");
        MockHttpServletResponse model = mvc.call(ADA, "PUT", "/ai/orgs/acme/models/openai/gpt-4.1-mini", null);
        MockHttpServletResponse generated = mvc.call(MEL, "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"hi\"}");

        // the application's own controller answers in its settings
        assertThat(body(host)).isEqualTo("{\n  \"some_field\" : \"x\"\n}");
        // the endpoints in theirs: camelCase, nulls kept, one line; and they read camelCase only
        assertThat(body(limits)).isEqualTo("{\"userRequestsPerMinute\":30,\"ipRequestsPerMinute\":60,"
                + "\"orgRequestsPerMinute\":0,\"userTokensPerMinute\":0,\"orgTokensPerMinute\":0,\"userRequestsPerDay\":0,"
                + "\"orgRequestsPerDay\":0,\"userKeyChecksPerMinute\":5}");
        assertThat(body(text)).isEqualTo("{\"storeText\":true}");
        assertThat(snakeOnly.getStatus()).isEqualTo(400);
        assertThat(body(snakeOnly)).isEqualTo("{\"code\":\"AI_INVALID_REQUEST\",\"message\":\"\\\"storeText\\\" is required\"}");
        assertThat(body(model)).startsWith("{\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\",\"label\":null,"
                + "\"maxOutputTokens\":").endsWith(",\"default\":true}");
        assertThat(body(generated)).startsWith("{\"text\":\"Hello from fake\",\"provider\":\"openai\",\"model\":"
                + "\"gpt-4.1-mini\",\"usage\":{\"inputTokens\":12,\"outputTokens\":3,\"cachedInputTokens\":null},");
    }

    // ---- the records ----------------------------------------------------------------------------------

    /** The JSON values a response record may hold besides other records of the wire package. */
    static final Set<Type> PLAIN = Set.of(String.class, Boolean.class, boolean.class, Integer.class, int.class,
            Long.class, long.class, Double.class, double.class, BigDecimal.class, float[].class); // a vector: JSON numbers

    @Test
    void requestRecordsIgnoreUnknownFieldsAndResponseRecordsHoldPlainValuesOnly() throws Exception {
        List<Class<?>> records = wireRecords();
        List<Class<?>> requests = records.stream().filter(c -> c.getSimpleName().endsWith("Request")).toList();
        List<Class<?>> responses = records.stream().filter(c -> !c.getSimpleName().endsWith("Request")).toList();

        assertThat(requests).hasSizeGreaterThanOrEqualTo(15).allSatisfy(c -> assertThat(
                c.getAnnotation(JsonIgnoreProperties.class)).as(c.getSimpleName()).isNotNull()
                .extracting(JsonIgnoreProperties::ignoreUnknown).isEqualTo(true));
        List<String> notPlain = new ArrayList<>();
        for (Class<?> c : responses) {
            for (RecordComponent component : c.getRecordComponents()) {
                if (!plain(component.getGenericType())) {
                    notPlain.add(c.getSimpleName() + "." + component.getName() + ": " + component.getGenericType());
                }
            }
        }
        assertThat(responses).hasSizeGreaterThanOrEqualTo(35);
        assertThat(notPlain).as("response components that are neither JSON values nor wire records").isEmpty();
    }

    /**
     * A JSON value, a wire record, a list or map of them, a guardrail rule (which has its own JSON
     * form), or JSON the caller or model chose (tool arguments, schemas, message content).
     */
    static boolean plain(Type type) {
        if (PLAIN.contains(type) || type == GuardrailRule.class || type == com.fasterxml.jackson.databind.JsonNode.class) {
            return true;
        }
        if (type instanceof Class<?> c) {
            return c.isRecord() && c.getPackageName().equals(WireJson.class.getPackageName());
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
                && (Collection.class.isAssignableFrom(raw) || Map.class.isAssignableFrom(raw))) {
            return Arrays.stream(p.getActualTypeArguments()).allMatch(RequestBodiesTest::plain);
        }
        return false;
    }

    /** Every record of the wire package, nested ones included. */
    static List<Class<?>> wireRecords() throws Exception {
        String pkg = WireJson.class.getPackageName();
        URL dir = WireJson.class.getClassLoader().getResource(pkg.replace('.', '/'));
        assertThat(dir).isNotNull();
        List<Class<?>> out = new ArrayList<>();
        for (File f : new File(dir.toURI()).listFiles((d, name) -> name.endsWith(".class"))) {
            Class<?> c = Class.forName(pkg + "." + f.getName().replace(".class", ""));
            if (c.isRecord()) {
                out.add(c);
            }
        }
        return out;
    }
}
