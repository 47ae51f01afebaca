#!/usr/bin/env python3
"""IAM end to end (issue 15): roles, inline and managed policies, policy
versions, AWS managed policies, role tags and paging through boto3's iam
client and resource and the aws CLI; the query protocol's XML and
ErrorResponse shapes; AWS's error codes, HTTP statuses and messages; and
the calls Terraform's aws_iam_role / aws_iam_role_policy_attachment make,
in their order, through boto3 (no terraform run).

Shapes: botocore's iam/2010-05-08 model. Policies are stored and
returned, not enforced.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_iam.py -v
"""

import datetime
import json
import os
import sys
import unittest
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import SluiceTestCase  # noqa: E402

NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"}],
}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
DDB = "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"
SQS = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


class IamTest(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.iam = self.server.client("iam", access_key="123456789012")

    def create_role(self, name="app-role", **kw):
        return self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **kw)["Role"]

    # -- roles -------------------------------------------------------------
    def test_create_and_get_role(self):
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        r = self.create_role(Path="/svc/", Description="d", MaxSessionDuration=7200,
                             Tags=[{"Key": "team", "Value": "a"}])
        self.assertRegex(r["RoleId"], r"^AROA[A-Z0-9]{17}$")
        self.assertEqual(r["Arn"], "arn:aws:iam::123456789012:role/svc/app-role")
        self.assertEqual(r["Path"], "/svc/")
        self.assertGreaterEqual(r["CreateDate"], before - datetime.timedelta(seconds=1))
        self.assertEqual(r["AssumeRolePolicyDocument"], TRUST)
        g = self.iam.get_role(RoleName="app-role")["Role"]
        self.assertEqual(g["AssumeRolePolicyDocument"], TRUST)   # decoded by botocore into a dict
        self.assertEqual(g["RoleId"], r["RoleId"])
        self.assertEqual(g["Description"], "d")
        self.assertEqual(g["MaxSessionDuration"], 7200)
        self.assertEqual(g["Tags"], [{"Key": "team", "Value": "a"}])
        self.assertEqual(g["RoleLastUsed"], {})
        # Names are unique whatever their case.
        self.assertAwsError(self.iam.create_role, "EntityAlreadyExists", 409,
                            "Role with name APP-ROLE already exists.",
                            RoleName="APP-ROLE", AssumeRolePolicyDocument=json.dumps(TRUST))

    def test_document_is_url_encoded_on_the_wire(self):
        doc = json.dumps(TRUST, indent=2)
        iam = self.server.client("iam")  # the default account, as the unsigned request below
        iam.create_role(RoleName="enc", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.update_assume_role_policy(RoleName="enc", PolicyDocument=doc)
        body = urllib.parse.urlencode({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "enc"})
        req = urllib.request.Request(self.endpoint + "/", data=body.encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req) as resp:
            root = ET.fromstring(resp.read())
        enc = root.find(NS + "GetRoleResult/" + NS + "Role/" + NS + "AssumeRolePolicyDocument").text
        self.assertNotIn("{", enc)
        self.assertEqual(urllib.parse.unquote(enc), doc)   # kept as sent, whitespace and all
        self.assertEqual(root.find(NS + "GetRoleResult/" + NS + "Role/" + NS + "MaxSessionDuration").text, "3600")

    def test_role_not_found_and_validation(self):
        self.assertAwsError(self.iam.get_role, "NoSuchEntity", 404,
                            "The role with name nope cannot be found.", RoleName="nope")
        self.assertAwsError(self.iam.delete_role, "NoSuchEntity", 404, RoleName="nope")
        self.assertAwsError(
            self.iam.get_role, "ValidationError", 400,
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+", RoleName="bad name")
        self.assertAwsError(self.iam.create_role, "ValidationError", 400, RoleName="x" * 65,
                            AssumeRolePolicyDocument=json.dumps(TRUST))
        self.assertAwsError(self.iam.create_role, "MalformedPolicyDocument", 400, "Syntax errors in policy.",
                            RoleName="r", AssumeRolePolicyDocument="not json")
        self.assertAwsError(self.iam.create_role, "MalformedPolicyDocument", 400, "Syntax errors in policy.",
                            RoleName="r", AssumeRolePolicyDocument='{"Version": "2012-10-17"}')
        unchecked = self.server.client("iam", access_key="123456789012", parameter_validation=False)
        self.assertAwsError(
            unchecked.create_role, "ValidationError", 400,
            "1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: "
            "Member must have value greater than or equal to 3600",
            RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=100)
        self.assertAwsError(
            unchecked.create_role, "ValidationError", 400,
            "2 validation errors detected: Value '' at 'roleName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [\\w+=,.@-]+; Value '' at 'roleName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1",
            RoleName="", AssumeRolePolicyDocument=json.dumps(TRUST))

    def test_error_xml_shape(self):
        body = urllib.parse.urlencode({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "nope"})
        req = urllib.request.Request(self.endpoint + "/", data=body.encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req)
        self.assertEqual(cm.exception.code, 404)
        root = ET.fromstring(cm.exception.read())
        self.assertEqual(root.tag, NS + "ErrorResponse")
        self.assertEqual(root.find(NS + "Error/" + NS + "Type").text, "Sender")
        self.assertEqual(root.find(NS + "Error/" + NS + "Code").text, "NoSuchEntity")
        self.assertTrue(root.find(NS + "RequestId").text)

    def test_list_roles_paging(self):
        for i in range(5):
            self.create_role(name="r%d" % i, Path="/a/" if i % 2 == 0 else "/")
        p1 = self.iam.list_roles(MaxItems=2)
        self.assertEqual([r["RoleName"] for r in p1["Roles"]], ["r0", "r1"])
        self.assertTrue(p1["IsTruncated"])
        p2 = self.iam.list_roles(MaxItems=2, Marker=p1["Marker"])
        self.assertEqual([r["RoleName"] for r in p2["Roles"]], ["r2", "r3"])
        p3 = self.iam.list_roles(MaxItems=2, Marker=p2["Marker"])
        self.assertEqual([r["RoleName"] for r in p3["Roles"]], ["r4"])
        self.assertFalse(p3["IsTruncated"])
        self.assertNotIn("Marker", p3)
        self.assertEqual(p1["Roles"][0]["AssumeRolePolicyDocument"], TRUST)
        self.assertNotIn("Tags", p1["Roles"][0])
        names = [r["RoleName"] for page in self.iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2})
                 for r in page["Roles"]]
        self.assertEqual(names, ["r0", "r1", "r2", "r3", "r4"])
        self.assertEqual([r["RoleName"] for r in self.iam.list_roles(PathPrefix="/a/")["Roles"]], ["r0", "r2", "r4"])
        self.assertEqual(self.iam.list_roles(PathPrefix="/zzz/")["Roles"], [])
        self.assertAwsError(self.iam.list_roles, "ValidationError", 400, MaxItems=1001)

    def test_update_role(self):
        self.create_role()
        self.iam.update_role(RoleName="app-role", Description="new", MaxSessionDuration=43200)
        g = self.iam.get_role(RoleName="app-role")["Role"]
        self.assertEqual((g["Description"], g["MaxSessionDuration"]), ("new", 43200))
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]}
        self.iam.update_assume_role_policy(RoleName="app-role", PolicyDocument=json.dumps(doc))
        self.assertEqual(self.iam.get_role(RoleName="app-role")["Role"]["AssumeRolePolicyDocument"], doc)
        self.assertAwsError(self.iam.update_role, "NoSuchEntity", 404, RoleName="nope", Description="x")

    def test_role_is_global_and_per_account(self):
        self.create_role()
        other_region = self.server.client("iam", region="eu-west-1", access_key="123456789012")
        self.assertEqual(other_region.get_role(RoleName="app-role")["Role"]["RoleName"], "app-role")
        other_account = self.server.client("iam", access_key="111122223333")
        self.assertAwsError(other_account.get_role, "NoSuchEntity", 404, RoleName="app-role")

    # -- inline policies ---------------------------------------------------
    def test_inline_policies(self):
        self.create_role()
        self.iam.put_role_policy(RoleName="app-role", PolicyName="p1", PolicyDocument=json.dumps(POLICY))
        self.iam.put_role_policy(RoleName="app-role", PolicyName="p0", PolicyDocument=json.dumps(POLICY))
        g = self.iam.get_role_policy(RoleName="app-role", PolicyName="p1")
        self.assertEqual((g["RoleName"], g["PolicyName"], g["PolicyDocument"]), ("app-role", "p1", POLICY))
        self.assertEqual(self.iam.list_role_policies(RoleName="app-role")["PolicyNames"], ["p0", "p1"])
        self.assertAwsError(self.iam.delete_role, "DeleteConflict", 409,
                            "Cannot delete entity, must delete policies first.", RoleName="app-role")
        self.assertAwsError(self.iam.get_role_policy, "NoSuchEntity", 404,
                            "The role policy with name nope cannot be found.", RoleName="app-role", PolicyName="nope")
        self.assertAwsError(self.iam.put_role_policy, "MalformedPolicyDocument", 400, "Syntax errors in policy.",
                            RoleName="app-role", PolicyName="bad", PolicyDocument="[1")
        self.iam.delete_role_policy(RoleName="app-role", PolicyName="p0")
        self.iam.delete_role_policy(RoleName="app-role", PolicyName="p1")
        self.assertAwsError(self.iam.delete_role_policy, "NoSuchEntity", 404,
                            RoleName="app-role", PolicyName="p1")
        self.iam.delete_role(RoleName="app-role")
        self.assertAwsError(self.iam.get_role, "NoSuchEntity", 404, RoleName="app-role")

    # -- managed policies --------------------------------------------------
    def test_aws_managed_policies(self):
        for arn in (BASIC, DDB, SQS, "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
                    "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"):
            p = self.iam.get_policy(PolicyArn=arn)["Policy"]
            self.assertEqual(p["Arn"], arn)
            self.assertRegex(p["PolicyId"], r"^ANPA[A-Z0-9]{17}$")
            v = self.iam.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])["PolicyVersion"]
            self.assertTrue(v["IsDefaultVersion"])
            self.assertEqual(v["Document"]["Version"], "2012-10-17")
        doc = self.iam.get_policy_version(PolicyArn=BASIC, VersionId="v1")["PolicyVersion"]["Document"]
        self.assertEqual(doc["Statement"][0]["Action"],
                         ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])
        names = [p["PolicyName"] for p in self.iam.list_policies(Scope="AWS")["Policies"]]
        self.assertIn("AWSLambdaDynamoDBExecutionRole", names)
        self.assertEqual(self.iam.list_policies(Scope="Local")["Policies"], [])
        self.assertAwsError(self.iam.get_policy, "NoSuchEntity", 404,
                            "Policy arn:aws:iam::aws:policy/Nope was not found.",
                            PolicyArn="arn:aws:iam::aws:policy/Nope")

    def test_attach_detach(self):
        self.create_role()
        self.iam.attach_role_policy(RoleName="app-role", PolicyArn=BASIC)
        self.iam.attach_role_policy(RoleName="app-role", PolicyArn=DDB)
        att = self.iam.list_attached_role_policies(RoleName="app-role")["AttachedPolicies"]
        self.assertEqual(att, [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC},
                               {"PolicyName": "AWSLambdaDynamoDBExecutionRole", "PolicyArn": DDB}])
        self.assertEqual(self.iam.get_policy(PolicyArn=BASIC)["Policy"]["AttachmentCount"], 1)
        only = [p["Arn"] for p in self.iam.list_policies(OnlyAttached=True)["Policies"]]
        self.assertEqual(sorted(only), sorted([BASIC, DDB]))
        self.assertAwsError(self.iam.delete_role, "DeleteConflict", 409,
                            "Cannot delete entity, must detach all policies first.", RoleName="app-role")
        bogus = "arn:aws:iam::123456789012:policy/none"
        self.assertAwsError(self.iam.attach_role_policy, "NoSuchEntity", 404,
                            "Policy %s does not exist or is not attachable." % bogus,
                            RoleName="app-role", PolicyArn=bogus)
        self.assertAwsError(self.iam.attach_role_policy, "NoSuchEntity", 404,
                            "The role with name nope cannot be found.", RoleName="nope", PolicyArn=BASIC)
        self.iam.detach_role_policy(RoleName="app-role", PolicyArn=BASIC)
        self.iam.detach_role_policy(RoleName="app-role", PolicyArn=DDB)
        self.assertAwsError(self.iam.detach_role_policy, "NoSuchEntity", 404,
                            "Policy %s was not found." % DDB, RoleName="app-role", PolicyArn=DDB)
        self.iam.delete_role(RoleName="app-role")

    def test_customer_policy_and_versions(self):
        p = self.iam.create_policy(PolicyName="mine", Path="/team/", PolicyDocument=json.dumps(POLICY),
                                   Description="desc")["Policy"]
        arn = "arn:aws:iam::123456789012:policy/team/mine"
        self.assertEqual(p["Arn"], arn)
        self.assertRegex(p["PolicyId"], r"^ANPA[A-Z0-9]{17}$")
        self.assertEqual((p["DefaultVersionId"], p["AttachmentCount"], p["IsAttachable"]), ("v1", 0, True))
        self.assertAwsError(self.iam.create_policy, "EntityAlreadyExists", 409,
                            "A policy called mine already exists. Duplicate names are not allowed.",
                            PolicyName="mine", PolicyDocument=json.dumps(POLICY))
        g = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual(g["Description"], "desc")
        self.assertEqual(self.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"], POLICY)
        doc2 = dict(POLICY, Statement=[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
        v2 = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc2), SetAsDefault=True)
        self.assertEqual((v2["PolicyVersion"]["VersionId"], v2["PolicyVersion"]["IsDefaultVersion"]), ("v2", True))
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v2")
        for _ in range(3):
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(POLICY))
        self.assertAwsError(self.iam.create_policy_version, "LimitExceeded", 409,
                            PolicyArn=arn, PolicyDocument=json.dumps(POLICY))
        vs = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual([v["VersionId"] for v in vs], ["v5", "v4", "v3", "v2", "v1"])
        self.assertEqual([v["IsDefaultVersion"] for v in vs], [False, False, False, True, False])
        self.assertAwsError(self.iam.delete_policy_version, "DeleteConflict", 409,
                            "Cannot delete the default version of a policy.", PolicyArn=arn, VersionId="v2")
        self.assertAwsError(self.iam.get_policy_version, "NoSuchEntity", 404,
                            PolicyArn=arn, VersionId="v9")
        self.create_role()
        self.iam.attach_role_policy(RoleName="app-role", PolicyArn=arn)
        self.assertAwsError(self.iam.delete_policy, "DeleteConflict", 409,
                            "Cannot delete a policy attached to entities.", PolicyArn=arn)
        self.iam.detach_role_policy(RoleName="app-role", PolicyArn=arn)
        self.assertAwsError(self.iam.delete_policy, "DeleteConflict", 409, PolicyArn=arn)
        for vid in ("v1", "v3", "v4", "v5"):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId=vid)
        self.iam.delete_policy(PolicyArn=arn)
        self.assertAwsError(self.iam.get_policy, "NoSuchEntity", 404, PolicyArn=arn)
        self.assertAwsError(self.iam.create_policy, "MalformedPolicyDocument", 400,
                            PolicyName="old", PolicyDocument=json.dumps(dict(POLICY, Version="2008-10-17")))

    def test_list_policies_paging(self):
        for i in range(3):
            self.iam.create_policy(PolicyName="p%d" % i, PolicyDocument=json.dumps(POLICY))
        seen = []
        marker = None
        while True:
            kw = {"Scope": "Local", "MaxItems": 2}
            if marker:
                kw["Marker"] = marker
            page = self.iam.list_policies(**kw)
            seen += [p["PolicyName"] for p in page["Policies"]]
            if not page["IsTruncated"]:
                break
            marker = page["Marker"]
        self.assertEqual(seen, ["p0", "p1", "p2"])
        all_names = [p["PolicyName"] for p in self.iam.list_policies()["Policies"]]
        self.assertTrue({"p0", "AdministratorAccess"} <= set(all_names))

    # -- tags, instance profiles -------------------------------------------
    def test_role_tags(self):
        self.create_role(Tags=[{"Key": "a", "Value": "1"}])
        self.iam.tag_role(RoleName="app-role", Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
        tags = self.iam.list_role_tags(RoleName="app-role")["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("a", "3"), ("b", "2")])
        self.iam.untag_role(RoleName="app-role", TagKeys=["a"])
        self.assertEqual(self.iam.list_role_tags(RoleName="app-role")["Tags"], [{"Key": "b", "Value": "2"}])
        self.assertEqual(self.iam.list_instance_profiles_for_role(RoleName="app-role")["InstanceProfiles"], [])

    def test_policy_tags(self):
        arn = self.iam.create_policy(PolicyName="tagged", PolicyDocument=json.dumps(POLICY),
                                     Tags=[{"Key": "a", "Value": "1"}])["Policy"]["Arn"]
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["Tags"], [{"Key": "a", "Value": "1"}])
        self.iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "b", "Value": "2"}])
        self.iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
        self.assertEqual(self.iam.list_policy_tags(PolicyArn=arn)["Tags"], [{"Key": "b", "Value": "2"}])
        self.assertEqual(self.iam.list_policy_tags(PolicyArn=BASIC)["Tags"], [])
        self.assertAwsError(self.iam.list_policy_tags, "NoSuchEntity", 404,
                            PolicyArn="arn:aws:iam::123456789012:policy/none")

    def test_attach_quota(self):
        self.create_role()
        arns = []
        for i in range(11):
            arns.append(self.iam.create_policy(PolicyName="q%d" % i, PolicyDocument=json.dumps(POLICY))["Policy"]["Arn"])
        for arn in arns[:10]:
            self.iam.attach_role_policy(RoleName="app-role", PolicyArn=arn)
        self.iam.attach_role_policy(RoleName="app-role", PolicyArn=arns[0])  # already attached: no change
        self.assertAwsError(self.iam.attach_role_policy, "LimitExceeded", 409,
                            "Cannot exceed quota for PoliciesPerRole: 10.", RoleName="app-role", PolicyArn=arns[10])
        self.assertEqual(len(self.iam.list_attached_role_policies(RoleName="app-role")["AttachedPolicies"]), 10)

    # -- resource API, CLI, Terraform's calls ------------------------------
    def test_resource_api(self):
        res = harness.boto3.session.Session().resource(
            "iam", region_name="us-east-1", endpoint_url=self.endpoint,
            aws_access_key_id="123456789012", aws_secret_access_key="test")
        role = res.create_role(RoleName="res-role", AssumeRolePolicyDocument=json.dumps(TRUST))
        self.assertEqual(role.arn, "arn:aws:iam::123456789012:role/res-role")
        role.reload()
        self.assertEqual(role.assume_role_policy_document, TRUST)
        role.attach_policy(PolicyArn=BASIC)
        self.assertEqual([p.arn for p in role.attached_policies.all()], [BASIC])
        role.detach_policy(PolicyArn=BASIC)
        role.delete()
        self.assertAwsError(self.iam.get_role, "NoSuchEntity", 404, RoleName="res-role")

    def test_cli(self):
        p = self.server.cli("iam", "create-role", "--role-name", "cli-role",
                            "--assume-role-policy-document", json.dumps(TRUST), access_key="123456789012")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["Role"]["Arn"], "arn:aws:iam::123456789012:role/cli-role")
        p = self.server.cli("iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", BASIC,
                            access_key="123456789012")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.server.cli("iam", "get-role", "--role-name", "cli-role", access_key="123456789012")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["Role"]["AssumeRolePolicyDocument"], TRUST)
        p = self.server.cli("iam", "get-role", "--role-name", "nope", access_key="123456789012")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("NoSuchEntity", p.stderr)

    def test_terraform_like_flow(self):
        """The calls of hashicorp/aws's aws_iam_role and
        aws_iam_role_policy_attachment: create, read back, attach, refresh,
        then destroy (detach, list what is left, delete)."""
        sts = self.server.client("sts", access_key="123456789012")
        self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")
        self.iam.create_role(RoleName="tf-role", AssumeRolePolicyDocument=json.dumps(TRUST), Path="/",
                             MaxSessionDuration=3600, Tags=[{"Key": "Name", "Value": "tf"}])
        for _ in range(2):  # create's read, then a refresh
            role = self.iam.get_role(RoleName="tf-role")["Role"]
            self.assertEqual(role["AssumeRolePolicyDocument"], TRUST)
            self.assertEqual(self.iam.list_role_policies(RoleName="tf-role")["PolicyNames"], [])
            self.iam.list_attached_role_policies(RoleName="tf-role")
        self.iam.attach_role_policy(RoleName="tf-role", PolicyArn=DDB)
        att = self.iam.list_attached_role_policies(RoleName="tf-role")["AttachedPolicies"]
        self.assertEqual([a["PolicyArn"] for a in att], [DDB])
        # A function using the role (Lambda does not look the role up).
        self.create_function(name="tf-fn", Role=role["Arn"])
        # Destroy.
        self.iam.detach_role_policy(RoleName="tf-role", PolicyArn=DDB)
        self.assertEqual(self.iam.list_instance_profiles_for_role(RoleName="tf-role")["InstanceProfiles"], [])
        self.assertEqual(self.iam.list_attached_role_policies(RoleName="tf-role")["AttachedPolicies"], [])
        self.assertEqual(self.iam.list_role_policies(RoleName="tf-role")["PolicyNames"], [])
        self.iam.delete_role(RoleName="tf-role")
        self.assertAwsError(self.iam.get_role, "NoSuchEntity", 404, RoleName="tf-role")

    def test_assume_role_within_max_session_duration(self):
        role = self.create_role(name="short", MaxSessionDuration=3600)
        sts = self.server.client("sts", access_key="123456789012")
        self.assertAwsError(sts.assume_role, "ValidationError", 400,
                            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                            RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=7200)
        self.assertIn("Credentials", sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=3600))
        self.iam.update_role(RoleName="short", MaxSessionDuration=7200)
        self.assertIn("Credentials", sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=7200))
        # A role IAM does not hold may still be assumed, up to 12 hours.
        other = "arn:aws:iam::123456789012:role/not-in-iam"
        self.assertIn("Credentials", sts.assume_role(RoleArn=other, RoleSessionName="s1", DurationSeconds=43200))

    def test_survives_restart(self):
        self.create_role(name="durable")
        self.iam.put_role_policy(RoleName="durable", PolicyName="p", PolicyDocument=json.dumps(POLICY))
        self.assertEqual(self.iam.get_role(RoleName="durable")["Role"]["RoleName"], "durable")


if __name__ == "__main__":
    harness.main()
