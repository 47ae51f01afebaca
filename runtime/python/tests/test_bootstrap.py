"""Tests for runtime/python/bootstrap.py against a mock Lambda Runtime API.

Run: python3 runtime/python/tests/test_bootstrap.py   (stdlib unittest; non-zero exit on failure)

Each test writes handler code to a temporary directory, starts a mock Runtime API
(http.server on 127.0.0.1, port 0, HTTP/1.1 keep-alive) that hands out queued
invocations and records everything posted back, and runs bootstrap.py as a
subprocess the way sluice does: cwd = the code directory, a clean environment, and
stdout+stderr on one pipe. SLUICE_TEST_PYTHON picks another interpreter for the
bootstrap (to check 3.9 to 3.14); the default is the one running the tests.
"""

import collections
import decimal
import http.server
import importlib.util
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = os.path.normpath(os.path.join(HERE, "..", "bootstrap.py"))
PYTHON = os.environ.get("SLUICE_TEST_PYTHON") or sys.executable
NBSP = "\u00a0"
WAIT = 15.0  # seconds; generous for slow CI machines

# --- Mock Runtime API -------------------------------------------------------------


class Invocation(object):
    def __init__(self, request_id, event=b"{}", headers=None, chunked=False, status=200, raw=False):
        self.request_id = request_id
        if isinstance(event, bytes) or raw:
            self.body = event if isinstance(event, bytes) else event.encode("utf-8")
        else:
            self.body = json.dumps(event).encode("utf-8")
        self.headers = headers
        self.chunked = chunked
        self.status = status


class Recorded(object):
    def __init__(self, method, path, headers, body, client_port):
        self.method = method
        self.path = path
        self.headers = headers  # lower-case names
        self.body = body
        self.client_port = client_port

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "Recorded(%s %s %r)" % (self.method, self.path, self.body[:200])


class MockRuntimeAPI(object):
    def __init__(self):
        self.invocations = queue.Queue()
        self.requests = []
        self.cond = threading.Condition()
        self.post_status = {}  # path suffix ("response", "error", "init/error") -> status
        self.connection_close = False
        self.stopping = False
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _record(self, body):
                rec = Recorded(
                    self.command,
                    self.path,
                    dict((k.lower(), v) for k, v in self.headers.items()),
                    body,
                    self.client_address[1],
                )
                with api.cond:
                    api.requests.append(rec)
                    api.cond.notify_all()
                return rec

            def _send(self, status, body, headers=(), chunked=False):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(len(body)))
                if api.connection_close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if chunked:
                    mid = len(body) // 2
                    for part in (body[:mid], body[mid:]):
                        if part:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.wfile.write(body)
                self.wfile.flush()

            def do_GET(self):
                self._record(b"")
                if self.path != "/2018-06-01/runtime/invocation/next":
                    self._send(404, b'{"errorMessage":"not found"}')
                    return
                while True:
                    if api.stopping:
                        self.close_connection = True
                        return
                    try:
                        inv = api.invocations.get(timeout=0.1)
                        break
                    except queue.Empty:
                        continue
                if inv.status != 200:
                    self._send(inv.status, b'{"errorMessage":"boom","errorType":"Internal"}')
                    return
                headers = [
                    ("Lambda-Runtime-Aws-Request-Id", inv.request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000)),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:000000000000:function:fn",
                    ),
                    ("Content-Type", "application/json"),
                ]
                for name, value in inv.headers or ():
                    # An override replaces the default of the same name; None removes it.
                    headers = [h for h in headers if h[0].lower() != name.lower()]
                    if value is not None:
                        headers.append((name, value))
                self._send(200, inv.body, headers, chunked=inv.chunked)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                self._record(body)
                status = 202
                for suffix, st in api.post_status.items():
                    if self.path.endswith(suffix):
                        status = st
                self._send(status, b'{"status":"OK"}', [("Content-Type", "application/json")])

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.server.server_address[1]

    def queue(self, inv):
        self.invocations.put(inv)

    def posts(self):
        with self.cond:
            return [r for r in self.requests if r.method == "POST"]

    def gets(self):
        with self.cond:
            return [r for r in self.requests if r.method == "GET"]

    def wait_posts(self, n, timeout=WAIT):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                posts = [r for r in self.requests if r.method == "POST"]
                if len(posts) >= n:
                    return posts
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("timed out waiting for %d posts; got %r" % (n, posts))
                self.cond.wait(left)

    def close(self):
        self.stopping = True
        self.server.shutdown()
        self.server.server_close()


# --- Harness ----------------------------------------------------------------------


class Run(object):
    def __init__(self, api, proc, code_dir):
        self.api = api
        self.proc = proc
        self.code_dir = code_dir
        self._output = None

    def finish(self, expect_exit=False, timeout=WAIT):
        """Stops the bootstrap (or waits for it to exit) and returns (returncode, output)."""
        if not expect_exit:
            time.sleep(0.05)
            self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
            raise AssertionError("bootstrap did not exit; output:\n" + out.decode("utf-8", "replace"))
        self._output = out.decode("utf-8")
        return self.proc.returncode, self._output


class BootstrapTestCase(unittest.TestCase):
    def setUp(self):
        self.code_dir = os.path.realpath(tempfile.mkdtemp(prefix="sluice-py-"))
        self.api = MockRuntimeAPI()
        self.runs = []

    def tearDown(self):
        for run in self.runs:
            if run.proc.poll() is None:
                run.proc.kill()
                run.proc.communicate()
        self.api.close()
        shutil.rmtree(self.code_dir, ignore_errors=True)

    def write(self, files):
        for rel, text in files.items():
            path = os.path.join(self.code_dir, rel)
            d = os.path.dirname(path)
            if not os.path.isdir(d):
                os.makedirs(d)
            with open(path, "w", encoding="utf-8") as f:
                f.write(textwrap.dedent(text).lstrip("\n"))

    def start(self, handler, files=None, env=None, pass_fds=(), argv=None):
        if files:
            self.write(files)
        e = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": self.code_dir,
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "MY_VAR": "my-value",
        }
        if env:
            for k, v in env.items():
                if v is None:
                    e.pop(k, None)
                else:
                    e[k] = v
        proc = subprocess.Popen(
            argv or [PYTHON, BOOTSTRAP],
            cwd=self.code_dir,
            env=e,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=pass_fds,
        )
        run = Run(self.api, proc, self.code_dir)
        self.runs.append(run)
        return run

    def invoke(self, handler, events, files=None, env=None):
        """Runs the bootstrap over the given Invocations; returns (posts, output)."""
        run = self.start(handler, files, env)
        for inv in events:
            self.api.queue(inv)
        posts = self.api.wait_posts(len(events))
        _, output = run.finish()
        return posts, output

    def init_failure(self, handler, files=None, env=None):
        """Runs a bootstrap expected to fail in init; returns (the init/error post, output, rc)."""
        run = self.start(handler, files, env)
        rc, output = run.finish(expect_exit=True)
        posts = self.api.posts()
        self.assertEqual(len(posts), 1, output)
        self.assertEqual(posts[0].path, "/2018-06-01/runtime/init/error")
        self.assertEqual(self.api.gets(), [], "init failed: the runtime must not ask for work")
        return posts[0], output, rc

    def assertErrorPost(self, post, error_type):
        self.assertEqual(post.headers.get("content-type"), "application/vnd.aws.lambda.error+json")
        self.assertEqual(post.headers.get("lambda-runtime-function-error-type"), error_type)
        doc = post.json()
        self.assertEqual(list(doc.keys()), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(doc["errorType"], error_type)
        return doc


ECHO = {"app.py": "def handler(event, context):\n    return event\n"}


# --- Results ----------------------------------------------------------------------


class ResultTests(BootstrapTestCase):
    def test_success_posts_json_result(self):
        event = {"a": 1, "b": [True, None, "x"], "c": {"d": 1.5}}
        posts, _ = self.invoke("app.handler", [Invocation("req-1", event)], ECHO)
        p = posts[0]
        self.assertEqual(p.path, "/2018-06-01/runtime/invocation/req-1/response")
        self.assertEqual(p.headers.get("content-type"), "application/json")
        self.assertEqual(p.json(), event)
        self.assertEqual(p.body, json.dumps(event).encode())

    def test_none_result_is_null(self):
        files = {"app.py": "def handler(event, context):\n    pass\n"}
        posts, _ = self.invoke("app.handler", [Invocation("r", {})], files)
        self.assertEqual(posts[0].body, b"null")

    def test_scalar_events_and_results(self):
        posts, _ = self.invoke(
            "app.handler",
            [Invocation("a", "text"), Invocation("b", 42), Invocation("c", [1, 2])],
            ECHO,
        )
        self.assertEqual([p.body for p in posts], [b'"text"', b"42", b"[1, 2]"])

    def test_non_serializable_result_is_marshal_error(self):
        files = {"app.py": "def handler(event, context):\n    return {'s': {1, 2}}\n"}
        posts, output = self.invoke("app.handler", [Invocation("rid", {})], files)
        p = posts[0]
        self.assertEqual(p.path, "/2018-06-01/runtime/invocation/rid/error")
        doc = self.assertErrorPost(p, "Runtime.MarshalError")
        self.assertEqual(
            doc,
            {
                "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
                "errorType": "Runtime.MarshalError",
                "requestId": "rid",
                "stackTrace": [],
            },
        )
        self.assertIn(
            "[ERROR] Runtime.MarshalError: Unable to marshal response: Object of type set is not "
            "JSON serializable\rTraceback (most recent call last):\n",
            output,
        )

    def test_coroutine_result_is_marshal_error(self):
        files = {"app.py": "async def handler(event, context):\n    return 1\n"}
        posts, _ = self.invoke("app.handler", [Invocation("r", {})], files)
        doc = self.assertErrorPost(posts[0], "Runtime.MarshalError")
        self.assertEqual(
            doc["errorMessage"], "Unable to marshal response: Object of type coroutine is not JSON serializable"
        )

    def test_simplejson_compatible_encoding(self):
        files = {
            "app.py": """
            import collections, decimal
            P = collections.namedtuple("P", "x y")
            def handler(event, context):
                return {"dec": decimal.Decimal("1.10"), "big": decimal.Decimal("12345678901234567890.5"),
                        "nan": decimal.Decimal("NaN"), "bytes": b"raw", "nt": P(1, 2), "tup": (1, 2),
                        "uni": "caf\\u00e9", 1: "int key", "f": float("inf")}
            """
        }
        posts, _ = self.invoke("app.handler", [Invocation("r", {})], files)
        self.assertEqual(
            posts[0].body.decode("ascii"),
            '{"dec": 1.10, "big": 12345678901234567890.5, "nan": NaN, "bytes": "raw", '
            '"nt": {"x": 1, "y": 2}, "tup": [1, 2], "uni": "caf\\u00e9", "1": "int key", "f": Infinity}',
        )

    def test_python312_env_does_not_escape_unicode(self):
        files = {"app.py": "def handler(event, context):\n    return {'uni': 'caf\\u00e9 \\u2028'}\n"}
        posts, _ = self.invoke(
            "app.handler", [Invocation("r", {})], files, env={"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}
        )
        self.assertEqual(posts[0].body.decode("utf-8"), '{"uni": "caf\u00e9 \\u2028"}')

    def test_bytes_result_is_sent_raw(self):
        files = {"app.py": "def handler(event, context):\n    return b'\\x00raw bytes'\n"}
        posts, _ = self.invoke("app.handler", [Invocation("r", {})], files)
        self.assertEqual(posts[0].body, b"\x00raw bytes")
        self.assertEqual(posts[0].headers.get("content-type"), "application/unknown")

    def test_invalid_json_event_is_unmarshal_error(self):
        posts, _ = self.invoke("app.handler", [Invocation("r", b"not json")], ECHO)
        doc = self.assertErrorPost(posts[0], "Runtime.UnmarshalError")
        self.assertEqual(
            doc["errorMessage"], "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)"
        )
        self.assertEqual(doc["requestId"], "r")

    def test_large_events_on_one_connection(self):
        big = {"data": "y" * (5 * 1024 * 1024)}
        files = {"app.py": "def handler(event, context):\n    return len(event['data'])\n"}
        posts, _ = self.invoke(
            "app.handler", [Invocation("1", big), Invocation("2", big, chunked=True), Invocation("3", {"data": ""})], files
        )
        self.assertEqual([p.body for p in posts], [b"5242880", b"5242880", b"0"])

    def test_large_result(self):
        files = {"app.py": "def handler(event, context):\n    return 'x' * (5 * 1024 * 1024)\n"}
        posts, _ = self.invoke("app.handler", [Invocation("r", {})], files)
        self.assertEqual(len(posts[0].body), 5 * 1024 * 1024 + 2)


# --- Handler errors ---------------------------------------------------------------


class HandlerErrorTests(BootstrapTestCase):
    FILES = {
        "app.py": """
        def helper(x):
            raise ValueError("bad value: %s" % x)

        def handler(event, context):
            print("before the error")
            return helper(event["x"])
        """
    }

    def test_exception_document(self):
        posts, output = self.invoke("app.handler", [Invocation("req-err", {"x": 7})], self.FILES)
        p = posts[0]
        self.assertEqual(p.path, "/2018-06-01/runtime/invocation/req-err/error")
        doc = self.assertErrorPost(p, "ValueError")
        app = os.path.join(self.code_dir, "app.py")
        self.assertEqual(
            doc,
            {
                "errorMessage": "bad value: 7",
                "errorType": "ValueError",
                "requestId": "req-err",
                "stackTrace": [
                    '  File "%s", line 6, in handler\n    return helper(event["x"])\n' % app,
                    '  File "%s", line 2, in helper\n    raise ValueError("bad value: %%s" %% x)\n' % app,
                ],
            },
        )
        # The raw body is what awslambdaric's simplejson produces: ", " and ": " separators.
        self.assertTrue(p.body.startswith(b'{"errorMessage": "bad value: 7", "errorType": "ValueError"'))

    def test_exception_log_record(self):
        _, output = self.invoke("app.handler", [Invocation("req-err", {"x": 7})], self.FILES)
        app = os.path.join(self.code_dir, "app.py")
        expected = (
            "[ERROR] ValueError: bad value: 7\r"
            "Traceback (most recent call last):\r"
            + NBSP * 2 + 'File "%s", line 6, in handler\r' % app
            + NBSP * 4 + 'return helper(event["x"])\r'
            + NBSP * 2 + 'File "%s", line 2, in helper\r' % app
            + NBSP * 4 + 'raise ValueError("bad value: %s" % x)\n'
        )
        self.assertIn("before the error\n" + expected, output)

    def test_custom_exception_type_and_empty_message(self):
        files = {
            "app.py": """
            class MyError(Exception):
                pass
            def handler(event, context):
                raise MyError()
            """
        }
        posts, output = self.invoke("app.handler", [Invocation("r", {})], files)
        doc = self.assertErrorPost(posts[0], "MyError")
        self.assertEqual(doc["errorMessage"], "")
        self.assertEqual(len(doc["stackTrace"]), 1)
        self.assertIn("[ERROR] MyError\rTraceback (most recent call last):\r", output)

    def test_runtime_keeps_serving_after_an_error(self):
        files = {
            "app.py": """
            def handler(event, context):
                if event.get("fail"):
                    raise RuntimeError("nope")
                return "ok"
            """
        }
        posts, _ = self.invoke(
            "app.handler",
            [Invocation("1", {"fail": True}), Invocation("2", {}), Invocation("3", {"fail": True})],
            files,
        )
        self.assertEqual(
            [p.path.rsplit("/", 2)[1:] for p in posts], [["1", "error"], ["2", "response"], ["3", "error"]]
        )
        self.assertEqual(posts[1].body, b'"ok"')

    def test_sys_exit_in_handler_ends_the_process(self):
        files = {"app.py": "import sys\ndef handler(event, context):\n    sys.exit(3)\n"}
        run = self.start("app.handler", files)
        self.api.queue(Invocation("r", {}))
        rc, _ = run.finish(expect_exit=True)
        self.assertEqual(rc, 3)
        self.assertEqual(self.api.posts(), [])


# --- Init errors ------------------------------------------------------------------


class InitErrorTests(BootstrapTestCase):
    def check_init(self, handler, files, error_type, message, stack=None):
        post, output, rc = self.init_failure(handler, files)
        self.assertEqual(rc, 1)
        doc = self.assertErrorPost(post, error_type)
        self.assertEqual(doc["errorMessage"], message)
        self.assertEqual(doc["requestId"], "")
        if stack is not None:
            self.assertEqual(doc["stackTrace"], stack)
        self.assertIn("[ERROR] %s: %s\rTraceback (most recent call last):" % (error_type, message), output)
        self.assertRegex(output, r"\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception\. ")
        return doc, output

    def test_module_not_found(self):
        self.check_init(
            "app.handler", None, "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'app'", [],
        )

    def test_import_error_inside_module(self):
        files = {"app.py": "import does_not_exist_xyz\ndef handler(e, c):\n    pass\n"}
        self.check_init(
            "app.handler", files, "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'does_not_exist_xyz'", [],
        )

    def test_handler_not_found(self):
        files = {"app.py": "def handler(e, c):\n    pass\n"}
        self.check_init(
            "app.nope", files, "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'", []
        )

    def test_malformed_handler_name(self):
        self.check_init(
            "x", ECHO, "Runtime.MalformedHandlerName",
            "Bad handler 'x': not enough values to unpack (expected 2, got 1)", [],
        )

    def test_builtin_module_conflict(self):
        self.check_init(
            "sys.handler", ECHO, "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module sys as a handler module", [],
        )

    def test_syntax_error(self):
        files = {"app.py": "def handler(e, c):\n    return (\n\nx = = 1\n"}
        post, output, rc = self.init_failure("app.handler", files)
        self.assertEqual(rc, 1)
        doc = self.assertErrorPost(post, "Runtime.UserCodeSyntaxError")
        self.assertTrue(doc["errorMessage"].startswith("Syntax error in module 'app': "), doc)
        self.assertIn("(app.py, line ", doc["errorMessage"])
        self.assertEqual(len(doc["stackTrace"]), 1)
        self.assertTrue(
            doc["stackTrace"][0].startswith('  File "%s" Line ' % os.path.join(self.code_dir, "app.py")),
            doc["stackTrace"],
        )

    def test_exception_at_import_time(self):
        files = {"app.py": "x = 1\nraise KeyError('cfg')\ndef handler(e, c):\n    pass\n"}
        post, output, rc = self.init_failure("app.handler", files)
        self.assertEqual(rc, 1)
        doc = self.assertErrorPost(post, "KeyError")
        self.assertEqual(doc["errorMessage"], "'cfg'")
        # Like AWS: the import machinery's frames come first, the user's raise last.
        self.assertIn("importlib", doc["stackTrace"][0])
        self.assertEqual(
            doc["stackTrace"][-1],
            '  File "%s", line 2, in <module>\n    raise KeyError(\'cfg\')\n'
            % os.path.join(self.code_dir, "app.py"),
        )
        for frame in doc["stackTrace"]:
            self.assertNotIn("bootstrap.py", frame)
        self.assertIn("[ERROR] KeyError: 'cfg'\rTraceback (most recent call last):\r", output)

    def test_init_error_post_failure_still_exits_nonzero(self):
        self.api.post_status["init/error"] = 500
        run = self.start("app.handler")
        rc, _ = run.finish(expect_exit=True)
        self.assertNotEqual(rc, 0)


# --- Context, environment, logging ------------------------------------------------

CONTEXT_APP = {
    "app.py": """
    import os
    def handler(event, context):
        cc = context.client_context
        ident = context.identity
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "tenant_id": context.tenant_id,
            "identity": [ident.cognito_identity_id, ident.cognito_identity_pool_id],
            "client_context": None if cc is None else {
                "custom": cc.custom, "env": cc.env,
                "client": None if cc.client is None else [
                    cc.client.installation_id, cc.client.app_title, cc.client.app_version_name,
                    cc.client.app_version_code, cc.client.app_package_name],
            },
            "w3c": context.w3c(),
            "trace": os.environ.get("_X_AMZN_TRACE_ID"),
            "my_var": os.environ.get("MY_VAR"),
            "region": os.environ.get("AWS_REGION"),
            "repr": repr(context).startswith("LambdaContext([aws_request_id="),
        }
    """
}


class ContextTests(BootstrapTestCase):
    def test_context_fields(self):
        deadline = int(time.time() * 1000) + 5000
        inv = Invocation(
            "ctx-1",
            {},
            headers=[
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:fn:prod"),
            ],
        )
        posts, _ = self.invoke("app.handler", [inv], CONTEXT_APP)
        r = posts[0].json()
        self.assertEqual(r["function_name"], "fn")
        self.assertEqual(r["function_version"], "$LATEST")
        self.assertEqual(r["invoked_function_arn"], "arn:aws:lambda:us-east-1:000000000000:function:fn:prod")
        self.assertEqual(r["memory_limit_in_mb"], "256")  # a string, as in awslambdaric
        self.assertEqual(r["aws_request_id"], "ctx-1")
        self.assertEqual(r["log_group_name"], "/aws/lambda/fn")
        self.assertEqual(r["log_stream_name"], "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef")
        self.assertGreater(r["remaining"], 0)
        self.assertLessEqual(r["remaining"], 5000)
        self.assertIsNone(r["tenant_id"])
        self.assertEqual(r["identity"], [None, None])
        self.assertIsNone(r["client_context"])
        self.assertEqual(r["w3c"], {})
        self.assertIsNone(r["trace"])
        self.assertEqual(r["my_var"], "my-value")
        self.assertEqual(r["region"], "us-east-1")
        self.assertTrue(r["repr"])

    def test_remaining_time_never_negative(self):
        inv = Invocation("r", {}, headers=[("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) - 10000))])
        posts, _ = self.invoke("app.handler", [inv], CONTEXT_APP)
        self.assertEqual(posts[0].json()["remaining"], 0)

    def test_client_context_identity_and_tenant(self):
        cc = {
            "client": {"installation_id": "inst", "app_title": "title", "app_version_name": "1.0",
                       "app_version_code": "1", "app_package_name": "pkg"},
            "custom": {"k": "v"},
            "env": {"platform": "linux"},
            "w3c": {"traceparent": "00-abc-def-01", "other": "dropped", "baggage": 5},
        }
        inv = Invocation(
            "r",
            {},
            headers=[
                ("Lambda-Runtime-Client-Context", json.dumps(cc)),
                ("Lambda-Runtime-Cognito-Identity",
                 json.dumps({"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"})),
                ("Lambda-Runtime-Aws-Tenant-Id", "tenant-7"),
            ],
        )
        posts, _ = self.invoke("app.handler", [inv], CONTEXT_APP)
        r = posts[0].json()
        self.assertEqual(
            r["client_context"],
            {"custom": {"k": "v"}, "env": {"platform": "linux"}, "client": ["inst", "title", "1.0", "1", "pkg"]},
        )
        self.assertEqual(r["w3c"], {"traceparent": "00-abc-def-01"})
        self.assertEqual(r["identity"], ["id-1", "pool-1"])
        self.assertEqual(r["tenant_id"], "tenant-7")

    def test_client_context_without_client(self):
        inv = Invocation("r", {}, headers=[("Lambda-Runtime-Client-Context", '{"custom": {"a": 1}}')])
        posts, _ = self.invoke("app.handler", [inv], CONTEXT_APP)
        self.assertEqual(posts[0].json()["client_context"], {"custom": {"a": 1}, "env": None, "client": None})

    def test_bad_client_context_json(self):
        inv = Invocation("r", {}, headers=[("Lambda-Runtime-Client-Context", "{not json")])
        posts, _ = self.invoke("app.handler", [inv], CONTEXT_APP)
        doc = self.assertErrorPost(posts[0], "Runtime.LambdaContextUnmarshalError")
        self.assertTrue(doc["errorMessage"].startswith("Unable to parse Client Context JSON: "), doc)

    def test_trace_id_env_set_and_cleared(self):
        trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
        posts, _ = self.invoke(
            "app.handler",
            [Invocation("a", {}, headers=[("Lambda-Runtime-Trace-Id", trace)]), Invocation("b", {})],
            CONTEXT_APP,
        )
        self.assertEqual(posts[0].json()["trace"], trace)
        self.assertIsNone(posts[1].json()["trace"])

    def test_imported_launch_mode(self):
        # sluice may start `python3 -c "import bootstrap; bootstrap.main()"` so that the
        # bootstrap's bytecode is cached; the handler must see the same thing.
        rt_dir = tempfile.mkdtemp(prefix="sluice-rt-")
        self.addCleanup(shutil.rmtree, rt_dir, True)
        shutil.copy(BOOTSTRAP, os.path.join(rt_dir, "bootstrap.py"))
        files = {
            "app.py": """
            import sys
            def handler(event, context):
                if event.get("fail"):
                    raise ValueError("x")
                return {"path0": sys.path[0], "empty": "" in sys.path,
                        "rt": any(p.startswith(%r) for p in sys.path)}
            """ % rt_dir
        }
        argv = [PYTHON, "-c", "import sys; sys.path.insert(0, %r); import bootstrap; bootstrap.main()" % rt_dir]
        run = self.start("app.handler", files, argv=argv)
        self.api.queue(Invocation("a", {}))
        self.api.queue(Invocation("b", {"fail": True}))
        posts = self.api.wait_posts(2)
        run.finish()
        self.assertEqual(posts[0].json(), {"path0": self.code_dir, "empty": False, "rt": False})
        doc = self.assertErrorPost(posts[1], "ValueError")
        self.assertEqual(len(doc["stackTrace"]), 1)
        self.assertIn(os.path.join(self.code_dir, "app.py"), doc["stackTrace"][0])

    def test_sys_path_and_cwd(self):
        files = {
            "app.py": """
            import os, sys
            def handler(event, context):
                return {"path0": sys.path[0], "cwd": os.getcwd(), "task_root": os.environ["LAMBDA_TASK_ROOT"],
                        "runtime_dir_in_path": any(p and os.path.isfile(os.path.join(p, "bootstrap.py"))
                                                   for p in sys.path)}
            """
        }
        posts, _ = self.invoke("app.handler", [Invocation("r", {})], files)
        r = posts[0].json()
        self.assertEqual(r["path0"], self.code_dir)
        self.assertEqual(os.path.realpath(r["cwd"]), self.code_dir)
        self.assertEqual(r["task_root"], self.code_dir)
        self.assertFalse(r["runtime_dir_in_path"])


class LoggingTests(BootstrapTestCase):
    LOG_APP = {
        "app.py": """
        import logging, sys
        logger = logging.getLogger()
        def handler(event, context):
            print("printed line")
            sys.stderr.write("stderr line\\n")
            logger.debug("debug msg")
            logger.info("info msg")
            logger.warning("warn %s", "msg")
            context.log("context log line\\n")
            return "ok"
        """
    }

    def test_print_and_default_log_format(self):
        posts, output = self.invoke("app.handler", [Invocation("req-log", {})], self.LOG_APP)
        self.assertEqual(posts[0].body, b'"ok"')
        self.assertIn("printed line\n", output)
        self.assertIn("stderr line\n", output)
        self.assertNotIn("debug msg", output)  # the root logger stays at WARNING
        self.assertNotIn("info msg", output)
        self.assertRegex(
            output, r"(?m)^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-log\twarn msg\n"
        )
        self.assertIn("context log line\n", output)
        # Unbuffered: the lines are in the pipe in the order they were written.
        self.assertLess(output.index("printed line"), output.index("stderr line"))
        self.assertLess(output.index("stderr line"), output.index("warn msg"))

    def test_log_timestamp_is_utc(self):
        _, output = self.invoke("app.handler", [Invocation("r", {})], self.LOG_APP, env={"TZ": "Asia/Tokyo"})
        m = re.search(r"\[WARNING\]\t(\S+)Z\t", output)
        stamp = time.mktime(time.strptime(m.group(1).split(".")[0], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(stamp - time.time()), 120)

    def test_log_level_env(self):
        _, output = self.invoke(
            "app.handler", [Invocation("r", {})], self.LOG_APP, env={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
        )
        self.assertRegex(output, r"\[DEBUG\]\t\S+Z\tr\tdebug msg\n")
        self.assertRegex(output, r"\[INFO\]\t\S+Z\tr\tinfo msg\n")

    def test_logging_imported_inside_handler_is_configured(self):
        files = {
            "app.py": """
            def handler(event, context):
                import logging
                logging.basicConfig(level=logging.DEBUG, format="%(message)s")  # a no-op, as in AWS
                logging.getLogger("x").warning("late import")
                logging.getLogger("x").info("still hidden")
                return sorted(type(h).__name__ for h in logging.getLogger().handlers)
            """
        }
        posts, output = self.invoke("app.handler", [Invocation("late", {})], files)
        self.assertEqual(posts[0].json(), ["LambdaLoggerHandler"])
        self.assertRegex(output, r"\[WARNING\]\t\S+Z\tlate\tlate import\n")
        self.assertNotIn("still hidden", output)

    def test_logging_submodule_import_at_init(self):
        files = {
            "app.py": """
            import logging.handlers
            logging.getLogger(__name__).error("at init")
            def handler(event, context):
                return logging.getLogger().level
            """
        }
        posts, output = self.invoke("app.handler", [Invocation("r", {})], files)
        self.assertEqual(posts[0].body, b"30")
        self.assertRegex(output, r"\[ERROR\]\t\S+Z\t\tat init\n")

    def test_context_log_without_logging(self):
        files = {"app.py": "def handler(event, context):\n    context.log('via context')\n    return 1\n"}
        _, output = self.invoke("app.handler", [Invocation("r", {})], files)
        self.assertIn("via context", output)

    def test_request_id_changes_per_invocation(self):
        _, output = self.invoke("app.handler", [Invocation("id-1", {}), Invocation("id-2", {})], self.LOG_APP)
        self.assertRegex(output, r"\tid-1\twarn msg")
        self.assertRegex(output, r"\tid-2\twarn msg")

    def test_json_log_format(self):
        files = {
            "app.py": """
            import logging
            def handler(event, context):
                logging.getLogger("mylog").info("hello %s", "json", extra={"k": "v"})
                raise ValueError("json boom")
            """
        }
        posts, output = self.invoke(
            "app.handler",
            [Invocation("jr", {})],
            files,
            env={"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"},
        )
        records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        info = [r for r in records if r.get("level") == "INFO"][0]
        self.assertEqual(info["message"], "hello json")
        self.assertEqual(info["logger"], "mylog")
        self.assertEqual(info["requestId"], "jr")
        self.assertEqual(info["k"], "v")
        self.assertRegex(info["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        err = [r for r in records if r.get("level") == "ERROR"][0]
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["errorMessage"], "json boom")
        self.assertEqual(err["requestId"], "jr")
        self.assertEqual(len(err["stackTrace"]), 1)

    def test_telemetry_fd_frames(self):
        r, w = os.pipe()
        try:
            files = {"app.py": "import logging\ndef handler(e, c):\n    logging.error('framed')\n    raise TypeError('t')\n"}
            run = self.start("app.handler", files, env={"_LAMBDA_TELEMETRY_LOG_FD": str(w)}, pass_fds=(w,))
            os.close(w)
            w = None
            self.api.queue(Invocation("fr", {}))
            self.api.wait_posts(1)
            run.finish()
            data = b""
            while True:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(r)
            if w is not None:
                os.close(w)
        frames = []
        while data:
            ftype = int.from_bytes(data[0:4], "big")
            n = int.from_bytes(data[4:8], "big")
            frames.append((ftype, data[16:16 + n].decode("utf-8")))
            data = data[16 + n:]
        self.assertEqual(frames[0][0], 0xA55A0003)
        self.assertRegex(frames[0][1], r"^\[ERROR\]\t\S+Z\tfr\tframed\n$")
        self.assertEqual(frames[1][0], 0xA55A0017)
        self.assertTrue(frames[1][1].startswith("[ERROR] TypeError: t\nTraceback (most recent call last):\n"))


# --- Module loading and reuse -----------------------------------------------------


class ModuleTests(BootstrapTestCase):
    def test_warm_reuse_keeps_module_state(self):
        files = {
            "app.py": """
            print("importing app")
            count = 0
            def handler(event, context):
                global count
                count += 1
                return count
            """
        }
        posts, output = self.invoke("app.handler", [Invocation("1", {}), Invocation("2", {}), Invocation("3", {})], files)
        self.assertEqual([p.body for p in posts], [b"1", b"2", b"3"])
        self.assertEqual(output.count("importing app"), 1)

    def test_dotted_handler_in_namespace_package(self):
        files = {
            "pkg/sub/mod.py": """
            from pkg.sub import helper
            def fn(event, context):
                return {"from": __name__, "helper": helper.VALUE}
            """,
            "pkg/sub/helper.py": "VALUE = 42\n",
        }
        posts, _ = self.invoke("pkg.sub.mod.fn", [Invocation("r", {})], files)
        self.assertEqual(posts[0].json(), {"from": "pkg.sub.mod", "helper": 42})

    def test_slash_handler_path(self):
        files = {"src/app.py": "def handler(event, context):\n    return __name__\n"}
        posts, _ = self.invoke("src/app.handler", [Invocation("r", {})], files)
        self.assertEqual(posts[0].body, b'"src.app"')

    def test_missing_submodule_message_uses_handler_module_name(self):
        post, _, rc = self.init_failure("pkg.missing.handler", {"pkg/__init__.py": ""})
        doc = self.assertErrorPost(post, "Runtime.ImportModuleError")
        self.assertEqual(doc["errorMessage"], "Unable to import module 'pkg.missing': No module named 'pkg.missing'")


# --- Runtime API behaviour --------------------------------------------------------


class RuntimeAPITests(BootstrapTestCase):
    def test_keep_alive_single_connection(self):
        self.invoke("app.handler", [Invocation(str(i), {"i": i}) for i in range(5)], ECHO)
        ports = set(r.client_port for r in self.api.requests)
        self.assertEqual(len(ports), 1, ports)

    def test_connection_close_and_chunked_next(self):
        self.api.connection_close = True
        posts, _ = self.invoke(
            "app.handler", [Invocation("a", {"x": 1}, chunked=True), Invocation("b", {"y": 2})], ECHO
        )
        self.assertEqual([p.json() for p in posts], [{"x": 1}, {"y": 2}])

    def test_next_5xx_exits_nonzero(self):
        run = self.start("app.handler", ECHO)
        self.api.queue(Invocation("x", status=500))
        rc, output = run.finish(expect_exit=True)
        self.assertNotEqual(rc, 0)
        self.assertIn("500", output)

    def test_post_5xx_exits_nonzero(self):
        self.api.post_status["response"] = 500
        run = self.start("app.handler", ECHO)
        self.api.queue(Invocation("x", {}))
        rc, _ = run.finish(expect_exit=True)
        self.assertNotEqual(rc, 0)

    def test_unreachable_runtime_api_exits_nonzero(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        run = self.start("app.handler", ECHO, env={"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % port})
        rc, _ = run.finish(expect_exit=True)
        self.assertNotEqual(rc, 0)

    def test_server_going_away_mid_poll_exits_nonzero(self):
        run = self.start("app.handler", ECHO)
        deadline = time.time() + WAIT
        while not self.api.gets() and time.time() < deadline:
            time.sleep(0.02)
        self.api.close()
        rc, _ = run.finish(expect_exit=True)
        self.assertNotEqual(rc, 0)


# --- In-process unit tests of the marshaller --------------------------------------


def load_bootstrap_module():
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location("sluice_bootstrap_under_test", BOOTSTRAP)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class MarshallerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.b = load_bootstrap_module()

    def test_matches_stdlib_for_plain_values(self):
        m = self.b.Marshaller()
        for value in [None, True, 0, -5, 1.5, 1e100, "x\"\\\n\u00e9", [], {}, [1, [2, {"a": None}]],
                      {"k": [1.0, "s"]}, 10 ** 30]:
            self.assertEqual(m.encode(value), json.dumps(value))

    def test_keys(self):
        m = self.b.Marshaller()
        self.assertEqual(m.encode({True: 1, None: 2, 1.5: 3, b"b": 4}), '{"true": 1, "null": 2, "1.5": 3, "b": 4}')
        with self.assertRaises(TypeError) as cm:
            m.encode({(1,): 1})
        self.assertEqual(str(cm.exception), "keys must be str, int, float, bool or None, not tuple")

    def test_circular(self):
        a = []
        a.append(a)
        with self.assertRaises(ValueError) as cm:
            self.b.Marshaller().encode(a)
        self.assertEqual(str(cm.exception), "Circular reference detected")

    def test_subclasses(self):
        import enum

        class Color(enum.IntEnum):
            RED = 1

        class S(str):
            pass

        class D(dict):
            pass

        P = collections.namedtuple("P", "a")
        m = self.b.Marshaller()
        self.assertEqual(m.encode([Color.RED, S("s"), D(x=1), P(1), decimal.Decimal("-0.0")]),
                         '[1, "s", {"x": 1}, {"a": 1}, -0.0]')

    def test_unmarshal(self):
        m = self.b.Marshaller()
        self.assertEqual(m.unmarshal_request(b'{"a": 1}', "application/json"), {"a": 1})
        self.assertEqual(m.unmarshal_request(b'{"a": 1}', None), {"a": 1})
        self.assertEqual(m.unmarshal_request(b"raw", "text/plain"), b"raw")


if __name__ == "__main__":
    unittest.main()
