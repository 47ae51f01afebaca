#!/usr/bin/env python3
"""Resource limits of the HTTP front (issue 17, section 5; net/httpd.c,
server/http.c): idle connections past the limit do not lock new clients
out, a client dripping its headers or body is answered 408, concurrent
large bodies are refused 413 before they are buffered instead of growing
the server by their size, and odd framing gets a 4xx at once. Suite
"slow": thousands of sockets and a 20 s deadline, run once against the
release build.
"""

import base64
import json
import resource
import socket
import threading
import time
import unittest

from harness import SluiceTestCase

# One past the server's connection limit (server/http.c, HTTP_CONNECTION_LIMIT).
CONNECTION_LIMIT = 2048


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class LimitsTest(SluiceTestCase):
    def connect(self):
        return socket.create_connection((self.server.host, self.server.port), timeout=30)

    def roundtrip(self, data, timeout=10):
        s = self.connect()
        s.settimeout(timeout)
        try:
            s.sendall(data)
            out = b""
            while True:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                if not c:
                    break
                out += c
                if b"\r\n\r\n" in out:
                    head, _, body = out.partition(b"\r\n\r\n")
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:") and len(body) >= int(line.split(b":")[1]):
                            return out
            return out
        finally:
            s.close()

    def test_idle_connections_do_not_lock_out(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = CONNECTION_LIMIT + 300
        if hard != resource.RLIM_INFINITY and hard < want:
            self.skipTest("fd hard limit %d < %d" % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
        idle = []
        try:
            for _ in range(CONNECTION_LIMIT + 150):
                idle.append(self.connect())
            time.sleep(0.5)
            # New clients are served: a health check and an SDK call.
            t0 = time.monotonic()
            r = self.roundtrip(b"GET /_sluice/health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(r.startswith(b"HTTP/1.1 200"), r[:200])
            self.assertEqual(self.lam.list_functions()["Functions"], [])
            self.assertLess(time.monotonic() - t0, 10)
        finally:
            for s in idle:
                s.close()

    def test_slowloris_headers_answered_408(self):
        s = self.connect()
        s.settimeout(40)
        t0 = time.monotonic()
        s.sendall(b"GET /_sluice/health HTTP/1.1\r\n")
        answer = b""
        try:
            for i in range(35):
                s.sendall(b"X-Drip-%d: 1\r\n" % i)
                s.settimeout(1)
                try:
                    answer += s.recv(4096)
                    if answer:
                        break
                except socket.timeout:
                    pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        took = time.monotonic() - t0
        s.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 408"), answer[:200])
        self.assertLess(took, 30)
        self.assertGreaterEqual(took, 19)

    def test_concurrent_large_bodies_refused_before_buffering(self):
        self.create_function("big")
        # Eight CreateFunction-sized bodies announced at once, each held
        # open half-sent: the server takes a few and refuses the rest 413
        # at once, without reading them.
        n, size = 8, 70 * 1024 * 1024
        head = ("PUT /2015-03-31/functions/big/code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % size).encode()
        base = rss_kb(self.server.proc.pid)
        socks, answers = [], []
        peak = base
        try:
            for _ in range(n):
                s = self.connect()
                s.sendall(head + b"{" + b" " * (1024 * 1024))
                socks.append(s)
            time.sleep(1)
            peak = max(peak, rss_kb(self.server.proc.pid))
            for s in socks:
                s.settimeout(0.5)
                try:
                    answers.append(s.recv(4096))
                except socket.timeout:
                    answers.append(b"")
        finally:
            for s in socks:
                s.close()
        refused = [a for a in answers if a.startswith(b"HTTP/1.1 413")]
        self.assertGreaterEqual(len(refused), n - 3, [a[:80] for a in answers])
        self.assertIn(b"X-Amzn-ErrorType: RequestEntityTooLargeException", refused[0])
        self.assertLess(peak - base, 300 * 1024, "RSS grew %d kB" % (peak - base))
        # The server goes on answering.
        self.assertEqual(self.lam.get_function(FunctionName="big")["Configuration"]["FunctionName"], "big")

    def test_odd_framing_gets_4xx_at_once(self):
        cases = {
            "huge chunk size": b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"ffffffffffffffff\r\nabc",
            "gzip, chunked": b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                             b"5\r\nhello\r\n0\r\n\r\n",
        }
        for name, data in cases.items():
            with self.subTest(name):
                t0 = time.monotonic()
                r = self.roundtrip(data, timeout=5)
                self.assertRegex(r[:12], rb"^HTTP/1.1 4\d\d", r[:200])
                self.assertLess(time.monotonic() - t0, 4)
        # 1,100 query parameters (~8 KB of URL): an answer, not a closed socket.
        q = "&".join("p%d=v" % i for i in range(1100))
        r = self.roundtrip(("GET /2015-03-31/functions?%s HTTP/1.1\r\nHost: x\r\n\r\n" % q).encode())
        self.assertTrue(r.startswith(b"HTTP/1.1 200"), r[:200])


if __name__ == "__main__":
    unittest.main()
