package dev.aitenancy.provider.internal;

import java.util.function.Consumer;

/**
 * Turns lines of a {@code text/event-stream} body into events, following the SSE rules: a blank
 * line ends an event, {@code :} lines are comments, several {@code data:} lines join with
 * {@code \n}, one optional space after the colon is dropped. Line splitting ({@code \n},
 * {@code \r\n}, {@code \r}) is the caller's. Not thread safe; one per stream.
 */
public final class SseParser {

    private final Consumer<SseEvent> sink;
    private String event;
    private StringBuilder data;

    public SseParser(Consumer<SseEvent> sink) {
        this.sink = sink;
    }

    /** Feeds one line without its terminator. */
    public void line(String line) {
        if (line.isEmpty()) {
            dispatch();
            return;
        }
        if (line.charAt(0) == ':') {
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> event = value;
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            default -> {
                // id, retry and unknown fields carry nothing this library needs
            }
        }
    }

    /** Ends the body: an event not yet closed by a blank line is dispatched. */
    public void end() {
        dispatch();
    }

    private void dispatch() {
        if (data != null) {
            SseEvent e = new SseEvent(event, data.toString());
            event = null;
            data = null;
            sink.accept(e);
        } else {
            event = null;
        }
    }
}
