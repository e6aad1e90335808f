#!/usr/bin/env python3
"""Parquet writer options: CPU time of DuckDB 1.4.4's COPY ... TO parquet (one
thread, insertion order kept, as src/lake/parquet_file_writer.cpp runs it) for
a vehicle-shaped table of N rows, under the options the lake uses and a few
others. Runs are interleaved in a new random order each round and reported as
the median ratio to the lake's previous options, so that load from other
processes on a shared machine cancels out. Each file is read back and compared
with the source table, and its encodings are listed.

Usage: bench/parquet_options.py [--rows N] [--rounds R]"""

import argparse
import pathlib
import random
import statistics
import sys
import time

import duckdb

from bench_common import write_results, scratch_folder

BEFORE = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880"
VARIANTS = {
    "before (DuckDB's dictionary limit, 6,144)": BEFORE,
    "DICTIONARY_SIZE_LIMIT 1024 (the lake now)": BEFORE + ", DICTIONARY_SIZE_LIMIT 1024",
    "DICTIONARY_SIZE_LIMIT 256": BEFORE + ", DICTIONARY_SIZE_LIMIT 256",
    "PARQUET_VERSION V2 (not used: Spark's vectorised reader)": BEFORE + ", PARQUET_VERSION V2",
    "zstd level -1": BEFORE.replace("LEVEL 1", "LEVEL -1"),
    "snappy": "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880",
}

# Like the lake's vehicle table: unique ids, 100 devices, increasing times,
# coordinates and speeds with 16 significant digits, small enums, lineage.
SOURCE = """
CREATE TABLE vehicle AS SELECT
  gen_random_uuid()::VARCHAR AS id,
  'Vehicle-' || lpad((1 + (hash(i) % 100))::VARCHAR, 4, '0') AS device_id,
  make_timestamp(1760000000000000 + i * 997)::TIMESTAMPTZ AS timestamp,
  51.5 + (hash(i * 3) % 1000000) / 1e7 + random() / 1e9 AS latitude,
  -0.12 + (hash(i * 5) % 1000000) / 1e7 + random() / 1e9 AS longitude,
  (hash(i * 7) % 12000) / 100.0 + random() / 1e9 AS speed,
  ['North', 'North-East', 'East', 'South-East', 'South', 'South-West', 'West', 'North-West']
    [(1 + hash(i * 11) % 8)::INTEGER] AS direction,
  ['BMW', 'Volvo', 'Tesla', 'Ford', 'Toyota'][(1 + hash(i * 13) % 5)::INTEGER] AS make,
  'Model ' || (hash(i * 17) % 20)::VARCHAR AS model,
  (2010 + hash(i * 19) % 16)::INTEGER AS year,
  ['Petrol', 'Diesel', 'Electric', 'Hybrid'][(1 + hash(i * 23) % 4)::INTEGER] AS fuel_type,
  'vehicle_data' AS _topic,
  3::INTEGER AS _partition,
  (1000000 + i)::BIGINT AS _offset,
  make_timestamp(1760000010000000 + (i // 50000) * 1000)::TIMESTAMPTZ AS _ingested_at
FROM range(?) t(i)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not duckdb.__version__.startswith("1.4."):
        sys.exit(f"needs DuckDB 1.4.x, the lake's version; this is {duckdb.__version__}")

    work = scratch_folder("smartcity-parquet-")
    con = duckdb.connect(config={"threads": 1})
    con.execute("SET preserve_insertion_order = true")
    con.execute(SOURCE, [args.rows])
    copies = {name: f"COPY (SELECT * FROM vehicle) TO '{work / f'{i}.parquet'}' ({options})"
              for i, (name, options) in enumerate(VARIANTS.items())}
    for sql in copies.values():  # warm-up
        con.execute(sql)
    seconds = {name: [] for name in VARIANTS}
    ratios = {name: [] for name in VARIANTS}
    baseline = next(iter(VARIANTS))
    for round_ in range(args.rounds):
        order = list(VARIANTS)
        random.shuffle(order)
        this_round = {}
        for name in order:
            start = time.process_time()
            con.execute(copies[name])
            this_round[name] = time.process_time() - start
            seconds[name].append(this_round[name])
        for name in VARIANTS:
            ratios[name].append(this_round[name] / this_round[baseline])
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    rows, result = [], {"rows": args.rows, "rounds": args.rounds, "variants": []}
    for i, (name, options) in enumerate(VARIANTS.items()):
        path = work / f"{i}.parquet"
        same = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM vehicle EXCEPT ALL SELECT * FROM '{path}')"
        ).fetchone()[0] == 0 and con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0] == args.rows
        encodings = con.execute(
            f"SELECT path_in_schema, encodings FROM parquet_metadata('{path}') WHERE row_group_id = 0"
        ).fetchall()
        dictionary = sorted(c for c, e in encodings if "DICTIONARY" in e)
        cpu = statistics.median(seconds[name]) / args.rows * 1e6
        ratio = statistics.median(ratios[name])
        size_mb = path.stat().st_size / 1e6
        result["variants"].append({"name": name, "options": options, "cpu_s_per_million": round(cpu, 3),
                                   "ratio_to_before": round(ratio, 3), "file_mb": round(size_mb, 2),
                                   "same_rows": same, "dictionary_columns": dictionary})
        rows.append([name, f"{cpu:.3f}", f"{ratio:.2f}", f"{size_mb:.1f}", "yes" if same else "NO",
                     ", ".join(dictionary)])
    write_results("parquet-dictionary-limit", result,
                  ["options", "CPU s per million rows (median)", "ratio to before (median)",
                   "file MB", "same rows read back", "columns with a dictionary"], rows,
                  f"DuckDB {duckdb.__version__}, one thread, {args.rows:,} vehicle-shaped rows, "
                  f"{args.rounds} interleaved rounds.")


if __name__ == "__main__":
    main()
