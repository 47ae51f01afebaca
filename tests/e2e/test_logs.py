#!/usr/bin/env python3
"""CloudWatch Logs end to end: function output in /aws/lambda/<fn>, and the
Logs API subset (JSON 1.1, X-Amz-Target Logs_20140328.*) through boto3, raw
HTTP and the aws CLI.

The aws CLI here is v1, which has no `aws logs tail`; the CLI tests use
`aws logs filter-log-events` and `aws logs get-log-events` instead, and the
tail test runs only under CLI v2.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_logs.py -v
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import SluiceTestCase, make_zip  # noqa: E402

ACCT = "000000000000"
REGION = "us-east-1"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STREAM_RE = r"^\d{4}/\d\d/\d\d/\[%s\][0-9a-f]{32}$"
REPORT_RE = (r"^REPORT RequestId: %s\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
             r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t(?:Init Duration: \d+\.\d\d ms\t)?$")

GROUP_NOT_FOUND = "The specified log group does not exist."
STREAM_NOT_FOUND = "The specified log stream does not exist."

HAVE_AWS_CLI = shutil.which("aws") is not None


def group_arn(name):
    return "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCT, name)


def now_ms():
    return int(time.time() * 1000)


class LogsCase(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.logs = self.server.client("logs")

    def put(self, group, stream, events, create=True):
        """Creates GROUP/STREAM as needed and puts EVENTS [(ts, message)]."""
        if create:
            for fn, kw in ((self.logs.create_log_group, {"logGroupName": group}),
                           (self.logs.create_log_stream, {"logGroupName": group, "logStreamName": stream})):
                try:
                    fn(**kw)
                except harness.ClientError as e:
                    if e.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                        raise
        return self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                        logEvents=[{"timestamp": t, "message": m} for t, m in events])

    def messages(self, events):
        return [e["message"] for e in events]

    def assertLogsError(self, fn, code, message=None, **kw):
        return self.assertAwsError(fn, code, 400, message, **kw)

    # -- lambda helpers ----------------------------------------------------
    def fn(self, name, code, **kw):
        return self.create_function(name, zip_bytes=make_zip({"index.py": code}), **kw)

    def invoke(self, name, payload=b"{}", **kw):
        resp = self.lam.invoke(FunctionName=name, Payload=payload, LogType="Tail", **kw)
        body = resp["Payload"].read()
        log = base64.b64decode(resp["LogResult"]).decode()
        rid = re.match(r"START RequestId: (%s) " % UUID, log).group(1)
        return json.loads(body) if body else None, rid, resp

    def streams(self, group, **kw):
        return self.logs.describe_log_streams(logGroupName=group, **kw)["logStreams"]

    def all_events(self, group, stream):
        return self.logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]


# ---------------------------------------------------------------------------
# Function output in CloudWatch Logs
# ---------------------------------------------------------------------------

ENV_REPORTER = """\
import os, time
N = 0
print("init output")

def handler(event, context):
    global N
    N += 1
    print("hello %d" % N)
    if isinstance(event, dict) and event.get("sleep"):
        time.sleep(event["sleep"])
    return {"stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"], "n": N}
"""


class FunctionLogsTest(LogsCase):
    GROUP = "/aws/lambda/fn"

    def test_group_appears_at_the_first_invoke(self):
        self.fn("fn", ENV_REPORTER)
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"], [])
        self.lam.invoke(FunctionName="fn", InvocationType="DryRun")
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"], [])
        before = now_ms()
        self.invoke("fn")
        groups = self.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in groups], [self.GROUP])
        g = groups[0]
        self.assertEqual(g["arn"], group_arn(self.GROUP) + ":*")
        self.assertEqual(g["logGroupArn"], group_arn(self.GROUP))
        self.assertTrue(before - 5000 <= g["creationTime"] <= now_ms() + 5000, g)
        self.assertGreater(g["storedBytes"], 0)

    def test_invocation_events(self):
        self.fn("fn", ENV_REPORTER)
        out1, rid1, _ = self.invoke("fn")
        out2, rid2, _ = self.invoke("fn")
        self.assertEqual(out1["stream"], out2["stream"], "warm invokes share the environment's stream")
        streams = self.streams(self.GROUP)
        self.assertEqual([s["logStreamName"] for s in streams], [out1["stream"]])
        self.assertRegex(out1["stream"], STREAM_RE % re.escape("$LATEST"))
        msgs = self.messages(self.all_events(self.GROUP, out1["stream"]))
        # Init output belongs to the environment's first invoke; only its place is
        # checked separately (test_init_output_precedes_start).
        # sluice's note that python3.12 runs on another Python (when it does)
        # is an init line too, like AWS's INIT_START.
        msgs_wo_init = [m for m in msgs if m != "init output" and not m.startswith("sluice: runtime ")]
        self.assertEqual(len(msgs_wo_init), 8, msgs)
        self.assertEqual(msgs_wo_init[0], "START RequestId: %s Version: $LATEST" % rid1)
        self.assertEqual(msgs_wo_init[1], "hello 1")
        self.assertEqual(msgs_wo_init[2], "END RequestId: %s" % rid1)
        self.assertRegex(msgs_wo_init[3], REPORT_RE % re.escape(rid1))
        self.assertIn("\tInit Duration: ", msgs_wo_init[3])
        self.assertEqual(msgs_wo_init[4:7], ["START RequestId: %s Version: $LATEST" % rid2, "hello 2",
                                             "END RequestId: %s" % rid2])
        self.assertRegex(msgs_wo_init[7], REPORT_RE % re.escape(rid2))
        self.assertNotIn("Init Duration", msgs_wo_init[7])
        self.assertIn("init output", msgs)
        s = streams[0]
        self.assertEqual(s["arn"], "%s:log-stream:%s" % (group_arn(self.GROUP), out1["stream"]))
        for k in ("creationTime", "firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"):
            self.assertIsInstance(s.get(k), int, (k, s))
        self.assertLessEqual(s["firstEventTimestamp"], s["lastEventTimestamp"])

    def test_init_output_precedes_start(self):
        # In CloudWatch, what the runtime prints while initialising comes before
        # the first START line of the environment's stream.
        self.fn("fn", ENV_REPORTER)
        out, rid, _ = self.invoke("fn")
        msgs = self.messages(self.all_events(self.GROUP, out["stream"]))
        start = msgs.index("START RequestId: %s Version: $LATEST" % rid)
        self.assertIn("init output", msgs)
        self.assertLess(msgs.index("init output"), start, msgs)

    def test_event_timestamps_follow_the_output(self):
        code = "import time\ndef handler(e, c):\n    print('first')\n    time.sleep(0.5)\n    print('second')\n"
        self.fn("fn", code)
        before = now_ms()
        self.invoke("fn")
        after = now_ms()
        stream = self.streams(self.GROUP)[0]["logStreamName"]
        ev = {e["message"]: e["timestamp"] for e in self.all_events(self.GROUP, stream)}
        self.assertGreaterEqual(ev["second"] - ev["first"], 400,
                                "events printed 0.5 s apart carry timestamps %d and %d" % (ev["first"], ev["second"]))
        starts = [t for m, t in ev.items() if m.startswith("START ")]
        self.assertTrue(before - 1000 <= starts[0] <= ev["first"], (before, starts, ev))
        self.assertLessEqual(ev["second"], after + 1000)

    def test_one_stream_per_environment(self):
        self.fn("fn", ENV_REPORTER, Timeout=10)
        outs = [None, None]
        clients = [self.server.client("lambda"), self.server.client("lambda")]  # one per thread
        barrier = threading.Barrier(2)

        def call(i):
            barrier.wait()
            resp = clients[i].invoke(FunctionName="fn", Payload=json.dumps({"sleep": 2}))
            outs[i] = json.loads(resp["Payload"].read())

        threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertNotEqual(outs[0]["stream"], outs[1]["stream"], "two concurrent invokes share an environment")
        names = sorted(s["logStreamName"] for s in self.streams(self.GROUP))
        self.assertEqual(names, sorted([outs[0]["stream"], outs[1]["stream"]]))
        for name in names:
            msgs = self.messages(self.all_events(self.GROUP, name))
            self.assertEqual(sum(m.startswith("START ") for m in msgs), 1, msgs)

    def test_new_stream_after_timeout_and_code_update(self):
        self.fn("fn", ENV_REPORTER, Timeout=1)
        first, _, _ = self.invoke("fn")
        _, rid_to, _ = self.invoke("fn", json.dumps({"sleep": 3}).encode())
        after_timeout, _, _ = self.invoke("fn")
        self.assertNotEqual(first["stream"], after_timeout["stream"])
        msgs = self.messages(self.all_events(self.GROUP, first["stream"]))
        timeout_lines = [m for m in msgs if m.endswith("Task timed out after 1.00 seconds")]
        self.assertEqual(len(timeout_lines), 1, msgs)
        self.assertRegex(timeout_lines[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s Task timed out after 1\.00 seconds$"
                         % re.escape(rid_to))
        self.lam.update_function_code(FunctionName="fn", ZipFile=make_zip({"index.py": ENV_REPORTER + "# v2\n"}))
        self.wait_active("fn")
        after_update, _, _ = self.invoke("fn")
        self.assertNotIn(after_update["stream"], (first["stream"], after_timeout["stream"]))
        self.assertEqual(sorted(s["logStreamName"] for s in self.streams(self.GROUP)),
                         sorted([first["stream"], after_timeout["stream"], after_update["stream"]]))

    def test_versions_and_aliases_log_to_the_function_group(self):
        self.fn("fn", ENV_REPORTER)
        self.lam.publish_version(FunctionName="fn")
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        latest, _, _ = self.invoke("fn")
        v1, rid, _ = self.invoke("fn", Qualifier="live")
        self.assertRegex(v1["stream"], STREAM_RE % re.escape("1"))
        self.assertEqual([g["logGroupName"] for g in self.logs.describe_log_groups()["logGroups"]], [self.GROUP])
        msgs = self.messages(self.all_events(self.GROUP, v1["stream"]))
        self.assertIn("START RequestId: %s Version: 1" % rid, msgs)
        # Newest stream first when ordered by LastEventTime, descending.
        time.sleep(0.01)
        self.invoke("fn")
        ordered = [s["logStreamName"] for s in self.streams(self.GROUP, orderBy="LastEventTime", descending=True)]
        self.assertEqual(ordered, [latest["stream"], v1["stream"]])
        ordered = [s["logStreamName"] for s in self.streams(self.GROUP, orderBy="LastEventTime")]
        self.assertEqual(ordered, [v1["stream"], latest["stream"]])

    def test_errors_are_logged(self):
        self.fn("fn", "def handler(e, c):\n    print('about to fail')\n    raise ValueError('boom')\n")
        _, rid, resp = self.invoke("fn")
        self.assertEqual(resp.get("FunctionError"), "Unhandled")
        stream = self.streams(self.GROUP)[0]["logStreamName"]
        msgs = self.messages(self.all_events(self.GROUP, stream))
        self.assertIn("about to fail", msgs)
        self.assertTrue(any(m.startswith("[ERROR] ValueError: boom") for m in msgs), msgs)
        self.assertEqual(msgs[-2], "END RequestId: %s" % rid)

    def test_init_error_is_logged(self):
        self.create_function("fn", zip_bytes=make_zip({"index.py": "x = 1\n"}), Handler="missing.handler")
        _, rid, _ = self.invoke("fn")
        stream = self.streams(self.GROUP)[0]["logStreamName"]
        msgs = self.messages(self.all_events(self.GROUP, stream))
        self.assertTrue(any(m.startswith("[ERROR] Runtime.ImportModuleError: Unable to import module 'missing'")
                            for m in msgs), msgs)
        self.assertRegex(msgs[-1], r"^REPORT RequestId: %s\t.*\tStatus: error\tError Type: Runtime.ImportModuleError\t$"
                         % re.escape(rid))

    def test_filter_function_logs(self):
        self.fn("fn", ENV_REPORTER)
        rids = [self.invoke("fn")[1] for _ in range(3)]
        reports = self.logs.filter_log_events(logGroupName=self.GROUP, filterPattern="REPORT")["events"]
        self.assertEqual([re.match(r"REPORT RequestId: (%s)\t" % UUID, e["message"]).group(1) for e in reports], rids)
        hello2 = self.logs.filter_log_events(logGroupName=self.GROUP, filterPattern='"hello 2"')["events"]
        self.assertEqual(self.messages(hello2), ["hello 2"])

    def test_reset_clears_logs(self):
        self.fn("fn", ENV_REPORTER)
        self.invoke("fn")
        self.assertEqual(len(self.logs.describe_log_groups()["logGroups"]), 1)
        self.server.reset()
        self.assertEqual(self.logs.describe_log_groups()["logGroups"], [])


# ---------------------------------------------------------------------------
# The Logs API itself
# ---------------------------------------------------------------------------

class LogGroupsTest(LogsCase):
    def test_create_and_describe(self):
        before = now_ms()
        self.logs.create_log_group(logGroupName="/e2e/one")
        groups = self.logs.describe_log_groups()["logGroups"]
        self.assertEqual(len(groups), 1)
        g = groups[0]
        self.assertEqual(g["logGroupName"], "/e2e/one")
        self.assertEqual(g["arn"], group_arn("/e2e/one") + ":*")
        self.assertEqual(g["logGroupArn"], group_arn("/e2e/one"))
        self.assertEqual(g["storedBytes"], 0)
        self.assertEqual(g["metricFilterCount"], 0)
        self.assertTrue(before - 5000 <= g["creationTime"] <= now_ms() + 5000, g)

    def test_create_existing(self):
        self.logs.create_log_group(logGroupName="/e2e/dup")
        self.assertLogsError(self.logs.create_log_group, "ResourceAlreadyExistsException",
                             "The specified log group already exists", logGroupName="/e2e/dup")

    def test_prefix_limit_and_pages(self):
        names = ["/e2e/%s" % c for c in "edcba"] + ["/other/x", "/e2f"]
        for n in names:
            self.logs.create_log_group(logGroupName=n)
        all_names = [g["logGroupName"] for g in self.logs.describe_log_groups()["logGroups"]]
        self.assertEqual(all_names, sorted(names))
        seen, token, pages = [], None, 0
        while True:
            kw = {"logGroupNamePrefix": "/e2e/", "limit": 2}
            if token:
                kw["nextToken"] = token
            resp = self.logs.describe_log_groups(**kw)
            pages += 1
            self.assertLessEqual(len(resp["logGroups"]), 2)
            seen += [g["logGroupName"] for g in resp["logGroups"]]
            token = resp.get("nextToken")
            if not token:
                break
            self.assertLess(pages, 10, "paging does not end")
        self.assertEqual(seen, ["/e2e/a", "/e2e/b", "/e2e/c", "/e2e/d", "/e2e/e"])
        self.assertEqual(pages, 3)
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/nothing")["logGroups"], [])

    def test_limit_over_50(self):
        with self.assertRaises(harness.ClientError) as cm:
            self.logs.describe_log_groups(limit=51)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_delete(self):
        self.put("/e2e/gone", "s", [(now_ms(), "x")])
        self.logs.delete_log_group(logGroupName="/e2e/gone")
        self.assertEqual(self.logs.describe_log_groups()["logGroups"], [])
        self.assertLogsError(self.logs.delete_log_group, "ResourceNotFoundException", GROUP_NOT_FOUND,
                             logGroupName="/e2e/gone")
        # Recreated, it starts empty.
        self.logs.create_log_group(logGroupName="/e2e/gone")
        self.assertEqual(self.streams("/e2e/gone"), [])

    def test_missing_group_errors(self):
        g = "/e2e/missing"
        t = now_ms()
        self.assertLogsError(self.logs.describe_log_streams, "ResourceNotFoundException", GROUP_NOT_FOUND, logGroupName=g)
        self.assertLogsError(self.logs.create_log_stream, "ResourceNotFoundException", GROUP_NOT_FOUND,
                             logGroupName=g, logStreamName="s")
        self.assertLogsError(self.logs.put_log_events, "ResourceNotFoundException", GROUP_NOT_FOUND,
                             logGroupName=g, logStreamName="s", logEvents=[{"timestamp": t, "message": "m"}])
        self.assertLogsError(self.logs.get_log_events, "ResourceNotFoundException", GROUP_NOT_FOUND,
                             logGroupName=g, logStreamName="s")
        self.assertLogsError(self.logs.filter_log_events, "ResourceNotFoundException", GROUP_NOT_FOUND,
                             logGroupName=g)

    def test_groups_are_per_region(self):
        self.logs.create_log_group(logGroupName="/e2e/east")
        west = self.server.client("logs", region="us-west-2")
        self.assertEqual(west.describe_log_groups()["logGroups"], [])
        west.create_log_group(logGroupName="/e2e/east")
        self.assertEqual(west.describe_log_groups()["logGroups"][0]["logGroupArn"],
                         "arn:aws:logs:us-west-2:%s:log-group:/e2e/east" % ACCT)


class LogStreamsTest(LogsCase):
    G = "/e2e/streams"

    def setUp(self):
        super().setUp()
        self.logs.create_log_group(logGroupName=self.G)
        self.t0 = now_ms() - 60000
        # Name order a, b, c; last-event order b (t0+10), c (t0+20), a (t0+30).
        for name, ts in (("s-a", 30), ("s-b", 10), ("s-c", 20)):
            self.logs.create_log_stream(logGroupName=self.G, logStreamName=name)
            self.logs.put_log_events(logGroupName=self.G, logStreamName=name,
                                     logEvents=[{"timestamp": self.t0 + ts - 5, "message": "first " + name},
                                                {"timestamp": self.t0 + ts, "message": "last " + name}])

    def names(self, **kw):
        return [s["logStreamName"] for s in self.streams(self.G, **kw)]

    def test_orderings(self):
        self.assertEqual(self.names(), ["s-a", "s-b", "s-c"])
        self.assertEqual(self.names(descending=True), ["s-c", "s-b", "s-a"])
        self.assertEqual(self.names(orderBy="LogStreamName"), ["s-a", "s-b", "s-c"])
        self.assertEqual(self.names(orderBy="LastEventTime"), ["s-b", "s-c", "s-a"])
        self.assertEqual(self.names(orderBy="LastEventTime", descending=True), ["s-a", "s-c", "s-b"])

    def test_stream_fields(self):
        s = {x["logStreamName"]: x for x in self.streams(self.G)}["s-b"]
        self.assertEqual(s["firstEventTimestamp"], self.t0 + 5)
        self.assertEqual(s["lastEventTimestamp"], self.t0 + 10)
        self.assertEqual(s["arn"], "%s:log-stream:s-b" % group_arn(self.G))
        self.assertTrue(now_ms() - 10000 <= s["lastIngestionTime"] <= now_ms() + 5000, s)
        self.assertTrue(now_ms() - 10000 <= s["creationTime"] <= now_ms() + 5000, s)

    def test_prefix_and_pages(self):
        self.logs.create_log_stream(logGroupName=self.G, logStreamName="t-1")
        self.assertEqual(self.names(logStreamNamePrefix="s-"), ["s-a", "s-b", "s-c"])
        self.assertEqual(self.names(logStreamNamePrefix="s-b"), ["s-b"])
        self.assertEqual(self.names(logStreamNamePrefix="zzz"), [])
        empty = {x["logStreamName"]: x for x in self.streams(self.G)}["t-1"]
        self.assertNotIn("firstEventTimestamp", empty)
        self.assertNotIn("lastEventTimestamp", empty)
        seen, token = [], None
        for _ in range(5):
            kw = {"limit": 3}
            if token:
                kw["nextToken"] = token
            resp = self.logs.describe_log_streams(logGroupName=self.G, **kw)
            seen += [s["logStreamName"] for s in resp["logStreams"]]
            token = resp.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, ["s-a", "s-b", "s-c", "t-1"])

    def test_last_event_time_with_prefix_is_refused(self):
        self.assertLogsError(self.logs.describe_log_streams, "InvalidParameterException",
                             "Cannot order by LastEventTime with a logStreamNamePrefix.",
                             logGroupName=self.G, orderBy="LastEventTime", logStreamNamePrefix="s-")

    def test_create_existing_stream(self):
        self.assertLogsError(self.logs.create_log_stream, "ResourceAlreadyExistsException",
                             "The specified log stream already exists", logGroupName=self.G, logStreamName="s-a")


class LogEventsTest(LogsCase):
    G = "/e2e/events"

    def setUp(self):
        super().setUp()
        self.t0 = now_ms() - 60000
        self.put(self.G, "s1", [(self.t0 + i, "m%d alpha" % i) for i in range(5)])

    def get(self, **kw):
        return self.logs.get_log_events(logGroupName=self.G, logStreamName="s1", **kw)

    def test_put_response(self):
        resp = self.logs.put_log_events(logGroupName=self.G, logStreamName="s1",
                                        logEvents=[{"timestamp": self.t0 + 10, "message": "more"}])
        self.assertIn("nextSequenceToken", resp)
        self.assertNotIn("rejectedLogEventsInfo", resp)

    def test_event_fields(self):
        before = now_ms()
        ev = self.get(startFromHead=True, limit=1)["events"][0]
        self.assertEqual(sorted(ev), ["ingestionTime", "message", "timestamp"])
        self.assertEqual((ev["timestamp"], ev["message"]), (self.t0, "m0 alpha"))
        self.assertTrue(before - 10000 <= ev["ingestionTime"] <= now_ms() + 5000, ev)

    def test_default_reads_the_newest_events(self):
        self.assertEqual(self.messages(self.get()["events"]), ["m%d alpha" % i for i in range(5)])
        resp = self.get(limit=2)
        self.assertEqual(self.messages(resp["events"]), ["m3 alpha", "m4 alpha"])
        resp = self.get(limit=2, nextToken=resp["nextBackwardToken"])
        self.assertEqual(self.messages(resp["events"]), ["m1 alpha", "m2 alpha"])
        resp = self.get(limit=2, nextToken=resp["nextBackwardToken"])
        self.assertEqual(self.messages(resp["events"]), ["m0 alpha"])
        end = self.get(limit=2, nextToken=resp["nextBackwardToken"])
        self.assertEqual(end["events"], [])
        self.assertEqual(end["nextBackwardToken"], resp["nextBackwardToken"], "the end token must repeat")

    def test_forward_from_head(self):
        resp = self.get(startFromHead=True, limit=2)
        got = self.messages(resp["events"])
        for _ in range(5):
            token = resp["nextForwardToken"]
            resp = self.get(startFromHead=True, limit=2, nextToken=token)
            if not resp["events"]:
                self.assertEqual(resp["nextForwardToken"], token, "the end token must repeat")
                break
            got += self.messages(resp["events"])
        self.assertEqual(got, ["m%d alpha" % i for i in range(5)])
        # New events appear behind the last forward token.
        self.logs.put_log_events(logGroupName=self.G, logStreamName="s1",
                                 logEvents=[{"timestamp": self.t0 + 100, "message": "late"}])
        self.assertEqual(self.messages(self.get(nextToken=resp["nextForwardToken"])["events"]), ["late"])

    def test_time_range(self):
        # GetLogEvents: startTime inclusive, endTime exclusive.
        resp = self.get(startTime=self.t0 + 1, endTime=self.t0 + 3, startFromHead=True)
        self.assertEqual(self.messages(resp["events"]), ["m1 alpha", "m2 alpha"])

    def test_missing_stream(self):
        self.assertLogsError(self.logs.get_log_events, "ResourceNotFoundException", STREAM_NOT_FOUND,
                             logGroupName=self.G, logStreamName="never-created")

    def test_put_to_missing_stream(self):
        self.assertLogsError(self.logs.put_log_events, "ResourceNotFoundException", STREAM_NOT_FOUND,
                             logGroupName=self.G, logStreamName="never-created",
                             logEvents=[{"timestamp": now_ms(), "message": "x"}])

    def test_bad_token(self):
        self.assertLogsError(self.logs.get_log_events, "InvalidParameterException",
                             logGroupName=self.G, logStreamName="s1", nextToken="garbage")


class FilterLogEventsTest(LogsCase):
    G = "/e2e/filter"

    def setUp(self):
        super().setUp()
        self.t0 = now_ms() - 60000
        # Interleaved in time across two streams.
        self.put(self.G, "a", [(self.t0 + 2 * i, "a%d ERROR disk full" % i if i % 2 else "a%d INFO ok" % i)
                               for i in range(6)])
        self.put(self.G, "b", [(self.t0 + 2 * i + 1, "b%d INFO ok" % i) for i in range(6)])

    def filter(self, **kw):
        return self.logs.filter_log_events(logGroupName=self.G, **kw)

    def test_all_events_in_time_order(self):
        evs = self.filter()["events"]
        self.assertEqual(self.messages(evs)[:4], ["a0 INFO ok", "b0 INFO ok", "a1 ERROR disk full", "b1 INFO ok"])
        self.assertEqual(len(evs), 12)
        self.assertEqual([e["timestamp"] for e in evs], [self.t0 + i for i in range(12)])
        self.assertEqual(sorted(evs[0]), ["eventId", "ingestionTime", "logStreamName", "message", "timestamp"])
        self.assertEqual([e["logStreamName"] for e in evs[:2]], ["a", "b"])
        self.assertEqual(len({e["eventId"] for e in evs}), 12)

    def test_patterns(self):
        self.assertEqual(self.messages(self.filter(filterPattern="ERROR")["events"]),
                         ["a1 ERROR disk full", "a3 ERROR disk full", "a5 ERROR disk full"])
        self.assertEqual(self.messages(self.filter(filterPattern="a3 ERROR")["events"]), ["a3 ERROR disk full"])
        self.assertEqual(self.messages(self.filter(filterPattern='"disk full"')["events"]),
                         ["a1 ERROR disk full", "a3 ERROR disk full", "a5 ERROR disk full"])
        self.assertEqual(self.filter(filterPattern='"full disk"')["events"], [])
        self.assertEqual(self.filter(filterPattern="error")["events"], [], "terms are case-sensitive")
        self.assertEqual(len(self.filter(filterPattern="")["events"]), 12)

    def test_stream_names(self):
        self.assertEqual(self.messages(self.filter(logStreamNames=["b"])["events"]), ["b%d INFO ok" % i for i in range(6)])
        self.assertEqual(len(self.filter(logStreamNames=["a", "b"])["events"]), 12)
        self.assertEqual(self.messages(self.filter(logStreamNames=["b"], filterPattern="b4")["events"]), ["b4 INFO ok"])

    def test_stream_name_prefix(self):
        self.put(self.G, "other", [(self.t0 + 50, "other stream")])
        self.assertEqual(len(self.filter(logStreamNamePrefix="a")["events"]), 6)
        self.assertEqual(self.messages(self.filter(logStreamNamePrefix="oth")["events"]), ["other stream"])

    def test_time_range(self):
        # FilterLogEvents: events before startTime or after endTime are not returned.
        evs = self.filter(startTime=self.t0 + 3, endTime=self.t0 + 5)["events"]
        self.assertEqual([e["timestamp"] for e in evs], [self.t0 + 3, self.t0 + 4, self.t0 + 5])

    def test_pages(self):
        seen, token = [], None
        for _ in range(10):
            kw = {"limit": 5}
            if token:
                kw["nextToken"] = token
            resp = self.filter(**kw)
            self.assertLessEqual(len(resp["events"]), 5)
            seen += self.messages(resp["events"])
            token = resp.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, self.messages(self.filter()["events"]))
        self.assertEqual(len(seen), 12)

    def test_pages_with_pattern(self):
        seen, token = [], None
        for _ in range(10):
            kw = {"limit": 2, "filterPattern": "INFO"}
            if token:
                kw["nextToken"] = token
            resp = self.filter(**kw)
            seen += self.messages(resp["events"])
            token = resp.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, [m for m in self.messages(self.filter()["events"]) if "INFO" in m])

    def test_paginator(self):
        pages = self.logs.get_paginator("filter_log_events").paginate(
            logGroupName=self.G, PaginationConfig={"PageSize": 4})
        self.assertEqual(len([e for p in pages for e in p["events"]]), 12)


RETENTION_VALUES = ("[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
                    "2557, 2922, 3288, 3653]")
DAY_MS = 86400 * 1000


def advance(server, seconds):
    r = server.request("POST", "/_sluice/clock", body={"advance_seconds": seconds})
    assert r.status == 200, r
    return r.json()


def clock_ms(server):
    return int(server.request("GET", "/_sluice/clock").json()["now_ms"])


class LogTagsTest(LogsCase):
    """Tags by ARN (ListTagsForResource / TagResource / UntagResource, what
    Terraform calls) and by name (the older *LogGroup calls)."""

    def test_tags_on_create_and_by_arn(self):
        self.logs.create_log_group(logGroupName="/e2e/t", tags={"team": "data", "env": "dev"})
        arn = group_arn("/e2e/t")
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "data", "env": "dev"})
        self.logs.tag_resource(resourceArn=arn, tags={"env": "prod", "x": "1"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"team": "data", "env": "prod", "x": "1"})
        self.logs.untag_resource(resourceArn=arn, tagKeys=["team", "nosuch"])
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"env": "prod", "x": "1"})
        # the same tags by name
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/e2e/t")["tags"], {"env": "prod", "x": "1"})

    def test_tags_by_name(self):
        self.logs.create_log_group(logGroupName="/e2e/n")
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/e2e/n")["tags"], {})
        self.logs.tag_log_group(logGroupName="/e2e/n", tags={"a": "1", "b": "2"})
        self.logs.untag_log_group(logGroupName="/e2e/n", tags=["a"])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/e2e/n")["tags"], {"b": "2"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=group_arn("/e2e/n"))["tags"], {"b": "2"})

    def test_group_with_events_is_taggable(self):
        self.put("/aws/lambda/f", "s", [(now_ms(), "x")])
        self.logs.tag_resource(resourceArn=group_arn("/aws/lambda/f"), tags={"k": "v"})
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/aws/lambda/f")["tags"], {"k": "v"})

    def test_arn_forms(self):
        self.logs.create_log_group(logGroupName="/e2e/a")
        # DescribeLogGroups' `arn` ends in ":*"; the tagging calls refuse it
        for bad in (group_arn("/e2e/a") + ":*", "/e2e/a", "arn:aws:logs:us-east-1:%s:destination:d" % ACCT):
            self.assertAwsError(self.logs.list_tags_for_resource, "ValidationException", 400,
                                "Invalid resourceArn", resourceArn=bad)
        # well-formed, but no such group (here, or in another region)
        for arn in (group_arn("/e2e/none"), group_arn("/e2e/a").replace(REGION, "eu-west-1")):
            for call, kw in ((self.logs.list_tags_for_resource, {}),
                             (self.logs.tag_resource, {"tags": {"a": "b"}}),
                             (self.logs.untag_resource, {"tagKeys": ["a"]})):
                self.assertLogsError(call, "ResourceNotFoundException", GROUP_NOT_FOUND, resourceArn=arn, **kw)
        for call, kw in ((self.logs.list_tags_log_group, {}), (self.logs.tag_log_group, {"tags": {"a": "b"}}),
                         (self.logs.untag_log_group, {"tags": ["a"]})):
            self.assertLogsError(call, "ResourceNotFoundException", GROUP_NOT_FOUND, logGroupName="/e2e/none",
                                 **kw)

    def test_tag_validation(self):
        self.logs.create_log_group(logGroupName="/e2e/v")
        arn = group_arn("/e2e/v")
        nv = self.server.client("logs", parameter_validation=False)
        self.assertLogsError(nv.tag_resource, "InvalidParameterException",
                             "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: "
                             "Member must have length greater than or equal to 1", resourceArn=arn, tags={})
        self.assertLogsError(self.logs.tag_resource, "InvalidParameterException", resourceArn=arn,
                             tags={"bad!key": "v"})
        self.assertLogsError(self.logs.create_log_group, "InvalidParameterException", logGroupName="/e2e/v2",
                             tags={"k": "x" * 257})
        self.assertEqual([g["logGroupName"] for g in self.logs.describe_log_groups()["logGroups"]], ["/e2e/v"])
        self.logs.tag_resource(resourceArn=arn, tags={"k%d" % i: "v" for i in range(50)})
        self.assertLogsError(self.logs.tag_resource, "TooManyTagsException", resourceArn=arn, tags={"one": "more"})
        self.assertEqual(len(self.logs.list_tags_for_resource(resourceArn=arn)["tags"]), 50)

    def test_delete_group_drops_tags_and_retention(self):
        self.logs.create_log_group(logGroupName="/e2e/d", tags={"a": "b"})
        self.logs.put_retention_policy(logGroupName="/e2e/d", retentionInDays=7)
        self.logs.delete_log_group(logGroupName="/e2e/d")
        self.logs.create_log_group(logGroupName="/e2e/d")
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/e2e/d")["tags"], {})
        self.assertNotIn("retentionInDays", self.logs.describe_log_groups()["logGroups"][0])


class LogRetentionTest(LogsCase):
    def test_put_describe_delete(self):
        self.logs.create_log_group(logGroupName="/e2e/r")
        g = self.logs.describe_log_groups()["logGroups"][0]
        self.assertNotIn("retentionInDays", g)
        self.logs.put_retention_policy(logGroupName="/e2e/r", retentionInDays=14)
        self.assertEqual(self.logs.describe_log_groups()["logGroups"][0]["retentionInDays"], 14)
        self.logs.put_retention_policy(logGroupName="/e2e/r", retentionInDays=3653)
        self.assertEqual(self.logs.describe_log_groups()["logGroups"][0]["retentionInDays"], 3653)
        self.logs.delete_retention_policy(logGroupName="/e2e/r")
        self.assertNotIn("retentionInDays", self.logs.describe_log_groups()["logGroups"][0])
        # deleting twice is fine
        self.logs.delete_retention_policy(logGroupName="/e2e/r")

    def test_invalid_values(self):
        self.logs.create_log_group(logGroupName="/e2e/r")
        for days in (0, 2, 4, 13, 366, 3654, -1):
            self.assertLogsError(self.logs.put_retention_policy, "InvalidParameterException",
                                 "1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy "
                                 "constraint: Member must satisfy enum value set: %s" % (days, RETENTION_VALUES),
                                 logGroupName="/e2e/r", retentionInDays=days)
        # the value is checked before the group's existence
        self.assertLogsError(self.logs.put_retention_policy, "InvalidParameterException",
                             logGroupName="/e2e/none", retentionInDays=2)
        self.assertLogsError(self.logs.put_retention_policy, "ResourceNotFoundException", GROUP_NOT_FOUND,
                             logGroupName="/e2e/none", retentionInDays=1)
        self.assertLogsError(self.logs.delete_retention_policy, "ResourceNotFoundException", GROUP_NOT_FOUND,
                             logGroupName="/e2e/none")
        nv = self.server.client("logs", parameter_validation=False)
        self.assertLogsError(nv.put_retention_policy, "InvalidParameterException",
                             "1 validation error detected: Value null at 'retentionInDays' failed to satisfy "
                             "constraint: Member must not be null", logGroupName="/e2e/r")
        self.assertNotIn("retentionInDays", self.logs.describe_log_groups()["logGroups"][0])

    def test_clock_advance_expires_events(self):
        now = clock_ms(self.server)
        self.put("/e2e/r", "s", [(now - 20 * 3600 * 1000, "old"), (now - 3600 * 1000, "recent"), (now, "new")])
        self.put("/e2e/keep", "s", [(now - 20 * 3600 * 1000, "kept")])
        self.logs.put_retention_policy(logGroupName="/e2e/r", retentionInDays=1)
        before = {g["logGroupName"]: g["storedBytes"] for g in self.logs.describe_log_groups()["logGroups"]}
        self.assertEqual(before["/e2e/r"], len("old") + len("recent") + len("new"))
        advance(self.server, 5 * 3600)   # "old" is now 25 h old
        self.assertEqual(self.messages(self.logs.filter_log_events(logGroupName="/e2e/r")["events"]),
                         ["recent", "new"])
        self.assertEqual(self.messages(self.logs.get_log_events(logGroupName="/e2e/r", logStreamName="s",
                                                                startFromHead=True)["events"]), ["recent", "new"])
        after = {g["logGroupName"]: g["storedBytes"] for g in self.logs.describe_log_groups()["logGroups"]}
        self.assertEqual(after["/e2e/r"], len("recent") + len("new"))
        # a group without a policy keeps everything
        self.assertEqual(self.messages(self.logs.filter_log_events(logGroupName="/e2e/keep")["events"]), ["kept"])
        advance(self.server, 24 * 3600)
        self.assertEqual(self.logs.filter_log_events(logGroupName="/e2e/r")["events"], [])
        self.assertEqual(self.messages(self.logs.filter_log_events(logGroupName="/e2e/keep")["events"]), ["kept"])

    def test_background_tick_expires_without_an_advance(self):
        now = clock_ms(self.server)
        self.put("/e2e/r", "s", [(now - 2 * DAY_MS, "two days"), (now, "now")])
        self.logs.put_retention_policy(logGroupName="/e2e/r", retentionInDays=1)
        deadline = time.monotonic() + 5
        while True:
            msgs = self.messages(self.logs.filter_log_events(logGroupName="/e2e/r")["events"])
            if msgs == ["now"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(msgs, ["now"])

    def test_longer_retention_keeps_more(self):
        now = clock_ms(self.server)
        self.put("/e2e/r", "s", [(now - 2 * DAY_MS, "two days")])
        self.logs.put_retention_policy(logGroupName="/e2e/r", retentionInDays=3)
        advance(self.server, 1)
        self.assertEqual(self.messages(self.logs.filter_log_events(logGroupName="/e2e/r")["events"]), ["two days"])
        advance(self.server, DAY_MS // 1000 + 60)
        self.assertEqual(self.logs.filter_log_events(logGroupName="/e2e/r")["events"], [])


class LogsRestartTest(LogsCase):
    server_kwargs = {"in_memory": False}

    def test_tags_and_retention_survive_and_apply_after_restart(self):
        now = clock_ms(self.server)
        self.logs.create_log_group(logGroupName="/e2e/r", tags={"team": "data"})
        self.put("/e2e/r", "s", [(now - 12 * 3600 * 1000, "half a day"), (now, "now")])
        self.logs.put_retention_policy(logGroupName="/e2e/r", retentionInDays=1)
        self.server.restart()
        self.logs = self.server.client("logs")
        g = self.logs.describe_log_groups()["logGroups"][0]
        self.assertEqual(g["retentionInDays"], 1)
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=group_arn("/e2e/r"))["tags"], {"team": "data"})
        self.assertEqual(self.messages(self.logs.filter_log_events(logGroupName="/e2e/r")["events"]),
                         ["half a day", "now"])
        advance(self.server, 13 * 3600)
        self.assertEqual(self.messages(self.logs.filter_log_events(logGroupName="/e2e/r")["events"]), ["now"])


class LogsWireTest(LogsCase):
    def post(self, target, body):
        return self.server.request("POST", "/", body=body, headers={
            "X-Amz-Target": "Logs_20140328." + target, "Content-Type": "application/x-amz-json-1.1"})

    def test_json_11(self):
        r = self.post("CreateLogGroup", {"logGroupName": "/e2e/wire"})
        self.assertEqual(r.status, 200, r)
        r = self.post("DescribeLogGroups", {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/x-amz-json-1.1")
        self.assertEqual([g["logGroupName"] for g in r.json()["logGroups"]], ["/e2e/wire"])

    def test_error_shape(self):
        r = self.post("DescribeLogStreams", {"logGroupName": "/e2e/none"})
        self.assertEqual(r.status, 400, r)
        body = r.json()
        self.assertEqual(body["__type"].rpartition("#")[2], "ResourceNotFoundException")
        self.assertEqual(body.get("message"), GROUP_NOT_FOUND)
        self.assertTrue(r.header("x-amzn-RequestId"))

    def test_unknown_operation(self):
        r = self.post("NoSuchOperation", {})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"].rpartition("#")[2], "UnknownOperationException")

    def test_malformed_json(self):
        r = self.post("DescribeLogGroups", b"{not json")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"].rpartition("#")[2], "SerializationException")


# ---------------------------------------------------------------------------
# aws CLI (v1 here: no `aws logs tail`)
# ---------------------------------------------------------------------------

@unittest.skipUnless(HAVE_AWS_CLI, "aws CLI not on PATH")
class LogsCliTest(LogsCase):
    def aws(self, *args):
        p = self.server.cli(*args)
        self.assertEqual(p.returncode, 0, "aws %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        return p.json

    def cli_major(self):
        out = subprocess.run(["aws", "--version"], capture_output=True, text=True)
        m = re.match(r"aws-cli/(\d+)\.", (out.stdout or out.stderr).strip())
        return int(m.group(1)) if m else 0

    def test_function_logs_through_the_cli(self):
        self.fn("clifn", "def handler(e, c):\n    print('cli marker %s' % e['k'])\n")
        _, rid, _ = self.invoke("clifn", b'{"k": "one"}')
        self.invoke("clifn", b'{"k": "two"}')
        out = self.aws("logs", "filter-log-events", "--log-group-name", "/aws/lambda/clifn",
                       "--filter-pattern", "cli marker")
        self.assertEqual(self.messages(out["events"]), ["cli marker one", "cli marker two"])
        stream = out["events"][0]["logStreamName"]
        self.assertRegex(stream, STREAM_RE % re.escape("$LATEST"))
        out = self.aws("logs", "get-log-events", "--log-group-name", "/aws/lambda/clifn",
                       "--log-stream-name", stream, "--start-from-head")
        msgs = [m for m in self.messages(out["events"])]
        self.assertIn("START RequestId: %s Version: $LATEST" % rid, msgs)
        self.assertIn("cli marker two", msgs)
        self.assertTrue(out["nextForwardToken"] and out["nextBackwardToken"])
        out = self.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/")
        self.assertEqual([g["logGroupName"] for g in out["logGroups"]], ["/aws/lambda/clifn"])
        out = self.aws("logs", "describe-log-streams", "--log-group-name", "/aws/lambda/clifn",
                       "--order-by", "LastEventTime", "--descending")
        self.assertEqual([s["logStreamName"] for s in out["logStreams"]], [stream])

    def test_cli_paginates_filter_log_events(self):
        t0 = now_ms() - 60000
        self.put("/e2e/cli", "s", [(t0 + i, "line %02d" % i) for i in range(30)])
        out = self.aws("logs", "filter-log-events", "--log-group-name", "/e2e/cli", "--page-size", "7")
        self.assertEqual(self.messages(out["events"]), ["line %02d" % i for i in range(30)])

    def test_cli_error(self):
        p = self.server.cli("logs", "get-log-events", "--log-group-name", "/e2e/none", "--log-stream-name", "s")
        self.assertEqual(p.returncode, 255, p.stderr)
        # botocore adds " (reached max retries: N)" in standard retry mode.
        self.assertRegex(p.stderr, r"An error occurred \(ResourceNotFoundException\) when calling the GetLogEvents "
                         r"operation(?: \(reached max retries: \d+\))?: %s" % re.escape(GROUP_NOT_FOUND))

    def test_logs_tail(self):
        if self.cli_major() < 2:
            self.skipTest("aws CLI v1 has no `aws logs tail`; filter-log-events and get-log-events are "
                          "tested instead")
        self.fn("tailfn", "def handler(e, c):\n    print('tail marker')\n")
        self.invoke("tailfn")
        p = self.server.cli("logs", "tail", "/aws/lambda/tailfn", "--since", "1h")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("tail marker", p.stdout)


if __name__ == "__main__":
    harness.main()
