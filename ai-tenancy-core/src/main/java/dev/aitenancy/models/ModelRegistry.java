package dev.aitenancy.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.internal.Json;
import dev.aitenancy.provider.ProviderId;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Context windows, output caps and list prices of known models. {@link #builtIn()} is the table
 * shipped with the library, derived from LiteLLM's public price table (MIT; see
 * {@code builtin-models.NOTICE.txt} beside it); hosts override or add entries with
 * {@link #with(ModelSpec)}. A model the registry does not know has no price: its cost is unpriced.
 */
public final class ModelRegistry {

    private static final String RESOURCE = "builtin-models.json";
    private static volatile ModelRegistry builtIn;

    private final Map<ModelRef, ModelSpec> specs;

    private ModelRegistry(Map<ModelRef, ModelSpec> specs) {
        this.specs = Map.copyOf(specs);
    }

    /** A registry that knows no model. */
    public static ModelRegistry empty() {
        return new ModelRegistry(Map.of());
    }

    /**
     * The chat models of OpenAI, Anthropic, Gemini and Cohere, and the embedding models of OpenAI,
     * Gemini and Cohere ({@link ModelSpec#kind()}), shipped with this version.
     */
    public static ModelRegistry builtIn() {
        ModelRegistry r = builtIn;
        if (r == null) {
            synchronized (ModelRegistry.class) {
                if (builtIn == null) {
                    builtIn = load();
                }
                r = builtIn;
            }
        }
        return r;
    }

    /** This registry with {@code spec} added or replacing the entry of the same model. */
    public ModelRegistry with(ModelSpec spec) {
        Map<ModelRef, ModelSpec> copy = new LinkedHashMap<>(specs);
        copy.put(spec.ref(), spec);
        return new ModelRegistry(copy);
    }

    public Optional<ModelSpec> find(ModelRef ref) {
        return Optional.ofNullable(specs.get(ref));
    }

    public Collection<ModelSpec> all() {
        return specs.values();
    }

    private static ModelRegistry load() {
        try (InputStream in = ModelRegistry.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the ai-tenancy-core jar");
            }
            Map<ModelRef, ModelSpec> specs = new LinkedHashMap<>();
            for (JsonNode m : Json.MAPPER.readTree(in).path("models")) {
                ModelRef ref = ModelRef.of(ProviderId.of(m.get("provider").asText()), m.get("model").asText());
                specs.put(ref, new ModelSpec(ref, intOrNull(m.get("contextWindow")),
                        positiveOrNull(intOrNull(m.get("maxOutputTokens"))), decimal(m.get("inputPer1M")),
                        decimal(m.get("outputPer1M")), decimal(m.get("cachedInputPer1M")),
                        ModelKind.of(m.path("kind").asText(null))));
            }
            return new ModelRegistry(specs);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
    }

    private static Integer intOrNull(JsonNode n) {
        return n == null || !n.isNumber() ? null : n.asInt();
    }

    private static Integer positiveOrNull(Integer n) {
        return n == null || n <= 0 ? null : n;
    }

    private static BigDecimal decimal(JsonNode n) {
        return n == null || n.isNull() ? null : new BigDecimal(n.asText());
    }
}
