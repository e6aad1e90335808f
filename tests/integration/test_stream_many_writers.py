"""Many `stream` processes in one consumer group writing one lake, on the real
Kafka broker: members killed with SIGKILL and restarted while the simulator
produces, and a zombie (a member stopped with SIGSTOP until its partitions
were taken over and written by another, then continued). Every offset must be
in the lake exactly once, with no orphan or temporary file."""

import datetime
import json
import random
import re
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import (SMARTCITY, KafkaBroker, run_service, assert_every_offset_exactly_once,
                      run_smartcity, start_server)

# Short sessions so that a dead or stopped member loses its partitions in
# seconds, not the default 45.
GROUP_SETTINGS = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
                  "-X", "max.poll.interval.ms=10000"]


def start_member(bootstrap, lake, log_path, group, roll="400ms"):
    return subprocess.Popen(
        [SMARTCITY, "stream", "--brokers", bootstrap, "--lake", str(lake), "--group", group,
         "--roll-interval", roll, *GROUP_SETTINGS],
        stdout=subprocess.DEVNULL, stderr=open(log_path, "ab"))


def lake_offsets(lake):
    """{(topic, partition): next offset} folded from the commit records."""
    offsets = {}
    for record in sorted((lake / "_smartcity" / "commits").glob("*.json")):
        for entry in json.loads(record.read_text())["offsets"]:
            key = (entry["topic"], entry["partition"])
            offsets[key] = max(offsets.get(key, 0), entry["next_offset"])
    return offsets


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def writer_ids(logs):
    """The writer id of each member's latest run (a log gathers its restarts)."""
    return {re.findall(r"; writer (\S+)", log.read_text())[-1] for log in logs}


def status_files(lake):
    return {p.stem for p in (lake / "_smartcity" / "status").glob("*.json")}


def stop_cleanly(member):
    member.send_signal(signal.SIGTERM)
    assert member.wait(timeout=60) == 0


def test_members_killed_and_restarted_while_producing(kafka, tmp_path):
    lake = tmp_path / "lake"
    rng = random.Random(5)
    events = 60_000
    producer = subprocess.Popen(
        [SMARTCITY, "simulate", "--brokers", kafka.bootstrap, "--vehicles", "40", "--count",
         str(events), "--rate", "2000", "--seed", "21"],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "simulate.log", "wb"))
    logs = [tmp_path / f"member-{i}.log" for i in range(3)]
    # Two members first, a third joining later: the group grows and shrinks.
    members = [start_member(kafka.bootstrap, lake, logs[i], "many") for i in range(2)]
    kills = 0
    time.sleep(3)
    members.append(start_member(kafka.bootstrap, lake, logs[2], "many"))
    while producer.poll() is None:
        time.sleep(rng.uniform(1.0, 4.0))
        victim = rng.randrange(len(members))
        members[victim].send_signal(signal.SIGKILL)
        members[victim].wait()
        kills += 1
        members[victim] = start_member(kafka.bootstrap, lake, logs[victim], "many")
    assert producer.returncode == 0, (tmp_path / "simulate.log").read_text()[-2000:]
    # Let the group settle and catch up, then leave cleanly.
    wait_for(lambda: sum(lake_offsets(lake).values()) >= events, 120, "the group to catch up")
    # Each live member reports in a status file of its own (killed members'
    # files are tidied by the members started after them), and serve adds
    # the live ones up instead of showing whichever wrote status.json last.
    live = writer_ids(logs)
    assert len(live) == 3
    wait_for(lambda: status_files(lake) == live, 30, "one status file per live member")
    server, base = start_server(lake)
    try:
        wait_for(lambda: json.load(urllib.request.urlopen(base + "/api/pipeline"))["writers"] == 3,
                 30, "serve to count three running writers")
        pipeline = json.load(urllib.request.urlopen(base + "/api/pipeline"))
        own = [json.loads((lake / "_smartcity" / "status" / f"{w}.json").read_text())
               for w in live]
        assert pipeline["state"] == "running"
        assert pipeline["records"] == sum(s["records"] for s in own)  # all caught up
    finally:
        server.terminate()
        server.wait(timeout=30)
    for member in members:
        stop_cleanly(member)
    assert status_files(lake) == set()
    assert json.loads((lake / "_smartcity" / "status.json").read_text())["state"] == "stopped"

    assert kills >= 5
    log_text = "".join(log.read_text() for log in logs)
    assert "claimed in commit" in log_text
    assert_every_offset_exactly_once(kafka.bootstrap, lake, events)


def test_a_zombie_member_is_fenced_and_rejoins(kafka, tmp_path):
    lake = tmp_path / "lake"
    # The topics hold what the first test produced; this one adds its own.
    before = sum(lake_offsets_of_broker(kafka.bootstrap).values())
    run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", "20", "--count",
                  "20000", "--rate", "0", "--seed", "22")
    total = before + 20_000
    zombie_log, owner_log = tmp_path / "zombie.log", tmp_path / "owner.log"
    # The zombie holds everything it reads (a long roll interval) ...
    zombie = start_member(kafka.bootstrap, lake, zombie_log, "zombies", roll="10m")
    status = lake / "_smartcity" / "status.json"
    wait_for(lambda: status.exists() and json.loads(status.read_text()).get("records", 0) >= total,
             60, "the zombie to read every record")
    # ... and stalls, as a swapped-out or cut-off process would.
    zombie.send_signal(signal.SIGSTOP)
    owner = start_member(kafka.bootstrap, lake, owner_log, "zombies")
    wait_for(lambda: sum(lake_offsets(lake).values()) >= total, 120,
             "the new owner to commit everything")

    zombie.send_signal(signal.SIGCONT)
    wait_for(lambda: "fenced" in zombie_log.read_text(), 60, "the zombie to be fenced")
    # It rejoins: the group rebalances over both members, and new records are
    # still written exactly once.
    wait_for(lambda: zombie_log.read_text().count("assigned") >= 2, 60, "the zombie to rejoin")
    run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", "20", "--count",
                  "5000", "--rate", "0", "--seed", "23")
    total += 5000
    time.sleep(3)
    # A clean stop commits what each holds (the zombie's roll interval is
    # long); whatever neither had read yet, a last member of the group reads.
    stop_cleanly(owner)
    stop_cleanly(zombie)
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake, "--group", "zombies",
                  "--until-caught-up")

    assert_every_offset_exactly_once(kafka.bootstrap, lake, total)


@pytest.fixture(scope="module")
def patient_kafka(tmp_path_factory):
    """A broker whose groups wait 3 s for more members before their first
    assignment, as Kafka's default does. With the test broker's 0, the first
    of several members started together is given every partition alone and
    may read and commit them all before the others join (a run in CI did),
    so that no member is ever left without partitions."""
    yield from run_service(KafkaBroker(tmp_path_factory.mktemp("patient-kafka"),
                                    {"group.initial.rebalance.delay.ms": 3000}))


def test_more_members_than_partitions_all_stop_when_caught_up(patient_kafka, tmp_path):
    """Five `--until-caught-up` members in one group over topics of three
    partitions: the range assignor leaves two with nothing to read. Those
    wait until the lake holds every partition up to its end at start (not
    merely their own, empty, share), and then every member stops."""
    kafka = patient_kafka
    lake = tmp_path / "lake"
    run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", "20", "--count",
                  "10000", "--rate", "0", "--seed", "24")
    total = sum(lake_offsets_of_broker(kafka.bootstrap).values())
    logs = [tmp_path / f"member-{i}.log" for i in range(5)]
    members = [subprocess.Popen(
        [SMARTCITY, "stream", "--brokers", kafka.bootstrap, "--lake", str(lake), "--group",
         "crowd", "--until-caught-up", *GROUP_SETTINGS],
        stdout=subprocess.DEVNULL, stderr=open(log, "wb")) for log in logs]
    stopped = {}
    try:
        deadline = time.monotonic() + 180
        while len(stopped) < len(members):
            assert time.monotonic() < deadline, "members still running after 180 s"
            for i, member in enumerate(members):
                if i not in stopped and member.poll() is not None:
                    stopped[i] = time.time()
            time.sleep(0.05)
    finally:
        for member in members:
            if member.poll() is None:
                member.kill()
    assert [m.returncode for m in members] == [0] * 5, [log.read_text()[-1000:] for log in logs]
    assert sum(lake_offsets(lake).values()) == total
    # Some member had no partitions at some point; none stopped before the
    # commit that completed the lake (claims by the members left may follow).
    assignments = [re.findall(r"assigned (\d+) partition", log.read_text()) for log in logs]
    assert any("0" in found for found in assignments), assignments
    assert all(at >= lake_completed_at(lake, total) for at in stopped.values()), stopped
    assert_every_offset_exactly_once(kafka.bootstrap, lake, total)


def lake_completed_at(lake, total):
    """When the commit came that made the lake hold `total` records, as a Unix time."""
    offsets = {}
    for record in sorted((lake / "_smartcity" / "commits").glob("*.json")):
        commit = json.loads(record.read_text())
        for entry in commit["offsets"]:
            offsets[(entry["topic"], entry["partition"])] = entry["next_offset"]
        if sum(offsets.values()) >= total:
            return datetime.datetime.fromisoformat(commit["committed_at"].rstrip("Z")).replace(
                tzinfo=datetime.timezone.utc).timestamp()
    raise AssertionError("no commit completed the lake")


def lake_offsets_of_broker(bootstrap):
    """{(topic, partition): end offset} of the five topics."""
    from confluent_kafka import Consumer, TopicPartition

    from conftest import TOPICS
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "offsets-probe"})
    try:
        metadata = consumer.list_topics(timeout=30)
        return {(topic, p): consumer.get_watermark_offsets(TopicPartition(topic, p),
                                                           timeout=30)[1]
                for topic in TOPICS for p in metadata.topics[topic].partitions}
    finally:
        consumer.close()
