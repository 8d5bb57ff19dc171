package dev.tvm.core.residency;

import java.util.function.LongPredicate;

/**
 * A replacement policy: it tracks which keys are resident and, when the residency manager needs
 * room, chooses which resident key to evict.
 *
 * <h2>Keys</h2>
 *
 * A key is an opaque {@code long}; the residency manager encodes a 64 KiB page as {@code (long)
 * regionId << 32 | pageIndex}. A whole-region eviction is the eviction of all its keys. Every
 * {@code long} except {@link #NO_KEY} ({@code -1}) is a valid key. A key must be {@linkplain
 * #removed removed} before the region id it encodes is reused, or the new region's page inherits
 * the old page's place.
 *
 * <h2>Who tells the policy what</h2>
 *
 * <ul>
 *   <li>{@link #admitted} — the key became resident (after a fault, or on first touch);
 *   <li>{@link #recordAccess} — the key was hit; usually replayed later from an {@link
 *       AccessBuffer}, so the key may no longer be resident by then;
 *   <li>{@link #removed} — the key left residency for a reason other than this policy's choice
 *       (freed, region destroyed or reset, spilled explicitly);
 *   <li>{@link #selectVictim} — the manager needs room; the returned key is no longer resident
 *       as far as the policy is concerned.
 * </ul>
 *
 * <h2>Thread safety</h2>
 *
 * Implementations are <b>not thread-safe</b>. The residency manager calls every method under one
 * policy lock; the only concurrent, lock-free part is the {@link AccessBuffer} that hits are
 * recorded into on the hot path and drained into {@link #recordAccess} under that lock.
 */
public interface EvictionPolicy {
    /** Never a key: what {@link #selectVictim} returns when no resident key may be evicted. */
    long NO_KEY = -1L;

    /**
     * Records a hit on {@code key}: the policy may reorder it (recency) and count it (frequency).
     * Cheap (O(1), no allocation), and tolerant: a key that is not resident — never admitted, or
     * evicted or removed since the access happened — changes no resident state. (Frequency-aware
     * policies still count it in their access history, because the access did happen.)
     */
    void recordAccess(long key);

    /**
     * The key became resident. Admitting a key that is already resident is treated as an access
     * to it. O(1) amortized.
     *
     * @throws IllegalArgumentException if {@code key} is {@link #NO_KEY}
     */
    void admitted(long key);

    /**
     * The key left residency for a reason other than this policy's choice. After this the key is
     * never returned by {@link #selectVictim} unless it is admitted again. Removing a key that is
     * not resident does nothing. O(1).
     */
    void removed(long key);

    /**
     * Chooses a resident key to evict now and forgets it (it no longer counts as resident; if the
     * manager then fails to evict it, it must {@link #admitted admit} it again).
     *
     * <p>Keys for which {@code evictable} answers {@code false} (pinned, or whose region lock is
     * busy) are skipped: they stay resident and keep their place. {@code evictable} is asked only
     * about resident keys, possibly about several and possibly more than once per call, so it
     * must be side-effect free and must not block (use {@code tryLock} and release, never {@code
     * lock}: it runs under the policy lock). The cost is O(1) plus the number of keys skipped.
     *
     * @return the victim, or {@link #NO_KEY} if no resident key is evictable
     */
    long selectVictim(LongPredicate evictable);

    /** The number of resident keys (admitted, and not since removed or selected as victims). */
    int residentCount();

    /** Whether {@code key} is resident as far as this policy knows. */
    boolean isResident(long key);

    /** A short name for tables and logs. */
    default String name() {
        return getClass().getSimpleName();
    }
}
