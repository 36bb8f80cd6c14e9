package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.jsontype.TypeDeserializer;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailRule;
import java.io.IOException;
import java.util.Locale;

/**
 * The bodies of {@code /orgs/{org}/guardrails} and of the global {@code /guardrails}. A rule is
 * {@code GuardrailRule} in its own JSON form, {@code {"type": "content-filter", …}}: unlike the
 * request records around it, a rule refuses fields it does not have, and reads a number given as a
 * string ({@code "maxInputTokens": "4000"}).
 */
public final class GuardrailWire {

    private GuardrailWire() {
    }

    /**
     * An org's guardrail: {@code level} org|tier|group|user (default org) and {@code action}
     * block|warn|modify|log in any case, {@code subject} for tier, group and user guardrails,
     * {@code name}, {@code enabled} (default true), {@code rule}. Other fields are ignored.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record GuardrailRequest(String level, String subject, String name, String action, Boolean enabled,
            @JsonDeserialize(using = RuleJson.class) GuardrailRule rule) {
    }

    /** A global guardrail: as {@link GuardrailRequest} without level and subject (ignored when given). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record GlobalGuardrailRequest(String name, String action, Boolean enabled,
            @JsonDeserialize(using = RuleJson.class) GuardrailRule rule) {
    }

    /** A guardrail; {@code global} true for one that belongs to no org, {@code level} and {@code action} in lower case. */
    public record GuardrailView(String id, String level, String subject, String name, String action, boolean enabled,
            boolean global, GuardrailRule rule) {

        public static GuardrailView of(Guardrail g) {
            return new GuardrailView(g.id().toString(), g.level().name().toLowerCase(Locale.ROOT), g.subject(),
                    g.name(), g.action().wireName(), g.enabled(), g.org() == null, g.rule());
        }
    }

    /** {@code id} as given in the path. */
    public record GuardrailDeletedView(String id, boolean deleted) {
    }

    /**
     * Reads a rule with {@link WireJson#mapper()}, as {@code GuardrailRule}'s annotations define it
     * (not with the stricter request mapper); a value that is not a JSON object is refused as such.
     */
    static final class RuleJson extends JsonDeserializer<GuardrailRule> {

        @Override
        public GuardrailRule deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode rule = ctxt.readTree(p);
            if (!rule.isObject()) {
                throw MismatchedInputException.from(p, GuardrailRule.class, "a rule is a JSON object");
            }
            return WireJson.mapper().treeToValue(rule, GuardrailRule.class);
        }

        /** The rule's {@code type} is read by {@link #deserialize} too, not by the request mapper. */
        @Override
        public Object deserializeWithType(JsonParser p, DeserializationContext ctxt, TypeDeserializer types)
                throws IOException {
            return deserialize(p, ctxt);
        }
    }
}
