#!/usr/bin/env python3
"""Lambda control plane through boto3, error paths included.

Expected codes, statuses and messages come from docs/aws-reference.md B1-B9 and C.
Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_lambda_api.py -v
"""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import ROLE, SluiceTestCase, code_sha256, handler_zip  # noqa: E402

ACCT = "000000000000"
REGION = "us-east-1"
ARN_PREFIX = "arn:aws:lambda:%s:%s:function:" % (REGION, ACCT)
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
LAMBDA_DATE_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$"

REVISION_MSG = ("The Revision Id provided does not match the latest Revision Id. "
                "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
POLICY_REVISION_MSG = ("The Revision Id provided does not match the latest Revision Id. "
                       "Call the GetPolicy API to retrieve the latest Revision Id")
ROLE_MSG = ("1 validation error detected: Value '%s' at 'role' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: "
            "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")
DEPRECATED_MSG = ("The runtime parameter of %s is no longer supported for creating or updating "
                  "AWS Lambda functions. We recommend you use a supported runtime while creating "
                  "or updating functions.")
ENV_TOO_BIG_MSG = ("Lambda was unable to configure your environment variables because the "
                   "environment variables you have provided exceeded the 4KB limit. "
                   "String measured: %s")
ENV_RESERVED_MSG = ("Lambda was unable to configure your environment variables because the "
                    "environment variables you have provided contains reserved keys that are "
                    "currently not supported for modification. Reserved keys used in this "
                    "request: %s")
BAD_ZIP_MSG = "Could not unzip uploaded file. Please check your file, then try to upload again."
QUALIFIED_CONC_MSG = ("This operation is permitted on Lambda functions only. Aliases and versions "
                      "do not support this operation. Please specify either a function name or an "
                      "unqualified function ARN.")
RESERVED_MIN_MSG = ("Specified ReservedConcurrentExecutions for function decreases account's "
                    "UnreservedConcurrentExecution below its minimum value of [%d].")
PC_MIN_MSG = ("Specified ConcurrentExecutions for function decreases account's "
              "UnreservedConcurrentExecution below its minimum value of [%d].")
PC_OVER_U_MSG = ("Specified ConcurrentExecutions for function is greater than account's "
                 "unreserved concurrency [%d].")
PC_OVER_RESERVED_MSG = ("Requested Provisioned Concurrency should not be greater than the "
                        "reservedConcurrentExecution for function")
PC_LATEST_PUT_MSG = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
PC_LATEST_GET_MSG = "The function resource provided must be an alias or a published version."
PC_NOT_FOUND_MSG = "No Provisioned Concurrency Config found for this function"
TAGS_QUALIFIED_MSG = "Tags on function aliases and versions are not supported. Please specify a function ARN."

SUPPORTED_RUNTIMES = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
                      "python3.14", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
                      "provided.al2", "provided.al2023"]
DEPRECATED_RUNTIMES = ["python3.7", "nodejs12.x", "nodejs14.x", "java8", "go1.x", "provided",
                       "dotnetcore3.1", "ruby2.7"]

LIST_HIDDEN_FIELDS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus",
                      "LastUpdateStatusReason", "LastUpdateStatusReasonCode",
                      "RuntimeVersionConfig")


def fn_arn(name, qualifier=None, account=ACCT, region=REGION):
    arn = "arn:aws:lambda:%s:%s:function:%s" % (region, account, name)
    return arn + ":" + qualifier if qualifier else arn


class LambdaTestCase(SluiceTestCase):
    def publish(self, name="fn", **kw):
        v = self.lam.publish_version(FunctionName=name, **kw)
        return v

    def bump(self, name="fn", timeout=None):
        """Changes $LATEST's configuration so that a new version can be published."""
        cfg = self.lam.get_function_configuration(FunctionName=name)
        t = timeout or (cfg["Timeout"] % 800) + 1
        self.lam.update_function_configuration(FunctionName=name, Timeout=t)
        self.wait_active(name)

    def fn_with_versions(self, name="fn", n=2):
        """Creates NAME and publishes N versions; returns the version strings."""
        self.create_function(name)
        out = []
        for i in range(n):
            if i:
                self.bump(name, timeout=10 + i)
            out.append(self.publish(name)["Version"])
        return out

    def wait_pc(self, name, qualifier, status="READY", timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            cfg = self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
            if cfg["Status"] == status:
                return cfg
            if time.monotonic() > deadline:
                self.fail("PC %s:%s not %s within %.0f s: %r" % (name, qualifier, status, timeout, cfg))
            time.sleep(0.05)

    def account_settings(self, client=None):
        return (client or self.lam).get_account_settings()

    def unreserved(self, client=None):
        return self.account_settings(client)["AccountLimit"]["UnreservedConcurrentExecutions"]


# ---------------------------------------------------------------------------
class CreateFunctionTests(LambdaTestCase):
    def test_create_defaults(self):
        z = handler_zip()
        resp = self.lam.create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE,
                                        Handler="index.handler", Code={"ZipFile": z})
        self.assertStatus(resp, 201)
        self.assertEqual(resp["FunctionName"], "fn")
        self.assertEqual(resp["FunctionArn"], fn_arn("fn"))
        self.assertEqual(resp["Runtime"], "python3.12")
        self.assertEqual(resp["Role"], ROLE)
        self.assertEqual(resp["Handler"], "index.handler")
        self.assertEqual(resp["Version"], "$LATEST")
        self.assertEqual(resp["Description"], "")
        self.assertEqual(resp["Timeout"], 3)
        self.assertEqual(resp["MemorySize"], 128)
        self.assertEqual(resp["PackageType"], "Zip")
        self.assertEqual(resp["Architectures"], ["x86_64"])
        self.assertEqual(resp["EphemeralStorage"], {"Size": 512})
        self.assertEqual(resp["TracingConfig"], {"Mode": "PassThrough"})
        self.assertEqual(resp["CodeSize"], len(z))
        self.assertEqual(resp["CodeSha256"], code_sha256(z))
        self.assertRegex(resp["RevisionId"], UUID_RE)
        self.assertRegex(resp["LastModified"], LAMBDA_DATE_RE)
        self.assertEqual(resp["State"], "Pending")
        self.assertEqual(resp["StateReason"], "The function is being created.")
        self.assertEqual(resp["StateReasonCode"], "Creating")
        self.assertEqual(resp["SnapStart"], {"ApplyOn": "None", "OptimizationStatus": "Off"})
        self.assertEqual(resp["LoggingConfig"], {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"})
        self.assertIsInstance(resp.get("RuntimeVersionConfig", {}).get("RuntimeVersionArn"), str)

        cfg = self.wait_active("fn")
        self.assertEqual(cfg["State"], "Active")
        self.assertEqual(cfg["LastUpdateStatus"], "Successful")
        self.assertEqual(cfg["CodeSha256"], code_sha256(z))
        self.assertEqual(cfg["FunctionArn"], fn_arn("fn"))

    def test_create_with_all_settings(self):
        z = handler_zip()
        resp = self.create_function("full", zip_bytes=z, Description="d", Timeout=900,
                                    MemorySize=10240, Environment={"Variables": {"A": "1", "B": "two"}},
                                    Architectures=["arm64"], Tags={"team": "x"},
                                    EphemeralStorage={"Size": 1024})
        self.assertEqual(resp["Description"], "d")
        got = self.lam.get_function(FunctionName="full")
        cfg = got["Configuration"]
        self.assertEqual(cfg["Timeout"], 900)
        self.assertEqual(cfg["MemorySize"], 10240)
        self.assertEqual(cfg["Environment"], {"Variables": {"A": "1", "B": "two"}})
        self.assertEqual(cfg["Architectures"], ["arm64"])
        self.assertEqual(cfg["EphemeralStorage"], {"Size": 1024})
        self.assertEqual(got["Tags"], {"team": "x"})

    def test_code_sha256_is_base64_sha256_of_zip(self):
        for i in range(3):
            z = handler_zip(code="def handler(e, c):\n    return %d\n" % i)
            resp = self.create_function("sha%d" % i, zip_bytes=z)
            self.assertEqual(resp["CodeSha256"], code_sha256(z))
            self.assertEqual(resp["CodeSize"], len(z))

    def test_supported_runtimes_accepted(self):
        for rt in SUPPORTED_RUNTIMES:
            with self.subTest(runtime=rt):
                name = "rt-" + re.sub(r"[^a-zA-Z0-9]", "-", rt)
                handler = "bootstrap" if rt.startswith("provided") else "index.handler"
                resp = self.create_function(name, Runtime=rt, Handler=handler, wait=False)
                self.assertStatus(resp, 201)
                self.assertEqual(resp["Runtime"], rt)

    def test_deprecated_runtimes_rejected(self):
        for rt in DEPRECATED_RUNTIMES:
            with self.subTest(runtime=rt):
                self.assertAwsError(self.create_function, "InvalidParameterValueException", 400,
                                    DEPRECATED_MSG % rt, name="dep", Runtime=rt, wait=False)
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                            FunctionName="dep")

    def test_deprecated_runtime_rejected_on_update(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.update_function_configuration, "InvalidParameterValueException",
                            400, DEPRECATED_MSG % "python3.7", FunctionName="fn", Runtime="python3.7")
        self.assertEqual(self.lam.get_function_configuration(FunctionName="fn")["Runtime"], "python3.12")

    def test_bad_runtime(self):
        for rt in ("PYTHON3.9", "cobol"):
            with self.subTest(runtime=rt):
                e = self.assertAwsError(
                    self.create_function, "InvalidParameterValueException", 400,
                    message_re=r"^Value %s at 'runtime' failed to satisfy constraint: Member must "
                               r"satisfy enum value set: \[.+\] or be a valid ARN$" % re.escape(rt),
                    name="badrt", Runtime=rt, wait=False)
                msg = e.response["Error"]["Message"]
                for good in ("python3.12", "nodejs20.x", "provided.al2023"):
                    self.assertIn(good, msg)

    def test_bad_role(self):
        for role in ("r1", "arn:aws:iam::12345:role/x", "arn:aws:s3:::bucket"):
            with self.subTest(role=role):
                self.assertAwsError(self.create_function, "ValidationException", 400,
                                    ROLE_MSG % role, name="fn", Role=role, wait=False)

    def test_good_role_forms(self):
        for i, role in enumerate(("arn:aws:iam::123456789012:role/a",
                                  "arn:aws:iam::123456789012:role/path/to/r-1_x+=,.@",
                                  "arn:aws-us-gov:iam::123456789012:role/r")):
            with self.subTest(role=role):
                self.create_function("role%d" % i, Role=role, wait=False)

    def test_name_too_long(self):
        name = "a" * 65
        self.assertAwsError(
            self.create_function, "InvalidParameterValueException", 400,
            "1 validation error detected: Value '%s' at 'functionName' failed to satisfy "
            "constraint: Member must have length less than or equal to 64" % name,
            name=name, wait=False)
        ok = "b" * 64
        resp = self.create_function(ok, wait=False)
        self.assertEqual(resp["FunctionName"], ok)

    def test_bad_name_pattern(self):
        self.assertAwsError(
            self.create_function, "ValidationException", 400,
            message_re=r"^1 validation error detected: Value 'bad!name' at 'functionName' failed "
                       r"to satisfy constraint: Member must satisfy regular expression pattern: ",
            name="bad!name", wait=False)

    def test_duplicate(self):
        self.create_function("fn")
        self.assertAwsError(self.create_function, "ResourceConflictException", 409,
                            "Function already exist: fn", name="fn", wait=False)

    def test_bad_zip(self):
        for data in (b"this is not a zip", b"PK\x03\x04garbage", b"\x00" * 100):
            with self.subTest(data=data[:10]):
                self.assertAwsError(self.create_function, "InvalidParameterValueException", 400,
                                    BAD_ZIP_MSG, name="fn", zip_bytes=data, wait=False)
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404, FunctionName="fn")

    def test_zip_that_cannot_be_unzipped(self):
        """A readable central directory is not enough: the entries must unzip."""
        good = handler_zip()
        bad_header = bytearray(good)
        bad_header[0:4] = b"XXXX"          # local file header signature destroyed
        bad_data = bytearray(good)
        data_at = 30 + len("index.py")     # first byte of the deflated data
        for i in range(data_at + 2, data_at + 8):
            bad_data[i] ^= 0xFF            # deflate stream / CRC no longer match
        for label, data in (("local-header", bytes(bad_header)), ("crc", bytes(bad_data))):
            with self.subTest(case=label):
                self.assertAwsError(self.create_function, "InvalidParameterValueException", 400,
                                    BAD_ZIP_MSG, name="fn-" + label, zip_bytes=data, wait=False)
                self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                                    FunctionName="fn-" + label)

    def test_env_too_big(self):
        variables = {"K": "v" * 5000}
        measured = json.dumps(variables, separators=(",", ":"))
        self.assertAwsError(self.create_function, "InvalidParameterValueException", 400,
                            ENV_TOO_BIG_MSG % measured, name="fn",
                            Environment={"Variables": variables}, wait=False)
        # just under 4 KB is fine
        resp = self.create_function("fn", Environment={"Variables": {"K": "v" * 4000}})
        self.assertEqual(len(resp["Environment"]["Variables"]["K"]), 4000)

    def test_env_too_big_on_update(self):
        self.create_function("fn")
        variables = {"K": "w" * 4200}
        self.assertAwsError(self.lam.update_function_configuration, "InvalidParameterValueException",
                            400, ENV_TOO_BIG_MSG % json.dumps(variables, separators=(",", ":")),
                            FunctionName="fn", Environment={"Variables": variables})

    def test_reserved_env_keys(self):
        # (_HANDLER is reserved too, but fails the key pattern [a-zA-Z]([a-zA-Z0-9_])+ first.)
        for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                    "AWS_ACCESS_KEY_ID", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT"):
            with self.subTest(key=key):
                self.assertAwsError(self.create_function, "InvalidParameterValueException", 400,
                                    ENV_RESERVED_MSG % key, name="fn",
                                    Environment={"Variables": {key: "x"}}, wait=False)
        self.create_function("fn")
        self.assertAwsError(self.lam.update_function_configuration, "InvalidParameterValueException",
                            400, ENV_RESERVED_MSG % "AWS_REGION", FunctionName="fn",
                            Environment={"Variables": {"AWS_REGION": "x"}})

    def test_package_type_image_rejected(self):
        self.assertAwsError(self.lam.create_function, "InvalidParameterValueException", 400,
                            FunctionName="img", Role=ROLE, PackageType="Image",
                            Code={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/r:latest"})
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404, FunctionName="img")

    def test_timeout_and_memory_limits(self):
        # Messages are not settled in the reference; the server must refuse with a 400.
        for kw in ({"Timeout": 901}, {"MemorySize": 10241}):
            with self.subTest(**kw):
                with self.assertRaises(harness.ClientError) as cm:
                    self.create_function("lim", wait=False, **kw)
                r = cm.exception.response
                self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
                self.assertIn(r["Error"]["Code"], ("ValidationException", "InvalidParameterValueException"))

    def test_model_max_constraints(self):
        """botocore never checks max/pattern/enum, so the server must (docs/aws-reference.md A)."""
        self.assertAwsError(
            self.create_function, "ValidationException", 400,
            "1 validation error detected: Value '%s' at 'description' failed to satisfy "
            "constraint: Member must have length less than or equal to 256" % ("d" * 257),
            name="fn", Description="d" * 257, wait=False)
        for kw in ({"Handler": "h" * 129}, {"Handler": "has space"},
                   {"EphemeralStorage": {"Size": 10241}}, {"Architectures": ["sparc"]},
                   {"Architectures": ["x86_64", "arm64"]}, {"TracingConfig": {"Mode": "Loud"}}):
            with self.subTest(**kw):
                with self.assertRaises(harness.ClientError) as cm:
                    self.create_function("fn", wait=False, **kw)
                r = cm.exception.response
                self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400, r["Error"])
                self.assertIn(r["Error"]["Code"], ("ValidationException", "InvalidParameterValueException"))
        self.assertEqual(self.lam.list_functions()["Functions"], [])
        self.create_function("fn", Description="d" * 256, Handler="h" * 128)

    def test_architectures_checked_before_runtime_and_handler(self):
        # the model's ArchitecturesList (min 1, max 1, enum members) is a
        # request constraint: it is reported before the service asks for
        # Runtime and Handler
        arch = ("1 validation error detected: Value '%s' at 'architectures' failed to satisfy constraint: %s")
        enum = "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]"
        nv = self.server.client("lambda", parameter_validation=False)
        cases = ((["sparc"], arch % ("[sparc]", enum)),
                 (["x86_64", "arm64"], arch % ("[x86_64, arm64]", "Member must have length less than or equal to 1")),
                 ([], arch % ("[]", "Member must have length greater than or equal to 1")),
                 (["arm64", "sparc"], "2 validation errors detected: Value '[arm64, sparc]' at 'architectures' "
                                      "failed to satisfy constraint: Member must have length less than or equal "
                                      "to 1; Value '[arm64, sparc]' at 'architectures' failed to satisfy "
                                      "constraint: " + enum))
        for value, msg in cases:
            with self.subTest(architectures=value):
                self.assertAwsError(nv.create_function, "ValidationException", 400, msg, FunctionName="arch",
                                    Role=ROLE, Code={"ZipFile": handler_zip()}, Architectures=value)
        self.assertAwsError(self.lam.create_function, "InvalidParameterValueException", 400,
                            "Runtime and Handler are mandatory parameters for functions created with "
                            "deployment packages.",
                            FunctionName="arch", Role=ROLE, Code={"ZipFile": handler_zip()}, Architectures=["arm64"])
        self.assertEqual(self.lam.list_functions()["Functions"], [])
        self.create_function("arch", Architectures=["arm64"])
        self.assertAwsError(self.lam.update_function_code, "ValidationException", 400, arch % ("[sparc]", enum),
                            FunctionName="arch", ZipFile=handler_zip(), Architectures=["sparc"])
        self.assertEqual(self.lam.get_function_configuration(FunctionName="arch")["Architectures"], ["arm64"])

    def test_create_with_publish(self):
        resp = self.create_function("fn", Publish=True)
        self.assertEqual(resp["Version"], "1")
        self.assertEqual(resp["FunctionArn"], fn_arn("fn"))
        versions = [v["Version"] for v in self.lam.list_versions_by_function(FunctionName="fn")["Versions"]]
        self.assertEqual(versions, ["$LATEST", "1"])
        self.assertEqual(self.lam.get_function(FunctionName="fn", Qualifier="1")
                         ["Configuration"]["FunctionArn"], fn_arn("fn", "1"))
        # nothing changed since version 1
        self.assertEqual(self.lam.publish_version(FunctionName="fn")["Version"], "1")

    def test_missing_code(self):
        with self.assertRaises(harness.ClientError) as cm:
            self.lam.create_function(FunctionName="fn", Runtime="python3.12", Role=ROLE,
                                     Handler="index.handler", Code={})
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)


# ---------------------------------------------------------------------------
class GetFunctionTests(LambdaTestCase):
    ACCT2 = "123456789012"

    def setUp(self):
        super().setUp()
        # A client in account 123456789012 so that partial/full ARNs name our own account.
        self.lam2 = self.server.client("lambda", access_key=self.ACCT2)

    def arn2(self, name, q=None):
        return fn_arn(name, q, account=self.ACCT2)

    def test_get_function_shape(self):
        z = handler_zip()
        self.create_function("fn", zip_bytes=z, Tags={"k": "v"})
        resp = self.lam.get_function(FunctionName="fn")
        self.assertStatus(resp, 200)
        cfg = resp["Configuration"]
        self.assertEqual(cfg["FunctionArn"], fn_arn("fn"))
        self.assertEqual(cfg["Version"], "$LATEST")
        self.assertEqual(cfg["State"], "Active")
        self.assertEqual(cfg["LastUpdateStatus"], "Successful")
        self.assertEqual(cfg["CodeSha256"], code_sha256(z))
        self.assertEqual(cfg["CodeSize"], len(z))
        self.assertEqual(resp["Code"]["RepositoryType"], "S3")
        self.assertIsInstance(resp["Code"]["Location"], str)
        self.assertEqual(resp["Tags"], {"k": "v"})
        self.assertNotIn("Concurrency", resp)
        self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=7)
        resp = self.lam.get_function(FunctionName="fn")
        self.assertEqual(resp["Concurrency"], {"ReservedConcurrentExecutions": 7})

    def test_missing_function(self):
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("nope"), FunctionName="nope")
        self.assertAwsError(self.lam.get_function_configuration, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("nope"), FunctionName="nope")

    def test_missing_version(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn", "10"), FunctionName="fn",
                            Qualifier="10")
        self.assertAwsError(self.lam.get_function_configuration, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn", "10"), FunctionName="fn:10")

    def test_missing_alias(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                            FunctionName="fn", Qualifier="nosuch")

    def test_name_forms(self):
        c = self.lam2
        self.create_function("fn", client=c)
        c.publish_version(FunctionName="fn")
        c.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        cases = [
            # (FunctionName, Qualifier, expected ARN, expected Version)
            ("fn", None, self.arn2("fn"), "$LATEST"),
            ("fn:1", None, self.arn2("fn", "1"), "1"),
            ("fn:$LATEST", None, self.arn2("fn", "$LATEST"), "$LATEST"),
            ("fn:live", None, self.arn2("fn", "live"), "1"),
            ("fn", "1", self.arn2("fn", "1"), "1"),
            ("fn", "$LATEST", self.arn2("fn", "$LATEST"), "$LATEST"),
            ("fn", "live", self.arn2("fn", "live"), "1"),
            ("fn:1", "1", self.arn2("fn", "1"), "1"),
            ("123456789012:function:fn", None, self.arn2("fn"), "$LATEST"),
            ("123456789012:function:fn:1", None, self.arn2("fn", "1"), "1"),
            ("123456789012:function:fn", "live", self.arn2("fn", "live"), "1"),
            (self.arn2("fn"), None, self.arn2("fn"), "$LATEST"),
            (self.arn2("fn", "1"), None, self.arn2("fn", "1"), "1"),
            (self.arn2("fn", "$LATEST"), None, self.arn2("fn", "$LATEST"), "$LATEST"),
            (self.arn2("fn", "live"), None, self.arn2("fn", "live"), "1"),
            (self.arn2("fn"), "1", self.arn2("fn", "1"), "1"),
        ]
        for name, q, arn, version in cases:
            with self.subTest(name=name, qualifier=q):
                kw = {"FunctionName": name}
                if q:
                    kw["Qualifier"] = q
                got = c.get_function(**kw)["Configuration"]
                self.assertEqual(got["FunctionArn"], arn)
                self.assertEqual(got["Version"], version)
                self.assertEqual(got["FunctionName"], "fn")
                got = c.get_function_configuration(**kw)
                self.assertEqual(got["FunctionArn"], arn)
                self.assertEqual(got["Version"], version)

    def test_name_forms_across_operations(self):
        c = self.lam2
        partial = "123456789012:function:fn"
        full = self.arn2("fn")
        self.create_function(partial, client=c)
        self.assertEqual(c.get_function(FunctionName="fn")["Configuration"]["FunctionName"], "fn")
        c.update_function_configuration(FunctionName=partial, Timeout=21)
        self.wait_active("fn", client=c)
        self.assertEqual(c.publish_version(FunctionName=full)["Version"], "1")
        c.update_function_code(FunctionName=full, ZipFile=handler_zip(code="a=1\n"))
        self.wait_active("fn", client=c)
        self.assertEqual(c.publish_version(FunctionName=partial)["Version"], "2")
        c.create_alias(FunctionName=partial, Name="live", FunctionVersion="1")
        c.update_alias(FunctionName=full, Name="live", FunctionVersion="2")
        self.assertEqual(c.get_alias(FunctionName=partial, Name="live")["FunctionVersion"], "2")
        self.assertEqual(len(c.list_aliases(FunctionName=full)["Aliases"]), 1)
        self.assertEqual(len(c.list_versions_by_function(FunctionName=partial)["Versions"]), 3)
        c.put_provisioned_concurrency_config(FunctionName=full, Qualifier="live",
                                             ProvisionedConcurrentExecutions=1)
        c.get_provisioned_concurrency_config(FunctionName=partial + ":live", Qualifier="live")
        c.add_permission(FunctionName=full + ":1", StatementId="s", Action="lambda:InvokeFunction",
                         Principal="s3.amazonaws.com")
        self.assertEqual(json.loads(c.get_policy(FunctionName=partial, Qualifier="1")["Policy"])
                         ["Statement"][0]["Resource"], self.arn2("fn", "1"))
        c.delete_alias(FunctionName=full, Name="live")
        self.assertStatus(c.delete_function(FunctionName=partial + ":1"), 204)
        self.assertStatus(c.delete_function(FunctionName=full), 204)
        self.assertEqual(c.list_functions()["Functions"], [])

    def test_other_region_arn_other_operations(self):
        self.create_function("fn")
        arn = fn_arn("fn", region="eu-west-1")
        msg = "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"
        for op, kw in ((self.lam.delete_function, {}),
                       (self.lam.update_function_configuration, {"Timeout": 5}),
                       (self.lam.publish_version, {}),
                       (self.lam.list_versions_by_function, {}),
                       (self.lam.put_function_concurrency, {"ReservedConcurrentExecutions": 1})):
            with self.subTest(op=op.__name__):
                self.assertAwsError(op, "ResourceNotFoundException", 404, msg, FunctionName=arn, **kw)
        self.lam.get_function(FunctionName="fn")

    def test_qualifier_mismatch(self):
        self.create_function("fn")
        self.publish("fn")
        self.bump("fn")
        self.publish("fn")
        msg = "The derived qualifier from the function name does not match the specified qualifier."
        for op in (self.lam.get_function, self.lam.get_function_configuration):
            with self.subTest(op=op.__name__):
                self.assertAwsError(op, "InvalidParameterValueException", 400, msg,
                                    FunctionName="fn:1", Qualifier="2")
                self.assertAwsError(op, "InvalidParameterValueException", 400, msg,
                                    FunctionName=fn_arn("fn", "1"), Qualifier="$LATEST")

    def test_latest_is_case_sensitive(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn", "$latest"),
                            FunctionName="fn", Qualifier="$latest")
        # Inside the name, '$latest' does not match the FunctionName pattern
        # (:(\$LATEST|[a-zA-Z0-9-_]+)), so it is a validation error there.
        self.assertAwsError(
            self.lam.get_function_configuration, "ValidationException", 400,
            message_re=r"^1 validation error detected: Value 'fn:\$latest' at 'functionName' "
                       r"failed to satisfy constraint: Member must satisfy regular expression pattern: ",
            FunctionName="fn:$latest")

    def test_other_region_arn(self):
        self.create_function("fn")
        arn = fn_arn("fn", region="ap-southeast-1")
        msg = "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')"
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404, msg,
                            FunctionName=arn)
        self.assertAwsError(self.lam.get_function_configuration, "ResourceNotFoundException", 404,
                            msg, FunctionName=arn)

    def test_other_account_arn(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.get_function, "AccessDeniedException", 403,
                            FunctionName=fn_arn("fn", account="999999999999"))
        self.assertAwsError(self.lam.get_function, "AccessDeniedException", 403,
                            FunctionName="999999999999:function:fn")

    def test_bad_qualifier_pattern(self):
        self.create_function("fn")
        self.assertAwsError(
            self.lam.get_function, "ValidationException", 400,
            message_re=r"^1 validation error detected: Value 'bad!q' at 'qualifier' failed to "
                       r"satisfy constraint: Member must satisfy regular expression pattern: ",
            FunctionName="fn", Qualifier="bad!q")

    def test_arn_too_long_for_publish(self):
        name = "n" * 64
        arn = fn_arn(name, "q" * 40)  # 152 characters
        self.assertAwsError(self.lam.publish_version, "ValidationException", 400,
                            message_re=r"Member must have length less than or equal to 140$",
                            FunctionName=arn)


# ---------------------------------------------------------------------------
class ListFunctionsTests(LambdaTestCase):
    def test_empty(self):
        resp = self.lam.list_functions()
        self.assertStatus(resp, 200)
        self.assertEqual(resp["Functions"], [])
        self.assertNotIn("NextMarker", resp)

    def test_list_entries(self):
        for n in ("a", "b", "c"):
            self.create_function(n)
        fns = self.lam.list_functions()["Functions"]
        self.assertEqual(sorted(f["FunctionName"] for f in fns), ["a", "b", "c"])
        for f in fns:
            self.assertEqual(f["FunctionArn"], fn_arn(f["FunctionName"]))
            self.assertEqual(f["Version"], "$LATEST")
            self.assertEqual(f["Runtime"], "python3.12")
            for field in LIST_HIDDEN_FIELDS:
                self.assertNotIn(field, f)

    def test_function_version_all(self):
        self.create_function("a")
        self.publish("a")
        self.create_function("b")
        plain = self.lam.list_functions()["Functions"]
        self.assertEqual(sorted((f["FunctionName"], f["Version"]) for f in plain),
                         [("a", "$LATEST"), ("b", "$LATEST")])
        for f in plain:
            self.assertEqual(f["FunctionArn"], fn_arn(f["FunctionName"]))
        every = self.lam.list_functions(FunctionVersion="ALL")["Functions"]
        got = sorted((f["FunctionName"], f["Version"], f["FunctionArn"]) for f in every)
        self.assertEqual(got, [("a", "$LATEST", fn_arn("a", "$LATEST")),
                               ("a", "1", fn_arn("a", "1")),
                               ("b", "$LATEST", fn_arn("b", "$LATEST"))])
        for f in every:
            for field in LIST_HIDDEN_FIELDS:
                self.assertNotIn(field, f)

    def test_marker_pagination(self):
        names = ["f%02d" % i for i in range(7)]
        for n in names:
            self.create_function(n, wait=False)
        seen, marker, pages = [], None, 0
        while True:
            kw = {"MaxItems": 3}
            if marker:
                kw["Marker"] = marker
            resp = self.lam.list_functions(**kw)
            pages += 1
            self.assertLessEqual(len(resp["Functions"]), 3)
            seen += [f["FunctionName"] for f in resp["Functions"]]
            marker = resp.get("NextMarker")
            if not marker:
                break
            self.assertLess(pages, 10, "pagination does not end")
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), names)
        self.assertEqual(len(seen), len(set(seen)))

    def test_paginator(self):
        names = ["p%d" % i for i in range(5)]
        for n in names:
            self.create_function(n, wait=False)
        pages = list(self.lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 3)
        got = [f["FunctionName"] for p in pages for f in p["Functions"]]
        self.assertEqual(sorted(got), names)

    def test_page_at_most_50(self):
        for i in range(52):
            self.create_function("m%02d" % i, wait=False)
        resp = self.lam.list_functions()
        self.assertEqual(len(resp["Functions"]), 50)
        self.assertIn("NextMarker", resp)
        rest = self.lam.list_functions(Marker=resp["NextMarker"])
        self.assertEqual(len(rest["Functions"]), 2)
        resp = self.lam.list_functions(MaxItems=1000)
        self.assertEqual(len(resp["Functions"]), 50)

    def test_all_pagination_with_versions(self):
        self.fn_with_versions("a", 2)
        self.create_function("b")
        got = []
        for page in self.lam.get_paginator("list_functions").paginate(
                FunctionVersion="ALL", PaginationConfig={"PageSize": 1}):
            got += [(f["FunctionName"], f["Version"]) for f in page["Functions"]]
        self.assertEqual(sorted(got), [("a", "$LATEST"), ("a", "1"), ("a", "2"), ("b", "$LATEST")])


# ---------------------------------------------------------------------------
class DeleteFunctionTests(LambdaTestCase):
    def test_delete_unqualified(self):
        self.create_function("fn")
        resp = self.lam.delete_function(FunctionName="fn")
        self.assertStatus(resp, 204)
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn"), FunctionName="fn")
        self.assertAwsError(self.lam.delete_function, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn"), FunctionName="fn")

    def test_delete_missing(self):
        self.assertAwsError(self.lam.delete_function, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("nope"), FunctionName="nope")

    def test_delete_latest_qualifier(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.delete_function, "InvalidParameterValueException", 400,
                            "$LATEST version cannot be deleted without deleting the function.",
                            FunctionName="fn", Qualifier="$LATEST")
        self.lam.get_function(FunctionName="fn")

    def test_delete_alias_qualifier(self):
        self.fn_with_versions("fn", 1)
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.assertAwsError(self.lam.delete_function, "InvalidParameterValueException", 400,
                            "Deletion of aliases is not currently supported.",
                            FunctionName="fn", Qualifier="live")
        self.lam.get_alias(FunctionName="fn", Name="live")

    def test_delete_version_referenced_by_alias(self):
        self.fn_with_versions("fn", 1)
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.assertAwsError(self.lam.delete_function, "ResourceConflictException", 409,
                            "Unable to delete version because the following aliases reference it: [live]",
                            FunctionName="fn", Qualifier="1")
        self.lam.get_function(FunctionName="fn", Qualifier="1")

    def test_delete_version(self):
        self.fn_with_versions("fn", 2)
        resp = self.lam.delete_function(FunctionName="fn", Qualifier="1")
        self.assertStatus(resp, 204)
        self.assertAwsError(self.lam.get_function, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn", "1"), FunctionName="fn", Qualifier="1")
        versions = [v["Version"] for v in self.lam.list_versions_by_function(FunctionName="fn")["Versions"]]
        self.assertEqual(versions, ["$LATEST", "2"])
        # qualifier inside the name
        self.assertStatus(self.lam.delete_function(FunctionName="fn:2"), 204)
        versions = [v["Version"] for v in self.lam.list_versions_by_function(FunctionName="fn")["Versions"]]
        self.assertEqual(versions, ["$LATEST"])
        self.lam.get_function(FunctionName="fn")

    def test_delete_missing_version(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.delete_function, "ResourceNotFoundException", 404,
                            FunctionName="fn", Qualifier="5")

    def test_unqualified_delete_removes_everything(self):
        self.fn_with_versions("fn", 2)
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=50)
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="2",
                                                    ProvisionedConcurrentExecutions=5)
        self.lam.add_permission(FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com")
        self.assertEqual(self.unreserved(), 950)
        self.assertStatus(self.lam.delete_function(FunctionName="fn"), 204)
        self.assertEqual(self.unreserved(), 1000)
        self.assertEqual(self.lam.list_functions(FunctionVersion="ALL")["Functions"], [])
        self.assertEqual(self.account_settings()["AccountUsage"]["FunctionCount"], 0)
        # a new function of the same name starts clean
        self.create_function("fn")
        self.assertEqual(self.lam.list_aliases(FunctionName="fn")["Aliases"], [])
        self.assertEqual([v["Version"] for v in
                          self.lam.list_versions_by_function(FunctionName="fn")["Versions"]], ["$LATEST"])
        self.assertNotIn("ReservedConcurrentExecutions", self.lam.get_function_concurrency(FunctionName="fn"))
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName="fn")
                         ["ProvisionedConcurrencyConfigs"], [])
        self.assertAwsError(self.lam.get_policy, "ResourceNotFoundException", 404, FunctionName="fn")


# ---------------------------------------------------------------------------
class UpdateFunctionTests(LambdaTestCase):
    def test_update_code(self):
        z1 = handler_zip()
        z2 = handler_zip(code="def handler(e, c):\n    return 'v2'\n")
        created = self.create_function("fn", zip_bytes=z1)
        resp = self.lam.update_function_code(FunctionName="fn", ZipFile=z2)
        self.assertStatus(resp, 200)
        self.assertEqual(resp["CodeSha256"], code_sha256(z2))
        self.assertEqual(resp["CodeSize"], len(z2))
        self.assertEqual(resp["Version"], "$LATEST")
        self.assertEqual(resp["FunctionArn"], fn_arn("fn"))
        self.assertNotEqual(resp["RevisionId"], created["RevisionId"])
        self.assertEqual(resp["LastUpdateStatus"], "InProgress")
        self.assertEqual(resp["LastUpdateStatusReason"], "The function is being created.")
        self.assertEqual(resp["LastUpdateStatusReasonCode"], "Creating")
        cfg = self.wait_active("fn")
        self.assertEqual(cfg["CodeSha256"], code_sha256(z2))
        self.assertEqual(cfg["LastUpdateStatus"], "Successful")

    def test_update_code_publish(self):
        self.create_function("fn", Publish=True)
        z2 = handler_zip(code="def handler(e, c):\n    return 2\n")
        resp = self.lam.update_function_code(FunctionName="fn", ZipFile=z2, Publish=True)
        self.assertEqual(resp["Version"], "2")
        self.assertEqual(resp["FunctionArn"], fn_arn("fn", "2"))
        self.assertEqual(resp["CodeSha256"], code_sha256(z2))
        self.wait_active("fn")
        v1 = self.lam.get_function_configuration(FunctionName="fn", Qualifier="1")
        self.assertEqual(v1["CodeSha256"], code_sha256(handler_zip()))

    def test_update_code_errors(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.update_function_code, "InvalidParameterValueException", 400,
                            BAD_ZIP_MSG, FunctionName="fn", ZipFile=b"nope")
        self.assertAwsError(self.lam.update_function_code, "ResourceNotFoundException", 404,
                            FunctionName="nope", ZipFile=handler_zip())
        self.assertAwsError(self.lam.update_function_code, "PreconditionFailedException", 412,
                            REVISION_MSG, FunctionName="fn", ZipFile=handler_zip(),
                            RevisionId="00000000-0000-0000-0000-000000000000")
        rev = self.lam.get_function_configuration(FunctionName="fn")["RevisionId"]
        resp = self.lam.update_function_code(FunctionName="fn", ZipFile=handler_zip(code="x=1\n"),
                                             RevisionId=rev)
        self.assertNotEqual(resp["RevisionId"], rev)

    def test_update_configuration(self):
        created = self.create_function("fn")
        resp = self.lam.update_function_configuration(
            FunctionName="fn", Timeout=30, MemorySize=512, Description="new", Handler="index.other",
            Runtime="python3.13", Environment={"Variables": {"A": "b"}})
        self.assertStatus(resp, 200)
        self.assertEqual(resp["Timeout"], 30)
        self.assertEqual(resp["MemorySize"], 512)
        self.assertEqual(resp["Description"], "new")
        self.assertEqual(resp["Handler"], "index.other")
        self.assertEqual(resp["Runtime"], "python3.13")
        self.assertEqual(resp["Environment"], {"Variables": {"A": "b"}})
        self.assertEqual(resp["LastUpdateStatus"], "InProgress")
        self.assertEqual(resp["LastUpdateStatusReason"], "The function is being created.")
        self.assertEqual(resp["LastUpdateStatusReasonCode"], "Creating")
        self.assertNotEqual(resp["RevisionId"], created["RevisionId"])
        cfg = self.wait_active("fn")
        self.assertEqual((cfg["Timeout"], cfg["MemorySize"], cfg["Description"]), (30, 512, "new"))
        self.assertEqual(cfg["CodeSha256"], created["CodeSha256"])

    def test_update_while_update_in_progress(self):
        """If a second update lands while the first is InProgress it must get the 409."""
        self.create_function("fn")
        first = self.lam.update_function_configuration(FunctionName="fn", Timeout=10)
        self.assertEqual(first["LastUpdateStatus"], "InProgress")
        try:
            self.lam.update_function_configuration(FunctionName="fn", Timeout=11)
        except harness.ClientError as e:
            r = e.response
            self.assertEqual((r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]),
                             ("ResourceConflictException", 409))
            self.assertEqual(r["Error"]["Message"],
                             "The operation cannot be performed at this time. An update is in "
                             "progress for resource: " + fn_arn("fn"))
        self.wait_active("fn")

    def test_update_configuration_revision_id(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.update_function_configuration, "PreconditionFailedException",
                            412, REVISION_MSG, FunctionName="fn", Timeout=5,
                            RevisionId="00000000-0000-0000-0000-000000000000")
        self.assertEqual(self.lam.get_function_configuration(FunctionName="fn")["Timeout"], 3)
        rev = self.lam.get_function_configuration(FunctionName="fn")["RevisionId"]
        resp = self.lam.update_function_configuration(FunctionName="fn", Timeout=5, RevisionId=rev)
        self.assertEqual(resp["Timeout"], 5)
        self.wait_active("fn")
        # the old revision is now stale
        self.assertAwsError(self.lam.update_function_configuration, "PreconditionFailedException",
                            412, REVISION_MSG, FunctionName="fn", Timeout=6, RevisionId=rev)

    def test_update_configuration_errors(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.update_function_configuration, "ValidationException", 400,
                            ROLE_MSG % "r1", FunctionName="fn", Role="r1")
        self.assertAwsError(self.lam.update_function_configuration, "ResourceNotFoundException", 404,
                            FunctionName="nope", Timeout=5)


# ---------------------------------------------------------------------------
class VersionTests(LambdaTestCase):
    def test_publish_version(self):
        z = handler_zip()
        self.create_function("fn", zip_bytes=z)
        v = self.lam.publish_version(FunctionName="fn", Description="first")
        self.assertStatus(v, 201)
        self.assertEqual(v["Version"], "1")
        self.assertEqual(v["FunctionArn"], fn_arn("fn", "1"))
        self.assertEqual(v["Description"], "first")
        self.assertEqual(v["CodeSha256"], code_sha256(z))
        got = self.lam.get_function(FunctionName="fn", Qualifier="1")["Configuration"]
        self.assertEqual(got["Version"], "1")
        self.assertEqual(got["FunctionArn"], fn_arn("fn", "1"))

    def test_publish_without_change_returns_existing(self):
        self.create_function("fn")
        v1 = self.lam.publish_version(FunctionName="fn")
        again = self.lam.publish_version(FunctionName="fn")
        self.assertStatus(again, 201)
        self.assertEqual(again["Version"], "1")
        self.assertEqual(again["FunctionArn"], fn_arn("fn", "1"))
        self.assertEqual(again["RevisionId"], v1["RevisionId"])
        versions = [x["Version"] for x in self.lam.list_versions_by_function(FunctionName="fn")["Versions"]]
        self.assertEqual(versions, ["$LATEST", "1"])
        self.bump("fn")
        v2 = self.lam.publish_version(FunctionName="fn")
        self.assertEqual(v2["Version"], "2")
        self.lam.update_function_code(FunctionName="fn", ZipFile=handler_zip(code="y=2\n"))
        self.wait_active("fn")
        self.assertEqual(self.lam.publish_version(FunctionName="fn")["Version"], "3")

    def test_versions_are_immutable(self):
        self.create_function("fn", Timeout=3)
        self.publish("fn")
        self.lam.update_function_configuration(FunctionName="fn", Timeout=42)
        self.wait_active("fn")
        self.lam.update_function_code(FunctionName="fn", ZipFile=handler_zip(code="z=3\n"))
        self.wait_active("fn")
        v1 = self.lam.get_function_configuration(FunctionName="fn", Qualifier="1")
        self.assertEqual(v1["Timeout"], 3)
        self.assertEqual(v1["CodeSha256"], code_sha256(handler_zip()))

    def test_publish_code_sha256(self):
        z = handler_zip()
        self.create_function("fn", zip_bytes=z)
        sha = code_sha256(z)
        self.assertAwsError(
            self.lam.publish_version, "InvalidParameterValueException", 400,
            "CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST (%s). Please try "
            "again with the CodeSHA256 in $LATEST." % sha,
            FunctionName="fn", CodeSha256="abc")
        self.assertEqual(self.lam.publish_version(FunctionName="fn", CodeSha256=sha)["Version"], "1")

    def test_publish_revision_id(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.publish_version, "PreconditionFailedException", 412,
                            REVISION_MSG, FunctionName="fn",
                            RevisionId="00000000-0000-0000-0000-000000000000")
        rev = self.lam.get_function_configuration(FunctionName="fn")["RevisionId"]
        self.assertEqual(self.lam.publish_version(FunctionName="fn", RevisionId=rev)["Version"], "1")

    def test_description_max_on_publish_and_alias(self):
        self.create_function("fn")
        self.lam.create_alias(FunctionName="fn", Name="a", FunctionVersion="$LATEST")
        d = "d" * 257
        msg = ("1 validation error detected: Value '%s' at 'description' failed to satisfy "
               "constraint: Member must have length less than or equal to 256" % d)
        for op, kw in ((self.lam.publish_version, {}),
                       (self.lam.create_alias, {"Name": "b", "FunctionVersion": "$LATEST"}),
                       (self.lam.update_alias, {"Name": "a"}),
                       (self.lam.update_function_configuration, {})):
            with self.subTest(op=op.__name__):
                self.assertAwsError(op, "ValidationException", 400, msg, FunctionName="fn",
                                    Description=d, **kw)
        self.assertEqual([v["Version"] for v in self.lam.list_versions_by_function(FunctionName="fn")["Versions"]],
                         ["$LATEST"])
        self.assertEqual(self.lam.get_alias(FunctionName="fn", Name="a")["Description"], "")

    def test_publish_missing_function(self):
        self.assertAwsError(self.lam.publish_version, "ResourceNotFoundException", 404,
                            FunctionName="nope")

    def test_list_versions(self):
        self.fn_with_versions("fn", 3)
        resp = self.lam.list_versions_by_function(FunctionName="fn")
        self.assertStatus(resp, 200)
        vs = resp["Versions"]
        self.assertEqual([v["Version"] for v in vs], ["$LATEST", "1", "2", "3"])
        self.assertEqual(vs[0]["FunctionArn"], fn_arn("fn", "$LATEST"))
        self.assertEqual(vs[2]["FunctionArn"], fn_arn("fn", "2"))
        for v in vs:
            for field in LIST_HIDDEN_FIELDS:
                self.assertNotIn(field, v)

    def test_list_versions_pagination(self):
        self.fn_with_versions("fn", 3)
        got, marker, pages = [], None, 0
        while True:
            kw = {"FunctionName": "fn", "MaxItems": 1}
            if marker:
                kw["Marker"] = marker
            resp = self.lam.list_versions_by_function(**kw)
            pages += 1
            self.assertEqual(len(resp["Versions"]), 1)
            got += [v["Version"] for v in resp["Versions"]]
            marker = resp.get("NextMarker")
            if not marker or pages > 10:
                break
        self.assertEqual(got, ["$LATEST", "1", "2", "3"])
        pages = self.lam.get_paginator("list_versions_by_function").paginate(
            FunctionName="fn", PaginationConfig={"PageSize": 3})
        self.assertEqual([v["Version"] for p in pages for v in p["Versions"]], ["$LATEST", "1", "2", "3"])

    def test_list_versions_page_at_most_50(self):
        self.create_function("fn")
        for i in range(51):
            if i:
                self.bump("fn", timeout=i + 3)
            self.assertEqual(self.publish("fn")["Version"], str(i + 1))
        first = self.lam.list_versions_by_function(FunctionName="fn")
        self.assertEqual(len(first["Versions"]), 50)
        self.assertEqual(first["Versions"][0]["Version"], "$LATEST")
        rest = self.lam.list_versions_by_function(FunctionName="fn", Marker=first["NextMarker"])
        got = [v["Version"] for v in first["Versions"] + rest["Versions"]]
        self.assertEqual(got, ["$LATEST"] + [str(i) for i in range(1, 52)])
        self.assertNotIn("NextMarker", rest)

    def test_publish_after_identical_code_update_returns_existing(self):
        z = handler_zip()
        self.create_function("fn", zip_bytes=z)
        self.assertEqual(self.publish("fn")["Version"], "1")
        self.lam.update_function_code(FunctionName="fn", ZipFile=z)
        self.wait_active("fn")
        self.assertEqual(self.publish("fn")["Version"], "1")

    def test_list_versions_missing_function(self):
        self.assertAwsError(self.lam.list_versions_by_function, "ResourceNotFoundException", 404,
                            FunctionName="nope")

    def test_list_versions_by_arn(self):
        self.fn_with_versions("fn", 1)
        vs = self.lam.list_versions_by_function(FunctionName=fn_arn("fn"))["Versions"]
        self.assertEqual([v["Version"] for v in vs], ["$LATEST", "1"])


# ---------------------------------------------------------------------------
class AliasTests(LambdaTestCase):
    def setUp(self):
        super().setUp()
        self.fn_with_versions("fn", 2)

    def test_create_get_alias(self):
        resp = self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.assertStatus(resp, 201)
        self.assertEqual(resp["AliasArn"], fn_arn("fn", "live"))
        self.assertEqual(resp["Name"], "live")
        self.assertEqual(resp["FunctionVersion"], "1")
        self.assertEqual(resp["Description"], "")
        self.assertRegex(resp["RevisionId"], UUID_RE)
        self.assertNotIn("RoutingConfig", resp)
        got = self.lam.get_alias(FunctionName="fn", Name="live")
        self.assertStatus(got, 200)
        for k in ("AliasArn", "Name", "FunctionVersion", "Description", "RevisionId"):
            self.assertEqual(got[k], resp[k])
        self.assertNotIn("RoutingConfig", got)
        latest = self.lam.create_alias(FunctionName="fn", Name="edge", FunctionVersion="$LATEST",
                                       Description="d")
        self.assertEqual(latest["FunctionVersion"], "$LATEST")
        self.assertEqual(latest["Description"], "d")

    def test_alias_by_arn(self):
        self.lam.create_alias(FunctionName=fn_arn("fn"), Name="live", FunctionVersion="1")
        self.assertEqual(self.lam.get_alias(FunctionName=fn_arn("fn"), Name="live")["FunctionVersion"], "1")

    def test_create_duplicate(self):
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.assertAwsError(self.lam.create_alias, "ResourceConflictException", 409,
                            "Alias already exists: " + fn_arn("fn", "live"),
                            FunctionName="fn", Name="live", FunctionVersion="2")

    def test_create_missing_version(self):
        self.assertAwsError(self.lam.create_alias, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn", "10"),
                            FunctionName="fn", Name="live", FunctionVersion="10")

    def test_create_missing_function(self):
        self.assertAwsError(self.lam.create_alias, "ResourceNotFoundException", 404,
                            FunctionName="nope", Name="live", FunctionVersion="1")

    def test_numeric_alias_name_rejected(self):
        with self.assertRaises(harness.ClientError) as cm:
            self.lam.create_alias(FunctionName="fn", Name="123", FunctionVersion="1")
        r = cm.exception.response
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertIn(r["Error"]["Code"], ("ValidationException", "InvalidParameterValueException"))

    def test_routing_config(self):
        resp = self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1",
                                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
        self.assertEqual(resp["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.3}})
        got = self.lam.get_alias(FunctionName="fn", Name="live")
        self.assertEqual(got["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.3}})

    def test_routing_config_errors(self):
        self.bump("fn")
        self.publish("fn")  # version 3
        base = dict(FunctionName="fn", Name="live")
        self.assertAwsError(self.lam.create_alias, "InvalidParameterValueException", 400,
                            "Number of items in AdditionalVersionWeights cannot be greater than 1",
                            FunctionVersion="1",
                            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}, **base)
        self.assertAwsError(
            self.lam.create_alias, "ValidationException", 400,
            "1 validation error detected: Value '{$LATEST=0.5}' at "
            "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must "
            "satisfy constraint: [Member must have length less than or equal to 1024, Member must "
            "have length greater than or equal to 1, Member must satisfy regular expression "
            "pattern: [0-9]+]",
            FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"$LATEST": 0.5}}, **base)
        self.assertAwsError(
            self.lam.create_alias, "ValidationException", 400,
            "1 validation error detected: Value '{2=2.0}' at "
            "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value "
            "must satisfy constraint: [Member must have value less than or equal to 1.0, Member "
            "must have value greater than or equal to 0.0, Member must not be null]",
            FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 2.0}}, **base)
        self.assertAwsError(
            self.lam.create_alias, "InvalidParameterValueException", 400,
            "Invalid function version 1. Function version 1 is already included in routing "
            "configuration.",
            FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}, **base)
        self.assertAwsError(
            self.lam.create_alias, "InvalidParameterValueException", 400,
            "$LATEST is not supported for an alias pointing to more than 1 version",
            FunctionVersion="$LATEST", RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}, **base)
        self.assertAwsError(self.lam.create_alias, "ResourceNotFoundException", 404,
                            FunctionVersion="1",
                            RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}}, **base)
        # nothing was created by the failed calls
        self.assertEqual(self.lam.list_aliases(FunctionName="fn")["Aliases"], [])
        # the same rules on update
        self.lam.create_alias(FunctionVersion="1", **base)
        self.assertAwsError(self.lam.update_alias, "InvalidParameterValueException", 400,
                            "Number of items in AdditionalVersionWeights cannot be greater than 1",
                            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}, **base)
        self.assertAwsError(
            self.lam.update_alias, "InvalidParameterValueException", 400,
            "Invalid function version 1. Function version 1 is already included in routing "
            "configuration.",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}, **base)

    def test_update_alias(self):
        created = self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        resp = self.lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2",
                                     Description="moved")
        self.assertStatus(resp, 200)
        self.assertEqual(resp["FunctionVersion"], "2")
        self.assertEqual(resp["Description"], "moved")
        self.assertNotEqual(resp["RevisionId"], created["RevisionId"])
        got = self.lam.get_alias(FunctionName="fn", Name="live")
        self.assertEqual((got["FunctionVersion"], got["Description"]), ("2", "moved"))
        # GetFunction through the alias follows it
        cfg = self.lam.get_function_configuration(FunctionName="fn", Qualifier="live")
        self.assertEqual(cfg["Version"], "2")
        self.assertEqual(cfg["FunctionArn"], fn_arn("fn", "live"))
        # routing can be added by update
        resp = self.lam.update_alias(FunctionName="fn", Name="live",
                                     RoutingConfig={"AdditionalVersionWeights": {"1": 0.25}})
        self.assertEqual(resp["RoutingConfig"], {"AdditionalVersionWeights": {"1": 0.25}})
        self.assertEqual(resp["FunctionVersion"], "2")

    def test_update_alias_revision_id(self):
        created = self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.assertAwsError(self.lam.update_alias, "PreconditionFailedException", 412, REVISION_MSG,
                            FunctionName="fn", Name="live", FunctionVersion="2",
                            RevisionId="00000000-0000-0000-0000-000000000000")
        resp = self.lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2",
                                     RevisionId=created["RevisionId"])
        self.assertEqual(resp["FunctionVersion"], "2")

    def test_update_missing_alias(self):
        self.assertAwsError(self.lam.update_alias, "ResourceNotFoundException", 404,
                            "Alias not found: " + fn_arn("fn", "nope"),
                            FunctionName="fn", Name="nope", FunctionVersion="1")

    def test_update_alias_missing_version(self):
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.assertAwsError(self.lam.update_alias, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("fn", "10"),
                            FunctionName="fn", Name="live", FunctionVersion="10")

    def test_get_missing_alias(self):
        self.assertAwsError(self.lam.get_alias, "ResourceNotFoundException", 404,
                            "Cannot find alias arn: " + fn_arn("fn", "nope"),
                            FunctionName="fn", Name="nope")

    def test_delete_alias(self):
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.assertStatus(self.lam.delete_alias(FunctionName="fn", Name="live"), 204)
        self.assertAwsError(self.lam.get_alias, "ResourceNotFoundException", 404,
                            "Cannot find alias arn: " + fn_arn("fn", "live"),
                            FunctionName="fn", Name="live")
        # deleting a missing alias is also 204
        self.assertStatus(self.lam.delete_alias(FunctionName="fn", Name="live"), 204)
        # and the version can be deleted once unreferenced
        self.assertStatus(self.lam.delete_function(FunctionName="fn", Qualifier="1"), 204)

    def test_list_aliases(self):
        self.lam.create_alias(FunctionName="fn", Name="a1", FunctionVersion="1")
        self.lam.create_alias(FunctionName="fn", Name="a2", FunctionVersion="2")
        self.lam.create_alias(FunctionName="fn", Name="a3", FunctionVersion="1")
        resp = self.lam.list_aliases(FunctionName="fn")
        self.assertStatus(resp, 200)
        self.assertEqual(sorted(a["Name"] for a in resp["Aliases"]), ["a1", "a2", "a3"])
        for a in resp["Aliases"]:
            self.assertEqual(a["AliasArn"], fn_arn("fn", a["Name"]))
        only1 = self.lam.list_aliases(FunctionName="fn", FunctionVersion="1")["Aliases"]
        self.assertEqual(sorted(a["Name"] for a in only1), ["a1", "a3"])
        got, marker, pages = [], None, 0
        while True:
            kw = {"FunctionName": "fn", "MaxItems": 2}
            if marker:
                kw["Marker"] = marker
            page = self.lam.list_aliases(**kw)
            pages += 1
            self.assertLessEqual(len(page["Aliases"]), 2)
            got += [a["Name"] for a in page["Aliases"]]
            marker = page.get("NextMarker")
            if not marker or pages > 5:
                break
        self.assertEqual(pages, 2)
        self.assertEqual(sorted(got), ["a1", "a2", "a3"])

    def test_list_aliases_missing_function(self):
        self.assertAwsError(self.lam.list_aliases, "ResourceNotFoundException", 404,
                            FunctionName="nope")


# ---------------------------------------------------------------------------
class FunctionConcurrencyTests(LambdaTestCase):
    def test_put_get_delete(self):
        self.create_function("fn")
        self.assertEqual(self.lam.get_function_concurrency(FunctionName="fn").get(
            "ReservedConcurrentExecutions"), None)
        resp = self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=10)
        self.assertStatus(resp, 200)
        self.assertEqual(resp["ReservedConcurrentExecutions"], 10)
        got = self.lam.get_function_concurrency(FunctionName="fn")
        self.assertStatus(got, 200)
        self.assertEqual(got["ReservedConcurrentExecutions"], 10)
        self.assertEqual(self.unreserved(), 990)
        self.assertStatus(self.lam.delete_function_concurrency(FunctionName="fn"), 204)
        self.assertNotIn("ReservedConcurrentExecutions", self.lam.get_function_concurrency(FunctionName="fn"))
        self.assertEqual(self.unreserved(), 1000)

    def test_zero_is_allowed(self):
        self.create_function("fn")
        resp = self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=0)
        self.assertEqual(resp["ReservedConcurrentExecutions"], 0)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName="fn")["ReservedConcurrentExecutions"], 0)

    def test_by_arn(self):
        self.create_function("fn")
        self.lam.put_function_concurrency(FunctionName=fn_arn("fn"), ReservedConcurrentExecutions=3)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=fn_arn("fn"))
                         ["ReservedConcurrentExecutions"], 3)

    def test_qualified_name_rejected(self):
        self.fn_with_versions("fn", 1)
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        for name in ("fn:1", "fn:live", "fn:$LATEST", fn_arn("fn", "1")):
            with self.subTest(name=name):
                self.assertAwsError(self.lam.put_function_concurrency, "InvalidParameterValueException",
                                    400, QUALIFIED_CONC_MSG, FunctionName=name,
                                    ReservedConcurrentExecutions=5)

    def test_missing_function(self):
        self.assertAwsError(self.lam.put_function_concurrency, "ResourceNotFoundException", 404,
                            "Function not found: " + fn_arn("nope", "$LATEST"),
                            FunctionName="nope", ReservedConcurrentExecutions=5)
        self.assertAwsError(self.lam.get_function_concurrency, "ResourceNotFoundException", 404,
                            FunctionName="nope")
        self.assertAwsError(self.lam.delete_function_concurrency, "ResourceNotFoundException", 404,
                            FunctionName="nope")

    def test_unreserved_minimum(self):
        self.create_function("a")
        self.create_function("b")
        self.assertAwsError(self.lam.put_function_concurrency, "InvalidParameterValueException", 400,
                            RESERVED_MIN_MSG % 100, FunctionName="a", ReservedConcurrentExecutions=901)
        self.lam.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=900)
        self.assertEqual(self.unreserved(), 100)
        self.assertAwsError(self.lam.put_function_concurrency, "InvalidParameterValueException", 400,
                            RESERVED_MIN_MSG % 100, FunctionName="b", ReservedConcurrentExecutions=1)
        # re-putting the same value counts the old one back in
        self.lam.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=900)
        self.lam.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=500)
        self.lam.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=400)
        self.assertEqual(self.unreserved(), 100)
        self.lam.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=0)
        self.assertEqual(self.unreserved(), 500)

    def test_below_provisioned(self):
        self.fn_with_versions("fn", 1)
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=2)
        self.assertAwsError(self.lam.put_function_concurrency, "InvalidParameterValueException", 400,
                            " ReservedConcurrentExecutions  1 should not be lower than function's "
                            "total provisioned concurrency [2].",
                            FunctionName="fn", ReservedConcurrentExecutions=1)
        self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=2)


# ---------------------------------------------------------------------------
class ProvisionedConcurrencyTests(LambdaTestCase):
    def setUp(self):
        super().setUp()
        self.fn_with_versions("fn", 2)
        self.pc_noval = self.server.client("lambda", parameter_validation=False)

    def test_put_get_ready(self):
        resp = self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                           ProvisionedConcurrentExecutions=3)
        self.assertStatus(resp, 202)
        self.assertEqual(resp["RequestedProvisionedConcurrentExecutions"], 3)
        self.assertEqual(resp["AvailableProvisionedConcurrentExecutions"], 0)
        self.assertEqual(resp["AllocatedProvisionedConcurrentExecutions"], 0)
        self.assertEqual(resp["Status"], "IN_PROGRESS")
        self.assertIsInstance(resp["LastModified"], str)
        first = self.lam.get_provisioned_concurrency_config(FunctionName="fn", Qualifier="1")
        self.assertStatus(first, 200)
        self.assertIn(first["Status"], ("IN_PROGRESS", "READY"))
        ready = self.wait_pc("fn", "1")
        self.assertEqual(ready["RequestedProvisionedConcurrentExecutions"], 3)
        self.assertEqual(ready["AvailableProvisionedConcurrentExecutions"], 3)
        self.assertEqual(ready["AllocatedProvisionedConcurrentExecutions"], 3)

    def test_update_value(self):
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=3)
        self.wait_pc("fn", "1")
        resp = self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                           ProvisionedConcurrentExecutions=5)
        self.assertEqual(resp["Status"], "IN_PROGRESS")
        self.assertEqual(resp["RequestedProvisionedConcurrentExecutions"], 5)
        ready = self.wait_pc("fn", "1")
        self.assertEqual(ready["AllocatedProvisionedConcurrentExecutions"], 5)
        self.assertEqual(len(self.lam.list_provisioned_concurrency_configs(FunctionName="fn")
                             ["ProvisionedConcurrencyConfigs"]), 1)
        self.assertEqual(self.unreserved(), 995)

    def test_alias(self):
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        resp = self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="live",
                                                           ProvisionedConcurrentExecutions=2)
        self.assertStatus(resp, 202)
        self.wait_pc("fn", "live")
        # moving the alias re-provisions: eventually READY again on the new version
        self.lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2")
        st = self.lam.get_provisioned_concurrency_config(FunctionName="fn", Qualifier="live")["Status"]
        self.assertIn(st, ("IN_PROGRESS", "READY"))
        self.wait_pc("fn", "live")
        # deleting the alias removes its config
        self.lam.delete_alias(FunctionName="fn", Name="live")
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName="fn")
                         ["ProvisionedConcurrencyConfigs"], [])
        self.assertEqual(self.unreserved(), 1000)

    def test_latest_rejected(self):
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_LATEST_PUT_MSG,
                            FunctionName="fn", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1)
        self.assertAwsError(self.lam.get_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_LATEST_GET_MSG,
                            FunctionName="fn", Qualifier="$LATEST")
        self.assertAwsError(self.lam.delete_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_LATEST_GET_MSG,
                            FunctionName="fn", Qualifier="$LATEST")

    def test_alias_to_latest_rejected(self):
        self.lam.create_alias(FunctionName="fn", Name="edge", FunctionVersion="$LATEST")
        # [?] in the reference: only the code and status are asserted.
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400,
                            FunctionName="fn", Qualifier="edge", ProvisionedConcurrentExecutions=1)

    def test_zero_rejected(self):
        self.assertAwsError(self.pc_noval.put_provisioned_concurrency_config, "ValidationException",
                            400, "1 validation error detected: Value '0' at "
                            "'provisionedConcurrentExecutions' failed to satisfy constraint: Member "
                            "must have value greater than or equal to 1",
                            FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=0)

    def test_over_reserved(self):
        self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=5)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_OVER_RESERVED_MSG,
                            FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=6)
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=3)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_OVER_RESERVED_MSG,
                            FunctionName="fn", Qualifier="2", ProvisionedConcurrentExecutions=3)
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="2",
                                                    ProvisionedConcurrentExecutions=2)
        # PC inside reserved does not lower U further
        self.assertEqual(self.unreserved(), 995)

    def test_unreserved_minimum(self):
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_MIN_MSG % 100,
                            FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=901)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_OVER_U_MSG % 1000,
                            FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=1001)
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=900)
        self.assertEqual(self.unreserved(), 100)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_MIN_MSG % 100,
                            FunctionName="fn", Qualifier="2", ProvisionedConcurrentExecutions=1)

    def test_alias_on_provisioned_version_conflict(self):
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=1)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config, "ResourceConflictException",
                            409, "Alias can't be used for Provisioned Concurrency configuration on "
                            "an already Provisioned version",
                            FunctionName="fn", Qualifier="live", ProvisionedConcurrentExecutions=1)

    def test_version_behind_pc_alias_conflict(self):
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="live",
                                                    ProvisionedConcurrentExecutions=1)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config, "ResourceConflictException",
                            409, "Version is pointed by a Provisioned Concurrency alias",
                            FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=1)

    def test_one_config_per_version_through_aliases(self):
        self.lam.create_alias(FunctionName="fn", Name="a1", FunctionVersion="1")
        self.lam.create_alias(FunctionName="fn", Name="a2", FunctionVersion="1")
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="a1",
                                                    ProvisionedConcurrentExecutions=1)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config, "ResourceConflictException",
                            409, FunctionName="fn", Qualifier="a2", ProvisionedConcurrentExecutions=1)
        # a different version is fine
        self.lam.update_alias(FunctionName="fn", Name="a2", FunctionVersion="2")
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="a2",
                                                    ProvisionedConcurrentExecutions=1)

    def test_missing_function_get_delete(self):
        self.assertAwsError(self.lam.get_provisioned_concurrency_config, "ResourceNotFoundException",
                            404, FunctionName="nope", Qualifier="1")
        self.assertAwsError(self.lam.delete_provisioned_concurrency_config, "ResourceNotFoundException",
                            404, FunctionName="nope", Qualifier="1")

    def test_not_found(self):
        self.assertAwsError(self.lam.get_provisioned_concurrency_config,
                            "ProvisionedConcurrencyConfigNotFoundException", 404, PC_NOT_FOUND_MSG,
                            FunctionName="fn", Qualifier="1")
        # delete of a missing config is 204
        self.assertStatus(self.lam.delete_provisioned_concurrency_config(FunctionName="fn", Qualifier="1"), 204)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config, "ResourceNotFoundException",
                            404, FunctionName="fn", Qualifier="10", ProvisionedConcurrentExecutions=1)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config, "ResourceNotFoundException",
                            404, "Cannot find alias arn: " + fn_arn("fn", "nope"),
                            FunctionName="fn", Qualifier="nope", ProvisionedConcurrentExecutions=1)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config, "ResourceNotFoundException",
                            404, FunctionName="nope", Qualifier="1", ProvisionedConcurrentExecutions=1)
        self.assertAwsError(self.lam.list_provisioned_concurrency_configs, "ResourceNotFoundException",
                            404, FunctionName="nope")

    def test_delete(self):
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=4)
        self.assertEqual(self.unreserved(), 996)
        self.assertStatus(self.lam.delete_provisioned_concurrency_config(FunctionName="fn", Qualifier="1"), 204)
        self.assertAwsError(self.lam.get_provisioned_concurrency_config,
                            "ProvisionedConcurrencyConfigNotFoundException", 404, PC_NOT_FOUND_MSG,
                            FunctionName="fn", Qualifier="1")
        self.assertEqual(self.unreserved(), 1000)

    def test_list(self):
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName="fn")
                         ["ProvisionedConcurrencyConfigs"], [])
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="2")
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=1)
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)
        self.wait_pc("fn", "1")
        self.wait_pc("fn", "live")
        resp = self.lam.list_provisioned_concurrency_configs(FunctionName="fn")
        self.assertStatus(resp, 200)
        items = sorted(resp["ProvisionedConcurrencyConfigs"], key=lambda c: c["FunctionArn"])
        self.assertEqual([c["FunctionArn"] for c in items], [fn_arn("fn", "1"), fn_arn("fn", "live")])
        self.assertEqual([c["RequestedProvisionedConcurrentExecutions"] for c in items], [1, 2])
        for c in items:
            self.assertEqual(c["Status"], "READY")
            self.assertEqual(c["AllocatedProvisionedConcurrentExecutions"],
                             c["RequestedProvisionedConcurrentExecutions"])
            self.assertEqual(c["AvailableProvisionedConcurrentExecutions"],
                             c["RequestedProvisionedConcurrentExecutions"])
            self.assertIsInstance(c["LastModified"], str)
        page = self.lam.list_provisioned_concurrency_configs(FunctionName="fn", MaxItems=1)
        self.assertEqual(len(page["ProvisionedConcurrencyConfigs"]), 1)
        self.assertIn("NextMarker", page)
        rest = self.lam.list_provisioned_concurrency_configs(FunctionName="fn", Marker=page["NextMarker"])
        self.assertEqual(len(rest["ProvisionedConcurrencyConfigs"]), 1)
        self.assertNotEqual(rest["ProvisionedConcurrencyConfigs"][0]["FunctionArn"],
                            page["ProvisionedConcurrencyConfigs"][0]["FunctionArn"])

    def test_delete_version_with_pc(self):
        self.lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="2",
                                                    ProvisionedConcurrentExecutions=3)
        self.lam.delete_function(FunctionName="fn", Qualifier="2")
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName="fn")
                         ["ProvisionedConcurrencyConfigs"], [])
        self.assertEqual(self.unreserved(), 1000)


# ---------------------------------------------------------------------------
class AccountSettingsTests(LambdaTestCase):
    def test_fresh_account(self):
        resp = self.lam.get_account_settings()
        self.assertStatus(resp, 200)
        self.assertEqual(resp["AccountLimit"], {
            "TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 1000})
        self.assertEqual(resp["AccountUsage"], {"TotalCodeSize": 0, "FunctionCount": 0})

    def test_usage(self):
        za = handler_zip()
        zb = handler_zip(code="def handler(e, c):\n    return 'b' * 100\n")
        self.create_function("a", zip_bytes=za)
        self.create_function("b", zip_bytes=zb)
        usage = self.lam.get_account_settings()["AccountUsage"]
        self.assertEqual(usage["FunctionCount"], 2)
        self.assertEqual(usage["TotalCodeSize"], len(za) + len(zb))
        self.publish("a")
        self.assertEqual(self.lam.get_account_settings()["AccountUsage"]["FunctionCount"], 2)
        self.lam.delete_function(FunctionName="b")
        self.assertEqual(self.lam.get_account_settings()["AccountUsage"]["FunctionCount"], 1)

    def test_unreserved_formula(self):
        self.fn_with_versions("a", 1)
        self.fn_with_versions("b", 1)
        self.lam.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=100)
        self.assertEqual(self.unreserved(), 900)
        # PC of a function without reserved comes out of U
        self.lam.put_provisioned_concurrency_config(FunctionName="b", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=50)
        self.assertEqual(self.unreserved(), 850)
        # PC inside a reservation does not
        self.lam.put_provisioned_concurrency_config(FunctionName="a", Qualifier="1",
                                                    ProvisionedConcurrentExecutions=20)
        self.assertEqual(self.unreserved(), 850)
        # reserving b now absorbs its PC
        self.lam.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=60)
        self.assertEqual(self.unreserved(), 840)
        self.assertEqual(self.lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"], 1000)

    def test_isolated_per_account_and_region(self):
        self.create_function("a")
        self.lam.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=300)
        other_region = self.server.client("lambda", region="eu-west-1")
        other_acct = self.server.client("lambda", access_key="111111111111")
        for c in (other_region, other_acct):
            s = c.get_account_settings()
            self.assertEqual(s["AccountLimit"]["UnreservedConcurrentExecutions"], 1000)
            self.assertEqual(s["AccountUsage"]["FunctionCount"], 0)
        self.assertEqual(self.unreserved(), 700)


class ConfiguredLimitsTests(LambdaTestCase):
    """--account-concurrency and --min-unreserved-concurrency feed the rules."""

    server_kwargs = {"extra_args": ["--account-concurrency", "300",
                                    "--min-unreserved-concurrency", "50"]}

    def test_limits_reported_and_enforced(self):
        s = self.lam.get_account_settings()["AccountLimit"]
        self.assertEqual(s["ConcurrentExecutions"], 300)
        self.assertEqual(s["UnreservedConcurrentExecutions"], 300)
        self.fn_with_versions("fn", 1)
        self.assertAwsError(self.lam.put_function_concurrency, "InvalidParameterValueException", 400,
                            RESERVED_MIN_MSG % 50, FunctionName="fn", ReservedConcurrentExecutions=251)
        self.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=250)
        self.assertEqual(self.unreserved(), 50)
        self.lam.delete_function_concurrency(FunctionName="fn")
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_MIN_MSG % 50,
                            FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=251)
        self.assertAwsError(self.lam.put_provisioned_concurrency_config,
                            "InvalidParameterValueException", 400, PC_OVER_U_MSG % 300,
                            FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=301)


# ---------------------------------------------------------------------------
class PermissionTests(LambdaTestCase):
    def setUp(self):
        super().setUp()
        self.fn_with_versions("fn", 1)

    def policy(self, **kw):
        resp = self.lam.get_policy(FunctionName="fn", **kw)
        self.assertStatus(resp, 200)
        self.assertRegex(resp["RevisionId"], UUID_RE)
        return json.loads(resp["Policy"]), resp["RevisionId"]

    def test_add_get_remove(self):
        src = "arn:aws:s3:::my-bucket"
        resp = self.lam.add_permission(FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
                                       Principal="s3.amazonaws.com", SourceArn=src)
        self.assertStatus(resp, 201)
        self.assertIsInstance(resp["Statement"], str)
        st = json.loads(resp["Statement"])
        self.assertEqual(st["Sid"], "s3")
        self.assertEqual(st["Effect"], "Allow")
        self.assertEqual(st["Principal"], {"Service": "s3.amazonaws.com"})
        self.assertEqual(st["Action"], "lambda:InvokeFunction")
        self.assertEqual(st["Resource"], fn_arn("fn"))
        self.assertEqual(st["Condition"], {"ArnLike": {"AWS:SourceArn": src}})
        pol, _ = self.policy()
        self.assertEqual(pol["Version"], "2012-10-17")
        self.assertEqual(pol["Id"], "default")
        self.assertEqual(pol["Statement"], [st])
        self.lam.add_permission(FunctionName="fn", StatementId="sns", Action="lambda:InvokeFunction",
                                Principal="sns.amazonaws.com")
        pol, _ = self.policy()
        self.assertEqual([s["Sid"] for s in pol["Statement"]], ["s3", "sns"])
        self.assertStatus(self.lam.remove_permission(FunctionName="fn", StatementId="s3"), 204)
        pol, _ = self.policy()
        self.assertEqual([s["Sid"] for s in pol["Statement"]], ["sns"])
        self.assertStatus(self.lam.remove_permission(FunctionName="fn", StatementId="sns"), 204)
        self.assertAwsError(self.lam.get_policy, "ResourceNotFoundException", 404,
                            "The resource you requested does not exist.", FunctionName="fn")

    def test_qualified_policies_are_separate(self):
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        r1 = self.lam.add_permission(FunctionName="fn", StatementId="v", Action="lambda:InvokeFunction",
                                     Principal="s3.amazonaws.com", Qualifier="1")
        self.assertEqual(json.loads(r1["Statement"])["Resource"], fn_arn("fn", "1"))
        r2 = self.lam.add_permission(FunctionName="fn:live", StatementId="a",
                                     Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        self.assertEqual(json.loads(r2["Statement"])["Resource"], fn_arn("fn", "live"))
        self.assertEqual([s["Sid"] for s in self.policy(Qualifier="1")[0]["Statement"]], ["v"])
        self.assertEqual([s["Sid"] for s in self.policy(Qualifier="live")[0]["Statement"]], ["a"])
        self.assertAwsError(self.lam.get_policy, "ResourceNotFoundException", 404,
                            "The resource you requested does not exist.", FunctionName="fn")
        self.assertAwsError(self.lam.remove_permission, "ResourceNotFoundException", 404,
                            "No policy is associated with the given resource.",
                            FunctionName="fn", StatementId="v")
        self.assertStatus(self.lam.remove_permission(FunctionName="fn", StatementId="v", Qualifier="1"), 204)

    def test_duplicate_sid(self):
        self.lam.add_permission(FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com")
        self.assertAwsError(self.lam.add_permission, "ResourceConflictException", 409,
                            "The statement id (s3) provided already exists. Please provide a new "
                            "statement id, or remove the existing statement.",
                            FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
                            Principal="sns.amazonaws.com")

    def test_latest_rejected(self):
        self.assertAwsError(self.lam.add_permission, "InvalidParameterValueException", 400,
                            "We currently do not support adding policies for $LATEST.",
                            FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                            Principal="s3.amazonaws.com", Qualifier="$LATEST")

    def test_bad_principal(self):
        self.assertAwsError(self.lam.add_permission, "InvalidParameterValueException", 400,
                            "The provided principal was invalid. Please check the principal and "
                            "try again.",
                            FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                            Principal="not a principal!")

    def test_other_principal_forms(self):
        self.lam.add_permission(FunctionName="fn", StatementId="acct", Action="lambda:InvokeFunction",
                                Principal="123456789012")
        self.lam.add_permission(FunctionName="fn", StatementId="any", Action="lambda:*", Principal="*")
        self.lam.add_permission(FunctionName="fn", StatementId="role", Action="lambda:GetFunction",
                                Principal="arn:aws:iam::123456789012:role/r")
        pol, _ = self.policy()
        self.assertEqual([s["Sid"] for s in pol["Statement"]], ["acct", "any", "role"])

    def test_bad_statement_id_and_action(self):
        for kw in ({"StatementId": "bad sid!", "Action": "lambda:InvokeFunction"},
                   {"StatementId": "ok", "Action": "s3:GetObject"}):
            with self.subTest(**kw):
                self.assertAwsError(self.lam.add_permission, "ValidationException", 400,
                                    FunctionName="fn", Principal="s3.amazonaws.com", **kw)

    def test_revision_ids(self):
        self.lam.add_permission(FunctionName="fn", StatementId="a", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com")
        _, rev = self.policy()
        bad = "00000000-0000-0000-0000-000000000000"
        self.assertAwsError(self.lam.add_permission, "PreconditionFailedException", 412,
                            POLICY_REVISION_MSG, FunctionName="fn", StatementId="b",
                            Action="lambda:InvokeFunction", Principal="s3.amazonaws.com", RevisionId=bad)
        self.assertAwsError(self.lam.remove_permission, "PreconditionFailedException", 412,
                            POLICY_REVISION_MSG, FunctionName="fn", StatementId="a", RevisionId=bad)
        self.lam.add_permission(FunctionName="fn", StatementId="b", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com", RevisionId=rev)
        _, rev2 = self.policy()
        self.assertNotEqual(rev, rev2)
        self.assertStatus(self.lam.remove_permission(FunctionName="fn", StatementId="a", RevisionId=rev2), 204)

    def test_remove_errors(self):
        self.assertAwsError(self.lam.remove_permission, "ResourceNotFoundException", 404,
                            "No policy is associated with the given resource.",
                            FunctionName="fn", StatementId="x")
        self.lam.add_permission(FunctionName="fn", StatementId="a", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com")
        self.assertAwsError(self.lam.remove_permission, "ResourceNotFoundException", 404,
                            "Statement x is not found in resource policy.",
                            FunctionName="fn", StatementId="x")
        self.assertAwsError(self.lam.remove_permission, "ResourceNotFoundException", 404,
                            "No policy found for: " + fn_arn("nope"),
                            FunctionName="nope", StatementId="x")

    def test_missing_targets(self):
        self.assertAwsError(self.lam.add_permission, "ResourceNotFoundException", 404,
                            FunctionName="nope", StatementId="s", Action="lambda:InvokeFunction",
                            Principal="s3.amazonaws.com")
        self.assertAwsError(self.lam.add_permission, "ResourceNotFoundException", 404,
                            "Cannot find alias arn: " + fn_arn("fn", "ghost"),
                            FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                            Principal="s3.amazonaws.com", Qualifier="ghost")
        self.assertAwsError(self.lam.add_permission, "ResourceNotFoundException", 404,
                            FunctionName="fn", StatementId="s", Action="lambda:InvokeFunction",
                            Principal="s3.amazonaws.com", Qualifier="9")
        self.assertAwsError(self.lam.get_policy, "ResourceNotFoundException", 404, FunctionName="nope")
        self.assertAwsError(self.lam.get_policy, "ResourceNotFoundException", 404,
                            "Cannot find alias arn: " + fn_arn("fn", "ghost"),
                            FunctionName="fn", Qualifier="ghost")
        self.assertAwsError(self.lam.remove_permission, "ResourceNotFoundException", 404,
                            "Cannot find alias arn: " + fn_arn("fn", "ghost"),
                            FunctionName="fn", StatementId="s", Qualifier="ghost")


# ---------------------------------------------------------------------------
class CodeSigningConfigTests(LambdaTestCase):
    """A function's code signing configuration (issue 13: the Terraform
    provider reads it on every refresh of a function). sluice has no code
    signing configurations, so no function has one."""

    CSC = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0"

    def test_function_without_config(self):
        self.create_function("fn")
        for name in ("fn", fn_arn("fn")):
            with self.subTest(name=name):
                r = self.lam.get_function_code_signing_config(FunctionName=name)
                self.assertStatus(r, 200)
                self.assertEqual((r["CodeSigningConfigArn"], r["FunctionName"]), ("", "fn"))
        r = self.lam.delete_function_code_signing_config(FunctionName="fn")
        self.assertStatus(r, 204)

    def test_put_unknown_config(self):
        self.create_function("fn")
        self.assertAwsError(self.lam.put_function_code_signing_config, "CodeSigningConfigNotFoundException",
                            404, "The code signing configuration cannot be found. Check that the provided "
                            "configuration is not deleted: %s." % self.CSC,
                            FunctionName="fn", CodeSigningConfigArn=self.CSC)
        self.assertEqual(self.lam.get_function_code_signing_config(FunctionName="fn")["CodeSigningConfigArn"], "")

    def test_create_function_with_unknown_config(self):
        self.assertAwsError(self.create_function, "CodeSigningConfigNotFoundException", 404,
                            "The code signing configuration cannot be found. Check that the provided "
                            "configuration is not deleted: %s." % self.CSC,
                            name="signed", CodeSigningConfigArn=self.CSC, wait=False)
        self.assertEqual(self.lam.list_functions()["Functions"], [])

    def test_errors(self):
        missing = "Function not found: " + fn_arn("nosuch")
        self.assertAwsError(self.lam.get_function_code_signing_config, "ResourceNotFoundException", 404,
                            missing, FunctionName="nosuch")
        self.assertAwsError(self.lam.delete_function_code_signing_config, "ResourceNotFoundException", 404,
                            missing, FunctionName="nosuch")
        self.assertAwsError(self.lam.put_function_code_signing_config, "ResourceNotFoundException", 404,
                            missing, FunctionName="nosuch", CodeSigningConfigArn=self.CSC)
        self.create_function("fn")
        self.assertAwsError(self.lam.put_function_code_signing_config, "ValidationException", 400,
                            "1 validation error detected: Value 'csc-1' at 'codeSigningConfigArn' failed to "
                            "satisfy constraint: Member must satisfy regular expression pattern: "
                            "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:"
                            "code-signing-config:csc-[a-z0-9]{17}",
                            FunctionName="fn", CodeSigningConfigArn="csc-1")
        r = self.server.request("PUT", "/2020-06-30/functions/fn/code-signing-config", body={})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["message"], "1 validation error detected: Value null at "
                         "'codeSigningConfigArn' failed to satisfy constraint: Member must not be null")


class TagTests(LambdaTestCase):
    def test_tag_untag_list(self):
        self.create_function("fn", Tags={"a": "1"})
        arn = fn_arn("fn")
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"a": "1"})
        resp = self.lam.tag_resource(Resource=arn, Tags={"b": "2", "a": "x"})
        self.assertStatus(resp, 204)
        got = self.lam.list_tags(Resource=arn)
        self.assertStatus(got, 200)
        self.assertEqual(got["Tags"], {"a": "x", "b": "2"})
        self.assertEqual(self.lam.get_function(FunctionName="fn")["Tags"], {"a": "x", "b": "2"})
        resp = self.lam.untag_resource(Resource=arn, TagKeys=["a", "missing"])
        self.assertStatus(resp, 204)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"b": "2"})
        self.lam.untag_resource(Resource=arn, TagKeys=["b"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {})

    def test_tags_on_versions_and_aliases(self):
        self.fn_with_versions("fn", 1)
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        for arn in (fn_arn("fn", "1"), fn_arn("fn", "live"), fn_arn("fn", "$LATEST")):
            with self.subTest(arn=arn):
                self.assertAwsError(self.lam.tag_resource, "InvalidParameterValueException", 400,
                                    TAGS_QUALIFIED_MSG, Resource=arn, Tags={"a": "b"})
                self.assertAwsError(self.lam.list_tags, "InvalidParameterValueException", 400,
                                    TAGS_QUALIFIED_MSG, Resource=arn)
                self.assertAwsError(self.lam.untag_resource, "InvalidParameterValueException", 400,
                                    TAGS_QUALIFIED_MSG, Resource=arn, TagKeys=["a"])

    def test_missing_function(self):
        arn = fn_arn("nope")
        self.assertAwsError(self.lam.tag_resource, "ResourceNotFoundException", 404,
                            Resource=arn, Tags={"a": "b"})
        self.assertAwsError(self.lam.list_tags, "ResourceNotFoundException", 404, Resource=arn)
        self.assertAwsError(self.lam.untag_resource, "ResourceNotFoundException", 404,
                            Resource=arn, TagKeys=["a"])


if __name__ == "__main__":
    harness.main()
