package dev.aitenancy.examples.benchmarks.load;

import dev.aitenancy.JobRequest;
import dev.aitenancy.examples.benchmarks.GovernedSetup;
import dev.aitenancy.tenant.Caller;
import java.util.Map;
import java.util.Set;

/**
 * What call number {@code i} asks: 100 orgs with 10 users each, round-robin, a one-line template
 * with one variable, one feature. The bare client sends the same rendered prompt.
 */
final class Workload {

    static final int ORGS = GovernedSetup.ORGS;
    static final int USERS_PER_ORG = GovernedSetup.USERS_PER_ORG;
    static final String FEATURE = "summaries";
    static final String TEMPLATE = "Summarize {{topic}} in three bullets";
    /** The output cap the org's token-limit guardrail sets, which the library sends as max_completion_tokens. */
    static final int MAX_OUTPUT_TOKENS = 400;

    private Workload() {
    }

    static String org(long i) {
        return "org-" + (i % ORGS);
    }

    static String user(long i) {
        return "user-" + (i / ORGS % USERS_PER_ORG);
    }

    static String prompt(long i) {
        return "Summarize ticket " + i + " in three bullets";
    }

    static JobRequest request(long i) {
        return JobRequest.builder(org(i), TEMPLATE)
                .context(Map.of("topic", "ticket " + i))
                .feature(FEATURE)
                .caller(new Caller(user(i), Set.of(), "10.0." + (i % 7) + "." + (i % 250), Set.of()))
                .build();
    }
}
