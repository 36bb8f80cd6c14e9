package dev.aitenancy.provider;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.keys.ApiKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One call to a provider, after the library has resolved the model and the organization's key.
 *
 * @param orgId           the organization the call is made for (for error attribution only)
 * @param model           the provider's model id, e.g. {@code gpt-4.1-mini}
 * @param systemPrompt    optional system instruction (sent before any system messages)
 * @param messages        the conversation to answer, oldest first; not empty
 * @param tools           the tools the model may call (empty for none)
 * @param responseFormat  a JSON answer asked for, or null for text
 * @param maxOutputTokens the output cap, already clamped
 * @param temperature     sampling temperature, or {@code null} to send none
 * @param apiKey          the organization's key for this provider
 * @param correlationId   sent as {@code x-correlation-id}
 * @param timeout         the deadline of the call, retries and backoff included; for a stream, the
 *                        deadline of its first token and then the longest silence allowed between
 *                        events; zero or negative fails at once with {@code AI_PROVIDER_TIMEOUT};
 *                        {@code null} uses the client's {@link ProviderSettings#requestTimeout()}
 * @param attempts        told about each HTTP attempt (the first and every retry); never null
 */
public record ProviderRequest(String orgId, String model, String systemPrompt, List<Message> messages,
        List<Tool> tools, ResponseFormat responseFormat, int maxOutputTokens, Double temperature, ApiKey apiKey,
        String correlationId, Duration timeout, AttemptListener attempts) {

    public ProviderRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(apiKey, "apiKey");
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        tools = tools == null ? List.of() : List.copyOf(tools);
        attempts = attempts == null ? AttemptListener.NONE : attempts;
        if (messages.stream().noneMatch(m -> m.role() != Role.SYSTEM)) {
            throw new IllegalArgumentException("a request needs at least one message that is not a system message");
        }
        if (maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0");
        }
    }

    /** A request without an attempt listener. */
    public ProviderRequest(String orgId, String model, String systemPrompt, List<Message> messages,
            List<Tool> tools, ResponseFormat responseFormat, int maxOutputTokens, Double temperature, ApiKey apiKey,
            String correlationId, Duration timeout) {
        this(orgId, model, systemPrompt, messages, tools, responseFormat, maxOutputTokens, temperature, apiKey,
                correlationId, timeout, AttemptListener.NONE);
    }

    /** A request of one user prompt (and an optional system instruction), as before messages. */
    public ProviderRequest(String orgId, String model, String systemPrompt, String prompt, int maxOutputTokens,
            Double temperature, ApiKey apiKey, String correlationId, Duration timeout) {
        this(orgId, model, systemPrompt, List.of(Message.user(Objects.requireNonNull(prompt, "prompt"))), List.of(),
                null, maxOutputTokens, temperature, apiKey, correlationId, timeout);
    }

    /** The text of the last user message (the prompt of a one-prompt request), or empty. */
    public String prompt() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == Role.USER) {
                return messages.get(i).text();
            }
        }
        return "";
    }

    /**
     * The system instruction and the text of every system message, in order, separated by blank
     * lines; null when there is none. For providers with one system field (Anthropic, Gemini).
     */
    public String systemText() {
        StringBuilder b = new StringBuilder();
        if (systemPrompt != null && !systemPrompt.isBlank()) {
            b.append(systemPrompt);
        }
        for (Message m : messages) {
            if (m.role() == Role.SYSTEM) {
                b.append(b.length() > 0 ? "\n\n" : "").append(m.text());
            }
        }
        return b.length() == 0 ? null : b.toString();
    }

    /** The messages without the system ones, in order. */
    public List<Message> turns() {
        return messages.stream().filter(m -> m.role() != Role.SYSTEM).toList();
    }
}
