package dev.aitenancy.memory;

import dev.aitenancy.ConversationNotFoundException;
import dev.aitenancy.chat.Message;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationPage;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.conversations.StoredMessage;
import dev.aitenancy.internal.Ids;
import dev.aitenancy.spi.ConversationChecks;
import dev.aitenancy.spi.ConversationCursor;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Conversations in this JVM's memory, for tests, demos and single instances. Each conversation
 * has a lock of its own: appends to one conversation are serialized, appends to different ones run
 * in parallel. Ids are version 7 UUIDs; times are the clock's, cut to microseconds as the JDBC
 * store keeps them.
 */
public final class InMemoryConversationStore implements ConversationStore {

    /** One conversation; every field but the identity is guarded by the entry itself. */
    private static final class Entry {
        final UUID id;
        final OrgId org;
        final String userId;
        final Instant createdAt;
        final List<StoredMessage> messages = new ArrayList<>();
        String title;
        Instant updatedAt;
        boolean deleted;

        Entry(UUID id, OrgId org, String userId, String title, Instant createdAt) {
            this.id = id;
            this.org = org;
            this.userId = userId;
            this.title = title;
            this.createdAt = createdAt;
            this.updatedAt = createdAt;
        }

        /** Call while holding the entry's lock. */
        Conversation header() {
            return new Conversation(id, org, userId, title, createdAt, updatedAt, messages.size());
        }
    }

    private final Map<UUID, Entry> conversations = new ConcurrentHashMap<>();
    private final Clock clock;

    public InMemoryConversationStore() {
        this(Clock.systemUTC());
    }

    public InMemoryConversationStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Conversation create(OrgId org, String userId, String title) {
        ConversationChecks.userId(org, userId);
        ConversationChecks.title(org, title);
        Instant now = ConversationChecks.now(clock);
        Entry e;
        do {
            e = new Entry(Ids.timeOrdered(now.toEpochMilli()), org, userId, title, now);
        } while (conversations.putIfAbsent(e.id, e) != null);
        synchronized (e) {
            return e.header();
        }
    }

    @Override
    public Optional<Conversation> find(OrgId org, String userId, UUID id) {
        ConversationChecks.userId(org, userId);
        Objects.requireNonNull(id, "id");
        Entry e = conversations.get(id);
        if (e == null || !owns(e, org, userId)) {
            return Optional.empty();
        }
        synchronized (e) {
            return e.deleted ? Optional.empty() : Optional.of(e.header());
        }
    }

    @Override
    public List<StoredMessage> lastMessages(OrgId org, String userId, UUID id, int n) {
        ConversationChecks.userId(org, userId);
        ConversationChecks.count(org, "number of messages", n);
        Entry e = owned(org, userId, id);
        synchronized (e) {
            checkNotDeleted(e);
            int size = e.messages.size();
            return List.copyOf(e.messages.subList(Math.max(0, size - n), size));
        }
    }

    @Override
    public void append(OrgId org, String userId, UUID id, List<Message> exchange, UUID usageRecordId) {
        ConversationChecks.userId(org, userId);
        List<Message> messages = ConversationChecks.exchange(org, exchange);
        Entry e = owned(org, userId, id);
        synchronized (e) {
            checkNotDeleted(e);
            Instant now = ConversationChecks.now(clock);
            long seq = e.messages.size();
            for (Message m : messages) {
                e.messages.add(new StoredMessage(++seq, m, usageRecordId, now));
            }
            if (now.isAfter(e.updatedAt)) {
                e.updatedAt = now;
            }
        }
    }

    @Override
    public ConversationPage list(OrgId org, String userId, String cursor, int limit) {
        ConversationChecks.userId(org, userId);
        return page(org, e -> e.userId.equals(userId), cursor, limit);
    }

    @Override
    public ConversationPage listOrg(OrgId org, String cursor, int limit) {
        Objects.requireNonNull(org, "org");
        return page(org, e -> true, cursor, limit);
    }

    private ConversationPage page(OrgId org, Predicate<Entry> filter, String cursor, int limit) {
        ConversationChecks.count(org, "page size", limit);
        ConversationCursor after = cursor == null ? null : ConversationCursor.decode(cursor);
        List<Conversation> matching = new ArrayList<>();
        for (Entry e : conversations.values()) {
            if (e.org.equals(org) && filter.test(e)) {
                synchronized (e) {
                    if (!e.deleted) {
                        matching.add(e.header());
                    }
                }
            }
        }
        return ConversationCursor.page(matching.stream()
                .filter(c -> after == null || after.precedes(c))
                .sorted(ConversationCursor.NEWEST_FIRST)
                .limit(limit + 1L)
                .toList(), limit);
    }

    @Override
    public Conversation rename(OrgId org, String userId, UUID id, String title) {
        ConversationChecks.userId(org, userId);
        ConversationChecks.title(org, title);
        Entry e = owned(org, userId, id);
        synchronized (e) {
            checkNotDeleted(e);
            e.title = title;
            return e.header();
        }
    }

    @Override
    public void delete(OrgId org, String userId, UUID id) {
        ConversationChecks.userId(org, userId);
        Entry e = owned(org, userId, id);
        synchronized (e) {
            checkNotDeleted(e);
            e.deleted = true;
            conversations.remove(id, e);
        }
    }

    @Override
    public long purge(OrgId org, Instant before) {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(before, "before");
        long purged = 0;
        for (Entry e : conversations.values()) {
            if (e.org.equals(org)) {
                synchronized (e) {
                    if (!e.deleted && e.updatedAt.isBefore(before)) {
                        e.deleted = true;
                        conversations.remove(e.id, e);
                        purged++;
                    }
                }
            }
        }
        return purged;
    }

    private static boolean owns(Entry e, OrgId org, String userId) {
        return e.org.equals(org) && e.userId.equals(userId);
    }

    private Entry owned(OrgId org, String userId, UUID id) {
        Objects.requireNonNull(id, "id");
        Entry e = conversations.get(id);
        if (e == null || !owns(e, org, userId)) {
            throw new ConversationNotFoundException(org.value(), id);
        }
        return e;
    }

    /** Call while holding the entry's lock: it may have been deleted since it was looked up. */
    private static void checkNotDeleted(Entry e) {
        if (e.deleted) {
            throw new ConversationNotFoundException(e.org.value(), e.id);
        }
    }
}
