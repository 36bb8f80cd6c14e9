package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Everything one call may say. Build with {@link #builder(Object, String)} (a prompt template),
 * {@link #storedTemplate(Object, String)} (one of the org's stored templates) or
 * {@link #messages(Object, List)} (a list of messages); only the org and one of those are required.
 * Messages given with a template come first; the rendered template follows as the last user message.
 *
 * @param org             a {@code String} or {@code UUID} id, an {@link dev.aitenancy.tenant.OrgRef}
 *                        or a JPA entity with an {@code @Id}
 * @param template        the prompt, with {@code {{name}}} placeholders; null when a stored
 *                        template is named instead, or when the messages are the whole input
 * @param templateName    the name of one of the org's stored templates, or null
 * @param templateVersion a pinned version of that template, or null for the latest
 * @param context         values for the placeholders
 * @param caller          user, groups, IP and roles of whoever makes the call
 * @param feature         the host's feature name (routing and accounting), or null
 * @param provider        a provider to use instead of the org's default, or null
 * @param model           a model to use instead of the default, or null
 * @param maxOutputTokens an output cap (clamped to the org's and model's), or null
 * @param temperature     sampling temperature, or null for the provider's default
 * @param systemPrompt    a system instruction, or null
 * @param correlationId   an id to trace the call by, or null to generate one
 * @param timeout         the deadline of the provider step, counted from the first request to the
 *                        provider: retries, backoff and an org's fallbacks all fit inside it, and
 *                        the call ends with {@code AI_PROVIDER_TIMEOUT} when it passes. For a stream
 *                        it is the deadline of the first token, then the longest silence allowed
 *                        between events. Null for each provider client's {@code requestTimeout}.
 * @param messages        messages sent before the rendered template (or alone, without one): earlier
 *                        turns, images, tool results; empty for none
 * @param tools           tools the model may ask the host to call; empty for none
 * @param responseFormat  a JSON answer asked for (checked, readable with {@link JobResult#as}), or
 *                        null for text
 * @param conversationId  a conversation of the caller's (see {@link dev.aitenancy.conversations}):
 *                        its last messages are sent first and the exchange is appended when the
 *                        call succeeds; null for none. Needs a caller with a user id.
 */
public record JobRequest(Object org, String template, String templateName, Integer templateVersion,
        Map<String, ?> context, Caller caller, String feature,
        ProviderId provider, String model, Integer maxOutputTokens, Double temperature, String systemPrompt,
        String correlationId, Duration timeout, List<Message> messages, List<Tool> tools,
        ResponseFormat responseFormat, UUID conversationId) {

    /** Longest correlation id accepted (printable characters only): the usage records index it. */
    public static final int MAX_CORRELATION_ID_LENGTH = 128;
    /** Longest feature name accepted. */
    public static final int MAX_FEATURE_LENGTH = 128;
    /** Longest model id accepted. */
    public static final int MAX_MODEL_LENGTH = 200;
    /** Longest user id accepted (also for {@link Caller#userId()}). */
    public static final int MAX_USER_ID_LENGTH = 256;

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} when a field that is recorded is
     *                                 longer than its limit above, or a correlation id or user id
     *                                 holds control characters
     */
    public JobRequest {
        messages = messages == null ? List.of() : List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        if (template != null && templateName != null) {
            throw new IllegalArgumentException("give either a template text or a stored template name, not both");
        }
        if (template == null && templateName == null && messages.stream().noneMatch(m -> m.role() != Role.SYSTEM)) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "a request needs a template, a "
                    + "stored template name or at least one message that is not a system message");
        }
        if (maxOutputTokens != null && maxOutputTokens <= 0) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "maxOutputTokens must be > 0, was " + maxOutputTokens);
        }
        context = context == null ? Map.of() : context;
        caller = caller == null ? Caller.ANONYMOUS : caller;
        if (conversationId != null && caller.userId() == null) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "a conversation belongs to a "
                    + "user: give the caller's user id with the conversation id");
        }
        Set<String> toolNames = new HashSet<>();
        for (Tool t : tools) {
            if (!toolNames.add(t.name())) {
                throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "two tools are named '"
                        + t.name() + "'; give each tool its own name");
            }
        }
        checkField("correlation id", correlationId, MAX_CORRELATION_ID_LENGTH, true);
        checkField("feature", feature, MAX_FEATURE_LENGTH, true);
        checkField("model", model, MAX_MODEL_LENGTH, true);
        checkField("user id", caller.userId(), MAX_USER_ID_LENGTH, true);
    }

    static void checkField(String name, String value, int max, boolean printable) {
        if (value == null) {
            return;
        }
        if (value.length() > max) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "the " + name + " is "
                    + value.length() + " characters long; at most " + max + " are accepted");
        }
        if (printable && value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "the " + name
                    + " contains control characters; use printable characters only");
        }
    }

    /** The former canonical form: a template or stored template, without messages, tools or JSON. */
    public JobRequest(Object org, String template, String templateName, Integer templateVersion,
            Map<String, ?> context, Caller caller, String feature,
            ProviderId provider, String model, Integer maxOutputTokens, Double temperature, String systemPrompt,
            String correlationId, Duration timeout) {
        this(org, template, templateName, templateVersion, context, caller, feature, provider, model, maxOutputTokens,
                temperature, systemPrompt, correlationId, timeout, List.of(), List.of(), null, null);
    }

    /** This request with {@code input} as its whole input: no template, the same everything else. */
    public JobRequest withMessages(List<Message> input) {
        return new JobRequest(org, null, null, null, context, caller, feature, provider, model, maxOutputTokens,
                temperature, systemPrompt, correlationId, timeout, input, tools, responseFormat, conversationId);
    }

    /** This request with {@code offered} as its tools. */
    public JobRequest withTools(List<Tool> offered) {
        return new JobRequest(org, template, templateName, templateVersion, context, caller, feature, provider, model,
                maxOutputTokens, temperature, systemPrompt, correlationId, timeout, messages, offered, responseFormat,
                conversationId);
    }

    public static Builder builder(Object org, String template) {
        return new Builder(org, Objects.requireNonNull(template, "template"), null);
    }

    /** A request that runs the org's stored template {@code name} (its latest version unless pinned). */
    public static Builder storedTemplate(Object org, String name) {
        return new Builder(org, null, Objects.requireNonNull(name, "name"));
    }

    /** A request whose input is these messages (no template). */
    public static Builder messages(Object org, List<Message> messages) {
        return new Builder(org, null, null).messages(messages);
    }

    /** A request whose input is these messages (no template). */
    public static Builder messages(Object org, Message... messages) {
        return messages(org, List.of(messages));
    }

    /** Builds a {@link JobRequest}. */
    public static final class Builder {
        private final Object org;
        private final String template;
        private final String templateName;
        private Integer templateVersion;
        private Map<String, ?> context = Map.of();
        private Caller caller = Caller.ANONYMOUS;
        private String feature;
        private ProviderId provider;
        private String model;
        private Integer maxOutputTokens;
        private Double temperature;
        private String systemPrompt;
        private String correlationId;
        private Duration timeout;
        private List<Message> messages = List.of();
        private List<Tool> tools = List.of();
        private ResponseFormat responseFormat;
        private UUID conversationId;

        private Builder(Object org, String template, String templateName) {
            this.org = org;
            this.template = template;
            this.templateName = templateName;
        }

        /** Pins a version of the stored template. */
        public Builder templateVersion(int version) {
            this.templateVersion = version;
            return this;
        }

        public Builder context(Map<String, ?> values) {
            this.context = values;
            return this;
        }

        public Builder caller(Caller c) {
            this.caller = c;
            return this;
        }

        /** Shorthand for a caller that is only a user id. */
        public Builder user(String userId) {
            this.caller = Caller.user(userId);
            return this;
        }

        public Builder feature(String name) {
            this.feature = name;
            return this;
        }

        public Builder provider(ProviderId p) {
            this.provider = p;
            return this;
        }

        public Builder provider(String name) {
            this.provider = name == null ? null : ProviderId.of(name);
            return this;
        }

        public Builder model(String m) {
            this.model = m;
            return this;
        }

        public Builder maxOutputTokens(Integer n) {
            this.maxOutputTokens = n;
            return this;
        }

        public Builder temperature(Double t) {
            this.temperature = t;
            return this;
        }

        public Builder systemPrompt(String s) {
            this.systemPrompt = s;
            return this;
        }

        public Builder correlationId(String id) {
            this.correlationId = id;
            return this;
        }

        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        /** Messages sent before the rendered template (or alone). */
        public Builder messages(List<Message> m) {
            this.messages = m;
            return this;
        }

        /** Tools the model may ask to call; the answer's {@link JobResult#toolCalls()} say which. */
        public Builder tools(List<Tool> t) {
            this.tools = t;
            return this;
        }

        public Builder tools(Tool... t) {
            return tools(List.of(t));
        }

        /** Asks for a JSON answer ({@link ResponseFormat#json()}, {@link ResponseFormat#of(Class)}, ...). */
        public Builder responseFormat(ResponseFormat format) {
            this.responseFormat = format;
            return this;
        }

        /** Asks for JSON in the form of {@code type}; read it with {@code result.as(type)}. */
        public Builder responseFormat(Class<?> type) {
            return responseFormat(ResponseFormat.of(type));
        }

        /** Continues one of the caller's conversations (see {@link JobRequest#conversationId()}). */
        public Builder conversation(UUID id) {
            this.conversationId = id;
            return this;
        }

        public JobRequest build() {
            return new JobRequest(org, template, templateName, templateVersion, context, caller, feature, provider, model, maxOutputTokens,
                    temperature, systemPrompt, correlationId, timeout, messages, tools, responseFormat, conversationId);
        }
    }
}
