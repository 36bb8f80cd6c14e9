package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.RateCounters.Key;
import dev.aitenancy.spi.Charge;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The slices of rate limits one {@link JdbcRateLimiter} holds (see its description, "Slices"): per
 * counter row, how much of the row's count this instance took from the database ({@code granted})
 * and how much of that its calls have used. A call whose every limit has room in its slice is
 * admitted here without touching the database; the others go to the database for what is missing,
 * together with a new slice. A slice in steady use that a call empties is queued for a refill,
 * which the limiter's committer takes in the background ({@link #takeRefills}), so the next call
 * finds room. All state is guarded by this object's lock; no database call is made under it.
 */
final class RateSlices {

    /** A slice is at most this fraction of its limit (1/50, 2%). */
    static final int SLICE_DIVISOR = 50;
    /** A slice takes at most this fraction of the room left in the database (1/4). */
    static final int ROOM_DIVISOR = 4;
    /**
     * Unused room of a slice not used for this long is given back to the database, but for room for
     * one call like its last (elapsed time, {@link System#nanoTime()}; the windows follow the
     * limiter's clock).
     */
    static final long IDLE_MILLIS = 5_000;
    /**
     * When a call uses a row in steady use in the last this many milliseconds of its minute, that
     * row, and every other row in steady use used in the last {@value #IDLE_MILLIS} ms, has a slice
     * of its next minute taken in the background, so the next minute's first call finds room.
     */
    static final long NEXT_MINUTE_LEAD_MILLIS = 3_000;

    private static final class Slice {
        final long limit;
        long granted;
        long used;
        long lastUse;
        /** Whether the database ever granted this row room beyond its calls (a slice). */
        boolean sliced;
        /** The amount of the last call admitted from it: what an idle slice keeps. */
        long lastAmount;
        /** Whether a refill of this row is queued or in a transaction. */
        boolean refilling;

        Slice(long limit) {
            this.limit = limit;
            this.lastUse = System.nanoTime();
        }

        long room() {
            return granted - used;
        }
    }

    /** What one call of a group still needs from the database, after what its slices held for it. */
    static final class Planned {
        final List<Charge> call;
        /** Per charge of the call, what the slice held for it. */
        final long[] held;
        /** The charges of what is missing (amount = the shortfall); empty when the slices held it all. */
        final List<Charge> shortfalls;
        /**
         * Per shortfall, whether this instance counted calls on its row before in this window (its
         * slice ran out or was given back): only such rows are given a new slice, so a row used
         * once a minute costs what it did without slices.
         */
        final boolean[] seen;

        Planned(List<Charge> call, long[] held, List<Charge> shortfalls, boolean[] seen) {
            this.call = call;
            this.held = held;
            this.shortfalls = shortfalls;
            this.seen = seen;
        }
    }

    private final Map<Key, Slice> slices = new HashMap<>();
    /** Slices in steady use that ran out: a slice of each to take in the background. */
    private final Map<Key, RateCounters.Extra> refills = new HashMap<>();
    private volatile boolean refillsPending;
    private boolean refillsStopped;
    /** The minute whose rows in steady use were last queued for a slice of the next minute ({@link #takeRefills}). */
    private long nextMinuteQueuedFor = Long.MIN_VALUE;
    private boolean nextMinuteScan;
    /** The minute whose rows in steady use the minute before were last queued for a slice ({@link #takeRefills}). */
    private long catchUpFor = Long.MIN_VALUE;
    private boolean catchUpScan;
    /** Whether some slice may hold unused room (to give back when idle). */
    private volatile boolean holding;

    /**
     * The size of a new slice for {@code c}'s row: {@value #SLICE_DIVISOR}th of its limit; none for
     * daily limits and key checks, so an instance that dies never holds any of those.
     */
    static long sliceOf(Charge c) {
        return sliceOf(c.scope(), c.limit());
    }

    /** {@link #sliceOf(Charge)} of a row of {@code scope} under {@code limit}. */
    private static long sliceOf(String scope, long limit) {
        if (scope.endsWith("-day") || scope.endsWith("-keycheck")) {
            return 0;
        }
        return limit / SLICE_DIVISOR;
    }

    /** Admits {@code call} from the slices when each of its rows has room for it, counting it. */
    synchronized boolean tryAdmit(List<Charge> call) {
        for (Charge c : call) {
            Slice s = slices.get(Key.of(c));
            if (s == null && c.window() != catchUpFor && !refillsStopped && sliceOf(c) > 0
                    && heldBefore(Key.of(c))) {
                // the first call of a new minute whose row had a slice the minute before: every row with
                // one then gets a slice of this minute (in this call's group), not only this call's
                catchUpFor = c.window();
                catchUpScan = true;
                refillsPending = true;
            }
            if (s == null || s.limit != c.limit() || s.room() < c.amount()) {
                return false;
            }
        }
        for (Charge c : call) {
            Key k = Key.of(c);
            Slice s = slices.get(k);
            s.used += c.amount();
            s.lastUse = System.nanoTime();
            s.lastAmount = c.amount();
            if (s.sliced && !s.refilling && !refillsStopped && s.room() < c.amount()) {
                long slice = sliceOf(c);
                if (slice > 0) {
                    s.refilling = true; // its next call like this one would go to the database: refill it first
                    refills.put(k, new RateCounters.Extra(slice, c.limit()));
                    refillsPending = true;
                }
            }
            // (a sliced row is never daily nor a key check: those get no slices)
            if (s.sliced && !refillsStopped && c.resetsIn().toMillis() <= NEXT_MINUTE_LEAD_MILLIS) {
                takeNextMinute(k, s);
                if (nextMinuteQueuedFor != k.window()) { // and, once, for every other row in steady use
                    nextMinuteQueuedFor = k.window();
                    nextMinuteScan = true;
                    refillsPending = true;
                }
            }
        }
        return true;
    }

    /**
     * Queues a slice of the next minute's row of {@code k} (once): the minute's change then costs
     * the row's calls no transaction. Until it is granted, an empty slice stands for it.
     */
    private void takeNextMinute(Key k, Slice now) {
        Key next = new Key(k.org(), k.scope(), k.subject(), k.window() + 1);
        long slice = sliceOf(k.scope(), now.limit);
        if (slice > 0 && !slices.containsKey(next)) {
            Slice placeholder = new Slice(now.limit);
            placeholder.refilling = true;
            placeholder.lastAmount = now.lastAmount; // idle, it keeps room for one call like this minute's last
            slices.put(next, placeholder);
            refills.put(next, new RateCounters.Extra(slice, now.limit));
            refillsPending = true;
        }
    }

    /** From now on no slice is refilled, and the refills queued are dropped (the limiter is closing). */
    synchronized void stopRefills() {
        refillsStopped = true;
        nextMinuteScan = false;
        refillsPending = false;
        refills.clear();
    }

    /** Whether refills, or slices of the next minute, wait for the committer ({@link #takeRefills}). */
    boolean refillsPending() {
        return refillsPending;
    }

    /**
     * The refills queued (a slice of each row, as a group asks for one), for a transaction of the
     * limiter's committer; rows of windows that have ended are left out. Near a minute's end this
     * includes the slices of the next minute ({@link #NEXT_MINUTE_LEAD_MILLIS}). {@link #refilled} must
     * follow once that transaction is over, whatever its outcome.
     */
    synchronized Map<Key, RateCounters.Extra> takeRefills(long nowMillis) {
        refillsPending = false;
        long minute = Math.floorDiv(nowMillis, 60_000L);
        if (nextMinuteScan && !refillsStopped) {
            nextMinuteScan = false;
            long recently = System.nanoTime() - IDLE_MILLIS * 1_000_000L;
            for (Map.Entry<Key, Slice> e : List.copyOf(slices.entrySet())) {
                Key k = e.getKey();
                Slice s = e.getValue();
                if (k.window() == minute && s.sliced && s.lastUse - recently > 0) {
                    takeNextMinute(k, s);
                }
            }
        }
        if (catchUpScan && !refillsStopped) {
            catchUpScan = false;
            for (Map.Entry<Key, Slice> e : List.copyOf(slices.entrySet())) {
                if (e.getKey().window() == minute - 1 && e.getValue().sliced) {
                    takeNextMinute(e.getKey(), e.getValue());
                }
            }
        }
        if (refills.isEmpty()) {
            return Map.of();
        }
        Map<Key, RateCounters.Extra> out = new HashMap<>();
        refills.forEach((k, e) -> {
            if (k.window() >= minute) {
                out.put(k, e);
            } else {
                Slice s = slices.get(k);
                if (s != null) {
                    s.refilling = false;
                }
            }
        });
        refills.clear();
        return out;
    }

    /** The refills of {@code keys} are over (granted through {@link #settle}, or failed): they may be queued again. */
    synchronized void refilled(Iterable<Key> keys) {
        for (Key k : keys) {
            Slice s = slices.get(k);
            if (s != null) {
                s.refilling = false;
            }
        }
    }

    /**
     * For a group about to go to the database: holds for each call, in order, what its slices have
     * room for, and says what is missing. A slice granted under another limit (the policy changed)
     * gives its unused room back through {@code giveBack} first.
     */
    synchronized List<Planned> plan(List<List<Charge>> calls, BiConsumer<Key, Long> giveBack) {
        List<Planned> planned = new ArrayList<>(calls.size());
        for (List<Charge> call : calls) {
            long[] held = new long[call.size()];
            boolean[] seen = new boolean[call.size()];
            List<Charge> shortfalls = new ArrayList<>(call.size());
            for (int i = 0; i < call.size(); i++) {
                Charge c = call.get(i);
                Key k = Key.of(c);
                Slice s = slices.get(k);
                if (s != null && s.limit != c.limit()) {
                    Slice renewed = new Slice(c.limit());
                    renewed.granted = s.used;
                    renewed.used = s.used;
                    if (s.room() > 0) {
                        giveBack.accept(k, -s.room());
                    }
                    slices.put(k, renewed);
                    s = renewed;
                }
                long take = s == null ? 0 : Math.min(c.amount(), Math.max(0, s.room()));
                if (take > 0) {
                    s.used += take;
                    s.lastUse = System.nanoTime();
                }
                held[i] = take;
                if (take < c.amount()) {
                    seen[shortfalls.size()] = s != null || heldBefore(k);
                    shortfalls.add(new Charge(c.org(), c.scope(), c.subject(), c.window(), c.amount() - take,
                            c.limit(), c.resetsIn()));
                }
            }
            planned.add(new Planned(call, held, shortfalls, seen));
        }
        return planned;
    }

    /**
     * Whether this instance held a slice of {@code k}'s row in the minute before {@code k}'s: a row
     * in steady use, whose first call of a new minute takes a slice at once.
     */
    private boolean heldBefore(Key k) {
        if (k.scope().endsWith("-day")) {
            return false;
        }
        Slice before = slices.get(new Key(k.org(), k.scope(), k.subject(), k.window() - 1));
        return before != null && before.sliced;
    }

    /**
     * After the database decided the group's shortfalls ({@code refusals}, one per planned call that
     * had any, in order) and granted {@code extra} room per row (of what was {@code asked}): an
     * admitted call's shortfalls are added to its slices as granted and used; a refused call gives
     * back what its slices held; then the new room is added, and each refused call is tried once
     * more against the slices (room a call before it gave back, or the new slice, may now cover it).
     *
     * @return the outcome of each call: empty when admitted, else the limit that refused it
     */
    synchronized List<Optional<Charge>> settle(List<Planned> planned, List<Optional<Charge>> refusals,
            Map<Key, Long> extra, Map<Key, RateCounters.Extra> asked) {
        List<Optional<Charge>> outcomes = new ArrayList<>(planned.size());
        int next = 0;
        for (Planned p : planned) {
            Optional<Charge> refused = p.shortfalls.isEmpty() ? Optional.empty() : refusals.get(next++);
            if (refused.isEmpty()) {
                for (Charge c : p.shortfalls) {
                    Slice s = slices.computeIfAbsent(Key.of(c), k -> new Slice(c.limit()));
                    s.granted += c.amount();
                    s.used += c.amount();
                    s.lastUse = System.nanoTime();
                }
                for (Charge c : p.call) {
                    Slice s = slices.get(Key.of(c));
                    if (s != null) {
                        s.lastAmount = c.amount();
                    }
                }
            } else {
                giveBackHeld(p);
            }
            outcomes.add(refused);
        }
        extra.forEach((k, amount) -> {
            if (amount > 0) {
                Slice s = slices.computeIfAbsent(k, key -> new Slice(asked.get(key).limit()));
                s.granted += amount;
                s.sliced = true;
                holding = true;
            }
        });
        for (int i = 0; i < outcomes.size(); i++) {
            Optional<Charge> refused = outcomes.get(i);
            if (refused.isPresent() && tryAdmit(planned.get(i).call)) {
                outcomes.set(i, Optional.empty());
            }
        }
        return outcomes;
    }

    /** After a group failed: every call gives back what its slices held for it; none was admitted. */
    synchronized void release(List<Planned> planned) {
        planned.forEach(this::giveBackHeld);
    }

    /** What the slices held for a call goes back to them (a slice forgotten meanwhile: its window ended). */
    private void giveBackHeld(Planned p) {
        for (int i = 0; i < p.call.size(); i++) {
            Slice s = p.held[i] > 0 ? slices.get(Key.of(p.call.get(i))) : null;
            if (s != null) {
                s.used -= p.held[i];
                holding = true;
            }
        }
    }

    /**
     * A token correction ({@code delta}: actual minus estimated) of a row: when this instance holds
     * a slice of it, fewer tokens return to the slice as room, more are added to it as used and
     * granted. Returns what the database must still be told ({@code delta} when there is no
     * slice, the excess when more were used, 0 otherwise).
     */
    synchronized long correct(Key k, long delta) {
        Slice s = slices.get(k);
        if (s == null) {
            return delta;
        }
        s.used += delta;
        if (delta > 0) {
            s.granted += delta;
            return delta;
        }
        holding = true;
        return 0;
    }

    /** Whether some slice may hold unused room to give back. */
    boolean holding() {
        return holding;
    }

    /**
     * Gives back, through {@code giveBack} (a negative correction of the row), the unused room of
     * every slice not used for {@value #IDLE_MILLIS} ms, but for room for one call like its last when
     * the row took slices (so that call needs no transaction), or all of it, of every slice, when
     * {@code all}. Slices of windows that have ended give nothing back (their rows are swept): those
     * of the minute just ended stay a minute more, so that {@link #plan} knows which rows were in
     * steady use; older ones are forgotten.
     */
    synchronized void giveBackIdle(long nowMillis, boolean all, BiConsumer<Key, Long> giveBack) {
        long minute = Math.floorDiv(nowMillis, 60_000L);
        long day = Math.floorDiv(nowMillis, 86_400_000L);
        long now = System.nanoTime();
        boolean still = false;
        for (Iterator<Map.Entry<Key, Slice>> it = slices.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Slice> e = it.next();
            Key k = e.getKey();
            Slice s = e.getValue();
            boolean daily = k.scope().endsWith("-day");
            if (k.window() < (daily ? day : minute)) {
                if (daily || k.window() < minute - 1) {
                    it.remove();
                }
                continue;
            }
            // a row in steady use keeps room for its next call, unless closing
            long keep = all || !s.sliced ? 0 : Math.min(s.room(), s.lastAmount);
            if (s.room() > keep) {
                if (all || now - s.lastUse >= IDLE_MILLIS * 1_000_000L) {
                    giveBack.accept(k, keep - s.room());
                    s.granted = s.used + keep;
                } else {
                    still = true;
                }
            }
        }
        holding = still;
    }

    /** Slices held now (for tests). */
    synchronized Map<Key, long[]> snapshot() {
        Map<Key, long[]> out = new HashMap<>();
        slices.forEach((k, s) -> out.put(k, new long[] {s.granted, s.used}));
        return out;
    }
}
