package dev.aitenancy.memory;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Usage records in this JVM's memory: for tests, demos and hosts that ship records elsewhere. */
public final class InMemoryUsageSink implements UsageSink {

    private final Map<String, Map<UUID, UsageRecord>> byOrg = new ConcurrentHashMap<>();

    @Override
    public void started(UsageRecord record) {
        put(record);
    }

    @Override
    public void finished(UsageRecord record) {
        put(record);
    }

    private void put(UsageRecord record) {
        byOrg.computeIfAbsent(record.orgId(), o -> new ConcurrentHashMap<>()).put(record.id(), record);
    }

    @Override
    public List<UsageRecord> recent(OrgId org, int limit) {
        return byOrg.getOrDefault(org.value(), Map.of()).values().stream()
                .sorted(Comparator.comparing(UsageRecord::startedAt).reversed()
                        .thenComparing(UsageRecord::id))
                .limit(Math.max(0, limit))
                .toList();
    }
}
