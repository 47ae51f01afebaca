#!/usr/bin/env python3
"""SSM Parameter Store end to end (issue 15): boto3's ssm client and the
aws CLI against the real binary. Put, get and overwrite with versions,
name:version and name:label selectors, lookups by ARN, SecureString with
and without decryption, GetParameters with invalid names,
GetParametersByPath recursive and not through boto3's paginator,
DescribeParameters with filters, history, delete(s), tags, per-account
and per-region scope, durability across a restart, and AWS's error codes
and HTTP statuses.

Shapes: botocore's ssm/2014-11-06 model.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_ssm.py -v
"""

import datetime
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import SluiceTestCase  # noqa: E402

ACCOUNT = "000000000000"
BAD_NAME = ('Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can '
            'consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, '
            'numbers and the following 3 symbols .-_')


class SsmTest(SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ssm = cls.server.client("ssm")

    def put(self, name, value, type_="String", **kw):
        return self.ssm.put_parameter(Name=name, Value=value, Type=type_, **kw)

    # -- put / get ---------------------------------------------------------
    def test_put_get_overwrite_versions(self):
        r = self.put("/app/db/host", "db1")
        self.assertEqual((r["Version"], r["Tier"]), (1, "Standard"))
        p = self.ssm.get_parameter(Name="/app/db/host")["Parameter"]
        self.assertEqual(p["Name"], "/app/db/host")
        self.assertEqual(p["Type"], "String")
        self.assertEqual(p["Value"], "db1")
        self.assertEqual(p["Version"], 1)
        self.assertEqual(p["DataType"], "text")
        self.assertEqual(p["ARN"], "arn:aws:ssm:us-east-1:%s:parameter/app/db/host" % ACCOUNT)
        self.assertIsInstance(p["LastModifiedDate"], datetime.datetime)
        self.assertNotIn("Selector", p)

        self.assertAwsError(self.ssm.put_parameter, "ParameterAlreadyExists", 400,
                            "The parameter already exists. To overwrite this value, set the overwrite option "
                            "in the request to true.", Name="/app/db/host", Value="db2", Type="String")
        # Overwrite without Type keeps the type.
        r = self.ssm.put_parameter(Name="/app/db/host", Value="db2", Overwrite=True)
        self.assertEqual(r["Version"], 2)
        r = self.put("/app/db/host", "db3", Overwrite=True)
        self.assertEqual(r["Version"], 3)
        self.assertEqual(self.ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"], "db3")

        old = self.ssm.get_parameter(Name="/app/db/host:1")["Parameter"]
        self.assertEqual((old["Value"], old["Version"], old["Selector"]), ("db1", 1, ":1"))
        self.assertEqual(old["Name"], "/app/db/host")
        self.assertAwsError(self.ssm.get_parameter, "ParameterVersionNotFound", 400,
                            "Systems Manager could not find version 9 of /app/db/host. Verify the version and "
                            "try again.", Name="/app/db/host:9")

    def test_arn_lookup(self):
        self.put("/cdk-bootstrap/hnb659fds/version", "21")
        self.put("plain", "p")
        arn = "arn:aws:ssm:us-east-1:%s:parameter/cdk-bootstrap/hnb659fds/version" % ACCOUNT
        p = self.ssm.get_parameter(Name=arn)["Parameter"]
        self.assertEqual((p["Name"], p["Value"], p["ARN"]), ("/cdk-bootstrap/hnb659fds/version", "21", arn))
        p = self.ssm.get_parameter(Name="arn:aws:ssm:us-east-1:%s:parameter/plain:1" % ACCOUNT)["Parameter"]
        self.assertEqual((p["Name"], p["Value"], p["Selector"]), ("plain", "p", ":1"))
        self.assertEqual(p["ARN"], "arn:aws:ssm:us-east-1:%s:parameter/plain" % ACCOUNT)
        # One ARN form for "/top" and "top": the name that exists.
        self.put("/top", "slashed")
        p = self.ssm.get_parameter(Name="arn:aws:ssm:us-east-1:%s:parameter/top" % ACCOUNT)["Parameter"]
        self.assertEqual((p["Name"], p["Value"]), ("/top", "slashed"))
        r = self.ssm.get_parameters(Names=["arn:aws:ssm:us-east-1:%s:parameter/top" % ACCOUNT])
        self.assertEqual([x["Name"] for x in r["Parameters"]], ["/top"])
        # Another account's or region's ARN names nothing here.
        self.assertAwsError(self.ssm.get_parameter, "ParameterNotFound", 400,
                            Name="arn:aws:ssm:eu-west-1:%s:parameter/plain" % ACCOUNT)

    def test_not_found_has_empty_message(self):
        self.assertAwsError(self.ssm.get_parameter, "ParameterNotFound", 400, "", Name="/nope")
        self.assertAwsError(self.ssm.delete_parameter, "ParameterNotFound", 400, "", Name="/nope")
        self.assertAwsError(self.ssm.get_parameter_history, "ParameterNotFound", 400, Name="/nope")

    def test_secure_string(self):
        r = self.put("/app/secret", "hunter2", "SecureString")
        self.assertEqual(r["Version"], 1)
        p = self.ssm.get_parameter(Name="/app/secret")["Parameter"]
        self.assertEqual(p["Type"], "SecureString")
        self.assertNotEqual(p["Value"], "hunter2")
        self.assertNotIn("hunter2", p["Value"])
        self.assertTrue(p["Value"].startswith("AQICAH"), p["Value"])
        # Deterministic for a version, new for a new one.
        self.assertEqual(self.ssm.get_parameter(Name="/app/secret")["Parameter"]["Value"], p["Value"])
        p = self.ssm.get_parameter(Name="/app/secret", WithDecryption=True)["Parameter"]
        self.assertEqual(p["Value"], "hunter2")
        self.put("/app/secret", "hunter3", "SecureString", Overwrite=True, KeyId="alias/mine")
        d = self.ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/app/secret"]}])
        self.assertEqual(d["Parameters"][0]["KeyId"], "alias/mine")
        h = self.ssm.get_parameter_history(Name="/app/secret", WithDecryption=True)["Parameters"]
        self.assertEqual([x["Value"] for x in h], ["hunter2", "hunter3"])
        self.assertEqual(h[0]["KeyId"], "alias/aws/ssm")
        h = self.ssm.get_parameter_history(Name="/app/secret")["Parameters"]
        self.assertNotIn("hunter2", json.dumps([x["Value"] for x in h]))
        byp = self.ssm.get_parameters_by_path(Path="/app", WithDecryption=True)["Parameters"]
        self.assertEqual([x["Value"] for x in byp], ["hunter3"])

    def test_string_list_description_pattern(self):
        self.put("/list", "a,b,c", "StringList", Description="three letters", AllowedPattern="^[a-z,]+$")
        self.assertEqual(self.ssm.get_parameter(Name="/list")["Parameter"]["Value"], "a,b,c")
        self.assertAwsError(self.ssm.put_parameter, "ParameterPatternMismatchException", 400,
                            Name="/list", Value="A,B", Overwrite=True)
        # The pattern and description carry over to the next version.
        self.ssm.put_parameter(Name="/list", Value="x,y", Overwrite=True)
        d = self.ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/list"]}])["Parameters"][0]
        self.assertEqual((d["Description"], d["AllowedPattern"], d["Version"]), ("three letters", "^[a-z,]+$", 2))
        self.assertAwsError(self.ssm.put_parameter, "ParameterPatternMismatchException", 400,
                            Name="/digits", Value="12a", Type="String", AllowedPattern=r"\d+")
        self.put("/digits", "123", AllowedPattern=r"\d+")

    def test_tiers(self):
        big = "x" * 5000
        self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400,
                            message_re="^Standard tier parameters support a maximum parameter value of 4096",
                            Name="/big", Value=big, Type="String")
        r = self.put("/big", big, Tier="Advanced")
        self.assertEqual(r["Tier"], "Advanced")
        self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400,
                            Name="/bigger", Value="x" * 8193, Type="String", Tier="Advanced")
        r = self.put("/auto", big, Tier="Intelligent-Tiering")
        self.assertEqual(r["Tier"], "Advanced")
        r = self.put("/small", "s", Tier="Intelligent-Tiering")
        self.assertEqual(r["Tier"], "Standard")
        self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400,
                            message_re="can't downgrade", Name="/big", Value="s", Overwrite=True, Tier="Standard")

    def test_validation_errors(self):
        self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400,
                            "A parameter type is required when you create a parameter.", Name="/t", Value="v")
        self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400,
                            message_re="tags and overwrite can't be used together",
                            Name="/t", Value="v", Type="String", Overwrite=True, Tags=[{"Key": "k", "Value": "v"}])
        for bad in ("has space", "a/b", "/a//b", "ssm-param", "/a@b"):
            self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400, BAD_NAME,
                                Name=bad, Value="v", Type="String")
        self.assertAwsError(self.ssm.put_parameter, "AccessDeniedException", 400,
                            "No access to reserved parameter name: aws/mine.",
                            Name="/aws/mine", Value="v", Type="String")
        self.assertAwsError(self.ssm.put_parameter, "HierarchyLevelLimitExceededException", 400,
                            Name="/" + "/".join(str(i) for i in range(16)), Value="v", Type="String")
        self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400,
                            message_re="^1 validation error detected: Value 'Number' at 'type' failed to satisfy "
                                       "constraint: Member must satisfy enum value set",
                            Name="/t", Value="v", Type="Number")
        self.assertAwsError(self.ssm.put_parameter, "ValidationException", 400,
                            message_re="The following data type is not supported: TEXT",
                            Name="/t", Value="v", Type="String", DataType="TEXT")
        self.assertAwsError(self.ssm.get_parameter, "ValidationException", 400, BAD_NAME, Name="bad name")
        # Reads of AWS's public namespace are allowed (and find nothing here).
        self.assertAwsError(self.ssm.get_parameter, "ParameterNotFound", 400,
                            Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")

    # -- several at once --------------------------------------------------
    def test_get_parameters_invalid(self):
        self.put("/b", "2")
        self.put("/a", "1")
        r = self.ssm.get_parameters(Names=["/b", "/missing", "/a", "bad name", "/a:7", "/b"])
        self.assertEqual([p["Name"] for p in r["Parameters"]], ["/a", "/b"])
        self.assertEqual(r["InvalidParameters"], ["/missing", "bad name", "/a:7"])
        self.assertAwsError(self.ssm.get_parameters, "ValidationException", 400,
                            message_re="at 'names' failed to satisfy constraint: Member must have length less "
                                       "than or equal to 10",
                            Names=["/p%d" % i for i in range(11)])

    def test_get_parameters_by_path(self):
        for name in ("/svc/a", "/svc/b", "/svc/c", "/svc/deep/d", "/svc/deep/er/e", "/svcx/no", "/other/o"):
            self.put(name, name)
        self.put("/svc/s", "secret", "SecureString")
        pager = self.ssm.get_paginator("get_parameters_by_path")
        flat = [p["Name"] for page in pager.paginate(Path="/svc", PaginationConfig={"PageSize": 2})
                for p in page["Parameters"]]
        self.assertEqual(flat, ["/svc/a", "/svc/b", "/svc/c", "/svc/s"])
        pages = list(pager.paginate(Path="/svc/", Recursive=True, PaginationConfig={"PageSize": 2}))
        self.assertGreater(len(pages), 2)
        self.assertEqual([p["Name"] for page in pages for p in page["Parameters"]],
                         ["/svc/a", "/svc/b", "/svc/c", "/svc/deep/d", "/svc/deep/er/e", "/svc/s"])
        everything = [p["Name"] for page in pager.paginate(Path="/", Recursive=True) for p in page["Parameters"]]
        self.assertEqual(len(everything), 8)
        typed = self.ssm.get_parameters_by_path(
            Path="/svc", ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}])["Parameters"]
        self.assertEqual([p["Name"] for p in typed], ["/svc/s"])
        self.assertAwsError(self.ssm.get_parameters_by_path, "ValidationException", 400,
                            message_re="^The parameter doesn't meet the parameter name requirements",
                            Path="svc")
        self.assertAwsError(self.ssm.get_parameters_by_path, "InvalidFilterKey", 400,
                            Path="/svc", ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
        self.assertAwsError(self.ssm.get_parameters_by_path, "InvalidNextToken", 400,
                            Path="/svc", NextToken="garbage")

    def test_describe_parameters(self):
        self.put("/d/one", "1", Description="first")
        self.put("/d/two", "2", "StringList")
        self.put("/d/sub/three", "3", "SecureString")
        self.put("top", "t", Tags=[{"Key": "team", "Value": "core"}])
        allp = [p for page in self.ssm.get_paginator("describe_parameters").paginate(
            PaginationConfig={"PageSize": 2}) for p in page["Parameters"]]
        self.assertEqual([p["Name"] for p in allp], ["/d/one", "/d/sub/three", "/d/two", "top"])
        one = allp[0]
        self.assertEqual(one["Description"], "first")
        self.assertEqual(one["LastModifiedUser"], "arn:aws:iam::%s:root" % ACCOUNT)
        self.assertEqual((one["Version"], one["Tier"], one["DataType"], one["Type"]), (1, "Standard", "text", "String"))
        self.assertEqual(one["ARN"], "arn:aws:ssm:us-east-1:%s:parameter/d/one" % ACCOUNT)
        self.assertNotIn("KeyId", one)
        self.assertEqual(allp[1]["KeyId"], "alias/aws/ssm")

        def names(**kw):
            return [p["Name"] for p in self.ssm.describe_parameters(**kw)["Parameters"]]
        self.assertEqual(names(ParameterFilters=[{"Key": "Path", "Values": ["/d"]}]), ["/d/one", "/d/two"])
        self.assertEqual(names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/d"]}]),
                         ["/d/one", "/d/sub/three", "/d/two"])
        self.assertEqual(names(ParameterFilters=[{"Key": "Type", "Values": ["StringList"]}]), ["/d/two"])
        self.assertEqual(names(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/d/s"]}]),
                         ["/d/sub/three"])
        self.assertEqual(names(ParameterFilters=[{"Key": "Name", "Option": "Contains", "Values": ["tw"]}]),
                         ["/d/two"])
        self.assertEqual(names(ParameterFilters=[{"Key": "tag:team", "Values": ["core"]}]), ["top"])
        self.assertEqual(names(Filters=[{"Key": "Type", "Values": ["SecureString"]}]), ["/d/sub/three"])
        self.assertAwsError(self.ssm.describe_parameters, "InvalidFilterOption", 400,
                            ParameterFilters=[{"Key": "Type", "Option": "Contains", "Values": ["String"]}])
        self.assertAwsError(self.ssm.describe_parameters, "InvalidFilterKey", 400,
                            ParameterFilters=[{"Key": "Label", "Values": ["x"]}])
        self.assertAwsError(self.ssm.describe_parameters, "ValidationException", 400,
                            Filters=[{"Key": "Type", "Values": ["String"]}],
                            ParameterFilters=[{"Key": "Type", "Values": ["String"]}])

    def test_history_and_labels(self):
        for i in range(5):
            self.put("/h", "v%d" % i, Overwrite=i > 0, Description="d%d" % i)
        pages = list(self.ssm.get_paginator("get_parameter_history").paginate(
            Name="/h", PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 3)
        hist = [p for page in pages for p in page["Parameters"]]
        self.assertEqual([(p["Version"], p["Value"], p["Description"]) for p in hist],
                         [(i + 1, "v%d" % i, "d%d" % i) for i in range(5)])
        self.assertEqual(hist[0]["Labels"], [])
        r = self.ssm.label_parameter_version(Name="/h", ParameterVersion=2, Labels=["prod", "9bad"])
        self.assertEqual((r["ParameterVersion"], r["InvalidLabels"]), (2, ["9bad"]))
        self.assertEqual(self.ssm.get_parameter(Name="/h:prod")["Parameter"]["Value"], "v1")
        # A label moves to the version it is given to last.
        self.ssm.label_parameter_version(Name="/h", Labels=["prod"])
        self.assertEqual(self.ssm.get_parameter(Name="/h:prod")["Parameter"]["Version"], 5)
        hist = self.ssm.get_parameter_history(Name="/h")["Parameters"]
        self.assertEqual([p["Labels"] for p in hist], [[], [], [], [], ["prod"]])
        r = self.ssm.unlabel_parameter_version(Name="/h", ParameterVersion=5, Labels=["prod", "nope"])
        self.assertEqual((r["RemovedLabels"], r["InvalidLabels"]), (["prod"], ["nope"]))
        self.assertAwsError(self.ssm.get_parameter, "ParameterNotFound", 400, Name="/h:prod")

    # -- delete, tags ------------------------------------------------------
    def test_delete(self):
        self.put("/x/1", "1")
        self.put("/x/2", "2")
        self.put("/x/3", "3")
        self.assertStatus(self.ssm.delete_parameter(Name="/x/1"), 200)
        self.assertAwsError(self.ssm.get_parameter, "ParameterNotFound", 400, Name="/x/1")
        r = self.ssm.delete_parameters(Names=["/x/2", "/x/1", "/x/3", "/x/9"])
        self.assertEqual(r["DeletedParameters"], ["/x/2", "/x/3"])
        self.assertEqual(r["InvalidParameters"], ["/x/1", "/x/9"])
        self.assertEqual(self.ssm.describe_parameters()["Parameters"], [])
        # A deleted name starts again at version 1.
        self.assertEqual(self.put("/x/1", "again")["Version"], 1)

    def test_tags(self):
        self.put("/tagged", "v", Tags=[{"Key": "env", "Value": "dev"}])
        self.ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/tagged",
                                      Tags=[{"Key": "owner", "Value": "me"}, {"Key": "env", "Value": "prod"}])
        tags = self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tagged")["TagList"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("env", "prod"), ("owner", "me")])
        self.ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/tagged", TagKeys=["env"])
        tags = self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="tagged")["TagList"]
        self.assertEqual(tags, [{"Key": "owner", "Value": "me"}])
        self.assertAwsError(self.ssm.list_tags_for_resource, "InvalidResourceId", 400,
                            ResourceType="Parameter", ResourceId="/missing")
        self.assertAwsError(self.ssm.list_tags_for_resource, "InvalidResourceType", 400,
                            ResourceType="Document", ResourceId="/tagged")
        # Tags go with the parameter.
        self.ssm.delete_parameter(Name="/tagged")
        self.put("/tagged", "v")
        self.assertEqual(self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tagged")["TagList"], [])

    # -- scope, durability, wire ------------------------------------------
    def test_scope_per_account_and_region(self):
        self.put("/scoped", "default")
        other = self.server.client("ssm", access_key="111122223333")
        west = self.server.client("ssm", region="eu-west-1")
        self.assertAwsError(other.get_parameter, "ParameterNotFound", 400, Name="/scoped")
        self.assertAwsError(west.get_parameter, "ParameterNotFound", 400, Name="/scoped")
        other.put_parameter(Name="/scoped", Value="other", Type="String")
        p = other.get_parameter(Name="/scoped")["Parameter"]
        self.assertEqual((p["Value"], p["ARN"]), ("other", "arn:aws:ssm:us-east-1:111122223333:parameter/scoped"))
        self.assertEqual(self.ssm.get_parameter(Name="/scoped")["Parameter"]["Value"], "default")

    def test_unsigned_request_by_target(self):
        self.put("/raw", "v")
        r = self.server.request("POST", "/", body=json.dumps({"Name": "/raw"}),
                                headers={"X-Amz-Target": "AmazonSSM.GetParameter",
                                         "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/x-amz-json-1.1")
        self.assertEqual(r.json()["Parameter"]["Value"], "v")
        self.assertIsInstance(r.json()["Parameter"]["LastModifiedDate"], float)
        r = self.server.request("POST", "/", body="{}", headers={"X-Amz-Target": "AmazonSSM.NoSuchOp"})
        self.assertEqual(r.status, 400)
        self.assertIn("UnknownOperationException", r.json()["__type"])
        r = self.server.request("POST", "/", body="{not json", headers={"X-Amz-Target": "AmazonSSM.GetParameter"})
        self.assertEqual(r.status, 400)
        self.assertIn("SerializationException", r.json()["__type"])
        r = self.server.request("POST", "/", body=json.dumps({"Name": 5}),
                                headers={"X-Amz-Target": "AmazonSSM.GetParameter"})
        self.assertEqual(r.status, 400)
        self.assertIn("SerializationException", r.json()["__type"])

    def test_cli(self):
        p = self.server.cli("ssm", "put-parameter", "--name", "/cli/p", "--value", "hello", "--type", "String")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["Version"], 1)
        p = self.server.cli("ssm", "put-parameter", "--name", "/cli/p", "--value", "again", "--overwrite")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["Version"], 2)
        p = self.server.cli("ssm", "get-parameter", "--name", "/cli/p")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((p.json["Parameter"]["Value"], p.json["Parameter"]["Version"]), ("again", 2))
        p = self.server.cli("ssm", "put-parameter", "--name", "/cli/s", "--value", "pw", "--type", "SecureString")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.server.cli("ssm", "get-parameter", "--name", "/cli/s", "--with-decryption")
        self.assertEqual(p.json["Parameter"]["Value"], "pw")
        p = self.server.cli("ssm", "get-parameter", "--name", "/cli/none")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ParameterNotFound", p.stderr)
        p = self.server.cli("ssm", "get-parameters-by-path", "--path", "/cli")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(x["Name"] for x in p.json["Parameters"]), ["/cli/p", "/cli/s"])


class SsmDurableTest(SluiceTestCase):
    server_kwargs = {"in_memory": False}

    def test_survives_restart(self):
        ssm = self.server.client("ssm")
        ssm.put_parameter(Name="/keep", Value="1", Type="String")
        ssm.put_parameter(Name="/keep", Value="2", Type="String", Overwrite=True)
        ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/keep", Tags=[{"Key": "k", "Value": "v"}])
        self.server.restart()
        ssm = self.server.client("ssm")
        p = ssm.get_parameter(Name="/keep")["Parameter"]
        self.assertEqual((p["Value"], p["Version"]), ("2", 2))
        self.assertEqual(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/keep")["TagList"],
                         [{"Key": "k", "Value": "v"}])


if __name__ == "__main__":
    harness.main()
