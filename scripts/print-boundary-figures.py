#!/usr/bin/env python3
"""Prints the figures of the `epoch_boundary_with_vehicles` benchmark of pallet_issuance and of
its controls `epoch_boundary_with_unrelated_state` and `write_with_vehicles` (the JSON file that
`dimo-node benchmark pallet --json-file` writes): the median time, and the storage reads and
writes, for each number of active vehicles (10^x)."""
import json
import statistics
import sys


def by_x(results):
    grouped = {}
    for result in results:
        grouped.setdefault(dict(result["components"])["x"], []).append(result)
    return grouped


# Times are in nanoseconds; the storage accesses are counted in a separate run (db_results).
for benchmark in json.load(open(sys.argv[1])):
    times = by_x(benchmark["time_results"])
    accesses = by_x(benchmark["db_results"])
    print(benchmark["benchmark"])
    # The unrelated-state control holds as many entries as that many vehicles would add.
    label = "as vehicles" if "unrelated" in benchmark["benchmark"] else "active vehicles"
    print(f"{label:>16} {'median time (µs)':>17} {'reads':>6} {'writes':>7} {'proof (bytes)':>14}")
    for x in sorted(times):
        time = statistics.median(run["extrinsic_time"] for run in times[x]) / 1000
        db = accesses.get(x, times[x])[0]
        print(f"{10 ** x:>16,} {time:>17.1f} {db['reads']:>6} {db['writes']:>7} {db['proof_size']:>14}")
