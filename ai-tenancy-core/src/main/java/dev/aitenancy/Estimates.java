package dev.aitenancy;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.internal.TokenCounter;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.provider.ProviderId;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/** What a call is expected to use before it is made, for limits and reservations; never for billing. */
final class Estimates {

    /**
     * Chat framing of OpenAI's chat format: each message costs 3 tokens besides its content and
     * its role's one, and the answer is primed with 3 more.
     */
    private static final int PER_MESSAGE = 4;
    private static final int REPLY_PRIMING = 3;
    /** What an image is taken to cost when its tokens cannot be counted (about a megapixel on the dearest provider). */
    static final int IMAGE_TOKENS = 1_600;

    private Estimates() {
    }

    /**
     * The input tokens of a call: counted exactly with the model's tokenizer for OpenAI-family
     * models (the chat framing included), else estimated at 4 characters a token.
     */
    record Input(long tokens, boolean exact) {
    }

    static Input input(ResolvedModel model, String systemPrompt, String prompt) {
        return input(model, systemPrompt, List.of(Message.user(prompt)), List.of(), null);
    }

    /**
     * The input tokens of a call of several messages, with its tools and response schema. Exact (for
     * OpenAI-family models) only when it is all text: an image's tokens depend on its size, and are
     * estimated at {@value #IMAGE_TOKENS}; the definitions of tools and schemas are counted as their
     * JSON, which providers reformat, so those calls are estimates too.
     */
    static Input input(ResolvedModel model, String systemPrompt, List<Message> messages, List<Tool> tools,
            ResponseFormat format) {
        TokenCounter counter = Tokenizers.of(model.ref().provider(), model.ref().model());
        ToLongFunction<String> count = counter == null ? Estimates::tokens : counter::count;
        int framing = counter == null ? 0 : PER_MESSAGE;
        long n = counter == null ? 0 : REPLY_PRIMING;
        boolean exact = counter != null;
        if (systemPrompt != null) {
            n += framing + count.applyAsLong(systemPrompt);
        }
        for (Message m : messages) {
            n += framing;
            for (Part p : m.parts()) {
                if (p instanceof Part.Text t) {
                    n += count.applyAsLong(t.text());
                } else {
                    n += IMAGE_TOKENS;
                    exact = false;
                }
            }
            for (ToolCall c : m.toolCalls()) {
                n += count.applyAsLong(c.name()) + count.applyAsLong(c.argumentsJson());
            }
        }
        for (Tool t : tools) {
            n += count.applyAsLong(t.name()) + count.applyAsLong(t.description()) + count.applyAsLong(t.parametersSchema());
            exact = false;
        }
        if (format != null && format.hasSchema()) {
            n += count.applyAsLong(format.schema());
            exact = false;
        }
        return new Input(n, exact);
    }

    /**
     * Refuses, before the provider is called, a call whose exactly counted input and output cap do
     * not fit the model's context window (as the provider would, after a round trip); an estimate
     * never refuses.
     */
    static void checkContextWindow(ResolvedModel model, Input input) {
        Integer window = model.spec() == null ? null : model.spec().contextWindow();
        if (!input.exact() || window == null || input.tokens() + model.maxOutputTokens() <= window) {
            return;
        }
        throw ProviderException.builder(ErrorCode.AI_CONTEXT_TOO_LONG, "the prompt is " + input.tokens()
                        + " tokens and the answer may take " + model.maxOutputTokens() + ", together more than the "
                        + window + " tokens of " + model.ref() + "'s context window; shorten the prompt or lower "
                        + "max output tokens (refused before calling the provider, nothing was charged)")
                .provider(model.ref().provider().name())
                .build();
    }

    /**
     * The most a call can be billed: the input estimate plus the output cap, at the rates it is billed
     * at (its tier's, else the list price); null when the call cannot be priced, never zero.
     */
    static BigDecimal worstCase(ResolvedModel model, Input input) {
        TokenUsage most = TokenUsage.of(input.tokens(), model.maxOutputTokens());
        Cost billed = model.billed(most, model.spec() == null ? Cost.unpriced() : model.spec().cost(most));
        return billed.isPriced() ? billed.amount() : null;
    }

    /** A rough input estimate (4 characters a token). */
    static long tokens(String text) {
        return (text.length() + 3) / 4;
    }

    /** OpenAI's tokenizers, by model name; loaded on first use. */
    static final class Tokenizers {
        private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

        /** One counter per encoding (so what o200k_base's remembers serves every model), loaded on first use. */
        private static final class O200k {
            static final TokenCounter COUNTER = TokenCounter.o200k(REGISTRY.getEncoding(EncodingType.O200K_BASE));
        }

        private static final class Cl100k {
            static final TokenCounter COUNTER = TokenCounter.of(REGISTRY.getEncoding(EncodingType.CL100K_BASE));
        }

        private Tokenizers() {
        }

        /**
         * The tokenizer of an OpenAI-family model served by OpenAI or an OpenAI-compatible
         * endpoint (the same model names), or null: o200k_base for GPT-4o, GPT-4.1, GPT-4.5, GPT-5
         * and the o-series, cl100k_base for GPT-4, GPT-3.5 and the text-embedding models.
         */
        static TokenCounter of(ProviderId provider, String model) {
            if (provider.equals(ProviderId.ANTHROPIC) || provider.equals(ProviderId.GEMINI)
                    || provider.equals(ProviderId.COHERE)) {
                return null;
            }
            Optional<TokenCounter> known = BY_MODEL.get(model);
            if (known != null) {
                return known.orElse(null);
            }
            TokenCounter found = lookUp(model);
            if (BY_MODEL.size() < MAX_MODELS) { // the few model names in use; never grows without bound
                BY_MODEL.put(model, Optional.ofNullable(found));
            }
            return found;
        }

        /** The tokenizers found by model name so far. */
        private static final Map<String, Optional<TokenCounter>> BY_MODEL = new ConcurrentHashMap<>();
        private static final int MAX_MODELS = 256;

        private static TokenCounter lookUp(String model) {
            String m = model.toLowerCase(Locale.ROOT);
            int slash = m.lastIndexOf('/'); // "openai/gpt-4o" on a gateway
            if (slash >= 0) {
                m = m.substring(slash + 1);
            }
            if (m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1")
                    || m.startsWith("gpt-4.5") || m.startsWith("gpt-5") || m.matches("o[1-9](-.*)?")) {
                return O200k.COUNTER;
            }
            if (m.startsWith("gpt-4") || m.startsWith("gpt-3.5") || m.startsWith("text-embedding-")) {
                return Cl100k.COUNTER;
            }
            return null;
        }
    }
}
