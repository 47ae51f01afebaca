#!/usr/bin/env python3
"""End-to-end tests of admission and provisioned concurrency (issue 5):
reserved pools, the account pool, provisioned environments that are
started and initialised ahead of use, spillover, and what the
configuration APIs report meanwhile. Real python handlers, driven with
boto3 against the real binary.
"""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import ClientError, SluiceTestCase, make_zip  # noqa: E402

# Sleeps for event["sleep"] seconds and says how its environment started.
SLEEPER = (
    "import os, time\n"
    "INIT = os.environ.get('AWS_LAMBDA_INITIALIZATION_TYPE')\n"
    "def handler(event, context):\n"
    "    time.sleep(event.get('sleep', 0))\n"
    "    return {'init': INIT, 'pid': os.getpid(),\n"
    "            'version': os.environ.get('AWS_LAMBDA_FUNCTION_VERSION')}\n")

# Its module fails to import: every init fails.
BROKEN = "raise RuntimeError('broken at import')\n"


def throttle_of(exc):
    """(code, status, message, Reason) of a ClientError."""
    r = exc.response
    return (r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message"),
            r.get("Reason"))


class ConcurrencyCase(SluiceTestCase):
    server_kwargs = {"extra_args": ("--pc-max-environments", "8")}

    def fn(self, name, code=SLEEPER, **kw):
        kw.setdefault("Timeout", 30)
        return self.create_function(name, zip_bytes=make_zip({"index.py": code}), Runtime="python3.12",
                                    Handler="index.handler", **kw)

    def call(self, name, sleep=0.0, client=None):
        """One sync invoke: ('ok', body) or ('throttled', throttle_of(...))."""
        c = client or self.lam
        try:
            r = c.invoke(FunctionName=name, Payload=json.dumps({"sleep": sleep}))
        except ClientError as e:
            return ("throttled", throttle_of(e))
        body = json.loads(r["Payload"].read())
        if r.get("FunctionError"):
            return ("error", body)
        return ("ok", body)

    def burst(self, name, n, sleep):
        """N invokes released together; returns their outcomes."""
        clients = [self.server.client() for _ in range(n)]
        barrier = threading.Barrier(n)
        out = [None] * n

        def worker(i):
            barrier.wait()
            out[i] = self.call(name, sleep, clients[i])

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertTrue(all(o is not None for o in out), "an invoke did not come back")
        return out

    def in_background(self, name, sleep):
        """Starts one invoke on its own thread; join the thread for its outcome."""
        box = {}
        c = self.server.client()
        t = threading.Thread(target=lambda: box.setdefault("r", self.call(name, sleep, c)), daemon=True)
        t.start()
        return t, box

    def totals(self, name, qualifier=None):
        """GET /_sluice/metrics for NAME (and QUALIFIER): the metrics object."""
        q = "function=" + name + ("&qualifier=" + qualifier if qualifier else "")
        r = self.server.request("GET", "/_sluice/metrics?" + q)
        self.assertEqual(r.status, 200, r)
        return r.json()["metrics"]

    def cw_sum(self, metric, dims):
        """Sum of METRIC over the last hour from CloudWatch (boto3, JSON protocol)."""
        cw = self.server.client("cloudwatch")
        now = self.server.request("GET", "/_sluice/clock").json()["now_ms"] / 1000.0
        out = cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
            StartTime=now - 3600, EndTime=now + 120, Period=3600 * 2, Statistics=["Sum"])
        return sum(p["Sum"] for p in out["Datapoints"])

    def wait_pc(self, name, qualifier, want="READY", timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            pc = self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
            if pc["Status"] == want:
                return pc
            self.assertLess(time.monotonic(), deadline, "PC %s:%s is %r, not %s" % (
                name, qualifier, pc, want))
            time.sleep(0.05)


class ReservedAndAccountPools(ConcurrencyCase):
    def test_reserved_zero_throttles_everything(self):
        self.fn("f")
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=0)
        kind, t = self.call("f")
        self.assertEqual(kind, "throttled")
        self.assertEqual(t, ("TooManyRequestsException", 429, "Rate Exceeded.",
                             "ReservedFunctionConcurrentInvocationLimitExceeded"))
        # Removing it lets the function run again.
        self.lam.delete_function_concurrency(FunctionName="f")
        self.assertEqual(self.call("f")[0], "ok")

    def test_burst_against_reserved_k(self):
        self.fn("f")
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=3)
        out = self.burst("f", 10, 2.0)
        ok = [o for o in out if o[0] == "ok"]
        thr = [o for o in out if o[0] == "throttled"]
        self.assertEqual((len(ok), len(thr)), (3, 7), out)
        self.assertEqual({o[1] for o in thr}, {("TooManyRequestsException", 429, "Rate Exceeded.",
                                                 "ReservedFunctionConcurrentInvocationLimitExceeded")})
        m = self.totals("f")
        self.assertEqual((m["Invocations"], m["Throttles"]), (3, 7), m)
        self.assertEqual(self.cw_sum("Throttles", {"FunctionName": "f"}), 7)
        # Once they are done, the pool is whole again.
        self.assertEqual(self.call("f")[0], "ok")


class SmallAccount(ConcurrencyCase):
    server_kwargs = {"extra_args": ("--account-concurrency", "6", "--min-unreserved-concurrency", "2",
                                    "--pc-max-environments", "8")}

    def test_account_pool_throttles_unreserved_functions(self):
        self.fn("a")
        self.fn("b")
        self.lam.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=3)
        settings = self.lam.get_account_settings()["AccountLimit"]
        self.assertEqual((settings["ConcurrentExecutions"], settings["UnreservedConcurrentExecutions"]), (6, 3))
        out = self.burst("a", 6, 2.0)
        ok = [o for o in out if o[0] == "ok"]
        thr = [o for o in out if o[0] == "throttled"]
        self.assertEqual((len(ok), len(thr)), (3, 3), out)
        self.assertEqual({o[1] for o in thr}, {("TooManyRequestsException", 429, "Rate Exceeded.",
                                                 "ConcurrentInvocationLimitExceeded")})

    def test_reserved_pool_is_private(self):
        # While the unreserved pool is full, the reserved function still runs.
        self.fn("a")
        self.fn("b")
        self.lam.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=3)
        running = [self.in_background("a", 2.0) for _ in range(3)]
        time.sleep(0.8)
        self.assertEqual(self.call("a")[0], "throttled")
        self.assertEqual(self.call("b")[0], "ok")
        for t, box in running:
            t.join(60)
            self.assertEqual(box["r"][0], "ok", box)


class ProvisionedConcurrency(ConcurrencyCase):
    def test_aws_recorded_case_latest_throttled_while_version_runs(self):
        # Reserved 1 and provisioned 1 on version 1: the on-demand part of
        # the reserved pool is 1 - 1 = 0, so $LATEST is throttled with the
        # reserved Reason while version 1 runs in its provisioned
        # environment.
        self.fn("f", Publish=True)
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=1)
        self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=1)
        self.wait_pc("f", "1")
        t, box = self.in_background("f:1", 1.5)
        time.sleep(0.5)
        kind, thr = self.call("f")
        self.assertEqual(kind, "throttled")
        self.assertEqual(thr, ("TooManyRequestsException", 429, "Rate Exceeded.",
                               "ReservedFunctionConcurrentInvocationLimitExceeded"))
        t.join(60)
        kind, body = box["r"]
        self.assertEqual(kind, "ok", box)
        self.assertEqual((body["init"], body["version"]), ("provisioned-concurrency", "1"))

    def test_environments_are_initialised_before_ready(self):
        # Init that takes ~1 s: READY only once the environments are up,
        # and the first invoke is warm (no init of its own, same process
        # that was started ahead of it).
        slow_init = "import time\ntime.sleep(1.0)\n" + SLEEPER
        self.fn("f", code=slow_init, Publish=True)
        self.lam.create_alias(FunctionName="f", Name="live", FunctionVersion="1")
        put = self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="live",
                                                          ProvisionedConcurrentExecutions=2)
        self.assertEqual(put["Status"], "IN_PROGRESS")
        self.assertEqual(put["AllocatedProvisionedConcurrentExecutions"], 0)
        early = self.lam.get_provisioned_concurrency_config(FunctionName="f", Qualifier="live")
        self.assertEqual(early["Status"], "IN_PROGRESS")
        self.assertEqual(early["AvailableProvisionedConcurrentExecutions"], 0)
        pc = self.wait_pc("f", "live")
        self.assertEqual((pc["RequestedProvisionedConcurrentExecutions"],
                          pc["AllocatedProvisionedConcurrentExecutions"],
                          pc["AvailableProvisionedConcurrentExecutions"]), (2, 2, 2))
        t0 = time.monotonic()
        r = self.lam.invoke(FunctionName="f:live", Payload=b"{}", LogType="Tail")
        took = time.monotonic() - t0
        body = json.loads(r["Payload"].read())
        self.assertEqual(body["init"], "provisioned-concurrency")
        import base64
        tail = base64.b64decode(r["LogResult"]).decode()
        self.assertNotIn("Init Duration", tail, "a provisioned environment was initialised at invoke time")
        self.assertLess(took, 0.9, "the first invoke waited for an init")
        # $LATEST (unqualified) never uses them.
        self.assertEqual(self.call("f")[1]["init"], "on-demand")

    def test_failing_init_gives_failed(self):
        self.fn("f", code=BROKEN, Publish=True)
        self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=1)
        pc = self.wait_pc("f", "1", want="FAILED")
        self.assertEqual(pc["StatusReason"], "FUNCTION_ERROR_INIT_FAILURE")
        self.assertEqual(pc["AllocatedProvisionedConcurrentExecutions"], 0)
        listed = self.lam.list_provisioned_concurrency_configs(FunctionName="f")["ProvisionedConcurrencyConfigs"]
        self.assertEqual([p["Status"] for p in listed], ["FAILED"])

    def test_spillover_runs_on_demand(self):
        # PC 1 on the alias and no reserved concurrency: a second
        # concurrent invoke of the alias spills over to on-demand.
        self.fn("f", Publish=True)
        self.lam.create_alias(FunctionName="f", Name="live", FunctionVersion="1")
        self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="live",
                                                    ProvisionedConcurrentExecutions=1)
        self.wait_pc("f", "live")
        out = self.burst("f:live", 2, 1.0)
        self.assertEqual([o[0] for o in out], ["ok", "ok"], out)
        self.assertEqual(sorted(o[1]["init"] for o in out), ["on-demand", "provisioned-concurrency"])
        m = self.totals("f", "live")
        self.assertEqual((m["Invocations"], m["ProvisionedConcurrencyInvocations"],
                          m["ProvisionedConcurrencySpilloverInvocations"]), (2, 1, 1), m)
        dims = {"FunctionName": "f", "Resource": "f:live"}
        self.assertEqual(self.cw_sum("ProvisionedConcurrencySpilloverInvocations", dims), 1)
        self.assertEqual(self.cw_sum("ProvisionedConcurrencyInvocations", dims), 1)

    def test_moving_the_alias_reprovisions(self):
        self.fn("f", Publish=True)
        self.lam.update_function_code(FunctionName="f", ZipFile=make_zip({"index.py": SLEEPER + "# v2\n"}))
        self.wait_active("f")
        self.lam.publish_version(FunctionName="f")
        self.lam.create_alias(FunctionName="f", Name="live", FunctionVersion="1")
        self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="live",
                                                    ProvisionedConcurrentExecutions=1)
        self.wait_pc("f", "live")
        self.assertEqual(self.call("f:live")[1]["version"], "1")
        self.lam.update_alias(FunctionName="f", Name="live", FunctionVersion="2")
        self.assertEqual(self.lam.get_provisioned_concurrency_config(
            FunctionName="f", Qualifier="live")["Status"], "IN_PROGRESS")
        self.wait_pc("f", "live")
        kind, body = self.call("f:live")
        self.assertEqual((kind, body["version"], body["init"]), ("ok", "2", "provisioned-concurrency"))

    def test_configs_beyond_the_environment_cap_start_lazily(self):
        # This server starts at most 8 environments ahead of use; a config
        # of 10 is READY with all 10 allocated, and its invocations all
        # run as provisioned (the 2 beyond the cap initialise on first use).
        self.fn("f", Publish=True)
        self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=10)
        pc = self.wait_pc("f", "1")
        self.assertEqual(pc["AllocatedProvisionedConcurrentExecutions"], 10)
        out = self.burst("f:1", 10, 1.5)
        self.assertEqual([o[0] for o in out], ["ok"] * 10, out)
        self.assertEqual({o[1]["init"] for o in out}, {"provisioned-concurrency"})
        self.assertEqual(len({o[1]["pid"] for o in out}), 10)

    def test_deleting_the_config_retires_the_environments(self):
        self.fn("f", Publish=True)
        self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=1)
        self.wait_pc("f", "1")
        pid = self.call("f:1")[1]["pid"]
        self.lam.delete_provisioned_concurrency_config(FunctionName="f", Qualifier="1")
        deadline = time.monotonic() + 10
        while os.path.exists("/proc/%d" % pid):
            with open("/proc/%d/stat" % pid) as fp:
                if fp.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            self.assertLess(time.monotonic(), deadline, "provisioned environment %d still running" % pid)
            time.sleep(0.05)
        kind, body = self.call("f:1")
        self.assertEqual((kind, body["init"]), ("ok", "on-demand"))


class ScalingRate(ConcurrencyCase):
    # 2 new environments per 10 s: a cold burst of 4 gets 2 through.
    server_kwargs = {"extra_args": ("--scaling-rate", "2", "--pc-max-environments", "8")}

    def test_cold_burst_beyond_the_scaling_rate_is_throttled(self):
        self.fn("f")
        t0 = time.monotonic()
        out = self.burst("f", 4, 1.0)
        ok = [o for o in out if o[0] == "ok"]
        thr = [o for o in out if o[0] == "throttled"]
        self.assertEqual((len(ok), len(thr)), (2, 2), out)
        self.assertEqual({o[1] for o in thr}, {("TooManyRequestsException", 429, "Rate Exceeded.",
                                                 "ConcurrentInvocationLimitExceeded")})
        m = self.totals("f")
        self.assertEqual((m["Invocations"], m["Throttles"]), (2, 2), m)
        # The two warm environments serve without taking from the bucket.
        out = self.burst("f", 2, 0.5)
        self.assertEqual([o[0] for o in out], ["ok", "ok"], out)
        # A third concurrent one needs a new environment: none left yet.
        # The bucket also refills with wall time (one per 5 s here), so
        # this step means something only on a machine quick enough.
        if time.monotonic() - t0 > 4.0:
            self.skipTest("too slow here: the bucket refilled by wall time")
        out = self.burst("f", 3, 1.0)
        self.assertEqual(sorted(o[0] for o in out), ["ok", "ok", "throttled"], out)
        # Ten seconds of clock refill the bucket (to 2, not more).
        self.server.request("POST", "/_sluice/clock", json.dumps({"advance_seconds": 10}).encode())
        out = self.burst("f", 5, 1.0)
        self.assertEqual(sorted(o[0] for o in out), ["ok"] * 4 + ["throttled"], out)


if __name__ == "__main__":
    harness.main()
