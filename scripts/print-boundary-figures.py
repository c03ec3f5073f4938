#!/usr/bin/env python3
"""Prints the figures of the `epoch_boundary_with_vehicles` benchmark of pallet_issuance (the
JSON file that `dimo-node benchmark pallet --json-file` writes): the median time of the epoch
boundary, and its storage reads and writes, for each number of active vehicles (10^x)."""
import json
import statistics
import sys

results = json.load(open(sys.argv[1]))[0]["time_results"]
by_x = {}
for result in results:
    x = dict(result["components"])["x"]
    by_x.setdefault(x, []).append(result)
print(f"{'active vehicles':>16} {'median time (µs)':>17} {'reads':>6} {'writes':>7}")
for x in sorted(by_x):
    runs = by_x[x]
    time = statistics.median(run["extrinsic_time"] for run in runs) / 1000
    print(f"{10 ** x:>16,} {time:>17.1f} {runs[0]['reads']:>6} {runs[0]['writes']:>7}")
