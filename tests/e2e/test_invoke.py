#!/usr/bin/env python3
"""Lambda Invoke end to end: real python, nodejs and provided.* handlers run by
build/sluice through the Lambda Runtime API, driven with boto3.

Expected behaviour comes from docs/aws-reference.md B8 (Invoke) and H (Runtime API
and execution environment), and from issue 4. Event (asynchronous)
invocations are not implemented yet and are only skipped with a note.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_invoke.py -v
"""

import base64
import datetime
import io
import json
import math
import os
import re
import shutil
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
from harness import ROLE, Server, SluiceTestCase, make_zip  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ACCT = "000000000000"
REGION = "us-east-1"
ARN_PREFIX = "arn:aws:lambda:%s:%s:function:" % (REGION, ACCT)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MB6 = 6 * 1024 * 1024

HAVE_NODE = shutil.which("node") is not None
HAVE_CURL = shutil.which("curl") is not None

# The log LogType=Tail returns for a successful or failed (not init-failed)
# invocation, per docs/aws-reference.md B8.
TAIL_RE = re.compile(
    r"\ASTART RequestId: (?P<rid>%s) Version: (?P<ver>\S+)\n"
    r"(?P<out>(?:.*\n)*?)"
    r"END RequestId: (?P=rid)\n"
    r"REPORT RequestId: (?P=rid)\tDuration: (?P<dur>\d+\.\d\d) ms\tBilled Duration: (?P<billed>\d+) ms\t"
    r"Memory Size: (?P<mem>\d+) MB\tMax Memory Used: (?P<maxmem>\d+) MB\t"
    r"(?:Init Duration: (?P<init>\d+\.\d\d) ms\t)?\n\Z" % UUID)

# The REPORT line of an invocation whose init failed.
INIT_FAIL_REPORT_RE = re.compile(
    r"REPORT RequestId: (?P<rid>%s)\tDuration: (?P<dur>\d+\.\d\d) ms\tBilled Duration: (?P<billed>\d+) ms\t"
    r"Memory Size: (?P<mem>\d+) MB\tMax Memory Used: (?P<maxmem>\d+) MB\t"
    r"Status: error\tError Type: (?P<etype>[^\t]+)\t\n\Z" % UUID)

PY_ENV_HANDLER = """\
import os

def handler(event, context):
    return {"env": dict(os.environ), "cwd": os.getcwd(), "files": sorted(os.listdir(".")),
            "stream": context.log_stream_name, "group": context.log_group_name}
"""

COUNTER_HANDLER = """\
import os, time
COUNT = 0
CODE = %r

def handler(event, context):
    global COUNT
    COUNT += 1
    if isinstance(event, dict) and event.get("sleep"):
        time.sleep(event["sleep"])
    return {"count": COUNT, "code": CODE, "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "x": os.environ.get("X"), "arn": context.invoked_function_arn, "pid": os.getpid()}
"""


def exec_zip(files):
    """A zip whose entries are executable (mode 0755): FILES is {name: str|bytes}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            if isinstance(content, str):
                content = content.encode()
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o100755) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buf.getvalue()


def pid_alive(pid):
    """True if PID runs (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return not pid_alive(pid)


class Result:
    """One Invoke response, read completely."""

    def __init__(self, resp):
        self.raw = resp
        self.status = resp["StatusCode"]
        self.function_error = resp.get("FunctionError")
        self.executed_version = resp.get("ExecutedVersion")
        self.body = resp["Payload"].read()
        self.headers = resp["ResponseMetadata"]["HTTPHeaders"]
        self.header_request_id = resp["ResponseMetadata"].get("RequestId")
        self.log = base64.b64decode(resp["LogResult"]).decode("utf-8", "replace") if "LogResult" in resp else None
        self.log_bytes = base64.b64decode(resp["LogResult"]) if "LogResult" in resp else None
        try:
            self.json = json.loads(self.body) if self.body else None
        except ValueError:
            self.json = None

    @property
    def rid(self):
        """The invocation's request id, from the START line of the tail log."""
        m = re.match(r"START RequestId: (%s) " % UUID, self.log or "")
        return m.group(1) if m else None

    def __repr__(self):
        return "<Result %s %s %r log=%r>" % (self.status, self.function_error, self.body[:400],
                                             (self.log or "")[-800:])


class InvokeCase(SluiceTestCase):
    def fn(self, name, code=None, files=None, runtime="python3.12", handler="index.handler",
           zip_bytes=None, **kw):
        if zip_bytes is None:
            if files is None:
                files = {("index.js" if runtime.startswith("nodejs") else "index.py"): code}
            zip_bytes = make_zip(files)
        return self.create_function(name, zip_bytes=zip_bytes, Runtime=runtime, Handler=handler, **kw)

    def invoke(self, name, payload=b"{}", tail=True, client=None, **kw):
        client = client or self.lam
        if isinstance(payload, (dict, list, int, float)) or payload is None:
            payload = json.dumps(payload)
        if tail:
            kw["LogType"] = "Tail"
        return Result(client.invoke(FunctionName=name, Payload=payload, **kw))

    def ok(self, name, payload=b"{}", **kw):
        r = self.invoke(name, payload, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        return r

    def err(self, name, payload=b"{}", **kw):
        r = self.invoke(name, payload, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertIsNotNone(r.json, r)
        return r

    def parse_tail(self, r):
        self.assertIsNotNone(r.log, "no X-Amz-Log-Result")
        m = TAIL_RE.match(r.log)
        self.assertIsNotNone(m, "tail log does not have the START/END/REPORT shape:\n%r" % r.log)
        return m


# ---------------------------------------------------------------------------
# Python handlers
# ---------------------------------------------------------------------------

class PythonInvokeTest(InvokeCase):
    def test_result_and_headers(self):
        self.fn("fn", "def handler(event, context):\n    return {'got': event, 'n': 1.5, 'u': 'caf\\u00e9'}\n")
        r = self.ok("fn", b'{"a": [1, 2, {"b": null}]}')
        self.assertEqual(r.json, {"got": {"a": [1, 2, {"b": None}]}, "n": 1.5, "u": "caf\u00e9"})
        self.assertEqual(r.executed_version, "$LATEST")
        self.assertEqual(r.headers.get("x-amz-executed-version"), "$LATEST")
        self.assertNotIn("x-amz-function-error", r.headers)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"), r.headers)

    def test_event_json_types_round_trip(self):
        self.fn("fn", "def handler(event, context):\n    return {'type': type(event).__name__, 'event': event}\n")
        for payload, typ, value in [(b'[1, "x", true]', "list", [1, "x", True]),
                                    (b'"just a string"', "str", "just a string"),
                                    (b'42', "int", 42),
                                    (b'null', "NoneType", None),
                                    (b'  {"k": "v"}\n ', "dict", {"k": "v"}),
                                    ("{\"snow\": \"\u2603\"}".encode(), "dict", {"snow": "\u2603"})]:
            r = self.ok("fn", payload, tail=False)
            self.assertEqual(r.json, {"type": typ, "event": value}, payload)

    def test_empty_payload_is_an_empty_object(self):
        self.fn("fn", "def handler(event, context):\n    return {'event': event}\n")
        r = self.ok("fn", b"")
        self.assertEqual(r.json, {"event": {}})

    def test_none_result_is_null(self):
        self.fn("fn", "def handler(event, context):\n    pass\n")
        r = self.ok("fn")
        self.assertEqual(r.body, b"null")

    def test_function_error_body(self):
        self.fn("fn", "def handler(event, context):\n    raise ValueError('boom')\n")
        r = self.err("fn")
        self.assertEqual(r.headers.get("x-amz-function-error"), "Unhandled")
        self.assertEqual(r.executed_version, "$LATEST")
        self.assertEqual(sorted(r.json), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(r.json["errorMessage"], "boom")
        self.assertEqual(r.json["errorType"], "ValueError")
        self.assertEqual(r.json["requestId"], r.rid)
        self.assertEqual(len(r.json["stackTrace"]), 1, r.json)
        self.assertRegex(r.json["stackTrace"][0],
                         r'^  File "[^"]*/index\.py", line 2, in handler\n    raise ValueError\(\'boom\'\)\n$')
        self.assertIn("[ERROR] ValueError: boom", r.log)

    def test_custom_exception_type(self):
        code = ("class PaymentDeclined(Exception):\n    pass\n\n"
                "def handler(event, context):\n    raise PaymentDeclined('card 42 declined')\n")
        self.fn("fn", code)
        r = self.err("fn")
        self.assertEqual((r.json["errorType"], r.json["errorMessage"]), ("PaymentDeclined", "card 42 declined"))

    def test_unserializable_result_is_marshal_error(self):
        self.fn("fn", "def handler(event, context):\n    return {'s': {1, 2}}\n")
        r = self.err("fn")
        self.assertEqual(r.json["errorType"], "Runtime.MarshalError")
        self.assertTrue(r.json["errorMessage"].startswith("Unable to marshal response: "), r.json)

    def test_context_fields(self):
        code = """\
def handler(event, context):
    rem = context.get_remaining_time_in_millis()
    return {"rid": context.aws_request_id, "arn": context.invoked_function_arn,
            "name": context.function_name, "version": context.function_version,
            "mem": context.memory_limit_in_mb, "group": context.log_group_name,
            "stream": context.log_stream_name, "rem": rem, "identity": context.identity.cognito_identity_id,
            "cc": context.client_context}
"""
        self.fn("ctxfn", code, Timeout=7, MemorySize=256)
        r = self.ok("ctxfn")
        ctx = r.json
        self.assertEqual(ctx["rid"], r.rid)
        self.assertEqual(ctx["arn"], ARN_PREFIX + "ctxfn")
        self.assertEqual(ctx["name"], "ctxfn")
        self.assertEqual(ctx["version"], "$LATEST")
        self.assertEqual(ctx["mem"], "256")
        self.assertEqual(ctx["group"], "/aws/lambda/ctxfn")
        self.assertRegex(ctx["stream"], r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")
        self.assertIsNone(ctx["cc"])
        self.assertIsNone(ctx["identity"])
        self.assertTrue(6000 <= ctx["rem"] <= 7000, ctx["rem"])
        m = self.parse_tail(r)
        self.assertEqual(m.group("mem"), "256")

    def test_invoked_function_arn_follows_the_qualifier(self):
        self.fn("fn", COUNTER_HANDLER % "v1")
        self.lam.publish_version(FunctionName="fn")
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        cases = [("fn", {}, ARN_PREFIX + "fn"),
                 ("fn", {"Qualifier": "$LATEST"}, ARN_PREFIX + "fn:$LATEST"),
                 ("fn:1", {}, ARN_PREFIX + "fn:1"),
                 ("fn", {"Qualifier": "live"}, ARN_PREFIX + "fn:live"),
                 (ARN_PREFIX + "fn:live", {}, ARN_PREFIX + "fn:live")]
        for name, kw, arn in cases:
            r = self.ok(name, tail=False, **kw)
            self.assertEqual(r.json["arn"], arn, (name, kw))

    def test_client_context(self):
        code = """\
def handler(event, context):
    cc = context.client_context
    return {"custom": cc.custom, "env": cc.env,
            "installation_id": cc.client.installation_id, "app_title": cc.client.app_title}
"""
        self.fn("fn", code)
        doc = {"custom": {"tenant": "t-1", "n": 2}, "env": {"platform": "linux"},
               "client": {"installation_id": "inst-9", "app_title": "app", "app_version_name": "1",
                          "app_version_code": "1", "app_package_name": "p"}}
        cc = base64.b64encode(json.dumps(doc).encode()).decode()
        r = self.ok("fn", ClientContext=cc)
        self.assertEqual(r.json, {"custom": {"tenant": "t-1", "n": 2}, "env": {"platform": "linux"},
                                  "installation_id": "inst-9", "app_title": "app"})

    def test_invalid_client_context(self):
        self.fn("fn", "def handler(e, c):\n    return 1\n")
        for bad in ("not base64 at all!!", base64.b64encode(b"[1, 2]").decode(),
                    base64.b64encode(b"{not json").decode()):
            with self.assertRaises(ClientError, msg=bad) as cm:
                self.lam.invoke(FunctionName="fn", Payload=b"{}", ClientContext=bad)
            e = cm.exception.response
            self.assertEqual(e["Error"]["Code"], "InvalidRequestContentException", bad)
            self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 400, bad)

    def test_handler_in_a_package(self):
        files = {"pkg/__init__.py": "", "pkg/app.py": "def main(e, c):\n    return 'pkg-' + e['x']\n"}
        self.fn("fn", files=files, handler="pkg.app.main")
        self.assertEqual(self.ok("fn", {"x": "ok"}).json, "pkg-ok")

    def test_handler_module_can_import_sibling_modules(self):
        files = {"index.py": "import helper\ndef handler(e, c):\n    return helper.VALUE\n",
                 "helper.py": "VALUE = 'from helper'\n"}
        self.fn("fn", files=files)
        self.assertEqual(self.ok("fn").json, "from helper")

    def test_python312_returns_raw_utf8_others_escape(self):
        # awslambdaric: python3.12 encodes results with ensure_ascii=False.
        code = "def handler(e, c):\n    return 'caf\\u00e9'\n"
        self.fn("f312", code, runtime="python3.12")
        self.fn("f311", code, runtime="python3.11")
        self.assertEqual(self.ok("f312").body, '"caf\u00e9"'.encode())
        self.assertEqual(self.ok("f311").body, b'"caf\\u00e9"')


# ---------------------------------------------------------------------------
# Lifecycle: warm reuse, timeouts, crashes, init errors
# ---------------------------------------------------------------------------

class LifecycleTest(InvokeCase):
    def test_warm_reuse(self):
        self.fn("fn", COUNTER_HANDLER % "v1")
        r1, r2, r3 = self.ok("fn"), self.ok("fn"), self.ok("fn")
        self.assertEqual([r.json["count"] for r in (r1, r2, r3)], [1, 2, 3])
        self.assertEqual(len({r.json["pid"] for r in (r1, r2, r3)}), 1)
        self.assertIsNotNone(self.parse_tail(r1).group("init"), "cold start without Init Duration")
        self.assertIsNone(self.parse_tail(r2).group("init"), "warm invoke with Init Duration")
        self.assertIsNone(self.parse_tail(r3).group("init"), "warm invoke with Init Duration")
        self.assertEqual(len({r1.rid, r2.rid, r3.rid}), 3, "request ids must differ")

    def test_timeout(self):
        self.fn("fn", COUNTER_HANDLER % "v1", Timeout=1)
        self.assertEqual(self.ok("fn").json["count"], 1)
        self.assertEqual(self.ok("fn").json["count"], 2)
        t0 = time.monotonic()
        r = self.err("fn", {"sleep": 5})
        elapsed = time.monotonic() - t0
        self.assertEqual(r.json, {"errorType": "Sandbox.Timedout",
                                  "errorMessage": "RequestId: %s Error: Task timed out after 1.00 seconds" % r.rid})
        self.assertTrue(0.9 <= elapsed < 3.5, "timeout took %.2f s" % elapsed)
        self.assertRegex(r.log, r"\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s Task timed out after 1\.00 seconds\n"
                         % re.escape(r.rid))
        self.assertRegex(r.log, r"REPORT RequestId: %s\tDuration: 10\d\d\.\d\d ms\t" % re.escape(r.rid))
        # The environment was replaced: module state is gone, and this is a cold start.
        after = self.ok("fn")
        self.assertEqual(after.json["count"], 1)
        self.assertNotEqual(after.json["pid"], r.json.get("pid"))
        self.assertIsNotNone(self.parse_tail(after).group("init"))

    def test_timeout_uses_the_configured_seconds(self):
        self.fn("fn", COUNTER_HANDLER % "v1", Timeout=2)
        r = self.err("fn", {"sleep": 6})
        self.assertEqual(r.json["errorMessage"], "RequestId: %s Error: Task timed out after 2.00 seconds" % r.rid)

    def test_timeout_kills_the_whole_process_group(self):
        pidfile = os.path.join(self.server.tmp, "child-%s.pid" % uuid.uuid4().hex)
        code = """\
import subprocess, time
def handler(event, context):
    p = subprocess.Popen(["sleep", "60"])
    with open(event["pidfile"], "w") as f:
        f.write(str(p.pid))
    time.sleep(10)
"""
        self.fn("fn", code, Timeout=1)
        r = self.err("fn", {"pidfile": pidfile})
        self.assertEqual(r.json["errorType"], "Sandbox.Timedout")
        with open(pidfile) as f:
            child = int(f.read())
        self.assertTrue(wait_gone(child, 3.0), "the handler's child process %d outlived the timeout" % child)

    def test_timeout_report_has_memory_used(self):
        # A process always has a non-zero peak RSS; AWS never reports 0 MB.
        self.fn("fn", COUNTER_HANDLER % "v1", Timeout=1)
        self.ok("fn")
        r = self.err("fn", {"sleep": 5})
        m = re.search(r"Max Memory Used: (\d+) MB", r.log)
        self.assertIsNotNone(m, r.log)
        self.assertGreater(int(m.group(1)), 0, "REPORT of a timed-out invoke says 0 MB:\n%s" % r.log)

    def test_process_exit(self):
        code = "import os\ndef handler(event, context):\n    print('about to exit')\n    os._exit(3)\n"
        self.fn("fn", code)
        r = self.err("fn")
        self.assertEqual(r.json, {"errorType": "Runtime.ExitError",
                                  "errorMessage": "RequestId: %s Error: Runtime exited with error: exit status 3"
                                  % r.rid})
        self.assertIn("about to exit\n", r.log)
        # The next invoke starts a fresh environment and fails the same way.
        r2 = self.err("fn")
        self.assertEqual(r2.json["errorMessage"],
                         "RequestId: %s Error: Runtime exited with error: exit status 3" % r2.rid)

    def test_process_exit_report_has_memory_used(self):
        self.fn("fn", "import os\ndef handler(event, context):\n    os._exit(3)\n")
        r = self.err("fn")
        m = re.search(r"Max Memory Used: (\d+) MB", r.log)
        self.assertIsNotNone(m, r.log)
        self.assertGreater(int(m.group(1)), 0, "REPORT of a crashed invoke says 0 MB:\n%s" % r.log)

    def test_killed_by_signal(self):
        self.fn("fn", "import os, signal\ndef handler(event, context):\n    os.kill(os.getpid(), signal.SIGKILL)\n")
        r = self.err("fn")
        self.assertEqual(r.json, {"errorType": "Runtime.ExitError",
                                  "errorMessage": "RequestId: %s Error: Runtime exited with error: signal: killed"
                                  % r.rid})

    def test_missing_module(self):
        self.fn("fn", "x = 1\n", handler="missing.handler")
        for _ in range(2):  # init is tried again on every invoke
            r = self.err("fn")
            self.assertEqual(r.json, {"errorMessage": "Unable to import module 'missing': No module named 'missing'",
                                      "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []})
            m = INIT_FAIL_REPORT_RE.search(r.log)
            self.assertIsNotNone(m, r.log)
            self.assertEqual(m.group("etype"), "Runtime.ImportModuleError")
            self.assertEqual(m.group("rid"), r.rid)

    def test_handler_not_found(self):
        self.fn("fn", "def other(e, c):\n    return 1\n")
        r = self.err("fn")
        self.assertEqual(r.json, {"errorMessage": "Handler 'handler' missing on module 'index'",
                                  "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []})

    def test_malformed_handler_name(self):
        self.fn("fn", "def handler(e, c):\n    return 1\n", handler="nodot")
        r = self.err("fn")
        self.assertEqual(r.json["errorType"], "Runtime.MalformedHandlerName")
        self.assertEqual(r.json["errorMessage"], "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)")

    def test_exception_at_import(self):
        self.fn("fn", "print('importing')\nraise RuntimeError('at import time')\n")
        r = self.err("fn")
        self.assertEqual(r.json["errorType"], "RuntimeError")
        self.assertEqual(r.json["errorMessage"], "at import time")
        self.assertEqual(r.json["requestId"], "")
        self.assertTrue(any('index.py", line 2, in <module>' in line for line in r.json["stackTrace"]), r.json)
        self.assertIn("importing\n", r.log)
        self.assertIn("[ERROR] RuntimeError: at import time", r.log)

    def test_syntax_error(self):
        self.fn("fn", "def handler(e, c):\n    return (\n")
        r = self.err("fn")
        self.assertEqual(r.json["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(r.json["errorMessage"].startswith("Syntax error in module 'index': "), r.json)

    def test_init_is_retried_on_the_next_invoke(self):
        marker = os.path.join(self.server.tmp, "init-marker-%s" % uuid.uuid4().hex)
        code = ("import os\nM = %r\nif not os.path.exists(M):\n    open(M, 'w').close()\n"
                "    raise RuntimeError('first init fails')\n"
                "def handler(e, c):\n    return 'second init worked'\n") % marker
        self.fn("fn", code)
        r1 = self.err("fn")
        self.assertEqual(r1.json["errorMessage"], "first init fails")
        r2 = self.ok("fn")
        self.assertEqual(r2.json, "second init worked")
        self.assertIsNotNone(self.parse_tail(r2).group("init"))

    def test_fixing_the_code_clears_an_init_error(self):
        self.fn("fn", "raise ImportError('broken')\n")
        self.err("fn")
        self.lam.update_function_code(FunctionName="fn", ZipFile=make_zip({"index.py": "def handler(e, c):\n    return 'fixed'\n"}))
        self.wait_active("fn")
        self.assertEqual(self.ok("fn").json, "fixed")

    def test_update_code_retires_latest_environments(self):
        self.fn("fn", COUNTER_HANDLER % "v1")
        self.assertEqual(self.ok("fn").json["count"], 1)
        self.assertEqual(self.ok("fn").json["count"], 2)
        self.lam.update_function_code(FunctionName="fn", ZipFile=make_zip({"index.py": COUNTER_HANDLER % "v2"}))
        self.wait_active("fn")
        r = self.ok("fn")
        self.assertEqual((r.json["code"], r.json["count"]), ("v2", 1))
        self.assertIsNotNone(self.parse_tail(r).group("init"))

    def test_update_configuration_retires_latest_environments(self):
        self.fn("fn", COUNTER_HANDLER % "v1", Environment={"Variables": {"X": "old"}})
        self.assertEqual(self.ok("fn").json["x"], "old")
        self.assertEqual(self.ok("fn").json["count"], 2)
        self.lam.update_function_configuration(FunctionName="fn", Environment={"Variables": {"X": "new"}})
        self.wait_active("fn")
        r = self.ok("fn")
        self.assertEqual((r.json["x"], r.json["count"]), ("new", 1))

    def test_update_configuration_timeout_applies_at_once(self):
        self.fn("fn", COUNTER_HANDLER % "v1", Timeout=5)
        self.assertIsNone(self.invoke("fn", {"sleep": 1.5}).function_error)
        self.lam.update_function_configuration(FunctionName="fn", Timeout=1)
        self.wait_active("fn")
        r = self.err("fn", {"sleep": 1.5})
        self.assertEqual(r.json["errorMessage"], "RequestId: %s Error: Task timed out after 1.00 seconds" % r.rid)

    def test_published_version_keeps_its_code_and_environment(self):
        self.fn("fn", COUNTER_HANDLER % "v1", Environment={"Variables": {"X": "one"}})
        self.assertEqual(self.lam.publish_version(FunctionName="fn")["Version"], "1")
        v1 = self.ok("fn:1")
        self.assertEqual((v1.json["code"], v1.json["version"], v1.json["x"], v1.json["count"]), ("v1", "1", "one", 1))
        self.assertEqual(v1.executed_version, "1")
        self.assertEqual(self.parse_tail(v1).group("ver"), "1")
        self.lam.update_function_code(FunctionName="fn", ZipFile=make_zip({"index.py": COUNTER_HANDLER % "v2"}))
        self.wait_active("fn")
        self.lam.update_function_configuration(FunctionName="fn", Environment={"Variables": {"X": "two"}})
        self.wait_active("fn")
        latest = self.ok("fn")
        self.assertEqual((latest.json["code"], latest.json["version"], latest.json["x"]), ("v2", "$LATEST", "two"))
        self.assertEqual(latest.executed_version, "$LATEST")
        again = self.ok("fn", Qualifier="1")
        self.assertEqual((again.json["code"], again.json["x"], again.json["count"]), ("v1", "one", 2),
                         "version 1 lost its warm environment or its code")
        self.assertEqual(again.executed_version, "1")
        self.assertNotEqual(again.json["pid"], latest.json["pid"])

    def test_alias_invokes_its_version(self):
        self.fn("fn", COUNTER_HANDLER % "v1")
        self.lam.publish_version(FunctionName="fn")
        self.lam.update_function_code(FunctionName="fn", ZipFile=make_zip({"index.py": COUNTER_HANDLER % "v2"}))
        self.wait_active("fn")
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        r = self.ok("fn", Qualifier="live")
        self.assertEqual((r.json["code"], r.json["version"], r.executed_version), ("v1", "1", "1"))
        self.assertEqual(self.parse_tail(r).group("ver"), "1")
        self.lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="$LATEST")
        r = self.ok("fn:live")
        self.assertEqual((r.json["code"], r.executed_version), ("v2", "$LATEST"))

    def test_weighted_alias_picks_per_call(self):
        self.fn("fn", COUNTER_HANDLER % "v1")
        self.lam.publish_version(FunctionName="fn")
        self.lam.update_function_code(FunctionName="fn", ZipFile=make_zip({"index.py": COUNTER_HANDLER % "v2"}))
        self.wait_active("fn")
        self.lam.publish_version(FunctionName="fn")
        self.lam.create_alias(FunctionName="fn", Name="half", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        counts = {"1": 0, "2": 0}
        for _ in range(100):
            r = self.ok("fn", Qualifier="half", tail=False)
            self.assertEqual(r.json["version"], r.executed_version)
            self.assertEqual(r.json["code"], "v%s" % r.executed_version)
            counts[r.executed_version] += 1
        # Binomial(100, 0.5): outside [20, 80] with probability ~1e-9.
        self.assertTrue(20 <= counts["1"] <= 80, "weight 0.5 gave %r" % counts)

    def test_weighted_alias_small_weight(self):
        self.fn("fn", COUNTER_HANDLER % "v1")
        self.lam.publish_version(FunctionName="fn")
        self.lam.update_function_code(FunctionName="fn", ZipFile=make_zip({"index.py": COUNTER_HANDLER % "v2"}))
        self.wait_active("fn")
        self.lam.publish_version(FunctionName="fn")
        self.lam.create_alias(FunctionName="fn", Name="canary", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.05}})
        counts = {"1": 0, "2": 0}
        for _ in range(200):
            counts[self.ok("fn", Qualifier="canary", tail=False).executed_version] += 1
        # Binomial(200, 0.05): mean 10; 0 hits has probability 3.5e-5, > 40 far less.
        self.assertTrue(1 <= counts["2"] <= 40, "weight 0.05 gave %r" % counts)


# ---------------------------------------------------------------------------
# Tail logs
# ---------------------------------------------------------------------------

class TailLogTest(InvokeCase):
    def test_tail_shape(self):
        self.fn("fn", "def handler(event, context):\n    print('line one')\n    print('line two')\n    return 1\n")
        r = self.ok("fn")
        m = self.parse_tail(r)
        self.assertEqual(m.group("ver"), "$LATEST")
        self.assertEqual(m.group("out"), "line one\nline two\n")
        self.assertEqual(m.group("mem"), "128")
        dur, billed = float(m.group("dur")), int(m.group("billed"))
        self.assertTrue(dur <= billed <= math.ceil(dur) + 1, (dur, billed))
        self.assertGreaterEqual(billed, 1)
        self.assertGreater(int(m.group("maxmem")), 0)
        self.assertIsNotNone(m.group("init"))

    def test_no_log_result_without_tail(self):
        self.fn("fn", "def handler(event, context):\n    print('x')\n")
        r = self.invoke("fn", tail=False)
        self.assertIsNone(r.log)
        self.assertNotIn("x-amz-log-result", r.headers)
        r = self.invoke("fn", tail=False, LogType="None")
        self.assertNotIn("x-amz-log-result", r.headers)

    def test_tail_is_the_last_4_kb(self):
        code = "def handler(event, context):\n    for i in range(200):\n        print('%04d ' % i + 'x' * 60)\n"
        self.fn("fn", code)
        r = self.ok("fn")
        self.assertEqual(len(r.log_bytes), 4096)
        m = re.search(r"\nEND RequestId: (%s)\nREPORT RequestId: \1\t.*\t\n\Z" % UUID, r.log)
        self.assertIsNotNone(m, r.log[-300:])
        self.assertIn("0199 " + "x" * 60 + "\nEND RequestId: ", r.log)
        self.assertNotIn("START RequestId", r.log)

    def test_python_logging_format(self):
        code = ("import logging\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\n"
                "def handler(event, context):\n    logger.info('hello %s', 'world')\n    logger.warning('careful')\n")
        self.fn("fn", code)
        r = self.ok("fn")
        out = self.parse_tail(r).group("out")
        self.assertRegex(out, r"\A\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t%s\thello world\n"
                         r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t%s\tcareful\n\Z"
                         % (re.escape(r.rid), re.escape(r.rid)))

    def test_tail_on_function_error(self):
        self.fn("fn", "def handler(event, context):\n    print('before')\n    raise KeyError('k')\n")
        r = self.err("fn")
        m = self.parse_tail(r)
        self.assertTrue(m.group("out").startswith("before\n[ERROR] KeyError: 'k'"), m.group("out"))

    def test_request_id_header_is_the_invocation_id(self):
        # AWS: the Invoke response's x-amzn-RequestId is the invocation's
        # request id (the one in START/END/REPORT and context.aws_request_id).
        self.fn("fn", "def handler(event, context):\n    return context.aws_request_id\n")
        r = self.ok("fn")
        self.assertEqual(r.json, r.rid)
        self.assertEqual(r.header_request_id, r.rid,
                         "x-amzn-RequestId %s differs from the invocation's RequestId %s"
                         % (r.header_request_id, r.rid))


# ---------------------------------------------------------------------------
# Request validation, invocation types, qualifiers
# ---------------------------------------------------------------------------

class InvokeRequestTest(InvokeCase):
    PREFIX = "Could not parse request body into json: Could not parse payload into json: "

    def setUp(self):
        super().setUp()
        self.fn("fn", "def handler(event, context):\n    return {'len': len(event) if isinstance(event, str) else None}\n")

    def test_non_json_payload(self):
        for bad in (b"not json", b'{"a": 1} trailing', b"{'single': 1}", b"[1, 2", b"\xff\xfe"):
            e = self.assertAwsError(self.lam.invoke, "InvalidRequestContentException", 400,
                                    FunctionName="fn", Payload=bad)
            self.assertTrue(e.response["Error"]["Message"].startswith(self.PREFIX),
                            (bad, e.response["Error"]["Message"]))

    def test_payload_over_6_mb(self):
        self.assertAwsError(self.lam.invoke, "RequestEntityTooLargeException", 413,
                            "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
                            FunctionName="fn", Payload=b'"' + b"x" * MB6 + b'"')

    def test_payload_of_exactly_6_mb(self):
        body = b'"' + b"y" * (MB6 - 2) + b'"'
        self.assertEqual(len(body), 6291456)
        r = self.ok("fn", body, tail=False)
        self.assertEqual(r.json, {"len": MB6 - 2})

    def test_response_size_limit(self):
        # AWS accepts responses up to 6 MB + 100 bytes, the figure its message names.
        self.fn("big", "def handler(event, context):\n    return 'z' * event['n']\n")
        r = self.ok("big", {"n": 6291556 - 2}, tail=False)
        self.assertEqual(len(r.body), 6291556)
        r = self.err("big", {"n": 6291556 - 1}, tail=False)
        self.assertEqual(r.json, {"errorMessage": "Response payload size exceeded maximum allowed payload size "
                                                  "(6291556 bytes).", "errorType": "Function.ResponseSizeTooLarge"})
        # The next invoke works (on this environment or a fresh one).
        self.assertEqual(len(self.ok("big", {"n": 10}, tail=False).body), 12)

    def test_dry_run(self):
        resp = self.lam.invoke(FunctionName="fn", InvocationType="DryRun", Payload=b"{}")
        self.assertEqual(resp["StatusCode"], 204)
        self.assertEqual(resp["Payload"].read(), b"")
        self.assertNotIn("FunctionError", resp)
        # DryRun runs nothing: no log group appears.
        logs = self.server.client("logs")
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/fn")["logGroups"], [])

    def test_dry_run_missing_function(self):
        self.assertAwsError(self.lam.invoke, "ResourceNotFoundException", 404,
                            "Function not found: %snope:$LATEST" % ARN_PREFIX,
                            FunctionName="nope", InvocationType="DryRun")

    def test_event_invocation(self):
        self.skipTest("Event (asynchronous) invocations are outside this suite: they were not "
                      "implemented (500 ServiceException) when it was written; AWS answers 202 "
                      "and runs the function later")

    def test_bad_invocation_type(self):
        self.assertAwsError(self.lam.invoke, "ValidationException", 400,
                            "1 validation error detected: Value 'Sometimes' at 'invocationType' failed to satisfy "
                            "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
                            FunctionName="fn", InvocationType="Sometimes")

    def test_bad_log_type(self):
        self.assertAwsError(self.lam.invoke, "ValidationException", 400,
                            "1 validation error detected: Value 'Everything' at 'logType' failed to satisfy "
                            "constraint: Member must satisfy enum value set: [None, Tail]",
                            FunctionName="fn", LogType="Everything")

    def test_missing_function(self):
        self.assertAwsError(self.lam.invoke, "ResourceNotFoundException", 404,
                            "Function not found: %snope:$LATEST" % ARN_PREFIX, FunctionName="nope")
        self.assertAwsError(self.lam.invoke, "ResourceNotFoundException", 404,
                            "Function not found: %snope:$LATEST" % ARN_PREFIX, FunctionName=ARN_PREFIX + "nope")

    def test_missing_version_and_alias(self):
        self.assertAwsError(self.lam.invoke, "ResourceNotFoundException", 404,
                            "Function not found: %sfn:7" % ARN_PREFIX, FunctionName="fn", Qualifier="7")
        self.assertAwsError(self.lam.invoke, "ResourceNotFoundException", 404,
                            "Function not found: %sfn:nope" % ARN_PREFIX, FunctionName="fn:nope")
        self.assertAwsError(self.lam.invoke, "ResourceNotFoundException", 404,
                            "Function not found: %sfn:$latest" % ARN_PREFIX, FunctionName="fn", Qualifier="$latest")

    def test_deleted_function_is_gone(self):
        self.ok("fn")
        self.lam.delete_function(FunctionName="fn")
        self.assertAwsError(self.lam.invoke, "ResourceNotFoundException", 404,
                            "Function not found: %sfn:$LATEST" % ARN_PREFIX, FunctionName="fn")
        # A new function under the same name runs its own code, not the old environment.
        self.fn("fn", "def handler(e, c):\n    return 'new function'\n")
        self.assertEqual(self.ok("fn").json, "new function")


# ---------------------------------------------------------------------------
# Environment variables (own server, with extra variables in its environment)
# ---------------------------------------------------------------------------

SERVER_ONLY_ENV = {"SLUICE_TEST_SECRET": "x", "E2E_SERVER_ONLY_CANARY": "canary"}

REQUIRED_ENV = {
    "_HANDLER", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ", "PATH",
    "AWS_ENDPOINT_URL", "_X_AMZN_TRACE_ID",
}


def allowed_extra(name):
    """Variables a handler may see beyond REQUIRED_ENV and its own: locale,
    whatever a pyenv shim adds when it launches the interpreter, and the mark
    by which the next start finds processes a killed server left behind
    (issue 17; runtime/env.h env_set_run_mark)."""
    return (name in ("LANG", "LANGUAGE", "SLUICE_DATA_ID") or name.startswith("LC_")
            or name.startswith("PYENV_"))


class EnvironmentTest(InvokeCase):
    server_kwargs = {"env": SERVER_ONLY_ENV}

    def check_stream_name(self, stream, version="$LATEST"):
        m = re.match(r"^(\d{4}/\d\d/\d\d)/\[%s\][0-9a-f]{32}$" % re.escape(version), stream)
        self.assertIsNotNone(m, stream)
        today = datetime.datetime.now(datetime.timezone.utc)
        days = {(today + datetime.timedelta(days=d)).strftime("%Y/%m/%d") for d in (-1, 0)}
        self.assertIn(m.group(1), days)

    def test_python_environment(self):
        self.fn("envfn", PY_ENV_HANDLER, MemorySize=256,
                Environment={"Variables": {"MY_VAR": "my value", "OTHER": "w=1,2"}})
        r = self.ok("envfn")
        env, cwd = r.json["env"], r.json["cwd"]
        self.assertEqual(env["MY_VAR"], "my value")
        self.assertEqual(env["OTHER"], "w=1,2")
        self.assertEqual(env["_HANDLER"], "index.handler")
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["AWS_DEFAULT_REGION"], "us-east-1")
        self.assertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.12")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], "envfn")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        self.assertEqual(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand")
        self.assertEqual(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/envfn")
        self.check_stream_name(env["AWS_LAMBDA_LOG_STREAM_NAME"])
        self.assertEqual(r.json["stream"], env["AWS_LAMBDA_LOG_STREAM_NAME"])
        self.assertEqual(r.json["group"], "/aws/lambda/envfn")
        self.assertEqual(env["TZ"], ":UTC")
        self.assertEqual(env["LAMBDA_TASK_ROOT"], cwd)
        self.assertIn("index.py", r.json["files"])
        m = re.match(r"^127\.0\.0\.1:(\d+)$", env["AWS_LAMBDA_RUNTIME_API"])
        self.assertIsNotNone(m, env["AWS_LAMBDA_RUNTIME_API"])
        self.assertNotEqual(int(m.group(1)), self.server.port)
        self.assertEqual(env["AWS_ENDPOINT_URL"], self.server.endpoint)
        self.assertRegex(env["_X_AMZN_TRACE_ID"], r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]")
        self.assertIn(os.environ["PATH"], env["PATH"])

    def test_nothing_else_leaks_from_the_server_environment(self):
        self.fn("envfn", PY_ENV_HANDLER, Environment={"Variables": {"MY_VAR": "v"}})
        env = self.ok("envfn").json["env"]
        for k in SERVER_ONLY_ENV:
            self.assertNotIn(k, env, "the server's %s reached the handler" % k)
        for k in ("HOME", "USER", "PWD", "SHELL", "NO_PROXY", "AWS_EC2_METADATA_DISABLED"):
            self.assertNotIn(k, env, "the server's %s reached the handler" % k)
        missing = REQUIRED_ENV - set(env)
        self.assertEqual(missing, set(), "variables missing")
        extra = {k for k in env if k not in REQUIRED_ENV and k != "MY_VAR" and not allowed_extra(k)}
        self.assertEqual(extra, set(), "unexpected variables in the handler's environment")

    def test_region_follows_the_caller(self):
        lam = self.server.client("lambda", region="eu-west-1")
        self.fn("envfn", PY_ENV_HANDLER, client=lam)
        r = self.ok("envfn", client=lam)
        self.assertEqual(r.json["env"]["AWS_REGION"], "eu-west-1")
        self.assertEqual(r.json["env"]["AWS_DEFAULT_REGION"], "eu-west-1")

    def test_version_environment(self):
        self.fn("envfn", PY_ENV_HANDLER)
        self.lam.publish_version(FunctionName="envfn")
        env = self.ok("envfn:1").json["env"]
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "1")
        self.check_stream_name(env["AWS_LAMBDA_LOG_STREAM_NAME"], "1")

    @unittest.skipUnless(HAVE_NODE, "node not on PATH")
    def test_node_environment(self):
        code = "exports.handler = async () => ({env: process.env, cwd: process.cwd()});\n"
        self.fn("nodeenv", code, runtime="nodejs20.x", Environment={"Variables": {"MY_VAR": "n"}})
        r = self.ok("nodeenv")
        env = r.json["env"]
        self.assertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_nodejs20.x")
        self.assertEqual(env["MY_VAR"], "n")
        self.assertEqual(env["LAMBDA_TASK_ROOT"], r.json["cwd"])
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], "nodeenv")
        for k in SERVER_ONLY_ENV:
            self.assertNotIn(k, env)

    def test_handler_can_call_dynamodb_in_sluice(self):
        probe = subprocess.run(["python3", "-c", "import boto3"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("boto3 is not importable by the python3 that runs handlers")
        ddb = self.server.client("dynamodb")
        ddb.create_table(TableName="from-lambda", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        code = """\
import boto3
def handler(event, context):
    d = boto3.client("dynamodb")
    d.put_item(TableName="from-lambda", Item={"pk": {"S": event["k"]}, "by": {"S": context.aws_request_id}})
    return {"tables": d.list_tables()["TableNames"], "endpoint": d.meta.endpoint_url}
"""
        self.fn("ddbfn", code, Timeout=30)
        r = self.ok("ddbfn", {"k": "item-1"})
        self.assertEqual(r.json["tables"], ["from-lambda"])
        self.assertEqual(r.json["endpoint"], self.server.endpoint)
        item = ddb.get_item(TableName="from-lambda", Key={"pk": {"S": "item-1"}})["Item"]
        self.assertEqual(item["by"]["S"], r.rid)


# ---------------------------------------------------------------------------
# Node.js handlers
# ---------------------------------------------------------------------------

@unittest.skipUnless(HAVE_NODE, "node not on PATH")
class NodeInvokeTest(InvokeCase):
    RT = "nodejs20.x"

    def test_async_handler(self):
        self.fn("fn", "exports.handler = async (event) => ({got: event, n: 1});\n", runtime=self.RT)
        r = self.ok("fn", {"a": [1, "x"]})
        self.assertEqual(r.json, {"got": {"a": [1, "x"]}, "n": 1})
        self.assertEqual(r.executed_version, "$LATEST")

    def test_callback_handler(self):
        self.fn("fn", "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, {cb: event.v}), 10); };\n",
                runtime=self.RT)
        self.assertEqual(self.ok("fn", {"v": 7}).json, {"cb": 7})

    def test_undefined_result_is_null(self):
        self.fn("fn", "exports.handler = async () => {};\n", runtime=self.RT)
        self.assertEqual(self.ok("fn").body, b"null")

    def test_es_module_mjs(self):
        self.fn("fn", files={"index.mjs": "export const handler = async (e) => ({esm: true, e});\n"}, runtime="nodejs22.x")
        self.assertEqual(self.ok("fn", b'"s"').json, {"esm": True, "e": "s"})

    def test_es_module_type_module(self):
        files = {"package.json": '{"type": "module"}',
                 "app.js": "import { helper } from './lib.js';\nexport const handler = async () => helper();\n",
                 "lib.js": "export function helper() { return 'from lib'; }\n"}
        self.fn("fn", files=files, handler="app.handler", runtime=self.RT)
        self.assertEqual(self.ok("fn").json, "from lib")

    def test_handler_in_subdirectory(self):
        self.fn("fn", files={"src/app.js": "exports.run = async () => 'sub';\n"}, handler="src/app.run", runtime=self.RT)
        self.assertEqual(self.ok("fn").json, "sub")

    def test_context(self):
        code = """\
exports.handler = async (event, context) => ({
  rid: context.awsRequestId, arn: context.invokedFunctionArn, name: context.functionName,
  version: context.functionVersion, mem: context.memoryLimitInMB, group: context.logGroupName,
  stream: context.logStreamName, rem: context.getRemainingTimeInMillis(),
  waits: context.callbackWaitsForEmptyEventLoop, cc: context.clientContext || null,
});
"""
        self.fn("nctx", code, runtime=self.RT, Timeout=5)
        cc = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
        r = self.ok("nctx", ClientContext=cc)
        self.assertEqual(r.json["rid"], r.rid)
        self.assertEqual(r.json["arn"], ARN_PREFIX + "nctx")
        self.assertEqual(r.json["name"], "nctx")
        self.assertEqual(r.json["version"], "$LATEST")
        self.assertEqual(r.json["mem"], "128")
        self.assertEqual(r.json["group"], "/aws/lambda/nctx")
        self.assertRegex(r.json["stream"], r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")
        self.assertTrue(4000 <= r.json["rem"] <= 5000, r.json["rem"])
        self.assertIs(r.json["waits"], True)
        self.assertEqual(r.json["cc"]["custom"], {"k": "v"})

    def test_console_log_format(self):
        self.fn("fn", "exports.handler = async () => { console.log('hi', 42); console.error('bad'); return 1; };\n",
                runtime=self.RT)
        r = self.ok("fn")
        out = self.parse_tail(r).group("out")
        ts = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
        self.assertRegex(out, r"\A%s\t%s\tINFO\thi 42\n%s\t%s\tERROR\tbad\n\Z"
                         % (ts, re.escape(r.rid), ts, re.escape(r.rid)))

    def test_thrown_error(self):
        self.fn("fn", "exports.handler = async () => { throw new TypeError('bad thing'); };\n", runtime=self.RT)
        r = self.err("fn")
        self.assertEqual(sorted(r.json), ["errorMessage", "errorType", "trace"])
        self.assertEqual((r.json["errorType"], r.json["errorMessage"]), ("TypeError", "bad thing"))
        self.assertEqual(r.json["trace"][0], "TypeError: bad thing")
        self.assertTrue(any("index.js" in line for line in r.json["trace"]), r.json)
        self.assertIn("\tERROR\tInvoke Error \t", r.log)

    def test_callback_error(self):
        self.fn("fn", "exports.handler = (e, c, cb) => cb(new RangeError('out of range'));\n", runtime=self.RT)
        r = self.err("fn")
        self.assertEqual((r.json["errorType"], r.json["errorMessage"]), ("RangeError", "out of range"))

    def test_thrown_string(self):
        self.fn("fn", "exports.handler = async () => { throw 'just a string'; };\n", runtime=self.RT)
        r = self.err("fn")
        self.assertEqual(r.json, {"errorType": "string", "errorMessage": "just a string", "trace": []})

    def test_handler_not_exported(self):
        self.fn("fn", "exports.other = async () => 1;\n", runtime=self.RT)
        r = self.err("fn")
        self.assertEqual(r.json["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(r.json["errorMessage"], "index.handler is undefined or not exported")

    def test_missing_module(self):
        self.fn("fn", "exports.handler = async () => 1;\n", handler="nope.handler", runtime=self.RT)
        r = self.err("fn")
        self.assertEqual(r.json["errorType"], "Runtime.ImportModuleError")
        self.assertTrue(r.json["errorMessage"].startswith("Error: Cannot find module 'nope'"), r.json)

    def test_exception_at_load(self):
        self.fn("fn", "throw new Error('load failed');\nexports.handler = async () => 1;\n", runtime=self.RT)
        r = self.err("fn")
        self.assertEqual((r.json["errorType"], r.json["errorMessage"]), ("Error", "load failed"))

    def test_warm_reuse_timeout_and_exit(self):
        code = ("let n = 0;\nexports.handler = async (e) => { n++;\n"
                "  if (e.exit) process.exit(e.exit);\n"
                "  if (e.sleep) await new Promise(r => setTimeout(r, e.sleep));\n  return n; };\n")
        self.fn("fn", code, runtime=self.RT, Timeout=1)
        self.assertEqual([self.ok("fn").json for _ in range(3)], [1, 2, 3])
        r = self.err("fn", {"sleep": 4000})
        self.assertEqual(r.json, {"errorType": "Sandbox.Timedout",
                                  "errorMessage": "RequestId: %s Error: Task timed out after 1.00 seconds" % r.rid})
        self.assertEqual(self.ok("fn").json, 1)
        r = self.err("fn", {"exit": 2})
        self.assertEqual(r.json, {"errorType": "Runtime.ExitError",
                                  "errorMessage": "RequestId: %s Error: Runtime exited with error: exit status 2"
                                  % r.rid})
        self.assertEqual(self.ok("fn").json, 1)


# ---------------------------------------------------------------------------
# provided.al2 / provided.al2023: ./bootstrap speaking the Runtime API
# ---------------------------------------------------------------------------

SH_BOOTSTRAP = r'''#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
echo "bootstrap init handler=$_HANDLER"
while true; do
  HDRS=$(mktemp)
  EVENT=$(curl -sS -D "$HDRS" "$API/next")
  RID=$(grep -i '^lambda-runtime-aws-request-id:' "$HDRS" | tr -d '\r' | cut -d' ' -f2)
  rm -f "$HDRS"
  echo "event $EVENT"
  case "$EVENT" in
    *fail*) curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Custom.Fail' \
              -d '{"errorMessage":"asked to fail","errorType":"Custom.Fail","stackTrace":[]}' "$API/$RID/error" ;;
    *) curl -sS -o /dev/null -X POST -d "{\"echo\":$EVENT,\"rid\":\"$RID\"}" "$API/$RID/response" ;;
  esac
done
'''

PY_BOOTSTRAP = r'''#!/usr/bin/env python3
import json, os, urllib.request, urllib.error
API = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]

def post(path, body, headers=None):
    req = urllib.request.Request(API + path, data=body, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            return [r.status, r.read().decode()]
    except urllib.error.HTTPError as e:
        return [e.code, e.read().decode()]

print("python bootstrap init", flush=True)
prev = None
count = 0
while True:
    with urllib.request.urlopen(API + "/invocation/next") as r:
        headers = {k.lower(): v for k, v in r.headers.items()}
        event = json.loads(r.read())
    count += 1
    rid = headers["lambda-runtime-aws-request-id"]
    bogus = post("/invocation/not-a-request-id/response", b"{}")
    out = {"event": event, "headers": headers, "prev": prev, "bogus": bogus, "count": count,
           "cwd": os.getcwd(), "env": dict(os.environ)}
    prev = post("/invocation/%s/response" % rid, json.dumps(out).encode())
'''


class ProvidedInvokeTest(InvokeCase):
    @unittest.skipUnless(HAVE_CURL, "curl not on PATH")
    def test_shell_bootstrap(self):
        self.fn("sh", zip_bytes=exec_zip({"bootstrap": SH_BOOTSTRAP}), runtime="provided.al2023",
                handler="my.handler")
        r1 = self.ok("sh", {"x": 1})
        self.assertEqual(r1.json, {"echo": {"x": 1}, "rid": r1.rid})
        self.assertEqual(self.parse_tail(r1).group("out"), 'bootstrap init handler=my.handler\nevent {"x": 1}\n')
        r2 = self.err("sh", {"fail": True})
        self.assertEqual(r2.json, {"errorMessage": "asked to fail", "errorType": "Custom.Fail", "stackTrace": []})
        r3 = self.ok("sh", [3])
        self.assertEqual(r3.json, {"echo": [3], "rid": r3.rid})
        self.assertEqual(self.parse_tail(r3).group("out"), "event [3]\n", "bootstrap re-initialised")
        self.assertIsNone(self.parse_tail(r3).group("init"))

    def test_python_bootstrap_and_runtime_api(self):
        self.fn("pyb", zip_bytes=exec_zip({"bootstrap": PY_BOOTSTRAP}), runtime="provided.al2",
                handler="ignored.handler", Timeout=7)
        self.lam.publish_version(FunctionName="pyb")
        cc = base64.b64encode(json.dumps({"custom": {"a": 1}}).encode()).decode()
        before = int(time.time() * 1000)
        r1 = self.ok("pyb", {"n": 1}, ClientContext=cc)
        after = int(time.time() * 1000)
        j = r1.json
        self.assertEqual(j["event"], {"n": 1})
        self.assertEqual(j["count"], 1)
        self.assertIsNone(j["prev"])
        self.assertEqual(j["bogus"][0], 400, "a response for an unknown request id must be refused")
        h = j["headers"]
        self.assertEqual(h["lambda-runtime-aws-request-id"], r1.rid)
        self.assertEqual(h["lambda-runtime-invoked-function-arn"], ARN_PREFIX + "pyb")
        deadline = int(h["lambda-runtime-deadline-ms"])
        self.assertTrue(before + 6000 <= deadline <= after + 7000, (before, deadline, after))
        self.assertRegex(h["lambda-runtime-trace-id"], r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$")
        self.assertEqual(json.loads(h["lambda-runtime-client-context"]), {"custom": {"a": 1}})
        env = j["env"]
        self.assertNotIn("AWS_EXECUTION_ENV", env)
        self.assertEqual(env["_HANDLER"], "ignored.handler")
        self.assertEqual(env["LAMBDA_TASK_ROOT"], j["cwd"])
        self.assertEqual(self.parse_tail(r1).group("out"), "python bootstrap init\n")
        r2 = self.ok("pyb", b"[2]")
        self.assertEqual(r2.json["count"], 2)
        self.assertEqual(r2.json["prev"][0], 202, "POST /response must answer 202")
        self.assertNotIn("lambda-runtime-client-context", r2.json["headers"])
        r3 = self.ok("pyb:1", b"3")
        self.assertEqual(r3.json["headers"]["lambda-runtime-invoked-function-arn"], ARN_PREFIX + "pyb:1")
        self.assertEqual(r3.json["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "1")
        self.assertEqual(r3.executed_version, "1")

    def test_error_without_body_uses_the_header(self):
        boot = r'''#!/usr/bin/env python3
import os, urllib.request
API = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]
while True:
    with urllib.request.urlopen(API + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
    req = urllib.request.Request(API + "/invocation/%s/error" % rid, data=b"",
                                 headers={"Lambda-Runtime-Function-Error-Type": "Custom.NoBody"}, method="POST")
    urllib.request.urlopen(req).read()
'''
        self.fn("nb", zip_bytes=exec_zip({"bootstrap": boot}), runtime="provided.al2023", handler="h")
        r = self.err("nb")
        self.assertEqual(r.json["errorType"], "Custom.NoBody")

    def test_init_error_endpoint(self):
        boot = r'''#!/usr/bin/env python3
import json, os, sys, urllib.request
API = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]
print("init attempt", flush=True)
body = json.dumps({"errorMessage": "cannot init", "errorType": "Custom.InitFail", "stackTrace": []}).encode()
req = urllib.request.Request(API + "/init/error", data=body, method="POST",
                             headers={"Lambda-Runtime-Function-Error-Type": "Custom.InitFail"})
with urllib.request.urlopen(req) as r:
    print("init/error answered %d" % r.status, flush=True)
sys.exit(1)
'''
        self.fn("ie", zip_bytes=exec_zip({"bootstrap": boot}), runtime="provided.al2023", handler="h")
        for _ in range(2):
            r = self.err("ie")
            self.assertEqual(r.json, {"errorMessage": "cannot init", "errorType": "Custom.InitFail", "stackTrace": []})
            self.assertIn("init attempt\n", r.log)
            m = INIT_FAIL_REPORT_RE.search(r.log)
            self.assertIsNotNone(m, r.log)
            self.assertEqual(m.group("etype"), "Custom.InitFail")

    def test_bootstrap_exits_during_init(self):
        self.fn("ex", zip_bytes=exec_zip({"bootstrap": "#!/bin/sh\necho going away\nexit 7\n"}),
                runtime="provided.al2", handler="h")
        r = self.err("ex")
        self.assertEqual(r.json, {"errorType": "Runtime.ExitError",
                                  "errorMessage": "RequestId: %s Error: Runtime exited with error: exit status 7"
                                  % r.rid})
        self.assertIn("going away\n", r.log)
        m = INIT_FAIL_REPORT_RE.search(r.log)
        self.assertIsNotNone(m, r.log)
        self.assertEqual(m.group("etype"), "Runtime.ExitError",
                         "REPORT's Error Type differs from the error returned:\n%s" % r.log)

    def test_missing_bootstrap(self):
        self.fn("nob", files={"README": "no bootstrap here"}, runtime="provided.al2023", handler="h")
        r = self.err("nob")
        self.assertEqual(r.json["errorType"], "Runtime.InvalidEntrypoint")
        # AWS: "RequestId: <id> Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
        self.assertRegex(r.json["errorMessage"],
                         r"^RequestId: %s Error: Couldn't find valid bootstrap\(s\): \[" % re.escape(r.rid))

    def test_bootstrap_not_executable(self):
        self.fn("nox", files={"bootstrap": "#!/bin/sh\necho hi\n"}, runtime="provided.al2023", handler="h")
        r = self.err("nox")
        self.assertEqual(r.json["errorType"], "Runtime.InvalidEntrypoint")
        # AWS: "RequestId: <id> Error: fork/exec /var/task/bootstrap: permission denied"
        self.assertRegex(r.json["errorMessage"], r"^RequestId: %s Error: .*permission denied" % re.escape(r.rid))


# ---------------------------------------------------------------------------
# Concurrency: waiting invokes must not stall the control plane
# ---------------------------------------------------------------------------

class ConcurrencyTest(InvokeCase):
    N = 50

    def run_round(self, sleep, probe=None):
        clients = [self.server.client("lambda", max_pool_connections=4) for _ in range(self.N)]
        barrier = threading.Barrier(self.N + 1)
        results, errors = {}, {}

        def worker(i):
            barrier.wait()
            try:
                r = clients[i].invoke(FunctionName="slow", Payload=json.dumps({"sleep": sleep, "i": i}))
                results[i] = (r["StatusCode"], r.get("FunctionError"), json.loads(r["Payload"].read()))
            except Exception as e:  # noqa: BLE001 - reported below
                errors[i] = repr(e)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(self.N)]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        barrier.wait()
        probe_out = probe() if probe else None
        for t in threads:
            t.join(120)
        total = time.monotonic() - t0
        self.assertEqual(errors, {})
        self.assertEqual(len(results), self.N)
        for i, (status, ferr, body) in results.items():
            self.assertEqual((status, ferr), (200, None), body)
            self.assertEqual(body["i"], i)
        return total, results, probe_out

    def test_concurrent_invokes_and_a_responsive_control_plane(self):
        code = ("import os, time\ndef handler(event, context):\n"
                "    time.sleep(event['sleep'])\n    return {'i': event['i'], 'pid': os.getpid()}\n")
        self.fn("slow", code, Timeout=30)
        ctl = self.server.client("lambda")

        def probe():
            time.sleep(0.3)
            timings = []
            for _ in range(4):
                t = time.monotonic()
                ctl.get_function(FunctionName="slow")
                ctl.list_functions()
                timings.append(time.monotonic() - t)
                time.sleep(0.1)
            return timings

        # Round 1, cold: 50 environments start at once (CPU-bound on a small
        # machine); all must succeed and the control plane must not hang.
        _, cold, cold_timings = self.run_round(2.0, probe)
        self.assertEqual(len({body["pid"] for _, _, body in cold.values()}), self.N,
                         "concurrent invokes must run in separate environments")
        self.assertLess(max(cold_timings), 3.0, "control plane stalled during cold starts: %r" % cold_timings)

        # Round 2, warm: while 50 invokes sleep 2 s, the control plane answers at once.
        total, _, timings = self.run_round(2.0, probe)
        timings.sort()
        self.assertLess(timings[len(timings) // 2], 1.0, "control plane stalled behind waiting invokes: %r" % timings)
        self.assertLess(timings[-1], 1.5, "control plane stalled behind waiting invokes: %r" % timings)
        self.assertLess(total, 8.0, "50 warm 2 s invokes took %.1f s: not run concurrently" % total)


# ---------------------------------------------------------------------------
# Function processes never outlive the server
# ---------------------------------------------------------------------------

def function_env():
    """The environment a function's interpreter sees: PATH and locale only."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": os.environ.get("LANG", "en_US.UTF-8")}
    if "LC_ALL" in os.environ:
        env["LC_ALL"] = os.environ["LC_ALL"]
    return env


def interpreter_minor(cmd, path=None):
    """"3.11" for CMD as a function would run it, or None when it does not run."""
    env = function_env()
    if path:
        env["PATH"] = path
    try:
        p = subprocess.run([cmd, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], env=env,
                           capture_output=True, text=True, timeout=20, cwd="/")
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def on_path_not_shim(name, path=None):
    """Whether sluice takes NAME from PATH: an executable file outside a
    version manager's "shims" directory."""
    for d in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep):
        if d and os.path.basename(d.rstrip("/")) != "shims":
            f = os.path.join(d, name)
            if os.path.isfile(f) and os.access(f, os.X_OK):
                return True
    return False


VERSION_HANDLER = """\
import sys

def handler(event, context):
    return '%d.%d' % sys.version_info[:2]
"""


class RuntimeVersionTest(InvokeCase):
    """A python3.X function runs on python3.X from PATH when that runs, else on
    python3, and then says so in its log."""

    def logged(self, name):
        logs = self.server.client("logs")
        out = []
        for st in logs.describe_log_streams(logGroupName="/aws/lambda/" + name)["logStreams"]:
            out += [e["message"] for e in logs.get_log_events(
                logGroupName="/aws/lambda/" + name, logStreamName=st["logStreamName"],
                startFromHead=True)["events"]]
        return out

    def test_other_version_is_said_in_the_log(self):
        have = interpreter_minor("python3")
        if have is None:
            self.skipTest("no python3")
        others = ["3.%d" % m for m in range(9, 15)
                  if "3.%d" % m != have and not on_path_not_shim("python3.%d" % m)]
        if not others:
            self.skipTest("every python3.X runs here")
        rt = "python" + others[0]
        self.fn("other", VERSION_HANDLER, runtime=rt)
        self.assertEqual(self.ok("other").json, have)
        self.assertEqual(self.ok("other").json, have)   # warm: said once per cold start
        notes = [m for m in self.logged("other") if m.startswith("sluice: runtime ")]
        self.assertEqual(len(notes), 1, self.logged("other"))
        self.assertRegex(notes[0], r"^sluice: runtime %s runs on Python %s\.\d+ \(python3 on PATH\): "
                                   r"no %s on PATH; install it or pass --runtime-command %s="
                                   % (re.escape(rt), re.escape(have), re.escape(rt), re.escape(rt)))
        # The runtime of python3's own version: nothing to say.
        self.fn("same", VERSION_HANDLER, runtime="python" + have)
        self.assertEqual(self.ok("same").json, have)
        self.assertEqual([m for m in self.logged("same") if m.startswith("sluice: runtime ")], [])

    @unittest.skipUnless(HAVE_NODE, "node not on PATH")
    def test_other_node_version_is_said_in_the_log(self):
        major = subprocess.run(["node", "-p", "process.versions.node.split('.')[0]"], capture_output=True,
                               text=True, timeout=30).stdout.strip()
        rt = "nodejs%d.x" % [m for m in (18, 20, 22, 24) if str(m) != major][0]
        self.fn("other", "exports.handler = async () => process.versions.node;\n", runtime=rt)
        self.assertEqual(self.ok("other").json.split(".")[0], major)
        notes = [m for m in self.logged("other") if m.startswith("sluice: runtime ")]
        self.assertEqual(len(notes), 1, self.logged("other"))
        self.assertRegex(notes[0], r"^sluice: runtime %s runs on Node\.js %s\.[\d.]+ \(node on PATH\)"
                         % (re.escape(rt), major))
        if major in ("18", "20", "22", "24"):
            self.fn("same", "exports.handler = async () => 1;\n", runtime="nodejs%s.x" % major)
            self.ok("same")
            self.assertEqual([m for m in self.logged("same") if m.startswith("sluice: runtime ")], [])


class VersionedPythonOnPathTest(unittest.TestCase):
    """python3.X on PATH is preferred to python3 for runtime python3.X;
    --runtime-command still wins."""

    def find_other_python(self, have):
        """(minor, path) of a working interpreter of another minor version."""
        cands = []
        for root in ("/usr/bin", "/usr/local/bin"):
            cands += [os.path.join(root, "python3.%d" % m) for m in range(9, 15)]
        pyenv = os.path.expanduser("~/.pyenv/versions")
        if os.path.isdir(pyenv):
            for v in sorted(os.listdir(pyenv)):
                cands += [os.path.join(pyenv, v, "bin", "python3.%d" % m) for m in range(9, 15)]
        for c in cands:
            if os.access(c, os.X_OK):
                minor = interpreter_minor(c)
                if minor and minor != have and 9 <= int(minor.split(".")[1]) <= 14:
                    return minor, c
        return None, None

    def test_versioned_python_on_path_is_preferred(self):
        have = interpreter_minor("python3")
        minor, path = self.find_other_python(have)
        if minor is None:
            self.skipTest("no python3.X of another version than python3's (%s) here" % have)
        bindir = tempfile.mkdtemp(prefix="sluice-e2e-py-")
        os.symlink(path, os.path.join(bindir, "python" + minor))
        srv = Server(env={"PATH": bindir + os.pathsep + os.environ.get("PATH", "")})
        srv2 = Server(env={"PATH": bindir + os.pathsep + os.environ.get("PATH", "")},
                      extra_args=["--runtime-command", "python%s=python3" % minor])
        shims = os.path.join(bindir, "shims")
        os.mkdir(shims)
        os.symlink(path, os.path.join(shims, "python" + minor))
        srv3 = Server(env={"PATH": shims + os.pathsep + os.environ.get("PATH", "")})
        try:
            srv.start()
            lam = srv.client("lambda")
            for name, rt in (("versioned", "python" + minor), ("plain", "python" + have)):
                lam.create_function(FunctionName=name, Runtime=rt, Role=ROLE, Handler="index.handler",
                                    Code={"ZipFile": make_zip({"index.py": VERSION_HANDLER})})
            r = lam.invoke(FunctionName="versioned", Payload=b"{}")
            self.assertEqual(json.loads(r["Payload"].read()), minor)
            r = lam.invoke(FunctionName="plain", Payload=b"{}")
            self.assertEqual(json.loads(r["Payload"].read()), have)
            logs = srv.client("logs")
            msgs = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/versioned")["events"]]
            self.assertFalse([m for m in msgs if m.startswith("sluice: runtime ")], msgs)
            srv.stop()
            # In a version manager's shims directory it is not taken.
            srv3.start()
            lam = srv3.client("lambda")
            lam.create_function(FunctionName="versioned", Runtime="python" + minor, Role=ROLE,
                                Handler="index.handler", Code={"ZipFile": make_zip({"index.py": VERSION_HANDLER})})
            r = lam.invoke(FunctionName="versioned", Payload=b"{}")
            self.assertEqual(json.loads(r["Payload"].read()), have)
            srv3.stop()
            # --runtime-command wins over the versioned command on PATH.
            srv2.start()
            lam = srv2.client("lambda")
            lam.create_function(FunctionName="versioned", Runtime="python" + minor, Role=ROLE,
                                Handler="index.handler", Code={"ZipFile": make_zip({"index.py": VERSION_HANDLER})})
            r = lam.invoke(FunctionName="versioned", Payload=b"{}")
            self.assertEqual(json.loads(r["Payload"].read()), have)
            srv2.stop()
        finally:
            srv.cleanup()
            srv2.cleanup()
            srv3.cleanup()
            shutil.rmtree(bindir, ignore_errors=True)


class ServerLifecycleTest(unittest.TestCase):
    def start_server_with_warm_env(self):
        srv = Server()
        srv.start()
        self.addCleanup(srv.cleanup)
        lam = srv.client("lambda")
        lam.create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": make_zip({"index.py": "import os\ndef handler(e, c):\n    return os.getpid()\n"})})
        deadline = time.monotonic() + 5
        while lam.get_function_configuration(FunctionName="fn").get("State") != "Active":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        pid = json.loads(lam.invoke(FunctionName="fn")["Payload"].read())
        self.assertTrue(pid_alive(pid))
        return srv, pid

    def test_environments_end_with_the_server(self):
        srv, pid = self.start_server_with_warm_env()
        srv.stop()
        self.assertTrue(wait_gone(pid, 3.0), "handler process %d outlived a SIGTERMed server" % pid)

    def test_environments_end_when_the_server_is_killed(self):
        srv, pid = self.start_server_with_warm_env()
        srv.kill()
        self.assertTrue(wait_gone(pid, 5.0), "handler process %d outlived a SIGKILLed server" % pid)


if __name__ == "__main__":
    harness.main()
