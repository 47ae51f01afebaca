#!/usr/bin/env python3
"""Terraform deploys a stream -> Lambda stack on sluice (issue 13).

The stack, with the hashicorp/aws provider: a DynamoDB table with a stream
(and point-in-time recovery), a CloudWatch Logs group with retention, a
function from a local zip published on every code change, an alias with
provisioned concurrency, an event invoke config, a permission, and an
event source mapping from the stream. The test runs what a team runs:

  1. apply; `plan -detailed-exitcode` exits 0 (no perpetual diff);
  2. items written to the table reach the function (its log lines, and
     the delivery audit GET /_sluice/streams/audit);
  3. the mapping moves from the function to the alias while items keep
     being written: terraform updates it in place (same UUID) and the
     audit shows every record delivered exactly once;
  4. a code change: a new version is published and the alias moves to it;
  5. a second apply changes nothing;
  6. destroy leaves no function, table, mapping or log group.

Nothing is downloaded. The test uses the terraform binary on PATH (or
TERRAFORM) and the provider from a local filesystem mirror (SLUICE_TF_MIRROR,
default /opt/tf-plugins, laid out as registry.terraform.io/hashicorp/aws/
<version>/<os_arch>/terraform-provider-aws_*). Without either it exits 77,
which meson reports as SKIP, and says which one is missing.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_terraform.py -v
(SLUICE_TF_KEEP=1 keeps the working directory and prints where it is.)
"""

import glob
import json
import os
import platform
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
from harness import Server, make_zip  # noqa: E402

SKIP = 77
MIRROR = os.environ.get("SLUICE_TF_MIRROR", "/opt/tf-plugins")
# One terraform command may not take longer than this: an apply waits for
# provisioned concurrency and function states, a few seconds each here.
TF_TIMEOUT = 240
ACCOUNT = "000000000000"
FN = "tf-fn"
SRC = "tf-src"
LOG_GROUP = "/aws/lambda/" + FN
ROLE = "arn:aws:iam::%s:role/tf-role" % ACCOUNT   # sluice has no IAM: any role is taken

# The function logs one JSON line per batch: the keys it got and the
# version that ran. CODE_TAG tells the code revisions apart.
HANDLER = """\
import json, os

CODE_TAG = %r

def handler(event, context):
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in event.get("Records", [])]
    print(json.dumps({"tag": CODE_TAG, "keys": keys,
                      "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")}))
    return {"tag": CODE_TAG}
"""

CLI_CONFIG = """\
provider_installation {
  filesystem_mirror {
    path    = %s
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
"""

# MAPPING_TARGET is the function_name of the mapping: the function's ARN
# first, then the alias's.
STACK = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "%(provider_version)s"
    }
  }
}

variable "endpoint" {
  type = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    cloudwatch     = var.endpoint
    logs           = var.endpoint
    dynamodb       = var.endpoint
    lambda         = var.endpoint
  }
}

resource "aws_dynamodb_table" "src" {
  name             = "%(src)s"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "pk"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
%(table_extra)s}

resource "aws_cloudwatch_log_group" "fn" {
  name              = "%(log_group)s"
  retention_in_days = 7
}

resource "aws_lambda_function" "fn" {
  function_name    = "%(fn)s"
  role             = "%(role)s"
  runtime          = "python3.12"
  handler          = "index.handler"
  filename         = "fn.zip"
  source_code_hash = filebase64sha256("fn.zip")
  publish          = true
  timeout          = 10
  depends_on       = [aws_cloudwatch_log_group.fn]
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.fn.function_name
  function_version = aws_lambda_function.fn.version
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  function_name                     = aws_lambda_function.fn.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = 1
}

resource "aws_lambda_function_event_invoke_config" "live" {
  function_name                = aws_lambda_function.fn.function_name
  qualifier                    = aws_lambda_alias.live.name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

resource "aws_lambda_permission" "dynamodb" {
  statement_id  = "AllowDynamoDB"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "dynamodb.amazonaws.com"
  source_arn    = aws_dynamodb_table.src.stream_arn
}

resource "aws_lambda_event_source_mapping" "src" {
  event_source_arn  = aws_dynamodb_table.src.stream_arn
  function_name     = %(mapping_target)s
  starting_position = "TRIM_HORIZON"
  batch_size        = 10
}

output "function_version" {
  value = aws_lambda_function.fn.version
}

output "mapping_uuid" {
  value = aws_lambda_event_source_mapping.src.uuid
}

output "stream_arn" {
  value = aws_dynamodb_table.src.stream_arn
}
"""


def find_terraform():
    """The terraform binary, or None."""
    explicit = os.environ.get("TERRAFORM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("terraform")


def find_provider():
    """(version, path) of the newest hashicorp/aws provider in the mirror
    for this machine, or None."""
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
    os_arch = "%s_%s" % (platform.system().lower(), arch)
    found = []
    pattern = os.path.join(MIRROR, "registry.terraform.io", "hashicorp", "aws", "*", os_arch,
                           "terraform-provider-aws_*")
    for path in glob.glob(pattern):
        version = path.split(os.sep)[-3]
        try:
            key = tuple(int(x) for x in version.split("."))
        except ValueError:
            continue
        found.append((key, version, path))
    if not found:
        return None
    found.sort()
    return found[-1][1], found[-1][2]


# The index step 4 adds to the table, in place.
GSI = """
  attribute {
    name = "kind"
    type = "S"
  }

  global_secondary_index {
    name            = "by-kind"
    hash_key        = "kind"
    projection_type = "ALL"
  }
"""


class TerraformCase(unittest.TestCase):
    """One sluice (debug log: every request's answer) and one terraform
    working directory per class, and the terraform commands; the suites'
    test classes derive from it. WORKDIR_PREFIX names the directory."""

    maxDiff = None
    WORKDIR_PREFIX = "sluice-tf-"

    @classmethod
    def setUpClass(cls):
        cls.terraform = find_terraform()
        cls.provider = find_provider()
        # Debug logging names every request's answer: the suites check
        # that the provider met no unknown operation, even one it
        # tolerates.
        cls.server = Server(extra_args=("--log-level", "debug"))
        cls.server.start()
        cls.dir = tempfile.mkdtemp(prefix=cls.WORKDIR_PREFIX)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()
            if os.environ.get("SLUICE_TF_KEEP") == "1":
                sys.stderr.write("kept %s\n" % cls.dir)
            else:
                shutil.rmtree(cls.dir, ignore_errors=True)

    def require_terraform(self):
        """Skips unless terraform and the provider mirror are there; writes
        the CLI config that points terraform at the mirror."""
        if not self.terraform:
            sys.stderr.write("SKIP: no terraform binary (PATH or TERRAFORM)\n")
            raise unittest.SkipTest("no terraform")
        if not self.provider:
            sys.stderr.write("SKIP: no hashicorp/aws provider in the filesystem mirror %s\n" % MIRROR)
            raise unittest.SkipTest("no provider mirror")
        with open(os.path.join(self.dir, "cli.tfrc"), "w") as f:
            f.write(CLI_CONFIG % json.dumps(MIRROR))

    # -- terraform -----------------------------------------------------------
    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        env.update({
            "TF_CLI_CONFIG_FILE": os.path.join(self.dir, "cli.tfrc"),
            "TF_DATA_DIR": os.path.join(self.dir, ".terraform"),
            "TF_PLUGIN_CACHE_DIR": os.path.join(self.dir, "plugin-cache"),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_VAR_endpoint": self.server.endpoint,
            "CHECKPOINT_DISABLE": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(self.dir, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.dir, "no-aws-credentials"),
        })
        if os.environ.get("SLUICE_TF_LOG"):
            env["TF_LOG"] = os.environ["SLUICE_TF_LOG"]
            env["TF_LOG_PATH"] = os.path.join(self.dir, "terraform.log")
        return env

    def tf(self, *args, ok=(0,)):
        """Runs terraform ARGS in the working directory; fails the test
        unless it exits with a status in OK. Returns the CompletedProcess."""
        t0 = time.monotonic()
        p = subprocess.run([self.terraform] + list(args) + ["-no-color"], cwd=self.dir, env=self.env(),
                           capture_output=True, text=True, timeout=TF_TIMEOUT)
        sys.stderr.write("terraform %s: exit %d in %.1f s\n" % (args[0], p.returncode, time.monotonic() - t0))
        if p.returncode not in ok:
            self.fail("terraform %s exited %d (want %s)\n--- stdout\n%s\n--- stderr\n%s\n--- sluice\n%s"
                      % (" ".join(args), p.returncode, ok, p.stdout[-6000:], p.stderr[-6000:],
                         self.server.log_tail()))
        return p

    def apply(self):
        return self.tf("apply", "-auto-approve", "-input=false")

    def assert_no_diff(self):
        p = self.tf("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
        self.assertEqual(p.returncode, 0, "plan shows changes after apply:\n" + p.stdout[-6000:])

    def outputs(self):
        p = self.tf("output", "-json")
        return {k: v["value"] for k, v in json.loads(p.stdout).items()}

    def server_log(self):
        """The server's log lines so far (kept in the working directory
        too under SLUICE_TF_KEEP=1)."""
        if os.environ.get("SLUICE_TF_KEEP") == "1":
            shutil.copy(self.server.log_path, os.path.join(self.dir, "sluice.log"))
        with open(self.server.log_path, errors="replace") as f:
            return f.read().splitlines()


class TerraformStack(TerraformCase):
    """The stream -> Lambda stack; the steps run in order as one test
    (each builds on the state the previous one left)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.server.client("lambda")
        cls.ddb = cls.server.client("dynamodb")
        cls.logs = cls.server.client("logs")

    def write_stack(self, mapping_target, gsi=False):
        """GSI adds a global index on "kind" to the table (an UpdateTable
        the provider waits on until the index is ACTIVE)."""
        extra = GSI if gsi else ""
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(STACK % {"provider_version": self.provider[0], "src": SRC, "log_group": LOG_GROUP,
                             "fn": FN, "role": ROLE, "mapping_target": mapping_target, "table_extra": extra})

    def write_code(self, tag):
        with open(os.path.join(self.dir, "fn.zip"), "wb") as f:
            f.write(make_zip({"index.py": HANDLER % tag}))

    # -- what the function saw -----------------------------------------------
    def log_lines(self):
        """Every JSON line the function logged: a list of dicts."""
        out, token = [], None
        for _ in range(1000):
            kw = {"logGroupName": LOG_GROUP}
            if token:
                kw["nextToken"] = token
            r = self.logs.filter_log_events(**kw)
            for e in r["events"]:
                msg = e["message"].strip()
                if msg.startswith("{"):
                    try:
                        out.append(json.loads(msg))
                    except ValueError:
                        pass
            token = r.get("nextToken")
            if not token:
                return out
        self.fail("filter_log_events did not finish")

    def audit(self, stream_arn):
        r = self.server.request("GET", "/_sluice/streams/audit?stream_arn=" + urllib.parse.quote(stream_arn))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait_delivered(self, stream_arn, n, timeout=30.0):
        """Waits until the stream holds N records, each delivered; returns the audit."""
        deadline = time.monotonic() + timeout
        while True:
            a = self.audit(stream_arn)
            if a["records"] == n and a["pending"] == 0 and a["never_delivered"] == 0 \
                    and a["delivered_once"] + a["duplicates"] == n:
                return a
            if time.monotonic() > deadline:
                self.fail("records not delivered within %.0f s: %r" % (timeout, a))
            time.sleep(0.1)

    def put(self, keys):
        for k in keys:
            self.ddb.put_item(TableName=SRC, Item={"pk": {"S": k}})

    # -- the scenario ------------------------------------------------------------
    def test_stack_lifecycle(self):
        self.require_terraform()
        self.write_code("v1")
        self.write_stack("aws_lambda_function.fn.arn")
        self.tf("init", "-input=false")

        # 1. The first apply, and no diff after it.
        self.apply()
        self.assert_no_diff()
        out = self.outputs()
        stream_arn, uuid = out["stream_arn"], out["mapping_uuid"]
        self.assertEqual(out["function_version"], "1")
        fn_arn = "arn:aws:lambda:us-east-1:%s:function:%s" % (ACCOUNT, FN)
        m = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual((m["FunctionArn"], m["EventSourceArn"]), (fn_arn, stream_arn))
        self.assertEqual(self.lam.get_alias(FunctionName=FN, Name="live")["FunctionVersion"], "1")
        pitr = self.ddb.describe_continuous_backups(TableName=SRC)["ContinuousBackupsDescription"]
        self.assertEqual(pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "ENABLED")
        groups = self.logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
        self.assertEqual([(g["logGroupName"], g.get("retentionInDays")) for g in groups], [(LOG_GROUP, 7)])

        # 2. Items reach the function ($LATEST, through the mapping).
        first = ["a%02d" % i for i in range(20)]
        self.put(first)
        a = self.wait_delivered(stream_arn, len(first))
        self.assertEqual((a["delivered_once"], a["duplicates"]), (len(first), 0))
        seen = [k for line in self.log_lines() if line.get("tag") == "v1" for k in line["keys"]]
        self.assertEqual(sorted(seen), first)

        # 3. The mapping moves to the alias, in place, while items keep coming.
        self.write_stack("aws_lambda_alias.live.arn")
        written, stop = [], threading.Event()

        def writer():
            ddb = self.server.client("dynamodb")
            i = 0
            while not stop.is_set():
                k = "b%04d" % i
                ddb.put_item(TableName=SRC, Item={"pk": {"S": k}})
                written.append(k)
                i += 1
                time.sleep(0.05)

        t = threading.Thread(target=writer)
        t.start()
        try:
            p = self.apply()
        finally:
            stop.set()
            t.join()
        self.assertIn("0 added, 1 changed, 0 destroyed", p.stdout)
        self.assertEqual(self.outputs()["mapping_uuid"], uuid, "the mapping was replaced, not updated")
        m = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(m["FunctionArn"], fn_arn + ":live")
        self.assertEqual(len(self.lam.list_event_source_mappings()["EventSourceMappings"]), 1)
        self.assertGreater(len(written), 0)
        a = self.wait_delivered(stream_arn, len(first) + len(written))
        self.assertEqual((a["records"], a["delivered_once"], a["duplicates"], a["never_delivered"]),
                         (len(first) + len(written), len(first) + len(written), 0, 0), a)

        # 4. A code change: publish version 2, the alias follows. The same
        # apply adds a global index to the table, in place (the items
        # written so far are in it).
        self.ddb.put_item(TableName=SRC, Item={"pk": {"S": "kinded"}, "kind": {"S": "k1"}})
        self.write_code("v2")
        self.write_stack("aws_lambda_alias.live.arn", gsi=True)
        p = self.apply()
        t = self.ddb.describe_table(TableName=SRC)["Table"]
        self.assertEqual([(x["IndexName"], x["IndexStatus"]) for x in t["GlobalSecondaryIndexes"]],
                         [("by-kind", "ACTIVE")])
        r = self.ddb.query(TableName=SRC, IndexName="by-kind", KeyConditionExpression="kind = :k",
                           ExpressionAttributeValues={":k": {"S": "k1"}})
        self.assertEqual([i["pk"]["S"] for i in r["Items"]], ["kinded"])
        self.assertEqual(self.outputs()["function_version"], "2")
        self.assertEqual(self.lam.get_alias(FunctionName=FN, Name="live")["FunctionVersion"], "2")
        r = self.lam.invoke(FunctionName=FN, Qualifier="live", Payload=b"{}")
        self.assertEqual(json.loads(r["Payload"].read()), {"tag": "v2"})
        late = ["c%02d" % i for i in range(5)]
        self.put(late)
        self.wait_delivered(stream_arn, len(first) + len(written) + 1 + len(late))
        by_key = {}
        for line in self.log_lines():
            for k in line.get("keys", []):
                by_key.setdefault(k, []).append((line["tag"], line["version"]))
        self.assertEqual({k: by_key.get(k) for k in late}, {k: [("v2", "2")] for k in late})

        # 5. A second apply is a no-op: the refresh finds everything as
        # configured, the mapping's alias ARN included. (A plan would say
        # the same; each terraform command starts the provider, which is
        # most of this suite's time, so it is not run again.)
        p = self.apply()
        self.assertIn("No changes.", p.stdout)
        self.assertIn("0 added, 0 changed, 0 destroyed", p.stdout)

        # 6. Destroy leaves nothing behind.
        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual(self.lam.list_functions()["Functions"], [])
        self.assertEqual(self.lam.list_event_source_mappings()["EventSourceMappings"], [])
        self.assertEqual(self.ddb.list_tables()["TableNames"], [])
        self.assertEqual(self.logs.describe_log_groups()["logGroups"], [])

        # No call the provider made, in any step, was unknown to sluice.
        unknown = [line.strip() for line in self.server_log() if "UnknownOperation" in line]
        self.assertEqual(unknown, [])


def skip(why):
    """Exits 77 (meson: SKIP), or 1 when SLUICE_REQUIRE_TERRAFORM is set:
    CI sets it, so that a machine without terraform fails instead of
    passing with the suite silently skipped."""
    sys.stderr.write(why)
    if os.environ.get("SLUICE_REQUIRE_TERRAFORM"):
        sys.stderr.write("FAIL: SLUICE_REQUIRE_TERRAFORM is set\n")
        sys.exit(1)
    sys.exit(SKIP)


def main():
    if not find_terraform():
        where = ("TERRAFORM=%s is not executable" % os.environ["TERRAFORM"] if os.environ.get("TERRAFORM")
                 else "no terraform on PATH")
        skip("SKIP: terraform is not installed (%s); this suite installs nothing from the "
             "network\n" % where)
    if not find_provider():
        skip("SKIP: no hashicorp/aws provider in the filesystem mirror %s (set "
             "SLUICE_TF_MIRROR); this suite installs nothing from the network\n" % MIRROR)
    harness.main()


if __name__ == "__main__":
    main()
