#!/usr/bin/env python3
"""The main Lambda flows through the aws CLI (v1 here; the commands are the
same in v2), including exit codes and error text on stderr.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_cli.py -v
"""

import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import ROLE, SluiceTestCase, code_sha256, handler_zip  # noqa: E402

if shutil.which("aws") is None:
    sys.stderr.write("aws CLI not on PATH: skipping\n")
    sys.exit(77)

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


class CliTestCase(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.zip_path = os.path.join(self.server.tmp, "code.zip")
        with open(self.zip_path, "wb") as f:
            f.write(handler_zip())
        self.zip2_path = os.path.join(self.server.tmp, "code2.zip")
        with open(self.zip2_path, "wb") as f:
            f.write(handler_zip(code="def handler(e, c):\n    return 2\n"))

    def aws(self, *args, **kw):
        p = self.server.cli(*args, **kw)
        self.assertEqual(p.returncode, 0, "aws %s failed (%d):\n%s" % (" ".join(args), p.returncode, p.stderr))
        return p.json

    def aws_fails(self, *args, code, op, message=None, rc=255, **kw):
        """Asserts the CLI's exit code and its 'An error occurred (...)' line."""
        p = self.server.cli(*args, **kw)
        self.assertEqual(p.returncode, rc, "aws %s: stdout=%r stderr=%r" % (" ".join(args), p.stdout, p.stderr))
        line = [ln for ln in p.stderr.splitlines() if "An error occurred" in ln]
        self.assertTrue(line, "no error line in stderr: %r" % p.stderr)
        line = line[0].strip()
        # botocore adds " (reached max retries: N)" in standard retry mode
        m = re.match(r"^An error occurred \((.+?)\) when calling the (\w+) operation"
                     r"(?: \(reached max retries: \d+\))?: (.*)$", line)
        self.assertIsNotNone(m, "unexpected error line: %r" % line)
        self.assertEqual(m.group(1), code, line)
        self.assertEqual(m.group(2), op, line)
        if message is not None:
            self.assertEqual(m.group(3), message)
        return p

    def create(self, name="fn", *extra, **kw):
        out = self.aws("lambda", "create-function", "--function-name", name,
                       "--runtime", "python3.12", "--role", ROLE, "--handler", "index.handler",
                       "--zip-file", "fileb://" + self.zip_path, *extra, **kw)
        return out

    def wait_active_cli(self, name, **kw):
        deadline = time.monotonic() + 5
        while True:
            cfg = self.aws("lambda", "get-function-configuration", "--function-name", name, **kw)
            if cfg["State"] == "Active" and cfg.get("LastUpdateStatus", "Successful") == "Successful":
                return cfg
            self.assertLess(time.monotonic(), deadline, "not Active: %r" % cfg)
            time.sleep(0.1)


class CliFlowTests(CliTestCase):
    def test_main_flow(self):
        out = self.create("fn", "--description", "from the cli", "--timeout", "10",
                          "--environment", "Variables={A=1,B=two}", "--tags", "team=cli")
        self.assertEqual(out["FunctionArn"], ARN + "fn")
        self.assertEqual(out["State"], "Pending")
        self.assertEqual(out["CodeSha256"], code_sha256(handler_zip()))
        self.assertEqual(out["CodeSize"], os.path.getsize(self.zip_path))
        self.assertEqual(out["Timeout"], 10)
        self.wait_active_cli("fn")

        got = self.aws("lambda", "get-function", "--function-name", "fn")
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertEqual(got["Configuration"]["Description"], "from the cli")
        self.assertEqual(got["Configuration"]["Environment"], {"Variables": {"A": "1", "B": "two"}})
        self.assertEqual(got["Code"]["RepositoryType"], "S3")
        self.assertEqual(got["Tags"], {"team": "cli"})

        listed = self.aws("lambda", "list-functions")
        self.assertEqual([f["FunctionName"] for f in listed["Functions"]], ["fn"])

        v = self.aws("lambda", "publish-version", "--function-name", "fn", "--description", "one")
        self.assertEqual(v["Version"], "1")
        self.assertEqual(v["FunctionArn"], ARN + "fn:1")

        upd = self.aws("lambda", "update-function-code", "--function-name", "fn",
                       "--zip-file", "fileb://" + self.zip2_path, "--publish")
        self.assertEqual(upd["Version"], "2")
        self.assertEqual(upd["CodeSha256"], code_sha256(handler_zip(code="def handler(e, c):\n    return 2\n")))
        self.wait_active_cli("fn")

        versions = self.aws("lambda", "list-versions-by-function", "--function-name", "fn")
        self.assertEqual([x["Version"] for x in versions["Versions"]], ["$LATEST", "1", "2"])

        alias = self.aws("lambda", "create-alias", "--function-name", "fn", "--name", "live",
                         "--function-version", "1",
                         "--routing-config", "AdditionalVersionWeights={2=0.1}")
        self.assertEqual(alias["AliasArn"], ARN + "fn:live")
        self.assertEqual(alias["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.1}})
        alias = self.aws("lambda", "update-alias", "--function-name", "fn", "--name", "live",
                         "--function-version", "2", "--routing-config", "AdditionalVersionWeights={}")
        self.assertEqual(alias["FunctionVersion"], "2")
        aliases = self.aws("lambda", "list-aliases", "--function-name", "fn")
        self.assertEqual([a["Name"] for a in aliases["Aliases"]], ["live"])
        via_alias = self.aws("lambda", "get-function-configuration", "--function-name", "fn",
                             "--qualifier", "live")
        self.assertEqual(via_alias["Version"], "2")

        conc = self.aws("lambda", "put-function-concurrency", "--function-name", "fn",
                        "--reserved-concurrent-executions", "25")
        self.assertEqual(conc, {"ReservedConcurrentExecutions": 25})
        self.assertEqual(self.aws("lambda", "get-function-concurrency", "--function-name", "fn"),
                         {"ReservedConcurrentExecutions": 25})

        pc = self.aws("lambda", "put-provisioned-concurrency-config", "--function-name", "fn",
                      "--qualifier", "live", "--provisioned-concurrent-executions", "5")
        self.assertEqual(pc["Status"], "IN_PROGRESS")
        self.assertEqual(pc["RequestedProvisionedConcurrentExecutions"], 5)

        settings = self.aws("lambda", "get-account-settings")
        self.assertEqual(settings["AccountLimit"]["ConcurrentExecutions"], 1000)
        self.assertEqual(settings["AccountLimit"]["UnreservedConcurrentExecutions"], 975)
        self.assertEqual(settings["AccountUsage"]["FunctionCount"], 1)

        perm = self.aws("lambda", "add-permission", "--function-name", "fn", "--statement-id", "s3",
                        "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com",
                        "--source-arn", "arn:aws:s3:::bucket")
        self.assertEqual(json.loads(perm["Statement"])["Sid"], "s3")
        pol = self.aws("lambda", "get-policy", "--function-name", "fn")
        self.assertEqual([s["Sid"] for s in json.loads(pol["Policy"])["Statement"]], ["s3"])
        p = self.server.cli("lambda", "remove-permission", "--function-name", "fn", "--statement-id", "s3")
        self.assertEqual(p.returncode, 0, p.stderr)

        p = self.server.cli("lambda", "tag-resource", "--resource", ARN + "fn", "--tags", "x=1,y=2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.aws("lambda", "list-tags", "--resource", ARN + "fn")["Tags"],
                         {"team": "cli", "x": "1", "y": "2"})
        p = self.server.cli("lambda", "untag-resource", "--resource", ARN + "fn", "--tag-keys", "x", "team")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.aws("lambda", "list-tags", "--resource", ARN + "fn")["Tags"], {"y": "2"})

        p = self.server.cli("lambda", "delete-alias", "--function-name", "fn", "--name", "live")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.server.cli("lambda", "delete-function-concurrency", "--function-name", "fn")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.server.cli("lambda", "delete-function", "--function-name", "fn")
        self.assertEqual(p.returncode, 0, p.stderr)
        # the CLI prints the modelled StatusCode member of DeleteFunction's output
        self.assertEqual(p.json, {"StatusCode": 204})
        self.assertEqual(self.aws("lambda", "list-functions")["Functions"], [])

    def test_update_function_configuration(self):
        self.create("fn")
        self.wait_active_cli("fn")
        out = self.aws("lambda", "update-function-configuration", "--function-name", "fn",
                       "--memory-size", "256", "--timeout", "30", "--handler", "index.other")
        self.assertEqual((out["MemorySize"], out["Timeout"], out["Handler"]), (256, 30, "index.other"))
        self.assertEqual(out["LastUpdateStatus"], "InProgress")
        cfg = self.wait_active_cli("fn")
        self.assertEqual(cfg["MemorySize"], 256)

    def test_list_functions_pagination(self):
        for i in range(5):
            self.create("f%d" % i)
        # the CLI follows NextMarker itself
        out = self.aws("lambda", "list-functions", "--page-size", "2")
        self.assertEqual(sorted(f["FunctionName"] for f in out["Functions"]), ["f%d" % i for i in range(5)])
        # and hands out a token with --max-items
        first = self.aws("lambda", "list-functions", "--max-items", "2")
        self.assertEqual(len(first["Functions"]), 2)
        self.assertIn("NextToken", first)
        rest = self.aws("lambda", "list-functions", "--starting-token", first["NextToken"])
        names = [f["FunctionName"] for f in first["Functions"] + rest["Functions"]]
        self.assertEqual(sorted(names), ["f%d" % i for i in range(5)])
        every = self.aws("lambda", "list-functions", "--function-version", "ALL")
        self.assertEqual(len(every["Functions"]), 5)
        self.assertTrue(all(f["FunctionArn"].endswith(":$LATEST") for f in every["Functions"]))

    def test_account_and_region_from_cli_credentials(self):
        out = self.create("fn", access_key="111111111111")
        self.assertEqual(out["FunctionArn"], "arn:aws:lambda:us-east-1:111111111111:function:fn")
        out = self.create("fn", region="eu-west-1")
        self.assertEqual(out["FunctionArn"], "arn:aws:lambda:eu-west-1:000000000000:function:fn")
        out = self.aws("lambda", "list-functions", "--region", "ap-southeast-1")
        self.assertEqual(out["Functions"], [])
        self.assertEqual(len(self.aws("lambda", "list-functions")["Functions"]), 0)

    def test_text_output(self):
        self.create("fn")
        p = self.server.cli("lambda", "get-function-configuration", "--function-name", "fn",
                            "--query", "FunctionArn")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), ARN + "fn")


class CliErrorTests(CliTestCase):
    def test_not_found(self):
        self.aws_fails("lambda", "get-function", "--function-name", "nope",
                       code="ResourceNotFoundException", op="GetFunction",
                       message="Function not found: " + ARN + "nope")
        self.aws_fails("lambda", "delete-function", "--function-name", "nope",
                       code="ResourceNotFoundException", op="DeleteFunction",
                       message="Function not found: " + ARN + "nope")

    def test_duplicate(self):
        self.create("fn")
        self.aws_fails("lambda", "create-function", "--function-name", "fn", "--runtime", "python3.12",
                       "--role", ROLE, "--handler", "index.handler", "--zip-file", "fileb://" + self.zip_path,
                       code="ResourceConflictException", op="CreateFunction",
                       message="Function already exist: fn")

    def test_create_validation(self):
        self.aws_fails("lambda", "create-function", "--function-name", "fn", "--runtime", "python3.7",
                       "--role", ROLE, "--handler", "index.handler", "--zip-file", "fileb://" + self.zip_path,
                       code="InvalidParameterValueException", op="CreateFunction",
                       message="The runtime parameter of python3.7 is no longer supported for creating "
                               "or updating AWS Lambda functions. We recommend you use a supported "
                               "runtime while creating or updating functions.")
        self.aws_fails("lambda", "create-function", "--function-name", "fn", "--runtime", "python3.12",
                       "--role", "r1", "--handler", "index.handler", "--zip-file", "fileb://" + self.zip_path,
                       code="ValidationException", op="CreateFunction",
                       message="1 validation error detected: Value 'r1' at 'role' failed to satisfy "
                               "constraint: Member must satisfy regular expression pattern: "
                               "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")
        bad = os.path.join(self.server.tmp, "bad.zip")
        # The CLI itself refuses files without a zip central directory, so
        # this one has a valid directory but a destroyed local header.
        data = bytearray(handler_zip())
        data[0:4] = b"XXXX"
        with open(bad, "wb") as f:
            f.write(bytes(data))
        self.aws_fails("lambda", "create-function", "--function-name", "fn", "--runtime", "python3.12",
                       "--role", ROLE, "--handler", "index.handler", "--zip-file", "fileb://" + bad,
                       code="InvalidParameterValueException", op="CreateFunction",
                       message="Could not unzip uploaded file. Please check your file, then try to "
                               "upload again.")

    def test_precondition_failed(self):
        self.create("fn")
        self.wait_active_cli("fn")
        self.aws_fails("lambda", "update-function-configuration", "--function-name", "fn",
                       "--timeout", "5", "--revision-id", "00000000-0000-0000-0000-000000000000",
                       code="PreconditionFailedException", op="UpdateFunctionConfiguration",
                       message="The Revision Id provided does not match the latest Revision Id. Call "
                               "the GetFunction/GetAlias API to retrieve the latest Revision Id")

    def test_concurrency_errors(self):
        self.create("fn")
        self.aws_fails("lambda", "put-function-concurrency", "--function-name", "fn",
                       "--reserved-concurrent-executions", "901",
                       code="InvalidParameterValueException", op="PutFunctionConcurrency",
                       message="Specified ReservedConcurrentExecutions for function decreases "
                               "account's UnreservedConcurrentExecution below its minimum value of [100].")
        self.aws_fails("lambda", "put-provisioned-concurrency-config", "--function-name", "fn",
                       "--qualifier", "$LATEST", "--provisioned-concurrent-executions", "1",
                       code="InvalidParameterValueException", op="PutProvisionedConcurrencyConfig",
                       message="Provisioned Concurrency Configs cannot be applied to unpublished "
                               "function versions.")
        self.aws("lambda", "publish-version", "--function-name", "fn")
        self.aws_fails("lambda", "get-provisioned-concurrency-config", "--function-name", "fn",
                       "--qualifier", "1",
                       code="ProvisionedConcurrencyConfigNotFoundException",
                       op="GetProvisionedConcurrencyConfig",
                       message="No Provisioned Concurrency Config found for this function")

    def test_alias_errors(self):
        self.create("fn")
        self.aws_fails("lambda", "get-alias", "--function-name", "fn", "--name", "nope",
                       code="ResourceNotFoundException", op="GetAlias",
                       message="Cannot find alias arn: " + ARN + "fn:nope")
        self.aws_fails("lambda", "create-alias", "--function-name", "fn", "--name", "live",
                       "--function-version", "7",
                       code="ResourceNotFoundException", op="CreateAlias",
                       message="Function not found: " + ARN + "fn:7")

    def test_usage_error_exit_code(self):
        p = self.server.cli("lambda", "get-function")
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("An error occurred", p.stderr)


if __name__ == "__main__":
    harness.main()
