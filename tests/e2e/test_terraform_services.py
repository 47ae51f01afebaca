#!/usr/bin/env python3
"""Terraform deploys a stack that uses sluice's IAM, S3, SQS and SSM
(issue 15): an IAM role with a managed policy attached, the function's
code as an S3 object, an SSM parameter, and an SQS queue as the stream
mapping's on-failure destination of a handler that always fails. The
test runs:

  1. apply; `plan -detailed-exitcode` exits 0 (no perpetual diff);
  2. an item written to the table is given up by the failing handler and
     its failure record (docs/aws-reference.md D4) arrives in the queue;
  3. destroy leaves no role, bucket, queue, parameter, function or table.

Like test_terraform.py, nothing is downloaded: the terraform binary on
PATH (or TERRAFORM) and the provider from a local filesystem mirror
(SLUICE_TF_MIRROR); without them it exits 77 (SKIP), or 1 under
SLUICE_REQUIRE_TERRAFORM.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_terraform_services.py -v
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import make_zip  # noqa: E402
from test_terraform import TerraformCase, find_provider, find_terraform, skip  # noqa: E402

ACCOUNT = "000000000000"
PREFIX = "tf-svc"

HANDLER = """\
def handler(event, context):
    raise RuntimeError("always fails: %d records" % len(event.get("Records", [])))
"""

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
  s3_use_path_style           = true
  endpoints {
    dynamodb = var.endpoint
    iam      = var.endpoint
    lambda   = var.endpoint
    logs     = var.endpoint
    s3       = var.endpoint
    sqs      = var.endpoint
    ssm      = var.endpoint
    sts      = var.endpoint
  }
}

resource "aws_iam_role" "fn" {
  name = "%(p)s-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "stream" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"
}

resource "aws_s3_bucket" "code" {
  bucket = "%(p)s-code"
}

resource "aws_s3_object" "code" {
  bucket = aws_s3_bucket.code.id
  key    = "fn.zip"
  source = "fn.zip"
  etag   = filemd5("fn.zip")
}

resource "aws_sqs_queue" "failures" {
  name = "%(p)s-failures"
}

resource "aws_ssm_parameter" "mode" {
  name  = "/%(p)s/mode"
  type  = "String"
  value = "always-fail"
}

resource "aws_dynamodb_table" "src" {
  name             = "%(p)s-src"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "pk"
  stream_enabled   = true
  stream_view_type = "NEW_IMAGE"

  attribute {
    name = "pk"
    type = "S"
  }
}

resource "aws_lambda_function" "fn" {
  function_name    = "%(p)s-fn"
  role             = aws_iam_role.fn.arn
  runtime          = "python3.12"
  handler          = "index.handler"
  s3_bucket        = aws_s3_bucket.code.id
  s3_key           = aws_s3_object.code.key
  source_code_hash = filebase64sha256("fn.zip")
  depends_on       = [aws_iam_role_policy_attachment.stream]
}

resource "aws_lambda_event_source_mapping" "src" {
  event_source_arn       = aws_dynamodb_table.src.stream_arn
  function_name          = aws_lambda_function.fn.arn
  starting_position      = "TRIM_HORIZON"
  maximum_retry_attempts = 0

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failures.arn
    }
  }
}

output "queue_url" {
  value = aws_sqs_queue.failures.url
}

output "stream_arn" {
  value = aws_dynamodb_table.src.stream_arn
}

output "role_arn" {
  value = aws_iam_role.fn.arn
}
"""


class TerraformServicesStack(TerraformCase):
    WORKDIR_PREFIX = "sluice-tf-svc-"

    def test_stack_with_iam_s3_sqs_ssm(self):
        self.require_terraform()
        with open(os.path.join(self.dir, "fn.zip"), "wb") as f:
            f.write(make_zip({"index.py": HANDLER}))
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(STACK % {"provider_version": self.provider[0], "p": PREFIX})
        self.tf("init", "-input=false")

        # 1. Apply, then no diff.
        self.apply()
        self.assert_no_diff()
        out = self.outputs()
        iam = self.server.client("iam")
        role = iam.get_role(RoleName=PREFIX + "-role")["Role"]
        self.assertEqual(role["Arn"], out["role_arn"])
        self.assertTrue(role["RoleId"].startswith("AROA"))
        attached = iam.list_attached_role_policies(RoleName=PREFIX + "-role")["AttachedPolicies"]
        self.assertEqual([a["PolicyName"] for a in attached], ["AWSLambdaDynamoDBExecutionRole"])
        ssm = self.server.client("ssm")
        self.assertEqual(ssm.get_parameter(Name="/%s/mode" % PREFIX)["Parameter"]["Value"], "always-fail")
        lam = self.server.client("lambda")
        cfg = lam.get_function(FunctionName=PREFIX + "-fn")["Configuration"]
        self.assertEqual(cfg["Role"], out["role_arn"])

        # 2. A record the handler always fails on lands in the queue.
        ddb = self.server.client("dynamodb")
        ddb.put_item(TableName=PREFIX + "-src", Item={"pk": {"S": "poison"}})
        sqs = self.server.client("sqs")
        deadline = time.monotonic() + 30
        msgs = []
        while not msgs and time.monotonic() < deadline:
            msgs = sqs.receive_message(QueueUrl=out["queue_url"], WaitTimeSeconds=2).get("Messages", [])
        self.assertEqual(len(msgs), 1, "no failure record reached the queue")
        rec = json.loads(msgs[0]["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetryAttemptsExhausted")
        self.assertEqual(rec["requestContext"]["functionArn"],
                         "arn:aws:lambda:us-east-1:%s:function:%s-fn" % (ACCOUNT, PREFIX))
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(rec["DDBStreamBatchInfo"]["streamArn"], out["stream_arn"])
        self.assertEqual(rec["DDBStreamBatchInfo"]["batchSize"], 1)

        # 3. Destroy leaves nothing behind.
        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual(iam.list_roles()["Roles"], [])
        self.assertEqual(self.server.client("s3").list_buckets()["Buckets"], [])
        self.assertEqual(sqs.list_queues().get("QueueUrls", []), [])
        self.assertEqual(ssm.describe_parameters()["Parameters"], [])
        self.assertEqual(lam.list_functions()["Functions"], [])
        self.assertEqual(ddb.list_tables()["TableNames"], [])
        log = self.server_log()
        unknown = [line.strip() for line in log if "UnknownOperation" in line or "InvalidAction" in line]
        self.assertEqual(unknown, [])


def main():
    if not find_terraform():
        skip("SKIP: terraform is not installed; this suite installs nothing from the network\n")
    if not find_provider():
        skip("SKIP: no hashicorp/aws provider in the filesystem mirror; this suite installs nothing\n")
    harness.main()


if __name__ == "__main__":
    main()
