package dev.aitenancy.spi;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.PricingLine;
import dev.aitenancy.usage.PricingReport;
import dev.aitenancy.usage.UsageRecord;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds up the groups of a {@link PricingReport} and turns them into one: every sink feeds it either
 * record by record or with sums its database computed, so the figures agree exactly.
 */
public final class PricingTally {

    /** Digits after the point of the averages. */
    public static final int AVERAGE_SCALE = 10;

    private static final Comparator<PricingLine> MOST_COSTLY = Comparator.comparing(PricingLine::costUsd)
            .thenComparing(PricingLine::billedUsd).reversed()
            .thenComparing(PricingLine::key, Comparator.nullsLast(Comparator.naturalOrder()));

    private final OrgId org;
    private final Instant from;
    private final Instant to;
    private final ZoneId zone;
    private final Map<String, Sum> tiers = new HashMap<>();
    private final Map<String, Sum> users = new HashMap<>();
    private final Map<String, Sum> models = new HashMap<>();
    private final long[] hours = new long[24];

    public PricingTally(OrgId org, Instant from, Instant to, ZoneId zone) {
        check(org, from, to, zone);
        this.org = org;
        this.from = from;
        this.to = to;
        this.zone = zone;
    }

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a missing part or an empty period
     */
    public static void check(OrgId org, Instant from, Instant to, ZoneId zone) {
        if (org == null || from == null || to == null || zone == null) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org == null ? null : org.value(),
                    "a pricing report needs an org, a period (from, to) and a time zone");
        }
        if (!from.isBefore(to)) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(),
                    "a pricing report's period must end after it starts: from " + from + " is not before to " + to);
        }
    }

    /** The key of a record's model line: {@code provider/model}, or null when no model was chosen. */
    public static String modelKey(String provider, String model) {
        return provider == null && model == null ? null : provider + "/" + model;
    }

    /** Adds one finished record. */
    public void add(UsageRecord r) {
        BigDecimal cost = r.cost().amount();
        BigDecimal billed = r.billed().amount();
        tier(r.tier(), 1, cost, billed, cost == null ? 1 : 0, billed == null ? 1 : 0);
        user(r.userId(), 1, cost, billed, cost == null ? 1 : 0, billed == null ? 1 : 0);
        model(modelKey(r.provider(), r.model()), 1, cost, billed, cost == null ? 1 : 0, billed == null ? 1 : 0);
        hour(r.startedAt().atZone(zone).getHour(), 1);
    }

    public void tier(String key, long requests, BigDecimal cost, BigDecimal billed, long unpriced, long unbilled) {
        tiers.computeIfAbsent(nz(key), k -> new Sum()).add(requests, cost, billed, unpriced, unbilled);
    }

    public void user(String key, long requests, BigDecimal cost, BigDecimal billed, long unpriced, long unbilled) {
        users.computeIfAbsent(nz(key), k -> new Sum()).add(requests, cost, billed, unpriced, unbilled);
    }

    public void model(String key, long requests, BigDecimal cost, BigDecimal billed, long unpriced, long unbilled) {
        models.computeIfAbsent(nz(key), k -> new Sum()).add(requests, cost, billed, unpriced, unbilled);
    }

    public void hour(int hourOfDay, long requests) {
        hours[hourOfDay] += requests;
    }

    public PricingReport report() {
        Sum total = new Sum();
        tiers.values().forEach(total::add);
        Sum ofUsers = new Sum();
        users.forEach((k, s) -> {
            if (!k.isEmpty()) {
                ofUsers.add(s);
            }
        });
        List<PricingLine> byUser = lines(users);
        List<PricingLine> named = byUser.stream().filter(l -> l.key() != null).toList();
        long userCount = named.size();
        List<PricingLine> top = named.subList(0, (int) Math.min(userCount, (userCount + 9) / 10));
        List<PricingReport.HourlyRequests> byHour = new ArrayList<>(24);
        for (int h = 0; h < 24; h++) {
            byHour.add(new PricingReport.HourlyRequests(h, hours[h]));
        }
        return new PricingReport(org, from, to, zone, total.line(null), lines(tiers), byUser, lines(models), byHour,
                userCount, average(total.cost, total.requests - total.unpriced),
                average(total.billed, total.requests - total.unbilled), average(ofUsers.cost, userCount),
                average(ofUsers.billed, userCount), top);
    }

    private static List<PricingLine> lines(Map<String, Sum> sums) {
        List<PricingLine> out = new ArrayList<>();
        sums.forEach((k, s) -> out.add(s.line(k.isEmpty() ? null : k)));
        out.sort(MOST_COSTLY);
        return out;
    }

    private static BigDecimal average(BigDecimal sum, long count) {
        return count == 0 ? null
                : strip(sum.divide(BigDecimal.valueOf(count), AVERAGE_SCALE, RoundingMode.HALF_EVEN));
    }

    private static BigDecimal strip(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }

    /** Null keys are held as "" (no tier, user or model is ever named ""). */
    private static String nz(String key) {
        return key == null ? "" : key;
    }

    private static final class Sum {
        long requests;
        BigDecimal cost = BigDecimal.ZERO;
        BigDecimal billed = BigDecimal.ZERO;
        long unpriced;
        long unbilled;

        void add(long n, BigDecimal c, BigDecimal b, long unpricedN, long unbilledN) {
            requests += n;
            cost = c == null ? cost : cost.add(c);
            billed = b == null ? billed : billed.add(b);
            unpriced += unpricedN;
            unbilled += unbilledN;
        }

        void add(Sum s) {
            add(s.requests, s.cost, s.billed, s.unpriced, s.unbilled);
        }

        PricingLine line(String key) {
            return new PricingLine(key, requests, strip(cost), strip(billed), unpriced, unbilled);
        }
    }
}
