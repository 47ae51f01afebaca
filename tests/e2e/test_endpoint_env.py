#!/usr/bin/env python3
"""The AWS_ENDPOINT_URL environment variable alone points boto3 and the aws
CLI at sluice: no endpoint_url argument, no --endpoint-url flag.

Each client runs in a fresh subprocess whose environment holds only
AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>), AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION, plus PATH (to find the CLI) and
AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE naming files that do not exist,
so that a ~/.aws/config on the machine cannot be what points it anywhere.

botocore reads these variables since 1.31.0 (July 2023; aws CLI v1 1.29.0,
which uses that botocore): the global AWS_ENDPOINT_URL and the
service-specific AWS_ENDPOINT_URL_<SERVICE ID> (DYNAMODB, LAMBDA,
DYNAMODB_STREAMS, CLOUDWATCH), which wins over the global one. Older
versions ignore them; the tests skip, saying so, rather than pretend.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_endpoint_env.py -v
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import ROLE, SluiceTestCase, handler_zip  # noqa: E402

import botocore  # noqa: E402

CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens there

# Run in the child: builds each client with boto3.client(name) only and
# prints, per service, the endpoint it resolved and what it got back.
CHILD = textwrap.dedent("""
    import json, sys, boto3
    from botocore.config import Config
    cfg = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10)
    out = {}
    what = sys.argv[1]
    lam = boto3.client("lambda", config=cfg)
    ddb = boto3.client("dynamodb", config=cfg)
    streams = boto3.client("dynamodbstreams", config=cfg)
    cw = boto3.client("cloudwatch", config=cfg)
    out["endpoints"] = {c.meta.service_model.service_id.hyphenize(): c.meta.endpoint_url
                        for c in (lam, ddb, streams, cw)}
    out["region"] = lam.meta.region_name
    if what == "all":
        out["functions"] = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
        t = ddb.create_table(
            TableName="made-via-env", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        out["stream_arn"] = t["TableDescription"]["LatestStreamArn"]
        out["tables"] = ddb.list_tables()["TableNames"]
        out["streams"] = [s["StreamArn"] for s in streams.list_streams()["Streams"]]
        out["metrics"] = cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]
    elif what == "dynamodb":
        out["tables"] = ddb.list_tables()["TableNames"]
    print(json.dumps(out))
""")


def _version(text):
    return tuple(int(x) for x in text.split(".")[:3])


BOTOCORE = _version(botocore.__version__)
ENV_SUPPORTED = BOTOCORE >= (1, 31, 0)


class EndpointEnvCase(SluiceTestCase):
    def env(self, **extra):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.path.join(self.server.tmp, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.server.tmp, "no-aws-credentials"),
        }
        env.update(extra)
        return env

    def child(self, what, **env):
        p = subprocess.run([sys.executable, "-c", CHILD, what], env=self.env(**env),
                           capture_output=True, text=True, timeout=60, cwd=self.server.tmp)
        self.assertEqual(p.returncode, 0, "child failed:\n" + p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else None

    def aws(self, *args, **env):
        # No --endpoint-url here: that is the point.
        p = subprocess.run(["aws", *args, "--output", "json"], env=self.env(AWS_PAGER="", **env),
                           capture_output=True, text=True, timeout=60, cwd=self.server.tmp)
        self.assertEqual(p.returncode, 0, "aws %s failed:\n%s" % (" ".join(args), p.stderr))
        return json.loads(p.stdout) if p.stdout.strip() else None


@unittest.skipUnless(ENV_SUPPORTED, "botocore %s predates AWS_ENDPOINT_URL (1.31.0)"
                                   % botocore.__version__)
class Boto3(EndpointEnvCase):
    def test_without_it_boto3_would_go_to_aws(self):
        # The control: the same child without the variable resolves AWS's
        # endpoints (it makes no call), so the tests below can fail.
        out = self.child("endpoints")
        self.assertEqual(out["endpoints"], {
            "lambda": "https://lambda.us-east-1.amazonaws.com",
            "dynamodb": "https://dynamodb.us-east-1.amazonaws.com",
            "dynamodb-streams": "https://streams.dynamodb.us-east-1.amazonaws.com",
            "cloudwatch": "https://monitoring.us-east-1.amazonaws.com",
        })
        # AWS_IGNORE_CONFIGURED_ENDPOINT_URLS switches the variable off.
        out = self.child("endpoints", AWS_ENDPOINT_URL=self.endpoint, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true")
        self.assertEqual(out["endpoints"]["lambda"], "https://lambda.us-east-1.amazonaws.com")

    def test_global_variable_points_every_client_at_sluice(self):
        self.create_function("made-by-parent")
        out = self.child("all", AWS_ENDPOINT_URL=self.endpoint)
        self.assertEqual(out["endpoints"], {s: self.endpoint for s in
                                            ("lambda", "dynamodb", "dynamodb-streams", "cloudwatch")})
        self.assertEqual(out["region"], "us-east-1")
        self.assertEqual(out["functions"], ["made-by-parent"])
        self.assertEqual(out["tables"], ["made-via-env"])
        self.assertEqual(out["streams"], [out["stream_arn"]])
        self.assertEqual(out["metrics"], [])
        # ...and the table the child made is in this sluice.
        ddb = self.server.client("dynamodb")
        self.assertEqual(ddb.describe_table(TableName="made-via-env")["Table"]["LatestStreamArn"],
                         out["stream_arn"])

    def test_service_specific_variable_wins(self):
        self.server.client("dynamodb").create_table(
            TableName="tab1", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        out = self.child("dynamodb", AWS_ENDPOINT_URL=CLOSED, AWS_ENDPOINT_URL_DYNAMODB=self.endpoint)
        self.assertEqual(out["endpoints"], {"lambda": CLOSED, "dynamodb": self.endpoint,
                                            "dynamodb-streams": CLOSED, "cloudwatch": CLOSED})
        self.assertEqual(out["tables"], ["tab1"])
        # Service-specific alone, no global one.
        out = self.child("endpoints", AWS_ENDPOINT_URL_LAMBDA=self.endpoint,
                         AWS_ENDPOINT_URL_DYNAMODB_STREAMS=self.endpoint)
        self.assertEqual(out["endpoints"], {
            "lambda": self.endpoint, "dynamodb": "https://dynamodb.us-east-1.amazonaws.com",
            "dynamodb-streams": self.endpoint, "cloudwatch": "https://monitoring.us-east-1.amazonaws.com"})


def cli_botocore_version():
    """The botocore the aws CLI runs on, from `aws --version`, or None."""
    if shutil.which("aws") is None:
        return None
    p = subprocess.run(["aws", "--version"], capture_output=True, text=True, timeout=60)
    m = re.search(r"botocore/(\d+\.\d+\.\d+)", p.stdout + p.stderr)
    if m:
        return _version(m.group(1))
    m = re.search(r"aws-cli/2\.", p.stdout + p.stderr)
    return (2, 0, 0) if m else None  # CLI v2 has read AWS_ENDPOINT_URL since 2.13.0


CLI_BOTOCORE = cli_botocore_version()


@unittest.skipUnless(CLI_BOTOCORE is not None and CLI_BOTOCORE >= (1, 31, 0),
                                   "no aws CLI, or its botocore predates AWS_ENDPOINT_URL")
class AwsCli(EndpointEnvCase):
    def test_global_variable(self):
        self.create_function("f1")
        ddb = self.server.client("dynamodb")
        ddb.create_table(TableName="tab1", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        out = self.aws("lambda", "list-functions", AWS_ENDPOINT_URL=self.endpoint)
        self.assertEqual([f["FunctionName"] for f in out["Functions"]], ["f1"])
        out = self.aws("dynamodb", "list-tables", AWS_ENDPOINT_URL=self.endpoint)
        self.assertEqual(out, {"TableNames": ["tab1"]})
        # A write through the CLI lands in this sluice.
        self.aws("dynamodb", "put-item", "--table-name", "tab1", "--item", '{"pk": {"S": "cli"}}',
                 AWS_ENDPOINT_URL=self.endpoint)
        self.assertEqual(ddb.get_item(TableName="tab1", Key={"pk": {"S": "cli"}})["Item"], {"pk": {"S": "cli"}})

    def test_service_specific_variable_wins(self):
        self.create_function("f1")
        out = self.aws("lambda", "list-functions", AWS_ENDPOINT_URL=CLOSED,
                       AWS_ENDPOINT_URL_LAMBDA=self.endpoint)
        self.assertEqual([f["FunctionName"] for f in out["Functions"]], ["f1"])
        # The global one still applies to the other services: a closed port.
        p = subprocess.run(["aws", "dynamodb", "list-tables", "--cli-connect-timeout", "2"],
                           env=self.env(AWS_PAGER="", AWS_MAX_ATTEMPTS="1", AWS_ENDPOINT_URL=CLOSED,
                                        AWS_ENDPOINT_URL_LAMBDA=self.endpoint),
                           capture_output=True, text=True, timeout=60, cwd=self.server.tmp)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('Could not connect to the endpoint URL: "%s/"' % CLOSED, p.stderr)


if __name__ == "__main__":
    harness.main()
