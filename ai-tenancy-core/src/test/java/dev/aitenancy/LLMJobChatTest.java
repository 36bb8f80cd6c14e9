package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule.ContentFilter;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Messages, tools and JSON answers through the whole governed path (limits, guardrails, records). */
class LLMJobChatTest {

    static final String ACME_KEY = "sk-proj-ACMEplanted000111222333444555";
    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final Tool WEATHER = Tool.of("get_weather", "The weather in a city", City.class);

    record City(String city) {
    }

    record Forecast(String city, int celsius) {
    }

    final LoopbackServer server = LoopbackServer.start();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryUsageSink usage = new InMemoryUsageSink();
    final InMemoryGuardrailStore guardrails = new InMemoryGuardrailStore();
    final OpenAiClient openai = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
            .retryPolicy(new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(1)))
            .requestTimeout(Duration.ofSeconds(5)).build());
    final LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).guardrails(guardrails)
            .provider(openai).build();

    LLMJobChatTest() {
        catalog.register(new ModelSpec(MINI, 1_000, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"), null));
        catalog.allow(ACME, MINI, 200).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of(ACME_KEY));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        server.otherwise(req -> json(200, answer("\"Paris.\"", null)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String answer(String content, String toolCalls) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":" + content
                + (toolCalls == null ? "" : ",\"tool_calls\":" + toolCalls) + "},\"finish_reason\":\""
                + (toolCalls == null ? "stop" : "tool_calls") + "\"}],\"usage\":{\"prompt_tokens\":100,"
                + "\"completion_tokens\":50}}";
    }

    JsonNode sent() throws Exception {
        return Json.MAPPER.readTree(server.lastRequest().body());
    }

    UsageRecord lastRecord() {
        return usage.recent(ACME, 1).get(0);
    }

    @Test
    void messagesGoOutBeforeTheRenderedTemplateAndTheRecordKeepsThem() throws Exception {
        JobRequest request = JobRequest.builder(ACME, "And {{what}}?").context(java.util.Map.of("what", "Spain"))
                .messages(List.of(Message.user("Capital of France?"), Message.assistant("Paris.")))
                .systemPrompt("Be brief.").build();

        JobResult r = job.run(request);

        assertThat(r.text()).isEqualTo("Paris.");
        JsonNode m = sent().get("messages");
        assertThat(m).extracting(n -> n.get("role").asText()).containsExactly("system", "user", "assistant", "user");
        assertThat(m.get(3).get("content").asText()).isEqualTo("And Spain?");
        UsageRecord rec = lastRecord();
        assertThat(rec.status()).isEqualTo(UsageStatus.OK);
        assertThat(rec.inputText()).isEqualTo("user: Capital of France?\nassistant: Paris.\nuser: And Spain?");
    }

    @Test
    void aRequestOfMessagesAloneNeedsNoTemplate() throws Exception {
        JobResult r = job.run(JobRequest.messages(ACME, Message.user(Part.text("What is this?"),
                Part.imageUrl("https://example.com/cat.png"))).build());

        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(sent().at("/messages/0/content/1/image_url/url").asText()).isEqualTo("https://example.com/cat.png");
        assertThat(lastRecord().inputText()).isEqualTo("user: What is this? [image]");
        InvalidRequestException none = catchThrowableOfType(InvalidRequestException.class,
                () -> JobRequest.messages(ACME, Message.system("only instructions")).build());
        assertThat(none).hasMessageContaining("at least one message that is not a system message");
    }

    @Test
    void guardrailsSeeEveryUserMessageNotOnlyTheLast() throws Exception {
        guardrails.save(Guardrail.forOrg(ACME, "ssn", ContentFilter.input(List.of(), List.of("\\d{3}-\\d{2}-\\d{4}")),
                GuardrailAction.MODIFY));
        job.run(JobRequest.messages(ACME, Message.user("My number is 123-45-6789."), Message.assistant("Noted."),
                Message.user("And my wife's is 987-65-4321.")).build());
        assertThat(sent().at("/messages/0/content").asText()).isEqualTo("My number is [removed].");
        assertThat(sent().at("/messages/2/content").asText()).isEqualTo("And my wife's is [removed].");

        guardrails.save(Guardrail.forOrg(ACME, "no salaries", ContentFilter.input(List.of("salary"), List.of()),
                GuardrailAction.BLOCK));
        int before = server.requests().size();
        GuardrailBlockedException e = catchThrowableOfType(GuardrailBlockedException.class,
                () -> job.run(JobRequest.messages(ACME, Message.user("What is the CEO's salary?"),
                        Message.assistant("I cannot say."), Message.user("Please?")).build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_GUARDRAIL_BLOCKED);
        assertThat(e).hasMessageContaining("user message 1");
        assertThat(server.requests()).hasSize(before);
    }

    @Test
    void theContextWindowCheckCountsEveryMessage() {
        // the model's window is 1,000 tokens and its output cap 200: a short last message after a long history
        String longTurn = "word ".repeat(900);

        ProviderException e = catchThrowableOfType(ProviderException.class, () -> job.run(JobRequest.messages(ACME,
                Message.user(longTurn), Message.assistant("ok"), Message.user("short")).build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONTEXT_TOO_LONG);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aToolRoundIsTwoGovernedRecordedCalls() throws Exception {
        server.enqueue(json(200, answer("null", "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]")));
        Message question = Message.user("Weather in Paris?");

        JobResult first = job.run(JobRequest.messages(ACME, question).tools(WEATHER).build());

        assertThat(first.hasToolCalls()).isTrue();
        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        ToolCall call = first.toolCalls().get(0);
        assertThat(call.arguments(City.class)).isEqualTo(new City("Paris"));
        assertThat(sent().at("/tools/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(lastRecord().outputText()).isEqualTo("[tool call get_weather {\"city\":\"Paris\"}]");

        JobResult second = job.run(JobRequest.messages(ACME, question, Message.assistant(first.text(), first.toolCalls()),
                Message.toolResult(call, "{\"celsius\":21}")).tools(WEATHER).build());

        assertThat(second.text()).isEqualTo("Paris.");
        assertThat(sent().at("/messages/2/role").asText()).isEqualTo("tool");
        assertThat(sent().at("/messages/2/tool_call_id").asText()).isEqualTo("call_1");
        assertThat(usage.recent(ACME, 10)).hasSize(2).allMatch(rec -> rec.status() == UsageStatus.OK);
    }

    @Test
    void aJsonAnswerIsCheckedAndReadIntoARecord() throws Exception {
        server.enqueue(json(200, answer("\"{\\\"city\\\":\\\"Paris\\\",\\\"celsius\\\":21}\"", null)));

        JobResult r = job.run(JobRequest.builder(ACME, "Weather in Paris as JSON").responseFormat(Forecast.class).build());

        assertThat(r.as(Forecast.class)).isEqualTo(new Forecast("Paris", 21));
        assertThat(sent().at("/response_format/json_schema/name").asText()).isEqualTo("Forecast");
    }

    @Test
    void anAnswerThatBreaksTheSchemaIsATypedErrorWithTheRawAnswerRecordedAndCharged() {
        server.enqueue(json(200, answer("\"{\\\"city\\\":\\\"Paris\\\",\\\"celsius\\\":\\\"warm-secret\\\"}\"", null)));

        OutputInvalidException e = catchThrowableOfType(OutputInvalidException.class,
                () -> job.run(JobRequest.builder(ACME, "Weather as JSON").responseFormat(Forecast.class).build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_OUTPUT_INVALID);
        assertThat(e.getMessage()).contains("does not follow the schema Forecast").contains("/celsius")
                .doesNotContain("warm-secret");
        UsageRecord rec = lastRecord();
        assertThat(e.usageRecordId()).isEqualTo(rec.id());
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.errorCode()).isEqualTo("AI_OUTPUT_INVALID");
        assertThat(rec.outputText()).isEqualTo("{\"city\":\"Paris\",\"celsius\":\"warm-secret\"}");
        assertThat(rec.cost().isPriced()).as("the provider answered: its tokens are charged").isTrue();
    }

    @Test
    void anAnswerThatIsNotJsonIsATypedErrorAndAsNeverHalfFillsAnObject() {
        server.enqueue(json(200, answer("\"Sure! {\\\"city\\\": \\\"Par\"", null)));

        OutputInvalidException e = catchThrowableOfType(OutputInvalidException.class,
                () -> job.run(JobRequest.builder(ACME, "JSON please").responseFormat(ResponseFormat.json()).build()));
        JobResult text = job.run(JobRequest.builder(ACME, "plain").build());
        OutputInvalidException notForecast = catchThrowableOfType(OutputInvalidException.class,
                () -> text.as(Forecast.class));

        assertThat(e).hasMessageContaining("not valid JSON (line 1, column");
        assertThat(notForecast.code()).isEqualTo(ErrorCode.AI_OUTPUT_INVALID);
        assertThat(notForecast.usageRecordId()).isEqualTo(text.usageRecordId());
    }

    @Test
    void aStreamedJsonAnswerIsCheckedWhenItEnds() throws Exception {
        server.enqueue(sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"city\\\":\"},"
                        + "\"finish_reason\":null}]}\n\n",
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\\"Oslo\\\"}\"},\"finish_reason\":\"stop\"}]}\n\n",
                "data: [DONE]\n\n"));
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        StreamHandle h = job.stream(JobRequest.builder(ACME, "JSON").responseFormat(Forecast.class).build(), events::add);

        Throwable failure = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                () -> h.completion().get(10, TimeUnit.SECONDS)).getCause();
        assertThat(failure).isInstanceOf(OutputInvalidException.class).hasMessageContaining("celsius");
        assertThat(events.get(events.size() - 1)).isInstanceOf(JobEvent.Error.class);
        assertThat(lastRecord().errorCode()).isEqualTo("AI_OUTPUT_INVALID");
    }

    static String weatherCall(String id, String city) {
        return answer("null", "[{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":"
                + "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"" + city + "\\\"}\"}}]");
    }

    @Test
    void aToolLoopRunsTheToolsTheModelAsksForUntilItAnswers() throws Exception {
        server.enqueue(json(200, weatherCall("call_1", "Paris")));
        server.enqueue(json(200, weatherCall("call_2", "Oslo")));
        List<String> asked = new CopyOnWriteArrayList<>();

        JobResult r = ToolLoop.on(job).tool(WEATHER, call -> {
            asked.add(call.arguments(City.class).city());
            return "{\"celsius\":" + (asked.size() * 10) + "}";
        }).run(JobRequest.builder(ACME, "Warmer: {{a}} or {{b}}?").context(java.util.Map.of("a", "Paris", "b", "Oslo"))
                .build());

        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(asked).containsExactly("Paris", "Oslo");
        JsonNode last = sent().get("messages");
        assertThat(last).extracting(n -> n.get("role").asText())
                .containsExactly("user", "assistant", "tool", "assistant", "tool");
        assertThat(last.get(0).get("content").asText()).isEqualTo("Warmer: Paris or Oslo?");
        assertThat(last.get(2).get("content").asText()).isEqualTo("{\"celsius\":10}");
        assertThat(last.get(4).get("tool_call_id").asText()).isEqualTo("call_2");
        assertThat(usage.recent(ACME, 10)).as("each round is its own recorded call").hasSize(3);
    }

    @Test
    void aToolLoopStopsAtItsCapAndAFailingToolStopsIt() {
        server.otherwise(req -> json(200, weatherCall("call_x", "Rome")));

        JobResult capped = ToolLoop.on(job).tool(WEATHER, call -> "{}").maxRounds(2)
                .run(JobRequest.messages(ACME, Message.user("loop forever")).build());
        ToolLoop.ToolFailedException failed = catchThrowableOfType(ToolLoop.ToolFailedException.class,
                () -> ToolLoop.on(job).tool(WEATHER, call -> {
                    throw new IllegalStateException("weather service down");
                }).run(JobRequest.messages(ACME, Message.user("weather?")).build()));
        InvalidRequestException stored = catchThrowableOfType(InvalidRequestException.class,
                () -> ToolLoop.on(job).tool(WEATHER, call -> "{}").run(JobRequest.storedTemplate(ACME, "t").build()));

        assertThat(capped.hasToolCalls()).isTrue();
        assertThat(failed.call().id()).isEqualTo("call_x");
        assertThat(failed.getCause()).hasMessage("weather service down");
        assertThat(usage.recent(ACME, 10)).as("2 capped rounds and the failed loop's first").hasSize(3);
        assertThat(stored).hasMessageContaining("inline template or messages");
    }
}
