package dev.aitenancy.template;

import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.Objects;

/** One version of an org's named prompt template. Versions start at 1 and only grow. */
public record StoredTemplate(OrgId org, String name, int version, String text, String createdBy, Instant createdAt) {

    public StoredTemplate {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1");
        }
    }
}
