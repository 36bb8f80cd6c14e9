package dev.aitenancy.usage;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.Objects;

/**
 * A filter over one org's audit log; every part but the org is optional. Pages are newest first
 * and continue after the opaque {@code cursor} of the previous {@link AuditPage}.
 *
 * @param actor  only events of this actor (exact)
 * @param action only this action (exact, e.g. {@code model.remove}), or every action starting with
 *               a prefix when it ends in {@code .*} (e.g. {@code model.*})
 * @param from   earliest time, inclusive
 * @param to     latest time, exclusive
 * @param limit  events per page, 1 to 1000
 */
public record AuditQuery(OrgId org, String actor, String action, Instant from, Instant to, int limit, String cursor) {

    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        Objects.requireNonNull(org, "org");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(),
                    "an audit query's limit must be 1 to " + MAX_LIMIT + ", was " + limit);
        }
    }

    /** Every event of the org, 100 a page. */
    public static AuditQuery of(OrgId org) {
        return new AuditQuery(org, null, null, null, null, 100, null);
    }

    public AuditQuery withActor(String a) {
        return new AuditQuery(org, a, action, from, to, limit, cursor);
    }

    /** An exact action, or a prefix ending in {@code .*}. */
    public AuditQuery withAction(String a) {
        return new AuditQuery(org, actor, a, from, to, limit, cursor);
    }

    public AuditQuery between(Instant fromInclusive, Instant toExclusive) {
        return new AuditQuery(org, actor, action, fromInclusive, toExclusive, limit, cursor);
    }

    public AuditQuery withLimit(int n) {
        return new AuditQuery(org, actor, action, from, to, n, cursor);
    }

    /** The next page after {@code page}. */
    public AuditQuery after(AuditPage page) {
        return new AuditQuery(org, actor, action, from, to, limit, page.nextCursor());
    }

    /** The action prefix (without {@code *}) when {@link #action} ends in {@code .*}, else null. */
    public String actionPrefix() {
        return action != null && action.endsWith(".*") ? action.substring(0, action.length() - 1) : null;
    }

    /** Whether an event matches every filter (not the cursor). Implementations may use it. */
    public boolean matches(AuditEvent e) {
        String prefix = actionPrefix();
        return e.org().equals(org)
                && (actor == null || actor.equals(e.actor()))
                && (action == null || (prefix != null ? e.action().startsWith(prefix) : action.equals(e.action())))
                && (from == null || !e.at().isBefore(from))
                && (to == null || e.at().isBefore(to));
    }
}
