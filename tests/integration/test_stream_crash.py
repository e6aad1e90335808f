"""Crash test: while the simulator produces 200,000 events, the stream is
killed with SIGKILL at random moments at least ten times and restarted, and the
Kafka broker itself is killed and restarted once. The final lake must hold
every offset exactly once, with no orphan or temporary file."""

import random
import signal
import subprocess
import time

from conftest import (SMARTCITY, assert_every_offset_exactly_once, run_smartcity,
                      start_simulator)

EVENTS = 200_000
KILLS = 12


def start_stream(bootstrap, lake, log):
    return subprocess.Popen([SMARTCITY, "stream", "--brokers", bootstrap, "--lake", str(lake),
                             "--roll-interval", "400ms"], stdout=log, stderr=log)


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(kafka, tmp_path):
    lake = tmp_path / "lake"
    rng = random.Random(20261125)
    log = open(tmp_path / "stream.log", "ab")
    producer = start_simulator(kafka.bootstrap, tmp_path, 40, EVENTS, 8000, 11, "--faults",
                               "0.005")
    kills = 0
    broker_restarted = False
    stream = start_stream(kafka.bootstrap, lake, log)
    while kills < KILLS:
        time.sleep(rng.uniform(0.3, 2.5))
        stream.send_signal(signal.SIGKILL)
        stream.wait()
        kills += 1
        if kills == KILLS // 2 and not broker_restarted:
            kafka.kill()  # SIGKILL, not a clean stop
            kafka.start()
            broker_restarted = True
        # A restart right after kill -9 must not wait for a stale lock.
        stream = start_stream(kafka.bootstrap, lake, log)
    assert producer.wait(timeout=600) == 0, (tmp_path / "simulate.log").read_text()[-2000:]
    stream.send_signal(signal.SIGKILL)
    stream.wait()

    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake, "--until-caught-up",
                  "--roll-interval", "2s")

    assert_every_offset_exactly_once(kafka.bootstrap, lake, EVENTS)
    assert kills >= 10 and broker_restarted
