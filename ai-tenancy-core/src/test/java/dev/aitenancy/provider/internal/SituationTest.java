package dev.aitenancy.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.ErrorCode;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The status half of the one table of situations and codes, and what it implies for retries. */
class SituationTest {

    @Test
    void eachStatusHasOneSituationWhateverTheProvider() {
        Map<Integer, ErrorCode> byStatus = new TreeMap<>();
        for (int status : new int[] {301, 400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 499, 500, 501, 502, 503,
                504, 529}) {
            byStatus.put(status, Situation.ofStatus(status).code());
        }

        assertThat(byStatus).containsExactlyEntriesOf(new TreeMap<>(Map.ofEntries(
                Map.entry(301, ErrorCode.AI_PROVIDER_PROTOCOL),
                Map.entry(400, ErrorCode.AI_PROVIDER_BAD_REQUEST),
                Map.entry(401, ErrorCode.AI_PROVIDER_AUTH),
                Map.entry(402, ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED),
                Map.entry(403, ErrorCode.AI_PROVIDER_AUTH),
                Map.entry(404, ErrorCode.AI_PROVIDER_BAD_REQUEST),
                Map.entry(408, ErrorCode.AI_PROVIDER_TIMEOUT),
                Map.entry(409, ErrorCode.AI_PROVIDER_UNAVAILABLE),
                Map.entry(413, ErrorCode.AI_PROVIDER_BAD_REQUEST),
                Map.entry(422, ErrorCode.AI_PROVIDER_BAD_REQUEST),
                Map.entry(429, ErrorCode.AI_PROVIDER_RATE_LIMITED),
                Map.entry(499, ErrorCode.AI_PROVIDER_UNAVAILABLE),
                Map.entry(500, ErrorCode.AI_PROVIDER_UNAVAILABLE),
                Map.entry(501, ErrorCode.AI_PROVIDER_BAD_REQUEST),
                Map.entry(502, ErrorCode.AI_PROVIDER_UNAVAILABLE),
                Map.entry(503, ErrorCode.AI_PROVIDER_OVERLOADED),
                Map.entry(504, ErrorCode.AI_PROVIDER_TIMEOUT),
                Map.entry(529, ErrorCode.AI_PROVIDER_OVERLOADED))));
    }

    @Test
    void exactlyTheTransientSituationsAreRetryable() {
        Map<Situation, Boolean> retryable = new TreeMap<>();
        for (Situation s : Situation.values()) {
            retryable.put(s, s.code().retryable());
        }

        assertThat(retryable).containsExactlyEntriesOf(new TreeMap<>(Map.ofEntries(
                Map.entry(Situation.KEY_REFUSED, false),
                Map.entry(Situation.NOT_PERMITTED, false),
                Map.entry(Situation.RATE_LIMITED, true),
                Map.entry(Situation.QUOTA_EXHAUSTED, false),
                Map.entry(Situation.OVERLOADED, true),
                Map.entry(Situation.SERVER_ERROR, true),
                Map.entry(Situation.UNREACHABLE, true),
                Map.entry(Situation.STREAM_CUT, true),
                Map.entry(Situation.PROVIDER_TIMEOUT, true),
                Map.entry(Situation.CONNECT_TIMEOUT, true),
                Map.entry(Situation.DEADLINE_PASSED, true),
                Map.entry(Situation.MODEL_NOT_FOUND, false),
                Map.entry(Situation.CONTEXT_TOO_LONG, false),
                Map.entry(Situation.NOT_FOUND, false),
                Map.entry(Situation.BAD_REQUEST, false),
                Map.entry(Situation.UNREADABLE, false))));
    }
}
