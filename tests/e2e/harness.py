"""End-to-end test harness for sluice.

Starts the real binary (env SLUICE_BIN, default <repo>/build/sluice) on a
free port with --ready-file, and gives tests:

  * Server: start()/stop()/kill(), endpoint, boto3 client factory, aws CLI
    runner, raw HTTP helpers, reset() and health();
  * make_zip()/handler_zip(): code zips built in memory;
  * SluiceTestCase: a unittest.TestCase with one server per class and
    assertion helpers for AWS errors.

If boto3 cannot be imported the importing test program exits with 77, which
meson reports as SKIP.
"""

import base64
import hashlib
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

try:
    import boto3
    import botocore
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("boto3/botocore not importable: skipping e2e tests\n")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Never talk to a real AWS endpoint, instance metadata or a proxy.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ.pop("AWS_PROFILE", None)
for _k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_k, None)
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"

READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
DEFAULT_ACCOUNT = "000000000000"

DEFAULT_HANDLER = """\
import json

def handler(event, context):
    return {"ok": True, "event": event}
"""


def sluice_bin():
    path = os.environ.get("SLUICE_BIN") or os.path.join(REPO, "build", "sluice")
    return os.path.abspath(path)


def make_zip(files):
    """Returns the bytes of a zip holding FILES ({name: str|bytes})."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            if isinstance(content, str):
                content = content.encode()
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buf.getvalue()


def handler_zip(code=DEFAULT_HANDLER, name="index.py", extra=None):
    """A zip with one python handler module (index.handler by default)."""
    files = {name: code}
    if extra:
        files.update(extra)
    return make_zip(files)


def code_sha256(data):
    """CodeSha256 as AWS computes it: base64 of the SHA-256 of the zip."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class Response:
    """A raw HTTP response: status, headers (case-insensitive get) and body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name, default=None):
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return default

    def json(self):
        return json.loads(self.body.decode() if self.body else "null")

    def __repr__(self):
        return "<Response %s %r %r>" % (self.status, self.headers, self.body[:500])


class Server:
    """One sluice process.

    data_dir=None and in_memory=True: --in-memory. data_dir=<path>: that
    directory (kept across restarts). data_dir=None and in_memory=False: a
    fresh temporary data directory.
    """

    def __init__(self, data_dir=None, in_memory=True, extra_args=(), env=None):
        self.tmp = tempfile.mkdtemp(prefix="sluice-e2e-")
        self.in_memory = in_memory and data_dir is None
        if data_dir is None and not in_memory:
            data_dir = os.path.join(self.tmp, "data")
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.endpoint = None
        self.host = None
        self.port = None
        self.log_path = None
        self._starts = 0

    # -- process control -------------------------------------------------
    def start(self):
        binary = sluice_bin()
        if not os.access(binary, os.X_OK):
            raise RuntimeError("sluice binary not found at %s (set SLUICE_BIN or build it)" % binary)
        self._starts += 1
        ready = os.path.join(self.tmp, "ready-%d" % self._starts)
        self.log_path = os.path.join(self.tmp, "server-%d.log" % self._starts)
        args = [binary, "--host", "127.0.0.1", "--port", "0", "--ready-file", ready,
                "--log-level", os.environ.get("SLUICE_E2E_LOG_LEVEL", "warn")]
        if self.in_memory:
            args.append("--in-memory")
        else:
            args += ["--data-dir", self.data_dir]
        # Functions run as plain processes unless a test asks for the
        # sandbox (--sandbox on in extra_args, which come after): many
        # tests exchange files with their handlers through the host's /tmp
        # or look at a handler's pid, which the sandbox hides by design
        # (README, "Known differences"). SLUICE_E2E_SANDBOX=auto runs a
        # program with the server's own default instead.
        args += ["--sandbox", os.environ.get("SLUICE_E2E_SANDBOX", "off")]
        args += self.extra_args
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        if self.env:
            env.update(self.env)
        self._log = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env, cwd=self.tmp)
        deadline = t0 + READY_TIMEOUT
        while True:
            if os.path.exists(ready):
                with open(ready) as f:
                    text = f.read()
                if text.endswith("\n"):
                    break
            if self.proc.poll() is not None:
                raise RuntimeError("sluice exited with %s before ready:\n%s"
                                   % (self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("sluice not ready within %.0f s:\n%s" % (READY_TIMEOUT, self.log_tail()))
            time.sleep(0.01)
        self.ready_text = text
        hostport = text.strip()
        host, _, port = hostport.rpartition(":")
        self.host, self.port = host, int(port)
        self.endpoint = "http://%s:%d" % (host, self.port)
        return self

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode(errors="replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends SIG and asserts that the process exits 0 within TIMEOUT."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is not None:
            self._log.close()
            raise AssertionError("sluice had already exited with %s:\n%s"
                                 % (proc.returncode, self.log_tail()))
        proc.send_signal(sig)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self._log.close()
            raise AssertionError("sluice did not exit within %.0f s of signal %d:\n%s"
                                 % (timeout, sig, self.log_tail()))
        self._log.close()
        if rc != 0:
            raise AssertionError("sluice exited with %s after signal %d:\n%s"
                                 % (rc, sig, self.log_tail()))
        self.check_log()

    SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                         "runtime error:", "ThreadSanitizer")

    def check_log(self):
        """Raises if the server log holds a sanitizer report (even a non-fatal one)."""
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
        except OSError:
            return
        for marker in self.SANITIZER_MARKERS:
            i = text.find(marker)
            if i >= 0:
                raise AssertionError("sanitizer report in the sluice log:\n%s" % text[max(0, i - 200):i + 4000])

    def kill(self):
        """kill -9: no chance to clean up."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()
        self._log.close()
        self.check_log()

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        """Kills a still-running server and removes the temporary directory
        (kept when SLUICE_E2E_KEEP=1, for post-mortems)."""
        if self.proc is not None:
            proc, self.proc = self.proc, None
            proc.kill()
            proc.wait()
            self._log.close()
        if os.environ.get("SLUICE_E2E_KEEP") == "1":
            sys.stderr.write("kept %s\n" % self.tmp)
            return
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- clients -----------------------------------------------------------
    def client(self, service="lambda", region="us-east-1", access_key="test", secret_key="test",
               **config):
        # total_max_attempts 1: exactly one HTTP request per call. (botocore's
        # "max_attempts" counts retries, so 1 there meant a second request
        # after every throttle or 5xx.)
        cfg = dict(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                   read_timeout=60)
        cfg.update(config)
        return boto3.session.Session().client(
            service, region_name=region, endpoint_url=self.endpoint,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(**cfg))

    def cli(self, *args, region="us-east-1", access_key="test", secret_key="test", timeout=60,
            input=None):
        """Runs `aws <args> --endpoint-url … --output json`.

        Returns the CompletedProcess with .json set to the parsed stdout (or None).
        """
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": os.path.join(self.tmp, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.tmp, "no-aws-credentials"),
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        cmd = ["aws"] + list(args) + ["--endpoint-url", self.endpoint, "--output", "json"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                           input=input, cwd=self.tmp)
        try:
            p.json = json.loads(p.stdout) if p.stdout.strip() else None
        except ValueError:
            p.json = None
        return p

    def request(self, method, path, body=None, headers=None, timeout=30):
        """One raw HTTP request over a fresh connection; returns a Response."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            elif isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, r.getheaders(), data)
        finally:
            conn.close()

    def raw(self, data, timeout=10, shutdown_write=False, read=True):
        """Sends DATA bytes over a raw socket; returns what the server answered."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            s.sendall(data)
            if shutdown_write:
                s.shutdown(socket.SHUT_WR)
            if not read:
                return b""
            chunks = []
            while True:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    break
                if not c:
                    break
                chunks.append(c)
                if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                    break
            return b"".join(chunks)
        finally:
            s.close()

    def health(self):
        r = self.request("GET", "/_sluice/health", timeout=10)
        return r

    def reset(self):
        r = self.request("POST", "/_sluice/reset", timeout=30)
        if r.status != 200:
            raise AssertionError("reset failed: %r" % (r,))
        return r


def _complete(data):
    """True when DATA holds a whole HTTP response (by Content-Length)."""
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            try:
                return len(body) >= int(v.strip())
            except ValueError:
                return True
    return False


def parse_status(raw_response):
    """The status code of a raw HTTP response, or None."""
    line = raw_response.split(b"\r\n", 1)[0]
    parts = line.split()
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


class SluiceTestCase(unittest.TestCase):
    """One server per class (setUpClass); state reset before each test."""

    server_kwargs = {}
    reset_between_tests = True
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(**cls.server_kwargs)
        try:
            cls.server.start()
        except Exception:
            cls.server.cleanup()
            raise
        cls.endpoint = cls.server.endpoint
        cls.lam = cls.server.client("lambda")

    @classmethod
    def tearDownClass(cls):
        srv = cls.server
        try:
            srv.stop()
        finally:
            srv.cleanup()

    def setUp(self):
        if not self.server.alive():
            self.fail("sluice is not running (crashed in an earlier test?):\n" + self.server.log_tail())
        if self.reset_between_tests:
            self.server.reset()

    # -- helpers -----------------------------------------------------------
    def create_function(self, name="fn", client=None, zip_bytes=None, wait=True, **kw):
        client = client or self.lam
        params = dict(FunctionName=name, Runtime="python3.12", Role=ROLE,
                      Handler="index.handler", Code={"ZipFile": zip_bytes or handler_zip()})
        params.update(kw)
        resp = client.create_function(**params)
        if wait:
            self.wait_active(name, client=client)
        return resp

    def wait_active(self, name, client=None, timeout=5.0):
        client = client or self.lam
        deadline = time.monotonic() + timeout
        while True:
            cfg = client.get_function_configuration(FunctionName=name)
            if cfg.get("State") == "Active" and cfg.get("LastUpdateStatus") in (None, "Successful"):
                return cfg
            if time.monotonic() > deadline:
                self.fail("function %s not Active/Successful within %.0f s: %r" % (name, timeout, cfg))
            time.sleep(0.05)

    def assertAwsError(self, fn, code, status, message=None, message_re=None, **kwargs):
        """Calls FN(**kwargs) and asserts a ClientError with CODE, STATUS, MESSAGE."""
        with self.assertRaises(ClientError, msg="expected %s (%s)" % (code, status)) as cm:
            fn(**kwargs)
        resp = cm.exception.response
        got = (resp["Error"].get("Code"), resp["ResponseMetadata"].get("HTTPStatusCode"),
               resp["Error"].get("Message"))
        self.assertEqual(got[0], code, "error code; full error: %r" % (got,))
        self.assertEqual(got[1], status, "HTTP status; full error: %r" % (got,))
        if message is not None:
            self.assertEqual(got[2], message, "error message")
        if message_re is not None:
            self.assertRegex(got[2] or "", message_re, "error message")
        self.assertTrue(resp["ResponseMetadata"].get("RequestId"), "x-amzn-RequestId missing")
        return cm.exception

    def assertStatus(self, resp, status):
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], status)


def main():
    unittest.main(verbosity=int(os.environ.get("SLUICE_E2E_VERBOSITY", "2")))
