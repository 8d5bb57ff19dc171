#!/usr/bin/env python3
"""Prints the JfrThrottleBench results of this directory as a Markdown table: mean time per 10^6
refused accesses, the ratio to `off`, and the dev.tvm.HandleCheckFailure events and recording
sizes of the measured iterations (from the `[jfr]` lines of the JMH output)."""
import json
import re
import statistics
from pathlib import Path

here = Path(__file__).parent
scores = {}
for f in ("jmh-on-off.json", "jmh-unthrottled.json"):
    p = here / f
    if p.exists():
        for r in json.loads(p.read_text()):
            bench = r["benchmark"].rsplit(".", 1)[1]
            m = r["primaryMetric"]
            scores[(bench, r["params"]["recording"])] = (m["score"], m["scoreError"], len(m["rawData"][0]) * len(m["rawData"]))

# [jfr] lines: only those of measured iterations ("Iteration   n: [jfr] ...").
events = {}
for f in ("jmh-on-off.txt", "jmh-unthrottled.txt"):
    p = here / f
    if not p.exists():
        continue
    bench = None
    for line in p.read_text().splitlines():
        b = re.match(r"# Benchmark: .*JfrThrottleBench\.(\w+)", line)
        if b:
            bench = b.group(1)
        m = re.match(r"Iteration\s+\d+: \[jfr\] (\w+): .*HandleCheckFailure=(\d+).*recording (\d+) bytes", line)
        if m:
            events.setdefault((bench, m.group(1)), []).append((int(m.group(2)), int(m.group(3))))

print("| benchmark | recording | ms per 10^6 refusals (mean ± 99.9 % CI) | n | ratio to off | HandleCheckFailure events per 10^6 (min–max) | recording size (median) |")
print("|---|---|---:|---:|---:|---:|---:|")
for bench in ("guest", "java"):
    off = scores.get((bench, "off"))
    for rec in ("off", "on", "unthrottled"):
        s = scores.get((bench, rec))
        if not s:
            continue
        ratio = f"{s[0] / off[0]:.3f}" if off else "-"
        ev = events.get((bench, rec))
        evs = f"{min(e for e, _ in ev):,}–{max(e for e, _ in ev):,}" if ev else "0 (no recording)"
        size = f"{statistics.median(b for _, b in ev) / 1e6:.2f} MB" if ev else "-"
        print(f"| {bench} | {rec} | {s[0]:.0f} ± {s[1]:.0f} | {s[2]} | {ratio} | {evs} | {size} |")
