package dev.aitenancy.spi;

import dev.aitenancy.guardrails.internal.GuardrailPatterns;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.internal.Json;
import java.util.Objects;

/** Rules shared by guardrail stores: what may be replaced, and the JSON form of a rule. */
public final class StoredGuardrails {

    private StoredGuardrails() {
    }

    /** A saved rule keeps its org and level: moving one would hand it to another org. */
    public static void checkReplaceable(Guardrail existing, Guardrail replacement) {
        if (existing != null && (!Objects.equals(existing.org(), replacement.org())
                || existing.level() != replacement.level())) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST,
                    replacement.org() == null ? null : replacement.org().value(), "guardrail " + replacement.id()
                            + " belongs to another org or level; create a new guardrail instead of moving it");
        }
    }

    /** The rule as JSON, with its kind as {@code "type"}. */
    public static String toJson(GuardrailRule rule) {
        try {
            return Json.MAPPER.writerFor(GuardrailRule.class).writeValueAsString(rule);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a guardrail rule could not be written as JSON", e);
        }
    }

    /**
     * A rule from its JSON form as a store keeps it. Checks added since the rule was saved do not
     * refuse it: a content-filter pattern that can no longer run is kept, logged once and treated
     * as a match ({@link GuardrailPatterns#readingStored}), so one old rule never makes the org's
     * rules unreadable.
     */
    public static GuardrailRule fromJson(String json) {
        try {
            return GuardrailPatterns.readingStored(() -> Json.MAPPER.readValue(json, GuardrailRule.class));
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidRequestException invalid) {
                throw invalid;
            }
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "a guardrail rule could not be read: " + e.getOriginalMessage());
        }
    }
}
