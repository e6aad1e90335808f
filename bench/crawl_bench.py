#!/usr/bin/env python3
"""Crawl speed: a committed lake of N small Parquet files (default 10,000, in
100 commits, as a long-running stream leaves them), crawled from scratch, then
re-crawled with nothing new. Targets: < 5 s and < 100 ms.

Usage: bench/crawl_bench.py [--files N] [--runs R]"""

import argparse
import json
import pathlib
import re
import statistics
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq

from bench_common import SMARTCITY, write_results, scratch_folder


def build_lake(root: pathlib.Path, files: int):
    commits = root / "_smartcity" / "commits"
    commits.mkdir(parents=True)
    table = pa.table({"id": pa.array(["a", "b"]), "speed": pa.array([1.0, 2.0])})
    per_commit = max(1, files // 100)
    entries = []
    for i in range(files):
        hour = i % 24
        rel = f"vehicle/date=2026-11-{1 + i // 1000 % 28:02d}/hour={hour:02d}/f{i:06d}.parquet"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="zstd")
        entries.append({"table": "vehicle", "path": rel, "rows": 2, "bytes": path.stat().st_size})
        if len(entries) == per_commit or i == files - 1:
            sequence = len(list(commits.iterdir())) + 1
            (commits / f"{sequence:020d}.json").write_text(json.dumps({
                "version": 1, "sequence": sequence, "committed_at": "2026-11-25T00:00:00.000000Z",
                "writer": {"id": "bench", "host": "bench", "pid": 1}, "files": entries,
                "offsets": []}))
            entries = []


def timed_crawl(lake, *args):
    start = time.monotonic()
    out = subprocess.run([SMARTCITY, "crawl", "--lake", str(lake), *args], check=True,
                         capture_output=True, text=True)
    wall = time.monotonic() - start
    internal = float(re.search(r"in (\d+) ms", out.stderr).group(1))
    return wall, internal


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lake = scratch_folder("smartcity-crawl-") / "lake"
    build_lake(lake, args.files)
    runs = []
    for i in range(args.runs):
        full_wall, full_ms = timed_crawl(lake, "--recrawl", "everything")
        noop_wall, noop_ms = timed_crawl(lake)
        runs.append({"run": i, "full_crawl_s": round(full_wall, 3), "full_crawl_internal_ms": full_ms,
                     "noop_recrawl_s": round(noop_wall, 3), "noop_recrawl_internal_ms": noop_ms})
        print(runs[-1])
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "run"}
    rows = [[r["run"], r["full_crawl_s"], r["noop_recrawl_s"], r["noop_recrawl_internal_ms"]]
            for r in runs]
    rows.append(["median", median["full_crawl_s"], median["noop_recrawl_s"],
                 median["noop_recrawl_internal_ms"]])
    write_results("crawl", {"files": args.files, "runs": runs, "median": median},
                  ["run", "full crawl s (process)", "no-op recrawl s (process)",
                   "no-op recrawl ms (inside)"], rows,
                  f"{args.files:,} committed Parquet files in 100 commits. Targets: full < 5 s, "
                  "no-op < 100 ms.")


if __name__ == "__main__":
    main()
