package dev.aitenancy.keys;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Instant;

/**
 * An audit event: a stored key was decrypted. Carries no key material.
 *
 * @param correlationId the call that needed the key (from the SLF4J MDC), or null outside a call
 */
public record SecretRead(OrgId org, ProviderId provider, String correlationId, Instant at) {
}
