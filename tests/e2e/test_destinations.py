#!/usr/bin/env python3
"""Where asynchronous invocations end (docs/aws-reference.md B10): the
OnSuccess / OnFailure destinations of EventInvokeConfig and the function's
dead-letter queue, each delivery visible in /_sluice/async-deliveries and,
when it fails, in the DestinationDeliveryFailures / DeadLetterErrors
metrics.

A destination function records each event it gets in DynamoDB table
"records" (through AWS_ENDPOINT_URL), so the tests read the invocation
records field by field.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_destinations.py -v
"""

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import SluiceTestCase, make_zip  # noqa: E402

WORKER = """
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("no luck with " + event["id"])
    return {"ok": event["id"]}
"""

# Keeps every event it gets under the id of the invocation it reports on.
RECORDER = """
import boto3, json
ddb = boto3.client("dynamodb")
def handler(event, context):
    rid = event.get("requestContext", {}).get("requestId", context.aws_request_id)
    ddb.put_item(TableName="records", Item={"rid": {"S": rid}, "event": {"S": json.dumps(event)}})
"""

SETTLE_S = 10.0


def boto3_in_handlers():
    return subprocess.call(["python3", "-c", "import boto3"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


@unittest.skipUnless(boto3_in_handlers(), "python3 on PATH has no boto3 for the recording handler")
class AsyncDestinationsTest(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.ddb = self.server.client("dynamodb")
        self.ddb.create_table(TableName="records", BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "rid", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "rid", "AttributeType": "S"}])
        self.create_function("worker", zip_bytes=make_zip({"index.py": WORKER}))
        self.create_function("recorder", zip_bytes=make_zip({"index.py": RECORDER}), Timeout=30)
        self.recorder_arn = self.lam.get_function(FunctionName="recorder")["Configuration"]["FunctionArn"]
        self.worker_arn = self.lam.get_function(FunctionName="worker")["Configuration"]["FunctionArn"]

    def invoke_event(self, payload):
        resp = self.lam.invoke(FunctionName="worker", InvocationType="Event", Payload=json.dumps(payload).encode())
        self.assertEqual(resp["StatusCode"], 202)
        return resp["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    def record(self, rid, timeout=SETTLE_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            item = self.ddb.get_item(TableName="records", Key={"rid": {"S": rid}}).get("Item")
            if item:
                return json.loads(item["event"]["S"])
            time.sleep(0.1)
        self.fail("no record of %s reached the destination; deliveries: %s" % (rid, self.deliveries()))

    def deliveries(self, fn="worker"):
        r = self.server.request("GET", "/_sluice/async-deliveries?function=" + fn)
        self.assertEqual(r.status, 200, r)
        return r.json()["deliveries"]

    def wait_deliveries(self, n, fn="worker", timeout=SETTLE_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            d = self.deliveries(fn)
            if len(d) >= n:
                return d
            time.sleep(0.1)
        self.fail("expected %d deliveries, got %s" % (n, self.deliveries(fn)))

    def metric(self, name, fn="worker"):
        r = self.server.request("GET", "/_sluice/metrics?function=" + fn)
        self.assertEqual(r.status, 200, r)
        m = r.json()["metrics"].get(name)
        return m if isinstance(m, (int, float)) else 0

    def test_on_failure_gets_the_invocation_record(self):
        self.lam.put_function_event_invoke_config(
            FunctionName="worker", MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": self.recorder_arn}})
        rid = self.invoke_event({"id": "f-1", "fail": True})
        rec = self.record(rid)
        self.assertEqual(rec["version"], "1.0")
        self.assertRegex(rec["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        ctx = rec["requestContext"]
        self.assertEqual(ctx["requestId"], rid)
        self.assertEqual(ctx["functionArn"], self.worker_arn + ":$LATEST")
        self.assertEqual(ctx["condition"], "RetriesExhausted")
        self.assertEqual(ctx["approximateInvokeCount"], 1)
        self.assertEqual(rec["requestPayload"], {"id": "f-1", "fail": True})
        self.assertEqual(rec["responseContext"],
                         {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        self.assertEqual(rec["responsePayload"]["errorMessage"], "no luck with f-1")
        self.assertEqual(rec["responsePayload"]["errorType"], "RuntimeError")
        d = self.wait_deliveries(1)
        self.assertEqual(d[0]["kind"], "OnFailure")
        self.assertEqual(d[0]["condition"], "RetriesExhausted")
        self.assertEqual(d[0]["destination"], self.recorder_arn)
        self.assertTrue(d[0]["delivered"])
        self.assertEqual(d[0]["request_id"], rid)

    def test_retries_count_in_the_record(self):
        self.lam.put_function_event_invoke_config(
            FunctionName="worker", MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": self.recorder_arn}})
        rid = self.invoke_event({"id": "f-2", "fail": True})
        time.sleep(2.0)   # the first attempt runs and is rescheduled a minute on
        r = self.server.request("POST", "/_sluice/clock", json.dumps({"advance_seconds": 61}).encode())
        self.assertEqual(r.status, 200)
        rec = self.record(rid)
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 2)

    def test_on_success_gets_the_result(self):
        self.lam.put_function_event_invoke_config(
            FunctionName="worker", DestinationConfig={"OnSuccess": {"Destination": self.recorder_arn}})
        rid = self.invoke_event({"id": "s-1"})
        rec = self.record(rid)
        self.assertEqual(rec["requestContext"]["condition"], "Success")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 1)
        self.assertEqual(rec["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(rec["responsePayload"], {"ok": "s-1"})
        self.assertEqual(rec["requestPayload"], {"id": "s-1"})

    def test_a_missing_destination_is_visible(self):
        gone = self.recorder_arn.replace(":recorder", ":no-such-function")
        self.lam.put_function_event_invoke_config(
            FunctionName="worker", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": gone}})
        rid = self.invoke_event({"id": "m-1", "fail": True})
        d = self.wait_deliveries(1)
        self.assertEqual(d[0]["request_id"], rid)
        self.assertFalse(d[0]["delivered"])
        self.assertIn("Function not found", d[0]["error"])
        deadline = time.monotonic() + SETTLE_S
        while self.metric("DestinationDeliveryFailures") < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.metric("DestinationDeliveryFailures"), 1)

    def test_a_dead_letter_queue_that_does_not_exist_is_visible(self):
        dlq = "arn:aws:sqs:us-east-1:000000000000:no-such-queue"
        self.lam.update_function_configuration(FunctionName="worker", DeadLetterConfig={"TargetArn": dlq})
        self.lam.put_function_event_invoke_config(FunctionName="worker", MaximumRetryAttempts=0)
        rid = self.invoke_event({"id": "d-1", "fail": True})
        d = self.wait_deliveries(1)
        self.assertEqual(d[0]["kind"], "DeadLetter")
        self.assertEqual(d[0]["destination"], dlq)
        self.assertEqual(d[0]["request_id"], rid)
        self.assertFalse(d[0]["delivered"])
        deadline = time.monotonic() + SETTLE_S
        while self.metric("DeadLetterErrors") < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.metric("DeadLetterErrors"), 1)

    def queue(self, name):
        sqs = self.server.client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return sqs, url, arn

    def receive_one(self, sqs, url, **kw):
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, **kw).get("Messages", [])
            if msgs:
                self.assertEqual(len(msgs), 1)
                return msgs[0]
        self.fail("nothing reached %s; deliveries: %s" % (url, self.deliveries()))

    def test_on_failure_to_a_queue(self):
        sqs, url, arn = self.queue("failures")
        self.lam.put_function_event_invoke_config(
            FunctionName="worker", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn}})
        rid = self.invoke_event({"id": "q-1", "fail": True})
        rec = json.loads(self.receive_one(sqs, url)["Body"])
        self.assertEqual(rec["requestContext"]["requestId"], rid)
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestPayload"], {"id": "q-1", "fail": True})
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(rec["responsePayload"]["errorMessage"], "no luck with q-1")
        d = self.wait_deliveries(1)
        self.assertEqual((d[0]["destination"], d[0]["delivered"]), (arn, True))

    def test_dead_letter_queue_gets_the_event_and_its_error(self):
        sqs, url, arn = self.queue("dlq")
        self.lam.update_function_configuration(FunctionName="worker", DeadLetterConfig={"TargetArn": arn})
        self.lam.put_function_event_invoke_config(FunctionName="worker", MaximumRetryAttempts=0)
        rid = self.invoke_event({"id": "dl-1", "fail": True})
        msg = self.receive_one(sqs, url, MessageAttributeNames=["All"])
        self.assertEqual(json.loads(msg["Body"]), {"id": "dl-1", "fail": True})
        attrs = msg["MessageAttributes"]
        self.assertEqual(attrs["RequestID"], {"StringValue": rid, "DataType": "String"})
        self.assertEqual(attrs["ErrorCode"], {"StringValue": "200", "DataType": "Number"})
        self.assertEqual(attrs["ErrorMessage"], {"StringValue": "no luck with dl-1", "DataType": "String"})
        self.assertEqual(self.metric("DeadLetterErrors"), 0)

    def test_a_success_goes_to_on_success_only(self):
        sqs, ok_url, ok_arn = self.queue("ok")
        _, dlq_url, dlq_arn = self.queue("dlq2")
        self.lam.update_function_configuration(FunctionName="worker", DeadLetterConfig={"TargetArn": dlq_arn})
        self.lam.put_function_event_invoke_config(FunctionName="worker",
                                                  DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
        self.invoke_event({"id": "ok-1"})
        rec = json.loads(self.receive_one(sqs, ok_url)["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "Success")
        self.assertEqual(sqs.receive_message(QueueUrl=dlq_url).get("Messages", []), [])

    def test_no_destination_no_delivery(self):
        self.lam.put_function_event_invoke_config(FunctionName="worker", MaximumRetryAttempts=0)
        self.invoke_event({"id": "n-1", "fail": True})
        time.sleep(2.0)
        self.assertEqual(self.deliveries(), [])

    def test_admin_endpoint_rejects_bad_parameters(self):
        for query, status in [("", 400), ("?function=", 400), ("?function=a%20b", 400), ("?fn=x", 400),
                              ("?function=worker&account=12", 400), ("?function=worker", 200)]:
            r = self.server.request("GET", "/_sluice/async-deliveries" + query)
            self.assertEqual(r.status, status, query)


FAILING_CONSUMER = """
def handler(event, context):
    raise RuntimeError("poison")
"""


class StreamOnFailureTest(SluiceTestCase):
    """A stream mapping's OnFailure destination (docs/aws-reference.md D4)."""

    def setUp(self):
        super().setUp()
        self.ddb = self.server.client("dynamodb")
        self.stream = self.ddb.create_table(
            TableName="src", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        self.create_function("consumer", zip_bytes=make_zip({"index.py": FAILING_CONSUMER}))

    def detail(self, uuid):
        r = self.server.request("GET", "/_sluice/event-source-mappings/" + uuid)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_a_missing_queue_is_visible_beside_the_failure_record(self):
        queue = "arn:aws:sqs:us-east-1:000000000000:no-such-queue"
        self.ddb.put_item(TableName="src", Item={"pk": {"S": "a"}})
        uuid = self.lam.create_event_source_mapping(
            FunctionName="consumer", EventSourceArn=self.stream, StartingPosition="TRIM_HORIZON",
            MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": queue}})["UUID"]
        deadline = time.monotonic() + SETTLE_S
        d = self.detail(uuid)
        while not d["failures"] and time.monotonic() < deadline:
            time.sleep(0.1)
            d = self.detail(uuid)
        self.assertEqual(len(d["failures"]), 1, d)
        self.assertEqual(d["failures"][0]["requestContext"]["condition"], "RetryAttemptsExhausted")
        sent = d["failure_destinations"]
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["destination"], queue)
        self.assertFalse(sent[0]["delivered"])
        self.assertTrue(sent[0]["error"])
        r = self.server.request("GET", "/_sluice/metrics?function=consumer")
        self.assertEqual(r.json()["metrics"]["DestinationDeliveryFailures"], 1)

    def test_the_failure_record_reaches_the_queue(self):
        sqs = self.server.client("sqs")
        url = sqs.create_queue(QueueName="stream-failures")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.ddb.put_item(TableName="src", Item={"pk": {"S": "a"}})
        self.ddb.put_item(TableName="src", Item={"pk": {"S": "b"}})
        uuid = self.lam.create_event_source_mapping(
            FunctionName="consumer", EventSourceArn=self.stream, StartingPosition="TRIM_HORIZON",
            MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue}})["UUID"]
        deadline = time.monotonic() + SETTLE_S
        msgs = []
        while not msgs and time.monotonic() < deadline:
            msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual(len(msgs), 1, "no failure record in the queue")
        rec = json.loads(msgs[0]["Body"])
        kept = self.detail(uuid)
        self.assertEqual(rec, kept["failures"][0], "the queue got the record the mapping keeps")
        self.assertEqual(kept["failure_destinations"], [{"destination": queue, "delivered": True}])
        ctx = rec["requestContext"]
        self.assertEqual((ctx["condition"], ctx["approximateInvokeCount"]), ("RetryAttemptsExhausted", 2))
        self.assertEqual(ctx["functionArn"], self.lam.get_function(FunctionName="consumer")["Configuration"]["FunctionArn"])
        self.assertRegex(ctx["requestId"], r"^[0-9a-f-]{36}$")
        self.assertEqual(rec["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST",
                                                  "functionError": "Unhandled"})
        self.assertEqual(rec["version"], "1.0")
        info = rec["DDBStreamBatchInfo"]
        self.assertEqual(info["batchSize"], 2)
        self.assertEqual(info["streamArn"], self.stream)
        self.assertTrue(info["shardId"].startswith("shardId-"))
        self.assertLess(int(info["startSequenceNumber"]), int(info["endSequenceNumber"]))
        for k in ("approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord"):
            self.assertRegex(info[k], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_without_a_destination_the_record_is_only_kept(self):
        self.ddb.put_item(TableName="src", Item={"pk": {"S": "a"}})
        uuid = self.lam.create_event_source_mapping(
            FunctionName="consumer", EventSourceArn=self.stream, StartingPosition="TRIM_HORIZON",
            MaximumRetryAttempts=0)["UUID"]
        deadline = time.monotonic() + SETTLE_S
        d = self.detail(uuid)
        while not d["failures"] and time.monotonic() < deadline:
            time.sleep(0.1)
            d = self.detail(uuid)
        self.assertEqual(d["failure_destinations"], [{"destination": None, "delivered": False}])


if __name__ == "__main__":
    harness.main()
