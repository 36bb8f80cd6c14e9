package dev.aitenancy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.internal.Schemas;
import dev.aitenancy.internal.Json;
import dev.aitenancy.provider.ProviderResponse;
import java.util.List;

/** The check of an answer to a request that asked for JSON: it parses, and follows the schema if one was given. */
final class JsonAnswers {

    private JsonAnswers() {
    }

    /**
     * What is wrong with the answer, or null when it is what was asked for (or the request asked for
     * no JSON, or the model asked to call tools instead of answering). The message names the parse
     * error's position or the schema rules broken, never the answer's content.
     */
    static OutputInvalidException check(Admission a, ProviderResponse response, String text) {
        ResponseFormat format = a.request().responseFormat();
        if (format == null || !response.toolCalls().isEmpty()) {
            return null;
        }
        String cut = response.finishReason() == FinishReason.LENGTH
                ? " (the answer was cut at the output cap; raise max output tokens)" : "";
        JsonNode value;
        try {
            value = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return invalid(a, "the answer is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")" + cut);
        }
        if (value == null || !value.isObject()) {
            return invalid(a, "the answer is not a JSON object" + cut);
        }
        if (format.hasSchema()) {
            List<String> problems = Schemas.violations(format.schema(), value);
            if (!problems.isEmpty()) {
                return invalid(a, "the answer does not follow the schema " + format.name() + ": "
                        + String.join("; ", problems) + cut);
            }
        }
        return null;
    }

    private static OutputInvalidException invalid(Admission a, String message) {
        return new OutputInvalidException(a.org().value(), message + "; the raw answer is kept in usage record "
                + a.id().recordId() + " when the org stores text", a.id().recordId());
    }
}
