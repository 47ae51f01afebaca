#!/usr/bin/env python3
"""Routing by the SigV4 signing service (server/router.c, server/sigv4.h).

A signed request goes to the service its credential scope names, whatever
its path; an unsigned one is recognised by its shape (X-Amz-Target prefix,
Lambda's versioned path, the query protocol). Real clients of every service
are covered by their own suites; these requests are crafted to tell the two
rules apart.
"""

import json
import unittest

from harness import SluiceTestCase


def message(r):
    body = json.loads(r.body)
    return body.get("message", body.get("Message"))


def auth(service, region="us-east-1", akid="AKIDEXAMPLE"):
    return ("AWS4-HMAC-SHA256 Credential=%s/20261207/%s/%s/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=0000" % (akid, region, service))


class RoutingTest(SluiceTestCase):
    def test_signed_logs_request_reaches_logs(self):
        r = self.server.request("POST", "/", body="{}", headers={
            "Authorization": auth("logs"),
            "X-Amz-Target": "Logs_20140328.DescribeLogGroups",
            "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(json.loads(r.body), {"logGroups": []})

    def test_signed_for_dynamodb_on_a_lambda_path_is_dynamodb_s(self):
        # By shape this is ListFunctions; signed for DynamoDB it is a
        # DynamoDB request with no operation.
        r = self.server.request("GET", "/2015-03-31/functions/", headers={"Authorization": auth("dynamodb")})
        self.assertEqual(r.status, 400, r.body)
        self.assertIn("UnknownOperationException", json.loads(r.body)["__type"])
        unsigned = self.server.request("GET", "/2015-03-31/functions/")
        self.assertEqual(unsigned.status, 200, unsigned.body)

    def test_signed_for_lambda_with_a_dynamodb_target_is_lambda_s(self):
        r = self.server.request("POST", "/", body="{}", headers={
            "Authorization": auth("lambda"), "X-Amz-Target": "DynamoDB_20120810.ListTables"})
        self.assertEqual(r.status, 404, r.body)
        self.assertEqual(r.header("X-Amzn-ErrorType"), "UnknownOperationException")

    def test_streams_are_signed_for_dynamodb(self):
        r = self.server.request("POST", "/", body="{}", headers={
            "Authorization": auth("dynamodb"),
            "X-Amz-Target": "DynamoDBStreams_20120810.ListStreams",
            "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(json.loads(r.body)["Streams"], [])

    def test_signed_cloudwatch_without_action_is_told_so(self):
        r = self.server.request("POST", "/", body="", headers={"Authorization": auth("monitoring")})
        self.assertEqual(r.status, 400, r.body)
        self.assertIn(b"The request must contain the parameter Action.", r.body)

    def test_query_posts_by_version(self):
        # Unsigned form posts: Version 2011-06-15 is STS, any other CloudWatch.
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        sts = self.server.request("POST", "/", body="Action=GetCallerIdentity&Version=2011-06-15",
                                  headers=form)
        self.assertEqual(sts.status, 200, sts.body)
        self.assertIn(b"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">",
                      sts.body)
        cw = self.server.request("POST", "/", body="Action=GetCallerIdentity&Version=2010-08-01",
                                 headers=form)
        self.assertEqual(cw.status, 400, cw.body)
        self.assertIn(b"monitoring.amazonaws.com", cw.body)
        self.assertIn(b"<Code>InvalidAction</Code>", cw.body)
        # Signed for sts, a form without Version is STS's to refuse.
        signed = self.server.request("POST", "/", body="Action=GetCallerIdentity",
                                     headers=dict(form, Authorization=auth("sts")))
        self.assertEqual(signed.status, 400, signed.body)
        self.assertIn(b"sts.amazonaws.com", signed.body)
        self.assertIn(b"The parameter Version must be 2011-06-15.", signed.body)

    def test_iam_query_posts(self):
        # Unsigned form posts with Version 2010-05-08 are IAM's; signed for
        # iam, a form of another Version is IAM's to refuse.
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        r = self.server.request("POST", "/", body="Action=ListRoles&Version=2010-05-08", headers=form)
        self.assertEqual(r.status, 200, r.body)
        self.assertIn(b"<ListRolesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">", r.body)
        signed = self.server.request("POST", "/", body="Action=ListRoles&Version=2011-06-15",
                                     headers=dict(form, Authorization=auth("iam")))
        self.assertEqual(signed.status, 400, signed.body)
        self.assertIn(b"iam.amazonaws.com", signed.body)
        self.assertIn(b"The parameter Version must be 2010-05-08.", signed.body)

    def test_cloudformation_query_posts(self):
        # Unsigned form posts with Version 2010-05-15 are CloudFormation's;
        # signed for cloudformation, a form of another Version is its to refuse.
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        r = self.server.request("POST", "/", body="Action=ListStacks&Version=2010-05-15", headers=form)
        self.assertEqual(r.status, 200, r.body)
        self.assertIn(b"<ListStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">",
                      r.body)
        signed = self.server.request("POST", "/", body="Action=ListStacks&Version=2010-05-08",
                                     headers=dict(form, Authorization=auth("cloudformation")))
        self.assertEqual(signed.status, 400, signed.body)
        self.assertIn(b"The parameter Version must be 2010-05-15.", signed.body)

    def test_unknown_signing_service_gets_a_clear_error(self):
        # S3 is implemented now (tests/e2e/test_s3.py): a service sluice
        # lacks, Kinesis, takes its place here.
        r = self.server.request("GET", "/my-stream?list-type=2", headers={"Authorization": auth("kinesis")})
        self.assertEqual(r.status, 404, r.body)
        self.assertIn("does not implement the service the request is signed for (kinesis)",
                      message(r))

    def test_presigned_scope_routes_too(self):
        r = self.server.request(
            "GET", "/2015-03-31/functions/?X-Amz-Credential=AKID%2F20261207%2Fus-east-1%2Fsns%2Faws4_request")
        self.assertEqual(r.status, 404, r.body)
        self.assertIn("(sns)", message(r))

    def test_region_of_the_scope_is_kept(self):
        self.server.request("POST", "/", body='{"logGroupName":"g"}', headers={
            "Authorization": auth("logs", region="eu-west-1"),
            "X-Amz-Target": "Logs_20140328.CreateLogGroup",
            "Content-Type": "application/x-amz-json-1.1"})
        there = self.server.client("logs", region="eu-west-1").describe_log_groups()["logGroups"]
        here = self.server.client("logs").describe_log_groups()["logGroups"]
        self.assertEqual([g["logGroupName"] for g in there], ["g"])
        self.assertEqual(here, [])

    def test_ssm_by_signature_and_by_target(self):
        signed = self.server.request("POST", "/", body="{}", headers={
            "Authorization": auth("ssm"), "X-Amz-Target": "AmazonSSM.DescribeParameters",
            "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(signed.status, 200, signed.body)
        self.assertEqual(json.loads(signed.body), {"Parameters": []})
        unsigned = self.server.request("POST", "/", body="{}", headers={
            "X-Amz-Target": "AmazonSSM.DescribeParameters"})
        self.assertEqual(unsigned.status, 200, unsigned.body)
        # Signed for ssm, another service's target is SSM's to refuse.
        other = self.server.request("POST", "/", body="{}", headers={
            "Authorization": auth("ssm"), "X-Amz-Target": "DynamoDB_20120810.ListTables"})
        self.assertEqual(other.status, 400, other.body)
        self.assertIn("UnknownOperationException", json.loads(other.body)["__type"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
