package dev.aitenancy.spi;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationPage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The keyset position of a conversation in a listing (last activity, id), as an opaque cursor
 * string, and the listing order every {@link dev.aitenancy.conversations.ConversationStore} keeps:
 * the most recent activity first, then the greater id first. Ids compare as unsigned 128-bit
 * numbers, as PostgreSQL and H2 compare their {@code UUID} columns (not as {@link UUID#compareTo},
 * which compares signed halves).
 */
public record ConversationCursor(Instant updatedAt, UUID id) {

    private static final String PREFIX = "conv:";

    /** The listing order: {@link Conversation#updatedAt()} descending, then id descending. */
    public static final Comparator<Conversation> NEWEST_FIRST = Comparator.comparing(Conversation::updatedAt)
            .thenComparing(Conversation::id, ConversationCursor::compareIds).reversed();

    public ConversationCursor {
        java.util.Objects.requireNonNull(updatedAt, "updatedAt");
        java.util.Objects.requireNonNull(id, "id");
    }

    /** The position of {@code c}: the next page starts after it. */
    public static ConversationCursor of(Conversation c) {
        return new ConversationCursor(c.updatedAt(), c.id());
    }

    public String encode() {
        String raw = PREFIX + updatedAt.getEpochSecond() + ":" + updatedAt.getNano() + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a cursor this library did not make
     *                                 for a conversation listing
     */
    public static ConversationCursor decode(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (!raw.startsWith(PREFIX)) {
                throw new IllegalArgumentException("not a conversation cursor");
            }
            String[] parts = raw.substring(PREFIX.length()).split(":", 3);
            UUID id = UUID.fromString(parts[2]);
            if (!id.toString().equals(parts[2])) {
                throw new IllegalArgumentException("not a canonical id");
            }
            return new ConversationCursor(Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                    id);
        } catch (RuntimeException e) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "the page cursor is not valid; start again without a cursor");
        }
    }

    /** Whether {@code c} comes after this position in {@link #NEWEST_FIRST} order. */
    public boolean precedes(Conversation c) {
        int byTime = c.updatedAt().compareTo(updatedAt);
        return byTime < 0 || (byTime == 0 && compareIds(c.id(), id) < 0);
    }

    /**
     * A page of at most {@code limit} conversations out of up to {@code limit + 1} read in
     * {@link #NEWEST_FIRST} order; it has a next cursor only when more were read than fit.
     */
    public static ConversationPage page(List<Conversation> upToOneMore, int limit) {
        boolean more = upToOneMore.size() > limit;
        List<Conversation> page = more ? upToOneMore.subList(0, limit) : upToOneMore;
        return new ConversationPage(page, more ? of(page.get(page.size() - 1)).encode() : null);
    }

    /** Ids as unsigned 128-bit numbers, the order of a database's {@code UUID} column. */
    public static int compareIds(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }
}
