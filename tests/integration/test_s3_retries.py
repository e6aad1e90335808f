"""The S3 client's retry policy on answers the real test server never gives:
throttling (503 SlowDown) and 500s are retried with backoff, saying what it
waits for; a 4xx that will not change fails at once, in one line.

This uses a scripted stand-in for S3 (it checks no signatures and knows only
the calls an empty lake needs) because S3Proxy cannot be made to throttle;
everything else about S3 is tested against S3Proxy in test_s3_lake.py."""

import http.server
import threading

import pytest

from conftest import run_smartcity

EMPTY_LISTING = (b"<?xml version='1.0' encoding='UTF-8'?><ListBucketResult>"
                 b"<IsTruncated>false</IsTruncated></ListBucketResult>")


class ScriptedS3(http.server.BaseHTTPRequestHandler):
    """Answers the first `failures` requests with `status`/`code`, then as an
    S3 bucket holding an empty lake would."""
    failures = 0
    status = 503
    code = "SlowDown"
    requests = 0

    def _answer(self, body=True):
        cls = type(self)
        cls.requests += 1
        if cls.requests <= cls.failures:
            payload = f"<Error><Code>{cls.code}</Code><Message>scripted</Message></Error>".encode()
            self.send_response(cls.status)
        elif "list-type=2" in self.path or "uploads" in self.path:
            payload = EMPTY_LISTING
            self.send_response(200)
        elif self.path.rstrip("/") == "/lake" and self.command == "HEAD":
            payload = b""
            self.send_response(200)
        else:
            payload = b"<Error><Code>NoSuchKey</Code></Error>"
            self.send_response(404)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(payload)

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer(body=False)

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted_s3():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScriptedS3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ScriptedS3.requests = 0
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def env_for(endpoint, tmp_path):
    return {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL": endpoint,
            "SMARTCITY_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin"}


@pytest.mark.parametrize("status,code", [(503, "SlowDown"), (500, "InternalError")])
def test_throttling_and_server_errors_are_retried(scripted_s3, tmp_path, status, code):
    ScriptedS3.failures, ScriptedS3.status, ScriptedS3.code = 3, status, code
    result = run_smartcity("query", "--lake", "s3://lake/city", "SELECT 42 AS answer",
                           env=env_for(scripted_s3[1], tmp_path))
    assert "42" in result.stdout
    retries = [line for line in result.stderr.splitlines() if "waiting for S3" in line]
    assert len(retries) == 3, result.stderr
    assert f"HTTP {status}" in retries[0]


def test_a_refusal_that_will_not_change_fails_at_once(scripted_s3, tmp_path):
    ScriptedS3.failures, ScriptedS3.status, ScriptedS3.code = 100, 400, "InvalidRequest"
    result = run_smartcity("query", "--lake", "s3://lake/city", "SELECT 1",
                           env=env_for(scripted_s3[1], tmp_path), check=False, timeout=30)
    assert result.returncode == 1
    assert ScriptedS3.requests == 1, "a 400 was retried"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "HTTP 400" in lines[0], result.stderr
