#!/usr/bin/env python3
"""Reports through `smartcity query` against the same SQL through DuckDB's
Python package on the same committed files, on a lake of N events written by
the real pipeline (simulate -> Kafka -> stream). Both sides open the files
afresh each run (our process start and view creation included; so is
DuckDB's connection and view creation). Target: within 1.2x.

Usage: bench/query_bench.py [--events N] [--runs R]"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

import duckdb

from bench_common import ROOT, SMARTCITY, build_pipeline_lake, write_results, scratch_folder

REPORTS = ["weather", "vehicle-status", "emergencies"]


def committed_files(lake):
    files = {}
    for record in sorted((lake / "_smartcity" / "commits").glob("*.json")):
        for entry in json.loads(record.read_text())["files"]:
            files.setdefault(entry["table"], []).append(str(lake / entry["path"]))
    return files


def duckdb_python(files, sql):
    start = time.monotonic()
    con = duckdb.connect()
    for table, paths in files.items():
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({paths!r}, "
                    "hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER})")
    con.execute(sql).fetchall()
    return time.monotonic() - start


def ours(lake, report):
    start = time.monotonic()
    subprocess.run([SMARTCITY, "query", "--lake", str(lake), "--report", report, "--format",
                    "csv"], check=True, capture_output=True)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lake = scratch_folder("smartcity-query-") / "lake"
    build_pipeline_lake(lake, args.events)
    files = committed_files(lake)
    results = []
    for report in REPORTS:
        sql = (ROOT / "src" / "query" / "reports" / f"{report}.sql").read_text()
        ours_s, theirs_s = [], []
        for _ in range(args.runs):  # alternate, so drift hits both alike
            ours_s.append(ours(lake, report))
            theirs_s.append(duckdb_python(files, sql))
        results.append({"report": report, "smartcity_s": round(statistics.median(ours_s), 4),
                        "duckdb_python_s": round(statistics.median(theirs_s), 4)})
        results[-1]["ratio"] = round(results[-1]["smartcity_s"] / results[-1]["duckdb_python_s"], 3)
        print(results[-1], file=sys.stderr)
    rows = [[r["report"], r["smartcity_s"], r["duckdb_python_s"], r["ratio"]] for r in results]
    write_results("query-reports", {"events": args.events, "files": sum(map(len, files.values())),
                                    "reports": results},
                  ["report", "smartcity query s", "DuckDB Python s", "ratio"], rows,
                  f"Lake of {args.events:,} events ({sum(map(len, files.values()))} files); "
                  f"medians of {args.runs} alternating runs. Target ratio <= 1.2.")


if __name__ == "__main__":
    main()
