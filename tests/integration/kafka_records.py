"""Reads every record of the five topics back with kcat (Debian's package), an
independent Kafka client, with exact key and payload bytes."""

import subprocess

from conftest import TOPICS


def read_all(bootstrap, topics=TOPICS, timeout=300):
    """{(topic, partition, offset): (key bytes or None, payload bytes)}"""
    records = {}
    for topic in topics:
        # Header line "partition offset keylen payloadlen", then the key and
        # payload bytes, so binary and multi-line payloads survive.
        out = subprocess.run(
            ["kcat", "-C", "-b", bootstrap, "-t", topic, "-e", "-q", "-o", "beginning",
             "-X", "fetch.message.max.bytes=8388608",
             "-f", "%p %o %K %S\n%k%s"],
            check=True, capture_output=True, timeout=timeout).stdout
        pos = 0
        while pos < len(out):
            newline = out.index(b"\n", pos)
            partition, offset, key_len, size = (int(x) for x in out[pos:newline].split())
            pos = newline + 1
            key = None
            if key_len >= 0:
                key = out[pos:pos + key_len]
                pos += key_len
            payload = out[pos:pos + max(size, 0)]
            pos += max(size, 0)
            records[(topic, partition, offset)] = (key, payload)
    return records
