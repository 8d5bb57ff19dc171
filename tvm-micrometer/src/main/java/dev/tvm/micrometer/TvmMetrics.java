package dev.tvm.micrometer;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionInfo;
import dev.tvm.core.RegionStats;
import dev.tvm.core.ResidencyStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link RegionDirectory}'s figures to a Micrometer registry.
 *
 * <pre>{@code
 * new TvmMetrics(directory).bindTo(registry);                  // directory and residency meters
 * TvmMetrics.builder(directory)
 *         .withTags(Tags.of("tenant", "t1"))
 *         .withRegionMeters(true)                              // and one set per live region
 *         .build()
 *         .bindTo(registry);
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * All names start with {@code tvm.} and follow Micrometer's conventions: dot-separated lower-case
 * words, the unit never in the name but in the base unit ({@code bytes} for byte figures), which
 * registries append once (Prometheus: {@code tvm.read} becomes {@code tvm_read_bytes_total}). No
 * name ends in a word the Prometheus client strips ({@code created}, {@code info}, {@code
 * bucket}, {@code total}), so every meter exports under a name of its own; {@code
 * docs/observability.md} lists the exported names.
 *
 * <ul>
 *   <li>Directory: {@code tvm.regions.live} (gauge), {@code tvm.regions.creations} and {@code
 *       tvm.regions.destructions} (counters); memory gauges in bytes {@code tvm.memory.reserved}
 *       (address space of live regions), {@code .committed} (below the regions' high-water marks),
 *       {@code .resident}, {@code .spilled}, {@code .live} (requested bytes of live allocations)
 *       and {@code .used} (what the allocators hold for them); {@code tvm.allocations.live};
 *       counters over all regions ever, destroyed ones included: {@code tvm.allocations}, {@code
 *       tvm.frees}, {@code tvm.leases}, {@code tvm.compactions}, {@code tvm.resets} and, in bytes,
 *       {@code tvm.allocated}, {@code tvm.freed}, {@code tvm.read}, {@code tvm.written} (through
 *       handles), {@code tvm.compaction.moved}; {@code tvm.handle.failures} tagged {@code code}
 *       (one counter per {@link ErrorCode}: refusals counted by regions) and {@code
 *       tvm.handle.unresolved} (references or handles naming no live region).
 *   <li>Residency, if the directory has a resident budget: gauges in bytes {@code
 *       tvm.residency.budget}, {@code .resident}, {@code .resident.peak}, {@code .spill.file};
 *       counters {@code tvm.residency.faults}, {@code .spills} (eviction batches), {@code
 *       .spill.failures}, {@code .busy.skips}, {@code .access.dropped}, {@code .demotions}, {@code
 *       .promotions}, {@code .slots.reclaimed} and, in bytes, {@code .faulted}, {@code .spilled},
 *       {@code .dropped}, {@code .evicted.clean}, {@code .written.behind}.
 *   <li>Per live region, only if {@link Builder#withRegionMeters(boolean)} asked for them (off by
 *       default: a guest chooses how many regions it creates and their names, which would become
 *       series and tag values), tagged {@code region.id}, {@code region.name} and {@code
 *       region.kind}: gauges {@code tvm.region.capacity}, {@code .resident}, {@code .spilled},
 *       {@code .live}, {@code .used} (bytes), {@code .allocations.live}, {@code .pins}; counters
 *       {@code tvm.region.allocations}, {@code .frees}, {@code .compactions}, {@code .resets},
 *       {@code .handle.failures} and, in bytes, {@code .read}, {@code .written}, {@code
 *       .compaction.moved}.
 * </ul>
 *
 * <h2>Regions that come and go</h2>
 *
 * Per-region meters follow the directory: every read of {@code tvm.regions.live} (which each
 * publish or scrape of a registry does) registers meters for regions created since and removes
 * those of destroyed regions; {@link #refresh()} does the same on demand. A region id reused
 * after a destroy gets fresh meters.
 *
 * <h2>References</h2>
 *
 * The binder and its meters hold the directory and its regions weakly: binding never keeps a
 * directory alive. Once it is closed or collected, its meters read NaN and the per-region meters
 * are removed at the next refresh.
 *
 * <p>Each directory meter reads the directory afresh (a scan of its region table and one
 * snapshot per live region), which costs microseconds: fine at scrape rates, not for hot loops.
 */
public final class TvmMetrics implements MeterBinder {
    private final WeakReference<RegionDirectory> directory;
    private final Tags tags;
    private final boolean regionMeters;
    private final List<Binding> bindings = new CopyOnWriteArrayList<>();

    /** A binder for {@code directory}, with no extra tags and no per-region meters. */
    public TvmMetrics(RegionDirectory directory) {
        this(builder(directory));
    }

    /**
     * A binder for {@code directory} that adds {@code tags} to every meter (e.g. a tenant), with no
     * per-region meters.
     */
    public TvmMetrics(RegionDirectory directory, Iterable<Tag> tags) {
        this(builder(directory).withTags(tags));
    }

    private TvmMetrics(Builder builder) {
        this.directory = new WeakReference<>(builder.directory);
        this.tags = builder.tags;
        this.regionMeters = builder.regionMeters;
    }

    /** A builder of a binder for {@code directory}. */
    public static Builder builder(RegionDirectory directory) {
        return new Builder(directory);
    }

    /** Options of a {@link TvmMetrics}. */
    public static final class Builder {
        private final RegionDirectory directory;
        private Tags tags = Tags.empty();
        private boolean regionMeters;

        private Builder(RegionDirectory directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** Tags added to every meter, e.g. a tenant; none by default. */
        public Builder withTags(Iterable<Tag> value) {
            tags = Tags.of(value);
            return this;
        }

        /**
         * Whether each live region gets its own {@code tvm.region.*} meters; {@code false} by
         * default. Each region adds 15 series, and its name (chosen by whoever created it, a
         * guest included) becomes a tag value: turn them on where regions are few and trusted.
         */
        public Builder withRegionMeters(boolean value) {
            regionMeters = value;
            return this;
        }

        /** The binder; bind it with {@link TvmMetrics#bindTo(MeterRegistry)}. */
        public TvmMetrics build() {
            return new TvmMetrics(this);
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        RegionDirectory dir = directory.get();
        if (dir == null) {
            return;
        }
        Binding binding = new Binding(registry);
        bindings.add(binding);
        bindDirectory(registry, dir, binding);
        if (dir.residencyStats() != null) {
            bindResidency(registry, dir);
        }
        binding.refresh(dir);
    }

    /**
     * Registers meters for regions created since the last refresh and removes those of destroyed
     * regions, in every registry this binder is bound to.
     */
    public void refresh() {
        RegionDirectory dir = directory.get();
        for (Binding binding : bindings) {
            binding.refresh(dir);
        }
    }

    // ---------------------------------------------------------------- directory

    private void bindDirectory(MeterRegistry registry, RegionDirectory dir, Binding binding) {
        // The refresh rides on this gauge: it is read on every publish or scrape. It holds the
        // binding strongly (nothing else may: binders are often created only to be bound) and so
        // still runs after the directory is collected, to remove the region meters.
        Gauge.builder("tvm.regions.live", binding, Binding::refreshAndCount)
                .strongReference(true)
                .tags(tags)
                .description("Regions live now")
                .register(registry);
        counter(registry, dir, "tvm.regions.creations", null, "Regions ever created", d -> d.stats()
                .regionsCreated());
        counter(registry, dir, "tvm.regions.destructions", null, "Regions ever destroyed", d -> d.stats()
                .regionsDestroyed());
        counter(
                registry,
                dir,
                "tvm.handle.unresolved",
                null,
                "Refused references or handles that named no live region",
                d -> d.stats().unresolvedFailures());

        gauge(
                registry,
                dir,
                "tvm.memory.reserved",
                BaseUnits.BYTES,
                "Address space of live regions",
                d -> sum(d, RegionInfo::capacity));
        gauge(
                registry,
                dir,
                "tvm.memory.committed",
                BaseUnits.BYTES,
                "Bytes below the live regions' high-water marks (handed out since the last reset or compaction)",
                d -> totals(d).touchedBytes());
        gauge(
                registry,
                dir,
                "tvm.memory.resident",
                BaseUnits.BYTES,
                "Bytes of region pages in memory",
                d -> sum(d, RegionInfo::residentBytes));
        gauge(
                registry,
                dir,
                "tvm.memory.spilled",
                BaseUnits.BYTES,
                "Bytes of region pages in the spill file",
                d -> sum(d, RegionInfo::spilledBytes));
        gauge(registry, dir, "tvm.memory.live", BaseUnits.BYTES, "Requested bytes of live allocations", d -> totals(d)
                .liveBytes());
        gauge(
                registry,
                dir,
                "tvm.memory.used",
                BaseUnits.BYTES,
                "Bytes the allocators hold for live allocations, rounding included",
                d -> totals(d).usedBytes());
        gauge(registry, dir, "tvm.allocations.live", null, "Live allocations", d -> totals(d)
                .liveAllocations());

        counter(registry, dir, "tvm.allocations", null, "Allocations made", d -> totals(d)
                .allocations());
        counter(registry, dir, "tvm.frees", null, "Allocations freed", d -> totals(d)
                .frees());
        counter(registry, dir, "tvm.leases", null, "Arena leases taken", d -> totals(d)
                .leases());
        counter(registry, dir, "tvm.allocated", BaseUnits.BYTES, "Requested bytes allocated", d -> totals(d)
                .bytesAllocated());
        counter(registry, dir, "tvm.freed", BaseUnits.BYTES, "Requested bytes freed", d -> totals(d)
                .bytesFreed());
        counter(registry, dir, "tvm.read", BaseUnits.BYTES, "Bytes read through handles", d -> totals(d)
                .bytesRead());
        counter(registry, dir, "tvm.written", BaseUnits.BYTES, "Bytes written through handles", d -> totals(d)
                .bytesWritten());
        counter(registry, dir, "tvm.compactions", null, "Compactions run", d -> totals(d)
                .compactions());
        counter(registry, dir, "tvm.compaction.moved", BaseUnits.BYTES, "Bytes moved by compactions", d -> totals(d)
                .bytesMoved());
        counter(registry, dir, "tvm.resets", null, "Region resets", d -> totals(d)
                .resets());
        for (ErrorCode code : ErrorCode.values()) {
            FunctionCounter.builder("tvm.handle.failures", dir, d -> totals(d).failures(code))
                    .tags(tags)
                    .tag("code", code.name())
                    .description("Accesses refused by regions, by error code")
                    .register(registry);
        }
    }

    private void bindResidency(MeterRegistry registry, RegionDirectory dir) {
        gauge(
                registry,
                dir,
                "tvm.residency.budget",
                BaseUnits.BYTES,
                "Resident budget",
                d -> residency(d, ResidencyStats::budgetBytes));
        gauge(
                registry,
                dir,
                "tvm.residency.resident",
                BaseUnits.BYTES,
                "Bytes resident under the budget",
                d -> residency(d, ResidencyStats::residentBytes));
        gauge(
                registry,
                dir,
                "tvm.residency.resident.peak",
                BaseUnits.BYTES,
                "Most bytes ever resident",
                d -> residency(d, ResidencyStats::peakResidentBytes));
        gauge(
                registry,
                dir,
                "tvm.residency.spill.file",
                BaseUnits.BYTES,
                "Size of the spill file",
                d -> residency(d, ResidencyStats::spillFileBytes));
        counter(
                registry,
                dir,
                "tvm.residency.faults",
                null,
                "Fault-ins from the spill file",
                d -> residency(d, ResidencyStats::faults));
        counter(
                registry,
                dir,
                "tvm.residency.faulted",
                BaseUnits.BYTES,
                "Bytes faulted back in",
                d -> residency(d, ResidencyStats::bytesFaulted));
        counter(
                registry,
                dir,
                "tvm.residency.spills",
                null,
                "Eviction batches written",
                d -> residency(d, ResidencyStats::spills));
        counter(
                registry,
                dir,
                "tvm.residency.spilled",
                BaseUnits.BYTES,
                "Bytes spilled",
                d -> residency(d, ResidencyStats::bytesSpilled));
        counter(
                registry,
                dir,
                "tvm.residency.spill.failures",
                null,
                "Eviction batches whose write failed",
                d -> residency(d, ResidencyStats::spillFailures));
        counter(
                registry,
                dir,
                "tvm.residency.busy.skips",
                null,
                "Victims skipped because their region was busy",
                d -> residency(d, ResidencyStats::busySkips));
        counter(
                registry,
                dir,
                "tvm.residency.access.dropped",
                null,
                "Access records the lossy buffer dropped",
                d -> residency(d, ResidencyStats::droppedAccessRecords));
        counter(
                registry,
                dir,
                "tvm.residency.dropped",
                BaseUnits.BYTES,
                "Bytes of external pages evicted without a write",
                d -> residency(d, ResidencyStats::bytesDropped));
        counter(
                registry,
                dir,
                "tvm.residency.demotions",
                null,
                "Explicit demotions to COLD",
                d -> residency(d, ResidencyStats::demotions));
        counter(
                registry,
                dir,
                "tvm.residency.promotions",
                null,
                "Promotions to HOT",
                d -> residency(d, ResidencyStats::promotions));
        counter(
                registry,
                dir,
                "tvm.residency.evicted.clean",
                BaseUnits.BYTES,
                "Bytes evicted without a write: unmodified since they were faulted in",
                d -> residency(d, ResidencyStats::bytesEvictedClean));
        counter(
                registry,
                dir,
                "tvm.residency.written.behind",
                BaseUnits.BYTES,
                "Bytes of modified resident pages written ahead of their eviction",
                d -> residency(d, ResidencyStats::bytesWrittenBehind));
        counter(
                registry,
                dir,
                "tvm.residency.slots.reclaimed",
                null,
                "Spill slots taken from resident pages under disk pressure",
                d -> residency(d, ResidencyStats::slotsReclaimed));
    }

    private void gauge(
            MeterRegistry registry,
            RegionDirectory dir,
            String name,
            String unit,
            String description,
            ToDoubleFunction<RegionDirectory> value) {
        Gauge.builder(name, dir, d -> readOrNaN(d, value))
                .tags(tags)
                .baseUnit(unit)
                .description(description)
                .register(registry);
    }

    private void counter(
            MeterRegistry registry,
            RegionDirectory dir,
            String name,
            String unit,
            String description,
            ToDoubleFunction<RegionDirectory> value) {
        FunctionCounter.builder(name, dir, d -> readOrNaN(d, value))
                .tags(tags)
                .baseUnit(unit)
                .description(description)
                .register(registry);
    }

    /** NaN once the directory is closed, as Micrometer reports for a collected one. */
    private static double readOrNaN(RegionDirectory dir, ToDoubleFunction<RegionDirectory> value) {
        if (dir.isClosed()) {
            return Double.NaN;
        }
        try {
            return value.applyAsDouble(dir);
        } catch (RuntimeException closedMeanwhile) {
            return Double.NaN;
        }
    }

    private static RegionStats totals(RegionDirectory dir) {
        return dir.stats().totals();
    }

    private static double sum(RegionDirectory dir, ToDoubleFunction<RegionInfo> field) {
        double sum = 0;
        for (RegionInfo info : dir.list()) {
            sum += field.applyAsDouble(info);
        }
        return sum;
    }

    private static double residency(RegionDirectory dir, ToDoubleFunction<ResidencyStats> field) {
        ResidencyStats stats = dir.residencyStats();
        return stats == null ? Double.NaN : field.applyAsDouble(stats);
    }

    // ---------------------------------------------------------------- regions

    private List<Meter> bindRegion(MeterRegistry registry, Region region) {
        Tags regionTags = tags.and(
                Tag.of("region.id", Integer.toString(region.id())),
                Tag.of("region.name", region.spec().name()),
                Tag.of("region.kind", region.kind().name()));
        List<Meter> meters = new ArrayList<>();
        regionGauge(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.capacity",
                BaseUnits.BYTES,
                "Address space",
                r -> r.capacity());
        regionGauge(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.resident",
                BaseUnits.BYTES,
                "Bytes of its pages in memory",
                r -> info(r, RegionInfo::residentBytes));
        regionGauge(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.spilled",
                BaseUnits.BYTES,
                "Bytes of its pages in the spill file",
                r -> info(r, RegionInfo::spilledBytes));
        regionGauge(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.live",
                BaseUnits.BYTES,
                "Requested bytes of live allocations",
                r -> live(r, RegionStats::liveBytes));
        regionGauge(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.used",
                BaseUnits.BYTES,
                "Bytes its allocator holds for live allocations",
                r -> live(r, RegionStats::usedBytes));
        regionGauge(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.allocations.live",
                null,
                "Live allocations",
                r -> live(r, RegionStats::liveAllocations));
        regionGauge(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.pins",
                null,
                "Pins held",
                r -> info(r, RegionInfo::pinCount));
        regionCounter(
                meters, registry, region, regionTags, "tvm.region.allocations", null, "Allocations made", r -> r.stats()
                        .allocations());
        regionCounter(
                meters, registry, region, regionTags, "tvm.region.frees", null, "Allocations freed", r -> r.stats()
                        .frees());
        regionCounter(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.read",
                BaseUnits.BYTES,
                "Bytes read through handles",
                r -> r.stats().bytesRead());
        regionCounter(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.written",
                BaseUnits.BYTES,
                "Bytes written through handles",
                r -> r.stats().bytesWritten());
        regionCounter(
                meters, registry, region, regionTags, "tvm.region.compactions", null, "Compactions run", r -> r.stats()
                        .compactions());
        regionCounter(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.compaction.moved",
                BaseUnits.BYTES,
                "Bytes moved by compactions",
                r -> r.stats().bytesMoved());
        regionCounter(meters, registry, region, regionTags, "tvm.region.resets", null, "Resets run", r -> r.stats()
                .resets());
        regionCounter(
                meters,
                registry,
                region,
                regionTags,
                "tvm.region.handle.failures",
                null,
                "Accesses it refused, every kind",
                r -> r.stats().totalFailures());
        return meters;
    }

    private static void regionGauge(
            List<Meter> out,
            MeterRegistry registry,
            Region region,
            Tags tags,
            String name,
            String unit,
            String description,
            ToDoubleFunction<Region> value) {
        out.add(Gauge.builder(name, region, value)
                .tags(tags)
                .baseUnit(unit)
                .description(description)
                .register(registry));
    }

    private static void regionCounter(
            List<Meter> out,
            MeterRegistry registry,
            Region region,
            Tags tags,
            String name,
            String unit,
            String description,
            ToDoubleFunction<Region> value) {
        out.add(FunctionCounter.builder(name, region, value)
                .tags(tags)
                .baseUnit(unit)
                .description(description)
                .register(registry));
    }

    /** A field of the region's description, or NaN once it is destroyed. */
    private static double info(Region region, ToDoubleFunction<RegionInfo> field) {
        try {
            return field.applyAsDouble(region.info());
        } catch (RuntimeException destroyed) {
            return Double.NaN;
        }
    }

    private static double live(Region region, ToDoubleFunction<RegionStats> field) {
        return region.isDestroyed() ? Double.NaN : field.applyAsDouble(region.stats());
    }

    /** The meters one registry holds for the directory's regions, by region reference. */
    private final class Binding {
        private final MeterRegistry registry;
        private final Map<Integer, List<Meter>> byRegion = new TreeMap<>();

        Binding(MeterRegistry registry) {
            this.registry = registry;
        }

        /** Refreshes and returns the live region count, NaN once the directory is collected. */
        double refreshAndCount() {
            RegionDirectory dir = directory.get();
            refresh(dir);
            return dir == null ? Double.NaN : dir.regionCount();
        }

        synchronized void refresh(RegionDirectory dir) {
            Map<Integer, Region> live = new TreeMap<>();
            if (regionMeters && dir != null && !dir.isClosed()) {
                for (Region r : dir.liveRegions()) {
                    live.put(r.ref(), r);
                }
            }
            // Removals first: a reused id's new region registers under the same tags.
            for (Iterator<Map.Entry<Integer, List<Meter>>> it =
                            byRegion.entrySet().iterator();
                    it.hasNext(); ) {
                Map.Entry<Integer, List<Meter>> e = it.next();
                if (!live.containsKey(e.getKey())) {
                    e.getValue().forEach(registry::remove);
                    it.remove();
                }
            }
            for (Map.Entry<Integer, Region> e : live.entrySet()) {
                if (!byRegion.containsKey(e.getKey())) {
                    byRegion.put(e.getKey(), bindRegion(registry, e.getValue()));
                }
            }
        }
    }
}
