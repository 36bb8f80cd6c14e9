package dev.aitenancy.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.internal.Json;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsageRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.function.Function;

/** Writes usage records one at a time as CSV or JSON lines; shared by every sink. */
public final class UsageExport {

    private static final List<String> COLUMNS = List.of("id", "org_id", "user_id", "provider", "model", "feature",
            "tier", "status", "input_tokens", "output_tokens", "cached_tokens", "latency_ms", "cost_usd", "billed_usd",
            "correlation_id",
            "error_code", "error_message", "started_at", "finished_at", "input_text", "output_text", "group_id",
            "guardrails", "tool_calls", "operation", "preferences", "response_model");

    private final Writer out;
    private final ExportFormat format;
    private long written;

    public UsageExport(Writer out, ExportFormat format) {
        this.out = out;
        this.format = format;
        if (format == ExportFormat.CSV) {
            line(COLUMNS, c -> c);
        }
    }

    public void write(UsageRecord r) {
        List<Object> values = java.util.Arrays.asList(r.id(), r.orgId(), r.userId(), r.provider(), r.model(),
                r.feature(), r.tier(), r.status().wireName(), r.usage().inputTokens(), r.usage().outputTokens(),
                r.usage().cachedInputTokens(), r.latency() == null ? null : r.latency().toMillis(),
                r.cost().amount() == null ? null : r.cost().amount().toPlainString(),
                r.billed().amount() == null ? null : r.billed().amount().toPlainString(), r.correlationId(),
                r.errorCode(), r.errorMessage(), r.startedAt(), r.finishedAt(), r.inputText(), r.outputText(),
                r.groupId(), r.guardrails(), r.toolCalls(), r.operation(), r.preferences(),
                r.responseModel());
        if (format == ExportFormat.CSV) {
            line(values, v -> v == null ? "" : csv(v.toString()));
        } else {
            ObjectNode node = Json.MAPPER.createObjectNode();
            for (int i = 0; i < COLUMNS.size(); i++) {
                Object v = values.get(i);
                if (v == null) {
                    node.putNull(COLUMNS.get(i));
                } else if (v instanceof Long l) {
                    node.put(COLUMNS.get(i), l);
                } else {
                    node.put(COLUMNS.get(i), v.toString());
                }
            }
            try {
                out.write(Json.MAPPER.writeValueAsString(node));
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        written++;
    }

    /** Records written so far. */
    public long written() {
        return written;
    }

    private <T> void line(List<T> values, Function<T, String> render) {
        try {
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(render.apply(values.get(i)));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String csv(String v) {
        boolean quote = v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0;
        return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }
}
