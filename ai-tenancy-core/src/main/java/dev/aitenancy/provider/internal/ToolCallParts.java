package dev.aitenancy.provider.internal;

import dev.aitenancy.chat.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/** One tool call of a stream as its pieces arrive: id and name first, then argument deltas. */
final class ToolCallParts {
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();

    /**
     * The whole calls, in index order. A call the stream never named is dropped; one without an id
     * gets {@code call_<index>} (Gemini's calls have none).
     */
    static List<ToolCall> assemble(SortedMap<Integer, ToolCallParts> parts) {
        List<ToolCall> calls = new ArrayList<>(parts.size());
        parts.forEach((index, p) -> {
            if (p.name != null) {
                calls.add(new ToolCall(p.id != null ? p.id : "call_" + index, p.name, p.arguments.toString()));
            }
        });
        return calls;
    }
}
