#!/usr/bin/env python3
"""The lake on S3: upload throughput of smartcity's S3 client against a plain
`curl` upload of the same bytes (bench/s3_upload_bench.cpp), and the stream's
events/s with the lake on the loopback S3 server against a local lake, on the
same preloaded events, runs alternating.

The server is S3Proxy (scripts/s3-test-server, filesystem backend on this
machine's disk): it shares the 2 cores with the stream and is not AWS, so the
ratios say what our client and commit protocol cost, not what a region does.

Usage: bench/s3_lake.py [--events N] [--runs R] [--megabytes M]"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

from bench_common import ROOT, SMARTCITY, Broker, run_measured, write_results, scratch_folder

UPLOAD_BENCH = ROOT / "build" / "release" / "bench" / "s3_upload_bench"
S3_SERVER = ROOT / "scripts" / "s3-test-server"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=int, default=64,
                        help="upload size (S3Proxy holds a single PUT in memory)")
    args = parser.parse_args()

    work = scratch_folder("smartcity-s3-bench-")
    endpoint = subprocess.run([str(S3_SERVER), "start", "--data", str(work / "s3"), "--bucket",
                               "lake"], check=True, capture_output=True,
                              text=True).stdout.strip().splitlines()[-1]
    env = dict(os.environ, AWS_ACCESS_KEY_ID="smartcity-test",
               AWS_SECRET_ACCESS_KEY="smartcity-test-secret", AWS_ENDPOINT_URL=endpoint,
               SMARTCITY_CACHE_DIR=str(work / "cache"))
    os.environ.update(env)
    broker = None
    result = {"events": args.events, "runs": args.runs, "upload_mib": args.megabytes}
    rows = []
    try:
        out = subprocess.run([str(UPLOAD_BENCH), "s3://lake/upload", str(args.megabytes),
                              str(max(args.runs, 5))], check=True, capture_output=True,
                             text=True, env=env).stdout
        uploads = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        for client in ("smartcity", "curl"):
            rates = [u["mib_per_s"] for u in uploads if u["client"] == client]
            result[f"upload_{client}_mib_per_s"] = rates
            rows.append([f"upload {args.megabytes} MiB, {client}",
                         f"{statistics.median(rates):.1f} MiB/s", len(rates)])
        ratio = (statistics.median(result["upload_smartcity_mib_per_s"]) /
                 statistics.median(result["upload_curl_mib_per_s"]))
        result["upload_ratio_smartcity_to_curl"] = round(ratio, 2)
        rows.append(["upload ratio smartcity / curl", f"{ratio:.2f}", ""])

        broker = Broker(work / "kafka")
        run_measured([SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed",
                      "--vehicles", "100", "--count", str(args.events), "--seed", "5",
                      "--rate", "0"])
        walls = {"local": [], "s3": []}
        for i in range(args.runs):
            for kind in ("local", "s3"):
                lake = str(work / f"lake-{i}") if kind == "local" else f"s3://lake/run-{i}"
                wall, cpu, rss, stderr = run_measured(
                    [SMARTCITY, "stream", "--brokers", broker.bootstrap, "--lake", lake,
                     "--group", f"bench-{kind}-{i}", "--until-caught-up"])
                walls[kind].append(wall)
                print(f"{kind} run {i}: {wall:.2f} s, {cpu:.1f} CPU s, {rss:.0f} MiB",
                      file=sys.stderr)
        for kind in ("local", "s3"):
            median = statistics.median(walls[kind])
            result[f"stream_{kind}_wall_s"] = [round(w, 2) for w in walls[kind]]
            result[f"stream_{kind}_events_per_s"] = round(args.events / median)
            rows.append([f"stream --until-caught-up, {kind} lake",
                         f"{args.events / median:,.0f} events/s", len(walls[kind])])
        ratio = result["stream_s3_events_per_s"] / result["stream_local_events_per_s"]
        result["stream_ratio_s3_to_local"] = round(ratio, 2)
        rows.append(["stream ratio S3 / local", f"{ratio:.2f}", ""])
        # The S3 lake must hold what the local one holds.
        counts = {}
        for lake in (str(work / "lake-0"), "s3://lake/run-0"):
            q = subprocess.run([SMARTCITY, "query", "--lake", lake, "--format", "json",
                                "SELECT (SELECT count(*) FROM vehicle) + (SELECT count(*) FROM gps)"
                                " + (SELECT count(*) FROM traffic) + (SELECT count(*) FROM weather)"
                                " + (SELECT count(*) FROM emergency) + "
                                "(SELECT count(*) FROM dead_letters) AS n"],
                               check=True, capture_output=True, text=True, env=env)
            counts[lake] = json.loads(q.stdout)[0]["n"]
        if set(counts.values()) != {args.events}:
            sys.exit(f"lakes disagree: {counts}")
    finally:
        if broker:
            broker.stop()
        subprocess.run([str(S3_SERVER), "stop", "--data", str(work / "s3")], check=False)
    write_results("s3-lake", result, ["what", "median", "runs"], rows,
                  f"S3Proxy 2.9.0 (filesystem-nio2) on 127.0.0.1; {args.events:,} seed-shaped "
                  "events; upload: our client (multipart, 8 MiB parts, 4 in flight) against "
                  "one curl PUT with its payload hash precomputed; both lakes checked to hold "
                  "every event.")


if __name__ == "__main__":
    main()
