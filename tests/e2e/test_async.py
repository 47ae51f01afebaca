"""End-to-end tests for asynchronous (Event) invocations and EventInvokeConfig.

Handlers record each attempt in a DynamoDB table of the same sluice (through
AWS_ENDPOINT_URL), so the tests observe what ran, how often, and when.
Retry delays (1 and 2 minutes) are crossed by advancing the virtual clock.
"""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import ClientError, Server, SluiceTestCase, make_zip  # noqa: E402

# A handler that counts its attempts per event id in table "attempts" and
# fails while the event asks it to.
RECORDER = """
import boto3, json, os
ddb = boto3.client("dynamodb")
def handler(event, context):
    n = ddb.update_item(TableName="attempts", Key={"id": {"S": event["id"]}},
                        UpdateExpression="ADD n :one SET rid = :rid",
                        ExpressionAttributeValues={":one": {"N": "1"}, ":rid": {"S": context.aws_request_id}},
                        ReturnValues="ALL_NEW")["Attributes"]["n"]["N"]
    if event.get("fail"):
        raise RuntimeError("attempt " + n)
    return {"n": n}
"""

# How long the async workers may take to run an event that is due.
SETTLE_S = 8.0


def boto3_in_handlers():
    """Handlers run under the python3 on PATH; they need boto3 to record."""
    import subprocess
    return subprocess.call(["python3", "-c", "import boto3"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


@unittest.skipUnless(boto3_in_handlers(), "python3 on PATH has no boto3 for the recording handler")
class AsyncInvokeTest(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.ddb = self.server.client("dynamodb")
        self.ddb.create_table(TableName="attempts", BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        self.create_function("rec", zip_bytes=make_zip({"index.py": RECORDER}), Timeout=30)

    def attempts(self, event_id):
        item = self.ddb.get_item(TableName="attempts", Key={"id": {"S": event_id}}).get("Item")
        return int(item["n"]["N"]) if item else 0

    def wait_attempts(self, event_id, want, timeout=SETTLE_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.attempts(event_id) >= want:
                return self.attempts(event_id)
            time.sleep(0.1)
        return self.attempts(event_id)

    def settle(self):
        """The handler records an attempt before it fails: give the attempt
        time to finish (and be rescheduled) before moving the clock."""
        time.sleep(2.0)

    def advance(self, seconds):
        r = self.server.request("POST", "/_sluice/clock", json.dumps({"advance_seconds": seconds}).encode())
        self.assertEqual(r.status, 200, r)

    def event(self, payload, **kw):
        return self.lam.invoke(FunctionName=kw.pop("name", "rec"), InvocationType="Event",
                               Payload=json.dumps(payload).encode(), **kw)

    def test_event_runs_once_and_answers_202(self):
        resp = self.event({"id": "ok-1"})
        self.assertEqual(resp["StatusCode"], 202)
        self.assertEqual(resp["Payload"].read(), b"")
        self.assertEqual(self.wait_attempts("ok-1", 1), 1)
        time.sleep(1.0)
        self.assertEqual(self.attempts("ok-1"), 1, "a successful event ran again")

    def test_request_id_is_the_invocation_id(self):
        resp = self.event({"id": "rid-1"})
        self.assertEqual(self.wait_attempts("rid-1", 1), 1)
        item = self.ddb.get_item(TableName="attempts", Key={"id": {"S": "rid-1"}})["Item"]
        self.assertEqual(item["rid"]["S"], resp["ResponseMetadata"]["RequestId"])

    def test_function_errors_retried_twice_one_then_two_minutes_later(self):
        self.event({"id": "f-1", "fail": True})
        self.assertEqual(self.wait_attempts("f-1", 1), 1)
        self.settle()
        self.assertEqual(self.attempts("f-1"), 1, "retried before a minute passed")
        self.advance(61)
        self.assertEqual(self.wait_attempts("f-1", 2), 2)
        self.settle()
        self.advance(61)
        time.sleep(1.0)
        self.assertEqual(self.attempts("f-1"), 2, "the second retry came before 2 minutes")
        self.advance(60)
        self.assertEqual(self.wait_attempts("f-1", 3), 3)
        self.advance(600)
        time.sleep(1.5)
        self.assertEqual(self.attempts("f-1"), 3, "more than two retries")

    def test_maximum_retry_attempts_zero(self):
        cfg = self.lam.put_function_event_invoke_config(FunctionName="rec", MaximumRetryAttempts=0)
        self.assertEqual(cfg["MaximumRetryAttempts"], 0)
        self.event({"id": "z-1", "fail": True})
        self.assertEqual(self.wait_attempts("z-1", 1), 1)
        self.settle()
        self.advance(600)
        time.sleep(1.5)
        self.assertEqual(self.attempts("z-1"), 1)

    def test_maximum_event_age_drops_old_events(self):
        self.lam.put_function_event_invoke_config(FunctionName="rec", MaximumEventAgeInSeconds=60)
        self.event({"id": "age-1", "fail": True})
        self.assertEqual(self.wait_attempts("age-1", 1), 1)
        self.settle()
        self.advance(3600)
        time.sleep(1.5)
        self.assertEqual(self.attempts("age-1"), 1, "an event past its maximum age ran")

    def test_throttled_events_wait_without_spending_retries(self):
        self.lam.put_function_concurrency(FunctionName="rec", ReservedConcurrentExecutions=0)
        self.event({"id": "t-1"})
        time.sleep(2.0)
        self.assertEqual(self.attempts("t-1"), 0, "ran with reserved concurrency 0")
        self.lam.delete_function_concurrency(FunctionName="rec")
        self.advance(400)  # past the longest backoff step
        self.assertEqual(self.wait_attempts("t-1", 1), 1)

    def test_async_payload_limit(self):
        with self.assertRaises(ClientError) as cm:
            self.lam.invoke(FunctionName="rec", InvocationType="Event",
                            Payload=json.dumps({"id": "big", "pad": "x" * 1048576}).encode())
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 413)
        self.assertEqual(cm.exception.response["Error"]["Code"], "RequestEntityTooLargeException")

    def test_event_invoke_config_api(self):
        self.assertAwsError(self.lam.get_function_event_invoke_config, "ResourceNotFoundException", 404,
                            FunctionName="rec")
        put = self.lam.put_function_event_invoke_config(FunctionName="rec", MaximumRetryAttempts=1,
                                                       MaximumEventAgeInSeconds=120)
        self.assertTrue(put["FunctionArn"].endswith(":function:rec:$LATEST"), put["FunctionArn"])
        upd = self.lam.update_function_event_invoke_config(FunctionName="rec", MaximumRetryAttempts=2)
        self.assertEqual((upd["MaximumRetryAttempts"], upd["MaximumEventAgeInSeconds"]), (2, 120))
        got = self.lam.get_function_event_invoke_config(FunctionName="rec")
        self.assertEqual(got["MaximumRetryAttempts"], 2)
        self.assertEqual(len(self.lam.list_function_event_invoke_configs(FunctionName="rec")
                             ["FunctionEventInvokeConfigs"]), 1)
        self.assertAwsError(self.lam.put_function_event_invoke_config, "ValidationException", 400,
                            FunctionName="rec", MaximumRetryAttempts=3)
        self.lam.delete_function_event_invoke_config(FunctionName="rec")
        self.assertAwsError(self.lam.get_function_event_invoke_config, "ResourceNotFoundException", 404,
                            FunctionName="rec")


    def test_event_invoke_config_destinations_validated(self):
        # DestinationConfig.*.Destination against the botocore model's
        # DestinationArn pattern, with AWS's Coral message
        pattern = ("$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:"
                   "([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)")
        one = ("Value '%s' at 'destinationConfig.%s.destination' failed to satisfy constraint: "
               "Member must satisfy regular expression pattern: " + pattern)
        self.assertAwsError(self.lam.put_function_event_invoke_config, "ValidationException", 400,
                            "1 validation error detected: " + one % ("not-an-arn", "onSuccess"),
                            FunctionName="rec", DestinationConfig={"OnSuccess": {"Destination": "not-an-arn"}})
        self.assertAwsError(self.lam.get_function_event_invoke_config, "ResourceNotFoundException", 404,
                            FunctionName="rec")
        bad = ("arn:aws:sqs:useast1:000000000000:q", "arn:aws:sqs:us-east-1:0000:q", "arn:aws::us-east-1::x",
               "kafka://.broker", "arn:aws:sqs")
        for arn in bad:
            with self.subTest(arn=arn):
                self.assertAwsError(self.lam.put_function_event_invoke_config, "ValidationException", 400,
                                    "2 validation errors detected: %s; %s" % (one % (arn, "onSuccess"),
                                                                             one % (arn, "onFailure")),
                                    FunctionName="rec", DestinationConfig={"OnSuccess": {"Destination": arn},
                                                                           "OnFailure": {"Destination": arn}})
        self.assertAwsError(self.lam.put_function_event_invoke_config, "ValidationException", 400,
                            "1 validation error detected: Value '%s' at 'destinationConfig.onFailure.destination' "
                            "failed to satisfy constraint: Member must have length less than or equal to 350"
                            % ("arn:aws:sqs:us-east-1:000000000000:" + "q" * 320),
                            FunctionName="rec", DestinationConfig={"OnFailure": {
                                "Destination": "arn:aws:sqs:us-east-1:000000000000:" + "q" * 320}})
        good = ("arn:aws:sqs:us-east-1:000000000000:q", "arn:aws-us-gov:sns:us-gov-west-1:000000000000:t",
                "arn:aws:s3:::bucket", "arn:aws:lambda:us-isob-east-1:000000000000:function:f",
                "kafka://broker-1.example", "")
        for arn in good:
            with self.subTest(arn=arn):
                cfg = self.lam.update_function_event_invoke_config(
                    FunctionName="rec", DestinationConfig={"OnFailure": {"Destination": arn}}) if arn != good[0] \
                    else self.lam.put_function_event_invoke_config(
                        FunctionName="rec", DestinationConfig={"OnFailure": {"Destination": arn}})
                self.assertEqual(cfg["DestinationConfig"]["OnFailure"].get("Destination", ""), arn)
        self.lam.delete_function_event_invoke_config(FunctionName="rec")


@unittest.skipUnless(boto3_in_handlers(), "python3 on PATH has no boto3 for the recording handler")
class AsyncRestartTest(AsyncInvokeTest):
    """Queued events are in SQLite: a restart with the same data keeps them."""

    server_kwargs = {"in_memory": False}

    def test_events_survive_a_restart(self):
        self.lam.put_function_concurrency(FunctionName="rec", ReservedConcurrentExecutions=0)
        self.event({"id": "r-1"})
        self.server.restart()
        self.__class__.lam = self.lam = self.server.client("lambda")
        self.ddb = self.server.client("dynamodb")
        self.lam.delete_function_concurrency(FunctionName="rec")
        self.advance(400)
        self.assertEqual(self.wait_attempts("r-1", 1), 1)


# Only the restart test runs in the restart class.
for _name in [n for n in dir(AsyncInvokeTest) if n.startswith("test_")]:
    setattr(AsyncRestartTest, _name, None) if _name != "test_events_survive_a_restart" else None


if __name__ == "__main__":
    harness.main()
