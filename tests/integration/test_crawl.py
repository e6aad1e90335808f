"""`smartcity crawl` on a lake written by the real pipeline: each catalog
state (first crawl, incremental crawl, schema change, deleted partition), the
emitted Athena and Glue definitions checked against the catalog, and the
emitted Spark DDL run for real in Spark SQL (pyspark)."""

import json
import re
import shutil

import duckdb
import pyarrow.dataset as ds
import pytest

from conftest import TABLES, run_smartcity, stream_simulated_lake

CATALOG = "_smartcity/catalog/catalog.json"


def crawl(lake, *args, check=True):
    result = run_smartcity("crawl", "--lake", lake, *args, check=check)
    summary = re.search(r"read (\d+) new commit\(s\) and (\d+) file footer", result.stderr)
    return result, (int(summary.group(1)), int(summary.group(2))) if summary else None


def catalog_of(lake):
    return json.loads((lake / CATALOG).read_text())


def count_rows(lake, table):
    return ds.dataset(lake / table, format="parquet", partitioning="hive").count_rows()


@pytest.fixture(scope="module")
def lake(kafka, tmp_path_factory):
    return stream_simulated_lake(kafka, tmp_path_factory.mktemp("lake"),
                                 10, 5000, 5, "2026-11-25T06:00:00Z")


def commits(lake):
    return len(list((lake / "_smartcity" / "commits").glob("*.json")))


def test_first_crawl_catalogs_every_table(lake):
    _, (commits_read, footers) = crawl(lake)
    catalog = catalog_of(lake)
    assert commits_read == commits(lake)
    assert set(catalog["tables"]) == set(TABLES.values())
    for table, entry in catalog["tables"].items():
        props = entry["properties"]
        assert props["record_count"] == count_rows(lake, table)
        assert props["object_count"] == len(list((lake / table).rglob("*.parquet")))
        assert props["classification"] == "parquet" and props["compression"] == "zstd"
        assert props["average_record_size"] > 0 and props["schema_version"] == 1
        assert entry["partition_keys"] == ["date", "hour"]
        folders = {p.relative_to(lake / table).as_posix()
                   for p in (lake / table).glob("date=*/hour=*")}
        assert set(entry["partitions"]) == folders
        names = [c["name"] for c in entry["columns"]]
        assert names[:2] == ["id", "device_id"] and "timestamp" in names
        assert {"_topic", "_partition", "_offset", "_ingested_at"} <= set(names)
    types = {c["name"]: c["type"] for c in catalog["tables"]["weather"]["columns"]}
    assert types["humidity"] == "INTEGER" and types["timestamp"] == "TIMESTAMP WITH TIME ZONE"


def test_second_crawl_reads_only_new_commits(kafka, lake):
    before = commits(lake)
    _, (commits_read, footers) = crawl(lake)
    assert (commits_read, footers) == (0, 0), "a crawl with nothing new read something"
    run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", 10, "--count", 1000,
                  "--seed", 6, "--start", "2026-11-26T06:00:00Z")
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake, "--until-caught-up")
    new_commits = commits(lake) - before
    _, (commits_read, footers) = crawl(lake)
    assert commits_read == new_commits > 0
    new_files = sum(len(json.loads(p.read_text())["files"])
                    for p in sorted((lake / "_smartcity" / "commits").glob("*.json"))[before:])
    assert footers == new_files
    assert catalog_of(lake)["tables"]["vehicle"]["properties"]["record_count"] == \
        count_rows(lake, "vehicle")
    assert "date=2026-11-26/hour=06" in catalog_of(lake)["tables"]["vehicle"]["partitions"]


def commit_extra_file(lake, table, partition, name, select_sql):
    """Commits a file written by another writer (DuckDB), as a schema change
    would arrive: the file first, then a commit record naming it."""
    folder = lake / table / partition
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    duckdb.connect().execute(f"COPY ({select_sql}) TO '{path}' (FORMAT parquet)")
    sequence = commits(lake) + 1
    record = {"version": 1, "sequence": sequence, "committed_at": "2026-11-27T00:00:00.000000Z",
              "writer": {"id": "test", "host": "test", "pid": 1},
              "files": [{"table": table, "path": f"{table}/{partition}/{name}",
                         "rows": 1, "bytes": path.stat().st_size}],
              "offsets": []}
    (lake / "_smartcity" / "commits" / f"{sequence:020d}.json").write_text(json.dumps(record))


def test_schema_change_policies(lake, tmp_path):
    # On a copy: the other tests read the lake's files with one schema.
    shutil.copytree(lake, tmp_path / "lake")
    lake = tmp_path / "lake"
    crawl(lake)
    base = (f"SELECT * FROM read_parquet('{lake}/gps/*/*/*.parquet', hive_partitioning=false) "
            "LIMIT 1")
    commit_extra_file(lake, "gps", "date=2026-11-27/hour=00", "extra.parquet",
                      f"SELECT *, 42.5::DOUBLE AS altitude FROM ({base})")
    before = (lake / CATALOG).read_text()
    result, _ = crawl(lake, "--on-schema-change", "fail", check=False)
    assert result.returncode == 1 and "added altitude DOUBLE" in result.stderr
    assert (lake / CATALOG).read_text() == before, "a refused crawl changed the catalog"
    result, _ = crawl(lake, "--on-schema-change", "update")
    gps = catalog_of(lake)["tables"]["gps"]
    assert gps["columns"][-1] == {"name": "altitude", "type": "DOUBLE"}
    assert gps["properties"]["schema_version"] == 2
    assert any("altitude" in line for line in catalog_of(lake)["history"])
    # A type change is reported with the file involved.
    commit_extra_file(lake, "gps", "date=2026-11-27/hour=00", "retyped.parquet",
                      f"SELECT * REPLACE (CAST(speed AS VARCHAR) AS speed) FROM ({base})")
    result, _ = crawl(lake, "--on-schema-change", "log")
    assert "type speed DOUBLE -> VARCHAR" in result.stderr and "retyped.parquet" in result.stderr
    assert {"name": "speed", "type": "DOUBLE"} in catalog_of(lake)["tables"]["gps"]["columns"]


@pytest.mark.parametrize("policy", ["log", "deprecate", "delete"])
def test_deleted_partition_policies(lake, tmp_path, policy):
    copy = tmp_path / "lake"
    shutil.copytree(lake, copy)
    crawl(copy)
    partitions = sorted(catalog_of(copy)["tables"]["traffic"]["partitions"])
    victim = partitions[0]
    shutil.rmtree(copy / "traffic" / victim)
    result, _ = crawl(copy, "--on-delete", policy)
    entry = catalog_of(copy)["tables"]["traffic"]
    assert "are gone" in result.stderr
    if policy == "log":
        assert entry["partitions"][victim]["status"] == "active"
    elif policy == "deprecate":
        assert entry["partitions"][victim]["status"] == "deprecated"
        assert entry["properties"]["record_count"] == count_rows(copy, "traffic")
    else:
        assert victim not in entry["partitions"]
        assert entry["properties"]["record_count"] == count_rows(copy, "traffic")


def test_athena_and_glue_definitions_match_the_catalog(lake):
    ddl = run_smartcity("crawl", "--lake", lake, "--emit", "athena", "--location",
                        "s3://city-bucket/lake").stdout
    glue = json.loads(run_smartcity("crawl", "--lake", lake, "--emit", "glue", "--location",
                                    "s3://city-bucket/lake").stdout)
    catalog = catalog_of(lake)
    hive = {"VARCHAR": "string", "INTEGER": "int", "BIGINT": "bigint", "DOUBLE": "double",
            "TIMESTAMP WITH TIME ZONE": "timestamp", "BLOB": "binary"}
    for table, entry in catalog["tables"].items():
        block = ddl.split(f"CREATE EXTERNAL TABLE IF NOT EXISTS `{table}` (")[1].split(";")[0]
        for column in entry["columns"]:
            assert f"`{column['name']}` {hive[column['type']]}" in block, (table, column)
        assert "PARTITIONED BY (`date` string, `hour` string)" in block
        assert f"LOCATION 's3://city-bucket/lake/{table}/'" in block
        assert "'projection.enabled'='true'" in block and "STORED AS PARQUET" in block
        item = next(g for g in glue if g["TableInput"]["Name"] == table)
        assert [c["Name"] for c in item["TableInput"]["StorageDescriptor"]["Columns"]] == \
            [c["name"] for c in entry["columns"]]
        assert [k["Name"] for k in item["TableInput"]["PartitionKeys"]] == ["date", "hour"]
        assert len(item["PartitionInputList"]) == sum(
            1 for p in entry["partitions"].values() if p["status"] == "active")


def test_spark_ddl_runs_in_spark_sql_and_counts_match(lake, spark):
    ddl = run_smartcity("crawl", "--lake", lake, "--emit", "spark").stdout
    for statement in filter(None, (s.strip() for s in ddl.split(";\n"))):
        spark.sql(statement.rstrip(";"))
    for table in TABLES.values():
        ours = int(run_smartcity("query", "--lake", lake, "--format", "csv",
                                 f"SELECT count(*) AS n FROM {table}").stdout.split('"')[3])
        assert spark.sql(f"SELECT count(*) FROM `{table}`").collect()[0][0] == ours, table
    hours = spark.sql("SELECT count(DISTINCT date, hour) FROM vehicle").collect()[0][0]
    assert hours == len(list((lake / "vehicle").glob("date=*/hour=*")))


def test_any_folder_of_parquet_json_and_csv_files(tmp_path):
    """A lake smartcity did not write: a table per top-level folder, Hive
    partitions from key=value folders, hidden files skipped, unchanged files
    not read twice."""
    root = tmp_path / "foreign"
    con = duckdb.connect()
    for region in ("north", "south"):
        folder = root / "sales" / f"region={region}"
        folder.mkdir(parents=True)
        con.execute(f"COPY (SELECT range AS id, range * 1.5 AS amount FROM range(10)) "
                    f"TO '{folder}/part-0.parquet' (FORMAT parquet, COMPRESSION snappy)")
    (root / "sales" / "region=north" / "_SUCCESS").write_text("")
    (root / "sales" / "region=north" / ".part-1.parquet.crc").write_text("x")
    (root / "events").mkdir()
    (root / "events" / "day1.jsonl").write_text(
        '{"kind": "open", "n": 1}\n{"kind": "close", "n": 2}\n')
    (root / "stations").mkdir()
    (root / "stations" / "stations.csv").write_text("name,lat,lon\nA,51.5,-0.1\nB,52.4,-1.9\n")
    _, (_, files_read) = crawl(root)
    catalog = catalog_of(root)
    sales = catalog["tables"]["sales"]
    assert sales["properties"]["record_count"] == 20
    assert sales["properties"]["compression"] == "snappy"
    assert sales["partition_keys"] == ["region"]
    assert set(sales["partitions"]) == {"region=north", "region=south"}
    assert catalog["tables"]["events"]["properties"]["classification"] == "json"
    assert catalog["tables"]["events"]["properties"]["record_count"] == 2
    stations = catalog["tables"]["stations"]
    assert stations["properties"]["classification"] == "csv"
    assert [c["name"] for c in stations["columns"]] == ["name", "lat", "lon"]
    assert files_read == 4
    _, (_, files_read) = crawl(root)
    assert files_read == 0


def test_sibling_folders_are_one_table_only_when_their_schemas_agree(tmp_path):
    root = tmp_path / "foreign"
    con = duckdb.connect()
    for sub in ("2025", "2026"):
        (root / "trips" / sub).mkdir(parents=True)
        con.execute(f"COPY (SELECT range AS id, 'x' AS name FROM range(3)) "
                    f"TO '{root}/trips/{sub}/part.parquet' (FORMAT parquet)")
    (root / "mixed" / "a").mkdir(parents=True)
    (root / "mixed" / "b").mkdir(parents=True)
    con.execute(f"COPY (SELECT range AS id FROM range(3)) TO '{root}/mixed/a/p.parquet' "
                "(FORMAT parquet)")
    con.execute(f"COPY (SELECT 'v' AS label, 2.5 AS weight) TO '{root}/mixed/b/p.parquet' "
                "(FORMAT parquet)")
    crawl(root)
    tables = catalog_of(root)["tables"]
    assert set(tables) == {"trips", "mixed_a", "mixed_b"}
    assert tables["trips"]["properties"]["record_count"] == 6
    assert [c["name"] for c in tables["mixed_b"]["columns"]] == ["label", "weight"]
