package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.aitenancy.Cost;
import dev.aitenancy.JobResult;
import dev.aitenancy.TokenUsage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** The bodies of {@code POST /orgs/{org}/generate}, and the usage and cost shapes usage records share. */
public final class GenerateWire {

    private GenerateWire() {
    }

    /**
     * A call: either {@code prompt} (the template text) or {@code template} (a stored template's
     * name, its latest version unless {@code templateVersion}); {@code context} fills the template's
     * variables; {@code provider}, {@code model}, {@code maxOutputTokens}, {@code temperature},
     * {@code systemPrompt} and {@code feature} as in {@code JobRequest}; {@code correlationId} wins
     * over the {@code x-correlation-id} header; {@code stream: true} answers with server-sent events.
     * {@code messages} go before the rendered prompt (or alone, without a prompt or template);
     * {@code conversationId} continues one of the caller's conversations; {@code tools} are offered
     * to the model (its tool calls come back in the answer; the endpoint never runs anything);
     * {@code responseFormat} asks for JSON. Fields it does not have are ignored.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record GenerateRequest(String prompt, String template, Integer templateVersion, Map<String, Object> context,
            Double temperature, String feature, String provider, String model, Integer maxOutputTokens,
            String systemPrompt, String correlationId, Boolean stream, List<ChatWire.MessageView> messages,
            String conversationId, List<ChatWire.ToolView> tools, ChatWire.ResponseFormatView responseFormat) {
    }

    /**
     * The part of a generate body read before the rest: its correlation id, which every answer after
     * it echoes (a refusal of another field too).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CorrelationRequest(String correlationId) {
    }

    /** The answer of a call (also the data of a stream's {@code done} event). */
    public record GenerateResult(String text, String provider, String model, TokenUsageView usage, CostView cost,
            CostView billed, Long latencyMillis, String correlationId, String finishReason, String usageRecordId,
            List<ChatWire.ToolCallView> toolCalls) {

        public static GenerateResult of(JobResult r) {
            return new GenerateResult(r.text(), WireJson.string(r.provider()), r.model(), TokenUsageView.of(r.usage()),
                    CostView.of(r.cost()), CostView.of(r.billed()), WireJson.millis(r.latency()), r.correlationId(),
                    WireJson.string(r.finishReason()), WireJson.string(r.usageRecordId()),
                    r.toolCalls().isEmpty() ? null : r.toolCalls().stream().map(ChatWire.ToolCallView::of).toList());
        }
    }

    /** A stream's {@code token} event. */
    public record TokenEventView(String text) {
    }

    /** Token counts ({@code null} when the provider did not say; also a stream's {@code usage} event). */
    public record TokenUsageView(Long inputTokens, Long outputTokens, Long cachedInputTokens) {

        public static TokenUsageView of(TokenUsage u) {
            return new TokenUsageView(u.inputTokens(), u.outputTokens(), u.cachedInputTokens());
        }
    }

    /** An amount of money; the whole object is {@code null} when the call has no price. */
    public record CostView(BigDecimal amount, String currency) {

        public static CostView of(Cost c) {
            return c == null || !c.isPriced() ? null : new CostView(c.amount(), c.currency());
        }
    }
}
