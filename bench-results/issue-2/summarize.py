#!/usr/bin/env python3
"""Prints the result table and the ratios of bench-results/issue-2 from jmh.json (markdown)."""
import json
import os
import sys

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "jmh.json")
runs = json.load(open(path))

scores = {}
rows = []
for r in runs:
    name = r["benchmark"].replace("dev.tvm.bench.", "")
    params = r.get("params", {})
    label = name + (" " + ",".join(f"{k}={v}" for k, v in params.items()) if params else "")
    m = r["primaryMetric"]
    raw = [x for xs in m["rawData"] for x in xs]
    med = sorted(raw)[len(raw) // 2] if len(raw) % 2 else sum(sorted(raw)[len(raw) // 2 - 1 : len(raw) // 2 + 1]) / 2
    scores[label] = med
    rows.append((label, m["score"], m["scoreError"], med, min(raw), max(raw), m["scoreUnit"]))

print("| benchmark | score (mean) | ± 99.9% | median | min | max | unit |")
print("|---|---:|---:|---:|---:|---:|---|")
for label, s, e, med, lo, hi, unit in rows:
    flag = " (noisy)" if e == e and s > 0 and e / s > 0.3 else ""
    print(f"| `{label}` | {s:.3f} | {e:.3f}{flag} | {med:.3f} | {lo:.3f} | {hi:.3f} | {unit} |")


def s(label):
    return scores[label]


def ratio(a, b):
    return s(a) / s(b)


print()
print("Ratios (from the medians of the measurement iterations, robust to a co-tenant burst):")
print()
H = "HandleAccessBench."
print(f"- Region.getLong / raw get: {ratio(H+'regionGet', H+'rawGet'):.1f}x; "
      f"RegionDirectory.getLong / raw get: {ratio(H+'directoryGet', H+'rawGet'):.1f}x")
print(f"- Region.setLong / raw set: {ratio(H+'regionSet', H+'rawSet'):.1f}x; "
      f"RegionDirectory.setLong / raw set: {ratio(H+'directorySet', H+'rawSet'):.1f}x")
print(f"- stale-handle refusal / checked get: {ratio(H+'directoryGetStale', H+'directoryGet'):.0f}x")
G = "GuestAllocBench."
a, b, l = s(G+"guest mode=alloc"), s(G+"guest mode=batch"), s(G+"guest mode=lease")
print(f"- guest per object: alloc {a:.2f} ns, batch {b:.2f} ns, lease {l:.2f} ns; "
      f"alloc/batch {a/b:.1f}x, alloc/lease {a/l:.0f}x, batch/lease {b/l:.0f}x")
print(f"- guest alloc / Java Region.allocate: {a/s(G+'javaAllocate'):.2f}x; "
      f"guest batch / Java allocateBatch: {b/s(G+'javaAllocateBatch'):.2f}x")
B = "BulkReadBench."
for k in ("plainCopy", "directoryRead", "guestRead"):
    print(f"- {k}: {s(B+k):.0f} ns per 64 KiB = {65536 / s(B+k):.1f} GB/s")
print(f"- guest bulk read / plain copy: {ratio(B+'guestRead', B+'plainCopy'):.2f}x; "
      f"directory read / plain copy: {ratio(B+'directoryRead', B+'plainCopy'):.2f}x")
print(f"- guestReadOnce (1 copy + 64 KiB byte sum in the guest): {s(B+'guestReadOnce'):.0f} ns; "
      f"the sum amortized over 4096 copies adds ~{(s(B+'guestReadOnce') - s(B+'guestRead')) / 4096:.1f} ns per copy")
A = "AllocatorBench."
for kind in ("BUMP", "FREE_LIST", "SLAB", "PAGE"):
    r_ = s(f"{A}regionAllocFree kind={kind},size=32")
    w = s(f"{A}rawAllocFree kind={kind},size=32")
    print(f"- {kind}: alloc+free via region {r_:.1f} ns, bare allocator {w:.1f} ns, handle layer adds {r_ - w:.1f} ns ({r_ / w:.0f}x)")
for kind in ("FREE_LIST", "SLAB"):
    r_ = s(f"{A}regionMix kind={kind},live=4096")
    w = s(f"{A}rawMix kind={kind},live=4096")
    print(f"- steady mix {kind}: region {r_:.1f} ns, bare {w:.1f} ns per free+allocate")
