package dev.aitenancy.spi;

import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.usage.UsageRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/** The keyset position of a usage record (start time, id), as an opaque cursor string. */
public record UsageCursor(Instant startedAt, UUID id) {

    public static UsageCursor of(UsageRecord r) {
        return new UsageCursor(r.startedAt(), r.id());
    }

    public String encode() {
        String raw = startedAt.getEpochSecond() + ":" + startedAt.getNano() + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a cursor this library did not make
     */
    public static UsageCursor decode(String cursor) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":", 3);
            return new UsageCursor(Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                    UUID.fromString(parts[2]));
        } catch (RuntimeException e) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "the page cursor is not valid; start again without a cursor");
        }
    }
}
