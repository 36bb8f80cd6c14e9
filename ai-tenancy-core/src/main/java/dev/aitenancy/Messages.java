package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.Role;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The messages a call sends, and the input guardrails over the user's text in them. */
final class Messages {

    private Messages() {
    }

    /** The conversation's history, then the request's messages, then the rendered prompt (if any) as a user message. */
    static List<Message> sent(List<Message> history, List<Message> own, String prompt) {
        if (history.isEmpty() && own.isEmpty()) {
            return List.of(Message.user(prompt));
        }
        List<Message> all = new ArrayList<>(history.size() + own.size() + 1);
        all.addAll(history);
        all.addAll(own);
        if (prompt != null) {
            all.add(Message.user(prompt));
        }
        return List.copyOf(all);
    }

    /**
     * Runs the input guardrails over the text parts of every user message (time and token rules
     * once). Returns {@code messages} itself when nothing was rewritten, else a copy with the
     * rewritten texts.
     */
    static List<Message> checked(List<Message> messages, GuardrailCheck guards, long tokens, Instant now) {
        List<String> texts = new ArrayList<>();
        for (Message m : messages) {
            if (m.role() == Role.USER) {
                for (Part p : m.parts()) {
                    if (p instanceof Part.Text t) {
                        texts.add(t.text());
                    }
                }
            }
        }
        List<String> out = guards.checkInputs(texts, tokens, now);
        if (out.equals(texts)) {
            return messages;
        }
        List<Message> rewritten = new ArrayList<>(messages.size());
        int next = 0;
        for (Message m : messages) {
            if (m.role() != Role.USER) {
                rewritten.add(m);
                continue;
            }
            List<Part> parts = new ArrayList<>(m.parts().size());
            for (Part p : m.parts()) {
                parts.add(p instanceof Part.Text ? Part.text(out.get(next++)) : p);
            }
            rewritten.add(new Message(m.role(), parts, m.toolCalls(), m.toolCallId(), m.toolName()));
        }
        return List.copyOf(rewritten);
    }
}
