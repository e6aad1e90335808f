#!/usr/bin/env python3
"""Where `smartcity stream` spends its CPU: preload N seed-shaped events into a
real Kafka broker, run `stream --until-caught-up` under `perf record`, and
break the samples down by thread role (the consuming and decoding thread,
librdkafka's threads, the commit threads) and by library, with the hottest
symbols. Needs `perf` (Debian package linux-perf).

Usage: bench/stream_profile.py [--events N] [--partitions P]"""

import argparse
import pathlib
import re
import shutil
import subprocess
import sys

from bench_common import SMARTCITY, Broker, run_measured, write_results, scratch_folder

FREQUENCY = 999  # samples per second of CPU


def perf_report(data, sort):
    """[(percent, key)] of `perf report --sort <sort>`, hottest first."""
    out = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "-g", "none",
                          "--sort", sort, "--stdio"], check=True, capture_output=True,
                         text=True).stdout
    rows = []
    for line in out.splitlines():
        match = re.match(r"\s*([\d.]+)%\s+(.*\S)", line)
        if match:
            rows.append((float(match.group(1)), match.group(2)))
    return rows


def thread_role(key, main_tid, fetch):
    """`perf report --sort pid` keys look like "28400:smartcity"."""
    tid, _, name = key.partition(":")
    direct = fetch != "librdkafka"
    if name.startswith("rdk:"):
        return ("librdkafka threads (the group, metadata)" if direct
                else "librdkafka threads (fetch, lz4 decompression)")
    if int(tid) == main_tid:
        return ("main thread (direct fetch, lz4, decode into column batches)" if direct
                else "main thread (poll, decode into column batches)")
    return "commit threads (Parquet encoding, zstd, file sync)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--fetch", choices=["auto", "direct", "librdkafka"], default="auto",
                        help="the stream's --fetch (auto is direct on the local broker)")
    args = parser.parse_args()
    if shutil.which("perf") is None:
        sys.exit("stream_profile: needs perf (apt-get install linux-perf)")

    work = scratch_folder("smartcity-profile-")
    broker = Broker(work / "kafka", args.partitions)
    data = work / "perf.data"
    try:
        print(f"preloading {args.events:,} seed-shaped events", file=sys.stderr)
        run_measured([SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed",
                      "--vehicles", "100", "--count", str(args.events), "--seed", "1", "--rate",
                      "0"])
        proc = subprocess.Popen(
            ["perf", "record", "-F", str(FREQUENCY), "-o", str(data), "--", SMARTCITY, "stream",
             "--brokers", broker.bootstrap, "--lake", str(work / "lake"), "--group", "profile",
             "--fetch", args.fetch, "--until-caught-up"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _, stderr = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"perf record of the stream failed:\n{stderr[-3000:]}")
    finally:
        broker.stop()

    threads = perf_report(data, "pid")
    # The process's first thread is the one with the lowest id.
    main_tid = min(int(key.partition(":")[0]) for _, key in threads)
    roles = {}
    for percent, key in threads:
        role = thread_role(key, main_tid, args.fetch)
        roles[role] = roles.get(role, 0.0) + percent
    libraries = perf_report(data, "dso")[:10]
    symbols = perf_report(data, "sym")[:15]
    # perf record ends with "[ perf record: Captured and wrote … (N samples) ]".
    match = re.search(r"\((\d+) samples\)", stderr)
    cpu_s = round(int(match.group(1)) / FREQUENCY, 2) if match else None

    def per_million(percent):
        return round(cpu_s * percent / 100 / args.events * 1e6, 3) if cpu_s else ""

    rows = [["thread", role, f"{percent:.1f}%", per_million(percent)]
            for role, percent in sorted(roles.items(), key=lambda item: -item[1])]
    rows += [["library", name, f"{percent:.1f}%", per_million(percent)]
             for percent, name in libraries]
    rows += [["symbol", name.replace("|", "\\|")[:90], f"{percent:.1f}%", per_million(percent)]
             for percent, name in symbols]
    name = "stream-profile" if args.fetch == "auto" else f"stream-profile-{args.fetch}"
    write_results(name,
                  {"events": args.events, "partitions": args.partitions, "fetch": args.fetch,
                   "cpu_s": cpu_s, "threads": roles,
                   "libraries": {name: percent for percent, name in libraries},
                   "symbols": {name: percent for percent, name in symbols}},
                  ["by", "what", "share of CPU samples", "CPU s per million events"], rows,
                  f"`stream --fetch {args.fetch} --until-caught-up` of {args.events:,} seed-shaped "
                  f"events under "
                  f"`perf record -F {FREQUENCY}` ({cpu_s} CPU s sampled).")


if __name__ == "__main__":
    main()
