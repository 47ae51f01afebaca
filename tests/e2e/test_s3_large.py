#!/usr/bin/env python3
"""S3 bodies too large to hold in memory (api/s3_object.c, net/httpd.c):
a single PUT above the old 512 MiB cap goes to a spool file that becomes
the object's blob, a GET of it is sent from the file, and the server's
anonymous memory (RssAnon: what it allocates, not the page cache of the
files it maps) stays far below the object's size all along. Also: an
aws-chunked body decoded in its spool file, a Content-Length over S3's
5 GB limit refused before any byte is read, and an acknowledged large PUT
that survives kill -9. Suite "slow": it moves a few hundred megabytes.
"""

import base64
import hashlib
import os
import threading
import time
import unittest
import zlib

from harness import Server, SluiceTestCase, ClientError

MIB = 1024 * 1024
# Above the 512 MiB that sluice used to buffer in memory and refuse past.
BIG = 600 * MIB
# How much the server's anonymous memory may grow while it takes or sends
# BIG: well under the object itself, whatever the allocator keeps around.
RSS_SLACK = 96 * MIB


def rss_anon(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no RssAnon in /proc/%d/status" % pid)


class PeakRss:
    """Samples the server's RssAnon every 20 ms while in a with-block."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_anon(self.pid))
            time.sleep(0.02)

    def __enter__(self):
        self.base = rss_anon(self.pid)
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss_anon(self.pid))


def pattern(n):
    """N bytes that do not repeat within a MiB (content-addressed blobs
    would not care, but a short period could hide an offset bug)."""
    block = hashlib.sha256(b"seed").digest() * (MIB // 32)
    block = bytes((b + i) & 0xFF for i, b in enumerate(block[:4096])) + block[4096:]
    whole, rest = divmod(n, MIB)
    return b"".join(block[i % 251:] + block[:i % 251] for i in range(whole)) + block[:rest]


class S3LargeTest(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.s3 = self.server.client("s3")
        self.s3.create_bucket(Bucket="big")

    def test_single_put_above_old_cap_streams_both_ways(self):
        data = pattern(BIG)
        digest = hashlib.sha256(data).hexdigest()
        pid = self.server.proc.pid
        with PeakRss(pid) as put:
            r = self.s3.put_object(Bucket="big", Key="obj", Body=data)
        self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        del data
        self.assertLess(put.peak - put.base, RSS_SLACK,
                        "PUT grew anonymous memory by %d MiB" % ((put.peak - put.base) // MIB))
        self.assertEqual(self.s3.head_object(Bucket="big", Key="obj")["ContentLength"], BIG)
        h = hashlib.sha256()
        with PeakRss(pid) as get:
            body = self.s3.get_object(Bucket="big", Key="obj")["Body"]
            n = 0
            for chunk in iter(lambda: body.read(4 * MIB), b""):
                h.update(chunk)
                n += len(chunk)
        self.assertEqual(n, BIG)
        self.assertEqual(h.hexdigest(), digest)
        self.assertLess(get.peak - get.base, RSS_SLACK,
                        "GET grew anonymous memory by %d MiB" % ((get.peak - get.base) // MIB))
        # A range near the end comes from the same file at its offset.
        want = pattern(BIG)[BIG - 5 * MIB - 7:BIG - 7]
        r = self.s3.get_object(Bucket="big", Key="obj", Range="bytes=%d-%d" % (BIG - 5 * MIB - 7, BIG - 8))
        self.assertEqual(r["ContentRange"], "bytes %d-%d/%d" % (BIG - 5 * MIB - 7, BIG - 8, BIG))
        self.assertEqual(r["Body"].read(), want)

    def test_aws_chunked_body_in_spool_file(self):
        data = pattern(40 * MIB + 123)
        crc = base64.b64encode((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")).decode()
        parts, step = [], 3 * MIB + 1
        for i in range(0, len(data), step):
            piece = data[i:i + step]
            parts.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        body = b"".join(parts) + b"0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % crc.encode()
        hdrs = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "x-amz-decoded-content-length": str(len(data)), "x-amz-trailer": "x-amz-checksum-crc32"}
        r = self.server.request("PUT", "/big/chunked", body=body, headers=hdrs, timeout=120)
        self.assertEqual(r.status, 200, r.body[:500])
        self.assertEqual(r.header("x-amz-checksum-crc32"), crc)
        got = self.s3.get_object(Bucket="big", Key="chunked")
        self.assertEqual(got["ContentLength"], len(data))
        self.assertEqual(got["Body"].read(), data)
        # A wrong trailer: nothing stored under the key.
        bad = body.replace(crc.encode(), b"AAAAAA==")
        r = self.server.request("PUT", "/big/chunked-bad", body=bad, headers=hdrs, timeout=120)
        self.assertEqual(r.status, 400, r.body[:500])
        self.assertIn(b"<Code>BadDigest</Code>", r.body)
        with self.assertRaises(ClientError) as cm:
            self.s3.head_object(Bucket="big", Key="chunked-bad")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_over_five_gb_refused_unread(self):
        head = ("PUT /big/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
                % (5 * 1024 ** 3 + 1)).encode()
        t0 = time.monotonic()
        raw = self.server.raw(head, timeout=10)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertTrue(raw.startswith(b"HTTP/1.1 400"), raw[:200])
        self.assertIn(b"<Code>EntityTooLarge</Code>", raw)
        # Exactly 5 GiB is within the limit: the server waits for the body
        # (it answers nothing before it has it).
        head = head.replace(b"%d" % (5 * 1024 ** 3 + 1), b"%d" % (5 * 1024 ** 3))
        self.assertEqual(self.server.raw(head, timeout=1), b"")

    def test_small_subresource_bodies_stay_in_memory(self):
        # PUTs that are not an object's bytes keep their XML caps.
        self.s3.put_bucket_tagging(Bucket="big", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket="big")["TagSet"], [{"Key": "k", "Value": "v"}])
        self.s3.put_object(Bucket="big", Key="t", Body=b"x")
        self.s3.put_object_tagging(Bucket="big", Key="t", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket="big", Key="t")["TagSet"], [{"Key": "a", "Value": "b"}])


class S3LargeDurableTest(unittest.TestCase):
    def test_acknowledged_put_survives_kill_9(self):
        srv = Server(in_memory=False)
        try:
            srv.start()
            s3 = srv.client("s3")
            s3.create_bucket(Bucket="dur")
            data = pattern(20 * MIB + 5)
            s3.put_object(Bucket="dur", Key="k", Body=data)
            srv.kill()
            srv.start()
            s3 = srv.client("s3")
            self.assertEqual(s3.get_object(Bucket="dur", Key="k")["Body"].read(), data)
            # Spool files are anonymous: nothing but blobs is left beside them.
            code = os.path.join(srv.data_dir, "code")
            if os.path.isdir(code):
                self.assertEqual([f for f in os.listdir(code) if "spool" in f or ".tmp." in f], [])
        finally:
            if srv.alive():
                srv.stop()
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
