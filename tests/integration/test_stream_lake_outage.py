"""The lake's storage fails under a running stream (the fault-injecting
storage, switched on for 4 s while the simulator produces): the stream waits,
says what it waits for, starts again when the storage works, and the lake
ends with every offset exactly once and no orphan or temporary file."""

import os
import subprocess

from conftest import assert_every_offset_exactly_once, run_smartcity, start_simulator

EVENTS = 40_000


def test_stream_waits_out_a_storage_outage_and_loses_nothing(kafka, tmp_path):
    lake = tmp_path / "lake"
    producer = start_simulator(kafka.bootstrap, tmp_path, 20, EVENTS, 5000, 21, "--faults", "0.01")
    driver = subprocess.run([os.environ["OUTAGE_DRIVER"], kafka.bootstrap, str(lake), "3", "4",
                             "14"], capture_output=True, text=True, timeout=300)
    assert driver.returncode == 0, driver.stderr[-4000:]
    assert producer.wait(timeout=300) == 0
    log = driver.stdout + driver.stderr  # spdlog writes to stdout in the driver
    assert "injected storage outage" in log, log[-3000:]
    assert "waiting for the lake" in log, log[-3000:]
    # It came back: commits after the outage ended.
    after = log[log.index("storage works again"):]
    assert "assigned" in after, after[-3000:]

    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake, "--until-caught-up")
    assert_every_offset_exactly_once(kafka.bootstrap, lake, EVENTS)
