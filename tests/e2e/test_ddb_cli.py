#!/usr/bin/env python3
"""DynamoDB and DynamoDB Streams through the aws CLI (v1 here; the commands
are the same in v2): create-table, put-item, get-item, update-item,
delete-item, query, scan (with the CLI's own pagination), batch-write-item,
and dynamodbstreams list-streams / describe-stream / get-shard-iterator /
get-records, including exit codes and the error line on stderr.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_ddb_cli.py -v
"""

import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
import test_dynamodb as T  # noqa: E402  (helpers; importing it runs no tests)

if shutil.which("aws") is None:
    sys.stderr.write("aws CLI not on PATH: skipping\n")
    sys.exit(77)


class DdbCliTestCase(T.DdbTestCase):
    def aws(self, *args, **kw):
        p = self.server.cli(*args, **kw)
        self.assertEqual(p.returncode, 0, "aws %s failed (%d):\n%s" % (" ".join(args), p.returncode, p.stderr))
        return p.json

    def aws_fails(self, *args, code, op, message=None, rc=255, **kw):
        p = self.server.cli(*args, **kw)
        self.assertEqual(p.returncode, rc, "aws %s: stdout=%r stderr=%r" % (" ".join(args), p.stdout, p.stderr))
        line = [ln for ln in p.stderr.splitlines() if "An error occurred" in ln]
        self.assertTrue(line, "no error line in stderr: %r" % p.stderr)
        m = re.match(r"^An error occurred \((.+?)\) when calling the (\w+) operation"
                     r"(?: \(reached max retries: \d+\))?: (.*)$", line[0].strip())
        self.assertIsNotNone(m, "unexpected error line: %r" % line[0])
        self.assertEqual(m.group(1), code, line[0])
        self.assertEqual(m.group(2), op, line[0])
        if message is not None:
            self.assertEqual(m.group(3), message)
        return p

    def cli_create(self, name, *extra):
        return self.aws("dynamodb", "create-table", "--table-name", name,
                        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                        "AttributeName=sk,AttributeType=N",
                        "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
                        "--billing-mode", "PAY_PER_REQUEST", *extra)

    def put_cli(self, table, item, *extra):
        return self.aws("dynamodb", "put-item", "--table-name", table, "--item", json.dumps(item), *extra)


class DdbCliTests(DdbCliTestCase):
    def test_table_lifecycle(self):
        out = self.cli_create("clitab", "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES",
                              "--tags", "Key=team,Value=cli")
        d = out["TableDescription"]
        self.assertEqual(d["TableStatus"], "CREATING")
        self.assertEqual(d["TableArn"], T.TABLE_ARN + "clitab")
        self.assertEqual(d["StreamSpecification"], {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.assertRegex(d["LatestStreamArn"], T.STREAM_ARN_RE % "clitab")
        p = self.server.cli("dynamodb", "wait", "table-exists", "--table-name", "clitab")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.aws("dynamodb", "describe-table", "--table-name", "clitab",
                                  "--query", "Table.TableStatus"), "ACTIVE")
        self.assertEqual(self.aws("dynamodb", "list-tables")["TableNames"], ["clitab"])
        self.assertEqual(self.aws("dynamodb", "list-tags-of-resource", "--resource-arn",
                                  T.TABLE_ARN + "clitab")["Tags"], [{"Key": "team", "Value": "cli"}])
        self.aws_fails("dynamodb", "create-table", "--table-name", "clitab",
                       "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                       "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                       code="ResourceInUseException", op="CreateTable", message="Table already exists: clitab")
        out = self.aws("dynamodb", "delete-table", "--table-name", "clitab")
        self.assertEqual(out["TableDescription"]["TableStatus"], "DELETING")
        self.aws_fails("dynamodb", "describe-table", "--table-name", "clitab", code="ResourceNotFoundException",
                       op="DescribeTable", message="Requested resource not found: Table: clitab not found")

    def test_items(self):
        self.cli_create("cliitems")
        big = "12345678901234567890123456789012345678"
        out = self.put_cli("cliitems", {"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": big},
                                        "tags": {"SS": ["x", "y"]}, "m": {"M": {"k": {"BOOL": True}}}},
                           "--return-values", "ALL_OLD")
        self.assertIsNone(out)  # nothing printed: no Attributes
        out = self.aws("dynamodb", "get-item", "--table-name", "cliitems",
                       "--key", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1"}}))
        self.assertEqual(T.norm(out["Item"]), T.norm({"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": big},
                                                      "tags": {"SS": ["x", "y"]}, "m": {"M": {"k": {"BOOL": True}}}}))
        out = self.aws("dynamodb", "get-item", "--table-name", "cliitems",
                       "--key", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1"}}),
                       "--projection-expression", "n, m.k")
        self.assertEqual(out["Item"], {"n": {"N": big}, "m": {"M": {"k": {"BOOL": True}}}})
        out = self.aws("dynamodb", "update-item", "--table-name", "cliitems",
                       "--key", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1"}}),
                       "--update-expression", "SET n = n + :d ADD tags :t",
                       "--expression-attribute-values", json.dumps({":d": {"N": "1"}, ":t": {"SS": ["z"]}}),
                       "--return-values", "UPDATED_NEW")
        self.assertEqual(T.norm(out["Attributes"]), {"n": {"N": "12345678901234567890123456789012345679"},
                                                     "tags": {"SS": ["x", "y", "z"]}})
        self.aws_fails("dynamodb", "put-item", "--table-name", "cliitems",
                       "--item", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1"}}),
                       "--condition-expression", "attribute_not_exists(pk)",
                       code="ConditionalCheckFailedException", op="PutItem", message="The conditional request failed")
        self.aws_fails("dynamodb", "put-item", "--table-name", "cliitems",
                       "--item", json.dumps({"pk": {"S": "a"}, "sk": {"N": "2"}, "n": {"N": big + "9"}}),
                       code="ValidationException", op="PutItem",
                       message="Attempting to store more than 38 significant digits in a Number")
        out = self.aws("dynamodb", "delete-item", "--table-name", "cliitems",
                       "--key", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1"}}), "--return-values", "ALL_OLD")
        self.assertEqual(out["Attributes"]["n"], {"N": "12345678901234567890123456789012345679"})
        out = self.aws("dynamodb", "get-item", "--table-name", "cliitems",
                       "--key", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1"}}))
        self.assertIsNone(out)
        self.aws_fails("dynamodb", "get-item", "--table-name", "nosuchtable", "--key", json.dumps({"pk": {"S": "a"}}),
                       code="ResourceNotFoundException", op="GetItem", message="Requested resource not found")
        self.aws_fails("dynamodb", "get-item", "--table-name", "cliitems", "--key", json.dumps({"pk": {"S": "a"}}),
                       code="ValidationException", op="GetItem",
                       message="The provided key element does not match the schema")

    def test_query_and_scan_with_cli_pagination(self):
        self.cli_create("cliq")
        requests = [{"PutRequest": {"Item": {"pk": {"S": "p" if i < 12 else "q"}, "sk": {"N": str(i)},
                                             "odd": {"BOOL": i % 2 == 1}}}} for i in range(20)]
        path = os.path.join(self.server.tmp, "batch.json")
        with open(path, "w") as f:
            json.dump({"cliq": requests}, f)
        out = self.aws("dynamodb", "batch-write-item", "--request-items", "file://" + path)
        self.assertEqual(out["UnprocessedItems"], {})
        out = self.aws("dynamodb", "query", "--table-name", "cliq", "--key-condition-expression", "pk = :p",
                       "--expression-attribute-values", json.dumps({":p": {"S": "p"}}))
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], list(range(12)))
        self.assertEqual(out["Count"], 12)
        # --page-size makes the CLI follow LastEvaluatedKey itself
        out = self.aws("dynamodb", "query", "--table-name", "cliq", "--key-condition-expression",
                       "pk = :p AND sk BETWEEN :a AND :b", "--expression-attribute-values",
                       json.dumps({":p": {"S": "p"}, ":a": {"N": "2"}, ":b": {"N": "9"}}),
                       "--page-size", "3", "--no-scan-index-forward")
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], list(range(9, 1, -1)))
        self.assertEqual(out["Count"], 8)
        out = self.aws("dynamodb", "query", "--table-name", "cliq", "--key-condition-expression", "pk = :p",
                       "--expression-attribute-values", json.dumps({":p": {"S": "p"}}), "--max-items", "5")
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], list(range(5)))
        self.assertIn("NextToken", out)
        out2 = self.aws("dynamodb", "query", "--table-name", "cliq", "--key-condition-expression", "pk = :p",
                        "--expression-attribute-values", json.dumps({":p": {"S": "p"}}), "--max-items", "5",
                        "--starting-token", out["NextToken"])
        self.assertEqual([int(i["sk"]["N"]) for i in out2["Items"]], list(range(5, 10)))
        out = self.aws("dynamodb", "scan", "--table-name", "cliq", "--page-size", "4")
        self.assertEqual(out["Count"], 20)
        self.assertEqual(sorted(int(i["sk"]["N"]) for i in out["Items"]), list(range(20)))
        out = self.aws("dynamodb", "scan", "--table-name", "cliq", "--filter-expression", "odd = :t",
                       "--expression-attribute-values", json.dumps({":t": {"BOOL": True}}))
        self.assertEqual(sorted(int(i["sk"]["N"]) for i in out["Items"]), list(range(1, 20, 2)))
        self.assertEqual((out["Count"], out["ScannedCount"]), (10, 20))
        out = self.aws("dynamodb", "scan", "--table-name", "cliq", "--select", "COUNT")
        self.assertEqual(out["Count"], 20)
        self.assertNotIn("Items", out)
        seen = []
        for seg in range(3):
            out = self.aws("dynamodb", "scan", "--table-name", "cliq", "--segment", str(seg), "--total-segments", "3")
            seen.extend(int(i["sk"]["N"]) for i in out["Items"])
        self.assertEqual(sorted(seen), list(range(20)))
        self.aws_fails("dynamodb", "query", "--table-name", "cliq", "--key-condition-expression", "sk = :s",
                       "--expression-attribute-values", json.dumps({":s": {"N": "1"}}),
                       code="ValidationException", op="Query", message="Query condition missed key schema element: pk")

    def test_streams(self):
        out = self.cli_create("clistr", "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
        arn = out["TableDescription"]["LatestStreamArn"]
        self.put_cli("clistr", {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "one"}})
        self.put_cli("clistr", {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "two"}})
        self.put_cli("clistr", {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "two"}})  # identical: no record
        self.aws("dynamodb", "delete-item", "--table-name", "clistr",
                 "--key", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1"}}))
        out = self.aws("dynamodbstreams", "list-streams", "--table-name", "clistr")
        self.assertEqual([(s["StreamArn"], s["TableName"]) for s in out["Streams"]], [(arn, "clistr")])
        d = self.aws("dynamodbstreams", "describe-stream", "--stream-arn", arn)["StreamDescription"]
        self.assertEqual((d["StreamStatus"], d["StreamViewType"], d["TableName"]),
                         ("ENABLED", "NEW_AND_OLD_IMAGES", "clistr"))
        self.assertEqual(len(d["Shards"]), 1)
        shard = d["Shards"][0]["ShardId"]
        it = self.aws("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
                      "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
        out = self.aws("dynamodbstreams", "get-records", "--shard-iterator", it)
        recs = out["Records"]
        self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"])
        self.assertEqual(recs[0]["dynamodb"]["Keys"], {"pk": {"S": "a"}, "sk": {"N": "1"}})
        self.assertEqual(recs[0]["dynamodb"]["NewImage"]["v"], {"S": "one"})
        self.assertEqual(recs[1]["dynamodb"]["OldImage"]["v"], {"S": "one"})
        self.assertEqual(recs[1]["dynamodb"]["NewImage"]["v"], {"S": "two"})
        self.assertEqual(recs[2]["dynamodb"]["OldImage"]["v"], {"S": "two"})
        self.assertNotIn("NewImage", recs[2]["dynamodb"])
        for r in recs:
            self.assertEqual((r["eventVersion"], r["eventSource"], r["awsRegion"]), ("1.1", "aws:dynamodb", "us-east-1"))
            self.assertRegex(r["dynamodb"]["SequenceNumber"], r"^\d{21,40}$")
        self.assertIn("NextShardIterator", out)
        seq = recs[1]["dynamodb"]["SequenceNumber"]
        it = self.aws("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
                      "--shard-iterator-type", "AFTER_SEQUENCE_NUMBER", "--sequence-number", seq)["ShardIterator"]
        out = self.aws("dynamodbstreams", "get-records", "--shard-iterator", it, "--limit", "1")
        self.assertEqual([r["eventName"] for r in out["Records"]], ["REMOVE"])
        bogus = T.TABLE_ARN + "clistr/stream/2001-01-01T00:00:00.000"
        self.aws_fails("dynamodbstreams", "describe-stream", "--stream-arn", bogus, code="ResourceNotFoundException",
                       op="DescribeStream", message="Requested resource not found: Stream: %s not found" % bogus)
        self.aws_fails("dynamodbstreams", "get-records", "--shard-iterator", it, "--limit", "1001",
                       code="ValidationException", op="GetRecords",
                       message="1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
                               "Member must have value less than or equal to 1000")


if __name__ == "__main__":
    harness.main()
