#!/usr/bin/env python3
"""DynamoDB Streams end to end: ListStreams, DescribeStream, GetShardIterator
and GetRecords; one record per effective write with the images of each
StreamViewType; no records for writes that change nothing; sequence
numbers; iterator expiry, trimming and shard rollover driven by the
virtual clock (POST /_sluice/clock); sluice:partitions; disabled and
deleted streams; TTL deletions. Expected codes and messages are those of
docs/aws-reference.md section F; where it marks a message [?] only the code and
status are checked.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_streams.py -v
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
import test_dynamodb as T  # noqa: E402  (helpers; importing it runs no tests)
from harness import ClientError  # noqa: E402

to_av, from_av = T.to_av, T.from_av

SHARD_ID_RE = r"^shardId-\d{20}-[0-9a-f]{8}$"
SEQ_RE = r"^\d{21,40}$"
EVENT_ID_RE = r"^[0-9a-f]{32}$"
HOUR = 3600
MINUTE = 60


def seq_of(rec):
    return int(rec["dynamodb"]["SequenceNumber"])


class StreamTestCase(T.DdbTestCase):
    def new_table(self, name="str", view="NEW_AND_OLD_IMAGES", **kw):
        d = self.create_table(name, stream=view, **kw)
        return d["LatestStreamArn"]

    def only_shard(self, arn):
        shards = self.shards(arn)
        self.assertEqual(len(shards), 1, shards)
        return shards[0]["ShardId"]

    def iterator(self, arn, shard, it_type="TRIM_HORIZON", seq=None):
        kw = dict(StreamArn=arn, ShardId=shard, ShardIteratorType=it_type)
        if seq is not None:
            kw["SequenceNumber"] = seq
        return self.ddbs.get_shard_iterator(**kw)["ShardIterator"]

    def assertRecordShape(self, rec, event, view, keys, new=None, old=None, t_lo=None, t_hi=None):
        """Checks one record exactly, except eventID, SequenceNumber, SizeBytes and the time."""
        self.assertEqual(set(rec), {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                                    "dynamodb"}, rec)
        self.assertRegex(rec["eventID"], EVENT_ID_RE)
        self.assertEqual(rec["eventName"], event)
        self.assertEqual(rec["eventVersion"], "1.1")
        self.assertEqual(rec["eventSource"], "aws:dynamodb")
        self.assertEqual(rec["awsRegion"], "us-east-1")
        d = rec["dynamodb"]
        want = {"ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes", "StreamViewType"}
        if new is not None:
            want.add("NewImage")
        if old is not None:
            want.add("OldImage")
        self.assertEqual(set(d), want, d)
        self.assertEqual(d["StreamViewType"], view)
        self.assertEqual(d["Keys"], keys)
        if new is not None:
            self.assertEqual(T.norm(d["NewImage"]), T.norm(new))
        if old is not None:
            self.assertEqual(T.norm(d["OldImage"]), T.norm(old))
        self.assertRegex(d["SequenceNumber"], SEQ_RE)
        self.assertIsInstance(d["SizeBytes"], int)
        self.assertGreater(d["SizeBytes"], 0)
        ts = d["ApproximateCreationDateTime"]
        self.assertIsInstance(ts, datetime.datetime)
        self.assertEqual(ts.microsecond, 0, "ApproximateCreationDateTime is rounded down to seconds")
        if t_lo is not None:
            self.assertGreaterEqual(ts.timestamp(), int(t_lo) - 1)
            self.assertLessEqual(ts.timestamp(), t_hi + 1)


# ===========================================================================
class StreamDescriptionTests(StreamTestCase):
    def test_list_streams(self):
        arns = {}
        for name in ("lsa", "lsb", "lsc"):
            arns[name] = self.new_table(name, view="KEYS_ONLY")
        self.create_table("lsnone")
        streams = self.ddbs.list_streams()["Streams"]
        self.assertEqual(sorted((s["TableName"], s["StreamArn"]) for s in streams),
                         sorted((n, a) for n, a in arns.items()))
        for s in streams:
            self.assertEqual(s["StreamLabel"], s["StreamArn"].rsplit("/", 1)[1])
        r = self.ddbs.list_streams(TableName="lsb")
        self.assertEqual([s["StreamArn"] for s in r["Streams"]], [arns["lsb"]])
        self.assertEqual(self.ddbs.list_streams(TableName="lsnone")["Streams"], [])
        got, start = [], None
        for _ in range(10):
            kw = {"Limit": 1}
            if start:
                kw["ExclusiveStartStreamArn"] = start
            r = self.ddbs.list_streams(**kw)
            self.assertLessEqual(len(r["Streams"]), 1)
            got.extend(s["StreamArn"] for s in r["Streams"])
            start = r.get("LastEvaluatedStreamArn")
            if not start:
                break
        self.assertEqual(sorted(got), sorted(arns.values()))
        self.assertEqual(len(got), 3)
        self.assertValidation(self.ddbs_nv.list_streams,
                              "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                              "Member must have value greater than or equal to 1", Limit=0)
        self.assertValidation(self.ddbs_nv.list_streams,
                              "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
                              "Member must have value less than or equal to 100", Limit=101)

    def test_describe_stream(self):
        t = self.create_table("desc", range_key=("sk", "N"), stream="NEW_IMAGE")
        arn = t["LatestStreamArn"]
        d = self.ddbs.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(d["StreamArn"], arn)
        self.assertEqual(d["StreamLabel"], t["LatestStreamLabel"])
        self.assertEqual(d["StreamStatus"], "ENABLED")
        self.assertEqual(d["StreamViewType"], "NEW_IMAGE")
        self.assertEqual(d["TableName"], "desc")
        self.assertEqual(d["KeySchema"], T.key_schema(("pk", "S"), ("sk", "N")))
        now = self.clock()["now_ms"] / 1000.0
        self.assertLess(abs(d["CreationRequestDateTime"].timestamp() - now), 5)
        self.assertNotIn("LastEvaluatedShardId", d)
        self.assertEqual(len(d["Shards"]), 1)
        sh = d["Shards"][0]
        self.assertEqual(set(sh), {"ShardId", "SequenceNumberRange"})
        self.assertRegex(sh["ShardId"], SHARD_ID_RE)
        self.assertTrue(28 <= len(sh["ShardId"]) <= 65)
        self.assertEqual(set(sh["SequenceNumberRange"]), {"StartingSequenceNumber"})
        self.assertRegex(sh["SequenceNumberRange"]["StartingSequenceNumber"], SEQ_RE)

    def test_unknown_stream(self):
        self.create_table("unk", stream="KEYS_ONLY")
        real = self.stream_arn("unk")
        bogus = T.TABLE_ARN + "unk/stream/2001-01-01T00:00:00.000"
        msg = "Requested resource not found: Stream: %s not found" % bogus
        self.assertDdbError(self.ddbs.describe_stream, "ResourceNotFoundException", msg, StreamArn=bogus)
        shard = self.only_shard(real)
        self.assertDdbError(self.ddbs.get_shard_iterator, "ResourceNotFoundException", msg, StreamArn=bogus,
                            ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        self.assertDdbError(self.ddbs.get_shard_iterator, "ResourceNotFoundException", StreamArn=real,
                            ShardId="shardId-00000000000000000000-00000000", ShardIteratorType="TRIM_HORIZON")

    def test_describe_stream_pagination_and_partitions(self):
        arn = self.new_table("many", view="KEYS_ONLY", partitions=16)
        d = self.ddbs.describe_stream(StreamArn=arn, Limit=5)["StreamDescription"]
        self.assertEqual(len(d["Shards"]), 5)
        self.assertEqual(d["LastEvaluatedShardId"], d["Shards"][-1]["ShardId"])
        shards = self.shards(arn, Limit=5)
        ids = [s["ShardId"] for s in shards]
        self.assertEqual(len(ids), 16)
        self.assertEqual(len(set(ids)), 16)
        for s in shards:
            self.assertNotIn("ParentShardId", s)
            self.assertNotIn("EndingSequenceNumber", s["SequenceNumberRange"])
        self.assertEqual(len(self.shards(self.new_table("four", view="KEYS_ONLY", partitions=4))), 4)
        self.assertEqual(len(self.shards(self.new_table("one", view="KEYS_ONLY", partitions=1))), 1)
        self.assertValidation(self.ddbs_nv.describe_stream,
                              "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
                              "Member must have value less than or equal to 100", StreamArn=arn, Limit=101)

    def test_account_isolation(self):
        arn = self.new_table("iso", view="KEYS_ONLY")
        other = self.server.client("dynamodbstreams", access_key="222222222222")
        self.assertDdbError(other.describe_stream, "ResourceNotFoundException",
                            "Requested resource not found: Stream: %s not found" % arn, StreamArn=arn)
        self.assertEqual(other.list_streams()["Streams"], [])
        oddb = self.server.client("dynamodb", access_key="222222222222")
        d = self.create_table("iso", stream="KEYS_ONLY", client=oddb)
        self.assertTrue(d["LatestStreamArn"].startswith("arn:aws:dynamodb:us-east-1:222222222222:table/iso/stream/"))
        self.assertEqual([s["StreamArn"] for s in other.list_streams()["Streams"]], [d["LatestStreamArn"]])


# ===========================================================================
class RecordTests(StreamTestCase):
    def write_cycle(self, table, client=None):
        """INSERT, MODIFY, REMOVE of one item; returns (t_lo, t_hi) clock seconds."""
        t_lo = self.clock()["now_ms"] / 1000.0
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "a": {"N": "1"}, "s": {"SS": ["x"]}})
        self.ddb.update_item(TableName=table, Key={"pk": {"S": "k"}}, UpdateExpression="SET a = :two REMOVE s",
                             ExpressionAttributeValues={":two": {"N": "2"}})
        self.ddb.delete_item(TableName=table, Key={"pk": {"S": "k"}})
        return t_lo, self.clock()["now_ms"] / 1000.0

    def test_view_types(self):
        keys = {"pk": {"S": "k"}}
        v1 = {"pk": {"S": "k"}, "a": {"N": "1"}, "s": {"SS": ["x"]}}
        v2 = {"pk": {"S": "k"}, "a": {"N": "2"}}
        expect = {
            "NEW_AND_OLD_IMAGES": [(v1, None), (v2, v1), (None, v2)],
            "NEW_IMAGE": [(v1, None), (v2, None), (None, None)],
            "OLD_IMAGE": [(None, None), (None, v1), (None, v2)],
            "KEYS_ONLY": [(None, None), (None, None), (None, None)],
        }
        for i, (view, images) in enumerate(expect.items()):
            with self.subTest(view=view):
                name = "view%d" % i
                arn = self.new_table(name, view=view)
                t_lo, t_hi = self.write_cycle(name)
                recs = self.read_shard(arn, self.only_shard(arn))
                self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"])
                for rec, event, (new, old) in zip(recs, ["INSERT", "MODIFY", "REMOVE"], images):
                    self.assertRecordShape(rec, event, view, keys, new=new, old=old, t_lo=t_lo, t_hi=t_hi)
                self.assertEqual(len({r["eventID"] for r in recs}), 3)
                seqs = [seq_of(r) for r in recs]
                self.assertEqual(seqs, sorted(seqs))
                self.assertEqual(len(set(seqs)), 3)

    def test_composite_keys_and_all_types_in_images(self):
        arn = self.new_table("ctypes", view="NEW_AND_OLD_IMAGES", range_key=("sk", "B"))
        item = dict(T.ALL_TYPES, sk={"B": b"\x00\x01"})
        self.ddb.put_item(TableName="ctypes", Item=item)
        (rec,) = self.read_shard(arn, self.only_shard(arn))
        self.assertRecordShape(rec, "INSERT", "NEW_AND_OLD_IMAGES", {"pk": {"S": "k1"}, "sk": {"B": b"\x00\x01"}},
                               new=item)

    def test_records_from_every_write_path(self):
        arn = self.new_table("paths", view="NEW_IMAGE")
        self.put("paths", {"pk": "put", "v": 1})
        self.ddb.update_item(TableName="paths", Key=to_av({"pk": "upd"}), UpdateExpression="SET v = :v",
                             ExpressionAttributeValues=to_av({":v": 1}))
        self.ddb.update_item(TableName="paths", Key=to_av({"pk": "upd"}), UpdateExpression="ADD v :v",
                             ExpressionAttributeValues=to_av({":v": 1}))
        self.ddb.batch_write_item(RequestItems={"paths": [
            {"PutRequest": {"Item": to_av({"pk": "b1", "v": 1})}},
            {"PutRequest": {"Item": to_av({"pk": "put", "v": 2})}},
            {"DeleteRequest": {"Key": to_av({"pk": "upd"})}}]})
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "paths", "Item": to_av({"pk": "t1", "v": 1})}},
            {"Update": {"TableName": "paths", "Key": to_av({"pk": "b1"}), "UpdateExpression": "SET w = :w",
                        "ExpressionAttributeValues": to_av({":w": 1})}},
            {"Delete": {"TableName": "paths", "Key": to_av({"pk": "put"})}},
            {"ConditionCheck": {"TableName": "paths", "Key": to_av({"pk": "t0"}),
                                "ConditionExpression": "attribute_not_exists(pk)"}}])
        recs = self.read_shard(arn, self.only_shard(arn))
        got = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"],
                from_av(r["dynamodb"]["NewImage"]) if "NewImage" in r["dynamodb"] else None) for r in recs]
        key = lambda x: (x[0], x[1])  # noqa: E731
        # separate requests in order; the records of one batch or transaction in any order
        self.assertEqual(got[:3], [
            ("INSERT", "put", {"pk": "put", "v": 1}),
            ("INSERT", "upd", {"pk": "upd", "v": 1}),
            ("MODIFY", "upd", {"pk": "upd", "v": 2}),
        ])
        self.assertEqual(sorted(got[3:6], key=key), sorted([
            ("INSERT", "b1", {"pk": "b1", "v": 1}),
            ("MODIFY", "put", {"pk": "put", "v": 2}),
            ("REMOVE", "upd", None),
        ], key=key))
        self.assertEqual(sorted(got[6:], key=key), sorted([
            ("INSERT", "t1", {"pk": "t1", "v": 1}),
            ("MODIFY", "b1", {"pk": "b1", "v": 1, "w": 1}),
            ("REMOVE", "put", None),
        ], key=key))

    def test_no_record_for_writes_that_change_nothing(self):
        arn = self.new_table("noop", view="NEW_AND_OLD_IMAGES")
        item = {"pk": "a", "n": 1, "m": {"x": [1, 2]}, "ss": {"p", "q"}}
        self.put("noop", item)
        # identical put (set members in another order)
        self.put("noop", {"pk": "a", "n": 1, "m": {"x": [1, 2]}, "ss": {"q", "p"}})
        self.ddb.put_item(TableName="noop", Item={"pk": {"S": "a"}, "n": {"N": "1.0"}, "m": {"M": {"x": {"L": [
            {"N": "1"}, {"N": "2"}]}}}, "ss": {"SS": ["q", "p"]}})
        # deletes of missing items
        self.ddb.delete_item(TableName="noop", Key=to_av({"pk": "missing"}))
        self.ddb.batch_write_item(RequestItems={"noop": [{"DeleteRequest": {"Key": to_av({"pk": "missing2"})}}]})
        # failed conditions
        for fn, kw in ((self.ddb.put_item, dict(Item=to_av({"pk": "a", "n": 9}))),
                       (self.ddb.update_item, dict(Key=to_av({"pk": "a"}), UpdateExpression="SET n = :n",
                                                   ExpressionAttributeValues=to_av({":n": 9}))),
                       (self.ddb.delete_item, dict(Key=to_av({"pk": "a"})))):
            with self.assertRaises(ClientError) as cm:
                fn(TableName="noop", ConditionExpression="attribute_not_exists(pk)", **kw)
            self.assertEqual(cm.exception.response["Error"]["Code"], "ConditionalCheckFailedException")
        # updates that change nothing
        self.ddb.update_item(TableName="noop", Key=to_av({"pk": "a"}), UpdateExpression="SET n = :one",
                             ExpressionAttributeValues=to_av({":one": 1}))
        self.ddb.update_item(TableName="noop", Key=to_av({"pk": "a"}), UpdateExpression="REMOVE nothere")
        self.ddb.update_item(TableName="noop", Key=to_av({"pk": "a"}), UpdateExpression="ADD ss :p",
                             ExpressionAttributeValues=to_av({":p": {"p"}}))
        self.ddb.update_item(TableName="noop", Key=to_av({"pk": "a"}),
                             UpdateExpression="SET n = if_not_exists(n, :z)", ExpressionAttributeValues=to_av({":z": 0}))
        # a cancelled transaction writes nothing, not even its valid parts
        with self.assertRaises(ClientError) as cm:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "noop", "Item": to_av({"pk": "tx"})}},
                {"Delete": {"TableName": "noop", "Key": to_av({"pk": "missing3"})}},
                {"ConditionCheck": {"TableName": "noop", "Key": to_av({"pk": "a"}),
                                    "ConditionExpression": "n = :two", "ExpressionAttributeValues": to_av({":two": 2})}}])
        self.assertEqual(cm.exception.response["Error"]["Code"], "TransactionCanceledException")
        # a transaction whose only write is a no-op, with a passing ConditionCheck
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "noop", "Item": to_av(item)}},
            {"ConditionCheck": {"TableName": "noop", "Key": to_av({"pk": "cc"}),
                                "ConditionExpression": "attribute_not_exists(pk)"}}])
        # one real change at the end
        self.put("noop", {"pk": "a", "n": 2})
        recs = self.read_shard(arn, self.only_shard(arn))
        self.assertEqual([(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in recs],
                         [("INSERT", "a"), ("MODIFY", "a")])
        self.assertEqual(from_av(recs[1]["dynamodb"]["OldImage"]), item)
        self.assertEqual(from_av(recs[1]["dynamodb"]["NewImage"]), {"pk": "a", "n": 2})

    def test_sequence_numbers_increase(self):
        arn = self.new_table("seqs", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        start = self.shards(arn)[0]["SequenceNumberRange"]["StartingSequenceNumber"]
        for i in range(30):
            self.put("seqs", {"pk": "k%d" % (i % 7), "i": i})
        recs = self.read_shard(arn, shard)
        self.assertEqual(len(recs), 30)
        seqs = [r["dynamodb"]["SequenceNumber"] for r in recs]
        for s in seqs:
            self.assertRegex(s, SEQ_RE)
        nums = [int(s) for s in seqs]
        self.assertEqual(nums, sorted(set(nums)), "sequence numbers must strictly increase")
        self.assertLessEqual(int(start), nums[0])

    def test_shard_iterator_types(self):
        arn = self.new_table("itypes", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        latest_empty = self.iterator(arn, shard, "LATEST")
        for i in range(5):
            self.put("itypes", {"pk": "k%d" % i})
        recs = self.read_shard(arn, shard)
        keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in recs]
        self.assertEqual(keys, ["k0", "k1", "k2", "k3", "k4"])
        seqs = [r["dynamodb"]["SequenceNumber"] for r in recs]
        # an iterator taken at LATEST before the writes sees them all
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.read_iterator(latest_empty)[0]], keys)
        latest = self.iterator(arn, shard, "LATEST")
        self.assertEqual(self.ddbs.get_records(ShardIterator=latest)["Records"], [])
        self.put("itypes", {"pk": "k5"})
        self.put("itypes", {"pk": "k6"})
        got = self.read_iterator(latest)[0]
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in got], ["k5", "k6"])
        at = self.read_shard(arn, shard, "AT_SEQUENCE_NUMBER", seqs[2])
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in at], ["k2", "k3", "k4", "k5", "k6"])
        after = self.read_shard(arn, shard, "AFTER_SEQUENCE_NUMBER", seqs[2])
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in after], ["k3", "k4", "k5", "k6"])
        # the same record read twice is the same record
        self.assertEqual(at[0], recs[2])

    def test_empty_shard_start_takes_at_and_after_iterators(self):
        # DescribeStream advertises a StartingSequenceNumber for a shard with
        # no record yet; GetShardIterator must take it (issue 13).
        arn = self.new_table("emptyst", view="KEYS_ONLY")
        sh = self.shards(arn)[0]
        start = sh["SequenceNumberRange"]["StartingSequenceNumber"]
        self.assertNotIn("EndingSequenceNumber", sh["SequenceNumberRange"])
        at = self.iterator(arn, sh["ShardId"], "AT_SEQUENCE_NUMBER", start)
        after = self.iterator(arn, sh["ShardId"], "AFTER_SEQUENCE_NUMBER", start)
        self.assertEqual(self.ddbs.get_records(ShardIterator=at)["Records"], [])
        for k in ("a", "b", "c"):
            self.put("emptyst", {"pk": k})
        got = self.read_iterator(at)[0]
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in got], ["a", "b", "c"])
        self.assertEqual(got[0]["dynamodb"]["SequenceNumber"], start)
        got = self.read_iterator(after)[0]
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in got], ["b", "c"])
        # the same start, taken again now that records exist, still agrees
        got = self.read_shard(arn, sh["ShardId"], "AT_SEQUENCE_NUMBER", start)
        self.assertEqual(len(got), 3)

    def test_closed_empty_shard_start_takes_iterators(self):
        arn = self.new_table("emptycl", view="KEYS_ONLY")
        self.ddb.update_table(TableName="emptycl", StreamSpecification={"StreamEnabled": False})
        sh = self.shards(arn)[0]
        start = sh["SequenceNumberRange"]["StartingSequenceNumber"]
        self.assertIn("EndingSequenceNumber", sh["SequenceNumberRange"])
        for t in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            with self.subTest(type=t):
                r = self.ddbs.get_records(ShardIterator=self.iterator(arn, sh["ShardId"], t, start))
                self.assertEqual(r["Records"], [])
                self.assertNotIn("NextShardIterator", r)

    def test_shard_iterator_errors(self):
        arn = self.new_table("iterr", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        self.put("iterr", {"pk": "a"})
        seq = self.read_shard(arn, shard)[0]["dynamodb"]["SequenceNumber"]
        for t in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            with self.subTest(type=t):
                self.assertDdbError(self.ddbs.get_shard_iterator, "ValidationException", StreamArn=arn,
                                    ShardId=shard, ShardIteratorType=t)
        for t in ("TRIM_HORIZON", "LATEST"):
            with self.subTest(type=t):
                self.assertDdbError(self.ddbs.get_shard_iterator, "ValidationException", StreamArn=arn,
                                    ShardId=shard, ShardIteratorType=t, SequenceNumber=seq)
        self.assertValidation(
            self.ddbs_nv.get_shard_iterator,
            message_re=r"^1 validation error detected: Value 'BOGUS' at 'shardIteratorType' failed to satisfy "
                       r"constraint: Member must satisfy enum value set: \[",
            StreamArn=arn, ShardId=shard, ShardIteratorType="BOGUS")
        for bad in ("not-a-number", "1" * 60):
            with self.subTest(seq=bad):
                self.assertDdbError(self.ddbs_nv.get_shard_iterator, "ValidationException", StreamArn=arn,
                                    ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=bad)

    def test_get_records_limit(self):
        arn = self.new_table("limits", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        for i in range(5):
            self.put("limits", {"pk": "k%d" % i})
        it = self.iterator(arn, shard)
        pages = []
        for _ in range(5):
            r = self.ddbs.get_records(ShardIterator=it, Limit=2)
            pages.append([x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]])
            it = r["NextShardIterator"]
            if not r["Records"]:
                break
        self.assertEqual(pages[:3], [["k0", "k1"], ["k2", "k3"], ["k4"]])
        self.assertEqual(len(self.ddbs.get_records(ShardIterator=self.iterator(arn, shard), Limit=1000)["Records"]), 5)
        it = self.iterator(arn, shard)
        self.assertValidation(self.ddbs_nv.get_records,
                              "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
                              "Member must have value less than or equal to 1000", ShardIterator=it, Limit=1001)
        self.assertValidation(self.ddbs_nv.get_records,
                              "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                              "Member must have value greater than or equal to 1", ShardIterator=it, Limit=0)

    def test_get_records_returns_at_most_1000(self):
        arn = self.new_table("thousand", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        for b in range(41):
            self.ddb.batch_write_item(RequestItems={"thousand": [
                {"PutRequest": {"Item": to_av({"pk": "k%04d" % (b * 25 + i)})}} for i in range(25)]})
        r = self.ddbs.get_records(ShardIterator=self.iterator(arn, shard))
        self.assertEqual(len(r["Records"]), 1000)
        r = self.ddbs.get_records(ShardIterator=r["NextShardIterator"])
        self.assertEqual(len(r["Records"]), 25)
        self.assertEqual(r["Records"][-1]["dynamodb"]["Keys"]["pk"]["S"], "k1024")

    def test_get_records_returns_at_most_1mb(self):
        arn = self.new_table("bigrec", view="NEW_IMAGE")
        shard = self.only_shard(arn)
        blob = "x" * (300 * 1024)
        for i in range(5):
            self.put("bigrec", {"pk": "k%d" % i, "blob": blob})
        r = self.ddbs.get_records(ShardIterator=self.iterator(arn, shard))
        first = len(r["Records"])
        self.assertGreaterEqual(first, 1)
        self.assertLessEqual(first, 3, "a GetRecords page holds at most 1 MB")
        rest = self.read_iterator(r["NextShardIterator"])[0]
        self.assertEqual([x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"] + rest],
                         ["k0", "k1", "k2", "k3", "k4"])

    def test_garbage_iterators_get_4xx(self):
        arn = self.new_table("garb", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        good = self.iterator(arn, shard)
        bad = ["x", "|1|", arn + "|1|", arn + "|1|!!!notbase64", arn + "|2|AAAA", good[:-4], good + "AAAA",
               "arn:aws:dynamodb:us-east-1:000000000000:table/garb/stream/2001-01-01T00:00:00.000|1|"
               + good.rsplit("|", 1)[1], "\u00e9" * 100]
        for it in bad:
            with self.subTest(iterator=it[:60]):
                with self.assertRaises(ClientError) as cm:
                    self.ddbs.get_records(ShardIterator=it)
                status = cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]
                self.assertEqual(status, 400, cm.exception.response["Error"])
                # a truncated iterator may decode to an ancient issue time: expired is fine too
                self.assertIn(cm.exception.response["Error"]["Code"],
                              ("ValidationException", "ResourceNotFoundException", "ExpiredIteratorException"))
        self.assertDdbError(self.ddbs_nv.get_records, "ValidationException", ShardIterator="x" * 2049)
        self.assertTrue(self.server.alive())


# ===========================================================================
class ClockTests(StreamTestCase):
    """Iterator expiry, trimming and shard rollover through POST /_sluice/clock."""

    def test_clock_endpoint(self):
        c0 = self.clock()
        self.assertEqual(set(c0), {"now_ms", "now", "offset_ms"})
        c1 = self.advance(90)
        self.assertEqual(c1["offset_ms"] - c0["offset_ms"], 90000)
        self.assertGreaterEqual(c1["now_ms"] - c0["now_ms"], 90000)
        self.assertRegex(c1["now"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        for body in ({"advance_seconds": -1}, {"advance_seconds": "x"}, {}, "not json"):
            with self.subTest(body=body):
                r = self.server.request("POST", "/_sluice/clock", body=body)
                self.assertEqual(r.status, 400, r)
        self.assertEqual(self.clock()["offset_ms"], c1["offset_ms"])

    def test_record_times_follow_the_clock(self):
        arn = self.new_table("ctime", view="KEYS_ONLY")
        self.put("ctime", {"pk": "a"})
        self.advance(2 * HOUR)
        now = self.clock()["now_ms"] / 1000.0
        self.put("ctime", {"pk": "b"})
        recs = self.stream_records(arn=arn)
        self.assertEqual(len(recs), 2)
        t_b = recs[1]["dynamodb"]["ApproximateCreationDateTime"].timestamp()
        t_a = recs[0]["dynamodb"]["ApproximateCreationDateTime"].timestamp()
        self.assertLessEqual(abs(t_b - now), 2)
        self.assertGreaterEqual(t_b - t_a, 2 * HOUR - 2)

    def test_iterator_expiry(self):
        arn = self.new_table("expire", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        self.put("expire", {"pk": "a"})
        it = self.iterator(arn, shard)
        self.advance(14 * MINUTE)
        r = self.ddbs.get_records(ShardIterator=it)
        self.assertEqual(len(r["Records"]), 1)
        fresh = r["NextShardIterator"]
        self.advance(2 * MINUTE)
        self.assertDdbError(self.ddbs.get_records, "ExpiredIteratorException", ShardIterator=it)
        # the iterator GetRecords handed out is valid for 15 minutes from then
        self.put("expire", {"pk": "b"})
        self.advance(12 * MINUTE)
        r = self.ddbs.get_records(ShardIterator=fresh)
        self.assertEqual([x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]], ["b"])
        self.advance(16 * MINUTE)
        self.assertDdbError(self.ddbs.get_records, "ExpiredIteratorException", ShardIterator=fresh)
        self.assertDdbError(self.ddbs.get_records, "ExpiredIteratorException", ShardIterator=r["NextShardIterator"])

    def test_shard_rollover(self):
        arn = self.new_table("roll", view="KEYS_ONLY")
        parent = self.only_shard(arn)
        for k in ("a", "b", "c"):
            self.put("roll", {"pk": k})
        self.advance(4 * HOUR - 60)
        self.assertEqual(len(self.shards(arn)), 1, "no rollover before 4 hours")
        self.advance(61)
        shards = self.shards(arn)
        self.assertEqual(len(shards), 2, shards)
        p, c = shards[0], shards[1]
        self.assertEqual(p["ShardId"], parent)
        self.assertNotIn("ParentShardId", p)
        self.assertIn("EndingSequenceNumber", p["SequenceNumberRange"])
        self.assertRegex(p["SequenceNumberRange"]["EndingSequenceNumber"], SEQ_RE)
        self.assertEqual(c["ParentShardId"], parent)
        self.assertRegex(c["ShardId"], SHARD_ID_RE)
        self.assertNotIn("EndingSequenceNumber", c["SequenceNumberRange"])
        self.assertGreater(int(c["SequenceNumberRange"]["StartingSequenceNumber"]),
                           int(p["SequenceNumberRange"]["EndingSequenceNumber"]))
        for k in ("d", "e"):
            self.put("roll", {"pk": k})
        # the parent is closed: read to its end, no NextShardIterator
        it = self.iterator(arn, parent)
        recs, nxt = self.read_iterator(it)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs], ["a", "b", "c"])
        self.assertIsNone(nxt, "a closed shard read to its end has no NextShardIterator")
        last = max(seq_of(r) for r in recs)
        self.assertGreaterEqual(int(p["SequenceNumberRange"]["EndingSequenceNumber"]), last)
        child = self.read_shard(arn, c["ShardId"])
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in child], ["d", "e"])
        self.assertGreater(min(seq_of(r) for r in child), last)
        # LATEST on a closed shard: nothing, and the end
        r = self.ddbs.get_records(ShardIterator=self.iterator(arn, parent, "LATEST"))
        self.assertEqual(r["Records"], [])
        self.assertNotIn("NextShardIterator", r)
        # ShardFilter CHILD_SHARDS
        d = self.ddbs.describe_stream(StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": parent})
        self.assertEqual([s["ShardId"] for s in d["StreamDescription"]["Shards"]], [c["ShardId"]])
        d = self.ddbs.describe_stream(StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": c["ShardId"]})
        self.assertEqual(d["StreamDescription"]["Shards"], [])
        # more rollovers make a lineage
        self.advance(4 * HOUR + 1)
        self.put("roll", {"pk": "f"})
        self.advance(4 * HOUR + 1)
        shards = self.shards(arn)
        self.assertEqual(len(shards), 4)
        for prev, nxt_sh in zip(shards, shards[1:]):
            self.assertEqual(nxt_sh["ParentShardId"], prev["ShardId"])
        self.assertEqual([("EndingSequenceNumber" in s["SequenceNumberRange"]) for s in shards],
                         [True, True, True, False])
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn)],
                         ["a", "b", "c", "d", "e", "f"])

    def test_rollover_with_partitions_keeps_lineage_and_ends(self):
        arn = self.new_table("proll", view="KEYS_ONLY", partitions=4)
        originals = [s["ShardId"] for s in self.shards(arn)]
        self.assertEqual(len(originals), 4)
        for i in range(20):
            self.put("proll", {"pk": "k%02d" % i})
        self.advance(4 * HOUR + 1)
        shards = self.shards(arn)
        self.assertEqual(len(shards), 8)
        children = [s for s in shards if "ParentShardId" in s]
        self.assertEqual(sorted(s["ParentShardId"] for s in children), sorted(originals))
        total = 0
        for sid in originals:
            recs, nxt = self.read_iterator(self.iterator(arn, sid), max_calls=20)
            total += len(recs)
            with self.subTest(parent=sid):
                self.assertIsNone(nxt, "closed parent shard %s never reported its end" % sid)
                if nxt is not None:  # reading on from there must not produce anything
                    r = self.ddbs.get_records(ShardIterator=nxt)
                    self.assertEqual(r["Records"], [])
                    self.assertNotIn("NextShardIterator", r)
        self.assertEqual(total, 20)

    def test_trimming_after_24_hours(self):
        arn = self.new_table("trim", view="KEYS_ONLY")
        first_shard = self.only_shard(arn)
        self.put("trim", {"pk": "old"})
        self.advance(HOUR)
        self.put("trim", {"pk": "mid"})
        recs = self.read_shard(arn, first_shard)
        old_seq, mid_seq = [r["dynamodb"]["SequenceNumber"] for r in recs]
        self.advance(23 * HOUR - 5 * MINUTE)
        self.put("trim", {"pk": "new"})
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn)],
                         ["old", "mid", "new"])
        it = self.iterator(arn, first_shard, "AT_SEQUENCE_NUMBER", old_seq)
        horizon = self.iterator(arn, first_shard, "TRIM_HORIZON")
        self.advance(10 * MINUTE)  # "old" is now 24 h 5 min old, "mid" 23 h 5 min
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn)], ["mid", "new"])
        self.assertDdbError(self.ddbs.get_records, "TrimmedDataAccessException", ShardIterator=it)
        self.assertDdbError(self.ddbs.get_records, "TrimmedDataAccessException", ShardIterator=horizon)
        self.assertDdbError(self.ddbs.get_shard_iterator, "TrimmedDataAccessException", StreamArn=arn,
                            ShardId=first_shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=old_seq)
        recs = self.read_shard(arn, first_shard, "AT_SEQUENCE_NUMBER", mid_seq)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs], ["mid"])
        self.advance(HOUR)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn)], ["new"])
        self.advance(24 * HOUR)
        self.assertEqual(self.stream_records(arn=arn), [])
        self.put("trim", {"pk": "newest"})
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn)], ["newest"])

    def test_iterator_into_trimmed_shard(self):
        # AWS's TrimmedDataAccessException doc: "You obtain a shard iterator, but before you use the
        # iterator in a GetRecords request, a stream record in the shard exceeds the 24 hour period and
        # is trimmed." Here every record of the (closed) shard is trimmed.
        arn = self.new_table("trim2", view="KEYS_ONLY")
        first_shard = self.only_shard(arn)
        self.put("trim2", {"pk": "old"})
        old_seq = self.read_shard(arn, first_shard)[0]["dynamodb"]["SequenceNumber"]
        self.advance(12 * HOUR)              # the first shard rolls over holding only "old"
        self.put("trim2", {"pk": "new"})
        self.advance(12 * HOUR - 5 * MINUTE)
        it = self.iterator(arn, first_shard, "AT_SEQUENCE_NUMBER", old_seq)
        self.advance(10 * MINUTE)            # "old" is trimmed; the iterator is 10 minutes old
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn)], ["new"])
        self.assertDdbError(self.ddbs.get_records, "TrimmedDataAccessException", ShardIterator=it)


# ===========================================================================
class PartitionTests(StreamTestCase):
    def test_items_stay_in_one_shard_in_write_order(self):
        arn = self.new_table("parts", view="NEW_IMAGE", partitions=4)
        shards = self.shards(arn)
        self.assertEqual(len(shards), 4)
        keys = ["item-%02d" % i for i in range(40)]
        for rnd in range(3):
            for k in keys:
                if rnd == 0:
                    self.put("parts", {"pk": k, "v": 0})
                else:
                    self.ddb.update_item(TableName="parts", Key=to_av({"pk": k}), UpdateExpression="SET v = :v",
                                         ExpressionAttributeValues=to_av({":v": rnd}))
        for k in keys[::4]:
            self.ddb.delete_item(TableName="parts", Key=to_av({"pk": k}))
        where = {}
        per_item = {}
        nonempty = 0
        for sh in shards:
            recs = self.read_shard(arn, sh["ShardId"])
            nonempty += bool(recs)
            seqs = [seq_of(r) for r in recs]
            self.assertEqual(seqs, sorted(set(seqs)), "sequence numbers increase within a shard")
            for r in recs:
                k = r["dynamodb"]["Keys"]["pk"]["S"]
                where.setdefault(k, set()).add(sh["ShardId"])
                per_item.setdefault(k, []).append((r["eventName"], r["dynamodb"].get("NewImage", {}).get("v")))
        self.assertEqual(sorted(where), keys)
        for k in keys:
            with self.subTest(item=k):
                self.assertEqual(len(where[k]), 1, "records of one item in several shards")
                want = [("INSERT", {"N": "0"}), ("MODIFY", {"N": "1"}), ("MODIFY", {"N": "2"})]
                if k in keys[::4]:
                    want.append(("REMOVE", None))
                self.assertEqual(per_item[k], want)
        self.assertEqual(nonempty, 4, "40 keys should spread over all 4 partitions")
        # the same key goes to the same partition after a rollover too
        self.advance(4 * HOUR + 1)
        for k in keys[:8]:
            self.put("parts", {"pk": k, "v": 99})
        children = [s for s in self.shards(arn) if "ParentShardId" in s]
        self.assertEqual(len(children), 4)
        for ch in children:
            for r in self.read_shard(arn, ch["ShardId"]):
                k = r["dynamodb"]["Keys"]["pk"]["S"]
                self.assertEqual(ch["ParentShardId"], next(iter(where[k])),
                                 "%s moved to a shard that is not the child of its old shard" % k)

    def test_parallel_writers(self):
        import threading
        arn = self.new_table("par", view="NEW_IMAGE", partitions=4)
        errors = []

        def writer(w):
            try:
                c = self.server.client("dynamodb")
                for i in range(40):
                    k = "w%d-%d" % (w, i % 10)
                    c.update_item(TableName="par", Key=to_av({"pk": k}), UpdateExpression="ADD n :one",
                                  ExpressionAttributeValues=to_av({":one": 1}))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        all_seqs = []
        per_item = {}
        for sh in self.shards(arn):
            recs = self.read_shard(arn, sh["ShardId"])
            seqs = [seq_of(r) for r in recs]
            self.assertEqual(seqs, sorted(set(seqs)))
            all_seqs.extend(seqs)
            for r in recs:
                per_item.setdefault(r["dynamodb"]["Keys"]["pk"]["S"], []).append(
                    int(r["dynamodb"]["NewImage"]["n"]["N"]))
        self.assertEqual(len(all_seqs), 160)
        self.assertEqual(len(set(all_seqs)), 160, "sequence numbers are unique in a stream")
        self.assertEqual(len(per_item), 40)
        for k, ns in per_item.items():
            self.assertEqual(ns, [1, 2, 3, 4], k)

    def test_transaction_across_tables_and_partitions(self):
        arn_a = self.new_table("txsa", view="KEYS_ONLY", partitions=3)
        arn_b = self.new_table("txsb", view="KEYS_ONLY")
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "txsa", "Item": to_av({"pk": "k%d" % i})}} for i in range(6)] + [
            {"Put": {"TableName": "txsb", "Item": to_av({"pk": "b%d" % i})}} for i in range(3)])
        recs_a = self.stream_records(arn=arn_a)
        self.assertEqual(sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in recs_a), ["k%d" % i for i in range(6)])
        self.assertEqual(len({seq_of(r) for r in recs_a}), 6)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn_b)],
                         ["b0", "b1", "b2"])

    def test_partitions_tag_is_listed_and_used_by_later_enables(self):
        self.create_table("ptags", partitions=3)
        tags = self.ddb.list_tags_of_resource(ResourceArn=T.TABLE_ARN + "ptags")["Tags"]
        self.assertIn({"Key": "sluice:partitions", "Value": "3"}, tags)
        self.ddb.update_table(TableName="ptags", StreamSpecification={"StreamEnabled": True,
                                                                     "StreamViewType": "KEYS_ONLY"})
        self.assertEqual(len(self.shards(self.stream_arn("ptags"))), 3)


# ===========================================================================
class LifecycleTests(StreamTestCase):
    def test_disabled_stream_stays_readable(self):
        arn = self.new_table("dis", view="NEW_AND_OLD_IMAGES")
        shard = self.only_shard(arn)
        self.put("dis", {"pk": "a"})
        self.put("dis", {"pk": "b"})
        live_it = self.iterator(arn, shard, "LATEST")
        self.ddb.update_table(TableName="dis", StreamSpecification={"StreamEnabled": False})
        self.put("dis", {"pk": "after-disable"})
        d = self.ddbs.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(d["StreamStatus"], "DISABLED")
        self.assertEqual(d["StreamViewType"], "NEW_AND_OLD_IMAGES")
        self.assertEqual(d["TableName"], "dis")
        for sh in d["Shards"]:
            self.assertIn("EndingSequenceNumber", sh["SequenceNumberRange"])
        recs, nxt = self.read_iterator(self.iterator(arn, shard))
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs], ["a", "b"])
        self.assertIsNone(nxt, "a closed shard read to its end has no NextShardIterator")
        # an iterator taken before the disable reaches the end too
        r = self.ddbs.get_records(ShardIterator=live_it)
        self.assertEqual(r["Records"], [])
        self.assertNotIn("NextShardIterator", r)
        self.assertIn(arn, [s["StreamArn"] for s in self.ddbs.list_streams(TableName="dis")["Streams"]])
        # re-enabling: a new stream; the old one keeps its two records
        self.ddb.update_table(TableName="dis", StreamSpecification={"StreamEnabled": True,
                                                                   "StreamViewType": "KEYS_ONLY"})
        arn2 = self.stream_arn("dis")
        self.assertNotEqual(arn2, arn)
        self.put("dis", {"pk": "c"})
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn2)], ["c"])
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.stream_records(arn=arn)], ["a", "b"])

    def test_disabled_empty_stream_ends(self):
        arn = self.new_table("disempty", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        self.ddb.update_table(TableName="disempty", StreamSpecification={"StreamEnabled": False})
        r = self.ddbs.get_records(ShardIterator=self.iterator(arn, shard))
        self.assertEqual(r["Records"], [])
        self.assertNotIn("NextShardIterator", r, "an empty closed shard is already at its end")

    def test_deleted_table_stream_stays_readable(self):
        arn = self.new_table("deltab", view="KEYS_ONLY")
        shard = self.only_shard(arn)
        self.put("deltab", {"pk": "a"})
        self.ddb.delete_table(TableName="deltab")
        d = self.ddbs.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(d["StreamStatus"], "DISABLED")
        recs, nxt = self.read_iterator(self.iterator(arn, shard))
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs], ["a"])
        self.assertIsNone(nxt)
        # a new table under the same name gets a new stream
        arn2 = self.new_table("deltab", view="KEYS_ONLY")
        self.assertNotEqual(arn2, arn)
        self.assertEqual(self.stream_records(arn=arn2), [])

    def test_ttl_deletes_make_service_remove_records(self):
        arn = self.new_table("ttls", view="NEW_AND_OLD_IMAGES")
        self.ddb.update_time_to_live(TableName="ttls", TimeToLiveSpecification={"Enabled": True,
                                                                               "AttributeName": "expires"})
        now = int(self.clock()["now_ms"] // 1000)
        self.put("ttls", {"pk": "short", "expires": now + 30})
        self.put("ttls", {"pk": "long", "expires": now + 100000})
        self.put("ttls", {"pk": "manual"})
        self.ddb.delete_item(TableName="ttls", Key=to_av({"pk": "manual"}))
        self.advance(60)
        self.assertIsNone(self.get("ttls", {"pk": "short"}))
        recs = self.stream_records(arn=arn)
        self.assertEqual([(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in recs],
                         [("INSERT", "short"), ("INSERT", "long"), ("INSERT", "manual"), ("REMOVE", "manual"),
                          ("REMOVE", "short")])
        self.assertNotIn("userIdentity", recs[3], "a user's delete has no userIdentity")
        ttl_rec = recs[4]
        self.assertEqual(ttl_rec["userIdentity"], {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"})
        self.assertEqual(from_av(ttl_rec["dynamodb"]["OldImage"]), {"pk": "short", "expires": now + 30})
        self.assertNotIn("NewImage", ttl_rec["dynamodb"])
        self.assertEqual(set(ttl_rec), {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                                        "dynamodb", "userIdentity"})


if __name__ == "__main__":
    harness.main()
