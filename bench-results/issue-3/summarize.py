#!/usr/bin/env python3
"""Prints the SpillBench table and the TVM/plain ratios of bench-results/issue-3 (markdown).

Every SpillBench score is in pages/s (64 KiB pages, @OperationsPerInvocation(1024)):
MiB/s = score / 16, MB/s = score * 65536 / 1e6.
"""
import json
import os
import sys

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "spill.json")
runs = json.load(open(path))

PAGE = 65536
METHODS = ["tvmSpill", "plainWrite", "tvmFault", "plainRead", "plainReadDiscarded", "tvmRoundTrip", "plainRoundTrip"]
GRANS = ["page", "region"]
PARTS = ["partStageCopy", "partCrc32c", "partDiscard", "partDiscardBatch"]

res = {}
for r in runs:
    name = r["benchmark"].rsplit(".", 1)[-1]
    gran = r.get("params", {}).get("granularity")
    m = r["primaryMetric"]
    raw = sorted(x for xs in m["rawData"] for x in xs)
    n = len(raw)
    med = raw[n // 2] if n % 2 else (raw[n // 2 - 1] + raw[n // 2]) / 2
    err = m["scoreError"]
    err = float(err) if isinstance(err, (int, float)) else float("nan")  # "NaN" for a single iteration
    res[(name, gran)] = dict(score=m["score"], err=err, med=med, lo=raw[0], hi=raw[-1])


def mib(pages_per_s):
    return pages_per_s * PAGE / (1 << 20)


def mb(pages_per_s):
    return pages_per_s * PAGE / 1e6


print("| method | granularity | pages/s (mean ± 99.9% CI) | MiB/s | MB/s | MiB/s min..max of 5 iterations |")
print("|---|---|---:|---:|---:|---:|")
for meth in METHODS:
    for g in GRANS:
        x = res.get((meth, g))
        if x is None:
            continue
        err = x["err"]
        print(f"| `{meth}` | {g} | {x['score']:,.0f} ± {err:,.0f} | {mib(x['score']):,.0f} | {mb(x['score']):,.0f} "
              f"| {mib(x['lo']):,.0f}..{mib(x['hi']):,.0f} |")

for meth in PARTS:
    x = res.get((meth, None))
    if x is None:
        continue
    print(f"| `{meth}` | (either) | {x['score']:,.0f} ± {x['err']:,.0f} | {mib(x['score']):,.0f} | {mb(x['score']):,.0f} "
          f"| {mib(x['lo']):,.0f}..{mib(x['hi']):,.0f} |")

print()
print("| ratio (TVM / plain, same run) | page | region |")
print("|---|---:|---:|")


def ratio(a, b, g, key="score"):
    if (a, g) not in res or (b, g) not in res:
        return float("nan")
    return res[(a, g)][key] / res[(b, g)][key]


rows = [
    ("**spill**: tvmSpill / plainWrite", "tvmSpill", "plainWrite"),
    ("**fault**: tvmFault / plainRead", "tvmFault", "plainRead"),
    ("round trip: tvmRoundTrip / plainRoundTrip", "tvmRoundTrip", "plainRoundTrip"),
    ("fault vs a read into released memory: tvmFault / plainReadDiscarded", "tvmFault", "plainReadDiscarded"),
    ("released vs resident destination: plainReadDiscarded / plainRead", "plainReadDiscarded", "plainRead"),
]
for label, a, b in rows:
    cells = []
    for g in GRANS:
        m = ratio(a, b, g)
        md = ratio(a, b, g, "med")
        cells.append(f"{m:.2f} (median {md:.2f})")
    print(f"| {label} | " + " | ".join(cells) + " |")

print()
print("Consistency: the round trip predicted from the separate spill and fault scores, 1/(1/spill + 1/fault),")
print("against the measured round trip (no per-invocation setup):")
print()
for g in GRANS:
    try:
        s, f, rt = res[("tvmSpill", g)]["score"], res[("tvmFault", g)]["score"], res[("tvmRoundTrip", g)]["score"]
        w, rd, prt = res[("plainWrite", g)]["score"], res[("plainRead", g)]["score"], res[("plainRoundTrip", g)]["score"]
    except KeyError:
        continue
    print(f"- {g}: TVM predicted {1 / (1 / s + 1 / f):,.0f} pages/s, measured {rt:,.0f}; "
          f"plain predicted {1 / (1 / w + 1 / rd):,.0f}, measured {prt:,.0f}")
print()
print("Time per 64 KiB page (1e6 / pages/s), µs:")
print()
for g in GRANS:
    parts = []
    for meth in METHODS:
        if (meth, g) in res:
            parts.append(f"{meth} {1e6 / res[(meth, g)]['score']:.2f}")
    print(f"- {g}: " + ", ".join(parts))

us = {k: 1e6 / v["score"] for k, v in res.items()}
if all((p, None) in us for p in PARTS):
    copy, crc, madv = us[("partStageCopy", None)], us[("partCrc32c", None)], us[("partDiscard", None)]
    print()
    print("Decomposition per 64 KiB page, µs (cost parts measured alone in the same run; residual = the rest:")
    print("locks, slot allocation, policy bookkeeping, per-call allocations, batching differences):")
    print()
    print("| granularity | path | TVM | = plain I/O | + staging copy | + CRC32C | + madvise | + residual |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for g in GRANS:
        if ("tvmSpill", g) in us and ("plainWrite", g) in us:
            t, w = us[("tvmSpill", g)], us[("plainWrite", g)]
            print(f"| {g} | spill | {t:.1f} | {w:.1f} (plainWrite) | {copy:.1f} | {crc:.1f} | {madv:.1f} "
                  f"| {t - w - copy - crc - madv:.1f} |")
        if ("tvmFault", g) in us and ("plainReadDiscarded", g) in us:
            t, r = us[("tvmFault", g)], us[("plainReadDiscarded", g)]
            rr = us[("plainRead", g)]
            print(f"| {g} | fault | {t:.1f} | {r:.1f} (plainReadDiscarded = plainRead {rr:.1f} + zero-fill "
                  f"{r - rr:.1f}) | – | {crc:.1f} | – | {t - r - crc:.1f} |")
