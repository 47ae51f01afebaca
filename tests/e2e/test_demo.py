#!/usr/bin/env python3
"""End-to-end test of demo/alias-vs-latest (issue 7): runs the demo with
--json against the built binary (SLUICE_BIN) and checks that its figures,
all read from sluice, tell the story each phase claims and agree with each
other (the metrics, the audit, the mapping endpoint and the writes the demo
had acknowledged).
"""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402,F401  (exits 77 without boto3)
from harness import REPO, sluice_bin  # noqa: E402

DEMO = os.path.join(REPO, "demo", "alias-vs-latest")
# The demo takes ~40 s on a quiet 2-core machine; its own waits give up
# after a minute each, so this only catches a hang.
DEMO_TIMEOUT_S = 240


def metric(m, name):
    v = m.get(name, 0)
    return v if isinstance(v, (int, float)) else 0


class DemoUsageTest(unittest.TestCase):
    """The command line alone: no server is started."""

    def run_demo(self, *args):
        return subprocess.run([sys.executable, DEMO] + list(args), capture_output=True, text=True,
                              timeout=30, stdin=subprocess.DEVNULL)

    def test_help(self):
        for flag in ("--help", "-h"):
            with self.subTest(flag=flag):
                p = self.run_demo(flag)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stderr, "")
                self.assertIn("Usage: demo/alias-vs-latest", p.stdout)
                self.assertIn("--json", p.stdout)
                self.assertIn("--no-wait", p.stdout)
                self.assertIn("--help", p.stdout)

    def test_usage_error(self):
        p = self.run_demo("--no-such-flag")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertIn("--no-such-flag", p.stderr)
        self.assertIn("usage: demo/alias-vs-latest", p.stderr)


class DemoTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        env = dict(os.environ, SLUICE_BIN=sluice_bin())
        p = subprocess.run([sys.executable, DEMO, "--json", "--no-wait"], env=env, capture_output=True, text=True,
                           timeout=DEMO_TIMEOUT_S, stdin=subprocess.DEVNULL)
        cls.stderr = p.stderr
        if p.returncode != 0:
            raise AssertionError("the demo exited with %d:\n%s\n%s" % (p.returncode, p.stdout[-3000:],
                                                                      p.stderr[-6000:]))
        cls.out = json.loads(p.stdout)
        cls.phase = {f["phase"]: f for f in cls.out["phases"]}

    def test_run(self):
        self.assertTrue(self.out["ok"])
        self.assertEqual(sorted(self.phase), [1, 2, 3, 4])
        # Issue 7 asks for ~90 s at most; far more means something waited
        # for a timeout.
        self.assertLess(self.out["elapsed_s"], 150, self.stderr)

    def common(self, f):
        """What holds at the end of every phase: the audit saw every write
        the demo had acknowledged, and the summary repeats the sources."""
        a, s = f["audit"], f["summary"]
        self.assertEqual(a["records"], f["writes_acknowledged"])
        self.assertGreater(a["records"], 0)
        self.assertEqual(a["records"], a["delivered_once"] + a["duplicates"] + a["never_delivered"] + a["pending"])
        fm, lm = f["metrics"]["f"], f["metrics"]["f:live"]
        self.assertEqual(s["throttles"], metric(fm, "Throttles"))
        self.assertEqual(s["pc_invocations"], metric(lm, "ProvisionedConcurrencyInvocations"))
        self.assertEqual(s["iterator_age_max_ms"], fm["IteratorAge"]["max"])
        for k in ("records", "delivered_once", "duplicates", "never_delivered", "pending"):
            self.assertEqual(s[k], a[k], k)
        # Every provisioned invocation of the alias ran in a provisioned
        # environment (R - P = 0 leaves nothing to spill over to).
        self.assertEqual(metric(lm, "ProvisionedConcurrencySpilloverInvocations"), 0)

    def test_phase1_latest_is_throttled(self):
        f = self.phase[1]
        self.common(f)
        s, a = f["summary"], f["audit"]
        m = f["mappings"]["mapping"]
        self.assertTrue(m["state"]["FunctionArn"].endswith(":function:f"), m["state"]["FunctionArn"])
        self.assertGreater(s["throttles"], 0)
        self.assertEqual(s["throttles"], m["state"]["throttles"])   # every throttle was the mapping's
        self.assertEqual(s["invocations"], 0)
        self.assertEqual(s["pc_invocations"], 0)
        self.assertEqual(s["pc_utilization_max"], 0)
        self.assertGreater(s["iterator_age_max_ms"], 0)
        self.assertEqual(m["state"]["batches"], 0)
        self.assertEqual((a["delivered_once"], a["duplicates"], a["never_delivered"]), (0, 0, 0))
        self.assertEqual(a["pending"], a["records"])
        # Throttles climb and the iterator ages while the phase runs.
        t = f["timeline"]
        self.assertGreaterEqual(len(t), 2)
        self.assertGreater(t[-1]["throttles"], t[0]["throttles"])
        self.assertGreater(t[-1]["iterator_age_max_ms"], t[0]["iterator_age_max_ms"])
        self.assertTrue(all(x["pc_utilization_max"] == 0 for x in t))

    def test_phase2_update_drains_through_the_alias(self):
        f1, f = self.phase[1], self.phase[2]
        self.common(f)
        s, a = f["summary"], f["audit"]
        m = f["mappings"]["mapping"]
        self.assertEqual(m["uuid"], f1["mappings"]["mapping"]["uuid"])      # the same mapping
        self.assertTrue(m["state"]["FunctionArn"].endswith(":function:f:live"), m["state"]["FunctionArn"])
        self.assertGreater(a["records"], f1["audit"]["records"])
        self.assertEqual(a["delivered_once"], a["records"])
        self.assertEqual((a["duplicates"], a["never_delivered"], a["pending"]), (0, 0, 0))
        self.assertEqual(m["audit"]["delivered"], a["records"])
        self.assertEqual(m["audit"]["delivered_more_than_once"], 0)
        self.assertEqual(m["state"]["records"], a["records"])
        # Every batch ran on a provisioned environment of live.
        self.assertGreater(s["pc_invocations"], 0)
        self.assertEqual(s["pc_invocations"], m["state"]["batches"])
        self.assertEqual(s["pc_invocations"], metric(f["metrics"]["f:live"], "Invocations"))
        self.assertGreater(s["pc_utilization_max"], 0)
        # Phase 1's throttles stay counted; the alias's first batch was the
        # oldest records, older than at any throttled attempt.
        self.assertGreaterEqual(s["throttles"], f1["summary"]["throttles"])
        self.assertGreaterEqual(f["metrics"]["f:live"]["IteratorAge"]["max"], f1["summary"]["iterator_age_max_ms"])

    def replacement(self, f):
        self.common(f)
        s, a, sw = f["summary"], f["audit"], f["at_switch"]
        old, new = f["mappings"]["old"], f["mappings"]["new"]
        self.assertIsNone(old["state"])                  # deleted
        self.assertTrue(old["audit"]["deleted"])
        self.assertTrue(new["state"]["FunctionArn"].endswith(":function:f:live"))
        # The old mapping delivered before the deploy, then was throttled:
        # nothing more after the snapshot taken at the switch.
        self.assertGreater(sw["old"]["delivered"], 0)
        self.assertGreater(sw["old"]["pending"], 0)
        self.assertEqual(sw["records"], sw["old"]["delivered"] + sw["old"]["pending"])
        self.assertEqual(old["audit"]["delivered"], sw["old"]["delivered"])
        self.assertEqual(old["audit"]["delivered_more_than_once"], 0)
        self.assertGreater(s["throttles"], 0)
        # The new mapping ran on the provisioned environments only.
        self.assertEqual(s["pc_invocations"], new["state"]["batches"])
        self.assertEqual(new["audit"]["delivered_more_than_once"], 0)
        self.assertEqual(a["pending"], 0)
        return s, a, sw, old, new

    def test_phase3_latest_replacement_loses_the_backlog(self):
        s, a, sw, old, new = self.replacement(self.phase[3])
        self.assertGreater(a["never_delivered"], 0)
        self.assertEqual(a["never_delivered"], sw["old"]["pending"])
        self.assertEqual(a["duplicates"], 0)
        # LATEST: the new mapping got exactly the writes after the switch.
        self.assertEqual(new["audit"]["delivered"], a["records"] - sw["records"])
        self.assertEqual(a["delivered_once"], old["audit"]["delivered"] + new["audit"]["delivered"])

    def test_phase4_trim_horizon_replacement_duplicates(self):
        s, a, sw, old, new = self.replacement(self.phase[4])
        self.assertGreater(a["duplicates"], 0)
        self.assertEqual(a["duplicates"], old["audit"]["delivered"])
        self.assertEqual(a["duplicates"], sw["old"]["delivered"])
        self.assertEqual(a["never_delivered"], 0)
        self.assertEqual(new["audit"]["delivered"], a["records"])
        self.assertEqual(a["delivered_once"], a["records"] - a["duplicates"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
