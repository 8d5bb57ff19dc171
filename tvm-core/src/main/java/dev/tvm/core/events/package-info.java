/**
 * JDK Flight Recorder events of the substrate, all in category "TVM" and named {@code dev.tvm.*}:
 * {@link dev.tvm.core.events.RegionLifecycleEvent}, {@link dev.tvm.core.events.SpillEvent},
 * {@link dev.tvm.core.events.FaultEvent}, {@link dev.tvm.core.events.CompactionEvent} and {@link
 * dev.tvm.core.events.HandleCheckFailureEvent}.
 *
 * <p>Every event is emitted on a slow path only (region lifecycle, disk I/O, compaction, refused
 * accesses); successful loads and stores never touch them. Each event class offers static
 * emission methods that tvm-core calls; they check {@code isEnabled()} (or {@code
 * shouldCommit()}) before filling any field, so with no recording running an emission point costs
 * one short-lived object at most.
 *
 * <p>Events a guest can trigger in a tight loop ({@code HandleCheckFailure}, {@code Compaction},
 * {@code RegionLifecycle}) carry a default {@link jdk.jfr.Throttle}, so a hostile guest cannot flood
 * a recording or slow itself down through it; a recording's {@code throttle} setting overrides it.
 * {@code Spill} records no stack trace. Record with {@code -XX:StartFlightRecording} or {@link
 * jdk.jfr.Recording}; see {@code docs/observability.md}.
 */
package dev.tvm.core.events;
