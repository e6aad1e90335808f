#!/usr/bin/env python3
"""The dashboard's speed:
1. API latency of each report endpoint on a lake of N events (default 10M)
   written by the real pipeline: median and p99 of repeated requests on
   loopback to `smartcity serve`.
2. Time from starting `smartcity demo` (built tree, fresh broker folder and
   lake) to the first full dashboard: every report and the vehicle positions
   answering with data.

Usage: bench/dashboard_bench.py [--events N] [--requests R] [--demo-runs D]"""

import argparse
import json
import pathlib
import socket
import statistics
import subprocess
import time
import urllib.request

from bench_common import SMARTCITY, build_pipeline_lake, write_results, scratch_folder

ENDPOINTS = ["/api/reports/weather", "/api/reports/vehicle-status", "/api/reports/emergencies",
             "/api/vehicles/latest"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def api_latency(lake, requests):
    port = free_port()
    server = subprocess.Popen([SMARTCITY, "serve", "--lake", str(lake), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(base + "/api/health"), 30)
        results = []
        for endpoint in ENDPOINTS:
            get(base + endpoint)  # the first call opens the lake
            times = []
            for _ in range(requests):
                start = time.monotonic()
                get(base + endpoint)
                times.append((time.monotonic() - start) * 1000)
            times.sort()
            results.append({"endpoint": endpoint, "median_ms": round(statistics.median(times), 1),
                            "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1)})
            print(results[-1])
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def demo_to_first_dashboard():
    work = scratch_folder("smartcity-demo-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.monotonic()
    demo = subprocess.Popen([SMARTCITY, "demo", "--duration", "60s", "--port", str(free_port()),
                             "--http-port", str(port), "--lake", str(work / "lake"),
                             "--broker-data", str(work / "broker")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        full = wait_until(lambda: all(get(base + e)["rows"] for e in ENDPOINTS), 120)
        return round(time.monotonic() - start, 2) if full else None
    finally:
        demo.terminate()
        demo.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--demo-runs", type=int, default=3)
    args = parser.parse_args()
    lake = scratch_folder("smartcity-api-") / "lake"
    build_pipeline_lake(lake, args.events)
    latency = api_latency(lake, args.requests)
    demo = [demo_to_first_dashboard() for _ in range(args.demo_runs)]
    print("demo to first full dashboard:", demo)
    rows = [[r["endpoint"], r["median_ms"], r["p99_ms"]] for r in latency]
    rows.append(["`make demo` start to first full dashboard (s, median of "
                 f"{len(demo)})", statistics.median(d for d in demo if d is not None), ""])
    write_results("dashboard", {"events": args.events, "requests": args.requests,
                                "latency": latency, "demo_to_dashboard_s": demo},
                  ["endpoint", "median ms", "p99 ms"], rows,
                  f"Lake of {args.events:,} events; {args.requests} sequential requests per "
                  "endpoint on loopback after one warm-up; demo from a built tree with a fresh "
                  "broker folder (Kafka formatting included).")


if __name__ == "__main__":
    main()
