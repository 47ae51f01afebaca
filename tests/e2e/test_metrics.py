#!/usr/bin/env python3
"""Lambda metrics end to end: real invokes of python handlers recorded per
minute of the virtual clock, read back through GET /_sluice/metrics and the
CloudWatch API (namespace AWS/Lambda) in both protocols:

  * JSON 1.0 (X-Amz-Target GraniteServiceVersion20100801.*), which the
    installed botocore picks: boto3 and the aws CLI v1;
  * query (form-encoded, XML replies): a raw POST parsed with ElementTree,
    and boto3 / the aws CLI forced onto the query protocol by a copy of the
    cloudwatch model whose "protocols" list is ["query"] (AWS_DATA_PATH).

Figures are exact: every test counts what it did and asserts those counts.
Expected behaviour: docs/aws-reference.md E (metrics and dimensions), A
(CloudWatch protocols), issue 5 (Metrics).

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_metrics.py -v
"""

import datetime
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import ROLE, SluiceTestCase, handler_zip  # noqa: E402
import botocore  # noqa: E402
import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

NS = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"
HAVE_CLI = shutil.which("aws") is not None

HANDLER = """\
import time

def handler(event, context):
    time.sleep(event.get("sleep", 0.05))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"ok": True}
"""


def query_model_dir():
    """A data directory holding the installed cloudwatch model with only the
    query protocol, so botocore (and the CLI) speak query/XML."""
    src_root = os.path.join(os.path.dirname(botocore.__file__), "data", "cloudwatch")
    version = sorted(os.listdir(src_root))[-1]
    with gzip.open(os.path.join(src_root, version, "service-2.json.gz")) as f:
        model = json.load(f)
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    d = tempfile.mkdtemp(prefix="sluice-cw-model-")
    os.makedirs(os.path.join(d, "cloudwatch", version))
    with open(os.path.join(d, "cloudwatch", version, "service-2.json"), "w") as f:
        json.dump(model, f)
    return d


class MetricsBase(SluiceTestCase):
    """Helpers shared by the metric test classes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cw = cls.server.client("cloudwatch")
        # Exactly one HTTP request per call: throttles are counted per request.
        cls.lam1 = cls.server.client("lambda", retries={"total_max_attempts": 1, "mode": "standard"})

    def make(self, name="f", **kw):
        self.create_function(name, zip_bytes=handler_zip(HANDLER), **kw)

    def invoke(self, name="f", fail=False, sleep=0.05, qualifier=None):
        kw = {"Qualifier": qualifier} if qualifier else {}
        r = self.lam1.invoke(FunctionName=name, Payload=json.dumps({"fail": fail, "sleep": sleep}), **kw)
        r["Payload"].read()
        self.assertEqual(r.get("FunctionError") is not None, fail, r)
        return r

    def throttled(self, name="f", qualifier=None):
        kw = {"Qualifier": qualifier} if qualifier else {}
        with self.assertRaises(ClientError) as cm:
            self.lam1.invoke(FunctionName=name, Payload=b"{}", **kw)
        self.assertEqual(cm.exception.response["Error"]["Code"], "TooManyRequestsException")

    def admin(self, query):
        r = self.server.request("GET", "/_sluice/metrics?" + query)
        return r.status, r.json()

    def totals(self, name="f", qualifier=None):
        q = "function=" + name + ("&qualifier=" + urllib.parse.quote(qualifier) if qualifier else "")
        status, body = self.admin(q)
        self.assertEqual(status, 200, body)
        return body["metrics"]

    def now_ms(self):
        return self.server.request("GET", "/_sluice/clock").json()["now_ms"]

    def advance(self, seconds):
        r = self.server.request("POST", "/_sluice/clock", body={"advance_seconds": seconds})
        self.assertEqual(r.status, 200, r.body)

    def align_minute(self):
        """Moves the clock to 1 s past the start of a minute, so what a test
        does in the next few seconds lands in one minute."""
        now = self.now_ms()
        self.advance((60000 - now % 60000 + 1000) / 1000.0)
        return (self.now_ms() // 60000) * 60000

    def window(self, before_min=30, after_min=5):
        now = self.now_ms() / 1000.0
        utc = datetime.timezone.utc
        return (datetime.datetime.fromtimestamp(now - before_min * 60, utc),
                datetime.datetime.fromtimestamp(now + after_min * 60, utc))

    def stats(self, metric, dims, statistics=("Sum",), client=None, **kw):
        start, end = self.window()
        r = (client or self.cw).get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims],
            StartTime=start, EndTime=end, Period=60, Statistics=list(statistics), **kw)
        return r

    def total_sum(self, metric, dims, client=None):
        r = self.stats(metric, dims, ("Sum",), client=client)
        return sum(d["Sum"] for d in r["Datapoints"])

    def query_post(self, params):
        body = urllib.parse.urlencode(params)
        return self.server.request("POST", "/", body=body,
                                   headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


class RecordingTest(MetricsBase):
    """Invocations, errors, duration and throttles after real invokes."""

    def test_invocations_errors_duration(self):
        self.make()
        for _ in range(3):
            self.invoke()
        for _ in range(2):
            self.invoke(fail=True)
        m = self.totals()
        self.assertEqual(m["Invocations"], 5)
        self.assertEqual(m["Errors"], 2)
        self.assertEqual(m["Throttles"], 0)
        self.assertEqual(m["Duration"]["count"], 5)
        self.assertGreaterEqual(m["Duration"]["min"], 50.0)
        self.assertLess(m["Duration"]["max"], 5000.0)
        self.assertAlmostEqual(m["Duration"]["average"], m["Duration"]["sum"] / 5, places=6)
        self.assertEqual(m["ConcurrentExecutions"], 1)
        self.assertEqual(m["ProvisionedConcurrencyInvocations"], 0)
        # The same figures through CloudWatch (JSON protocol, boto3).
        fn = [("FunctionName", "f")]
        self.assertEqual(self.total_sum("Invocations", fn), 5)
        self.assertEqual(self.total_sum("Errors", fn), 2)
        r = self.stats("Duration", fn, ("SampleCount", "Minimum", "Maximum", "Average"))
        dps = r["Datapoints"]
        self.assertEqual(sum(d["SampleCount"] for d in dps), 5)
        self.assertAlmostEqual(min(d["Minimum"] for d in dps), m["Duration"]["min"], places=3)
        self.assertAlmostEqual(max(d["Maximum"] for d in dps), m["Duration"]["max"], places=3)
        self.assertTrue(all(d["Unit"] == "Milliseconds" for d in dps))
        self.assertEqual(r["Label"], "Duration")
        # Account-wide (no dimensions).
        self.assertEqual(self.total_sum("Invocations", []), 5)

    def test_throttles_with_reserved_zero(self):
        self.make()
        self.invoke()
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=0)
        for _ in range(3):
            self.throttled()
        m = self.totals()
        self.assertEqual(m["Throttles"], 3)
        self.assertEqual(m["Invocations"], 1, "throttled requests are not invocations")
        self.assertEqual(self.total_sum("Throttles", [("FunctionName", "f")]), 3)
        self.assertEqual(self.total_sum("Throttles", []), 3)
        self.assertEqual(self.total_sum("Invocations", [("FunctionName", "f")]), 1)

    @unittest.skipUnless(HAVE_CLI, "aws CLI not installed")
    def test_cli_get_metric_statistics(self):
        """The command line of issue 5, with the installed aws CLI v1 (JSON)."""
        self.make()
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=0)
        for _ in range(2):
            self.throttled()
        start, end = self.window()
        p = self.server.cli("cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda",
                            "--metric-name", "Throttles", "--dimensions", "Name=FunctionName,Value=f",
                            "--start-time", start.isoformat(), "--end-time", end.isoformat(),
                            "--period", "60", "--statistics", "Sum")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["Label"], "Throttles")
        self.assertEqual(sum(d["Sum"] for d in p.json["Datapoints"]), 2)
        self.assertTrue(all(d["Unit"] == "Count" for d in p.json["Datapoints"]))

    def test_qualifiers_resource_and_executed_version(self):
        self.make()
        v = self.lam.publish_version(FunctionName="f")["Version"]
        self.lam.create_alias(FunctionName="f", Name="live", FunctionVersion=v)
        self.invoke(qualifier="live")
        self.invoke(qualifier="live", fail=True)
        self.invoke()
        self.assertEqual(self.totals()["Invocations"], 3)
        live = self.totals(qualifier="live")
        self.assertEqual(live["Invocations"], 2)
        self.assertEqual(live["Errors"], 1)
        res = [("FunctionName", "f"), ("Resource", "f:live")]
        self.assertEqual(self.total_sum("Invocations", res), 2)
        self.assertEqual(self.total_sum("Invocations", res + [("ExecutedVersion", v)]), 2)
        # Dimension order in the request does not matter.
        self.assertEqual(self.total_sum("Invocations", [("Resource", "f:live"), ("FunctionName", "f")]), 2)
        # An unknown qualifier is not read as zeros.
        self.assertEqual(self.admin("function=f&qualifier=other")[0], 404)

    def test_async_events(self):
        self.make()
        for _ in range(2):
            r = self.lam.invoke(FunctionName="f", InvocationType="Event", Payload=b'{"sleep": 0}')
            self.assertEqual(r["StatusCode"], 202)
        deadline = time.monotonic() + 20
        while self.totals()["Invocations"] < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        m = self.totals()
        self.assertEqual(m["Invocations"], 2)
        self.assertEqual(m["AsyncEventsReceived"], 2)
        self.assertEqual(m["AsyncEventAge"]["count"], 2)
        self.assertEqual(m["AsyncEventsDropped"], 0)
        self.assertEqual(self.total_sum("AsyncEventsReceived", [("FunctionName", "f")]), 2)

    def test_concurrent_executions_max(self):
        self.make()
        threads = [threading.Thread(target=self.invoke, kwargs={"sleep": 1.0}) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        m = self.totals()
        self.assertEqual(m["Invocations"], 3)
        self.assertEqual(m["ConcurrentExecutions"], 3)
        r = self.stats("ConcurrentExecutions", [("FunctionName", "f")], ("Maximum",))
        self.assertEqual(max(d["Maximum"] for d in r["Datapoints"]), 3)

    def test_clock_advance_moves_minutes(self):
        self.make()
        t0 = self.align_minute()
        self.invoke()
        self.advance(600)
        self.invoke()
        self.invoke()
        r = self.stats("Invocations", [("FunctionName", "f")], ("Sum",))
        got = sorted((int(d["Timestamp"].timestamp()) * 1000, d["Sum"]) for d in r["Datapoints"])
        self.assertEqual(got, [(t0, 1.0), (t0 + 600000, 2.0)])


class AdminEndpointTest(MetricsBase):
    def test_zero_for_a_function_without_data(self):
        self.make("quiet")
        status, body = self.admin("function=quiet")
        self.assertEqual(status, 200)
        self.assertEqual(body["function"], "quiet")
        self.assertIsNone(body["qualifier"])
        self.assertEqual(body["account"], "000000000000")
        self.assertEqual(body["region"], "us-east-1")
        self.assertEqual(body["metrics"]["Invocations"], 0)
        self.assertEqual(body["metrics"]["Duration"],
                         {"sum": 0, "count": 0, "min": 0, "max": 0, "average": 0, "unit": "Milliseconds"})
        # Every Lambda metric sluice publishes, including the two of
        # destinations (DeadLetterErrors, DestinationDeliveryFailures).
        self.assertEqual(len(body["metrics"]), 16)
        self.assertEqual(body["metrics"]["DestinationDeliveryFailures"], 0)
        self.assertEqual(body["metrics"]["DeadLetterErrors"], 0)

    def test_units_are_stated(self):
        """Times are milliseconds, said in each time object and in "units"."""
        self.make()
        self.invoke()
        status, body = self.admin("function=f")
        self.assertEqual(status, 200, body)
        for name in ("Duration", "IteratorAge", "AsyncEventAge"):
            self.assertEqual(body["metrics"][name]["unit"], "Milliseconds", name)
            self.assertEqual(body["units"][name], "Milliseconds", name)
        self.assertEqual(body["units"]["Invocations"], "Count")
        self.assertEqual(set(body["units"]), set(body["metrics"]))

    def test_unknown_function_is_404(self):
        """A misspelt name must not read as zeros."""
        self.make()
        self.invoke()
        for query in ("function=nosuch", "function=f&qualifier=nosuch", "function=f:nosuch",
                      "function=f&qualifier=7", "function=f&region=eu-west-1",
                      "function=f&account=111111111111"):
            with self.subTest(query=query):
                status, body = self.admin(query)
                self.assertEqual(status, 404, body)
                self.assertEqual(body["error"], "NotFound")
                self.assertIn("Function not found: arn:aws:lambda:", body["message"])
        self.assertIn("function:nosuch", self.admin("function=nosuch")[1]["message"])
        # a deleted function's figures stay readable
        self.lam1.delete_function(FunctionName="f")
        status, body = self.admin("function=f")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["metrics"]["Invocations"], 1)

    def test_every_function_name_form(self):
        """function= takes what every Lambda FunctionName takes."""
        self.make()
        self.lam1.publish_version(FunctionName="f")
        self.lam1.create_alias(FunctionName="f", Name="live", FunctionVersion="1")
        self.invoke(qualifier="live")
        self.invoke(qualifier="live")
        self.invoke()
        arn = "arn:aws:lambda:us-east-1:000000000000:function:f"
        for query, qualifier, n in (
                ("function=f", None, 3),
                ("function=" + arn, None, 3),
                ("function=000000000000:function:f", None, 3),
                ("function=f:live", "live", 2),
                ("function=f&qualifier=live", "live", 2),
                ("function=" + urllib.parse.quote(arn + ":live"), "live", 2),
                ("function=000000000000:function:f:live", "live", 2),
                ("function=" + urllib.parse.quote(arn) + "&qualifier=live", "live", 2),
                ("function=f:live&qualifier=live", "live", 2)):
            with self.subTest(query=query):
                status, body = self.admin(query)
                self.assertEqual(status, 200, body)
                self.assertEqual(body["function"], "f")
                self.assertEqual(body["qualifier"], qualifier)
                self.assertEqual(body["metrics"]["Invocations"], n)
        # an ARN's account and region must agree with account= and region=
        for query, word in (("function=f:live&qualifier=v2", "qualifier differs"),
                            ("function=" + arn + "&region=eu-west-1", "region differs"),
                            ("function=" + arn + "&account=111111111111", "account differs")):
            with self.subTest(query=query):
                status, body = self.admin(query)
                self.assertEqual(status, 400, body)
                self.assertIn(word, body["message"])
        # an ARN of another account or region reads that scope
        other = "arn:aws:lambda:eu-west-1:111111111111:function:f"
        status, body = self.admin("function=" + other)
        self.assertEqual(status, 404, body)
        self.assertIn(other, body["message"])

    def test_account_and_region_parameters(self):
        self.make()
        self.invoke()
        self.assertEqual(self.admin("function=f&account=000000000000&region=us-east-1")[1]["metrics"]["Invocations"], 1)
        # A client in another account sees its own (empty) figures.
        other = self.server.client("cloudwatch", access_key="111111111111")
        self.assertEqual(self.total_sum("Invocations", [("FunctionName", "f")], client=other), 0)
        lam2 = self.server.client("lambda", access_key="111111111111", region="eu-west-1")
        lam2.create_function(FunctionName="f", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                             Code={"ZipFile": handler_zip()})
        status, body = self.admin("function=f&account=111111111111&region=eu-west-1")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["metrics"]["Invocations"], 0)

    def test_bad_parameters(self):
        for query, word in (("", "function is required"), ("function=", "function is required"),
                            ("function=f&bogus=1", "bogus is not a parameter"),
                            ("function=f&account=12", "account must be 12 digits"),
                            ("function=f&region=US_EAST", "region is not a region name"),
                            ("function=a,b", "function is not a function name"),
                            ("function=arn:aws:s3:::bucket", "function is not a function name")):
            status, body = self.admin(query)
            self.assertEqual(status, 400, query)
            self.assertEqual(body["error"], "BadRequest", query)
            self.assertIn(word, body["message"], query)
        r = self.server.request("POST", "/_sluice/metrics?function=f")
        self.assertEqual(r.status, 405)


class CloudWatchJsonTest(MetricsBase):
    """GetMetricData, ListMetrics and validation errors through boto3 (JSON)."""

    def test_get_metric_data(self):
        self.make()
        t0 = self.align_minute()
        self.invoke()
        self.advance(120)
        self.invoke(fail=True)
        self.invoke()
        start, end = self.window()
        q = [{"Id": "inv", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                                                      "Dimensions": [{"Name": "FunctionName", "Value": "f"}]},
                                           "Period": 60, "Stat": "Sum"}},
             {"Id": "err", "Label": "errors", "MetricStat": {
                 "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors",
                            "Dimensions": [{"Name": "FunctionName", "Value": "f"}]},
                 "Period": 300, "Stat": "Sum"}},
             {"Id": "hidden", "ReturnData": False, "MetricStat": {
                 "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}}]
        r = self.cw.get_metric_data(MetricDataQueries=q, StartTime=start, EndTime=end)
        res = {x["Id"]: x for x in r["MetricDataResults"]}
        self.assertEqual(set(res), {"inv", "err"})
        inv = res["inv"]
        self.assertEqual(inv["StatusCode"], "Complete")
        self.assertEqual(inv["Label"], "Invocations")
        ts = [int(t.timestamp() * 1000) for t in inv["Timestamps"]]
        self.assertEqual(ts, [t0 + 120000, t0], "newest first by default")
        self.assertEqual(inv["Values"], [2.0, 1.0])
        self.assertEqual(res["err"]["Label"], "errors")
        self.assertEqual(sum(res["err"]["Values"]), 1.0)
        r = self.cw.get_metric_data(MetricDataQueries=q[:1], StartTime=start, EndTime=end, ScanBy="TimestampAscending")
        self.assertEqual(r["MetricDataResults"][0]["Values"], [1.0, 2.0])
        # Unknown metric or namespace: Complete with no data.
        q2 = [{"Id": "x", "MetricStat": {"Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
                                         "Period": 60, "Stat": "Average"}}]
        r = self.cw.get_metric_data(MetricDataQueries=q2, StartTime=start, EndTime=end)
        self.assertEqual(r["MetricDataResults"][0]["Values"], [])
        self.assertEqual(r["MetricDataResults"][0]["StatusCode"], "Complete")

    def test_get_metric_data_validation(self):
        start, end = self.window()

        def q(**over):
            base = {"Id": "a", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations"},
                                              "Period": 60, "Stat": "Sum"}}
            base.update(over)
            return base

        self.assertAwsError(self.cw.get_metric_data, "ValidationError", 400,
                            MetricDataQueries=[q(Id="Bad")], StartTime=start, EndTime=end)
        self.assertAwsError(self.cw.get_metric_data, "ValidationError", 400,
                            message="The values for parameter id in MetricDataQueries are not unique.",
                            MetricDataQueries=[q(), q()], StartTime=start, EndTime=end)
        bad_period = q(MetricStat={"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations"},
                                   "Period": 90, "Stat": "Sum"})
        self.assertAwsError(self.cw.get_metric_data, "InvalidParameterValue", 400,
                            message="The parameter MetricDataQueries.member.1.MetricStat.Period must be a multiple of 60.",
                            MetricDataQueries=[bad_period], StartTime=start, EndTime=end)
        self.assertAwsError(self.cw.get_metric_data, "InvalidParameterValue", 400,
                            message="The parameter StartTime must be less than the parameter EndTime.",
                            MetricDataQueries=[q()], StartTime=end, EndTime=start)
        self.assertAwsError(self.cw.get_metric_data, "InvalidParameterValue", 400,
                            MetricDataQueries=[{"Id": "e", "Expression": "SUM(METRICS())"}],
                            StartTime=start, EndTime=end)

    def test_list_metrics(self):
        self.make("f")
        self.make("g")
        self.make("quiet")
        self.invoke("f")
        self.lam.put_function_concurrency(FunctionName="g", ReservedConcurrentExecutions=0)
        self.throttled("g")
        r = self.cw.list_metrics(Namespace="AWS/Lambda", MetricName="Invocations")
        got = sorted(json.dumps(m["Dimensions"], sort_keys=True) for m in r["Metrics"])
        self.assertEqual(got, sorted([json.dumps([], sort_keys=True),
                                      json.dumps([{"Name": "FunctionName", "Value": "f"}], sort_keys=True)]))
        self.assertTrue(all(m["Namespace"] == "AWS/Lambda" for m in r["Metrics"]))
        r = self.cw.list_metrics(Dimensions=[{"Name": "FunctionName", "Value": "g"}])
        self.assertEqual([m["MetricName"] for m in r["Metrics"]], ["Throttles"])
        r = self.cw.list_metrics(Dimensions=[{"Name": "FunctionName"}], MetricName="Throttles")
        self.assertEqual([m["Dimensions"] for m in r["Metrics"]], [[{"Name": "FunctionName", "Value": "g"}]])
        r = self.cw.list_metrics(Dimensions=[{"Name": "FunctionName", "Value": "quiet"}])
        self.assertEqual(r["Metrics"], [], "a function without data has no metrics")
        self.assertEqual(self.cw.list_metrics(Namespace="AWS/EC2")["Metrics"], [])
        names = {m["MetricName"] for m in self.cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]}
        self.assertEqual(names, {"Invocations", "Errors", "Duration", "Throttles", "ConcurrentExecutions",
                                 "UnreservedConcurrentExecutions"})

    def test_get_metric_statistics_validation(self):
        start, end = self.window()
        base = dict(Namespace="AWS/Lambda", MetricName="Invocations", StartTime=start, EndTime=end)
        self.assertAwsError(self.cw.get_metric_statistics, "InvalidParameterValue", 400,
                            message="The parameter Period must be a multiple of 60.",
                            Period=61, Statistics=["Sum"], **base)
        self.assertAwsError(self.cw.get_metric_statistics, "InvalidParameterValue", 400,
                            message="The parameter StartTime must be less than the parameter EndTime.",
                            Namespace="AWS/Lambda", MetricName="Invocations", StartTime=end, EndTime=start,
                            Period=60, Statistics=["Sum"])
        self.assertAwsError(self.cw.get_metric_statistics, "InvalidParameterCombination", 400,
                            Period=60, Statistics=["Sum"], ExtendedStatistics=["p99"], **base)
        self.assertAwsError(self.cw.get_metric_statistics, "InvalidParameterValue", 400,
                            Period=60, ExtendedStatistics=["p99"], **base)
        self.assertAwsError(self.cw.get_metric_statistics, "MissingParameter", 400,
                            message="Must specify either Statistics or ExtendedStatistics.",
                            Period=60, **base)
        self.assertAwsError(self.cw.get_metric_statistics, "ValidationError", 400,
                            Period=60, Statistics=["Median"], **base)
        self.assertAwsError(self.cw.get_metric_statistics, "ValidationError", 400,
                            Period=60, Statistics=["Sum"], Unit="Parsecs", **base)
        end = end.replace(second=0, microsecond=0)
        long_start = end - datetime.timedelta(minutes=1441)
        self.assertAwsError(self.cw.get_metric_statistics, "InvalidParameterCombination", 400,
                            message="You have requested up to 1441 datapoints, which exceeds the limit of 1440. "
                                    "You may reduce the datapoints requested by increasing Period, or decreasing "
                                    "the time range.",
                            Namespace="AWS/Lambda", MetricName="Invocations", StartTime=long_start, EndTime=end,
                            Period=60, Statistics=["Sum"])
        # The modelled exception classes map (awsQueryCompatible).
        with self.assertRaises(self.cw.exceptions.InvalidParameterValueException):
            self.cw.get_metric_statistics(Period=120 + 1, Statistics=["Sum"], **base)

    def test_unit_filter(self):
        self.make()
        self.invoke()
        self.assertEqual(sum(d["Sum"] for d in self.stats("Invocations", [("FunctionName", "f")], Unit="Count")["Datapoints"]), 1)
        self.assertEqual(self.stats("Invocations", [("FunctionName", "f")], Unit="Seconds")["Datapoints"], [])

    def test_unknown_operation(self):
        r = self.server.request("POST", "/", body="{}", headers={
            "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricAlarm",
            "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(r.status, 400)
        self.assertTrue(r.json()["__type"].endswith("#UnknownOperationException"))
        self.assertEqual(r.header("x-amzn-query-error"), "InvalidAction;Sender")
        r = self.server.request("POST", "/", body="not json", headers={
            "X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics",
            "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(r.status, 400)
        self.assertTrue(r.json()["__type"].endswith("#SerializationException"))


class CloudWatchQueryTest(MetricsBase):
    """The query protocol: raw form-encoded POSTs, and real clients forced
    onto it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model_dir = query_model_dir()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.model_dir, ignore_errors=True)
        super().tearDownClass()

    def query_client(self):
        sess = botocore.session.get_session()
        sess.set_config_variable("data_path", self.model_dir)
        c = sess.create_client("cloudwatch", region_name="us-east-1", endpoint_url=self.endpoint,
                               aws_access_key_id="test", aws_secret_access_key="test",
                               config=Config(retries={"total_max_attempts": 1}))
        self.assertEqual(c.meta.service_model.resolved_protocol, "query")
        return c

    def iso(self, dt):
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")

    def workload(self):
        self.make()
        for _ in range(2):
            self.invoke()
        self.invoke(fail=True)
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=0)
        self.throttled()

    def test_raw_post_get_metric_statistics(self):
        self.workload()
        start, end = self.window()
        params = {"Action": "GetMetricStatistics", "Version": "2010-08-01", "Namespace": "AWS/Lambda",
                  "MetricName": "Invocations", "Dimensions.member.1.Name": "FunctionName",
                  "Dimensions.member.1.Value": "f", "StartTime": self.iso(start), "EndTime": self.iso(end),
                  "Period": "60", "Statistics.member.1": "Sum", "Statistics.member.2": "SampleCount"}
        r = self.query_post(params)
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.header("Content-Type").startswith("text/xml"))
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, NS + "GetMetricStatisticsResponse")
        result = root.find(NS + "GetMetricStatisticsResult")
        self.assertEqual(result.findtext(NS + "Label"), "Invocations")
        dps = result.findall(NS + "Datapoints/" + NS + "member")
        self.assertEqual(sum(float(d.findtext(NS + "Sum")) for d in dps), 3.0)
        self.assertEqual(sum(float(d.findtext(NS + "SampleCount")) for d in dps), 3.0)
        self.assertTrue(all(d.findtext(NS + "Unit") == "Count" for d in dps))
        for d in dps:
            datetime.datetime.strptime(d.findtext(NS + "Timestamp"), "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertTrue(root.findtext(NS + "ResponseMetadata/" + NS + "RequestId"))
        # Throttles and Errors agree with the admin endpoint.
        params["MetricName"] = "Throttles"
        root = ET.fromstring(self.query_post(params).body)
        dps = root.findall(".//" + NS + "Datapoints/" + NS + "member")
        self.assertEqual(sum(float(d.findtext(NS + "Sum")) for d in dps), 1.0)
        m = self.totals()
        self.assertEqual((m["Invocations"], m["Errors"], m["Throttles"]), (3, 1, 1))
        # GET with the parameters in the query string works too.
        r = self.server.request("GET", "/?" + urllib.parse.urlencode(params))
        self.assertEqual(r.status, 200, r.body)

    def test_raw_post_list_metrics_and_get_metric_data(self):
        self.workload()
        r = self.query_post({"Action": "ListMetrics", "Version": "2010-08-01", "Namespace": "AWS/Lambda",
                             "MetricName": "Errors", "Dimensions.member.1.Name": "FunctionName"})
        self.assertEqual(r.status, 200, r.body)
        root = ET.fromstring(r.body)
        members = root.findall(NS + "ListMetricsResult/" + NS + "Metrics/" + NS + "member")
        self.assertEqual(len(members), 1)
        self.assertEqual(members[0].findtext(NS + "MetricName"), "Errors")
        self.assertEqual(members[0].findtext(NS + "Dimensions/" + NS + "member/" + NS + "Value"), "f")
        start, end = self.window()
        p = "MetricDataQueries.member.1."
        r = self.query_post({"Action": "GetMetricData", "Version": "2010-08-01",
                             "StartTime": self.iso(start), "EndTime": self.iso(end),
                             p + "Id": "errs", p + "MetricStat.Metric.Namespace": "AWS/Lambda",
                             p + "MetricStat.Metric.MetricName": "Errors",
                             p + "MetricStat.Metric.Dimensions.member.1.Name": "FunctionName",
                             p + "MetricStat.Metric.Dimensions.member.1.Value": "f",
                             p + "MetricStat.Period": "3600", p + "MetricStat.Stat": "Sum"})
        self.assertEqual(r.status, 200, r.body)
        root = ET.fromstring(r.body)
        res = root.find(NS + "GetMetricDataResult/" + NS + "MetricDataResults/" + NS + "member")
        self.assertEqual(res.findtext(NS + "Id"), "errs")
        self.assertEqual(res.findtext(NS + "StatusCode"), "Complete")
        vals = [float(v.text) for v in res.findall(NS + "Values/" + NS + "member")]
        self.assertEqual(sum(vals), 1.0)

    def assertXmlError(self, r, status, code, message=None):
        self.assertEqual(r.status, status, r.body)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, NS + "ErrorResponse")
        self.assertEqual(root.findtext(NS + "Error/" + NS + "Type"), "Sender")
        self.assertEqual(root.findtext(NS + "Error/" + NS + "Code"), code)
        if message is not None:
            self.assertEqual(root.findtext(NS + "Error/" + NS + "Message"), message)
        self.assertTrue(root.findtext(NS + "RequestId"))

    def test_raw_post_errors(self):
        start, end = self.window()
        base = {"Action": "GetMetricStatistics", "Version": "2010-08-01", "Namespace": "AWS/Lambda",
                "MetricName": "Invocations", "StartTime": self.iso(start), "EndTime": self.iso(end),
                "Period": "60", "Statistics.member.1": "Sum"}
        self.assertXmlError(self.query_post(dict(base, Period="90")), 400, "InvalidParameterValue",
                            "The parameter Period must be a multiple of 60.")
        no_ns = dict(base)
        del no_ns["Namespace"]
        self.assertXmlError(self.query_post(no_ns), 400, "MissingParameter", "The parameter Namespace is required.")
        self.assertXmlError(self.query_post(dict(base, StartTime="yesterday")), 400, "InvalidParameterValue")
        self.assertXmlError(self.query_post(dict(base, Action="DeleteAlarms")), 400, "InvalidAction")
        self.assertXmlError(self.query_post({"Version": "2010-08-01"}), 400, "MissingParameter")
        self.assertXmlError(self.query_post(dict(base, **{"ExtendedStatistics.member.1": "p99"})), 400,
                            "InvalidParameterCombination")
        self.assertXmlError(self.query_post(dict(base, **{"a." * 40 + "b": "1"})), 400, "InvalidParameterValue")
        self.assertXmlError(self.query_post({"Action": "ListMetrics", "Version": "2010-08-01", "member.1": "x"}),
                            400, "InvalidParameterValue")
        # A window of many years is fine for GetMetricData (only periods with data are built).
        p = "MetricDataQueries.member.1."
        r = self.query_post({"Action": "GetMetricData", "Version": "2010-08-01",
                             "StartTime": "1971-01-01T00:00:00Z", "EndTime": "2999-01-01T00:00:00Z",
                             p + "Id": "a", p + "MetricStat.Metric.Namespace": "AWS/Lambda",
                             p + "MetricStat.Metric.MetricName": "Invocations",
                             p + "MetricStat.Period": "60", p + "MetricStat.Stat": "Sum"})
        self.assertEqual(r.status, 200, r.body)

    def test_boto3_on_the_query_protocol(self):
        self.workload()
        c = self.query_client()
        self.assertEqual(self.total_sum("Invocations", [("FunctionName", "f")], client=c), 3)
        self.assertEqual(self.total_sum("Errors", [("FunctionName", "f")], client=c), 1)
        self.assertEqual(self.total_sum("Throttles", [("FunctionName", "f")], client=c), 1)
        r = self.stats("Duration", [("FunctionName", "f")], ("SampleCount", "Average"), client=c)
        self.assertEqual(sum(d["SampleCount"] for d in r["Datapoints"]), 3)
        start, end = self.window()
        r = c.get_metric_data(MetricDataQueries=[{"Id": "t", "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Throttles",
                       "Dimensions": [{"Name": "FunctionName", "Value": "f"}]}, "Period": 60, "Stat": "Sum"}}],
            StartTime=start, EndTime=end)
        self.assertEqual(sum(r["MetricDataResults"][0]["Values"]), 1.0)
        names = {m["MetricName"] for m in c.list_metrics(Dimensions=[{"Name": "FunctionName", "Value": "f"}])["Metrics"]}
        self.assertEqual(names, {"Invocations", "Errors", "Duration", "Throttles", "ConcurrentExecutions"})
        with self.assertRaises(ClientError) as cm:
            c.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Invocations", StartTime=start,
                                    EndTime=end, Period=61, Statistics=["Sum"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterValue")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    @unittest.skipUnless(HAVE_CLI, "aws CLI not installed")
    def test_cli_on_the_query_protocol(self):
        self.workload()
        start, end = self.window()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_DATA_PATH": self.model_dir, "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "",
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "AWS_EC2_METADATA_DISABLED": "true"})
        p = subprocess.run(["aws", "cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda",
                            "--metric-name", "Throttles", "--dimensions", "Name=FunctionName,Value=f",
                            "--start-time", start.isoformat(), "--end-time", end.isoformat(),
                            "--period", "60", "--statistics", "Sum", "--endpoint-url", self.endpoint,
                            "--output", "json", "--debug"], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertIn("'Action': 'GetMetricStatistics'", p.stderr, "the CLI did not use the query protocol")
        self.assertIn("<GetMetricStatisticsResponse", p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(sum(d["Sum"] for d in out["Datapoints"]), 1)


class RestartTest(MetricsBase):
    """Metrics are in SQLite: a clean SIGTERM keeps every one."""
    server_kwargs = {"in_memory": False}

    def restart(self):
        """SIGTERM, start again (a new port): rebinds the class's clients."""
        self.server.restart()
        cls = self.__class__
        cls.endpoint = self.server.endpoint
        cls.lam = self.server.client("lambda")
        cls.lam1 = self.server.client("lambda", retries={"total_max_attempts": 1, "mode": "standard"})
        cls.cw = self.server.client("cloudwatch")

    def test_metrics_survive_a_restart(self):
        self.make()
        self.invoke()
        self.invoke(fail=True)
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=0)
        self.throttled()
        before = self.totals()
        # Stopped at once: the last samples are still in memory, unflushed.
        self.restart()
        after = self.totals()
        self.assertEqual(after, before)
        self.assertEqual((after["Invocations"], after["Errors"], after["Throttles"]), (2, 1, 1))
        self.assertEqual(self.total_sum("Invocations", [("FunctionName", "f")]), 2)

    def test_unflushed_samples_survive_sigterm(self):
        self.make()
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=0)
        self.throttled()
        self.throttled()
        # No read in between: only the shutdown flush can save these.
        self.restart()
        self.assertEqual(self.totals()["Throttles"], 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
