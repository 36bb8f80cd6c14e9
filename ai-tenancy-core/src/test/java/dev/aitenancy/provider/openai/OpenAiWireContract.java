package dev.aitenancy.provider.openai;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;

import dev.aitenancy.contract.ProviderContract;
import dev.aitenancy.testing.LoopbackServer.Reply;
import java.time.Duration;

/**
 * The {@link ProviderContract} in OpenAI's Chat Completions wire format (§1 of the wire-format
 * reference), for OpenAI itself and for every compatible endpoint.
 */
public abstract class OpenAiWireContract extends ProviderContract {

    /** An error body in OpenAI's shape. */
    public static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":"
                + (code == null ? "null" : "\"" + code + "\"") + "}}";
    }

    /** One {@code chat.completion.chunk} event; {@code content} and {@code finish} may be null. */
    public static String chunk(String content, String finish) {
        return "data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1-mini-2025-04-14\","
                + "\"choices\":[{\"index\":0,\"delta\":{" + (content == null ? "" : "\"content\":\"" + content + "\"")
                + "},\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}],\"usage\":null}\n\n";
    }

    @Override
    protected Reply answer(String text, long in, long out) {
        return json(200, "{\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion\",\"created\":1753350000,"
                + "\"model\":\"gpt-4.1-mini-2025-04-14\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"" + text + "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + in + ",\"completion_tokens\":" + out
                + ",\"total_tokens\":" + (in + out) + ",\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
    }

    @Override
    protected String streamStart() {
        return "data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n";
    }

    @Override
    protected String streamToken(String text) {
        return chunk(text, null);
    }

    @Override
    protected String streamEnd(long in, long out) {
        return chunk(null, "stop") + "data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + in + ",\"completion_tokens\":" + out
                + ",\"total_tokens\":" + (in + out) + "}}\n\ndata: [DONE]\n\n";
    }

    @Override
    protected String streamServerError() {
        return "data: " + error("The server had an error while processing your request.", "server_error", null) + "\n\n";
    }

    @Override
    protected Reply keyRefused(String echoed) {
        return json(401, error(echoed + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error", "invalid_api_key"));
    }

    @Override
    protected Reply rateLimited(Duration retryAfter) {
        return json(429, error("Rate limit reached for requests", "requests", "rate_limit_exceeded"))
                .header("retry-after-ms", Long.toString(retryAfter.toMillis()));
    }

    @Override
    protected Reply serverError() {
        return json(500, error("The server had an error while processing your request.", "server_error", null));
    }

    @Override
    protected Reply overloaded() {
        return json(503, error("The engine is currently overloaded, please try again later", "server_error", null));
    }

    @Override
    protected Reply unknownModel(String model) {
        return json(404, error("The model `" + model + "` does not exist or you do not have access to it.",
                "invalid_request_error", "model_not_found"));
    }

    @Override
    protected Reply contextTooLong() {
        return json(400, error("This model's maximum context length is 128000 tokens. However, your messages "
                + "resulted in 130000 tokens.", "invalid_request_error", "context_length_exceeded"));
    }

    @Override
    protected Reply keyCheckOk() {
        return json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4.1-mini\",\"object\":\"model\"}]}");
    }
}
