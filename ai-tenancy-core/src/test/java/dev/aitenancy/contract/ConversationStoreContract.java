package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.AiTenancyException;
import dev.aitenancy.ConversationNotFoundException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationPage;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.conversations.StoredMessage;
import dev.aitenancy.spi.ConversationCursor;
import dev.aitenancy.spi.UsageCursor;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * What every conversation store must do: keep each exchange whole and in order under concurrent
 * appends, round-trip every kind of message exactly, page by last activity, purge by age, and treat
 * another org's or user's conversation exactly like one that does not exist.
 */
public abstract class ConversationStoreContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);

    /** A new, empty store that reads the time from {@code clock}. */
    protected abstract ConversationStore newStore(Clock clock);

    private ConversationStore store() {
        return newStore(clock);
    }

    @Test
    void aConversationIsCreatedFoundRenamedAndDeleted() {
        ConversationStore store = store();

        Conversation c = store.create(ACME, "ada", "Trip to Rome");
        Conversation untitled = store.create(ACME, "ada", null);

        assertThat(c.id()).isNotNull().isNotEqualTo(untitled.id());
        assertThat(c).isEqualTo(new Conversation(c.id(), ACME, "ada", "Trip to Rome", T0, T0, 0));
        assertThat(untitled.title()).isNull();
        assertThat(store.find(ACME, "ada", c.id())).contains(c);
        assertThat(store.find(ACME, "ada", UUID.randomUUID())).isEmpty();

        clock.advance(Duration.ofMinutes(5));
        Conversation renamed = store.rename(ACME, "ada", c.id(), "Rome, three days");
        assertThat(renamed).isEqualTo(new Conversation(c.id(), ACME, "ada", "Rome, three days", T0, T0, 0));
        assertThat(store.find(ACME, "ada", c.id())).contains(renamed);
        assertThat(store.rename(ACME, "ada", c.id(), null).title()).isNull();
        assertThat(store.find(ACME, "ada", c.id()).orElseThrow().title()).isNull();

        store.delete(ACME, "ada", c.id());

        assertThat(store.find(ACME, "ada", c.id())).isEmpty();
        assertNotFound(() -> store.lastMessages(ACME, "ada", c.id(), 10), c.id());
        assertNotFound(() -> store.append(ACME, "ada", c.id(), exchange("q", "a"), UUID.randomUUID()), c.id());
        assertNotFound(() -> store.rename(ACME, "ada", c.id(), "again"), c.id());
        assertNotFound(() -> store.delete(ACME, "ada", c.id()), c.id());
        assertThat(store.find(ACME, "ada", untitled.id())).contains(untitled);
        assertThat(store.list(ACME, "ada", null, 10).conversations()).containsExactly(untitled);
    }

    @Test
    void lastMessagesAreTheLastNOldestFirstWithTheirSeqUsageRecordAndTime() {
        ConversationStore store = store();
        Conversation c = store.create(ACME, "ada", null);
        assertThat(store.lastMessages(ACME, "ada", c.id(), 5)).isEmpty();
        UUID[] usage = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(1));
            store.append(ACME, "ada", c.id(), exchange("q" + (i + 1), "a" + (i + 1)), usage[i]);
        }

        List<StoredMessage> last3 = store.lastMessages(ACME, "ada", c.id(), 3);

        assertThat(last3).containsExactly(
                new StoredMessage(4, Message.assistant("a2"), usage[1], T0.plusSeconds(2)),
                new StoredMessage(5, Message.user("q3"), usage[2], T0.plusSeconds(3)),
                new StoredMessage(6, Message.assistant("a3"), usage[2], T0.plusSeconds(3)));
        assertThat(store.lastMessages(ACME, "ada", c.id(), 100)).extracting(StoredMessage::seq)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(store.lastMessages(ACME, "ada", c.id(), 100).get(0))
                .isEqualTo(new StoredMessage(1, Message.user("q1"), usage[0], T0.plusSeconds(1)));
        assertThat(store.lastMessages(ACME, "ada", c.id(), 1)).extracting(StoredMessage::seq).containsExactly(6L);
        assertThat(store.find(ACME, "ada", c.id())).contains(
                new Conversation(c.id(), ACME, "ada", null, T0, T0.plusSeconds(3), 6));
    }

    @Test
    void everyKindOfMessageRoundTripsExactly() {
        ConversationStore store = store();
        Conversation c = store.create(ACME, "ada", null);
        ToolCall lookup = new ToolCall("call_1", "lookup", "{ \"q\" : \"cat\", \"n\": [1, 2.50] }");
        ToolCall weather = new ToolCall("call_2", "weather", "{}");
        List<Message> exchange = List.of(
                Message.system("Be brief."),
                Message.user(Part.text("What is in these pictures?"), Part.imageUrl("https://example.com/cat.png"),
                        Part.imageBase64("image/jpeg", "/9j/4AAQSkZJRgABAQ=="),
                        new Part.Image("https://example.com/img?id=7", null, null),
                        new Part.Image("gs://bucket/dog.webp", "image/webp", null)),
                Message.assistant("Let me look them up.", List.of(lookup, weather)),
                Message.assistant(null, List.of(new ToolCall("call_3", "lookup", null))),
                Message.toolResult(lookup, "{\"found\":true}"),
                Message.toolResult("call_2", "weather", "sunny"),
                Message.user("lines\nand \"quotes\", \\ backslash, tab\t, é, 😀 and a NUL \u0000 end"),
                Message.assistant(""),
                new Message(Role.USER, List.of(Part.text("one "), Part.text("two")), null, null, null));
        UUID usage = UUID.randomUUID();
        clock.advance(Duration.ofMillis(1234));

        store.append(ACME, "ada", c.id(), exchange, usage);
        store.append(ACME, "ada", c.id(), List.of(Message.user("no usage record")), null);

        List<StoredMessage> stored = store.lastMessages(ACME, "ada", c.id(), 100);
        assertThat(stored).extracting(StoredMessage::message)
                .containsExactlyElementsOf(concat(exchange, List.of(Message.user("no usage record"))));
        assertThat(stored.subList(0, exchange.size())).allSatisfy(m -> {
            assertThat(m.usageRecordId()).isEqualTo(usage);
            assertThat(m.createdAt()).isEqualTo(T0.plusMillis(1234));
        });
        assertThat(stored.get(exchange.size()).usageRecordId()).isNull();
        Message assistant = stored.get(2).message();
        assertThat(assistant.toolCalls()).containsExactly(lookup, weather);
        assertThat(assistant.toolCalls().get(0).argumentsJson()).isEqualTo("{ \"q\" : \"cat\", \"n\": [1, 2.50] }");
        assertThat(stored.get(3).message().parts()).isEmpty();
        assertThat(stored.get(4).message().toolCallId()).isEqualTo("call_1");
        assertThat(stored.get(4).message().toolName()).isEqualTo("lookup");
        assertThat(stored.get(1).message().images()).containsExactly(
                new Part.Image("https://example.com/cat.png", "image/png", null),
                new Part.Image(null, "image/jpeg", "/9j/4AAQSkZJRgABAQ=="),
                new Part.Image("https://example.com/img?id=7", null, null),
                new Part.Image("gs://bucket/dog.webp", "image/webp", null));
    }

    @Test
    void concurrentAppendsKeepEveryExchangeWholeAndInOrder() throws Exception {
        ConversationStore store = store();
        Conversation c = store.create(ACME, "ada", "busy");
        int threads = 16;
        int exchanges = 10;

        Concurrently.run(threads, t -> {
            for (int e = 0; e < exchanges; e++) {
                store.append(ACME, "ada", c.id(), exchange("t" + t + " e" + e + " asks", "t" + t + " e" + e + " answers"),
                        UUID.nameUUIDFromBytes(("t" + t + " e" + e).getBytes(StandardCharsets.UTF_8)));
            }
        });

        List<StoredMessage> all = store.lastMessages(ACME, "ada", c.id(), 1_000);
        assertThat(all).hasSize(threads * exchanges * 2);
        Map<Integer, Integer> nextOfThread = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < all.size(); i += 2) {
            StoredMessage question = all.get(i);
            StoredMessage answer = all.get(i + 1);
            assertThat(question.seq()).isEqualTo(i + 1L);
            assertThat(answer.seq()).isEqualTo(i + 2L);
            assertThat(question.message().role()).isEqualTo(Role.USER);
            assertThat(answer.message().role()).isEqualTo(Role.ASSISTANT);
            String tag = question.message().text().replace(" asks", "");
            assertThat(answer.message().text()).isEqualTo(tag + " answers");
            UUID usage = UUID.nameUUIDFromBytes(tag.getBytes(StandardCharsets.UTF_8));
            assertThat(question.usageRecordId()).isEqualTo(usage);
            assertThat(answer.usageRecordId()).isEqualTo(usage);
            assertThat(seen.add(tag)).as("appended once: %s", tag).isTrue();
            int thread = Integer.parseInt(tag.substring(1, tag.indexOf(' ')));
            int exchange = Integer.parseInt(tag.substring(tag.indexOf(" e") + 2));
            assertThat(exchange).as("thread %d's exchanges in the order it appended them", thread)
                    .isEqualTo(nextOfThread.getOrDefault(thread, 0));
            nextOfThread.put(thread, exchange + 1);
        }
        assertThat(seen).hasSize(threads * exchanges);
        assertThat(store.find(ACME, "ada", c.id()).orElseThrow().messageCount()).isEqualTo(threads * exchanges * 2L);
        assertThat(store.lastMessages(ACME, "ada", c.id(), 2)).extracting(StoredMessage::seq).containsExactly(319L, 320L);
    }

    @Test
    void anotherOrgOrUserCannotTellTheConversationExistsNorChangeIt() {
        ConversationStore store = store();
        Conversation c = store.create(ACME, "ada", "private");
        clock.advance(Duration.ofSeconds(1));
        store.append(ACME, "ada", c.id(), exchange("secret question", "secret answer"), UUID.randomUUID());
        Conversation before = store.find(ACME, "ada", c.id()).orElseThrow();
        List<StoredMessage> messagesBefore = store.lastMessages(ACME, "ada", c.id(), 10);
        clock.advance(Duration.ofSeconds(1));

        record Stranger(OrgId org, String user) {
        }
        for (Stranger s : List.of(new Stranger(GLOBEX, "ada"), new Stranger(ACME, "bob"),
                new Stranger(GLOBEX, "bob"))) {
            UUID random = UUID.randomUUID();
            assertThat(store.find(s.org(), s.user(), c.id())).isEmpty();
            List<Consumer<UUID>> attempts = List.of(
                    id -> store.lastMessages(s.org(), s.user(), id, 10),
                    id -> store.append(s.org(), s.user(), id, exchange("hijack", "ok"), UUID.randomUUID()),
                    id -> store.rename(s.org(), s.user(), id, "mine now"),
                    id -> store.delete(s.org(), s.user(), id));
            for (Consumer<UUID> attempt : attempts) {
                ConversationNotFoundException theirs = assertNotFound(() -> attempt.accept(c.id()), c.id());
                ConversationNotFoundException none = assertNotFound(() -> attempt.accept(random), random);
                assertThat(theirs.getMessage().replace(c.id().toString(), "<id>"))
                        .isEqualTo(none.getMessage().replace(random.toString(), "<id>"));
                assertThat(theirs.orgId()).isEqualTo(none.orgId()).isEqualTo(s.org().value());
            }
            assertThat(store.list(s.org(), s.user(), null, 10).conversations()).isEmpty();
        }

        assertThat(store.find(ACME, "ada", c.id())).contains(before);
        assertThat(store.lastMessages(ACME, "ada", c.id(), 10)).isEqualTo(messagesBefore);
        assertThat(store.listOrg(GLOBEX, null, 10).conversations()).isEmpty();
        assertThat(store.listOrg(ACME, null, 10).conversations()).containsExactly(before);
    }

    @Test
    void listsShowTheMostRecentlyActiveFirstAndAnAppendMovesAConversationToTheFront() {
        ConversationStore store = store();
        List<Conversation> ada = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ada.add(store.create(ACME, "ada", "ada " + i));
            clock.advance(Duration.ofSeconds(1));
        }
        Conversation bob = store.create(ACME, "bob", "bob's");
        store.create(GLOBEX, "ada", "ada at globex");
        clock.advance(Duration.ofSeconds(1));

        assertThat(titles(store.list(ACME, "ada", null, 10))).containsExactly("ada 4", "ada 3", "ada 2", "ada 1", "ada 0");
        assertThat(store.list(ACME, "ada", null, 10).nextCursor()).isNull();

        store.append(ACME, "ada", ada.get(1).id(), exchange("back again", "welcome"), UUID.randomUUID());

        ConversationPage page = store.list(ACME, "ada", null, 10);
        assertThat(titles(page)).containsExactly("ada 1", "ada 4", "ada 3", "ada 2", "ada 0");
        assertThat(page.conversations().get(0)).isEqualTo(
                new Conversation(ada.get(1).id(), ACME, "ada", "ada 1", T0.plusSeconds(1), T0.plusSeconds(6), 2));
        assertThat(page.hasMore()).isFalse();
        assertThat(titles(store.listOrg(ACME, null, 10)))
                .containsExactly("ada 1", "bob's", "ada 4", "ada 3", "ada 2", "ada 0");
        assertThat(store.listOrg(ACME, null, 10).conversations().get(1)).isEqualTo(bob);
        assertThat(titles(store.list(GLOBEX, "ada", null, 10))).containsExactly("ada at globex");
    }

    @Test
    void pagesOfTwoOverFiveConversationsShowEachOnceInOrder() {
        ConversationStore store = store();
        List<Conversation> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(store.create(ACME, "ada", "ada " + i));
            clock.advance(Duration.ofSeconds(1));
        }
        List<Conversation> expected = new ArrayList<>(created);
        expected.sort(ConversationCursor.NEWEST_FIRST);
        assertThat(expected.get(0)).isEqualTo(created.get(4));

        assertPagesOfTwo((cursor, limit) -> store.list(ACME, "ada", cursor, limit), expected);
        assertPagesOfTwo((cursor, limit) -> store.listOrg(ACME, cursor, limit), expected);
    }

    @Test
    void pagesOfTwoBreakTiesOfTheSameInstantById() {
        ConversationStore store = store();
        List<Conversation> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(store.create(ACME, "ada", "ada " + i));
            all.add(store.create(ACME, "bob", "bob " + i));
        }
        clock.advance(Duration.ofSeconds(1));
        all.add(store.create(ACME, "ada", "ada later"));
        List<Conversation> adas = new ArrayList<>(all.stream().filter(c -> c.userId().equals("ada")).toList());
        adas.sort(ConversationCursor.NEWEST_FIRST);
        all.sort(ConversationCursor.NEWEST_FIRST);

        assertThat(adas).hasSize(4);
        assertPagesOfTwo((cursor, limit) -> store.list(ACME, "ada", cursor, limit), adas);
        assertPagesOfTwo((cursor, limit) -> store.listOrg(ACME, cursor, limit), all);
        assertThat(store.list(ACME, "ada", null, 4).nextCursor()).isNull();
        assertThat(store.list(ACME, "ada", null, 3).nextCursor()).isNotNull();
    }

    @Test
    void aCursorThisLibraryDidNotMakeIsRefused() {
        ConversationStore store = store();
        store.create(ACME, "ada", null);
        String garbage = Base64.getUrlEncoder().encodeToString("conv:x:y:z".getBytes(StandardCharsets.UTF_8));
        String usageCursor = new UsageCursor(T0, UUID.randomUUID()).encode();

        for (String cursor : List.of("not a cursor", "", garbage, usageCursor)) {
            for (ThrowingCallable read : List.<ThrowingCallable>of(() -> store.list(ACME, "ada", cursor, 2),
                    () -> store.listOrg(ACME, cursor, 2))) {
                InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, read);
                assertThat(e).as("cursor %s", cursor).isNotNull();
                assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
                assertThat(e).hasMessage("the page cursor is not valid; start again without a cursor");
            }
        }
    }

    @Test
    void purgeDeletesExactlyTheOrgsConversationsInactiveSinceBefore() {
        ConversationStore store = store();
        Conversation old1 = store.create(ACME, "ada", "old");
        store.append(ACME, "ada", old1.id(), exchange("q", "a"), UUID.randomUUID());
        Conversation old2 = store.create(ACME, "bob", "old too");
        Conversation revived = store.create(ACME, "ada", "old but used again");
        Conversation otherOrg = store.create(GLOBEX, "ada", "globex's old one");
        clock.advance(Duration.ofDays(30));
        store.append(ACME, "ada", revived.id(), exchange("still there?", "yes"), UUID.randomUUID());
        clock.advance(Duration.ofSeconds(1));
        Conversation fresh = store.create(ACME, "ada", "new");

        assertThat(store.purge(ACME, T0)).isZero();
        assertThat(store.purge(ACME, T0.plus(Duration.ofDays(1)))).isEqualTo(2);

        assertThat(store.find(ACME, "ada", old1.id())).isEmpty();
        assertThat(store.find(ACME, "bob", old2.id())).isEmpty();
        assertNotFound(() -> store.lastMessages(ACME, "ada", old1.id(), 10), old1.id());
        assertThat(store.find(ACME, "ada", revived.id()).orElseThrow().messageCount()).isEqualTo(2);
        assertThat(store.find(ACME, "ada", fresh.id())).contains(fresh);
        assertThat(store.find(GLOBEX, "ada", otherOrg.id())).contains(otherOrg);
        assertThat(titles(store.listOrg(ACME, null, 10))).containsExactly("new", "old but used again");
        assertThat(store.purge(ACME, T0.plus(Duration.ofDays(1)))).isZero();
        assertThat(store.purge(ACME, T0.plus(Duration.ofDays(30)))).as("revived at exactly that time").isZero();
        assertThat(store.purge(GLOBEX, fresh.updatedAt())).isEqualTo(1);
        assertThat(store.listOrg(GLOBEX, null, 10).conversations()).isEmpty();
        assertThat(store.listOrg(ACME, null, 10).conversations()).hasSize(2);
    }

    @Test
    void userIdsTitlesCountsAndExchangesAreChecked() {
        ConversationStore store = store();
        Conversation c = store.create(ACME, "ada", "kept");
        String longest = "u".repeat(256);
        String tooLong = "u".repeat(257);

        assertThat(store.create(ACME, longest, "t".repeat(Conversation.MAX_TITLE_LENGTH)).userId()).isEqualTo(longest);
        for (String bad : new String[] {null, "", "   "}) {
            assertInvalid(() -> store.create(ACME, bad, null),
                    "a conversation belongs to a user; give the caller's user id (not blank)");
        }
        assertInvalid(() -> store.create(ACME, tooLong, null),
                "the user id is 257 characters long; at most 256 are accepted");
        assertInvalid(() -> store.create(ACME, "ada\n", null),
                "the user id contains control characters; use printable characters only");
        assertInvalid(() -> store.create(ACME, "ada", "t".repeat(201)),
                "the title is 201 characters long; at most 200 are accepted, shorten it");
        assertInvalid(() -> store.rename(ACME, "ada", c.id(), "t".repeat(201)),
                "the title is 201 characters long; at most 200 are accepted, shorten it");
        assertInvalid(() -> store.find(ACME, " ", c.id()),
                "a conversation belongs to a user; give the caller's user id (not blank)");
        assertInvalid(() -> store.list(ACME, tooLong, null, 10),
                "the user id is 257 characters long; at most 256 are accepted");
        assertInvalid(() -> store.delete(ACME, "ada\u0007", c.id()),
                "the user id contains control characters; use printable characters only");
        assertInvalid(() -> store.lastMessages(ACME, "ada", c.id(), 0),
                "the number of messages must be at least 1, was 0");
        assertInvalid(() -> store.lastMessages(ACME, "ada", c.id(), -3),
                "the number of messages must be at least 1, was -3");
        assertInvalid(() -> store.list(ACME, "ada", null, 0), "the page size must be at least 1, was 0");
        assertInvalid(() -> store.listOrg(ACME, null, 0), "the page size must be at least 1, was 0");
        assertInvalid(() -> store.append(ACME, "ada", c.id(), List.of(), UUID.randomUUID()),
                "an exchange to append needs at least one message");
        assertInvalid(() -> store.append(ACME, "ada", c.id(), null, UUID.randomUUID()),
                "an exchange to append needs at least one message");

        assertThat(store.find(ACME, "ada", c.id())).contains(c);
        assertThat(store.list(ACME, "ada", null, Integer.MAX_VALUE).conversations()).containsExactly(c);
        assertThat(store.lastMessages(ACME, "ada", c.id(), Integer.MAX_VALUE)).isEmpty();
    }

    private static void assertPagesOfTwo(BiFunction<String, Integer, ConversationPage> read, List<Conversation> expected) {
        List<Conversation> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ConversationPage page = read.apply(cursor, 2);
            pages++;
            boolean last = seen.size() + page.conversations().size() == expected.size();
            assertThat(page.conversations()).hasSize(last ? expected.size() - seen.size() : 2);
            assertThat(page.hasMore()).isEqualTo(!last);
            seen.addAll(page.conversations());
            cursor = page.nextCursor();
        } while (cursor != null && pages < 10);
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(pages).isEqualTo((expected.size() + 1) / 2);
    }

    private static ConversationNotFoundException assertNotFound(ThrowingCallable call, UUID id) {
        ConversationNotFoundException e = catchThrowableOfType(ConversationNotFoundException.class, call);
        assertThat(e).as("AI_CONVERSATION_NOT_FOUND expected").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONVERSATION_NOT_FOUND);
        assertThat(e.getMessage()).contains(id.toString());
        return e;
    }

    private static void assertInvalid(ThrowingCallable call, String message) {
        AiTenancyException e = catchThrowableOfType(InvalidRequestException.class, call);
        assertThat(e).as("AI_INVALID_REQUEST expected: %s", message).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(e).hasMessage(message);
    }

    private static List<Message> exchange(String question, String answer) {
        return List.of(Message.user(question), Message.assistant(answer));
    }

    private static List<String> titles(ConversationPage page) {
        return page.conversations().stream().map(Conversation::title).toList();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
