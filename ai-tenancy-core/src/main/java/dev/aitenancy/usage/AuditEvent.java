package dev.aitenancy.usage;

import dev.aitenancy.keys.SecretRead;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.internal.TimeOrderedIds;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Something an administrator did, or a secret that was read: who, what, on what, when. Never
 * carries key material.
 *
 * @param actor  who did it (an admin's id), or what did it (a correlation id) — null when unknown
 * @param action a stable dotted name, e.g. {@code key.upsert}, {@code key.delete}, {@code secret.read}
 * @param target what it was done to, e.g. the provider {@code openai}
 * @param detail a short free text (never a secret), or null
 */
public record AuditEvent(UUID id, OrgId org, String actor, String action, String target, String detail,
        Instant at) {

    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(at, "at");
    }

    /** An event with a time-ordered id, so events of one instant keep the order they were made in. */
    public static AuditEvent of(OrgId org, String actor, String action, String target, String detail, Instant at) {
        return new AuditEvent(TimeOrderedIds.next(), org, actor, action, target, detail, at);
    }

    /** The audit event of a decrypted key; the actor is the call that needed it. */
    public static AuditEvent of(SecretRead read) {
        return of(read.org(), read.correlationId(), "secret.read", read.provider().name(), null, read.at());
    }
}
