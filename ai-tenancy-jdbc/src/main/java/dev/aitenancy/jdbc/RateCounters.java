package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.spi.Charge;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The counter rows of {@code ai_rate_counters} and the transaction that decides one group of
 * {@link JdbcRateLimiter}'s calls on them (see the limiter's description): lock and read every
 * row the group touches (inserting a call's missing rows), apply the queued token corrections,
 * decide the calls in arrival order, add what they counted. Used by one group at a time.
 */
final class RateCounters {

    /** Rows remembered as existing; past this the memory starts over. */
    private static final int MAX_KNOWN = 100_000;

    /**
     * Creates the rows a group needs that this instance has not seen this minute, in the keys' order
     * (the order every transaction takes these rows in), in a transaction of its own before the
     * group's: the group's transaction then only locks rows that exist, in that order, and never
     * holds a new row while it waits for an older one.
     */
    static final String PG_INSERT = "INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
            + "SELECT k.o, k.s, k.u, k.w, 0 FROM unnest((SELECT CAST(:orgs AS varchar[])), (SELECT CAST(:scopes AS varchar[])), "
            + "(SELECT CAST(:subjects AS varchar[])), (SELECT CAST(:windows AS bigint[]))) WITH ORDINALITY AS k(o, s, u, w, n) "
            + "ORDER BY k.n ON CONFLICT DO NOTHING";
    // Each key is looked up by the primary key in the array's order (a LATERAL subquery with FOR UPDATE
    // is not flattened into a join, so the planner cannot choose a hash join over a scan of the table).
    static final String PG_LOCK = "SELECT k.o, k.s, k.u, k.w, c.hits FROM unnest((SELECT CAST(:orgs AS varchar[])), "
            + "(SELECT CAST(:scopes AS varchar[])), (SELECT CAST(:subjects AS varchar[])), (SELECT CAST(:windows AS bigint[]))) AS k(o, s, u, w) "
            + "CROSS JOIN LATERAL (SELECT hits FROM ai_rate_counters WHERE org_id = k.o AND scope = k.s "
            + "AND subject = k.u AND window_start = k.w FOR UPDATE) AS c";
    /**
     * A lone call's statement: adds each amount to its row, creating a missing row, in the keys'
     * order (the order every transaction locks these rows in), and returns the counts after it.
     */
    static final String PG_ADD_ALL = "INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
            + "SELECT k.o, k.s, k.u, k.w, k.a FROM unnest((SELECT CAST(:orgs AS varchar[])), (SELECT CAST(:scopes AS varchar[])), "
            + "(SELECT CAST(:subjects AS varchar[])), (SELECT CAST(:windows AS bigint[])), (SELECT CAST(:amounts AS bigint[]))) "
            + "WITH ORDINALITY AS k(o, s, u, w, a, n) ORDER BY k.n "
            + "ON CONFLICT (org_id, scope, subject, window_start) DO UPDATE SET hits = ai_rate_counters.hits + "
            + "EXCLUDED.hits RETURNING org_id, scope, subject, window_start, hits";

    /** A lone call refused: rolls its transaction back. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Charge charge;

        Refused(Charge charge) {
            super(null, null, false, false);
            this.charge = charge;
        }
    }

    /** By key, one JDBC batch: one round trip, and each row found by the primary key. */
    static final String ADD = "UPDATE ai_rate_counters SET hits = hits + :amount WHERE org_id = :org "
            + "AND scope = :scope AND subject = :subject AND window_start = :window";

    // H2, in the same process: the rows are locked and updated one by one, by the primary key.
    static final String H2_LOCK = "SELECT hits FROM ai_rate_counters WHERE org_id = ? AND scope = ? "
            + "AND subject = ? AND window_start = ? FOR UPDATE";
    static final String H2_INSERT = "INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
            + "VALUES (?, ?, ?, ?, 0)";
    static final String H2_ADD = "UPDATE ai_rate_counters SET hits = hits + ? WHERE org_id = ? AND scope = ? "
            + "AND subject = ? AND window_start = ?";

    /** One counter row. */
    record Key(String org, String scope, String subject, long window) implements Comparable<Key> {

        static Key of(Charge c) {
            return new Key(c.org(), c.scope(), c.subject(), c.window());
        }

        @Override
        public int compareTo(Key o) {
            int c = org.compareTo(o.org);
            if (c == 0) {
                c = scope.compareTo(o.scope);
            }
            if (c == 0) {
                c = subject.compareTo(o.subject);
            }
            return c != 0 ? c : Long.compare(window, o.window);
        }
    }

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    // used by the group being committed only (groups never run at the same time)
    private final Set<Key> known = new HashSet<>();
    private long knownMinute = Long.MIN_VALUE;

    RateCounters(Jdbi jdbi, Dialect dialect, Clock clock) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
    }

    /** Room asked for a row beyond what the group's calls need: at most {@code amount}, under {@code limit}. */
    record Extra(long amount, long limit) {
    }

    /**
     * The transaction of one group: {@code calls} in arrival order, with {@code corrections} to apply
     * first and {@code extras} to grant after the calls (see {@link Group#granted()}).
     */
    Group group(List<List<Charge>> calls, Map<Key, Long> corrections, Map<Key, Extra> extras, List<Key> needed,
            List<Key> touched) {
        return new Group(calls, corrections, extras, needed, touched);
    }

    /** A row of the group that is not in the table; the attempt starts over. */
    private static final class Missing extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Missing() {
            super(null, null, false, false);
        }
    }

    /** One group's transaction, tried again as a whole on a conflict. */
    final class Group {
        final List<List<Charge>> calls;
        final Map<Key, Long> corrections;
        final Map<Key, Extra> extras;
        final List<Key> needed;
        final List<Key> touched;
        /** Whether the last attempt failed in its commit (so it may have committed). */
        private volatile boolean committing;
        private volatile Map<Key, Long> unapplied = Map.of();
        private volatile Map<Key, Long> granted = Map.of();

        Group(List<List<Charge>> calls, Map<Key, Long> corrections, Map<Key, Extra> extras, List<Key> needed,
                List<Key> touched) {
            this.calls = calls;
            this.corrections = corrections;
            this.extras = extras;
            this.needed = needed;
            this.touched = touched;
        }

        /**
         * The extra room the committed transaction added to each row: the room asked, at most a
         * {@value RateSlices#ROOM_DIVISOR}th of what was left under the row's limit after the
         * group's calls.
         */
        Map<Key, Long> granted() {
            return granted;
        }

        /** Whether the last attempt failed in its commit, so it may have committed. */
        boolean committing() {
            return committing;
        }

        /**
         * The corrections the group's transaction did not apply, to be queued again: a call alone
         * applies only those of its own rows, and none when it is refused (its transaction rolls
         * back).
         */
        Map<Key, Long> unapplied() {
            return unapplied;
        }

        List<Optional<Charge>> decide() {
            boolean pg = dialect == Dialect.POSTGRESQL;
            if (pg && calls.size() == 1 && !calls.get(0).isEmpty() && extras.isEmpty()) { // (an empty call is a flush)
                return List.of(decideAlone(calls.get(0)));
            }
            for (int attempt = 1; ; attempt++) {
                committing = false;
                granted = Map.of();
                List<Key> unknown = List.of();
                if (pg) {
                    rememberMinute();
                    unknown = needed.stream().filter(k -> !known.contains(k)).toList();
                }
                try {
                    if (!unknown.isEmpty()) {
                        List<Key> create = unknown;
                        jdbi.useHandle(h -> bindKeys(h.createUpdate(PG_INSERT), create).execute());
                    }
                    List<Optional<Charge>> decided = jdbi.inTransaction(this::decide);
                    if (pg) {
                        if (known.size() + needed.size() > MAX_KNOWN) {
                            known.clear();
                        }
                        known.addAll(needed);
                    }
                    return decided;
                } catch (Missing m) {
                    needed.forEach(known::remove);
                    if (attempt >= 5) {
                        throw new IllegalStateException("rate-limit counter rows vanished " + attempt
                                + " times while a group was decided");
                    }
                } catch (RuntimeException e) {
                    if (attempt >= 5 || !Sql.isUniqueViolation(e)) {
                        throw e;
                    }
                    // H2: another session inserted the same row at the same moment; it exists now
                }
            }
        }

        private List<Optional<Charge>> decide(Handle h) {
            Map<Key, long[]> hits = dialect == Dialect.POSTGRESQL ? lockPostgres(h) : lockH2(h);
            for (Key k : needed) {
                if (!hits.containsKey(k)) {
                    throw new Missing();
                }
            }
            TreeMap<Key, Long> added = new TreeMap<>();
            corrections.forEach((k, amount) -> {
                long[] count = hits.get(k);
                if (count != null) { // else its window was swept: nothing left to correct
                    count[0] += amount;
                    added.merge(k, amount, Long::sum);
                }
            });
            List<Optional<Charge>> decided = new ArrayList<>(calls.size());
            for (List<Charge> call : calls) {
                Charge refused = null;
                for (Charge c : call) {
                    if (hits.get(Key.of(c))[0] + c.amount() > c.limit()) {
                        refused = c;
                        break;
                    }
                }
                if (refused == null) {
                    for (Charge c : call) {
                        Key k = Key.of(c);
                        hits.get(k)[0] += c.amount();
                        added.merge(k, c.amount(), Long::sum);
                    }
                }
                decided.add(Optional.ofNullable(refused));
            }
            Map<Key, Long> grants = new HashMap<>();
            extras.forEach((k, e) -> {
                long[] count = hits.get(k);
                long grant = Math.min(e.amount(), Math.max(0, e.limit() - count[0]) / RateSlices.ROOM_DIVISOR);
                if (grant > 0) {
                    count[0] += grant;
                    added.merge(k, grant, Long::sum);
                    grants.put(k, grant);
                }
            });
            granted = grants;
            added.values().removeIf(amount -> amount == 0);
            if (!added.isEmpty()) {
                if (dialect == Dialect.POSTGRESQL) {
                    PreparedBatch batch = h.prepareBatch(ADD);
                    added.forEach((k, amount) -> batch.bind("amount", amount).bind("org", k.org())
                            .bind("scope", k.scope()).bind("subject", k.subject()).bind("window", k.window()).add());
                    batch.execute();
                } else {
                    addH2(h, added);
                }
            }
            committing = true; // Jdbi commits when this returns
            return decided;
        }

        /**
         * PostgreSQL, a call alone: one {@link #PG_ADD_ALL} adds the call's amounts, and the queued
         * corrections of its own rows, to their rows (creating a missing row) in key order and
         * returns the counts after it; a refusal rolls the transaction back, so the call counts
         * nothing. Two round trips (the statement and the commit) where a group pays three or four,
         * and no row needs to be known to exist. Corrections of other rows stay queued for the next
         * group or the committer, which drop those of windows already swept.
         */
        private Optional<Charge> decideAlone(List<Charge> call) {
            TreeMap<Key, Long> added = new TreeMap<>();
            for (Charge c : call) {
                added.merge(Key.of(c), c.amount(), Long::sum);
            }
            Map<Key, Long> others = new HashMap<>(corrections);
            for (Map.Entry<Key, Long> e : added.entrySet()) {
                Long correction = others.remove(e.getKey());
                if (correction != null) {
                    e.setValue(e.getValue() + correction);
                }
            }
            unapplied = others;
            committing = false;
            try {
                return jdbi.inTransaction(h -> {
                    Map<Key, Long> after = new HashMap<>(added.size() * 2);
                    bindKeys(h.createQuery(PG_ADD_ALL), List.copyOf(added.keySet()))
                            .bindArray("amounts", Long.class, added.values().toArray())
                            .map((rs, ctx) -> after.put(new Key(rs.getString(1), rs.getString(2), rs.getString(3),
                                    rs.getLong(4)), rs.getLong(5)))
                            .list();
                    for (Charge c : call) {
                        if (after.get(Key.of(c)) > c.limit()) {
                            throw new Refused(c);
                        }
                    }
                    committing = true; // Jdbi commits when this returns
                    return Optional.<Charge>empty();
                });
            } catch (Refused r) {
                unapplied = corrections;
                return Optional.of(r.charge);
            }
        }

        /** PostgreSQL: locks and reads every row the group touches, in the keys' order, in one statement. */
        private Map<Key, long[]> lockPostgres(Handle h) {
            Map<Key, long[]> hits = new HashMap<>(touched.size() * 2);
            bindKeys(h.createQuery(PG_LOCK), touched)
                    .map((rs, ctx) -> new Row(new Key(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                            rs.getLong(5)))
                    .forEach(r -> hits.put(r.key(), new long[] {r.hits()}));
            return hits;
        }

        /**
         * H2 (in the same process: statements cost CPU, not round trips, and a lookup by key is the
         * cheapest): locks each row in this class's order, inserting a missing row of a call
         * where it is missing.
         */
        private Map<Key, long[]> lockH2(Handle h) {
            Map<Key, long[]> hits = new HashMap<>(touched.size() * 2);
            Set<Key> calls = new HashSet<>(needed);
            Connection c = h.getConnection();
            try (PreparedStatement lock = c.prepareStatement(H2_LOCK)) {
                PreparedStatement insert = null;
                try {
                    for (Key k : touched) {
                        long[] row = lockH2(lock, k);
                        if (row == null && calls.contains(k)) {
                            if (insert == null) {
                                insert = c.prepareStatement(H2_INSERT);
                            }
                            bind(insert, 1, k);
                            insert.executeUpdate();
                            row = lockH2(lock, k);
                        }
                        if (row != null) {
                            hits.put(k, row);
                        }
                    }
                } finally {
                    if (insert != null) {
                        insert.close();
                    }
                }
            } catch (SQLException e) {
                throw new UnableToExecuteStatementException(e, null);
            }
            return hits;
        }

        /** The row's count, or null when it does not exist. */
        private static long[] lockH2(PreparedStatement lock, Key k) throws SQLException {
            bind(lock, 1, k);
            try (ResultSet rs = lock.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1)} : null;
            }
        }

        private void addH2(Handle h, Map<Key, Long> added) {
            try (PreparedStatement add = h.getConnection().prepareStatement(H2_ADD)) {
                for (Map.Entry<Key, Long> e : added.entrySet()) {
                    add.setLong(1, e.getValue());
                    bind(add, 2, e.getKey());
                    add.addBatch();
                }
                add.executeBatch();
            } catch (SQLException e) {
                throw new UnableToExecuteStatementException(e, null);
            }
        }
    }

    private static void bind(PreparedStatement s, int from, Key k) throws SQLException {
        s.setString(from, k.org());
        s.setString(from + 1, k.scope());
        s.setString(from + 2, k.subject());
        s.setLong(from + 3, k.window());
    }

    private record Row(Key key, long hits) {
    }

    /** Forgets the rows known to exist when the minute changes (the sweep may delete past windows). */
    private void rememberMinute() {
        long minute = Math.floorDiv(clock.millis(), 60_000L);
        if (minute != knownMinute) {
            known.clear();
            knownMinute = minute;
        }
    }

    private static <S extends SqlStatement<S>> S bindKeys(S statement, List<Key> keys) {
        int n = keys.size();
        String[] orgs = new String[n];
        String[] scopes = new String[n];
        String[] subjects = new String[n];
        Long[] windows = new Long[n];
        for (int i = 0; i < n; i++) {
            Key k = keys.get(i);
            orgs[i] = k.org();
            scopes[i] = k.scope();
            subjects[i] = k.subject();
            windows[i] = k.window();
        }
        return statement.bindArray("orgs", String.class, (Object[]) orgs)
                .bindArray("scopes", String.class, (Object[]) scopes)
                .bindArray("subjects", String.class, (Object[]) subjects)
                .bindArray("windows", Long.class, (Object[]) windows);
    }
}
