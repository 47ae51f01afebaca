#!/usr/bin/env python3
"""STS end to end (issue 15): GetCallerIdentity, AssumeRole and
GetSessionToken through boto3's sts client and the aws CLI, the query
protocol's XML and ErrorResponse shapes, and temporary credentials that
act in the account they were issued for (a DynamoDB table and a Lambda
function created with AssumeRole credentials land in the role's account).

Shapes: botocore's sts/2011-06-15 model; errors: AWS's
"1 validation error detected: ..." ValidationError.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_sts.py -v
"""

import datetime
import os
import re
import sys
import unittest
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import SluiceTestCase  # noqa: E402
import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

ROLE_ARN = "arn:aws:iam::111122223333:role/app/deployer"
NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


class StsTest(SluiceTestCase):
    def sts(self, **kw):
        return self.server.client("sts", **kw)

    def temp_client(self, service, creds):
        return boto3.session.Session().client(
            service, region_name="us-east-1", endpoint_url=self.endpoint,
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))

    def test_caller_identity_12_digit_key(self):
        r = self.sts(access_key="123456789012").get_caller_identity()
        self.assertEqual(r["Account"], "123456789012")
        self.assertEqual(r["Arn"], "arn:aws:iam::123456789012:root")
        self.assertEqual(r["UserId"], "123456789012")

    def test_caller_identity_plain_key(self):
        r = self.sts(access_key="test").get_caller_identity()
        self.assertEqual(r["Account"], "000000000000")
        self.assertEqual(r["Arn"], "arn:aws:iam::000000000000:root")

    def test_assume_role(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        r = self.sts(access_key="123456789012").assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")
        c = r["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(c["SecretAccessKey"]), 40)
        self.assertTrue(c["SessionToken"])
        left = (c["Expiration"] - before).total_seconds()
        self.assertTrue(3590 <= left <= 3610, left)
        u = r["AssumedRoleUser"]
        self.assertEqual(u["Arn"], "arn:aws:sts::111122223333:assumed-role/deployer/s1")
        self.assertRegex(u["AssumedRoleId"], r"^AROA[A-Z2-7]{17}:s1$")
        # The role id is the role's: the same for another session.
        r2 = self.sts().assume_role(RoleArn=ROLE_ARN, RoleSessionName="s2", DurationSeconds=900,
                                    SourceIdentity="alice")
        self.assertEqual(r2["SourceIdentity"], "alice")
        self.assertEqual(r2["AssumedRoleUser"]["AssumedRoleId"].split(":")[0], u["AssumedRoleId"].split(":")[0])
        self.assertNotEqual(r2["Credentials"]["AccessKeyId"], c["AccessKeyId"])
        # Used against sluice, the credentials act as the assumed role.
        me = self.temp_client("sts", c).get_caller_identity()
        self.assertEqual(me["Account"], "111122223333")
        self.assertEqual(me["Arn"], u["Arn"])
        self.assertEqual(me["UserId"], u["AssumedRoleId"])

    def test_assumed_credentials_act_in_role_account(self):
        c = self.sts().assume_role(RoleArn=ROLE_ARN, RoleSessionName="deploy")["Credentials"]
        ddb = self.temp_client("dynamodb", c)
        t = ddb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
        self.assertEqual(t["TableDescription"]["TableArn"],
                         "arn:aws:dynamodb:us-east-1:111122223333:table/orders")
        # Not in the default account, but in the role's.
        self.assertEqual(self.server.client("dynamodb").list_tables()["TableNames"], [])
        self.assertEqual(self.server.client("dynamodb", access_key="111122223333")
                         .list_tables()["TableNames"], ["orders"])
        lam = self.temp_client("lambda", c)
        fn = self.create_function("f1", client=lam)
        self.assertEqual(fn["FunctionArn"], "arn:aws:lambda:us-east-1:111122223333:function:f1")

    def test_get_session_token(self):
        r = self.sts(access_key="123456789012").get_session_token(DurationSeconds=900)
        c = r["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        me = self.temp_client("sts", c).get_caller_identity()
        self.assertEqual(me["Account"], "123456789012")
        self.assertEqual(me["Arn"], "arn:aws:iam::123456789012:root")
        self.assertAwsError(self.temp_client("sts", c).get_session_token, "AccessDenied", 403,
                            "Cannot call GetSessionToken with session credentials")

    def test_bad_session_name(self):
        self.assertAwsError(
            self.sts().assume_role, "ValidationError", 400,
            "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
            RoleArn=ROLE_ARN, RoleSessionName="bad name!")

    def test_bad_duration(self):
        self.assertAwsError(
            self.sts().assume_role, "ValidationError", 400,
            "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 43200",
            RoleArn=ROLE_ARN, RoleSessionName="s1", DurationSeconds=50000)
        # Below the minimum botocore refuses before sending; without its
        # validation the server answers.
        sts = self.sts(parameter_validation=False)
        self.assertAwsError(
            sts.assume_role, "ValidationError", 400,
            "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900",
            RoleArn=ROLE_ARN, RoleSessionName="s1", DurationSeconds=100)

    def test_raw_query_shapes(self):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        req = urllib.request.Request(self.endpoint + "/", data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            root = ET.fromstring(resp.read())
        self.assertEqual(root.tag, NS + "GetCallerIdentityResponse")
        self.assertEqual(root.find(NS + "GetCallerIdentityResult/" + NS + "Account").text, "000000000000")
        self.assertTrue(root.find(NS + "ResponseMetadata/" + NS + "RequestId").text)
        # An STS Version with an action STS lacks: STS's InvalidAction.
        req = urllib.request.Request(self.endpoint + "/", method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"},
            data=b"Action=ListMetrics&Version=2011-06-15")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(cm.exception.code, 400)
        root = ET.fromstring(cm.exception.read())
        self.assertEqual(root.tag, NS + "ErrorResponse")
        self.assertEqual(root.find(NS + "Error/" + NS + "Code").text, "InvalidAction")

    def test_cli_get_caller_identity(self):
        p = self.server.cli("sts", "get-caller-identity", access_key="123456789012")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["Account"], "123456789012")
        self.assertEqual(p.json["Arn"], "arn:aws:iam::123456789012:root")

    def test_cli_assume_role(self):
        p = self.server.cli("sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name", "cli")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::111122223333:assumed-role/deployer/cli")
        self.assertTrue(re.match(r"^ASIA", p.json["Credentials"]["AccessKeyId"]))


if __name__ == "__main__":
    harness.main()
