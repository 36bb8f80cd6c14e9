package dev.aitenancy.guardrails;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import java.util.LinkedHashSet;
import java.util.Set;

/** Model lists of guardrails: {@code provider/model} or {@code provider/*} entries. */
final class ModelPatterns {

    private ModelPatterns() {
    }

    static Set<String> check(Set<String> models, String kind) {
        if (models == null || models.isEmpty()) {
            throw invalid("a " + kind + " needs at least one model, as provider/model or provider/*");
        }
        Set<String> normalized = new LinkedHashSet<>();
        for (String m : models) {
            int slash = m == null ? -1 : m.indexOf('/');
            if (slash <= 0 || slash == m.length() - 1) {
                throw invalid("'" + m + "' in a " + kind + " is not provider/model or provider/*");
            }
            try {
                normalized.add(ProviderId.of(m.substring(0, slash)).name() + m.substring(slash));
            } catch (IllegalArgumentException e) {
                throw invalid("'" + m + "' in a " + kind + " names no valid provider: " + e.getMessage());
            }
        }
        return Set.copyOf(normalized);
    }

    static boolean matches(Set<String> models, ModelRef model) {
        String provider = model.provider().name();
        return models.contains(provider + "/*") || models.contains(provider + "/" + model.model());
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
    }
}
