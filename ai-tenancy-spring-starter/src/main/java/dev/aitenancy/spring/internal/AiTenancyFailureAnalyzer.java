package dev.aitenancy.spring.internal;

import dev.aitenancy.AiTenancyException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an ai-tenancy error at startup (a missing, malformed or wrong master key, an unreachable database)
 * into Spring Boot's "APPLICATION FAILED TO START" report with the error's code and advice.
 */
public class AiTenancyFailureAnalyzer extends AbstractFailureAnalyzer<AiTenancyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, AiTenancyException cause) {
        return new FailureAnalysis("ai-tenancy could not start: " + cause.code() + ": " + cause.getMessage(),
                "Set ai-tenancy.master-key (or the AI_TENANCY_MASTER_KEY environment variable) to a base64 32-byte "
                        + "key or a Tink JSON keyset when the keys live in the database (on a database that already "
                        + "holds keys: the one they were encrypted with), and check the DataSource; the message above "
                        + "says what is wrong.", cause);
    }
}
