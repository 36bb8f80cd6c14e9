package dev.aitenancy.usage;

import java.util.List;

/**
 * One page of usage records, newest first.
 *
 * @param nextCursor where the next page starts, or null when this is the last page
 */
public record UsagePage(List<UsageRecord> records, String nextCursor) {

    public UsagePage {
        records = List.copyOf(records);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
