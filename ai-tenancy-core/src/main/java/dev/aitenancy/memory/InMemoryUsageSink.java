package dev.aitenancy.memory;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageSummaries;
import dev.aitenancy.usage.UsageTotals;
import dev.aitenancy.spi.UsageCursor;
import dev.aitenancy.spi.UsageExport;
import java.io.Writer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.TreeMap;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Usage records in this JVM's memory: for tests, demos and hosts that ship records elsewhere. */
public final class InMemoryUsageSink implements UsageLog, UsageSummaries {

    private static final Comparator<UsageRecord> NEWEST_FIRST = Comparator.comparing(UsageRecord::startedAt)
            .thenComparing(UsageRecord::id).reversed();

    private final Map<String, Map<UUID, UsageRecord>> byOrg = new ConcurrentHashMap<>();

    @Override
    public void started(UsageRecord record) {
        records(record.orgId()).putIfAbsent(record.id(), record);
    }

    @Override
    public void finished(UsageRecord record) {
        records(record.orgId()).put(record.id(), record);
    }

    private Map<UUID, UsageRecord> records(String org) {
        return byOrg.computeIfAbsent(org, o -> new ConcurrentHashMap<>());
    }

    @Override
    public java.util.Optional<UsageRecord> find(OrgId org, UUID id) {
        return java.util.Optional.ofNullable(byOrg.getOrDefault(org.value(), Map.of()).get(id));
    }

    @Override
    public UsagePage query(UsageQuery q) {
        UsageCursor after = q.cursor() == null ? null : UsageCursor.decode(q.cursor());
        List<UsageRecord> matching = byOrg.getOrDefault(q.org().value(), Map.of()).values().stream()
                .filter(q::matches)
                .filter(r -> after == null || NEWEST_FIRST.compare(r, probe(after)) > 0)
                .sorted(NEWEST_FIRST)
                .limit(q.pageSize() + 1L)
                .toList();
        boolean more = matching.size() > q.pageSize();
        List<UsageRecord> page = more ? matching.subList(0, q.pageSize()) : matching;
        return new UsagePage(page, more ? UsageCursor.of(page.get(page.size() - 1)).encode() : null);
    }

    @Override
    public UsageTotals totals(UsageQuery q) {
        long requests = 0;
        long in = 0;
        long out = 0;
        long latencySum = 0;
        long latencyCount = 0;
        BigDecimal cost = BigDecimal.ZERO;
        long unpriced = 0;
        for (UsageRecord r : byOrg.getOrDefault(q.org().value(), Map.of()).values()) {
            if (!q.matches(r)) {
                continue;
            }
            requests++;
            in += r.usage().inputTokens() == null ? 0 : r.usage().inputTokens();
            out += r.usage().outputTokens() == null ? 0 : r.usage().outputTokens();
            if (r.latency() != null) {
                latencySum += r.latency().toMillis();
                latencyCount++;
            }
            if (r.cost().isPriced()) {
                cost = cost.add(r.cost().amount());
            } else {
                unpriced++;
            }
        }
        return new UsageTotals(requests, in, out, latencyCount == 0 ? null : (double) latencySum / latencyCount,
                cost, unpriced);
    }

    @Override
    public long export(UsageQuery q, ExportFormat format, Writer out) {
        UsageExport export = new UsageExport(out, format);
        byOrg.getOrDefault(q.org().value(), Map.of()).values().stream()
                .filter(q::matches)
                .sorted(NEWEST_FIRST)
                .forEach(export::write);
        return export.written();
    }

    @Override
    public long purge(OrgId org, Instant before) {
        Map<UUID, UsageRecord> records = byOrg.getOrDefault(org.value(), Map.of());
        long before0 = records.size();
        records.values().removeIf(r -> r.startedAt().isBefore(before));
        return before0 - records.size();
    }

    @Override
    public java.util.SortedSet<OrgId> orgsWithRecordsBefore(Instant before) {
        java.util.SortedSet<OrgId> orgs = new java.util.TreeSet<>();
        byOrg.forEach((org, records) -> {
            if (records.values().stream().anyMatch(r -> r.startedAt().isBefore(before))) {
                orgs.add(OrgId.of(org));
            }
        });
        return orgs;
    }

    private final Map<LocalDate, List<DailySummary>> summaries = new ConcurrentHashMap<>();

    @Override
    public int summarize(LocalDate day) {
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant end = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        record Key(String org, String provider, String model, String user) {
        }
        Map<Key, List<UsageRecord>> groups = new TreeMap<>(Comparator.comparing(Key::org).thenComparing(Key::provider)
                .thenComparing(Key::model).thenComparing(Key::user));
        byOrg.values().forEach(records -> records.values().stream()
                .filter(r -> r.status() != UsageStatus.STARTED && !r.startedAt().isBefore(start)
                        && r.startedAt().isBefore(end))
                .forEach(r -> groups.computeIfAbsent(new Key(r.orgId(), nz(r.provider()), nz(r.model()),
                        nz(r.userId())), k -> new ArrayList<>()).add(r)));
        List<DailySummary> rows = new ArrayList<>();
        groups.forEach((k, rs) -> rows.add(new DailySummary(OrgId.of(k.org()), day, k.provider(), k.model(), k.user(),
                rs.size(), rs.stream().filter(r -> r.status() == UsageStatus.ERROR).count(),
                rs.stream().mapToLong(r -> r.usage().inputTokens() == null ? 0 : r.usage().inputTokens()).sum(),
                rs.stream().mapToLong(r -> r.usage().outputTokens() == null ? 0 : r.usage().outputTokens()).sum(),
                sum(rs, UsageRecord::cost), sum(rs, UsageRecord::billed))));
        summaries.put(day, List.copyOf(rows));
        return rows.size();
    }

    @Override
    public List<DailySummary> daily(OrgId org, LocalDate from, LocalDate to) {
        return summaries.entrySet().stream()
                .filter(e -> !e.getKey().isBefore(from) && !e.getKey().isAfter(to))
                .sorted(Map.Entry.comparingByKey())
                .flatMap(e -> e.getValue().stream())
                .filter(s -> s.org().equals(org))
                .toList();
    }

    @Override
    public List<DailySummary> daily(LocalDate day) {
        return summaries.getOrDefault(day, List.of());
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static BigDecimal sum(List<UsageRecord> rs, java.util.function.Function<UsageRecord, dev.aitenancy.Cost> f) {
        return rs.stream().map(f).filter(dev.aitenancy.Cost::isPriced).map(dev.aitenancy.Cost::amount)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static UsageRecord probe(UsageCursor c) {
        return UsageRecord.builder(c.id(), "-", c.startedAt()).build();
    }
}
