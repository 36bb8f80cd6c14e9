package dev.aitenancy.spring.internal;

import dev.aitenancy.ConversationNotFoundException;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.ConversationWire.ConversationDetailView;
import dev.aitenancy.spring.internal.wire.ConversationWire.ConversationPageView;
import dev.aitenancy.spring.internal.wire.ConversationWire.ConversationView;
import dev.aitenancy.spring.internal.wire.ConversationWire.TitleRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Conversations. A member (who may generate) starts, lists, reads, renames and deletes their own
 * under {@code /my/conversations}; the generate endpoint continues one by its {@code conversationId}.
 * An org admin (read permission) lists the org's conversations, headers only, under
 * {@code /conversations}: nobody reads another user's messages. Another user's or org's
 * conversation answers 404 exactly like a missing one.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}")
public class ConversationEndpoints extends AdminEndpoint {

    /** How many messages reading a conversation returns unless {@code limit} says otherwise. */
    static final int DEFAULT_MESSAGES = 100;
    private static final int MAX_MESSAGES = 1_000;
    private static final int MAX_PAGE = 200;

    private final ConversationStore conversations;

    public ConversationEndpoints(AdminSupport support, ConversationStore conversations) {
        super(support);
        this.conversations = conversations;
    }

    /** Starts a conversation for the caller: {@link TitleRequest} (optional), answered with {@link ConversationView}. */
    @PostMapping("/my/conversations")
    public ResponseEntity<byte[]> create(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        String title = raw == null || raw.isBlank() ? null : support.bind(support.body(raw), TitleRequest.class).title();
        Conversation c = conversations.create(a.org(), a.actor(), title);
        return ResponseEntity.status(201).contentType(MediaType.APPLICATION_JSON)
                .body(support.bytes(ConversationView.of(c)));
    }

    /** {@link ConversationPageView} of the caller's conversations ({@code pageSize} 1-200, {@code cursor}). */
    @GetMapping("/my/conversations")
    public ResponseEntity<byte[]> mine(@PathVariable String org, @RequestParam Map<String, String> params,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        return support.ok(ConversationPageView.of(conversations.list(a.org(), a.actor(), cursor(params),
                AdminSupport.intParam("pageSize", params.get("pageSize"), 20, 1, MAX_PAGE))));
    }

    /** {@link ConversationDetailView}: the caller's conversation with its last {@code limit} messages (default 100). */
    @GetMapping("/my/conversations/{id}")
    public ResponseEntity<byte[]> read(@PathVariable String org, @PathVariable String id,
            @RequestParam(required = false) String limit, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        UUID conversation = AdminSupport.uuid("id", id);
        Conversation c = conversations.find(a.org(), a.actor(), conversation)
                .orElseThrow(() -> new ConversationNotFoundException(a.org().value(), conversation));
        int n = AdminSupport.intParam("limit", limit, DEFAULT_MESSAGES, 1, MAX_MESSAGES);
        return support.ok(ConversationDetailView.of(c, conversations.lastMessages(a.org(), a.actor(), conversation, n)));
    }

    /** Renames the caller's conversation: {@link TitleRequest}, answered with {@link ConversationView}. */
    @PatchMapping("/my/conversations/{id}")
    public ResponseEntity<byte[]> rename(@PathVariable String org, @PathVariable String id, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        TitleRequest body = support.bind(support.body(raw), TitleRequest.class);
        return support.ok(ConversationView.of(conversations.rename(a.org(), a.actor(), AdminSupport.uuid("id", id),
                body.title())));
    }

    /** Deletes the caller's conversation and its messages: 204. */
    @DeleteMapping("/my/conversations/{id}")
    public ResponseEntity<byte[]> delete(@PathVariable String org, @PathVariable String id, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        conversations.delete(a.org(), a.actor(), AdminSupport.uuid("id", id));
        return ResponseEntity.noContent().build();
    }

    /** {@link ConversationPageView} of every conversation in the org (headers only), for its admins. */
    @GetMapping("/conversations")
    public ResponseEntity<byte[]> all(@PathVariable String org, @RequestParam Map<String, String> params,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(ConversationPageView.of(conversations.listOrg(a.org(), cursor(params),
                AdminSupport.intParam("pageSize", params.get("pageSize"), 20, 1, MAX_PAGE))));
    }

    private static String cursor(Map<String, String> params) {
        String c = params.get("cursor");
        return c == null || c.isBlank() ? null : c;
    }
}
