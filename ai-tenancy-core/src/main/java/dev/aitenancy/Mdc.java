package dev.aitenancy;

import dev.aitenancy.tenant.OrgId;
import org.slf4j.MDC;

/** Puts the org and correlation id into the MDC and restores what was there. */
record Mdc(String previousOrg, String previousCorrelation) implements AutoCloseable {

    static Mdc of(OrgId org, String correlationId) {
        Mdc m = new Mdc(MDC.get(LLMJob.MDC_ORG), MDC.get(LLMJob.MDC_CORRELATION_ID));
        MDC.put(LLMJob.MDC_ORG, org.value());
        MDC.put(LLMJob.MDC_CORRELATION_ID, correlationId);
        return m;
    }

    @Override
    public void close() {
        restore(LLMJob.MDC_ORG, previousOrg);
        restore(LLMJob.MDC_CORRELATION_ID, previousCorrelation);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
