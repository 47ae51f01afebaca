#!/usr/bin/env python3
"""Smoke test of one sluice binary, with the standard library only.

Starts BINARY on port 0 with a fresh data directory (the default mode of
scripts/start and the Docker image), checks /_sluice/health, creates a
python function and invokes it once, then stops the server with SIGTERM and
expects a clean exit. CI runs it on the builds users get (scripts/start's
release build, the Dockerfile's installed and stripped binary, clang).

Usage: tests/smoke/smoke.py BINARY
Exits 0 when every step passed, 1 otherwise, naming the step that failed.
"""

import base64
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

READY_TIMEOUT = 10.0   # start-to-ready is milliseconds; this only bounds a hang
STOP_TIMEOUT = 10.0

HANDLER = "def handler(event, context):\n    return {'echo': event, 'fn': context.function_name}\n"


def fail(step, detail):
    print("smoke: FAILED at %s: %s" % (step, detail), file=sys.stderr)
    sys.exit(1)


def request(base, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def code_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", HANDLER)
    return base64.b64encode(buf.getvalue()).decode()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="sluice-smoke-") as tmp:
        ready = os.path.join(tmp, "ready")
        log = open(os.path.join(tmp, "log"), "w+")
        proc = subprocess.Popen([binary, "--port", "0", "--data-dir", os.path.join(tmp, "data"),
                                 "--ready-file", ready], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            while not os.path.exists(ready):
                if proc.poll() is not None:
                    log.seek(0)
                    fail("start", "exited %s: %s" % (proc.returncode, log.read()))
                if time.monotonic() > deadline:
                    fail("start", "no ready file after %.0f s" % READY_TIMEOUT)
                time.sleep(0.01)
            base = "http://" + open(ready).read().strip()

            st, body = request(base, "GET", "/_sluice/health")
            if st != 200 or json.loads(body).get("status") != "ok":
                fail("health", "%s %r" % (st, body))

            st, body = request(base, "POST", "/2015-03-31/functions", {
                "FunctionName": "smoke", "Runtime": "python3.11", "Handler": "index.handler",
                "Role": "arn:aws:iam::000000000000:role/smoke", "Code": {"ZipFile": code_zip()}})
            if st != 201:
                fail("CreateFunction", "%s %r" % (st, body))

            st, body = request(base, "POST", "/2015-03-31/functions/smoke/invocations", {"n": 1})
            if st != 200 or json.loads(body) != {"echo": {"n": 1}, "fn": "smoke"}:
                fail("Invoke", "%s %r" % (st, body))

            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                fail("stop", "still running %.0f s after SIGTERM" % STOP_TIMEOUT)
            if rc != 0:
                log.seek(0)
                fail("stop", "exit status %s: %s" % (rc, log.read()))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print("smoke: ok (%s: start, health, CreateFunction, Invoke, SIGTERM)" % binary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
