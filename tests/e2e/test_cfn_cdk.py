#!/usr/bin/env python3
"""`cdk bootstrap` and `cdk deploy` of the seed app on sluice (issue 16).

The real CDK CLI (tests/cdk: aws-cdk, aws-cdk-lib, aws-cdk-local, pinned)
deploys tests/cdk/app.js against a sluice started on a free port, with
only AWS_ENDPOINT_URL, static keys and the region set (and the settings
that keep the CLI offline: docs reference §4.3). The stack: a table with a
stream, a function with reserved concurrency 5, its current version, an
alias `live` with provisioned concurrency 2, and a mapping from the stream
(LATEST, batch size 10).

  * test_mapping_moved_to_alias: v1 (mapping on the function) while items
    are written steadily, then v2 (the same call on the alias). CDK gives
    the mapping a new logical ID, so the change set is Add + Remove and
    CloudFormation creates the new mapping before it deletes the old one
    in the cleanup phase. The test checks the order in the stack events,
    and, record by record (the function logs the sequence numbers of each
    batch and the target that ran it), that the delivery audit
    (/_sluice/streams/audit) tells what happened: the old mapping
    delivered a gap-free run, the new one everything from its LATEST
    start on, both delivered the records in between (the audit's
    duplicates), and the records behind the new mapping's start that the
    old one had not delivered are the audit's never-delivered. sluice
    runs with --cfn-cleanup-delay-ms 2000, so that, as on AWS, seconds
    pass between the create and the cleanup's delete, and records written
    then are delivered by both. Then `cdk destroy`.
  * test_mapping_moved_in_place: the same move written with
    overrideLogicalId (v3): the change set is a Modify of the mapping
    (Replacement False), the mapping keeps its UUID and checkpoint, and
    every record is delivered exactly once.
  * test_cdklocal: the aws-cdk-local wrapper deploys and destroys with
    AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3.

Needs node >= 20 and tests/cdk/node_modules (scripts/deps test, or npm ci
in tests/cdk). Without them it exits 77 (meson: SKIP) and says what is
missing, or 1 when SLUICE_REQUIRE_CDK is set (CI). Nothing is downloaded.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_cfn_cdk.py -v
(SLUICE_CDK_KEEP=1 keeps the working directory and prints where it is.)
"""

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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import Server  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

SKIP = 77
CDK_DIR = os.path.join(harness.REPO, "tests", "cdk")
ACCOUNT = "000000000000"
REGION = "us-east-1"
# One cdk command (a synth of ~10 s, then the deploy, which waits for the
# alias's provisioned concurrency) may not take longer than this.
CDK_TIMEOUT = 300
# How long a state the test waits for may take to come: deliveries of a
# few hundred records, a mapping's first poll.
SETTLE_S = 60.0
# The steady stream of writes during a deploy: items per second. Enough
# for several records in the window where both mappings read the stream,
# few enough for a loaded 2-core machine.
WRITE_RATE = 20
# Writes that go on after a deploy returned, so that the mapping that is
# left delivers records of its own.
AFTER_DEPLOY_S = 2.0
# How long sluice's CloudFormation waits in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS
# before it deletes what an update replaced or removed
# (--cfn-cleanup-delay-ms): the window in which both mappings read
# the stream, seconds on AWS, where CloudFormation takes that long to get
# from the create to the cleanup's delete. At WRITE_RATE it holds ~40 writes.
CLEANUP_DELAY_MS = 2000
# The seed's logical IDs (tests/cdk/README.md).
OLD_MAPPING = "FnMappingB3015946"
NEW_MAPPING = "LiveMapping3675C516"
FUNCTION = "Fn9270CBC0"
TABLE = "TableCD117FA1"
ALIAS = "Live848578DF"
ESM_TYPE = "AWS::Lambda::EventSourceMapping"


def missing_tools():
    """Why the CDK suite cannot run here, or None."""
    node = shutil.which("node")
    if not node:
        return "node is not on PATH"
    p = subprocess.run([node, os.path.join(CDK_DIR, "check-node.cjs")], capture_output=True)
    if p.returncode != 0:
        v = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        return "node %s is older than 20 (aws-cdk-lib's minimum)" % v
    for pkg in ("aws-cdk", "aws-cdk-lib", "constructs", "aws-cdk-local"):
        if not os.path.isfile(os.path.join(CDK_DIR, "node_modules", pkg, "package.json")):
            return ("tests/cdk/node_modules/%s is missing (scripts/deps test, or npm ci in "
                    "tests/cdk)" % pkg)
    return None


class Writer:
    """A background thread that writes one new item WRITE_RATE times a
    second to TABLE; `acked` lists the keys whose PutItem succeeded."""

    def __init__(self, server, table, prefix):
        self.ddb = server.client("dynamodb")
        self.table, self.prefix = table, prefix
        self.acked, self.errors = [], []
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def run(self):
        i = 0
        next_t = time.monotonic()
        while not self.stop_ev.is_set():
            key = "%s%05d" % (self.prefix, i)
            try:
                self.ddb.put_item(TableName=self.table, Item={"pk": {"S": key}})
                self.acked.append(key)
            except Exception as e:  # reported by stop()
                self.errors.append(repr(e))
                if len(self.errors) > 5:
                    return
            i += 1
            next_t += 1.0 / WRITE_RATE
            self.stop_ev.wait(max(0.0, next_t - time.monotonic()))

    def stop(self):
        self.stop_ev.set()
        self.thread.join(30)
        if self.errors:
            raise AssertionError("PutItem failed during the test: %s" % self.errors[:3])
        return len(self.acked)


class CdkCase(unittest.TestCase):
    """One sluice and one bootstrapped environment per class; each test
    deploys its own stack (-c stack=NAME)."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=("--cfn-cleanup-delay-ms", str(CLEANUP_DELAY_MS)))
        cls.server.start()
        cls.dir = tempfile.mkdtemp(prefix="sluice-cdk-")
        os.makedirs(os.path.join(cls.dir, "home"))
        cls.cfn = cls.server.client("cloudformation")
        cls.lam = cls.server.client("lambda")
        cls.ddb = cls.server.client("dynamodb")
        cls.logs = cls.server.client("logs")
        cls.bootstrapped = None

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()
            if os.environ.get("SLUICE_CDK_KEEP") == "1":
                sys.stderr.write("kept %s\n" % cls.dir)
            else:
                shutil.rmtree(cls.dir, ignore_errors=True)

    # -- the CLI ------------------------------------------------------------------
    def env(self, tool="cdk"):
        """The environment of a cdk run: the endpoint, static keys, the
        region, a HOME of its own (the CLI caches the account there), no
        config file, nothing that reaches out (reference §4.3)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
        env.update({
            "HOME": os.path.join(self.dir, "home"),
            "AWS_ENDPOINT_URL": self.server.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.path.join(self.dir, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.dir, "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "CDK_DISABLE_VERSION_CHECK": "1",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
        })
        if tool == "cdklocal":
            # cdklocal insists on an S3 endpoint when AWS_ENDPOINT_URL is set.
            env["AWS_ENDPOINT_URL_S3"] = self.server.endpoint
        return env

    def cdk(self, *args, tool="cdk", cwd=CDK_DIR, ok=True):
        """Runs `TOOL ARGS --no-notices` (tests/cdk/node_modules/.bin);
        fails the test unless it exits 0 (OK) or non-zero (not OK)."""
        exe = os.path.join(CDK_DIR, "node_modules", ".bin", tool)
        cmd = [exe] + list(args) + ["--no-notices"]
        t0 = time.monotonic()
        p = subprocess.run(cmd, cwd=cwd, env=self.env(tool), capture_output=True, text=True,
                           timeout=CDK_TIMEOUT, stdin=subprocess.DEVNULL)
        sys.stderr.write("%s %s: exit %d in %.1f s\n" % (tool, " ".join(args[:2]), p.returncode,
                                                           time.monotonic() - t0))
        if (p.returncode == 0) != ok:
            self.fail("%s exited %d\n--- stdout\n%s\n--- stderr\n%s\n--- sluice\n%s"
                      % (" ".join([tool] + list(args)), p.returncode, p.stdout[-4000:],
                         p.stderr[-8000:], self.server.log_tail()))
        return p

    def app_args(self, stack, variant, start=None):
        args = ["-c", "stack=" + stack, "-c", "variant=" + variant]
        if start:
            args += ["-c", "start=" + start]
        return args + ["-o", os.path.join(self.dir, "cdk.out-%s-%s-%s" % (stack, variant, start))]

    def deploy(self, stack, variant, *extra, tool="cdk", start=None):
        return self.cdk("deploy", stack, "--require-approval", "never", *extra,
                        *self.app_args(stack, variant, start), tool=tool)

    def destroy(self, stack, variant, tool="cdk"):
        return self.cdk("destroy", stack, "--force", *self.app_args(stack, variant), tool=tool)

    def bootstrap(self):
        """`cdk bootstrap` once per class (outside the app's directory, so
        that no app is synthesized): the CDKToolkit stack, whose bucket
        and SSM parameter every deploy needs."""
        if self.bootstrapped is None:
            type(self).bootstrapped = False
            self.cdk("bootstrap", "aws://%s/%s" % (ACCOUNT, REGION), cwd=self.dir)
            self.assertEqual(self.stack("CDKToolkit")["StackStatus"], "CREATE_COMPLETE")
            v = self.server.client("ssm").get_parameter(Name="/cdk-bootstrap/hnb659fds/version")
            self.assertGreaterEqual(int(v["Parameter"]["Value"]), 6)
            self.server.client("s3").head_bucket(
                Bucket="cdk-hnb659fds-assets-%s-%s" % (ACCOUNT, REGION))
            type(self).bootstrapped = True
        if not self.bootstrapped:
            self.fail("cdk bootstrap failed in an earlier test")

    # -- CloudFormation, as AWS shows it -------------------------------------------
    def stack(self, name):
        return self.cfn.describe_stacks(StackName=name)["Stacks"][0]

    def resources(self, stack):
        """{logical ID: (type, physical ID, status)} of the stack."""
        out, token = {}, None
        while True:
            kw = {"StackName": stack}
            if token:
                kw["NextToken"] = token
            r = self.cfn.list_stack_resources(**kw)
            for s in r["StackResourceSummaries"]:
                out[s["LogicalResourceId"]] = (s["ResourceType"], s.get("PhysicalResourceId"),
                                               s["ResourceStatus"])
            token = r.get("NextToken")
            if not token:
                return out

    def events(self, stack):
        """The stack's events, oldest first (DescribeStackEvents gives
        them newest first)."""
        out, token = [], None
        while True:
            kw = {"StackName": stack}
            if token:
                kw["NextToken"] = token
            r = self.cfn.describe_stack_events(**kw)
            out.extend(r["StackEvents"])
            token = r.get("NextToken")
            if not token:
                return list(reversed(out))

    def last_operation(self, stack):
        """The events of the stack's last operation, oldest first: from
        its last stack-level *_IN_PROGRESS event with reason "User
        Initiated"."""
        ev = self.events(stack)
        starts = [i for i, e in enumerate(ev) if e["LogicalResourceId"] == stack
                  and e.get("ResourceType") == "AWS::CloudFormation::Stack"
                  and e["ResourceStatus"].endswith("_IN_PROGRESS")
                  and e.get("ResourceStatusReason") == "User Initiated"]
        self.assertTrue(starts, "no User Initiated stack event: %s" % self.show(ev))
        return ev[starts[-1]:]

    @staticmethod
    def show(events):
        return "\n".join("  %-30s %-40s %s %s" % (e["LogicalResourceId"], e["ResourceStatus"],
                                                 e.get("PhysicalResourceId") or "",
                                                 e.get("ResourceStatusReason") or "")
                         for e in events)

    @staticmethod
    def index(events, logical, status):
        """The position of the first event of LOGICAL with STATUS, or -1."""
        for i, e in enumerate(events):
            if e["LogicalResourceId"] == logical and e["ResourceStatus"] == status:
                return i
        return -1

    def change_set(self, stack):
        """The changes of the change set `cdk deploy --no-execute` left:
        {logical ID: ResourceChange}."""
        cs = self.cfn.describe_change_set(StackName=stack, ChangeSetName="cdk-deploy-change-set")
        self.assertEqual((cs["Status"], cs["ExecutionStatus"]), ("CREATE_COMPLETE", "AVAILABLE"), cs)
        return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in cs["Changes"]}

    # -- what sluice delivered -----------------------------------------------------
    def audit(self, stream_arn):
        r = self.server.request("GET", "/_sluice/streams/audit?stream_arn=" + urllib.parse.quote(stream_arn))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait(self, what, cond, timeout=SETTLE_S):
        deadline = time.monotonic() + timeout
        while True:
            v = cond()
            if v:
                return v
            if time.monotonic() > deadline:
                self.fail("%s: not within %.0f s" % (what, timeout))
            time.sleep(0.1)

    def wait_started(self, uuid):
        """Until the mapping's poller has taken its position in every
        shard: a LATEST mapping skips what was written before that."""
        def started():
            r = self.server.request("GET", "/_sluice/event-source-mappings/" + uuid)
            if r.status != 200:
                return False
            shards = r.json()["shards"]
            return shards and all(s["checkpoint"] is not None or s["done"] for s in shards)
        self.wait("mapping %s to take its starting position" % uuid, started)

    def wait_drained(self, stream_arn, records):
        """Until the stream holds RECORDS records and none is pending."""
        return self.wait("%d records, none pending" % records,
                         lambda: (lambda a: a if a["records"] == records and a["pending"] == 0 else None)
                         (self.audit(stream_arn)))

    def stream_seqs(self, stream_arn):
        """Every record's sequence number (an int), read with DynamoDB
        Streams from the trim horizon of each shard."""
        st = self.server.client("dynamodbstreams")
        seqs = []
        for sh in st.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
            it = st.get_shard_iterator(StreamArn=stream_arn, ShardId=sh["ShardId"],
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                r = st.get_records(ShardIterator=it, Limit=1000)
                seqs += [int(x["dynamodb"]["SequenceNumber"]) for x in r["Records"]]
                if not r["Records"]:
                    break
                it = r.get("NextShardIterator")
        return sorted(seqs)

    def batches(self, function):
        """What the seed's handler logged: one dict per batch (version,
        invoked, seqs)."""
        out, token = [], None
        while True:
            kw = {"logGroupName": "/aws/lambda/" + function}
            if token:
                kw["nextToken"] = token
            r = self.logs.filter_log_events(**kw)
            for e in r["events"]:
                msg = e["message"].strip()
                if msg.startswith("{") and '"seqs"' in msg:
                    out.append(json.loads(msg))
            token = r.get("nextToken")
            if not token:
                return out

    def delivered_by_target(self, function):
        """{"$LATEST" or the alias's version: [seq, ...] in delivery order}."""
        by = {}
        for b in self.batches(function):
            by.setdefault(b["version"], []).extend(int(s) for s in b["seqs"])
        return by

    def deliveries(self, fn, stream_arn):
        """(every record's seq, sorted; the set $LATEST got; the set the
        alias got), each record at most once per target."""
        seqs = self.stream_seqs(stream_arn)
        by = self.delivered_by_target(fn)
        version = self.lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"]
        self.assertEqual(set(by) - {"$LATEST", version}, set(), by.keys())
        by_latest, by_alias = by.get("$LATEST", []), by.get(version, [])
        self.assertEqual(len(by_latest), len(set(by_latest)), "$LATEST got a record twice")
        self.assertEqual(len(by_alias), len(set(by_alias)), "the alias got a record twice")
        self.assertLessEqual(set(by_latest) | set(by_alias), set(seqs))
        return seqs, set(by_latest), set(by_alias)

    def deployed_seed(self, stack):
        """After a deploy of v1: the names and the mapping of the stack,
        checked against what the template asks for."""
        self.assertEqual(self.stack(stack)["StackStatus"], "CREATE_COMPLETE")
        res = self.resources(stack)
        fn, table, mapping = res[FUNCTION][1], res[TABLE][1], res[OLD_MAPPING][1]
        self.assertTrue(fn.startswith(stack + "-"), fn)   # <stack>-<logical>-<random>
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=fn)["ReservedConcurrentExecutions"], 5)
        pc = self.lam.get_provisioned_concurrency_config(FunctionName=fn, Qualifier="live")
        self.assertEqual((pc["Status"], pc["RequestedProvisionedConcurrentExecutions"]), ("READY", 2), pc)
        stream_arn = self.ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        m = self.lam.get_event_source_mapping(UUID=mapping)
        self.assertEqual((m["FunctionArn"], m["EventSourceArn"], m["StartingPosition"], m["BatchSize"]),
                         (self.fn_arn(fn), stream_arn, "LATEST", 10))
        return fn, table, stream_arn, mapping

    @staticmethod
    def fn_arn(fn, qualifier=None):
        arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, fn)
        return arn + ":" + qualifier if qualifier else arn

    def start_writing(self, table, stream_arn, mapping, prefix):
        """Waits for MAPPING to have started, starts the writer, and waits
        until MAPPING has delivered some of its records."""
        self.wait_started(mapping)
        w = Writer(self.server, table, prefix).start()
        self.wait("the v1 mapping to deliver 20 records",
                  lambda: self.audit(stream_arn)["by_mapping"].get(mapping, {}).get("delivered", 0) >= 20)
        return w


class SeedDeploys(CdkCase):

    def test_mapping_moved_to_alias(self):
        """v1 -> v2: a new logical ID. Add + Remove, create before delete;
        the audit shows the overlap and the gap, record by record."""
        stack = "SeedMove"
        self.bootstrap()
        self.deploy(stack, "v1")
        fn, table, stream_arn, old = self.deployed_seed(stack)
        w = self.start_writing(table, stream_arn, old, "m")
        try:
            # The change set CloudFormation computes for v2.
            self.deploy(stack, "v2", "--no-execute")
            changes = self.change_set(stack)
            self.assertEqual({k: c["Action"] for k, c in changes.items() if k != "CDKMetadata"},
                             {NEW_MAPPING: "Add", OLD_MAPPING: "Remove"}, changes)
            self.assertEqual(changes[OLD_MAPPING].get("PhysicalResourceId"), old)
            self.assertEqual(changes[NEW_MAPPING]["ResourceType"], ESM_TYPE)
            self.assertFalse(changes[NEW_MAPPING].get("PhysicalResourceId"))
            self.assertEqual(self.stack(stack)["StackStatus"], "CREATE_COMPLETE")   # not executed
            # The deploy, with the writes going on.
            self.deploy(stack, "v2")
            time.sleep(AFTER_DEPLOY_S)
        finally:
            written = w.stop()

        self.assertEqual(self.stack(stack)["StackStatus"], "UPDATE_COMPLETE")
        res = self.resources(stack)
        self.assertNotIn(OLD_MAPPING, res)
        new = res[NEW_MAPPING][1]
        self.assertNotEqual(new, old)
        m = self.lam.get_event_source_mapping(UUID=new)
        self.assertEqual((m["FunctionArn"], m["StartingPosition"]), (self.fn_arn(fn, "live"), "LATEST"))
        with self.assertRaises(ClientError) as cm:
            self.lam.get_event_source_mapping(UUID=old)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual([x["UUID"] for x in self.lam.list_event_source_mappings(
            EventSourceArn=stream_arn)["EventSourceMappings"]], [new])

        # CloudFormation's order: the new mapping exists before the old
        # one is deleted, and the delete is part of the cleanup.
        ev = self.last_operation(stack)
        order = [self.index(ev, NEW_MAPPING, "CREATE_IN_PROGRESS"),
                 self.index(ev, NEW_MAPPING, "CREATE_COMPLETE"),
                 self.index(ev, stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
                 self.index(ev, OLD_MAPPING, "DELETE_IN_PROGRESS"),
                 self.index(ev, OLD_MAPPING, "DELETE_COMPLETE"),
                 self.index(ev, stack, "UPDATE_COMPLETE")]
        self.assertTrue(-1 not in order and order == sorted(order),
                        "events out of order %s:\n%s" % (order, self.show(ev)))
        created = [e for e in ev if e["LogicalResourceId"] == NEW_MAPPING
                   and e["ResourceStatus"] == "CREATE_COMPLETE"]
        self.assertEqual(created[0].get("PhysicalResourceId"), new)

        # What was delivered, by whom.
        a = self.wait_drained(stream_arn, written)
        # Each mapping delivered each record at most once (deliveries()),
        seqs, old_set, new_set = self.deliveries(fn, stream_arn)
        self.assertEqual(len(seqs), written)
        self.assertTrue(old_set and new_set, "each mapping delivers: old %d, new %d" % (len(old_set), len(new_set)))
        pos = {s: i for i, s in enumerate(seqs)}
        # the old one a gap-free run from its start (the first record
        # written) to where it was deleted,
        self.assertEqual(min(old_set), seqs[0])
        self.assertEqual(sorted(old_set), seqs[:pos[max(old_set)] + 1])
        # the new one everything from its LATEST start on.
        self.assertEqual(sorted(new_set), seqs[pos[min(new_set)]:])
        both = old_set & new_set
        never = set(seqs) - old_set - new_set
        # Duplicates lie where both read the stream: from the new
        # mapping's start to the old one's end; the records lost lie
        # between what the old had delivered and where the new started.
        self.assertTrue(all(min(new_set) <= s <= max(old_set) for s in both))
        self.assertTrue(all(max(old_set) < s < min(new_set) for s in never))
        # The cleanup waited CLEANUP_DELAY_MS with writes going on: both
        # mappings delivered what was written then.
        self.assertGreater(len(both), 0, "no record delivered by both mappings")
        # The audit says the same.
        self.assertEqual((a["records"], a["delivered_once"], a["duplicates"], a["never_delivered"], a["pending"]),
                         (written, written - len(both) - len(never), len(both), len(never), 0), a)
        self.assertEqual((a["duplicates_by_several_mappings"], a["duplicates_after_crash"]), (len(both), 0), a)
        self.assertEqual(set(a["by_mapping"]), {old, new})
        self.assertEqual((a["by_mapping"][old]["deleted"], a["by_mapping"][old]["delivered"]),
                         (True, len(old_set)))
        self.assertEqual((a["by_mapping"][new]["deleted"], a["by_mapping"][new]["delivered"]),
                         (False, len(new_set)))
        sys.stderr.write("v1 -> v2 (replacement): %d records; old mapping delivered %d, new %d; "
                         "delivered by both %d, never delivered %d\n"
                         % (written, len(old_set), len(new_set), len(both), len(never)))

        # cdk destroy removes the stack and what it made.
        self.destroy(stack, "v2")
        with self.assertRaises(ClientError) as cm:
            self.cfn.describe_stacks(StackName=stack)
        self.assertEqual(cm.exception.response["Error"]["Message"], "Stack with id %s does not exist" % stack)
        self.assertEqual(self.lam.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"], [])
        self.assertNotIn(fn, [f["FunctionName"] for f in self.lam.list_functions()["Functions"]])
        self.assertNotIn(table, self.ddb.list_tables()["TableNames"])

    def test_mapping_moved_to_alias_trim_horizon(self):
        """v1 -> v2 with the new mapping at TRIM_HORIZON: it replays the
        stream, so what the old one delivered arrives twice, and nothing
        is lost."""
        stack = "SeedTrim"
        self.bootstrap()
        self.deploy(stack, "v1")
        fn, table, stream_arn, old = self.deployed_seed(stack)
        w = self.start_writing(table, stream_arn, old, "t")
        try:
            self.deploy(stack, "v2", start="TRIM_HORIZON")
            time.sleep(AFTER_DEPLOY_S)
        finally:
            written = w.stop()
        self.assertEqual(self.stack(stack)["StackStatus"], "UPDATE_COMPLETE")
        new = self.resources(stack)[NEW_MAPPING][1]
        m = self.lam.get_event_source_mapping(UUID=new)
        self.assertEqual((m["FunctionArn"], m["StartingPosition"]), (self.fn_arn(fn, "live"), "TRIM_HORIZON"))
        a = self.wait_drained(stream_arn, written)
        seqs, old_set, new_set = self.deliveries(fn, stream_arn)
        self.assertEqual(len(seqs), written)
        self.assertEqual(sorted(new_set), seqs, "the new mapping replays the whole stream")
        self.assertEqual(sorted(old_set), seqs[:len(old_set)], "the old one delivered a gap-free run")
        self.assertGreaterEqual(len(old_set), 20)
        self.assertEqual((a["records"], a["delivered_once"], a["duplicates"], a["never_delivered"], a["pending"]),
                         (written, written - len(old_set), len(old_set), 0, 0), a)
        self.assertEqual((a["duplicates_by_several_mappings"], a["duplicates_after_crash"]), (len(old_set), 0), a)
        self.assertEqual((a["by_mapping"][old]["delivered"], a["by_mapping"][new]["delivered"]),
                         (len(old_set), written), a)
        sys.stderr.write("v1 -> v2 (replacement, new at TRIM_HORIZON): %d records; old mapping delivered %d, "
                         "new %d; delivered by both %d, never delivered 0\n"
                         % (written, len(old_set), len(new_set), len(old_set & new_set)))

    def test_mapping_moved_in_place(self):
        """v1 -> v3: the logical ID kept. Modify, same UUID, every record
        delivered exactly once."""
        stack = "SeedInPlace"
        self.bootstrap()
        self.deploy(stack, "v1")
        fn, table, stream_arn, uuid = self.deployed_seed(stack)
        w = self.start_writing(table, stream_arn, uuid, "p")
        try:
            self.deploy(stack, "v3", "--no-execute")
            changes = self.change_set(stack)
            self.assertEqual({k: c["Action"] for k, c in changes.items() if k != "CDKMetadata"},
                             {OLD_MAPPING: "Modify"}, changes)
            c = changes[OLD_MAPPING]
            self.assertEqual((c["Replacement"], c["Scope"], c["PhysicalResourceId"]),
                             ("False", ["Properties"], uuid), c)
            targets = {(d["Target"]["Attribute"], d["Target"].get("Name"), d["Target"]["RequiresRecreation"])
                       for d in c["Details"]}
            self.assertIn(("Properties", "FunctionName", "Never"), targets, c)
            self.deploy(stack, "v3")
            time.sleep(AFTER_DEPLOY_S)
        finally:
            written = w.stop()

        self.assertEqual(self.stack(stack)["StackStatus"], "UPDATE_COMPLETE")
        res = self.resources(stack)
        self.assertEqual(res[OLD_MAPPING][1], uuid)
        self.assertNotIn(NEW_MAPPING, res)
        m = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(m["FunctionArn"], self.fn_arn(fn, "live"))
        self.assertEqual([x["UUID"] for x in self.lam.list_event_source_mappings(
            EventSourceArn=stream_arn)["EventSourceMappings"]], [uuid])
        ev = self.last_operation(stack)
        mine = [e["ResourceStatus"] for e in ev if e["LogicalResourceId"] == OLD_MAPPING]
        self.assertEqual(mine, ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"], self.show(ev))
        self.assertEqual(ev[-1]["ResourceStatus"], "UPDATE_COMPLETE")

        a = self.wait_drained(stream_arn, written)
        self.assertEqual((a["records"], a["delivered_once"], a["duplicates"], a["never_delivered"], a["pending"]),
                         (written, written, 0, 0, 0), a)
        self.assertEqual(list(a["by_mapping"]), [uuid])
        seqs, by_latest, by_alias = self.deliveries(fn, stream_arn)
        self.assertTrue(by_latest and by_alias, "deliveries before and after: %d, %d" % (len(by_latest), len(by_alias)))
        # One checkpoint: $LATEST got a prefix, the alias the rest, each
        # record once.
        self.assertEqual(sorted(by_latest | by_alias), seqs)
        self.assertEqual(len(by_latest) + len(by_alias), len(seqs))
        self.assertLess(max(by_latest), min(by_alias))
        sys.stderr.write("v1 -> v3 (in place): %d records; $LATEST delivered %d, live %d; "
                         "duplicates 0, never delivered 0\n" % (written, len(by_latest), len(by_alias)))

    def test_cdklocal(self):
        """aws-cdk-local's cdklocal with AWS_ENDPOINT_URL and
        AWS_ENDPOINT_URL_S3: deploy, then destroy."""
        stack = "SeedLocal"
        self.bootstrap()
        self.deploy(stack, "v1", tool="cdklocal")
        fn, table, stream_arn, uuid = self.deployed_seed(stack)
        self.destroy(stack, "v1", tool="cdklocal")
        with self.assertRaises(ClientError):
            self.cfn.describe_stacks(StackName=stack)
        self.assertNotIn(table, self.ddb.list_tables()["TableNames"])


def main():
    why = missing_tools()
    if why:
        sys.stderr.write("SKIP: the CDK suite needs node >= 20 and tests/cdk's packages: %s; this "
                         "suite installs nothing from the network\n" % why)
        if os.environ.get("SLUICE_REQUIRE_CDK"):
            sys.stderr.write("FAIL: SLUICE_REQUIRE_CDK is set\n")
            sys.exit(1)
        sys.exit(SKIP)
    harness.main()


if __name__ == "__main__":
    main()
