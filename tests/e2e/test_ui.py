#!/usr/bin/env python3
"""The dashboard in a real browser (issue 18): sluice on port 0, the page
/_sluice/ui loaded in headless Chromium (Debian's `chromium`, driven by
playwright-core from tests/ui/node_modules through tests/ui/drive.mjs),
watching the alias-vs-$LATEST story: a mapping on the unqualified function
is throttled while the alias's provisioned environments idle, then drains
once it is moved to the alias. The figures the page shows must agree with
GET /_sluice/metrics and the delivery audit; the page must log no console
error; a screenshot of each state is written to $SLUICE_UI_SCREENSHOTS
(meson: build/ui-screenshots; else a temporary folder, printed).

SKIPs (exit 77) when node, tests/ui/node_modules (scripts/deps test) or a
Chromium is missing, unless SLUICE_REQUIRE_BROWSER=1 (CI), which fails.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import REPO, SluiceTestCase, handler_zip  # noqa: E402

UI_DIR = os.path.join(REPO, "tests", "ui")
CHROMIUM = os.environ.get("SLUICE_CHROMIUM", "/usr/bin/chromium")
# The handler's work: long enough that 2 provisioned environments are
# busy, short enough that the backlog drains in seconds (as in the demo).
HANDLER = "import time\n\ndef handler(event, context):\n    time.sleep(0.2)\n    return {}\n"
WRITES = 60
BATCH_SIZE = 10
WAIT_S = 60.0


def browser_missing():
    """Why no browser can be had, or None."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not os.path.isfile(os.path.join(UI_DIR, "node_modules", "playwright-core", "package.json")):
        return "tests/ui/node_modules/playwright-core is missing (run scripts/deps test, or npm ci in tests/ui)"
    if not os.access(CHROMIUM, os.X_OK):
        return "no Chromium at %s (apt-get install chromium, or set SLUICE_CHROMIUM)" % CHROMIUM
    return None


class Browser:
    """tests/ui/drive.mjs: one page, one JSON command per line."""

    def __init__(self):
        env = dict(os.environ, SLUICE_CHROMIUM=CHROMIUM)
        self.proc = subprocess.Popen(["node", os.path.join(UI_DIR, "drive.mjs")], cwd=UI_DIR, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def do(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("the browser driver exited (%s)" % self.proc.wait(10))
        r = json.loads(line)
        if not r.get("ok"):
            raise AssertionError("browser: %s failed: %s (errors: %s)" % (cmd.get("cmd"), r.get("error"), r["errors"]))
        return r

    def close(self):
        try:
            self.do(cmd="quit")
        except (AssertionError, OSError, ValueError):
            pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def num(text):
    return float(text.split()[0])


class DashboardTest(SluiceTestCase):
    reset_between_tests = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shots = os.environ.get("SLUICE_UI_SCREENSHOTS") or tempfile.mkdtemp(prefix="sluice-ui-")
        os.makedirs(cls.shots, exist_ok=True)
        print("screenshots in %s" % cls.shots, file=sys.stderr)
        cls.browser = Browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        super().tearDownClass()

    def admin(self, path):
        r = self.server.request("GET", path)
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()

    def metrics(self, qualifier=None):
        q = {"function": "f"}
        if qualifier:
            q["qualifier"] = qualifier
        return self.admin("/_sluice/metrics?" + urllib.parse.urlencode(q))["metrics"]

    def audit(self):
        return self.admin("/_sluice/streams/audit?" + urllib.parse.urlencode({"stream_arn": self.stream}))

    def wait(self, what, cond):
        deadline = time.monotonic() + WAIT_S
        while True:
            v = cond()
            if v:
                return v
            if time.monotonic() > deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.2)

    def fresh(self):
        """Figures from a poll that started after this call."""
        n = self.browser.do(cmd="snapshot")["figures"]["polls"]
        self.browser.do(cmd="wait", expr="Number(document.body.dataset.polls || 0) >= %d" % (n + 2))

    def shot(self, name, full=True):
        r = self.browser.do(cmd="snapshot", path=os.path.join(self.shots, name + ".png"), full=full)
        self.assertEqual(r["errors"], [], "the page logged errors")
        return r["figures"]

    def build(self):
        ddb = self.server.client("dynamodb")
        t = ddb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.stream = t["TableDescription"]["LatestStreamArn"]
        self.create_function("f", zip_bytes=handler_zip(HANDLER), Timeout=30)
        v = self.lam.publish_version(FunctionName="f")["Version"]
        self.lam.create_alias(FunctionName="f", Name="live", FunctionVersion=v)
        self.lam.put_function_concurrency(FunctionName="f", ReservedConcurrentExecutions=2)
        self.lam.put_provisioned_concurrency_config(FunctionName="f", Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)
        self.wait("provisioned concurrency READY", lambda: self.lam.get_provisioned_concurrency_config(
            FunctionName="f", Qualifier="live")["Status"] == "READY")
        for i in range(WRITES):
            ddb.put_item(TableName="orders", Item={"pk": {"S": "order-%03d" % i}})

    def row(self, fig, qualifier):
        for r in fig["functions"]:
            if r["fn"] == "f" and r["qualifier"] == qualifier:
                return r["cells"]
        self.fail("no row f:%s on the page: %s" % (qualifier, fig["functions"]))

    def mapping(self, fig, uuid):
        for m in fig["mappings"]:
            if m["uuid"] == uuid:
                return m["fields"]
        self.fail("mapping %s not on the page" % uuid)

    def test_dashboard(self):
        b = self.browser
        b.do(cmd="open", url=self.endpoint + "/_sluice/ui")
        b.do(cmd="wait", expr="Number(document.body.dataset.polls || 0) >= 1")
        empty = self.shot("0-empty", full=False)
        self.assertEqual(empty["mappings"], [])
        self.assertEqual(empty["charts"], 6)

        # 1. A mapping on the unqualified function: $LATEST has no
        # on-demand room (reserved 2 - provisioned 2), so it is throttled.
        self.build()
        uuid = self.lam.create_event_source_mapping(EventSourceArn=self.stream, FunctionName="f",
                                                    StartingPosition="TRIM_HORIZON", BatchSize=BATCH_SIZE)["UUID"]
        b.do(cmd="wait", timeout_ms=int(WAIT_S * 1000), expr=(
            "[...document.querySelectorAll('#mappings [data-uuid=\"%s\"] [data-field=\"throttles\"]')]"
            ".some(e => Number(e.textContent) >= 3)" % uuid))
        before_m, before_a = self.metrics(), self.audit()
        self.fresh()
        fig = self.shot("1-throttled-on-latest")
        after_m, after_a = self.metrics(), self.audit()
        m = self.mapping(fig, uuid)
        self.assertEqual(m["target"], "f:$LATEST")
        self.assertEqual(m["State"], "Enabled")
        self.assertGreaterEqual(int(m["throttles"]), 3)
        self.assertGreater(int(m["lag"]), 0)
        f = self.row(fig, "")
        # Counters only grow: what the page showed lies between the
        # metrics read just before its poll and just after.
        for name in ("Throttles", "Invocations"):
            self.assertLessEqual(before_m[name], num(f[name]), name)
            self.assertLessEqual(num(f[name]), after_m[name], name)
        self.assertGreater(num(f["Throttles"]), 0)
        self.assertEqual(num(self.row(fig, "live")["ProvisionedConcurrencyInvocations"]), 0)
        st = fig["streams"][0]
        self.assertEqual(int(st["fields"]["records"]), WRITES)
        self.assertLessEqual(before_a["by_mapping"].get(uuid, {}).get("delivered", 0),
                             int(st["by_mapping"][uuid]["delivered"]))
        self.assertLessEqual(int(st["by_mapping"][uuid]["pending"]), before_a["by_mapping"][uuid]["pending"]
                             if uuid in before_a["by_mapping"] else WRITES)
        self.assertGreaterEqual(int(st["by_mapping"][uuid]["pending"]), after_a["by_mapping"][uuid]["pending"])

        # 2. Moved to the alias: the provisioned environments drain it.
        self.lam.update_event_source_mapping(UUID=uuid, FunctionName="f:live")
        self.wait("the backlog to drain", lambda: (lambda a: a["pending"] == 0 and a["records"] == WRITES
                                                   and a["delivered_once"] == WRITES)(self.audit()))
        b.do(cmd="wait", timeout_ms=int(WAIT_S * 1000), expr=(
            "(() => { const c = document.querySelector('#mappings [data-uuid=\"%s\"]');"
            " return c && c.querySelector('[data-field=\"target\"]').textContent === 'f:live'"
            " && c.querySelector('[data-field=\"lag\"]').textContent === '0'"
            " && c.querySelector('[data-field=\"State\"]').textContent === 'Enabled'; })()" % uuid))
        time.sleep(1.5)   # the metrics of the last batches are flushed every second
        self.fresh()
        fig = self.shot("2-drained-on-alias")
        fm, lm, a = self.metrics(), self.metrics("live"), self.audit()
        f, live = self.row(fig, ""), self.row(fig, "live")
        for name in ("Throttles", "Invocations"):
            self.assertEqual(num(f[name]), fm[name], name)
        self.assertEqual(num(live["ProvisionedConcurrencyInvocations"]), lm["ProvisionedConcurrencyInvocations"])
        self.assertGreater(lm["ProvisionedConcurrencyInvocations"], 0)
        self.assertEqual(num(live["ProvisionedConcurrencySpilloverInvocations"]),
                         lm["ProvisionedConcurrencySpilloverInvocations"])
        st = fig["streams"][0]
        for k in ("records", "delivered_once", "duplicates", "never_delivered", "pending"):
            self.assertEqual(int(st["fields"][k]), a[k], k)
        self.assertEqual(int(st["by_mapping"][uuid]["delivered"]), a["by_mapping"][uuid]["delivered"])
        self.assertEqual(a["duplicates"], 0)
        m = self.mapping(fig, uuid)
        self.assertEqual(m["target"], "f:live")
        self.assertEqual(int(m["lag"]), 0)
        self.assertEqual(int(m["records"]), WRITES)

        # Recent invocations link to their log stream, which holds them.
        self.assertGreater(len(fig["invocations"]), 0)
        inv = fig["invocations"][0]
        r = self.server.request("GET", inv["href"])
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertIn(("REPORT RequestId: " + inv["request_id"]).encode(), r.body)

        # The same state in the dark theme, and the clock control.
        b.do(cmd="theme", theme="dark")
        self.shot("3-drained-dark")
        b.do(cmd="theme", theme="light")
        clock0 = self.admin("/_sluice/clock")["offset_ms"]
        b.do(cmd="wait", expr="(document.querySelector('[data-advance=\"60\"]').click(), true)")
        self.wait("the clock to move", lambda: self.admin("/_sluice/clock")["offset_ms"] >= clock0 + 60000)
        self.fresh()
        self.shot("4-after-clock", full=False)


if __name__ == "__main__":
    why = browser_missing()
    if why:
        if os.environ.get("SLUICE_REQUIRE_BROWSER") == "1":
            print("test_ui: FAILED: SLUICE_REQUIRE_BROWSER=1 and " + why, file=sys.stderr)
            sys.exit(1)
        print("test_ui: SKIPPED: " + why, file=sys.stderr)
        sys.exit(77)
    harness.main()
