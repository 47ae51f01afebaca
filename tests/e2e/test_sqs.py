#!/usr/bin/env python3
"""SQS end to end (issue 15): boto3 over the JSON protocol (queues,
send/receive/delete, batches with per-entry failures, message attributes
and their MD5, visibility by the virtual clock, long polling, redrive to
a dead-letter queue, FIFO order and deduplication, purge, attribute
counts, tags, AWS's errors), the query protocol with signed form posts
(to / and to the queue URL), the aws CLI, and durability across kill -9.

Shapes: botocore's sqs/2012-11-05 model. MD5 of message attributes: the
Amazon SQS Developer Guide, "Calculating the MD5 message digest for
message attributes" (computed here independently of sluice).

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_sqs.py -v
"""

import base64
import hashlib
import json
import os
import struct
import sys
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import Server, SluiceTestCase  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


def md5_attrs(attrs):
    """MD5OfMessageAttributes as the Developer Guide specifies it."""
    h = hashlib.md5()
    for name in sorted(attrs):
        v = attrs[name]
        for part in (name, v["DataType"]):
            b = part.encode()
            h.update(struct.pack(">I", len(b)) + b)
        if "BinaryValue" in v:
            h.update(b"\x02")
            b = v["BinaryValue"]
        else:
            h.update(b"\x01")
            b = v["StringValue"].encode()
        h.update(struct.pack(">I", len(b)) + b)
    return h.hexdigest()


class SqsTest(SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.server.client("sqs")

    def advance(self, seconds):
        r = self.server.request("POST", "/_sluice/clock", body={"advance_seconds": seconds})
        self.assertEqual(r.status, 200, r)

    def queue(self, name="q", **attrs):
        return self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attrs.items()})["QueueUrl"]

    def attrs(self, url, *names):
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names) or ["All"])["Attributes"]

    # -- queues ------------------------------------------------------------
    def test_create_get_list_delete(self):
        url = self.queue("orders")
        self.assertEqual(url, "%s/000000000000/orders" % self.endpoint)
        self.assertEqual(self.queue("orders"), url)   # idempotent
        self.assertEqual(self.sqs.get_queue_url(QueueName="orders")["QueueUrl"], url)
        self.queue("other")
        self.assertEqual(self.sqs.list_queues()["QueueUrls"], [url, "%s/000000000000/other" % self.endpoint])
        self.assertEqual(self.sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"], [url])
        page = self.sqs.list_queues(MaxResults=1)
        self.assertEqual(page["QueueUrls"], [url])
        page2 = self.sqs.list_queues(MaxResults=1, NextToken=page["NextToken"])
        self.assertEqual(page2["QueueUrls"], ["%s/000000000000/other" % self.endpoint])
        self.assertNotIn("NextToken", page2)
        self.sqs.delete_queue(QueueUrl=url)
        e = self.assertAwsError(self.sqs.get_queue_url, "AWS.SimpleQueueService.NonExistentQueue", 400,
                                "The specified queue does not exist.", QueueName="orders")
        self.assertIsInstance(e, self.sqs.exceptions.QueueDoesNotExist)

    def test_create_different_attributes(self):
        self.queue("q", VisibilityTimeout=10)
        self.assertEqual(self.queue("q", VisibilityTimeout=10), "%s/000000000000/q" % self.endpoint)
        e = self.assertAwsError(
            self.sqs.create_queue, "QueueAlreadyExists", 400,
            "A queue already exists with the same name and a different value for attribute VisibilityTimeout",
            QueueName="q", Attributes={"VisibilityTimeout": "20"})
        self.assertIsInstance(e, self.sqs.exceptions.QueueNameExists)

    def test_attribute_errors(self):
        self.assertAwsError(self.sqs.create_queue, "InvalidAttributeValue", 400,
                            "Invalid value for the parameter VisibilityTimeout.",
                            QueueName="q", Attributes={"VisibilityTimeout": "99999"})
        self.assertAwsError(self.sqs.create_queue, "InvalidAttributeName", 400, "Unknown Attribute Bogus.",
                            QueueName="q", Attributes={"Bogus": "1"})
        self.assertAwsError(self.sqs.create_queue, "InvalidParameterValue", 400, QueueName="bad name")

    def test_attributes_and_counts(self):
        url = self.queue("q", DelaySeconds=0, VisibilityTimeout=30)
        a = self.attrs(url)
        self.assertEqual(a["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:q")
        for k, v in {"VisibilityTimeout": "30", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
                     "ReceiveMessageWaitTimeSeconds": "0", "ApproximateNumberOfMessages": "0"}.items():
            self.assertEqual(a[k], v, k)
        self.assertIn("CreatedTimestamp", a)
        self.assertIn("LastModifiedTimestamp", a)
        self.sqs.send_message(QueueUrl=url, MessageBody="a")
        self.sqs.send_message(QueueUrl=url, MessageBody="b")
        self.sqs.send_message(QueueUrl=url, MessageBody="c", DelaySeconds=60)
        self.sqs.receive_message(QueueUrl=url)
        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                       "ApproximateNumberOfMessagesDelayed")
        self.assertEqual(a, {"ApproximateNumberOfMessages": "1", "ApproximateNumberOfMessagesNotVisible": "1",
                             "ApproximateNumberOfMessagesDelayed": "1"})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
        self.assertEqual(self.attrs(url, "VisibilityTimeout"), {"VisibilityTimeout": "5"})

    def test_tags(self):
        url = self.sqs.create_queue(QueueName="t", tags={"a": "1"})["QueueUrl"]
        self.sqs.tag_queue(QueueUrl=url, Tags={"b": "2"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"a": "1", "b": "2"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["a"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"b": "2"})

    # -- messages ----------------------------------------------------------
    def test_send_receive_delete(self):
        url = self.queue()
        body = "héllo {\"x\": 1}\r\n"
        r = self.sqs.send_message(QueueUrl=url, MessageBody=body)
        self.assertEqual(r["MD5OfMessageBody"], hashlib.md5(body.encode()).hexdigest())
        m = self.sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["Body"], body)
        self.assertEqual(m[0]["MessageId"], r["MessageId"])
        self.assertEqual(m[0]["MD5OfBody"], r["MD5OfMessageBody"])
        self.assertEqual(m[0]["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertEqual(m[0]["Attributes"]["SenderId"], "000000000000")
        self.assertTrue(int(m[0]["Attributes"]["SentTimestamp"]) > 0)
        self.assertIn("ApproximateFirstReceiveTimestamp", m[0]["Attributes"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m[0]["ReceiptHandle"])
        self.assertEqual(self.attrs(url, "ApproximateNumberOfMessagesNotVisible"),
                         {"ApproximateNumberOfMessagesNotVisible": "0"})
        self.assertAwsError(self.sqs.delete_message, "ReceiptHandleIsInvalid", 400, QueueUrl=url,
                            ReceiptHandle="garbage")

    def test_message_attributes_md5(self):
        url = self.queue()
        attrs = {"s": {"DataType": "String", "StringValue": "v"},
                 "n": {"DataType": "Number", "StringValue": "12.5"},
                 "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
                 "c": {"DataType": "String.custom", "StringValue": "ü"}}
        r = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
        self.assertEqual(r["MD5OfMessageAttributes"], md5_attrs(attrs))
        m = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
        self.assertEqual(m["MessageAttributes"]["b"]["BinaryValue"], b"\x00\x01\xff")
        self.assertEqual(m["MessageAttributes"]["s"], attrs["s"])
        self.assertEqual(m["MD5OfMessageAttributes"], md5_attrs(attrs))
        self.assertAwsError(self.sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url, MessageBody="x",
                            MessageAttributes={"x": {"DataType": "Weird", "StringValue": "1"}})
        self.assertAwsError(self.sqs.send_message, "InvalidParameterValue", 400,
                            "Can't cast the value of message (user) attribute 'x' to a number.", QueueUrl=url,
                            MessageBody="x", MessageAttributes={"x": {"DataType": "Number", "StringValue": "one"}})

    def test_body_rules(self):
        url = self.queue("small", MaximumMessageSize=1024)
        self.assertAwsError(self.sqs.send_message, "InvalidMessageContents", 400, QueueUrl=url,
                            MessageBody="a\x01b")
        self.assertAwsError(self.sqs.send_message, "InvalidParameterValue", 400,
                            "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
                            QueueUrl=url, MessageBody="x" * 1025)
        # Attributes count toward the size.
        self.assertAwsError(self.sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url,
                            MessageBody="x" * 1000,
                            MessageAttributes={"name": {"DataType": "String", "StringValue": "v" * 30}})

    def test_batches(self):
        url = self.queue()
        r = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2", "DelaySeconds": 5000},
            {"Id": "c", "MessageBody": "3"}])
        self.assertEqual(sorted(e["Id"] for e in r["Successful"]), ["a", "c"])
        self.assertEqual(r["Failed"][0]["Id"], "b")
        self.assertEqual(r["Failed"][0]["Code"], "InvalidParameterValue")
        self.assertTrue(r["Failed"][0]["SenderFault"])
        self.assertAwsError(self.sqs.send_message_batch, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400,
                            "Id a repeated.", QueueUrl=url,
                            Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}])
        self.assertAwsError(self.sqs.send_message_batch, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                            400, QueueUrl=url,
                            Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
        self.assertAwsError(self.sqs.send_message_batch, "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                            QueueUrl=url, Entries=[])
        msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in msgs), ["1", "3"])
        d = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "x", "ReceiptHandle": msgs[0]["ReceiptHandle"]}, {"Id": "y", "ReceiptHandle": "bad"}])
        self.assertEqual([e["Id"] for e in d["Successful"]], ["x"])
        self.assertEqual(d["Failed"][0]["Code"], "ReceiptHandleIsInvalid")
        c = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "z", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 0}])
        self.assertEqual([e["Id"] for e in c["Successful"]], ["z"])
        self.assertEqual(len(self.sqs.receive_message(QueueUrl=url)["Messages"]), 1)

    def test_visibility_by_clock(self):
        url = self.queue("v", VisibilityTimeout=30)
        self.sqs.send_message(QueueUrl=url, MessageBody="m")
        m = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        self.advance(31)
        m2 = self.sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        self.assertEqual(m2["MessageId"], m["MessageId"])
        self.assertEqual(m2["Attributes"], {"ApproximateReceiveCount": "2"})
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"], VisibilityTimeout=0)
        m3 = self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=100)["Messages"]
        self.assertEqual(len(m3), 1)
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m3[0]["ReceiptHandle"])
        # Delayed message
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=120)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        self.advance(121)
        self.assertEqual(self.sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"], "later")

    def test_long_poll_returns_early(self):
        url = self.queue("lp")
        sender = self.server.client("sqs")
        t = threading.Timer(0.5, lambda: sender.send_message(QueueUrl=url, MessageBody="wake"))
        t0 = time.monotonic()
        t.start()
        r = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
        took = time.monotonic() - t0
        t.join()
        self.assertEqual(r["Messages"][0]["Body"], "wake")
        self.assertLess(took, 5.0)
        # Nothing sent: waits the whole time.
        t0 = time.monotonic()
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1))
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)

    def test_redrive(self):
        dlq = self.queue("dlq")
        arn = self.attrs(dlq, "QueueArn")["QueueArn"]
        src = self.queue("src", VisibilityTimeout=0,
                         RedrivePolicy=json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "2"}))
        self.assertEqual(json.loads(self.attrs(src, "RedrivePolicy")["RedrivePolicy"]),
                         {"deadLetterTargetArn": arn, "maxReceiveCount": 2})
        sent = self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for _ in range(2):
            self.assertEqual(len(self.sqs.receive_message(QueueUrl=src)["Messages"]), 1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        m = self.sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], "poison")
        self.assertEqual(m["Attributes"]["DeadLetterQueueSourceArn"], "arn:aws:sqs:us-east-1:000000000000:src")

    def test_dead_letter_sources(self):
        dlq = self.queue("dlq2")
        arn = self.attrs(dlq, "QueueArn")["QueueArn"]
        src = self.queue("src2", RedrivePolicy=json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3}))
        self.queue("unrelated")
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=src)["queueUrls"], [])

    def test_fifo(self):
        self.assertAwsError(self.sqs.create_queue, "InvalidParameterValue", 400, QueueName="f",
                            Attributes={"FifoQueue": "true"})
        url = self.queue("f.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        a = self.sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g")
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g")
        self.assertEqual(dup["MessageId"], a["MessageId"])
        self.assertTrue(a["SequenceNumber"])
        self.sqs.send_message(QueueUrl=url, MessageBody="2", MessageGroupId="g")
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="h", MessageDeduplicationId="d1")
        self.assertAwsError(self.sqs.send_message, "MissingParameter", 400, QueueUrl=url, MessageBody="y")
        m = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"]
        self.assertEqual([x["Body"] for x in m], ["1"])
        self.assertEqual(m[0]["Attributes"]["MessageGroupId"], "g")
        # Group g is held while "1" is in flight; h is free.
        m2 = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([x["Body"] for x in m2], ["x"])
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m[0]["ReceiptHandle"])
        m3 = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([x["Body"] for x in m3], ["2"])
        # The deduplication window is 5 minutes of clock time.
        self.advance(301)
        again = self.sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g")
        self.assertNotEqual(again["MessageId"], a["MessageId"])

    def test_purge(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="a")
        self.sqs.purge_queue(QueueUrl=url)
        self.assertEqual(self.attrs(url, "ApproximateNumberOfMessages"), {"ApproximateNumberOfMessages": "0"})
        self.assertAwsError(self.sqs.purge_queue, "AWS.SimpleQueueService.PurgeQueueInProgress", 403, QueueUrl=url)
        self.advance(61)
        self.sqs.purge_queue(QueueUrl=url)

    def test_retention(self):
        url = self.queue("r", MessageRetentionPeriod=60)
        self.sqs.send_message(QueueUrl=url, MessageBody="old")
        self.advance(30)
        self.sqs.send_message(QueueUrl=url, MessageBody="newer")
        self.advance(31)
        self.assertEqual(self.attrs(url, "ApproximateNumberOfMessages"), {"ApproximateNumberOfMessages": "1"})
        self.assertEqual([m["Body"] for m in self.sqs.receive_message(QueueUrl=url)["Messages"]], ["newer"])

    def test_receive_errors(self):
        url = self.queue()
        self.assertAwsError(self.sqs.receive_message, "InvalidParameterValue", 400, QueueUrl=url,
                            MaxNumberOfMessages=11)
        self.assertAwsError(self.sqs.send_message, "AWS.SimpleQueueService.NonExistentQueue", 400,
                            QueueUrl=self.endpoint + "/000000000000/nope", MessageBody="x")

    # -- query protocol and the CLI -------------------------------------------
    def query(self, params, path="/"):
        body = urllib.parse.urlencode(dict(params, Version="2012-11-05"))
        req = AWSRequest(method="POST", url=self.endpoint + path, data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
        r = self.server.request("POST", path, body=body, headers=dict(req.headers.items()))
        self.assertTrue(r.body.startswith(b"<"), r)
        return r.status, ET.fromstring(r.body)

    def test_query_protocol(self):
        st, root = self.query({"Action": "CreateQueue", "QueueName": "qq", "Attribute.1.Name": "DelaySeconds",
                               "Attribute.1.Value": "0", "Tag.1.Key": "k", "Tag.1.Value": "v"})
        self.assertEqual(st, 200)
        url = root.find(NS + "CreateQueueResult/" + NS + "QueueUrl").text
        self.assertTrue(url.endswith("/000000000000/qq"))
        st, root = self.query({"Action": "SendMessage", "MessageBody": "hi\r",
                               "MessageAttribute.1.Name": "a", "MessageAttribute.1.Value.DataType": "String",
                               "MessageAttribute.1.Value.StringValue": "b"}, path="/000000000000/qq")
        self.assertEqual(st, 200)
        r = root.find(NS + "SendMessageResult")
        self.assertEqual(r.find(NS + "MD5OfMessageBody").text, hashlib.md5(b"hi\r").hexdigest())
        self.assertEqual(r.find(NS + "MD5OfMessageAttributes").text,
                         md5_attrs({"a": {"DataType": "String", "StringValue": "b"}}))
        st, root = self.query({"Action": "ReceiveMessage", "QueueUrl": url, "AttributeName.1": "All",
                               "MessageAttributeName.1": "All"})
        msg = root.find(NS + "ReceiveMessageResult/" + NS + "Message")
        self.assertEqual(msg.find(NS + "Body").text, "hi\r")
        names = [a.find(NS + "Name").text for a in msg.findall(NS + "Attribute")]
        self.assertIn("SentTimestamp", names)
        self.assertEqual(msg.find(NS + "MessageAttribute/" + NS + "Value/" + NS + "StringValue").text, "b")
        st, root = self.query({"Action": "GetQueueUrl", "QueueName": "nope"})
        self.assertEqual(st, 400)
        self.assertEqual(root.find(NS + "Error/" + NS + "Code").text, "AWS.SimpleQueueService.NonExistentQueue")
        st, root = self.query({"Action": "ListQueues"})
        self.assertEqual([u.text for u in root.findall(NS + "ListQueuesResult/" + NS + "QueueUrl")], [url])

    def test_json_error_wire(self):
        r = self.server.request("POST", "/", body={"QueueName": "nope"}, headers={
            "X-Amz-Target": "AmazonSQS.GetQueueUrl", "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["__type"], "com.amazonaws.sqs#QueueDoesNotExist")
        self.assertEqual(r.header("x-amzn-query-error"), "AWS.SimpleQueueService.NonExistentQueue;Sender")

    def test_cli(self):
        p = self.server.cli("sqs", "create-queue", "--queue-name", "cliq")
        self.assertEqual(p.returncode, 0, p.stderr)
        url = p.json["QueueUrl"]
        p = self.server.cli("sqs", "send-message", "--queue-url", url, "--message-body", "from cli")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.server.cli("sqs", "receive-message", "--queue-url", url)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["Messages"][0]["Body"], "from cli")


class SqsDurabilityTest(unittest.TestCase):
    def test_kill9_keeps_acknowledged_send(self):
        srv = Server(in_memory=False)
        try:
            srv.start()
            sqs = srv.client("sqs")
            url = sqs.create_queue(QueueName="durable")["QueueUrl"]
            ids = [sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)["MessageId"] for i in range(5)]
            srv.kill()
            srv.start()
            sqs = srv.client("sqs")
            url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
            self.assertEqual(sorted(m["MessageId"] for m in got), sorted(ids))
        finally:
            srv.cleanup()


if __name__ == "__main__":
    harness.main()
