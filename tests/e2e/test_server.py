#!/usr/bin/env python3
"""The sluice process itself: flags, admin endpoints, request ids, SigV4
accounts and regions, persistence across restarts and kill -9, shutdown on
signals, and hostile input over raw sockets.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_server.py -v
"""

import base64
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import (ROLE, Server, SluiceTestCase, code_sha256, handler_zip,  # noqa: E402
                     make_zip, parse_status, sluice_bin)

FLAGS = ["--host", "--port", "--data-dir", "--in-memory", "--ready-file", "--log-level",
         "--account-concurrency", "--min-unreserved-concurrency"]


def create_body(name="fn", zip_bytes=None, **extra):
    body = {"FunctionName": name, "Runtime": "python3.12", "Role": ROLE,
            "Handler": "index.handler",
            "Code": {"ZipFile": base64.b64encode(zip_bytes or handler_zip()).decode()}}
    body.update(extra)
    return body


def build_zip(entries):
    """ENTRIES: list of (name, data, mode) where mode None means a plain file.

    Names are written as given (no sanitising), so '../x' and '/x' survive.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo("placeholder", date_time=(2024, 1, 1, 0, 0, 0))
            info.filename = name
            info.orig_filename = name
            info.create_system = 3
            info.external_attr = ((mode if mode is not None else (stat.S_IFREG | 0o644)) << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    data = buf.getvalue()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == [e[0] for e in entries], names
    return data


# ---------------------------------------------------------------------------
class CommandLineTests(unittest.TestCase):
    def run_bin(self, *args, env=None, timeout=10):
        e = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        if env:
            e.update(env)
        return subprocess.run([sluice_bin()] + list(args), capture_output=True, text=True,
                              timeout=timeout, env=e, cwd=tempfile.gettempdir())

    def test_help(self):
        p = self.run_bin("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for flag in FLAGS:
            self.assertIn(flag, p.stdout, "--help does not mention %s" % flag)
        for env in ("SLUICE_",):
            self.assertIn(env, p.stdout)

    def test_readme_flags_table_lists_every_flag(self):
        """Every flag --help prints has a row in the README's flags table."""
        p = self.run_bin("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        flags = set(re.findall(r"^\s+(--[a-z][a-z-]*)", p.stdout, re.M))
        self.assertIn("--help", flags)
        self.assertIn("--version", flags)
        with open(os.path.join(harness.REPO, "README.md")) as f:
            rows = set(re.findall(r"^\| `(--[a-z][a-z-]*)", f.read(), re.M))
        self.assertEqual(sorted(flags - rows), [], "flags missing from the README's table")

    def test_debug_log_has_no_libmicrohttpd_warning(self):
        """--log-level debug: the first line is sluice's own, not libmicrohttpd's
        complaint that its logger option was not given first."""
        srv = Server(extra_args=["--log-level", "debug"])
        try:
            srv.start()
            self.assertEqual(srv.health().status, 200)
            srv.stop()
            log = srv.log_tail(100000)
            self.assertNotIn("MHD_OPTION_EXTERNAL_LOGGER", log)
            self.assertIn("listening on", log.splitlines()[0])
        finally:
            srv.cleanup()

    def test_bad_arguments(self):
        for args in (["--port", "abc"], ["--port", "70000"], ["--no-such-flag"],
                     ["--account-concurrency", "x"], ["--log-level", "shouting"]):
            with self.subTest(args=args):
                p = self.run_bin(*(args + ["--in-memory"]))
                self.assertNotEqual(p.returncode, 0)
                self.assertTrue(p.stderr.strip(), "no error message on stderr")

    def test_ready_file_format(self):
        srv = Server()
        try:
            srv.start()
            self.assertRegex(srv.ready_text, r"^127\.0\.0\.1:\d+\n$")
            self.assertNotEqual(srv.port, 0)
            self.assertEqual(srv.health().status, 200)
            srv.stop()
        finally:
            srv.cleanup()

    def test_settings_from_environment(self):
        """Every flag can come from SLUICE_<NAME>; flags win over the environment."""
        tmp = tempfile.mkdtemp(prefix="sluice-e2e-env-")
        ready = os.path.join(tmp, "ready")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env.update({"SLUICE_HOST": "127.0.0.1", "SLUICE_PORT": "0", "SLUICE_IN_MEMORY": "1",
                    "SLUICE_READY_FILE": ready, "SLUICE_LOG_LEVEL": "warn",
                    "SLUICE_ACCOUNT_CONCURRENCY": "400",
                    "SLUICE_MIN_UNRESERVED_CONCURRENCY": "10"})
        proc = subprocess.Popen([sluice_bin(), "--min-unreserved-concurrency", "20"], env=env,
                                cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        srv = Server()
        try:
            deadline = time.monotonic() + harness.READY_TIMEOUT
            def ready_text():
                if not os.path.exists(ready):
                    return ""
                with open(ready) as f:
                    return f.read()
            while not ready_text().endswith("\n"):
                self.assertIsNone(proc.poll(), "sluice exited early")
                self.assertLess(time.monotonic(), deadline, "not ready")
                time.sleep(0.01)
            host, port = ready_text().strip().rsplit(":", 1)
            self.assertEqual(host, "127.0.0.1")
            srv.host, srv.port, srv.endpoint = host, int(port), "http://%s:%s" % (host, port)
            lam = srv.client()
            s = lam.get_account_settings()["AccountLimit"]
            self.assertEqual(s["ConcurrentExecutions"], 400)
            lam.create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE,
                                Handler="index.handler", Code={"ZipFile": handler_zip()})
            with self.assertRaises(harness.ClientError) as cm:
                lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=381)
            self.assertIn("[20]", cm.exception.response["Error"]["Message"])
            # in memory: nothing written to the working directory
            self.assertFalse(os.path.exists(os.path.join(tmp, "sluice-data")))
        finally:
            srv.cleanup()
            proc.send_signal(signal.SIGTERM)
            try:
                self.assertEqual(proc.wait(harness.STOP_TIMEOUT), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
class AdminAndEnvelopeTests(SluiceTestCase):
    def test_health(self):
        r = self.server.health()
        self.assertEqual(r.status, 200)
        self.assertIn("json", r.header("Content-Type", ""))
        body = r.json()
        self.assertEqual(body["status"], "ok")
        self.assertIsInstance(body["version"], str)
        self.assertTrue(body["version"])
        self.assertIsInstance(body["services"], dict)
        # every API sluice serves is listed, Logs and CloudWatch included
        for svc in ("lambda", "dynamodb", "dynamodbstreams", "cloudwatch", "logs", "sts", "iam", "sqs", "ssm", "s3",
                    "cloudformation"):
            self.assertEqual(body["services"].get(svc), "available", svc)
        self.assertTrue(r.header("x-amzn-RequestId"))

    def test_reset(self):
        self.create_function("fn")
        other = self.server.client(access_key="111111111111", region="eu-west-1")
        self.create_function("fn2", client=other)
        r = self.server.request("POST", "/_sluice/reset")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("x-amzn-RequestId"))
        self.assertEqual(self.lam.list_functions()["Functions"], [])
        self.assertEqual(other.list_functions()["Functions"], [])
        # usable right after a reset
        self.create_function("fn")
        self.assertEqual(len(self.lam.list_functions()["Functions"]), 1)

    def clock(self):
        r = self.server.request("GET", "/_sluice/clock")
        self.assertEqual(r.status, 200)
        return r.json()

    def test_reset_keeps_the_clock_unless_asked(self):
        r = self.server.request("POST", "/_sluice/clock", {"advance_seconds": 3600})
        self.assertEqual(r.status, 200)
        self.assertGreaterEqual(self.clock()["offset_ms"], 3600000)
        # a plain reset keeps the offset
        r = self.server.request("POST", "/_sluice/reset")
        self.assertEqual(r.status, 200)
        self.assertFalse(r.json()["clock_reset"])
        self.assertGreaterEqual(self.clock()["offset_ms"], 3600000)
        r = self.server.request("POST", "/_sluice/reset", {})
        self.assertEqual(r.status, 200)
        self.assertGreaterEqual(self.clock()["offset_ms"], 3600000)
        # ?clock=1 sets it back to the wall clock
        r = self.server.request("POST", "/_sluice/reset?clock=1")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json()["clock_reset"])
        c = self.clock()
        self.assertEqual(c["offset_ms"], 0)
        self.assertLess(abs(c["now_ms"] - time.time() * 1000), 60000)
        # and so does the body {"clock": true}
        self.server.request("POST", "/_sluice/clock", {"advance_seconds": 60})
        r = self.server.request("POST", "/_sluice/reset", {"clock": True})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["offset_ms"], 0)
        self.assertEqual(self.clock()["offset_ms"], 0)
        # the server works on after the clock went back
        self.create_function("fn")
        self.assertEqual(self.lam.invoke(FunctionName="fn", Payload=b"{}")["StatusCode"], 200)

    def test_reset_bad_parameters(self):
        for path, body in (("/_sluice/reset?clock=yes", None), ("/_sluice/reset?wipe=1", None),
                           ("/_sluice/reset", {"clock": 1}), ("/_sluice/reset", {"clocks": True}),
                           ("/_sluice/reset", "[1]"), ("/_sluice/reset", "{bad")):
            with self.subTest(path=path, body=body):
                r = self.server.request("POST", path, body)
                self.assertEqual(r.status, 400, r.body)
                self.assertEqual(r.json()["error"], "BadRequest")

    def test_admin_wrong_method_and_path(self):
        for method, path in (("POST", "/_sluice/health"), ("GET", "/_sluice/reset"),
                             ("DELETE", "/_sluice/health"), ("GET", "/_sluice/nope")):
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path)
                self.assertGreaterEqual(r.status, 400)
                self.assertLess(r.status, 500)
                self.assertTrue(r.header("x-amzn-RequestId"))

    def test_request_id_on_every_response(self):
        self.create_function("fn")
        ids = []
        cases = [
            ("GET", "/_sluice/health", None, {}),
            ("GET", "/2015-03-31/functions", None, {}),
            ("GET", "/2015-03-31/functions/fn", None, {}),
            ("GET", "/2015-03-31/functions/nope", None, {}),
            ("DELETE", "/2015-03-31/functions/nope", None, {}),
            ("POST", "/2015-03-31/functions", "{bad json", {"Content-Type": "application/json"}),
            ("GET", "/no/such/path", None, {}),
            ("PATCH", "/2015-03-31/functions", None, {}),
            ("POST", "/", "{}", {"X-Amz-Target": "DynamoDB_20120810.NoSuchOp",
                                 "Content-Type": "application/x-amz-json-1.0"}),
            ("GET", "/2016-08-19/account-settings", None, {}),
        ]
        for method, path, body, headers in cases:
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path, body=body, headers=headers)
                rid = r.header("x-amzn-RequestId")
                self.assertTrue(rid, "no x-amzn-RequestId on %s %s (%d)" % (method, path, r.status))
                ids.append(rid)
        self.assertEqual(len(ids), len(set(ids)), "request ids are not unique")
        # and through boto3, on success and on error
        ok = self.lam.get_function(FunctionName="fn")
        self.assertTrue(ok["ResponseMetadata"]["RequestId"])
        self.assertTrue(ok["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid"))

    def test_lambda_error_envelope(self):
        r = self.server.request("GET", "/2015-03-31/functions/nope")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("x-amzn-ErrorType", "").split(":")[0], "ResourceNotFoundException")
        body = r.json()
        self.assertEqual(body.get("Type"), "User")
        msg = body.get("message") or body.get("Message")
        self.assertEqual(msg, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")
        self.assertIn("json", r.header("Content-Type", ""))

    def test_dynamodb_unknown_target(self):
        for target in ("DynamoDB_20120810.NoSuchOp", "DynamoDBStreams_20120810.NoSuchOp"):
            with self.subTest(target=target):
                r = self.server.request("POST", "/", body="{}", headers={
                    "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"})
                self.assertEqual(r.status, 400)
                body = r.json()
                self.assertTrue(body["__type"].endswith("#UnknownOperationException"), body)
                self.assertTrue(r.header("x-amzn-RequestId"))

    def test_dynamodb_malformed_json(self):
        # SerializationException once DynamoDB is implemented; UnknownOperation before that.
        for target in ("DynamoDB_20120810.ListTables", "DynamoDB_20120810.PutItem",
                       "DynamoDBStreams_20120810.ListStreams"):
            for body in ("{bad", "[", "\x00\xff"):
                with self.subTest(target=target, body=body):
                    r = self.server.request("POST", "/", body=body, headers={
                        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"})
                    self.assertEqual(r.status, 400, r)
                    t = r.json()["__type"]
                    self.assertTrue(t.endswith(("#SerializationException", "#UnknownOperationException")), t)
                    self.assertTrue(r.header("x-amzn-RequestId"))

    def test_dynamodb_bogus_target_via_boto3(self):
        ddb = self.server.client("dynamodb")
        # An operation the server may or may not implement yet; only the
        # shape of a refusal is checked: it must be a proper AWS error or success.
        try:
            ddb.describe_table(TableName="definitely-missing-table")
        except harness.ClientError as e:
            self.assertIn(e.response["Error"]["Code"],
                          ("UnknownOperationException", "ResourceNotFoundException"))
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)


# ---------------------------------------------------------------------------
class IsolationTests(SluiceTestCase):
    def test_account_from_access_key(self):
        c1 = self.server.client(access_key="111111111111")
        c2 = self.server.client(access_key="222222222222")
        resp = self.create_function("fn", client=c1)
        self.assertEqual(resp["FunctionArn"], "arn:aws:lambda:us-east-1:111111111111:function:fn")
        self.assertIn(":111111111111:", c1.get_function(FunctionName="fn")["Configuration"]["FunctionArn"])
        for c in (c2, self.lam):
            with self.assertRaises(harness.ClientError) as cm:
                c.get_function(FunctionName="fn")
            self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
            self.assertEqual(c.list_functions()["Functions"], [])
        # the same name in another account does not conflict
        resp = self.create_function("fn", client=c2)
        self.assertIn(":222222222222:", resp["FunctionArn"])

    def test_non_numeric_key_is_default_account(self):
        for key in ("AKIAIOSFODNN7EXAMPLE", "12345678901a", "1234567890123", "test"):
            with self.subTest(key=key):
                self.server.reset()
                c = self.server.client(access_key=key)
                resp = self.create_function("fn", client=c, wait=False)
                self.assertEqual(resp["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:fn")

    def test_region_from_credential_scope(self):
        west = self.server.client(region="eu-west-1")
        resp = self.create_function("fn", client=west)
        self.assertEqual(resp["FunctionArn"], "arn:aws:lambda:eu-west-1:000000000000:function:fn")
        with self.assertRaises(harness.ClientError) as cm:
            self.lam.get_function(FunctionName="fn")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        resp = self.create_function("fn")
        self.assertEqual(resp["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:fn")
        self.assertEqual(len(west.list_functions()["Functions"]), 1)
        self.assertEqual(len(self.lam.list_functions()["Functions"]), 1)
        west.delete_function(FunctionName="fn")
        self.lam.get_function(FunctionName="fn")

    def test_state_is_per_account_and_region(self):
        a = self.server.client(access_key="111111111111", region="us-east-1")
        b = self.server.client(access_key="111111111111", region="eu-west-1")
        self.create_function("fn", client=a, Publish=True)
        a.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        a.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=200)
        self.assertEqual(a.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"], 800)
        self.assertEqual(b.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"], 1000)
        self.create_function("fn", client=b)
        self.assertEqual(b.list_aliases(FunctionName="fn")["Aliases"], [])
        self.assertEqual(b.get_function_concurrency(FunctionName="fn").get("ReservedConcurrentExecutions"), None)

    def test_unsigned_request_is_default_account_us_east_1(self):
        self.create_function("fn")
        r = self.server.request("GET", "/2015-03-31/functions/fn")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["Configuration"]["FunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:fn")
        r = self.server.request("GET", "/2015-03-31/functions")
        self.assertEqual([f["FunctionName"] for f in r.json()["Functions"]], ["fn"])


# ---------------------------------------------------------------------------
def snapshot(server):
    """Everything the control plane can tell about the test fixture."""
    out = {}
    clients = {
        "main": server.client(),
        "acct": server.client(access_key="111111111111"),
        "west": server.client(region="eu-west-1"),
    }
    for key, c in clients.items():
        fns = sorted(c.list_functions(FunctionVersion="ALL")["Functions"],
                     key=lambda f: (f["FunctionName"], f["Version"]))
        out[key + ".list"] = fns
        out[key + ".settings"] = c.get_account_settings()["AccountLimit"]
        out[key + ".usage"] = c.get_account_settings()["AccountUsage"]
        for f in {f["FunctionName"] for f in fns}:
            g = c.get_function(FunctionName=f)
            g.pop("ResponseMetadata")
            g.get("Code", {}).pop("Location", None)
            out["%s.%s.get" % (key, f)] = g
            out["%s.%s.versions" % (key, f)] = c.list_versions_by_function(FunctionName=f)["Versions"]
            out["%s.%s.aliases" % (key, f)] = sorted(c.list_aliases(FunctionName=f)["Aliases"],
                                                     key=lambda a: a["Name"])
            out["%s.%s.concurrency" % (key, f)] = {
                k: v for k, v in c.get_function_concurrency(FunctionName=f).items()
                if k != "ResponseMetadata"}
            pcs = c.list_provisioned_concurrency_configs(FunctionName=f)["ProvisionedConcurrencyConfigs"]
            out["%s.%s.pc" % (key, f)] = sorted(
                [(p["FunctionArn"], p["RequestedProvisionedConcurrentExecutions"]) for p in pcs])
            out["%s.%s.tags" % (key, f)] = c.list_tags(
                Resource=g["Configuration"]["FunctionArn"])["Tags"]
            for q in [None] + [v["Version"] for v in out["%s.%s.versions" % (key, f)]
                               if v["Version"] != "$LATEST"] + \
                    [a["Name"] for a in out["%s.%s.aliases" % (key, f)]]:
                kw = {"Qualifier": q} if q else {}
                try:
                    p = c.get_policy(FunctionName=f, **kw)
                    out["%s.%s.policy.%s" % (key, f, q)] = (json.loads(p["Policy"]), p["RevisionId"])
                except harness.ClientError as e:
                    out["%s.%s.policy.%s" % (key, f, q)] = e.response["Error"]["Code"]
                cfg = c.get_function_configuration(FunctionName=f, **kw)
                cfg.pop("ResponseMetadata")
                out["%s.%s.cfg.%s" % (key, f, q)] = cfg
    return out


# Seconds a provisioned-concurrency config may take to become READY after
# it is put or after a restart: it waits for real interpreters to start and
# initialise. 5 s was once exceeded by 0.04 s in CI (two suites at once on
# 2 cores); this only has to bound a provisioner that never finishes.
PC_READY_TIMEOUT_S = 20

def build_fixture(tc, server):
    lam = server.client()
    acct = server.client(access_key="111111111111")
    west = server.client(region="eu-west-1")
    z1 = handler_zip()
    z2 = handler_zip(code="def handler(e, c):\n    return 2\n")
    lam.create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": z1}, Description="persist me", Timeout=7, MemorySize=256,
                        Environment={"Variables": {"K": "v"}}, Tags={"team": "core"})
    tc.wait_active("fn", client=lam)
    lam.publish_version(FunctionName="fn", Description="v1")
    lam.update_function_code(FunctionName="fn", ZipFile=z2)
    tc.wait_active("fn", client=lam)
    lam.publish_version(FunctionName="fn", Description="v2")
    lam.update_function_configuration(FunctionName="fn", Timeout=9)
    tc.wait_active("fn", client=lam)
    lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}}, Description="d")
    lam.create_alias(FunctionName="fn", Name="beta", FunctionVersion="2")
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=20)
    lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="beta",
                                           ProvisionedConcurrentExecutions=3)
    lam.add_permission(FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket")
    lam.add_permission(FunctionName="fn", StatementId="v1", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", Qualifier="1")
    lam.tag_resource(Resource="arn:aws:lambda:us-east-1:000000000000:function:fn", Tags={"extra": "1"})
    # Provisioned concurrency starts real environments: the node function
    # needs node code for its init to succeed.
    zjs = make_zip({"index.js": "exports.handler = async () => 2;\n"})
    lam.create_function(FunctionName="other", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": zjs}, Publish=True)
    tc.wait_active("other", client=lam)
    lam.put_provisioned_concurrency_config(FunctionName="other", Qualifier="1",
                                           ProvisionedConcurrentExecutions=5)
    acct.create_function(FunctionName="fn", Runtime="python3.11", Role=ROLE, Handler="index.handler",
                         Code={"ZipFile": z1})
    tc.wait_active("fn", client=acct)
    west.create_function(FunctionName="w", Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                         Code={"ZipFile": z1}, Tags={"r": "west"})
    tc.wait_active("w", client=west)
    # Eight environments (3 python, 5 node) start, four at a time: seconds
    # on a loaded 2-core CI machine. The deadline only bounds a hang.
    for c, f, q in ((lam, "fn", "beta"), (lam, "other", "1")):
        deadline = time.monotonic() + PC_READY_TIMEOUT_S
        while c.get_provisioned_concurrency_config(FunctionName=f, Qualifier=q)["Status"] != "READY":
            tc.assertLess(time.monotonic(), deadline, "PC not READY")
            time.sleep(0.05)


class PersistenceTests(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.server = Server(in_memory=False)
        self.server.start()

    def tearDown(self):
        try:
            if self.server.alive():
                self.server.stop()
        finally:
            self.server.cleanup()

    wait_active = SluiceTestCase.wait_active

    def wait_pcs_ready(self):
        lam = self.server.client()
        for f in ("fn", "other"):
            for p in lam.list_provisioned_concurrency_configs(FunctionName=f)["ProvisionedConcurrencyConfigs"]:
                q = p["FunctionArn"].rsplit(":", 1)[1]
                deadline = time.monotonic() + PC_READY_TIMEOUT_S
                while True:
                    status = lam.get_provisioned_concurrency_config(FunctionName=f, Qualifier=q)["Status"]
                    if status == "READY":
                        break
                    # FAILED is final: a shutdown once stored it for environments it killed.
                    self.assertNotEqual(status, "FAILED", "PC %s:%s FAILED after restart" % (f, q))
                    self.assertLess(time.monotonic(), deadline, "PC %s:%s not READY after restart" % (f, q))
                    time.sleep(0.05)

    def test_restart_keeps_all_state(self):
        build_fixture(self, self.server)
        before = snapshot(self.server)
        self.assertEqual(before["main.settings"]["UnreservedConcurrentExecutions"], 1000 - 20 - 5)
        self.server.stop()
        self.assertTrue(os.listdir(self.server.data_dir), "data dir is empty")
        self.server.start()
        self.wait_pcs_ready()
        after = snapshot(self.server)
        self.assertEqual(sorted(after), sorted(before))
        for k in sorted(before):
            self.assertEqual(after[k], before[k], "state differs after restart: %s" % k)
        # counters survive too: the next version is 3, not 1
        lam = self.server.client()
        lam.update_function_configuration(FunctionName="fn", Timeout=11)
        self.wait_active("fn", client=lam)
        self.assertEqual(lam.publish_version(FunctionName="fn")["Version"], "3")
        # and duplicates are still duplicates
        with self.assertRaises(harness.ClientError) as cm:
            lam.create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE,
                                Handler="index.handler", Code={"ZipFile": handler_zip()})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceConflictException")

    def test_double_restart(self):
        build_fixture(self, self.server)
        before = snapshot(self.server)
        for _ in range(2):
            self.server.restart()
        self.wait_pcs_ready()
        self.assertEqual(snapshot(self.server), before)

    def test_kill9_keeps_acknowledged_state(self):
        lam = self.server.client()
        zips = {}
        for i in range(15):
            z = handler_zip(code="def handler(e, c):\n    return %d\n" % i)
            zips["k%02d" % i] = z
            lam.create_function(FunctionName="k%02d" % i, Runtime="python3.12", Role=ROLE,
                                Handler="index.handler", Code={"ZipFile": z})
        lam.publish_version(FunctionName="k00")
        lam.create_alias(FunctionName="k00", Name="live", FunctionVersion="1")
        lam.put_function_concurrency(FunctionName="k01", ReservedConcurrentExecutions=42)
        lam.tag_resource(Resource="arn:aws:lambda:us-east-1:000000000000:function:k02", Tags={"t": "1"})
        lam.add_permission(FunctionName="k03", StatementId="s", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com")
        lam.delete_function(FunctionName="k14")
        lam.update_function_configuration(FunctionName="k05", Description="last write")
        self.server.kill()
        self.server.start()
        lam = self.server.client()
        names = sorted(f["FunctionName"] for f in lam.list_functions()["Functions"])
        self.assertEqual(names, ["k%02d" % i for i in range(14)])
        for n in names:
            self.assertEqual(lam.get_function(FunctionName=n)["Configuration"]["CodeSha256"],
                             code_sha256(zips[n]))
        self.assertEqual(lam.get_alias(FunctionName="k00", Name="live")["FunctionVersion"], "1")
        self.assertEqual(lam.get_function_concurrency(FunctionName="k01")["ReservedConcurrentExecutions"], 42)
        self.assertEqual(lam.list_tags(Resource="arn:aws:lambda:us-east-1:000000000000:function:k02")
                         ["Tags"], {"t": "1"})
        self.assertEqual([s["Sid"] for s in json.loads(lam.get_policy(FunctionName="k03")["Policy"])
                          ["Statement"]], ["s"])
        cfg = lam.get_function_configuration(FunctionName="k05")
        self.assertEqual(cfg["Description"], "last write")
        # the server still works normally after recovery
        self.wait_active("k05", client=lam)
        lam.create_function(FunctionName="after", Runtime="python3.12", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": handler_zip()})

    def test_reset_is_persistent(self):
        lam = self.server.client()
        lam.create_function(FunctionName="gone", Runtime="python3.12", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": handler_zip()})
        self.server.reset()
        self.server.restart()
        self.assertEqual(self.server.client().list_functions()["Functions"], [])


class InMemoryTests(unittest.TestCase):
    def test_in_memory_forgets_on_restart(self):
        srv = Server(in_memory=True)
        try:
            srv.start()
            lam = srv.client()
            lam.create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE,
                                Handler="index.handler", Code={"ZipFile": handler_zip()})
            srv.restart()
            self.assertEqual(srv.client().list_functions()["Functions"], [])
            # nothing persisted in the working directory (the default data dir)
            self.assertFalse(os.path.exists(os.path.join(srv.tmp, "sluice-data")))
            srv.stop()
        finally:
            srv.cleanup()


class StartupTests(unittest.TestCase):
    """What a start does and keeps (docs/architecture.md, start-up)."""

    def db_connections(self, pid):
        """Open descriptors of the process on its database file: one per
        SQLite connection."""
        n = 0
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).endswith("/sluice.db")
            except OSError:
                pass
        return n

    def test_idle_server_keeps_few_connections(self):
        # Each SQLite connection holds its own copy of the schema and a
        # page cache (~150 kB). An idle server keeps the writer's and one
        # per housekeeping thread (background, provisioner, mappings, one
        # async worker): the main thread gives its own back once serving,
        # and the other async workers open theirs at their first event.
        srv = Server(in_memory=True)
        self.addCleanup(srv.cleanup)
        srv.start()
        self.assertEqual(srv.health().status, 200)
        time.sleep(1.5)   # past the background thread's first tick
        self.assertLessEqual(self.db_connections(srv.proc.pid), 5)
        srv.stop()

    def test_restart_stops_processes_left_in_the_code_dir(self):
        # A data dir that was there before may hold functions of a killed
        # server: they are found by their working directory and killed
        # before the server is ready. (A new data dir, or --in-memory, has
        # a code directory made just now, where nothing can run: the search
        # of every process's working directory is skipped there.)
        srv = Server(in_memory=False)
        self.addCleanup(srv.cleanup)
        srv.start()
        srv.stop()
        left = os.path.join(srv.data_dir, "code", "left-behind")
        os.makedirs(left)
        proc = subprocess.Popen(["sleep", "60"], cwd=left)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.addCleanup(proc.wait)
        srv.start()
        self.assertEqual(proc.wait(timeout=5), -signal.SIGKILL)
        srv.stop()


# ---------------------------------------------------------------------------
class SignalTests(unittest.TestCase):
    def test_sigint_exits_cleanly(self):
        srv = Server()
        try:
            srv.start()
            srv.stop(sig=signal.SIGINT)
        finally:
            srv.cleanup()

    def test_sigterm_with_connections_in_flight(self):
        # A grace period of 2 s: what is still being read when it ends is
        # answered 503, not reset, and the server exits within 5 s.
        srv = Server(in_memory=False, extra_args=["--shutdown-grace", "2"])
        try:
            srv.start()
            srv.client().create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE,
                                         Handler="index.handler", Code={"ZipFile": handler_zip()})
            socks = []
            # an idle keep-alive connection
            s = socket.create_connection((srv.host, srv.port), timeout=10)
            s.sendall(b"GET /_sluice/health HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(65536)
            socks.append(s)
            # a request whose body never finishes
            s = socket.create_connection((srv.host, srv.port), timeout=10)
            s.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{\"Func")
            socks.append(s)
            # headers that never finish
            s = socket.create_connection((srv.host, srv.port), timeout=10)
            s.sendall(b"GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            socks.append(s)
            time.sleep(0.2)
            t0 = time.monotonic()
            srv.stop()  # asserts exit 0 within 5 s
            self.assertLess(time.monotonic() - t0, harness.STOP_TIMEOUT)
            answers = []
            for s in socks:
                try:
                    answers.append(s.recv(65536))
                except OSError:
                    answers.append(b"")
                s.close()
            self.assertEqual(answers[0], b"")      # idle: closed
            self.assertTrue(answers[1].startswith(b"HTTP/1.1 503"), answers[1][:300])
            self.assertIn(b"X-Amzn-ErrorType: ServiceUnavailable", answers[1])
            self.assertTrue(answers[2].startswith(b"HTTP/1.1 503"), answers[2][:300])
            # and the data is intact
            srv.start()
            self.assertEqual([f["FunctionName"] for f in srv.client().list_functions()["Functions"]], ["fn"])
            srv.stop()
        finally:
            srv.cleanup()

    def sigterm_soon(self, srv, after=0.5):
        """Sends SIGTERM to SRV after AFTER seconds, on a thread."""
        proc = srv.proc

        def go():
            time.sleep(after)
            proc.send_signal(signal.SIGTERM)
        t = threading.Thread(target=go, daemon=True)
        t.start()
        return t

    def test_sigterm_lets_work_in_flight_finish(self):
        # Issue 17: an Invoke in flight at SIGTERM got its connection closed
        # at once, and 4 of 4 PutItems in flight got no answer. Within the
        # grace period both finish and are answered.
        srv = Server(in_memory=False, extra_args=["--shutdown-grace", "10"])
        try:
            srv.start()
            lam = srv.client()
            code = "import time\ndef handler(e, c):\n    time.sleep(e['s'])\n    return {'slept': e['s']}\n"
            lam.create_function(FunctionName="slow", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                Code={"ZipFile": handler_zip(code)}, Timeout=60)
            ddb = srv.client("dynamodb")
            ddb.create_table(TableName="tbl", BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            results = {}

            def invoke():
                c = srv.client()
                r = c.invoke(FunctionName="slow", Payload=json.dumps({"s": 2}).encode())
                results["invoke"] = (r["StatusCode"], json.loads(r["Payload"].read()))
            ti = threading.Thread(target=invoke)
            ti.start()
            # Four PutItems whose bodies are still on their way at the signal.
            puts = []
            for i in range(4):
                body = json.dumps({"TableName": "tbl", "Item": {"pk": {"S": "k%d" % i}}}).encode()
                s = socket.create_connection((srv.host, srv.port), timeout=10)
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\n"
                          b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n" % len(body)
                          + body[:10])
                puts.append((s, body))
            time.sleep(0.5)
            proc = srv.proc
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            # New connections are refused once the signal is in.
            with self.assertRaises(OSError):
                socket.create_connection((srv.host, srv.port), timeout=2).close()
            for s, body in puts:
                s.sendall(body[10:])
            for s, _ in puts:
                reply = s.recv(65536)
                s.close()
                self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:300])
            ti.join(30)
            self.assertEqual(results.get("invoke"), (200, {"slept": 2}))
            self.assertEqual(proc.wait(15), 0)
            srv.proc = proc
            srv.proc = None
            srv._log.close()
            srv.start()
            items = srv.client("dynamodb").scan(TableName="tbl")["Items"]
            self.assertEqual(sorted(i["pk"]["S"] for i in items), ["k0", "k1", "k2", "k3"])
            srv.stop()
        finally:
            if srv.alive():
                srv.stop()
            srv.cleanup()

    def test_sigterm_grace_over_gives_503(self):
        # A 60 s handler cannot hold the stop: after the 2 s grace its
        # Invoke is answered 503 ServiceUnavailable and the server exits.
        srv = Server(extra_args=["--shutdown-grace", "2"])
        try:
            srv.start()
            lam = srv.client()
            code = "import time\ndef handler(e, c):\n    time.sleep(60)\n    return 1\n"
            lam.create_function(FunctionName="stuck", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                Code={"ZipFile": handler_zip(code)}, Timeout=90)
            body = b"{}"
            s = socket.create_connection((srv.host, srv.port), timeout=30)
            s.sendall(b"POST /2015-03-31/functions/stuck/invocations HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 2\r\n\r\n" + body)
            time.sleep(1.0)
            proc = srv.proc
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
            s.close()
            self.assertTrue(reply.startswith(b"HTTP/1.1 503"), reply[:300])
            self.assertIn(b"ServiceUnavailable", reply)
            self.assertEqual(proc.wait(10), 0)
            took = time.monotonic() - t0
            self.assertGreaterEqual(took, 1.5)
            self.assertLess(took, harness.STOP_TIMEOUT)
            srv.proc = None
            srv._log.close()
        finally:
            if srv.alive():
                srv.stop()
            srv.cleanup()


# ---------------------------------------------------------------------------
def run_parallel(n, fn):
    """Runs fn(i) in N threads at once; returns the list of results/exceptions."""
    results = [None] * n
    barrier = threading.Barrier(n)

    def body(i):
        try:
            barrier.wait(10)
            results[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - collected for the assertions
            results[i] = e

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def error_of(x):
    if isinstance(x, harness.ClientError):
        r = x.response
        return (r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"])
    return None


class ParallelClientTests(SluiceTestCase):
    """Several clients at once: no 5xx, no lost or doubled writes, and the
    account-wide concurrency rules hold under races."""

    N = 8

    def clients(self):
        return [self.server.client() for _ in range(self.N)]

    def test_parallel_creates(self):
        cs = self.clients()

        def work(i):
            for j in range(12):
                cs[i].create_function(FunctionName="p%d-%d" % (i, j), Runtime="python3.12", Role=ROLE,
                                      Handler="index.handler", Code={"ZipFile": handler_zip()})
            return True
        res = run_parallel(self.N, work)
        self.assertEqual(res, [True] * self.N, [repr(r) for r in res])
        names = [f["FunctionName"] for p in self.lam.get_paginator("list_functions").paginate()
                 for f in p["Functions"]]
        self.assertEqual(len(names), self.N * 12)
        self.assertEqual(len(set(names)), self.N * 12)

    def test_parallel_create_same_name(self):
        cs = self.clients()
        res = run_parallel(self.N, lambda i: cs[i].create_function(
            FunctionName="dup", Runtime="python3.12", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": handler_zip(code="x=%d\n" % i)}))
        ok = [r for r in res if isinstance(r, dict)]
        errs = [error_of(r) for r in res if not isinstance(r, dict)]
        self.assertEqual(len(ok), 1, res)
        self.assertEqual(errs, [("ResourceConflictException", 409, "Function already exist: dup")] * (self.N - 1))
        self.assertEqual(self.lam.get_function(FunctionName="dup")["Configuration"]["CodeSha256"],
                         ok[0]["CodeSha256"])

    def test_parallel_publish_without_change(self):
        self.create_function("fn")
        cs = self.clients()
        res = run_parallel(self.N, lambda i: cs[i].publish_version(FunctionName="fn")["Version"])
        self.assertEqual(res, ["1"] * self.N)
        self.assertEqual([v["Version"] for v in self.lam.list_versions_by_function(FunctionName="fn")["Versions"]],
                         ["$LATEST", "1"])

    def test_reserved_concurrency_race(self):
        for i in range(10):
            self.create_function("r%d" % i, wait=False)
        cs = [self.server.client() for _ in range(10)]
        res = run_parallel(10, lambda i: cs[i].put_function_concurrency(
            FunctionName="r%d" % i, ReservedConcurrentExecutions=100))
        ok = [r for r in res if isinstance(r, dict)]
        errs = [error_of(r) for r in res if not isinstance(r, dict)]
        self.assertEqual(len(ok), 9, res)
        self.assertEqual(errs, [("InvalidParameterValueException", 400,
                                 "Specified ReservedConcurrentExecutions for function decreases "
                                 "account's UnreservedConcurrentExecution below its minimum value of [100].")])
        self.assertEqual(self.lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"], 100)

    def test_provisioned_concurrency_race(self):
        for i in range(10):
            self.create_function("q%d" % i, Publish=True, wait=False)
        cs = [self.server.client() for _ in range(10)]
        res = run_parallel(10, lambda i: cs[i].put_provisioned_concurrency_config(
            FunctionName="q%d" % i, Qualifier="1", ProvisionedConcurrentExecutions=100))
        ok = [r for r in res if isinstance(r, dict)]
        errs = [error_of(r) for r in res if not isinstance(r, dict)]
        self.assertEqual(len(ok), 9, res)
        self.assertEqual(errs, [("InvalidParameterValueException", 400,
                                 "Specified ConcurrentExecutions for function decreases account's "
                                 "UnreservedConcurrentExecution below its minimum value of [100].")])
        self.assertEqual(self.lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"], 100)

    def test_mixed_read_write_load(self):
        self.create_function("hot", Publish=True)
        cs = self.clients()

        def work(i):
            c = cs[i]
            for j in range(25):
                if i % 2:
                    c.get_function(FunctionName="hot")
                    c.list_functions()
                else:
                    c.tag_resource(Resource="arn:aws:lambda:us-east-1:000000000000:function:hot",
                                   Tags={"t%d" % i: str(j)})
                    c.get_account_settings()
            return True
        res = run_parallel(self.N, work)
        self.assertEqual(res, [True] * self.N, [repr(r) for r in res])
        tags = self.lam.list_tags(Resource="arn:aws:lambda:us-east-1:000000000000:function:hot")["Tags"]
        self.assertEqual(tags, {"t%d" % i: "24" for i in range(0, self.N, 2)})


# ---------------------------------------------------------------------------
class HostileInputTests(SluiceTestCase):
    """Malformed and hostile requests get a 4xx (or a closed connection where
    HTTP cannot express an answer) and never take the server down."""

    def tearDown(self):
        self.assertTrue(self.server.alive(), "sluice died:\n" + self.server.log_tail())
        r = self.server.health()
        self.assertEqual(r.status, 200)

    def assert4xx(self, r, aws_shape=True):
        self.assertGreaterEqual(r.status, 400, r)
        self.assertLess(r.status, 500, r)
        if aws_shape:
            self.assertTrue(r.header("x-amzn-RequestId"), "no request id: %r" % (r,))
            self.assertTrue(r.header("x-amzn-ErrorType"), "no x-amzn-ErrorType: %r" % (r,))
            body = r.json()
            self.assertIsInstance(body, dict)
            self.assertTrue(body.get("message") or body.get("Message"), "no message: %r" % (r,))

    def post_json(self, path, body, method="POST"):
        return self.server.request(method, path, body=body, headers={"Content-Type": "application/json"})

    def test_malformed_json(self):
        for body in ("{", "{\"FunctionName\": ", "not json at all", "{\"a\":1,}", "\x00\x01\x02",
                     "{\"FunctionName\": \"x\"} trailing", "[" * 100000, "{\"a\":" * 50000):
            with self.subTest(body=body[:30]):
                self.assert4xx(self.post_json("/2015-03-31/functions", body))
        self.assertEqual(self.lam.list_functions()["Functions"], [])

    def test_malformed_json_other_operations(self):
        self.create_function("fn")
        for method, path in (("PUT", "/2015-03-31/functions/fn/configuration"),
                             ("PUT", "/2015-03-31/functions/fn/code"),
                             ("POST", "/2015-03-31/functions/fn/versions"),
                             ("POST", "/2015-03-31/functions/fn/aliases"),
                             ("PUT", "/2017-10-31/functions/fn/concurrency"),
                             ("POST", "/2015-03-31/functions/fn/policy"),
                             ("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn"),
                             ("PUT", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=1")):
            with self.subTest(method=method, path=path):
                self.assert4xx(self.post_json(path, "{oops", method=method))
        self.assertEqual(self.lam.get_function_configuration(FunctionName="fn")["Timeout"], 3)

    def test_invalid_utf8_and_odd_strings(self):
        bodies = [b'{"FunctionName":"\xff\xfe","Runtime":"python3.12"}',
                  json.dumps(create_body("f\u00e9")).encode(),
                  json.dumps(create_body("a" * 1000000)).encode(),
                  json.dumps(create_body("a\u0000b")).encode()]
        for body in bodies:
            with self.subTest(body=body[:30]):
                self.assert4xx(self.post_json("/2015-03-31/functions", body))
        self.assertEqual(self.lam.list_functions()["Functions"], [])

    def test_wrong_json_types(self):
        cases = [
            [], None, "str", 42, True,
            create_body(123),
            create_body(["fn"]),
            create_body("fn", Timeout="abc"),
            create_body("fn", Timeout=1e100),
            create_body("fn", MemorySize=99999999999999999999),
            create_body("fn", Timeout=-5),
            create_body("fn", Runtime=["python3.12"]),
            create_body("fn", Environment={"Variables": {"A": 1}}),
            create_body("fn", Environment={"Variables": ["A"]}),
            create_body("fn", Environment="A=1"),
            create_body("fn", Tags=["a"]),
            create_body("fn", Publish="yes"),
            create_body("fn", Architectures="x86_64"),
            create_body("fn", Architectures=["sparc"]),
            {"FunctionName": "fn", "Runtime": "python3.12", "Role": ROLE, "Handler": "index.handler",
             "Code": "zip"},
            {"FunctionName": "fn", "Runtime": "python3.12", "Role": ROLE, "Handler": "index.handler",
             "Code": {"ZipFile": "!!! not base64 !!!"}},
            {"FunctionName": "fn", "Runtime": "python3.12", "Role": ROLE, "Handler": "index.handler",
             "Code": {"ZipFile": 12345}},
            {"Runtime": "python3.12", "Role": ROLE, "Handler": "index.handler",
             "Code": {"ZipFile": base64.b64encode(handler_zip()).decode()}},
        ]
        for body in cases:
            with self.subTest(body=json.dumps(body)[:80]):
                self.assert4xx(self.post_json("/2015-03-31/functions", json.dumps(body)))
        self.assertEqual(self.lam.list_functions()["Functions"], [])

    def test_wrong_types_other_operations(self):
        self.create_function("fn", Publish=True)
        cases = [
            ("PUT", "/2015-03-31/functions/fn/configuration", {"Timeout": "ten"}),
            ("PUT", "/2015-03-31/functions/fn/configuration", {"MemorySize": [128]}),
            ("PUT", "/2015-03-31/functions/fn/code", {"ZipFile": 5}),
            ("PUT", "/2015-03-31/functions/fn/code", {"ZipFile": "%%%%"}),
            ("POST", "/2015-03-31/functions/fn/versions", {"Description": 7}),
            ("POST", "/2015-03-31/functions/fn/aliases", {"Name": 1, "FunctionVersion": "1"}),
            ("POST", "/2015-03-31/functions/fn/aliases", {"Name": "a", "FunctionVersion": 1}),
            ("POST", "/2015-03-31/functions/fn/aliases",
             {"Name": "a", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"1": "x"}}}),
            ("PUT", "/2017-10-31/functions/fn/concurrency", {"ReservedConcurrentExecutions": "ten"}),
            ("PUT", "/2017-10-31/functions/fn/concurrency", {"ReservedConcurrentExecutions": -1}),
            ("PUT", "/2017-10-31/functions/fn/concurrency", {}),
            ("PUT", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=1",
             {"ProvisionedConcurrentExecutions": "1"}),
            ("PUT", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=1",
             {"ProvisionedConcurrentExecutions": -3}),
            ("PUT", "/2019-09-30/functions/fn/provisioned-concurrency", {"ProvisionedConcurrentExecutions": 1}),
            ("POST", "/2015-03-31/functions/fn/policy?Qualifier=1",
             {"StatementId": 1, "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}),
            ("POST", "/2015-03-31/functions/fn/policy?Qualifier=1", {"StatementId": "s"}),
            ("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn",
             {"Tags": ["a"]}),
            ("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn",
             {"Tags": {"a": 1}}),
            ("GET", "/2015-03-31/functions?MaxItems=abc", None),
            ("GET", "/2015-03-31/functions?MaxItems=0", None),
            ("GET", "/2015-03-31/functions?MaxItems=-5", None),
            ("GET", "/2015-03-31/functions?FunctionVersion=SOME", None),
            ("GET", "/2015-03-31/functions/fn/versions?MaxItems=99999999999999999999", None),
        ]
        for method, path, body in cases:
            with self.subTest(method=method, path=path, body=body):
                r = self.server.request(method, path, body=json.dumps(body) if body is not None else None,
                                        headers={"Content-Type": "application/json"})
                self.assert4xx(r)
        cfg = self.lam.get_function_configuration(FunctionName="fn")
        self.assertEqual((cfg["Timeout"], cfg["MemorySize"]), (3, 128))
        self.assertEqual(self.lam.list_aliases(FunctionName="fn")["Aliases"], [])
        self.assertNotIn("ReservedConcurrentExecutions", self.lam.get_function_concurrency(FunctionName="fn"))

    def test_unknown_paths(self):
        for path in ("/nope", "/2015-03-31/nothing", "/2015-03-31/functions/fn/bogus",
                     "/2015-03-31/functions/fn/aliases/a/b/c", "/2099-01-01/functions",
                     "/_sluice/nope", "/2015-03-31/functions/%ZZ", "/2015-03-31/functions/fn%00x",
                     "/2015-03-31/functions/a%2Fb", "/2015-03-31/functions/..%2F..%2Fetc%2Fpasswd",
                     "/2015-03-31/functions/" + "x" * 10000):
            with self.subTest(path=path[:60]):
                r = self.server.request("GET", path)
                self.assertGreaterEqual(r.status, 400, r)
                self.assertLess(r.status, 500, r)
                self.assertTrue(r.header("x-amzn-RequestId"), r)

    def test_wrong_methods(self):
        self.create_function("fn")
        for method, path in (("PATCH", "/2015-03-31/functions"),
                             ("DELETE", "/2015-03-31/functions"),
                             ("PUT", "/2015-03-31/functions"),
                             ("POST", "/2015-03-31/functions/fn"),
                             ("PATCH", "/2015-03-31/functions/fn/configuration"),
                             ("POST", "/2015-03-31/functions/fn/configuration"),
                             ("DELETE", "/2015-03-31/functions/fn/code"),
                             ("PUT", "/2016-08-19/account-settings"),
                             ("OPTIONS", "/2015-03-31/functions"),
                             ("BREW", "/2015-03-31/functions")):
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path, body="{}" if method in ("POST", "PUT", "PATCH") else None)
                self.assertGreaterEqual(r.status, 400, r)
                self.assertLess(r.status, 500, r)
        self.lam.get_function(FunctionName="fn")

    def test_head_request(self):
        r = self.server.request("HEAD", "/_sluice/health")
        self.assertLess(r.status, 500)
        self.assertEqual(r.body, b"")

    def raw_exchange(self, data, timeout=10):
        """Sends DATA; returns (response bytes, seconds). Tolerates resets."""
        s = socket.create_connection((self.server.host, self.server.port), timeout=timeout)
        t0 = time.monotonic()
        out = b""
        try:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            while True:
                try:
                    c = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not c:
                    break
                out += c
                if b"\r\n\r\n" in out and harness._complete(out):
                    break
        finally:
            s.close()
        return out, time.monotonic() - t0

    def test_huge_header(self):
        for size in (100 * 1024, 1024 * 1024):
            with self.subTest(size=size):
                req = (b"GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size +
                       b"\r\n\r\n")
                out, secs = self.raw_exchange(req)
                status = parse_status(out)
                self.assertIsNotNone(status, "no HTTP response to a %d-byte header: %r" % (size, out[:200]))
                self.assertGreaterEqual(status, 400)
                self.assertLess(status, 500)
                self.assertLess(secs, 5)

    def test_many_headers(self):
        req = b"GET /_sluice/health HTTP/1.1\r\nHost: x\r\n" + b"".join(
            b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n"
        out, _ = self.raw_exchange(req)
        status = parse_status(out)
        self.assertIsNotNone(status, out[:200])
        self.assertTrue(status == 200 or 400 <= status < 500, status)

    def test_huge_url(self):
        req = b"GET /2015-03-31/functions?Marker=" + b"m" * (200 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        out, _ = self.raw_exchange(req)
        status = parse_status(out)
        self.assertIsNotNone(status, out[:200])
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)

    def test_garbage_bytes(self):
        for data in (os.urandom(4096), b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200),
                     b"\r\n\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"GET /_sluice/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                     b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                     b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"zz\r\nhello\r\n0\r\n\r\n",
                     b"GET /_sluice/health HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n"):
            with self.subTest(data=data[:20]):
                out, secs = self.raw_exchange(data, timeout=5)
                status = parse_status(out)
                if status is not None:
                    # 505 is HTTP's own answer to an unknown protocol version
                    allowed_5xx = (505,) if b"HTTP/9.9" in data else ()
                    self.assertTrue(status < 500 or status in allowed_5xx, out[:300])
                self.assertTrue(self.server.alive())
                self.assertEqual(self.server.health().status, 200)

    def test_http10_without_host(self):
        out, _ = self.raw_exchange(b"GET /_sluice/health HTTP/1.0\r\n\r\n")
        self.assertEqual(parse_status(out), 200, out[:300])

    def test_truncated_body_then_close(self):
        s = socket.create_connection((self.server.host, self.server.port), timeout=10)
        s.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"FunctionName\": \"tr")
        s.shutdown(socket.SHUT_WR)
        t0 = time.monotonic()
        try:
            while s.recv(65536):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
        self.assertLess(time.monotonic() - t0, 9, "server held a half-closed truncated request")
        self.assertEqual(self.lam.list_functions()["Functions"], [])

    def test_truncated_headers_then_close(self):
        for data in (b"GET /2015-03-31/func", b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Le"):
            s = socket.create_connection((self.server.host, self.server.port), timeout=10)
            s.sendall(data)
            s.close()
        self.assertEqual(self.server.health().status, 200)

    def test_stalled_clients_do_not_block_others(self):
        socks = []
        try:
            for i in range(20):
                s = socket.create_connection((self.server.host, self.server.port), timeout=5)
                if i % 2:
                    s.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
                else:
                    s.sendall(b"GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nX-Part")
                socks.append(s)
            t0 = time.monotonic()
            self.assertEqual(self.server.health().status, 200)
            self.lam.list_functions()
            self.create_function("during", wait=False)
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            for s in socks:
                s.close()

    def test_many_connections_open_and_close(self):
        for _ in range(300):
            s = socket.create_connection((self.server.host, self.server.port), timeout=5)
            s.close()
        self.assertEqual(self.server.health().status, 200)

    def test_chunked_create_function(self):
        body = json.dumps(create_body("chunky")).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 100]), body[i:i + 100])
                          for i in range(0, len(body), 100)) + b"0\r\n\r\n"
        req = (b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks)
        out, _ = self.raw_exchange(req)
        self.assertEqual(parse_status(out), 201, out[:500])
        self.lam.get_function(FunctionName="chunky")

    def stream_body(self, head, total, chunked=False, limit_s=20):
        """Sends HEAD then up to TOTAL body bytes, reading as soon as the server
        answers. Returns (response bytes, bytes sent, seconds)."""
        s = socket.create_connection((self.server.host, self.server.port), timeout=limit_s)
        s.setblocking(False)
        t0 = time.monotonic()
        out, sent = b"", 0
        piece = b"A" * (256 * 1024)
        pending = head
        closed = False
        try:
            while time.monotonic() - t0 < limit_s:
                want_write = bool(pending) or sent < total
                r, w, _ = select.select([s], [s] if want_write else [], [], 1.0)
                if r:
                    try:
                        c = s.recv(65536)
                    except (ConnectionResetError, BlockingIOError):
                        c = b""
                        closed = True
                    if not c:
                        break
                    out += c
                    if b"\r\n\r\n" in out and harness._complete(out):
                        break
                    continue
                if w:
                    if not pending:
                        n = min(len(piece), total - sent)
                        pending = (b"%x\r\n" % n + piece[:n] + b"\r\n") if chunked else piece[:n]
                        sent += n
                        if chunked and sent >= total:
                            pending += b"0\r\n\r\n"
                    try:
                        k = s.send(pending)
                        pending = pending[k:]
                    except BlockingIOError:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        closed = True
                        # read whatever the server managed to say
                        s.setblocking(True)
                        s.settimeout(2)
                        try:
                            while True:
                                c = s.recv(65536)
                                if not c:
                                    break
                                out += c
                        except (OSError, socket.timeout):
                            pass
                        break
                if not want_write and not r:
                    continue
        finally:
            s.close()
        return out, sent, time.monotonic() - t0, closed

    def test_body_over_cap_content_length(self):
        self.create_function("fn")
        cases = [("POST /2015-03-31/functions", 80 * 1024 * 1024, {}),
                 ("PUT /2015-03-31/functions/fn/code", 80 * 1024 * 1024, {}),
                 ("POST /", 40 * 1024 * 1024, {"X-Amz-Target": "DynamoDB_20120810.PutItem"}),
                 ("POST /_sluice/reset", 40 * 1024 * 1024, {})]
        for line, total, extra in cases:
            with self.subTest(request=line):
                head = ("%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" % line +
                        "".join("%s: %s\r\n" % kv for kv in extra.items()) +
                        "Content-Length: %d\r\n\r\n" % total).encode()
                out, sent, secs, _ = self.stream_body(head, total)
                status = parse_status(out)
                self.assertIsNotNone(status, "no HTTP answer to a %d-byte body (sent %d bytes)" % (total, sent))
                self.assertEqual(status, 413, "expected 413 for an over-cap body, got %r" % out[:300])
                self.assertLess(secs, 10, "over-cap body took %.1f s to refuse" % secs)
                self.assertLess(sent, total, "the whole over-cap body was read before refusing")
        self.lam.get_function(FunctionName="fn")

    def test_body_over_cap_chunked(self):
        total = 80 * 1024 * 1024
        head = (b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        out, sent, secs, _ = self.stream_body(head, total, chunked=True)
        status = parse_status(out)
        self.assertIsNotNone(status, "no HTTP answer to an 80 MB chunked body (sent %d bytes)" % sent)
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        self.assertLess(secs, 15)

    def test_small_body_cap_on_small_operations(self):
        # A 10 MB body on an operation that takes a few bytes must not be buffered whole.
        total = 10 * 1024 * 1024
        head = (b"PUT /2017-10-31/functions/fn/concurrency HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % total)
        out, sent, secs, _ = self.stream_body(head, total)
        status = parse_status(out)
        self.assertIsNotNone(status)
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)

    def test_zip_over_50mb(self):
        data = make_stored_zip(51 * 1024 * 1024)
        self.assertGreater(len(data), 52428800)
        lam = self.server.client(read_timeout=120)
        self.assertAwsError(lam.create_function, "RequestEntityTooLargeException", 413,
                            "Zipped size must be smaller than 52428800 bytes",
                            FunctionName="big", Runtime="python3.12", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": data})
        self.create_function("small")
        self.assertAwsError(lam.update_function_code, "RequestEntityTooLargeException", 413,
                            "Zipped size must be smaller than 52428800 bytes",
                            FunctionName="small", ZipFile=data)

    def test_unzipped_over_250mb(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("index.py", "def handler(e, c):\n    return 1\n")
            info = zipfile.ZipInfo("blob.bin", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as f:
                zero = b"\0" * (1024 * 1024)
                for _ in range(251):
                    f.write(zero)
        data = buf.getvalue()
        self.assertLess(len(data), 2 * 1024 * 1024)
        self.assertAwsError(self.lam.create_function, "InvalidParameterValueException", 400,
                            "Unzipped size must be smaller than 262144000 bytes",
                            FunctionName="bomb", Runtime="python3.12", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": data})
        self.assertEqual(self.lam.list_functions()["Functions"], [])

    def test_zip_slip(self):
        marker = "sluice-e2e-slip-%s" % uuid.uuid4().hex
        up = "../" * 30
        cases = {
            "dotdot": [("index.py", "x=1\n", None), ("../evil.py", "x=2\n", None)],
            "deep-dotdot": [("index.py", "x=1\n", None), (up + "tmp/" + marker + "-a", "x\n", None)],
            "inner-dotdot": [("a/../../" + marker + "-b", "x\n", None)],
            "absolute": [("index.py", "x=1\n", None), ("/tmp/" + marker + "-c", "x\n", None)],
            "absolute-etc": [("/etc/x", "x\n", None)],
            "symlink-abs": [("index.py", "x=1\n", None), ("link", "/etc/passwd", stat.S_IFLNK | 0o777)],
            "symlink-up": [("index.py", "x=1\n", None), ("sub/link", "../../outside", stat.S_IFLNK | 0o777)],
            "symlink-dir-then-write": [("d", "/tmp", stat.S_IFLNK | 0o777),
                                       ("d/" + marker + "-d", "x\n", None)],
        }
        self.create_function("target")
        for label, entries in cases.items():
            data = build_zip(entries)
            with self.subTest(case=label, op="create"):
                self.assertAwsError(self.lam.create_function, "InvalidParameterValueException", 400,
                                    FunctionName="slip", Runtime="python3.12", Role=ROLE,
                                    Handler="index.handler", Code={"ZipFile": data})
            with self.subTest(case=label, op="update"):
                self.assertAwsError(self.lam.update_function_code, "InvalidParameterValueException", 400,
                                    FunctionName="target", ZipFile=data)
        for suffix in "abcd":
            self.assertFalse(os.path.exists("/tmp/%s-%s" % (marker, suffix)), "zip-slip wrote outside!")
        self.assertEqual([f["FunctionName"] for f in self.lam.list_functions()["Functions"]], ["target"])
        self.assertEqual(self.lam.get_function(FunctionName="target")["Configuration"]["CodeSha256"],
                         code_sha256(handler_zip()))

    def test_zip_with_many_entries(self):
        data = make_zip({"f%05d.py" % i: "x=%d\n" % i for i in range(20000)})
        t0 = time.monotonic()
        try:
            self.create_function("many", zip_bytes=data, wait=False)
        except harness.ClientError as e:
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertLess(time.monotonic() - t0, 20)

    def test_harmless_zip_shapes_accepted(self):
        cases = {
            "symlink-inside": [("index.py", "x=1\n", None), ("alias.py", "index.py", stat.S_IFLNK | 0o777)],
            "dirs": [("pkg/", "", stat.S_IFDIR | 0o755), ("pkg/__init__.py", "", None),
                     ("index.py", "x=1\n", None)],
            "dots-in-names": [("index.py", "x=1\n", None), ("a..b.py", "x\n", None), ("./c.py", "x\n", None)],
            "empty-file": [("index.py", "", None)],
        }
        for label, entries in cases.items():
            with self.subTest(case=label):
                data = build_zip(entries)
                resp = self.create_function("ok-" + label, zip_bytes=data, wait=False)
                self.assertEqual(resp["CodeSha256"], code_sha256(data))


def make_stored_zip(size):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("index.py", "def handler(e, c):\n    return 1\n")
        zf.writestr(zipfile.ZipInfo("blob.bin", date_time=(2024, 1, 1, 0, 0, 0)), os.urandom(size))
    return buf.getvalue()


if __name__ == "__main__":
    harness.main()
