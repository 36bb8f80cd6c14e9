package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.template.PromptTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs the tool rounds of a request for the host: offers its tools, runs the ones the model asks
 * for, sends their results back, until the model answers without tool calls or the rounds run out.
 * Every round is its own governed call (limits, budget, guardrails, one usage record). Not thread
 * safe while being set up; {@link #run} may be called from many threads afterwards.
 *
 * <pre>{@code
 * JobResult r = ToolLoop.on(job)
 *         .tool(Tool.of("get_weather", "The weather in a city", City.class),
 *               call -> weather.now(call.arguments(City.class)))
 *         .run(JobRequest.builder(org, "Should I take an umbrella in {{city}}?").context(ctx).build());
 * }</pre>
 *
 * <p>Without a conversation each round resends everything so far (the request's messages, its
 * rendered template, each answer and tool result); with one ({@link JobRequest#conversationId()})
 * the conversation keeps the rounds and each round sends only the tool results.
 */
public final class ToolLoop {

    /** Runs one tool call; its return value (often JSON) goes back to the model as the tool's result. */
    @FunctionalInterface
    public interface Handler {
        String call(ToolCall call) throws Exception;
    }

    /** The rounds a loop runs unless told otherwise. */
    public static final int DEFAULT_MAX_ROUNDS = 8;

    private final LLMJob job;
    private final Map<String, Handler> handlers = new LinkedHashMap<>();
    private final List<Tool> tools = new ArrayList<>();
    private int maxRounds = DEFAULT_MAX_ROUNDS;

    private ToolLoop(LLMJob job) {
        this.job = Objects.requireNonNull(job, "job");
    }

    public static ToolLoop on(LLMJob job) {
        return new ToolLoop(job);
    }

    /** Offers {@code tool} in every round and runs {@code handler} when the model calls it. */
    public ToolLoop tool(Tool tool, Handler handler) {
        if (handlers.putIfAbsent(tool.name(), Objects.requireNonNull(handler, "handler")) != null) {
            throw new IllegalArgumentException("a tool named '" + tool.name() + "' is already in this loop");
        }
        tools.add(tool);
        return this;
    }

    /**
     * The most calls the loop makes (default {@value #DEFAULT_MAX_ROUNDS}); when the last one still
     * asks for tools its result is returned as it is ({@link JobResult#hasToolCalls()}).
     */
    public ToolLoop maxRounds(int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("a tool loop needs at least one round");
        }
        this.maxRounds = rounds;
        return this;
    }

    /**
     * Runs the rounds; the result is the last call's.
     *
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a stored template without a
     *                                 conversation (the loop needs the prompt's text to resend it)
     * @throws ToolFailedException     when a handler throws (its exception is the cause); the rounds
     *                                 made so far are recorded
     * @throws AiTenancyException      whatever a round's call throws
     */
    public JobResult run(JobRequest request) {
        boolean conversation = request.conversationId() != null;
        if (request.templateName() != null && !conversation) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "a tool loop resends the prompt each "
                    + "round: give it an inline template or messages, or run it in a conversation");
        }
        List<Tool> offered = new ArrayList<>(request.tools());
        offered.addAll(tools);
        JobRequest current = request.withTools(offered);
        List<Message> sent = new ArrayList<>(request.messages());
        if (request.template() != null) {
            sent.add(Message.user(PromptTemplate.render(request.template(), request.context())));
        }
        for (int round = 1; ; round++) {
            JobResult result = job.run(current);
            if (!result.hasToolCalls() || round >= maxRounds) {
                return result;
            }
            List<Message> results = new ArrayList<>();
            for (ToolCall call : result.toolCalls()) {
                results.add(Message.toolResult(call, run(call)));
            }
            if (conversation) {
                current = current.withMessages(results);
            } else {
                sent.add(Message.assistant(result.text(), result.toolCalls()));
                sent.addAll(results);
                current = current.withMessages(List.copyOf(sent));
            }
        }
    }

    private String run(ToolCall call) {
        Handler handler = handlers.get(call.name());
        if (handler == null) { // the model may name a tool the request offered but the loop cannot run
            return "{\"error\":\"no tool named " + call.name() + " can be run here\"}";
        }
        try {
            String out = handler.call(call);
            return out == null ? "" : out;
        } catch (Exception e) {
            throw new ToolFailedException(call, e);
        }
    }

    /** A tool's handler failed; the loop stopped. Its cause is the handler's exception. */
    public static final class ToolFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final transient ToolCall call;

        ToolFailedException(ToolCall call, Exception cause) {
            super("tool " + call.name() + " (call " + call.id() + ") failed: " + cause.getClass().getSimpleName(), cause);
            this.call = call;
        }

        /** The call whose handler failed. */
        public ToolCall call() {
            return call;
        }
    }
}
