"""`smartcity serve`'s HTTP API on a lake written by the real pipeline: every
endpoint, the report filters, the token rules, hostile paths and SQL, and the
request size limit."""

import json
import urllib.error
import urllib.request

import pytest

from conftest import free_port, run_smartcity, start_server, stream_simulated_lake


@pytest.fixture(scope="module")
def lake(kafka, tmp_path_factory):
    return stream_simulated_lake(kafka, tmp_path_factory.mktemp("lake"),
                                 8, 4000, 9, "2026-11-25T06:00:00Z")


@pytest.fixture(scope="module")
def server(lake):
    process, base = start_server(lake)
    yield base
    process.terminate()
    process.wait(timeout=30)


def call(base, path, body=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers.get_content_type()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get_content_type()


def query_json(lake, sql):
    return json.loads(run_smartcity("query", "--lake", lake, "--format", "json", sql).stdout)


def test_health_tables_and_latest_vehicles(server, lake):
    status, body, kind = call(server, "/api/health")
    assert status == 200 and json.loads(body)["status"] == "ok" and kind == "application/json"
    tables = {t["name"]: t for t in json.loads(call(server, "/api/tables")[1])}
    assert set(tables) == {"vehicle", "gps", "traffic", "weather", "emergency", "dead_letters"}
    assert tables["gps"]["rows"] == query_json(lake, "SELECT count(*) AS n FROM gps")[0]["n"]
    assert {"name": "timestamp", "type": "TIMESTAMP WITH TIME ZONE"} in tables["gps"]["columns"]
    assert tables["vehicle"]["partitions"] and tables["dead_letters"]["rows"] == 0
    latest = json.loads(call(server, "/api/vehicles/latest")[1])
    assert len(latest["rows"]) == 8
    assert latest["columns"][:3] == ["device_id", "latitude", "longitude"]
    tracks = json.loads(call(server, "/api/vehicles/tracks?points=5")[1])
    assert set(tracks) == {row[0] for row in latest["rows"]}
    for row in latest["rows"]:
        route = tracks[row[0]]
        assert len(route) == 5 and route[-1] == [row[2], row[1]], "a route ends where it is now"
    assert call(server, "/api/vehicles/tracks?points=0")[0] == 400


@pytest.mark.parametrize("name", ["weather", "vehicle-status", "emergencies"])
def test_reports_equal_the_query_verb(server, lake, name):
    api = json.loads(call(server, f"/api/reports/{name}")[1])
    cli = json.loads(run_smartcity("query", "--lake", lake, "--format", "json", "--report",
                                   name).stdout)
    assert [dict(zip(api["columns"], row)) for row in api["rows"]] == cli
    status, csv_text, kind = call(server, f"/api/reports/{name}?format=csv")
    assert kind == "text/csv" and csv_text == run_smartcity(
        "query", "--lake", lake, "--format", "csv", "--report", name).stdout


def test_report_filters(server, lake):
    device = "Vehicle-0003"
    rows = json.loads(call(server, f"/api/reports/emergencies?device={device}&status=Active")[1])
    expected = query_json(lake, "SELECT type, status, count(*) AS records FROM emergency "
                                f"WHERE device_id = '{device}' AND status = 'Active' "
                                "GROUP BY ALL ORDER BY type, status")
    assert [r[2] for r in rows["rows"]] == [e["records"] for e in expected]
    window = "from=2026-11-25T07:00:00Z&to=2026-11-25T08:00:00Z"
    weather = json.loads(call(server, f"/api/reports/weather?{window}&condition=Rainy")[1])
    expected = query_json(lake, "SELECT count(*) AS n FROM weather WHERE weather_condition = 'Rainy' "
                                "AND timestamp >= '2026-11-25T07:00:00Z' "
                                "AND timestamp < '2026-11-25T08:00:00Z'")[0]["n"]
    assert sum(r[1] for r in weather["rows"]) == expected
    status, body, _ = call(server, "/api/reports/weather?from=yesterday")
    assert status == 400 and "ISO-8601" in json.loads(body)["error"]
    status, body, _ = call(server, "/api/reports/weather?device=x'%20OR%201=1--")
    assert status == 200 and json.loads(body)["rows"] == []  # quoted, not injected


def test_query_endpoint_and_its_sandbox(server):
    status, body, _ = call(server, "/api/query", {"sql": "SELECT count(*) AS n FROM traffic"})
    assert status == 200 and json.loads(body)["columns"] == ["n"]
    for sql in ["COPY traffic TO '/tmp/x.csv'", "SELECT * FROM read_text('/etc/hostname')",
                "SET threads = 1", "SELECT 1; SELECT 2", "INSTALL httpfs"]:
        status, body, _ = call(server, "/api/query", {"sql": sql})
        assert status == 400 and json.loads(body)["error"], sql
    for raw in [b"not json", b'{"query": "SELECT 1"}', b'{"sql": 1}']:
        status, body, _ = call(server, "/api/query", raw=raw)
        assert status == 400 and "sql" in json.loads(body)["error"]
    status, body, _ = call(server, "/api/query", raw=b'{"sql": "' + b"x" * 200_000 + b'"}')
    assert status == 413


def test_pipeline_metrics_and_unknown_paths(server):
    pipeline = json.loads(call(server, "/api/pipeline")[1])
    assert pipeline["state"] == "stopped" and pipeline["commits"] >= 1 and pipeline["records"] == 4000
    status, text, kind = call(server, "/metrics")
    assert status == 200 and "smartcity_stream_records_total 4000" in text
    assert call(server, "/api/nope")[0] == 404
    assert call(server, "/api/reports/nope")[0] == 404
    for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/vendor/../../../etc/passwd"]:
        status, body, _ = call(server, path)
        assert status in (400, 404) and "root:" not in body, path
    assert call(server, "/")[0] == 200


def test_token_rules(lake):
    result = run_smartcity("serve", "--lake", lake, "--host", "0.0.0.0", "--port", free_port(),
                           check=False, timeout=30)
    assert result.returncode == 2 and "--token" in result.stderr
    process, base = start_server(lake, "--token", "s3cret")
    try:
        assert call(base, "/api/health")[0] == 401
        assert call(base, "/metrics")[0] == 401
        assert call(base, "/api/health", headers={"Authorization": "Bearer wrong"})[0] == 401
        assert call(base, "/api/health", headers={"Authorization": "Bearer s3cret"})[0] == 200
        assert call(base, "/")[0] == 200  # the page itself is public; its data is not
    finally:
        process.terminate()
        process.wait(timeout=30)
