#!/usr/bin/env python3
"""Poison input end to end (issue 13, section 3): requests that used to
crash the server or store what clients cannot read back.

- Logs operations without a required member answer AWS's 400 and the
  server keeps serving, on the same keep-alive connection too.
- Bodies that are not UTF-8 are refused by every service with its
  serialization error; valid non-ASCII text still round-trips.
- DynamoDB limits: a TransactWriteItems over 4 MB, an empty attribute
  name, an attribute name over 64 KB.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_poison.py -v
"""

import http.client
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import SluiceTestCase, handler_zip  # noqa: E402

ROLE = harness.ROLE
NULL_GROUP = ("1 validation error detected: Value null at 'logGroupName' failed to satisfy "
              "constraint: Member must not be null")
NULL_STREAM = ("1 validation error detected: Value null at 'logStreamName' failed to satisfy "
               "constraint: Member must not be null")


class Conn:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, server):
        self.c = http.client.HTTPConnection(server.host, server.port, timeout=30)

    def post(self, path, body, headers):
        self.c.request("POST", path, body=body, headers=headers)
        r = self.c.getresponse()
        data = r.read()
        return harness.Response(r.status, r.getheaders(), data)

    def close(self):
        self.c.close()


def json_headers(target, version="1.0"):
    return {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-%s" % version}


class PoisonCase(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.conn = Conn(self.server)
        self.addCleanup(self.conn.close)

    def logs_call(self, op, body):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.conn.post("/", body, json_headers("Logs_20140328." + op, "1.1"))

    def ddb_call(self, op, body, prefix="DynamoDB_20120810."):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.conn.post("/", body, json_headers(prefix + op))

    def assertJsonError(self, resp, status, type_suffix, message=None):
        self.assertEqual(resp.status, status, resp)
        body = resp.json()
        self.assertTrue(body["__type"].endswith(type_suffix), body)
        if message is not None:
            self.assertEqual(body.get("message", body.get("Message")), message)
        return body


class TestLogsRequiredMembers(PoisonCase):
    def test_create_log_group_without_name_then_serves_same_connection(self):
        # This used to read an uninitialised pointer: a second request on
        # the connection crashed the server, and a release build created a
        # group named with garbage.
        for body in ({}, {"logGroupName": None}):
            r = self.logs_call("CreateLogGroup", body)
            self.assertJsonError(r, 400, "InvalidParameterException", NULL_GROUP)
            r = self.logs_call("DescribeLogGroups", {})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["logGroups"], [])
        self.assertTrue(self.server.alive())

    def test_every_operation_with_a_missing_member(self):
        ops = {
            "CreateLogGroup": ({}, NULL_GROUP),
            "DeleteLogGroup": ({}, NULL_GROUP),
            "CreateLogStream": ({}, NULL_GROUP),
            "DescribeLogStreams": ({}, NULL_GROUP),
            "PutLogEvents": ({"logGroupName": "g"}, NULL_STREAM),
            "GetLogEvents": ({"logGroupName": "g", "logStreamName": None}, NULL_STREAM),
            "FilterLogEvents": ({"logGroupName": None}, NULL_GROUP),
        }
        for op, (body, msg) in ops.items():
            with self.subTest(op=op):
                r = self.logs_call(op, body)
                self.assertJsonError(r, 400, "InvalidParameterException", msg)
        r = self.logs_call("CreateLogGroup", {"logGroupName": ""})
        self.assertJsonError(r, 400, "InvalidParameterException",
                             "1 validation error detected: Value '' at 'logGroupName' failed to satisfy "
                             "constraint: Member must have length greater than or equal to 1")
        self.assertEqual(self.server.client("logs").describe_log_groups()["logGroups"], [])


BAD_SEQUENCES = [
    (b"bad\xff\xfe", "Invalid UTF-8 start byte 0xff"),
    (b"\xc0\x80", "Invalid UTF-8 start byte 0xc0"),           # overlong NUL
    (b"\xe0\x80\xaf", "Invalid UTF-8 middle byte 0x80"),      # overlong '/'
    (b"\xed\xa0\x80", "Invalid UTF-8 middle byte 0xa0"),      # encoded surrogate U+D800
    (b"\xf4\x90\x80\x80", "Invalid UTF-8 middle byte 0x90"),  # past U+10FFFF
    (b"a\xc3(", "Invalid UTF-8 middle byte 0x28"),
]


class TestInvalidUtf8(PoisonCase):
    def make_table(self):
        ddb = self.server.client("dynamodb")
        ddb.create_table(TableName="tbl", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST",
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        return ddb

    def test_dynamodb_put_item_refused(self):
        ddb = self.make_table()
        for bad, msg in BAD_SEQUENCES:
            with self.subTest(bad=bad):
                body = b'{"TableName":"tbl","Item":{"pk":{"S":"k"},"v":{"S":"' + bad + b'"}}}'
                r = self.ddb_call("PutItem", body)
                self.assertJsonError(r, 400, "#SerializationException", msg)
        # Nothing was stored: boto3 can Scan the table.
        self.assertEqual(ddb.scan(TableName="tbl")["Items"], [])
        self.assertTrue(self.server.alive())

    def test_escapes_that_are_not_characters_refused(self):
        self.make_table()
        for esc in (b"\\udc80", b"\\ud800", b"\\ud800x", b"\\ud800\\u0041"):
            with self.subTest(esc=esc):
                body = b'{"TableName":"tbl","Item":{"pk":{"S":"' + esc + b'"}}}'
                r = self.ddb_call("PutItem", body)
                self.assertJsonError(r, 400, "#SerializationException")
        # A valid pair is a character.
        r = self.ddb_call("PutItem", b'{"TableName":"tbl","Item":{"pk":{"S":"\\ud83d\\ude00"}}}')
        self.assertEqual(r.status, 200, r)

    def test_streams_refused(self):
        r = self.ddb_call("DescribeStream", b'{"StreamArn":"\xff"}', prefix="DynamoDBStreams_20120810.")
        self.assertJsonError(r, 400, "#SerializationException", "Invalid UTF-8 start byte 0xff")

    def test_lambda_create_function_and_invoke_refused(self):
        zip_b64 = __import__("base64").b64encode(handler_zip()).decode()
        for field in ("Description", "Handler"):
            with self.subTest(field=field):
                doc = {"FunctionName": "fn", "Runtime": "python3.12", "Role": ROLE,
                       "Handler": "index.handler", "Code": {"ZipFile": zip_b64}, field: "@@"}
                body = json.dumps(doc).encode().replace(b"@@", b"bad\xff\xfe")
                r = self.conn.post("/2015-03-31/functions", body, {"Content-Type": "application/json"})
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.header("X-Amzn-ErrorType"), "InvalidRequestContentException")
                self.assertEqual(r.json()["message"],
                                 "Could not parse request body into json: Could not parse payload into "
                                 "json: Invalid UTF-8 start byte 0xff")
        doc = {"FunctionName": "fn", "Runtime": "python3.12", "Role": ROLE, "Handler": "index.handler",
               "Code": {"ZipFile": zip_b64}, "Environment": {"Variables": {"K": "@@"}}}
        body = json.dumps(doc).encode().replace(b"@@", b"\xed\xa0\x80")
        r = self.conn.post("/2015-03-31/functions", body, {"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)
        # Nothing was created, and boto3 can list the account's functions.
        self.assertEqual(self.lam.list_functions()["Functions"], [])
        self.create_function("fn")
        r = self.conn.post("/2015-03-31/functions/fn/invocations", b'{"k":"\xff"}', {})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.header("X-Amzn-ErrorType"), "InvalidRequestContentException")
        # The client context is text the function sees too.
        cc = __import__("base64").b64encode(b'{"custom":{"k":"\xed\xa0\x80"}}').decode()
        r = self.conn.post("/2015-03-31/functions/fn/invocations", b"{}",
                           {"X-Amz-Client-Context": cc, "X-Amz-Invocation-Type": "DryRun"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.header("X-Amzn-ErrorType"), "InvalidRequestContentException")
        self.assertEqual(r.json()["message"], "Client context must be a valid Base64-encoded JSON object.")

    def test_logs_and_cloudwatch_refused(self):
        r = self.logs_call("CreateLogGroup", b'{"logGroupName":"g\xff"}')
        self.assertJsonError(r, 400, "#SerializationException", "Invalid UTF-8 start byte 0xff")
        r = self.conn.post("/", b'{"Namespace":"AWS/Lambda\xc3","MetricName":"x"}',
                           json_headers("GraniteServiceVersion20100801.ListMetrics"))
        self.assertJsonError(r, 400, "#SerializationException", "Invalid UTF-8 middle byte 0x22")
        # The query protocol: a percent-escaped byte that decodes to bad UTF-8.
        r = self.conn.post("/", b"Action=ListMetrics&Version=2010-08-01&Namespace=AWS%FF",
                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400, r)
        self.assertIn(b"<Code>InvalidParameterValue</Code>", r.body)
        self.assertIn(b"Invalid UTF-8 start byte 0xff", r.body)
        self.assertEqual(self.server.client("logs").describe_log_groups()["logGroups"], [])

    def test_valid_non_ascii_round_trips(self):
        ddb = self.make_table()
        text = "emoji \U0001F600 CJK \u4e2d\u6587 accents \u00e9\u00e8 max \U0010FFFF"
        ddb.put_item(TableName="tbl", Item={"pk": {"S": text}, "v": {"SS": [text, "\u00fc"]}})
        got = ddb.get_item(TableName="tbl", Key={"pk": {"S": text}})["Item"]
        self.assertEqual(got["pk"]["S"], text)
        self.assertEqual(sorted(got["v"]["SS"]), sorted([text, "\u00fc"]))
        self.create_function("fn", Description=text, Environment={"Variables": {"K": text}})
        cfg = self.lam.get_function_configuration(FunctionName="fn")
        self.assertEqual(cfg["Description"], text)
        self.assertEqual(cfg["Environment"]["Variables"]["K"], text)
        self.assertEqual(self.lam.list_functions()["Functions"][0]["Description"], text)
        logs = self.server.client("logs")
        logs.create_log_group(logGroupName="/g/\u4e2d")
        self.assertEqual(logs.describe_log_groups()["logGroups"][0]["logGroupName"], "/g/\u4e2d")


class TestDynamoDBLimits(PoisonCase):
    def setUp(self):
        super().setUp()
        self.ddb = self.server.client("dynamodb")
        self.ddb.create_table(TableName="tbl", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")

    def test_transaction_over_4_mb(self):
        # Eleven items of ~390 KB: each is under the 400 KB item limit,
        # together they pass 4 MB.
        big = "x" * (390 * 1024)
        items = [{"Put": {"TableName": "tbl", "Item": {"pk": {"S": "k%d" % i}, "v": {"S": big}}}}
                 for i in range(11)]
        self.assertAwsError(self.ddb.transact_write_items, "ValidationException", 400,
                            "Transaction request cannot be larger than 4 MB", TransactItems=items)
        self.assertEqual(self.ddb.scan(TableName="tbl")["Count"], 0)
        # Ten of them (3.9 MB) are accepted.
        self.ddb.transact_write_items(TransactItems=items[:10])
        pages = self.ddb.get_paginator("scan").paginate(TableName="tbl", Select="COUNT")
        self.assertEqual(sum(p["Count"] for p in pages), 10)

    def test_empty_attribute_name(self):
        msg = "One or more parameter values were invalid: An attribute name cannot be empty"
        self.assertAwsError(self.ddb.put_item, "ValidationException", 400, msg,
                            TableName="tbl", Item={"pk": {"S": "a"}, "": {"S": "v"}})
        self.assertAwsError(self.ddb.batch_write_item, "ValidationException", 400, msg,
                            RequestItems={"tbl": [{"PutRequest": {"Item": {"pk": {"S": "a"}, "": {"N": "1"}}}}]})
        self.assertAwsError(self.ddb.transact_write_items, "ValidationException", 400, msg,
                            TransactItems=[{"Put": {"TableName": "tbl", "Item": {"pk": {"S": "a"}, "": {"N": "1"}}}}])
        self.assertEqual(self.ddb.scan(TableName="tbl")["Count"], 0)

    def test_attribute_name_over_64_kb(self):
        msg = ("One or more parameter values were invalid: An attribute name exceeds the maximum "
               "size of 65535 bytes")
        self.assertAwsError(self.ddb.put_item, "ValidationException", 400, msg,
                            TableName="tbl", Item={"pk": {"S": "a"}, "n" * 65536: {"S": "v"}})
        self.assertAwsError(self.ddb.update_item, "ValidationException", 400, msg,
                            TableName="tbl", Key={"pk": {"S": "a"}}, UpdateExpression="SET #n = :v",
                            ExpressionAttributeNames={"#n": "n" * 65536},
                            ExpressionAttributeValues={":v": {"S": "v"}})
        # The longest name allowed (65535 bytes, in UTF-8) is stored.
        name = "\u00e9" * 32767 + "n"
        self.ddb.put_item(TableName="tbl", Item={"pk": {"S": "a"}, name: {"S": "v"}})
        got = self.ddb.get_item(TableName="tbl", Key={"pk": {"S": "a"}})["Item"]
        self.assertEqual(got[name], {"S": "v"})


if __name__ == "__main__":
    harness.main()
