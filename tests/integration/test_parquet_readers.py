"""Files of smartcity's own Parquet writer, read by pyarrow, by DuckDB's
Python package and by Spark (none shares our code): every value as it was appended,
bit for bit for doubles (-0.0 too); types as the lake promises; row-group
statistics (null counts, min/max) that match the values, because readers skip
row groups by them and a wrong bound silently loses rows from a query.

tests/integration/parquet_cases_writer.cpp writes the files and, beside each,
the rows it appended (CASE.jsonl)."""

import json
import os
import struct
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

CASES = ["dead_letters", "vehicle_two_row_groups", "big_values", "nulls_only", "one_row"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parquet-cases")
    subprocess.run([os.environ["PARQUET_CASES_WRITER"], str(folder)], check=True, timeout=300)
    written = {}
    for name in CASES:
        with open(folder / f"{name}.jsonl") as f:
            written[name] = (folder / f"{name}.parquet", [json.loads(line) for line in f])
    return written


def as_written(table):
    """Rows of a pyarrow table in the driver's form: timestamps as
    microseconds, blobs as hex."""
    columns = {}
    for field in table.schema:
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type):
            column = column.cast(pa.int64())
        values = column.to_pylist()
        if pa.types.is_binary(field.type):
            values = [None if v is None else v.hex() for v in values]
        columns[field.name] = values
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and struct.pack("<d", a) == struct.pack("<d", b)
    return a == b


def assert_rows_as_written(name, got, expected):
    assert len(got) == len(expected)
    for i, (row, want) in enumerate(zip(got, expected)):
        assert row.keys() == want.keys()
        for column, value in want.items():
            assert same(row[column], value), f"{name} row {i} {column}: {row[column]!r} != {value!r}"


@pytest.mark.parametrize("name", CASES)
def test_pyarrow_reads_every_value_as_written(cases, name):
    path, expected = cases[name]
    assert_rows_as_written(name, as_written(pq.read_table(path)), expected)


@pytest.mark.parametrize("name", CASES)
def test_duckdb_reads_every_value_as_written(cases, name):
    path, expected = cases[name]
    table = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").fetch_arrow_table()
    assert_rows_as_written(name, as_written(table), expected)


def test_spark_reads_every_value_as_written(cases, spark):
    # Spark's vectorized reader, its default, knows fewer encodings than
    # pyarrow and DuckDB (it refuses BYTE_STREAM_SPLIT, for one), so every
    # encoding the writer uses is held against it too.
    from pyspark.sql import functions
    for name in CASES:
        path, expected = cases[name]
        frame = spark.read.parquet(str(path))
        columns = []
        for field in frame.schema.fields:
            column = functions.col(field.name)
            kind = field.dataType.typeName()
            if kind == "timestamp":
                column = functions.unix_micros(column)
            elif kind == "binary":
                column = functions.lower(functions.hex(column))
            columns.append(column.alias(field.name))
        rows = [row.asDict() for row in frame.select(*columns).collect()]
        assert_rows_as_written(name, rows, expected)


def test_types_are_the_lake_types(cases):
    schema = pq.read_schema(cases["dead_letters"][0])
    assert str(schema.field("_topic").type) == "string"
    assert str(schema.field("_partition").type) == "int32"
    assert str(schema.field("_offset").type) == "int64"
    assert str(schema.field("_ingested_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("raw").type) == "binary"
    assert all(field.nullable for field in schema)
    con = duckdb.connect()
    types = dict(con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{cases['dead_letters'][0]}')"
    ).fetchall())
    assert types["_ingested_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["raw"] == "BLOB" and types["reason"] == "VARCHAR"


def python_order_key(value):
    # Parquet's orders: signed integers, IEEE doubles, unsigned bytes for
    # strings (UTF-8 bytes compare like code points) and blobs.
    return value.encode() if isinstance(value, str) else value


@pytest.mark.parametrize("name", CASES)
def test_row_group_statistics_bound_the_values(cases, name):
    path, expected = cases[name]
    meta = pq.ParquetFile(path).metadata
    table = pq.read_table(path)
    begin = 0
    bounded = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        rows = table.slice(begin, group.num_rows).to_pylist()
        begin += group.num_rows
        for c in range(group.num_columns):
            chunk = group.column(c)
            name_c = chunk.path_in_schema
            values = [r[name_c] for r in rows if r[name_c] is not None]
            stats = chunk.statistics
            assert stats is not None and stats.has_null_count, (name, g, name_c)
            assert stats.null_count == len(rows) - len(values), (name, g, name_c)
            if not values:
                assert not stats.has_min_max, (name, g, name_c)
                continue
            longest = max(len(v) for v in values) if isinstance(values[0], (str, bytes)) else 0
            if longest > 256:  # long bounds are left out, by design
                assert not stats.has_min_max, (name, g, name_c)
                continue
            assert stats.has_min_max, (name, g, name_c)
            key = python_order_key
            assert key(stats.min) == min(key(v) for v in values), (name, g, name_c)
            assert key(stats.max) == max(key(v) for v in values), (name, g, name_c)
            bounded += 1
    assert begin == len(expected)
    if name != "nulls_only":
        assert bounded > 0


def test_two_row_groups_and_pages_cut_by_size(cases):
    assert pq.ParquetFile(cases["vehicle_two_row_groups"][0]).metadata.num_row_groups == 2
    con = duckdb.connect()
    # 40 values of about 100 kB: more than one page of about 1 MiB each.
    pages = con.execute(
        "SELECT total_uncompressed_size FROM parquet_metadata(?) WHERE path_in_schema = 'reason'",
        [str(cases["big_values"][0])]).fetchone()[0]
    assert pages > 3_000_000


def test_dictionary_for_repeated_columns_lengths_apart_for_unique_ones(cases):
    meta = pq.ParquetFile(cases["dead_letters"][0]).metadata.row_group(0)
    encodings = {meta.column(c).path_in_schema: meta.column(c).encodings
                 for c in range(meta.num_columns)}
    assert "RLE_DICTIONARY" in encodings["_topic"]       # 7 values in 3,000 rows
    assert "RLE_DICTIONARY" not in encodings["reason"]   # all distinct
    # The value tests above read these back: empty, multi-byte and 100 kB
    # values, nulls, pages cut by size.
    for name, column in [("dead_letters", "reason"), ("dead_letters", "key"),
                         ("big_values", "raw"), ("big_values", "reason"),
                         ("vehicle_two_row_groups", "model")]:
        chunk = pq.ParquetFile(cases[name][0]).metadata.row_group(0)
        encodings = {chunk.column(c).path_in_schema: chunk.column(c).encodings
                     for c in range(chunk.num_columns)}
        assert "DELTA_LENGTH_BYTE_ARRAY" in encodings[column], (name, column, encodings[column])


def test_offsets_and_times_as_differences(cases):
    # The value tests above read these columns back: extremes whose
    # differences wrap around, nulls, two row groups.
    for name, column in [("vehicle_two_row_groups", "_offset"), ("vehicle_two_row_groups", "timestamp"),
                         ("dead_letters", "kafka_timestamp")]:
        meta = pq.ParquetFile(cases[name][0]).metadata
        for group in range(meta.num_row_groups):
            chunk = meta.row_group(group)
            encodings = {chunk.column(c).path_in_schema: chunk.column(c).encodings
                         for c in range(chunk.num_columns)}
            assert "DELTA_BINARY_PACKED" in encodings[column], (name, column, encodings[column])


def test_duckdb_filters_by_statistics_find_every_matching_row(cases):
    # Predicates DuckDB answers with row-group statistics: a wrong bound
    # would skip a row group holding matches.
    path, expected = cases["vehicle_two_row_groups"]
    con = duckdb.connect()
    for column in ["_offset", "_partition", "speed"]:
        values = [r[column] for r in expected if r[column] is not None]
        for probe in [min(values), max(values), values[len(values) // 2], values[-1]]:
            want = sum(1 for v in values if v == probe)
            got = con.execute(f"SELECT count(*) FROM read_parquet(?) WHERE {column} = ?",
                              [str(path), probe]).fetchone()[0]
            assert got == want, (column, probe)
