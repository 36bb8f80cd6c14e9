package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.Objects;

/**
 * A filter over one org's usage records; every part but the org is optional. Pages are ordered
 * newest first and continue after an opaque {@code cursor} from the previous {@link UsagePage}.
 *
 * @param from     earliest start, inclusive
 * @param to       latest start, exclusive
 * @param text     case-insensitive search in the stored input, output and error message
 * @param group    only records of callers in this group (one of the ids in {@link UsageRecord#groupId()})
 * @param pageSize records per page, 1 to 1000
 * @param cursor   where the previous page ended, or null for the first page
 */
public record UsageQuery(OrgId org, String provider, String model, String feature, UsageStatus status,
        String userId, Instant from, Instant to, String correlationId, String text, int pageSize, String cursor,
        String group) {

    public static final int MAX_PAGE_SIZE = 1000;

    public UsageQuery {
        Objects.requireNonNull(org, "org");
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("pageSize must be 1 to " + MAX_PAGE_SIZE + ", was " + pageSize);
        }
    }

    /** A query without a group filter. */
    public UsageQuery(OrgId org, String provider, String model, String feature, UsageStatus status, String userId,
            Instant from, Instant to, String correlationId, String text, int pageSize, String cursor) {
        this(org, provider, model, feature, status, userId, from, to, correlationId, text, pageSize, cursor, null);
    }

    /** Everything of the org, 50 records a page. */
    public static UsageQuery of(OrgId org) {
        return new UsageQuery(org, null, null, null, null, null, null, null, null, null, 50, null, null);
    }

    public UsageQuery withProvider(String p) {
        return new UsageQuery(org, p, model, feature, status, userId, from, to, correlationId, text, pageSize, cursor, group);
    }

    public UsageQuery withModel(String m) {
        return new UsageQuery(org, provider, m, feature, status, userId, from, to, correlationId, text, pageSize, cursor, group);
    }

    public UsageQuery withFeature(String f) {
        return new UsageQuery(org, provider, model, f, status, userId, from, to, correlationId, text, pageSize, cursor, group);
    }

    public UsageQuery withStatus(UsageStatus s) {
        return new UsageQuery(org, provider, model, feature, s, userId, from, to, correlationId, text, pageSize, cursor, group);
    }

    /** Only this user's records ("my usage"). */
    public UsageQuery withUser(String u) {
        return new UsageQuery(org, provider, model, feature, status, u, from, to, correlationId, text, pageSize, cursor, group);
    }

    /** Only records of callers in this group. */
    public UsageQuery withGroup(String g) {
        return new UsageQuery(org, provider, model, feature, status, userId, from, to, correlationId, text, pageSize,
                cursor, g);
    }

    public UsageQuery between(Instant fromInclusive, Instant toExclusive) {
        return new UsageQuery(org, provider, model, feature, status, userId, fromInclusive, toExclusive,
                correlationId, text, pageSize, cursor, group);
    }

    public UsageQuery withCorrelationId(String c) {
        return new UsageQuery(org, provider, model, feature, status, userId, from, to, c, text, pageSize, cursor, group);
    }

    public UsageQuery withText(String t) {
        return new UsageQuery(org, provider, model, feature, status, userId, from, to, correlationId, t, pageSize, cursor, group);
    }

    public UsageQuery withPageSize(int n) {
        return new UsageQuery(org, provider, model, feature, status, userId, from, to, correlationId, text, n, cursor, group);
    }

    /** The next page after {@code page}. */
    public UsageQuery after(UsagePage page) {
        return new UsageQuery(org, provider, model, feature, status, userId, from, to, correlationId, text, pageSize,
                page.nextCursor(), group);
    }

    /** Whether a record matches every filter (not the cursor). Implementations may use it. */
    public boolean matches(UsageRecord r) {
        return r.orgId().equals(org.value())
                && (provider == null || provider.equals(r.provider()))
                && (model == null || model.equals(r.model()))
                && (feature == null || feature.equals(r.feature()))
                && (status == null || status == r.status())
                && (userId == null || userId.equals(r.userId()))
                && (group == null || inGroup(r.groupId()))
                && (from == null || !r.startedAt().isBefore(from))
                && (to == null || r.startedAt().isBefore(to))
                && (correlationId == null || correlationId.equals(r.correlationId()))
                && (text == null || contains(r.inputText()) || contains(r.outputText()) || contains(r.errorMessage()));
    }

    private boolean inGroup(String groups) {
        return groups != null && java.util.Arrays.asList(groups.split(",")).contains(group);
    }

    private boolean contains(String field) {
        return field != null && field.toLowerCase(java.util.Locale.ROOT).contains(text.toLowerCase(java.util.Locale.ROOT));
    }
}
