/**
 * Replacement policies for keeping hot 64 KiB pages (or whole regions) resident under a memory
 * budget, and spilling cold ones.
 *
 * <ul>
 *   <li>{@link dev.tvm.core.residency.EvictionPolicy} — the contract the residency manager
 *       calls under its policy lock: {@code admitted}, {@code recordAccess}, {@code removed},
 *       {@code selectVictim}.
 *   <li>{@link dev.tvm.core.residency.TinyLfuPolicy} — W-TinyLFU (frequency-aware,
 *       scan-resistant); the one to use.
 *   <li>{@link dev.tvm.core.residency.LruPolicy}, {@link dev.tvm.core.residency.ClockPolicy} —
 *       baselines.
 *   <li>{@link dev.tvm.core.residency.AccessBuffer} — the lossy, striped, lock-free buffer that
 *       hits are recorded into on the hot path and drained from in batches.
 * </ul>
 *
 * Keys are {@code long}s, by convention {@code (long) regionId << 32 | pageIndex}. Hit rates on
 * synthetic traces are in {@code docs/eviction-policy.md}.
 */
package dev.tvm.core.residency;
