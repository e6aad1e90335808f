#!/usr/bin/env python3
"""Kafka fetch: what getting the records out of Kafka costs, with nothing else
of the stream. Preloads N seed-shaped events into a real broker (as
stream_baseline.py does), then reads all of them, several runs alternating,
with bench/kafka_fetch_bench's two clients: librdkafka (the stream's
KafkaConsumer and its poll loop) and the direct fetch (DirectFetcher:
Fetch requests on one connection per broker, records read in place out of
the response). Both must agree on every record (a digest of
each record's offset, size and ends); the measures are CPU seconds per
million records (user + system, all threads) and records/s.

Usage: bench/kafka_fetch.py [--events N] [--runs R] [--partitions P]"""

import argparse
import json
import statistics
import subprocess
import sys

from bench_common import ROOT, SMARTCITY, Broker, run_measured, scratch_folder, write_results

FETCH_BENCH = ROOT / "build" / "release" / "bench" / "kafka_fetch_bench"
CLIENTS = ["librdkafka", "direct"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--partitions", type=int, default=3)
    args = parser.parse_args()

    work = scratch_folder("smartcity-fetch-bench-")
    broker = Broker(work / "kafka", args.partitions)
    runs = {client: [] for client in CLIENTS}
    try:
        print(f"preloading {args.events:,} seed-shaped events into {broker.bootstrap}",
              file=sys.stderr)
        run_measured([SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed",
                      "--vehicles", "100", "--count", str(args.events), "--seed", "1",
                      "--rate", "0"])
        # One untimed read each: the broker's page cache and JIT warm up.
        for client in CLIENTS:
            read_once(broker, client)
        for i in range(args.runs):
            for client in (CLIENTS if i % 2 == 0 else CLIENTS[::-1]):
                result = read_once(broker, client)
                if result["records"] != args.events:
                    sys.exit(f"{client} run {i}: read {result['records']} records, "
                             f"expected {args.events}")
                runs[client].append({"run": i, **result,
                                     "records_per_s": round(result["records"] / result["wall_s"]),
                                     "cpu_s_per_million": round(result["cpu_s"] / result["records"]
                                                                * 1e6, 3)})
                print(f"{client} run {i}: {runs[client][-1]}", file=sys.stderr)
    finally:
        broker.stop()
    digests = {r["digest"] for client_runs in runs.values() for r in client_runs}
    if len(digests) != 1:
        sys.exit(f"the clients read different records: digests {sorted(digests)}")
    medians = {client: {k: statistics.median(r[k] for r in client_runs)
                        for k in ("wall_s", "records_per_s", "cpu_s_per_million")}
               for client, client_runs in runs.items()}
    rows = [[client, m["wall_s"], f"{m['records_per_s']:,.0f}", m["cpu_s_per_million"]]
            for client, m in medians.items()]
    direct, rdkafka = medians["direct"], medians["librdkafka"]
    rows.append(["direct / librdkafka", round(direct["wall_s"] / rdkafka["wall_s"], 3),
                 round(direct["records_per_s"] / rdkafka["records_per_s"], 3),
                 round(direct["cpu_s_per_million"] / rdkafka["cpu_s_per_million"], 3)])
    size = f"{args.events // 1_000_000}M" if args.events % 1_000_000 == 0 else str(args.events)
    write_results(f"kafka-fetch-{size}",
                  {"events": args.events, "partitions": args.partitions, "runs": runs,
                   "medians": medians, "digest": digests.pop()},
                  ["client (median of runs, alternating)", "wall s", "records/s",
                   "CPU s per million"], rows,
                  f"{args.events:,} seed-shaped events (lz4 batches from `smartcity simulate`), "
                  f"{args.partitions} partitions per topic, read from their beginning to their "
                  f"end, {args.runs} runs each, alternating after one untimed run each. Both "
                  f"clients read the same records (one digest over all runs). The direct fetch "
                  f"(`DirectFetcher`) runs on the caller's thread, one response ahead; librdkafka "
                  f"fetches on its own threads while the caller polls.")


def read_once(broker, client):
    out = subprocess.run([str(FETCH_BENCH), "--brokers", broker.bootstrap, "--client", client],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
