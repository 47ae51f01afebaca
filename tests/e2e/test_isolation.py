#!/usr/bin/env python3
"""Functions cannot reach each other, the data directory or the bootstraps,
and their processes never outlive the server (issue 17, sections 1 and 2).

Each test runs python, node (when on PATH) and provided.* functions in a
server started with --sandbox on (skipped, with the reason, where bwrap
cannot create namespaces), and the process-lifetime tests also with
--sandbox off.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_isolation.py -v
"""

import hashlib
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import unittest
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import ROLE, Server, make_zip  # noqa: E402

HAVE_NODE = shutil.which("node") is not None


def bwrap_works():
    """(True, "") when bubblewrap can build the sandbox here, else (False, why)."""
    if shutil.which("bwrap") is None:
        return False, "bwrap is not installed"
    p = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--dev", "/dev", "--proc", "/proc",
                        "--tmpfs", "/tmp", "true"], capture_output=True, text=True)
    return p.returncode == 0, p.stderr.strip()


BWRAP_OK, BWRAP_WHY = bwrap_works()

# What a probing handler does, by event["op"]; shared by the python
# handler and the provided runtime's python bootstrap.
PROBE_PY = r'''
import json, os, socket

def peers():
    """Runtime API addresses of other environments, from /proc/*/environ."""
    mine = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        for kv in env:
            if kv.startswith(b"AWS_LAMBDA_RUNTIME_API="):
                v = kv.split(b"=", 1)[1].decode()
                if v != mine and v not in found:
                    found.append(v)
    return found

def steal(addr):
    """GET next on another environment's Runtime API: what came back."""
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=2)
    s.settimeout(1.5)
    s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        return s.recv(65536).decode("utf-8", "replace") or "closed"
    except socket.timeout:
        return "held"
    except ConnectionResetError:
        return "closed"
    finally:
        s.close()

def probe(event):
    op = event["op"]
    out = {"mark": MARK, "cwd": os.getcwd()}
    if op == "peers":
        out["peers"] = peers()
        out["stolen"] = [steal(a) for a in out["peers"][:4]]
        out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    elif op == "steal":
        out["stolen"] = [steal(a) for a in event["addrs"]]
    elif op == "write":
        res = {}
        for path in event["paths"]:
            try:
                with open(path, "a") as f:
                    f.write("\n# tampered\n")
                res[path] = "written"
            except OSError as e:
                res[path] = "refused: %s" % (e.strerror or e)
        out["res"] = res
    elif op == "tmp_put":
        with open("/tmp/" + event["name"], "w") as f:
            f.write("secret")
    elif op == "tmp_get":
        out["exists"] = os.path.exists("/tmp/" + event["name"])
    elif op == "exists":
        out["exists"] = [p for p in event["paths"] if os.path.exists(p)]
    elif op == "ddb":
        import boto3
        boto3.client("dynamodb").put_item(TableName=event["table"], Item={"pk": {"S": event["key"]}})
    elif op == "daemon":
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    os.chdir("/")
                    fd = os.open("/dev/null", os.O_RDWR)
                    for i in (0, 1, 2):
                        os.dup2(fd, i)
                    os.execvp("sleep", ["sleep", event["tag"]])
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    return out
'''

PY_HANDLER = "MARK = 'original'\n" + PROBE_PY + "\ndef handler(event, context):\n    return probe(event)\n"

# A provided.* runtime: its own bootstrap, speaking the Runtime API with
# the standard library only.
PROVIDED_BOOTSTRAP = r'''#!/usr/bin/env python3
import json, os, urllib.request
MARK = "original"
''' + PROBE_PY + r'''
API = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]
while True:
    with urllib.request.urlopen(API + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    body = json.dumps(probe(event)).encode()
    urllib.request.urlopen(urllib.request.Request(API + "/invocation/%s/response" % rid, data=body,
                                                  method="POST")).read()
'''

NODE_HANDLER = r'''
const fs = require('fs');
const net = require('net');
const MARK = 'original';
function peers() {
  const mine = process.env.AWS_LAMBDA_RUNTIME_API;
  const found = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let env;
    try { env = fs.readFileSync('/proc/' + p + '/environ', 'latin1').split('\0'); } catch (e) { continue; }
    for (const kv of env) {
      if (kv.startsWith('AWS_LAMBDA_RUNTIME_API=')) {
        const v = kv.slice(23);
        if (v !== mine && !found.includes(v)) found.push(v);
      }
    }
  }
  return found;
}
function steal(addr) {
  return new Promise((resolve) => {
    const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), +addr.slice(addr.lastIndexOf(':') + 1)];
    const s = net.connect(port, host);
    let got = '';
    const t = setTimeout(() => { s.destroy(); resolve(got || 'held'); }, 1500);
    s.on('connect', () => s.write('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('data', (d) => { got += d; });
    s.on('error', (e) => { clearTimeout(t); resolve('error: ' + e.code); });
    s.on('close', () => { clearTimeout(t); resolve(got || 'closed'); });
  });
}
exports.handler = async (event) => {
  const out = { mark: MARK, cwd: process.cwd() };
  if (event.op === 'peers') {
    out.peers = peers();
    out.stolen = [];
    for (const a of out.peers.slice(0, 4)) out.stolen.push(await steal(a));
    out.pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number);
  } else if (event.op === 'write') {
    out.res = {};
    for (const p of event.paths) {
      try { fs.appendFileSync(p, '\n// tampered\n'); out.res[p] = 'written'; } catch (e) { out.res[p] = 'refused: ' + e.code; }
    }
  } else if (event.op === 'tmp_put') {
    fs.writeFileSync('/tmp/' + event.name, 'secret');
  } else if (event.op === 'tmp_get') {
    out.exists = fs.existsSync('/tmp/' + event.name);
  }
  return out;
};
'''


def exec_zip(files):
    """A zip whose entries are executable (mode 0755)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o100755 << 16
            zf.writestr(info, content)
    return buf.getvalue()


# runtime label -> (Runtime, zip bytes, the code file a handler may try to rewrite)
RUNTIMES = {
    "python": ("python3.12", make_zip({"index.py": PY_HANDLER}), "index.py"),
    "node": ("nodejs20.x", make_zip({"index.js": NODE_HANDLER}), "index.js"),
    "provided": ("provided.al2023", exec_zip({"bootstrap": PROVIDED_BOOTSTRAP}), "bootstrap"),
}


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def find_sleeper(tag):
    """Host pids of processes whose command line is `sleep TAG`."""
    want = b"sleep\0" + tag.encode() + b"\0"
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                if f.read() == want:
                    pids.append(int(p))
        except OSError:
            pass
    return pids


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


class Case(unittest.TestCase):
    MODE = "on"

    def server(self, **kw):
        srv = Server(extra_args=("--sandbox", self.MODE), **kw)
        self.addCleanup(srv.cleanup)
        srv.start()
        self.addCleanup(lambda: srv.alive() and srv.stop())
        return srv

    def fn(self, srv, name, label):
        runtime, zip_bytes, _ = RUNTIMES[label]
        lam = srv.client()
        lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": zip_bytes}, Timeout=20)
        deadline = time.monotonic() + 10
        while lam.get_function_configuration(FunctionName=name).get("State") != "Active":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)

    def call(self, srv, name, event):
        r = srv.client().invoke(FunctionName=name, Payload=json.dumps(event))
        body = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, body)
        return body

    def labels(self):
        out = ["python", "provided"]
        if HAVE_NODE:
            out.append("node")
        return out


@unittest.skipUnless(BWRAP_OK, "bubblewrap cannot build a sandbox here: %s" % BWRAP_WHY)
class SandboxIsolationTest(Case):
    """--sandbox on: one function cannot reach another, the code, the data
    directory or the bootstraps; the handler's SDK calls still work."""

    def test_no_view_of_other_environments(self):
        srv = self.server()
        self.fn(srv, "victim", "python")
        self.call(srv, "victim", {"op": "tmp_get", "name": "x"})   # now warm, waiting on next
        for label in self.labels():
            with self.subTest(runtime=label):
                self.fn(srv, "thief-" + label, label)
                out = self.call(srv, "thief-" + label, {"op": "peers"})
                self.assertEqual(out["peers"], [], out)
                self.assertEqual(out["stolen"], [], out)
                # its own PID namespace: the sandbox's init and the runtime
                # (and, for a shell, little else)
                self.assertLessEqual(len(out["pids"]), 4, out["pids"])
        # the victim still gets its own events
        self.assertEqual(self.call(srv, "victim", {"op": "tmp_get", "name": "y"})["exists"], False)

    def test_code_is_read_only_and_shared_code_stays_original(self):
        srv = self.server(in_memory=False)
        for label in self.labels():
            with self.subTest(runtime=label):
                _, _, code_file = RUNTIMES[label]
                self.fn(srv, "a-" + label, label)
                out = self.call(srv, "a-" + label, {"op": "write", "paths": [code_file]})
                self.assertTrue(out["res"][code_file].startswith("refused"), out)
                with zipfile.ZipFile(io.BytesIO(RUNTIMES[label][1])) as zf:
                    original = zf.read(code_file)
                with open(os.path.join(out["cwd"], code_file), "rb") as f:
                    self.assertEqual(f.read(), original)
                # another function from the same zip runs the original code
                self.fn(srv, "b-" + label, label)
                self.assertEqual(self.call(srv, "b-" + label, {"op": "tmp_get", "name": "z"})["mark"], "original")

    def test_data_dir_and_bootstraps_are_out_of_reach(self):
        srv = self.server(in_memory=False)
        boot_py = os.path.join(srv.data_dir, "runtime", "bootstrap.py")
        boot_js = os.path.join(srv.data_dir, "runtime", "bootstrap.js")
        db = os.path.join(srv.data_dir, "sluice.db")
        evil = os.path.join(srv.data_dir, "evil.txt")
        self.fn(srv, "w", "python")
        self.call(srv, "w", {"op": "tmp_get", "name": "warm"})   # the bootstraps are written
        before = {p: sha(p) for p in (boot_py, boot_js)}
        out = self.call(srv, "w", {"op": "write", "paths": [boot_py, boot_js, db, evil]})
        self.assertTrue(out["res"][boot_py].startswith("refused"), out)
        self.assertTrue(out["res"][boot_js].startswith("refused"), out)
        self.assertEqual({p: sha(p) for p in (boot_py, boot_js)}, before)
        self.assertFalse(os.path.exists(evil), "a function wrote into the data directory")
        with open(db, "rb") as f:
            self.assertNotIn(b"\n# tampered\n", f.read())
        # the next cold start of an unrelated function runs the real bootstrap
        self.fn(srv, "next", "python")
        self.assertEqual(self.call(srv, "next", {"op": "tmp_get", "name": "q"})["mark"], "original")
        # a function's own PATH does not choose what its sandbox binds
        runtime, zip_bytes, _ = RUNTIMES["python"]
        lam = srv.client()
        lam.create_function(FunctionName="path", Runtime=runtime, Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": zip_bytes},
                            Environment={"Variables": {"PATH": "%s/bin:%s:/usr/bin:/bin" % (srv.data_dir,
                                                                                           srv.data_dir)}})
        deadline = time.monotonic() + 10
        while lam.get_function_configuration(FunctionName="path").get("State") != "Active":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(self.call(srv, "path", {"op": "exists", "paths": [db, evil, boot_py + "x"]})["exists"], [])

    def test_tmp_is_private(self):
        srv = self.server()
        name = "sluice-isolation-%s" % uuid.uuid4().hex
        for label in self.labels():
            with self.subTest(runtime=label):
                self.fn(srv, "put-" + label, label)
                self.fn(srv, "get-" + label, label)
                self.call(srv, "put-" + label, {"op": "tmp_put", "name": name})
                # the environment keeps its own file ...
                got = self.call(srv, "put-" + label, {"op": "tmp_get", "name": name})
                self.assertTrue(got["exists"], got)
                # ... which no other environment, nor the machine, sees
                self.assertFalse(self.call(srv, "get-" + label, {"op": "tmp_get", "name": name})["exists"])
                self.assertFalse(os.path.exists("/tmp/" + name))

    def test_sdk_calls_back_to_sluice_work(self):
        srv = self.server()
        ddb = srv.client("dynamodb")
        ddb.create_table(TableName="tbl", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        self.fn(srv, "sdk", "python")
        self.call(srv, "sdk", {"op": "ddb", "table": "tbl", "key": "from-the-sandbox"})
        item = ddb.get_item(TableName="tbl", Key={"pk": {"S": "from-the-sandbox"}})
        self.assertEqual(item.get("Item"), {"pk": {"S": "from-the-sandbox"}})


def runtime_api_of(function_name):
    """AWS_LAMBDA_RUNTIME_API of FUNCTION_NAME's environment, read by this
    (host) process from /proc, as a process outside every sandbox could."""
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        except OSError:
            continue
        if env.get(b"AWS_LAMBDA_FUNCTION_NAME") == function_name.encode() and b"AWS_LAMBDA_RUNTIME_API" in env:
            return env[b"AWS_LAMBDA_RUNTIME_API"].decode()
    return None


class RuntimeApiPeersOn(Case):
    """An environment's Runtime API serves only its own processes: another
    function that found its port (by a scan, say: the network is shared),
    or any local process, is closed on at once instead of getting its
    events (issue 17, section 1)."""

    def test_only_the_environment_reaches_its_runtime_api(self):
        if self.MODE == "on" and not BWRAP_OK:
            self.skipTest("bubblewrap cannot build a sandbox here: %s" % BWRAP_WHY)
        srv = self.server()
        self.fn(srv, "victim", "python")
        self.call(srv, "victim", {"op": "tmp_get", "name": "x"})   # warm, waiting on next
        addr = runtime_api_of("victim")
        self.assertIsNotNone(addr, "the victim's Runtime API address")
        self.fn(srv, "thief", "python")
        out = self.call(srv, "thief", {"op": "steal", "addrs": [addr]})
        self.assertEqual(out["stolen"], ["closed"], out)
        # from outside every environment too
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=5)
        s.settimeout(3)
        s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            got = s.recv(4096)
        except ConnectionResetError:
            got = b""
        s.close()
        self.assertEqual(got, b"")
        # the victim still gets its own events
        self.assertEqual(self.call(srv, "victim", {"op": "tmp_get", "name": "y"})["exists"], False)


class RuntimeApiPeersOff(RuntimeApiPeersOn):
    MODE = "off"


class DaemonLifetimeOff(Case):
    """A handler's child that calls setsid(), forks and chdir("/") ends with
    the server: at SIGTERM, and after a kill -9 at the next start."""

    MODE = "off"

    def daemon(self, srv):
        tag = "%d.%06d" % (9000 + random.randrange(900), random.randrange(10 ** 6))
        self.fn(srv, "d", "python")
        self.call(srv, "d", {"op": "daemon", "tag": tag})
        deadline = time.monotonic() + 5
        while not find_sleeper(tag):
            self.assertLess(time.monotonic(), deadline, "the handler's daemon never started")
            time.sleep(0.05)
        pids = find_sleeper(tag)
        self.addCleanup(lambda: [os.kill(p, 9) for p in find_sleeper(tag)])
        return pids

    def wait_gone(self, pids, timeout, what):
        deadline = time.monotonic() + timeout
        while any(alive(p) for p in pids):
            self.assertLess(time.monotonic(), deadline, "%s: %r still running" % (what, pids))
            time.sleep(0.05)

    def test_daemon_ends_at_sigterm(self):
        srv = self.server()
        pids = self.daemon(srv)
        srv.stop()
        self.wait_gone(pids, 3.0, "the handler's daemon outlived a SIGTERMed server")

    def test_daemon_ends_at_restart_after_kill9(self):
        srv = self.server(in_memory=False)
        pids = self.daemon(srv)
        srv.kill()
        srv.start()
        self.wait_gone(pids, 5.0, "the handler's daemon outlived a kill -9 and a restart")


@unittest.skipUnless(BWRAP_OK, "bubblewrap cannot build a sandbox here: %s" % BWRAP_WHY)
class DaemonLifetimeOn(DaemonLifetimeOff):
    MODE = "on"


class SandboxFlagTest(unittest.TestCase):
    def test_bad_mode_is_refused(self):
        p = subprocess.run([harness.sluice_bin(), "--sandbox", "maybe", "--in-memory", "--port", "0"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--sandbox must be auto, on or off, got 'maybe'", p.stderr)

    def test_without_bwrap_auto_warns_and_on_refuses(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env["PATH"] = "/nonexistent"    # no bwrap to be found
        p = subprocess.run([harness.sluice_bin(), "--sandbox", "on", "--in-memory", "--port", "0"],
                           capture_output=True, text=True, timeout=10, env=env)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("function sandbox unavailable (bwrap is not installed", p.stderr)
        srv = Server(extra_args=("--sandbox", "auto", "--log-level", "warn"), env={"PATH": "/nonexistent"})
        self.addCleanup(srv.cleanup)
        srv.start()
        deadline = time.monotonic() + 5
        while True:
            with open(srv.log_path) as f:
                log = f.read()
            if "function sandbox unavailable" in log:
                break
            self.assertLess(time.monotonic(), deadline, log)
            time.sleep(0.05)
        self.assertEqual(log.count("function sandbox unavailable"), 1, log)
        self.assertIn("functions run as plain processes", log)
        self.assertEqual(srv.health().status, 200)
        srv.stop()


if __name__ == "__main__":
    harness.main()
