#!/usr/bin/env python3
"""Writes the seed corpus and dictionary of tests/fuzz/fuzz_router.c.

One seed per operation of every service sluice serves (DynamoDB, DynamoDB
Streams, Lambda's REST routes, CloudWatch Logs, CloudWatch JSON and query,
SQS JSON and query, IAM, S3, SSM, the admin API), each a short request script
in the target's format that
first creates what the operation needs (a table with a stream, a function,
a log group), so the fuzzer starts inside every handler.

Run: python3 tools/fuzz_router_seeds.py  (rewrites tests/fuzz/router_corpus/
and tests/fuzz/router.dict)
"""

import base64
import io
import json
import os
import shutil
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "router_corpus")
DICT = os.path.join(ROOT, "tests", "fuzz", "router.dict")
SEP = "\n--next--\n"

ACCT, REGION = "000000000000", "us-east-1"
TABLE = "tb1"
TABLE_ARN = "arn:aws:dynamodb:%s:%s:table/%s" % (REGION, ACCT, TABLE)
STREAM_ARN = "@LatestStreamArn@"
ROLE = "arn:aws:iam::%s:role/r" % ACCT


def zip_b64():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # A fixed date, so the corpus is the same on every run.
        z.writestr(zipfile.ZipInfo("index.py", date_time=(2026, 1, 1, 0, 0, 0)),
                   "def handler(e, c):\n    return e\n")
    return base64.b64encode(buf.getvalue()).decode()


def json_req(target, body, proto="1.0"):
    return "POST /\nX-Amz-Target: %s\nContent-Type: application/x-amz-json-%s\n\n%s" % (
        target, proto, json.dumps(body, separators=(",", ":")))


def ddb(op, body):
    return json_req("DynamoDB_20120810." + op, body)


def ddbs(op, body):
    return json_req("DynamoDBStreams_20120810." + op, body)


def logs(op, body):
    return json_req("Logs_20140328." + op, body, "1.1")


def cw(op, body):
    return json_req("GraniteServiceVersion20100801." + op, body)


def rest(method, path, body=None, headers=()):
    head = "%s %s\n" % (method, path)
    for h in headers:
        head += h + "\n"
    if body is not None:
        head += "Content-Type: application/json\n"
    return head + "\n" + ("" if body is None else json.dumps(body, separators=(",", ":")))


CREATE_TABLE = ddb("CreateTable", {
    "TableName": TABLE,
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"},
                             {"AttributeName": "g", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
})
ITEM = {"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}, "n": {"N": "5"},
        "l": {"L": [{"S": "e"}, {"M": {"k": {"BOOL": True}}}]}, "ss": {"SS": ["p", "q"]},
        "b": {"B": "AQID"}, "z": {"NULL": True}}
KEY = {"pk": {"S": "a"}, "sk": {"N": "1"}}
PUT = ddb("PutItem", {"TableName": TABLE, "Item": ITEM})

DDB_SEEDS = {
    "CreateTable": [CREATE_TABLE],
    "DescribeTable": [CREATE_TABLE, ddb("DescribeTable", {"TableName": TABLE})],
    "ListTables": [CREATE_TABLE, ddb("ListTables", {"Limit": 5})],
    "DeleteTable": [CREATE_TABLE, ddb("DeleteTable", {"TableName": TABLE})],
    "UpdateTable": [CREATE_TABLE, ddb("UpdateTable", {"TableName": TABLE,
                                                     "StreamSpecification": {"StreamEnabled": False}})],
    "GsiUpdates": [CREATE_TABLE, PUT,
                   ddb("UpdateTable", {"TableName": TABLE,
                                       "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
                                       "GlobalSecondaryIndexUpdates": [{"Create": {
                                           "IndexName": "gix", "KeySchema": [{"AttributeName": "g",
                                                                              "KeyType": "HASH"}],
                                           "Projection": {"ProjectionType": "INCLUDE",
                                                          "NonKeyAttributes": ["n"]}}}]}),
                   ddb("UpdateTable", {"TableName": TABLE, "GlobalSecondaryIndexUpdates": [
                       {"Update": {"IndexName": "gix", "OnDemandThroughput": {"MaxReadRequestUnits": 5}}}]}),
                   ddb("UpdateTable", {"TableName": TABLE, "GlobalSecondaryIndexUpdates": [
                       {"Delete": {"IndexName": "gix"}}]})],
    "DescribeEndpoints": [ddb("DescribeEndpoints", {})],
    "DescribeLimits": [ddb("DescribeLimits", {})],
    "DescribeTimeToLive": [CREATE_TABLE, ddb("DescribeTimeToLive", {"TableName": TABLE})],
    "UpdateTimeToLive": [CREATE_TABLE, ddb("UpdateTimeToLive", {"TableName": TABLE,
                         "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "n"}})],
    "TagResource": [CREATE_TABLE, ddb("TagResource", {"ResourceArn": TABLE_ARN,
                                                     "Tags": [{"Key": "k", "Value": "v"}]})],
    "UntagResource": [CREATE_TABLE, ddb("UntagResource", {"ResourceArn": TABLE_ARN, "TagKeys": ["k"]})],
    "ListTagsOfResource": [CREATE_TABLE, ddb("ListTagsOfResource", {"ResourceArn": TABLE_ARN})],
    "PutItem": [CREATE_TABLE, ddb("PutItem", {"TableName": TABLE, "Item": ITEM,
                                             "ConditionExpression": "attribute_not_exists(pk)",
                                             "ReturnValues": "ALL_OLD"})],
    "GetItem": [CREATE_TABLE, PUT, ddb("GetItem", {"TableName": TABLE, "Key": KEY,
                                                  "ProjectionExpression": "#n, l[1].k",
                                                  "ExpressionAttributeNames": {"#n": "n"}})],
    "UpdateItem": [CREATE_TABLE, PUT, ddb("UpdateItem", {
        "TableName": TABLE, "Key": KEY,
        "UpdateExpression": "SET n = n + :d, l = list_append(l, :l) REMOVE z ADD ss :s",
        "ConditionExpression": "size(l) < :m AND begins_with(g, :g)",
        "ExpressionAttributeValues": {":d": {"N": "2"}, ":l": {"L": [{"N": "9"}]}, ":s": {"SS": ["r"]},
                                      ":m": {"N": "10"}, ":g": {"S": "x"}},
        "ReturnValues": "UPDATED_NEW"})],
    "DeleteItem": [CREATE_TABLE, PUT, ddb("DeleteItem", {"TableName": TABLE, "Key": KEY,
                                                        "ReturnValues": "ALL_OLD"})],
    "Query": [CREATE_TABLE, PUT, ddb("Query", {"TableName": TABLE,
              "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
              "FilterExpression": "contains(ss, :s) OR attribute_type(n, :t)",
              "ExpressionAttributeValues": {":p": {"S": "a"}, ":a": {"N": "0"}, ":b": {"N": "9"},
                                            ":s": {"S": "p"}, ":t": {"S": "N"}},
              "ScanIndexForward": False, "Limit": 2})],
    "Query-index": [CREATE_TABLE, PUT, ddb("Query", {"TableName": TABLE, "IndexName": "gsi1",
                    "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "x"}},
                    "Select": "COUNT"})],
    "Scan": [CREATE_TABLE, PUT, ddb("Scan", {"TableName": TABLE, "Segment": 0, "TotalSegments": 2,
                                            "FilterExpression": "n > :z",
                                            "ExpressionAttributeValues": {":z": {"N": "1"}}})],
    "BatchWriteItem": [CREATE_TABLE, ddb("BatchWriteItem", {"RequestItems": {TABLE: [
        {"PutRequest": {"Item": ITEM}}, {"DeleteRequest": {"Key": {"pk": {"S": "b"}, "sk": {"N": "2"}}}}]}})],
    "BatchGetItem": [CREATE_TABLE, PUT, ddb("BatchGetItem", {"RequestItems": {TABLE: {"Keys": [KEY]}}})],
    "TransactWriteItems": [CREATE_TABLE, ddb("TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": ITEM}},
        {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "c"}, "sk": {"N": "3"}},
                    "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "w"}}}},
        {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": {"S": "d"}, "sk": {"N": "4"}},
                            "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "e"}, "sk": {"N": "5"}}}}],
        "ClientRequestToken": "tok"})],
    "TransactGetItems": [CREATE_TABLE, PUT, ddb("TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": TABLE, "Key": KEY}}]})],
    "DescribeContinuousBackups": [CREATE_TABLE, ddb("DescribeContinuousBackups", {"TableName": TABLE_ARN})],
    "UpdateContinuousBackups": [CREATE_TABLE, ddb("UpdateContinuousBackups", {"TableName": TABLE,
                                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True,
                                                                     "RecoveryPeriodInDays": 7}}),
                                ddb("DescribeContinuousBackups", {"TableName": TABLE})],
    "DescribeKinesisStreamingDestination": [CREATE_TABLE, ddb("DescribeKinesisStreamingDestination",
                                                              {"TableName": TABLE})],
    "DeletionProtection": [CREATE_TABLE, ddb("UpdateTable", {"TableName": TABLE_ARN,
                                                            "DeletionProtectionEnabled": True}),
                           ddb("DeleteTable", {"TableName": TABLE})],
    "ConsumedCapacity": [CREATE_TABLE, PUT, ddb("GetItem", {"TableName": TABLE, "Key": KEY,
                                                           "ReturnConsumedCapacity": "INDEXES"}),
                         ddb("Query", {"TableName": TABLE, "KeyConditionExpression": "pk = :p",
                                       "ExpressionAttributeValues": {":p": {"S": "a"}},
                                       "ReturnConsumedCapacity": "TOTAL"})],
    "ListStreams": [CREATE_TABLE, ddbs("ListStreams", {"TableName": TABLE})],
    "DescribeStream": [CREATE_TABLE, PUT, ddbs("DescribeStream", {"StreamArn": STREAM_ARN})],
    "GetShardIterator": [CREATE_TABLE, PUT, ddbs("DescribeStream", {"StreamArn": STREAM_ARN}),
                         ddbs("GetShardIterator", {"StreamArn": STREAM_ARN, "ShardId": "@ShardId@",
                                                   "ShardIteratorType": "TRIM_HORIZON"})],
    "GetRecords": [CREATE_TABLE, PUT, ddb("DeleteItem", {"TableName": TABLE, "Key": KEY}),
                   ddbs("DescribeStream", {"StreamArn": STREAM_ARN}),
                   ddbs("GetShardIterator", {"StreamArn": STREAM_ARN, "ShardId": "@ShardId@",
                                             "ShardIteratorType": "TRIM_HORIZON"}),
                   ddbs("GetRecords", {"ShardIterator": "@ShardIterator@", "Limit": 10}),
                   ddbs("GetRecords", {"ShardIterator": "@NextShardIterator@"})],
}

FN = "f1"
CREATE_FN = rest("POST", "/2015-03-31/functions", {
    "FunctionName": FN, "Runtime": "python3.12", "Role": ROLE, "Handler": "index.handler",
    "Code": {"ZipFile": zip_b64()}, "Description": "d", "Timeout": 3, "MemorySize": 128,
    "Environment": {"Variables": {"K": "V"}}, "Tags": {"t": "v"}, "Publish": True,
    "Architectures": ["x86_64"], "LoggingConfig": {"LogFormat": "JSON"}})
F = "/2015-03-31/functions/" + FN
CREATE_ESM = rest("POST", "/2015-03-31/event-source-mappings", {
    "EventSourceArn": STREAM_ARN, "FunctionName": FN, "StartingPosition": "TRIM_HORIZON", "BatchSize": 10,
    "MaximumRetryAttempts": 2, "BisectBatchOnFunctionError": True,
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
    "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}},
    "FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\":[\"INSERT\"]}"}]}})
LAMBDA_SEEDS = {
    "CreateFunction": [CREATE_FN],
    "ListFunctions": [CREATE_FN, rest("GET", "/2015-03-31/functions?MaxItems=1&FunctionVersion=ALL")],
    "GetFunction": [CREATE_FN, rest("GET", F + "?Qualifier=1")],
    "DeleteFunction": [CREATE_FN, rest("DELETE", F)],
    "GetFunctionConfiguration": [CREATE_FN, rest("GET", F + "/configuration")],
    "UpdateFunctionConfiguration": [CREATE_FN, rest("PUT", F + "/configuration",
                                                    {"Timeout": 5, "Description": "e",
                                                     "Environment": {"Variables": {"A": "b"}}})],
    "UpdateFunctionCode": [CREATE_FN, rest("PUT", F + "/code", {"ZipFile": zip_b64(), "Publish": True})],
    "PublishVersion": [CREATE_FN, rest("POST", F + "/versions", {"Description": "v"})],
    "ListVersionsByFunction": [CREATE_FN, rest("GET", F + "/versions")],
    "CreateAlias": [CREATE_FN, rest("POST", F + "/aliases", {"Name": "live", "FunctionVersion": "1",
                                                             "Description": "a"})],
    "CreateAlias-weights": [CREATE_FN, rest("PUT", F + "/configuration", {"Description": "v2"}),
                            rest("POST", F + "/versions", {}),
                            rest("POST", F + "/aliases", {"Name": "live", "FunctionVersion": "1",
                                 "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.5}}})],
    "ListAliases": [CREATE_FN, rest("GET", F + "/aliases")],
    "GetAlias": [CREATE_FN, rest("POST", F + "/aliases", {"Name": "live", "FunctionVersion": "1"}),
                 rest("GET", F + "/aliases/live")],
    "UpdateAlias": [CREATE_FN, rest("POST", F + "/aliases", {"Name": "live", "FunctionVersion": "1"}),
                    rest("PUT", F + "/aliases/live", {"FunctionVersion": "$LATEST"})],
    "DeleteAlias": [CREATE_FN, rest("POST", F + "/aliases", {"Name": "live", "FunctionVersion": "1"}),
                    rest("DELETE", F + "/aliases/live")],
    "AddPermission": [CREATE_FN, rest("POST", F + "/policy", {"StatementId": "s", "Action": "lambda:InvokeFunction",
                                                              "Principal": "s3.amazonaws.com"})],
    "GetPolicy": [CREATE_FN, rest("GET", F + "/policy")],
    "RemovePermission": [CREATE_FN, rest("POST", F + "/policy", {"StatementId": "s",
                                                                 "Action": "lambda:InvokeFunction",
                                                                 "Principal": "sns.amazonaws.com"}),
                         rest("DELETE", F + "/policy/s")],
    "PutFunctionConcurrency": [CREATE_FN, rest("PUT", "/2017-10-31/functions/%s/concurrency" % FN,
                                               {"ReservedConcurrentExecutions": 5})],
    "DeleteFunctionConcurrency": [CREATE_FN, rest("DELETE", "/2017-10-31/functions/%s/concurrency" % FN)],
    "GetFunctionConcurrency": [CREATE_FN, rest("GET", "/2019-09-30/functions/%s/concurrency" % FN)],
    "PutProvisionedConcurrencyConfig": [CREATE_FN, rest("PUT", "/2019-09-30/functions/%s/provisioned-concurrency?Qualifier=1" % FN,
                                                        {"ProvisionedConcurrentExecutions": 1})],
    "GetProvisionedConcurrencyConfig": [CREATE_FN, rest("GET", "/2019-09-30/functions/%s/provisioned-concurrency?Qualifier=1" % FN)],
    "ListProvisionedConcurrencyConfigs": [CREATE_FN, rest("GET", "/2019-09-30/functions/%s/provisioned-concurrency?List=ALL" % FN)],
    "DeleteProvisionedConcurrencyConfig": [CREATE_FN, rest("DELETE", "/2019-09-30/functions/%s/provisioned-concurrency?Qualifier=1" % FN)],
    "GetAccountSettings": [rest("GET", "/2016-08-19/account-settings")],
    "Invoke": [CREATE_FN, rest("POST", F + "/invocations", {"k": "v"},
                               ["X-Amz-Invocation-Type: RequestResponse", "X-Amz-Log-Type: Tail",
                                "X-Amz-Client-Context: eyJjdXN0b20iOnt9fQ=="])],
    "Invoke-event": [CREATE_FN, rest("POST", F + "/invocations?Qualifier=%24LATEST", [1, 2],
                                     ["X-Amz-Invocation-Type: Event"])],
    "Invoke-dryrun": [CREATE_FN, rest("POST", F + ":1/invocations", {}, ["X-Amz-Invocation-Type: DryRun"])],
    "PutFunctionEventInvokeConfig": [CREATE_FN, rest("PUT", "/2019-09-25/functions/%s/event-invoke-config" % FN,
                                                     {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60,
                                                      "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}}})],
    "UpdateFunctionEventInvokeConfig": [CREATE_FN, rest("POST", "/2019-09-25/functions/%s/event-invoke-config" % FN,
                                                        {"MaximumRetryAttempts": 0})],
    "GetFunctionEventInvokeConfig": [CREATE_FN, rest("GET", "/2019-09-25/functions/%s/event-invoke-config" % FN)],
    "DeleteFunctionEventInvokeConfig": [CREATE_FN, rest("DELETE", "/2019-09-25/functions/%s/event-invoke-config" % FN)],
    "ListFunctionEventInvokeConfigs": [CREATE_FN, rest("GET", "/2019-09-25/functions/%s/event-invoke-config/list" % FN)],
    "TagResource": [CREATE_FN, rest("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af1",
                                    {"Tags": {"a": "b"}})],
    "ListTags": [CREATE_FN, rest("GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af1")],
    "UntagResource": [CREATE_FN, rest("DELETE", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af1?tagKeys=a")],
    "GetFunctionCodeSigningConfig": [CREATE_FN, rest("GET", "/2020-06-30/functions/%s/code-signing-config" % FN)],
    "PutFunctionCodeSigningConfig": [CREATE_FN, rest("PUT", "/2020-06-30/functions/%s/code-signing-config" % FN,
                                     {"CodeSigningConfigArn": "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0"})],
    "DeleteFunctionCodeSigningConfig": [CREATE_FN, rest("DELETE", "/2020-06-30/functions/%s/code-signing-config" % FN)],
    "TagResource-esm": [CREATE_TABLE, CREATE_FN, CREATE_ESM,
                        rest("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Aevent-source-mapping%3A@UUID@",
                             {"Tags": {"a": "b"}}),
                        rest("GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Aevent-source-mapping%3A@UUID@")],
    "CreateEventSourceMapping": [CREATE_TABLE, CREATE_FN, CREATE_ESM],
    "ListEventSourceMappings": [CREATE_TABLE, CREATE_FN, CREATE_ESM,
                                rest("GET", "/2015-03-31/event-source-mappings?FunctionName=f1")],
    "GetEventSourceMapping": [CREATE_TABLE, CREATE_FN, CREATE_ESM,
                              rest("GET", "/2015-03-31/event-source-mappings/@UUID@")],
    "UpdateEventSourceMapping": [CREATE_TABLE, CREATE_FN, CREATE_ESM,
                                 rest("PUT", "/2015-03-31/event-source-mappings/@UUID@",
                                      {"Enabled": False, "BatchSize": 5, "FunctionName": FN + ":1"})],
    "DeleteEventSourceMapping": [CREATE_TABLE, CREATE_FN, CREATE_ESM,
                                 rest("DELETE", "/2015-03-31/event-source-mappings/@UUID@")],
}

GROUP = "/aws/lambda/f1"
CREATE_GROUP = logs("CreateLogGroup", {"logGroupName": GROUP})
CREATE_STREAM = logs("CreateLogStream", {"logGroupName": GROUP, "logStreamName": "s"})
PUT_EVENTS = logs("PutLogEvents", {"logGroupName": GROUP, "logStreamName": "s",
                                   "logEvents": [{"timestamp": 1767225600000, "message": "hello ERROR"}]})
LOGS_SEEDS = {
    "CreateLogGroup": [CREATE_GROUP, logs("CreateLogGroup", {})],
    "CreateLogStream": [CREATE_GROUP, CREATE_STREAM],
    "DeleteLogGroup": [CREATE_GROUP, logs("DeleteLogGroup", {"logGroupName": GROUP})],
    "DescribeLogGroups": [CREATE_GROUP, logs("DescribeLogGroups", {"logGroupNamePrefix": "/aws", "limit": 5})],
    "DescribeLogStreams": [CREATE_GROUP, CREATE_STREAM, logs("DescribeLogStreams", {
        "logGroupName": GROUP, "orderBy": "LastEventTime", "descending": True})],
    "PutLogEvents": [CREATE_GROUP, CREATE_STREAM, PUT_EVENTS],
    "PutRetentionPolicy": [CREATE_GROUP, CREATE_STREAM, PUT_EVENTS,
                           logs("PutRetentionPolicy", {"logGroupName": GROUP, "retentionInDays": 1}),
                           rest("POST", "/_sluice/clock", {"advance_seconds": 172800}),
                           logs("DescribeLogGroups", {"logGroupNamePrefix": "/aws"})],
    "DeleteRetentionPolicy": [CREATE_GROUP, logs("DeleteRetentionPolicy", {"logGroupName": GROUP})],
    "TagResource": [CREATE_GROUP, logs("TagResource", {
        "resourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:" + GROUP, "tags": {"k": "v"}})],
    "UntagResource": [CREATE_GROUP, logs("UntagResource", {
        "resourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:" + GROUP, "tagKeys": ["k"]})],
    "ListTagsForResource": [CREATE_GROUP, logs("ListTagsForResource", {
        "resourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:" + GROUP})],
    "TagLogGroup": [CREATE_GROUP, logs("TagLogGroup", {"logGroupName": GROUP, "tags": {"k": "v"}})],
    "UntagLogGroup": [CREATE_GROUP, logs("UntagLogGroup", {"logGroupName": GROUP, "tags": ["k"]})],
    "ListTagsLogGroup": [CREATE_GROUP, logs("ListTagsLogGroup", {"logGroupName": GROUP})],
    "GetLogEvents": [CREATE_GROUP, CREATE_STREAM, PUT_EVENTS, logs("GetLogEvents", {
        "logGroupName": GROUP, "logStreamName": "s", "startFromHead": True, "limit": 10})],
    "FilterLogEvents": [CREATE_GROUP, CREATE_STREAM, PUT_EVENTS, logs("FilterLogEvents", {
        "logGroupName": GROUP, "filterPattern": "ERROR", "logStreamNames": ["s"]})],
}

METRIC = {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
          "Dimensions": [{"Name": "FunctionName", "Value": FN}]}
CW_SEEDS = {
    "GetMetricData": [cw("GetMetricData", {"MetricDataQueries": [{"Id": "m1", "MetricStat": {
        "Metric": METRIC, "Period": 60, "Stat": "Sum"}}], "StartTime": 1767225600, "EndTime": 1767229200})],
    "GetMetricStatistics": [cw("GetMetricStatistics", dict(METRIC, StartTime=1767225600, EndTime=1767229200,
                                                            Period=60, Statistics=["Sum", "Maximum"]))],
    "ListMetrics": [cw("ListMetrics", {"Namespace": "AWS/Lambda"})],
    "query-GetMetricStatistics": [
        "POST /\nContent-Type: application/x-www-form-urlencoded\n\n"
        "Action=GetMetricStatistics&Version=2010-08-01&Namespace=AWS%2FLambda&MetricName=Errors"
        "&Dimensions.member.1.Name=FunctionName&Dimensions.member.1.Value=f1"
        "&StartTime=2026-01-01T00%3A00%3A00Z&EndTime=2026-01-01T01%3A00%3A00Z&Period=60"
        "&Statistics.member.1=Sum"],
    "query-ListMetrics": ["GET /?Action=ListMetrics&Version=2010-08-01&Namespace=AWS%2FLambda\n\n"],
    "query-GetMetricData": [
        "POST /\nContent-Type: application/x-www-form-urlencoded\n\n"
        "Action=GetMetricData&Version=2010-08-01&MetricDataQueries.member.1.Id=m"
        "&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS%2FLambda"
        "&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Duration"
        "&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Average"
        "&StartTime=2026-01-01T00%3A00%3A00Z&EndTime=2026-01-01T01%3A00%3A00Z"],
}

def sqs(op, body):
    return json_req("AmazonSQS." + op, body)


def sqs_raw(op, text):
    """An SQS JSON request whose body TEXT is sent as written (numbers
    json.dumps cannot write, such as 1e400)."""
    return "POST /\nX-Amz-Target: AmazonSQS.%s\nContent-Type: application/x-amz-json-1.0\n\n%s" % (op, text)


def sqs_form(params, path="/"):
    return "POST %s\nContent-Type: application/x-www-form-urlencoded\n\nVersion=2012-11-05&%s" % (path, params)


QURL = "http://localhost/%s/q1" % ACCT
CREATE_QUEUE = sqs("CreateQueue", {"QueueName": "q1", "Attributes": {"VisibilityTimeout": "0"}, "tags": {"k": "v"}})
SEND = sqs("SendMessage", {"QueueUrl": QURL, "MessageBody": "hi", "MessageAttributes": {
    "a": {"DataType": "String", "StringValue": "x"}, "b": {"DataType": "Binary", "BinaryValue": "AAE="}}})
RECEIVE = sqs("ReceiveMessage", {"QueueUrl": QURL, "MaxNumberOfMessages": 10, "AttributeNames": ["All"],
                                 "MessageAttributeNames": ["All"]})
SQS_SEEDS = {
    "CreateQueue": [CREATE_QUEUE, CREATE_QUEUE, sqs("CreateQueue", {
        "QueueName": "f.fifo", "Attributes": {"FifoQueue": "true", "ContentBasedDeduplication": "true"}})],
    "GetQueueUrl": [CREATE_QUEUE, sqs("GetQueueUrl", {"QueueName": "q1"})],
    "ListQueues": [CREATE_QUEUE, sqs("ListQueues", {"QueueNamePrefix": "q", "MaxResults": 1})],
    "DeleteQueue": [CREATE_QUEUE, sqs("DeleteQueue", {"QueueUrl": QURL})],
    "SendMessage": [CREATE_QUEUE, SEND],
    "SendMessageBatch": [CREATE_QUEUE, sqs("SendMessageBatch", {"QueueUrl": QURL, "Entries": [
        {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2", "DelaySeconds": 5}]})],
    "ReceiveMessage": [CREATE_QUEUE, SEND, RECEIVE],
    "DeleteMessage": [CREATE_QUEUE, SEND, sqs("DeleteMessage", {"QueueUrl": QURL, "ReceiptHandle": "x"})],
    "DeleteMessageBatch": [CREATE_QUEUE, sqs("DeleteMessageBatch", {"QueueUrl": QURL, "Entries": [
        {"Id": "a", "ReceiptHandle": "x"}]})],
    "ChangeMessageVisibility": [CREATE_QUEUE, sqs("ChangeMessageVisibility", {
        "QueueUrl": QURL, "ReceiptHandle": "x", "VisibilityTimeout": 5})],
    "ChangeMessageVisibilityBatch": [CREATE_QUEUE, sqs("ChangeMessageVisibilityBatch", {
        "QueueUrl": QURL, "Entries": [{"Id": "a", "ReceiptHandle": "x", "VisibilityTimeout": 5}]})],
    "GetQueueAttributes": [CREATE_QUEUE, sqs("GetQueueAttributes", {"QueueUrl": QURL, "AttributeNames": ["All"]})],
    "SetQueueAttributes": [CREATE_QUEUE, sqs("SetQueueAttributes", {"QueueUrl": QURL, "Attributes": {
        "RedrivePolicy": '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:q1","maxReceiveCount":1}'}})],
    "PurgeQueue": [CREATE_QUEUE, SEND, sqs("PurgeQueue", {"QueueUrl": QURL})],
    "TagQueue": [CREATE_QUEUE, sqs("TagQueue", {"QueueUrl": QURL, "Tags": {"a": "b"}})],
    "UntagQueue": [CREATE_QUEUE, sqs("UntagQueue", {"QueueUrl": QURL, "TagKeys": ["k"]})],
    "ListQueueTags": [CREATE_QUEUE, sqs("ListQueueTags", {"QueueUrl": QURL})],
    "query-CreateQueue": [sqs_form("Action=CreateQueue&QueueName=q1&Attribute.1.Name=DelaySeconds"
                                   "&Attribute.1.Value=0&Tag.1.Key=k&Tag.1.Value=v")],
    "query-SendMessageBatch": [CREATE_QUEUE, sqs_form(
        "Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x"
        "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n"
        "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String"
        "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v", "/%s/q1" % ACCT)],
    "query-ReceiveMessage": [CREATE_QUEUE, SEND, sqs_form(
        "Action=ReceiveMessage&AttributeName.1=All&MessageAttributeName.1=All&MaxNumberOfMessages=5",
        "/%s/q1" % ACCT)],
}

# Seeds that are not one operation each (so not in the dictionary).
SQS_FLOWS = {
    # A received message's real receipt handle (captured from the reply).
    "receive-delete": [CREATE_QUEUE, SEND, RECEIVE, sqs("ChangeMessageVisibility", {
        "QueueUrl": QURL, "ReceiptHandle": "@ReceiptHandle@", "VisibilityTimeout": 0}),
        sqs("DeleteMessageBatch", {"QueueUrl": QURL, "Entries": [{"Id": "a", "ReceiptHandle": "@ReceiptHandle@"}]}),
        sqs("CreateQueue", {"QueueName": "q2"}), sqs("ListQueues", {"MaxResults": 1}),
        sqs("ListQueues", {"MaxResults": 1, "NextToken": "@NextToken@"})],
    # Numbers beyond long long (cJSON reads 1e400 as infinity): once cast
    # straight to long long, undefined behaviour under UBSan.
    "hostile-numbers": [CREATE_QUEUE, SEND, sqs_raw(
        "SendMessage", '{"QueueUrl":"%s","MessageBody":"x","DelaySeconds":-1e300}' % QURL), sqs_raw(
        "ReceiveMessage", '{"QueueUrl":"%s","MaxNumberOfMessages":1e400,"WaitTimeSeconds":-1e400}' % QURL), sqs_raw(
        "ChangeMessageVisibilityBatch",
        '{"QueueUrl":"%s","Entries":[{"Id":"a","ReceiptHandle":"x","VisibilityTimeout":1e300}]}' % QURL), sqs_raw(
        "SetQueueAttributes", '{"QueueUrl":"%s","Attributes":{"RedrivePolicy":"{\\"deadLetterTargetArn\\":'
        '\\"arn:aws:sqs:us-east-1:000000000000:q1\\",\\"maxReceiveCount\\":1e400}"}}' % QURL)],
}


# IAM (query protocol, 2010-05-08): a role with a trust policy first; at
# most 8 requests a seed (FUZZ_MAX_REQUESTS).
IAM_FORM = "POST /\nContent-Type: application/x-www-form-urlencoded\n\nVersion=2010-05-08&"
IAM_DOC = ("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
           "%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com"
           "%22%7D%7D%5D%7D")
IAM_BASIC = "arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fservice-role%2FAWSLambdaBasicExecutionRole"
IAM_ROLE = IAM_FORM + "Action=CreateRole&RoleName=r1&Path=%2Fa%2F&AssumeRolePolicyDocument=" + IAM_DOC + \
    "&Tags.member.1.Key=k&Tags.member.1.Value=v"
IAM_POLICY = IAM_FORM + "Action=CreatePolicy&PolicyName=p1&PolicyDocument=" + IAM_DOC
IAM_PARN = "arn%3Aaws%3Aiam%3A%3A000000000000%3Apolicy%2Fp1"


def iam(query):
    return IAM_FORM + query


IAM_SEEDS = {
    "CreateRole": [IAM_ROLE],
    "GetRole": [IAM_ROLE, iam("Action=GetRole&RoleName=R1")],
    "ListRoles": [IAM_ROLE, iam("Action=ListRoles&PathPrefix=%2Fa%2F&MaxItems=1")],
    "UpdateRole": [IAM_ROLE, iam("Action=UpdateRole&RoleName=r1&Description=d&MaxSessionDuration=7200")],
    "UpdateAssumeRolePolicy": [IAM_ROLE, iam("Action=UpdateAssumeRolePolicy&RoleName=r1&PolicyDocument=" + IAM_DOC)],
    "RolePolicy": [IAM_ROLE, iam("Action=PutRolePolicy&RoleName=r1&PolicyName=p&PolicyDocument=" + IAM_DOC),
                   iam("Action=GetRolePolicy&RoleName=r1&PolicyName=p"),
                   iam("Action=ListRolePolicies&RoleName=r1"),
                   iam("Action=DeleteRolePolicy&RoleName=r1&PolicyName=p")],
    "Attach": [IAM_ROLE, iam("Action=AttachRolePolicy&RoleName=r1&PolicyArn=" + IAM_BASIC),
               iam("Action=ListAttachedRolePolicies&RoleName=r1"),
               iam("Action=DeleteRole&RoleName=r1"),
               iam("Action=DetachRolePolicy&RoleName=r1&PolicyArn=" + IAM_BASIC)],
    "Policy": [IAM_POLICY, iam("Action=GetPolicy&PolicyArn=" + IAM_PARN),
               iam("Action=CreatePolicyVersion&PolicyArn=" + IAM_PARN + "&SetAsDefault=true&PolicyDocument=" + IAM_DOC),
               iam("Action=ListPolicyVersions&PolicyArn=" + IAM_PARN),
               iam("Action=GetPolicyVersion&PolicyArn=" + IAM_PARN + "&VersionId=v1"),
               iam("Action=DeletePolicyVersion&PolicyArn=" + IAM_PARN + "&VersionId=v1"),
               iam("Action=ListPolicies&Scope=All&OnlyAttached=false"),
               iam("Action=DeletePolicy&PolicyArn=" + IAM_PARN)],
    "PolicyTags": [IAM_POLICY,
                   iam("Action=TagPolicy&PolicyArn=" + IAM_PARN + "&Tags.member.1.Key=a&Tags.member.1.Value=b"),
                   iam("Action=ListPolicyTags&PolicyArn=" + IAM_PARN),
                   iam("Action=UntagPolicy&PolicyArn=" + IAM_PARN + "&TagKeys.member.1=a"),
                   iam("Action=DeletePolicy&PolicyArn=" + IAM_PARN)],
    "Tags": [IAM_ROLE, iam("Action=TagRole&RoleName=r1&Tags.member.1.Key=a&Tags.member.1.Value=b"),
             iam("Action=UntagRole&RoleName=r1&TagKeys.member.1=k"), iam("Action=ListRoleTags&RoleName=r1"),
             iam("Action=ListInstanceProfilesForRole&RoleName=r1")],
}

ADMIN_SEEDS = {
    "health": [rest("GET", "/_sluice/health")],
    "reset": [CREATE_TABLE, rest("POST", "/_sluice/reset")],
    "clock": [rest("GET", "/_sluice/clock"), rest("POST", "/_sluice/clock", {"advance_seconds": 90000}),
              CREATE_TABLE],
    "metrics": [CREATE_FN, rest("GET", "/_sluice/metrics?function=f1")],
    "audit": [CREATE_TABLE, PUT, rest("GET", "/_sluice/streams/audit?stream_arn=" + STREAM_ARN)],
    "esm": [CREATE_TABLE, CREATE_FN, CREATE_ESM, rest("GET", "/_sluice/event-source-mappings/@UUID@")],
    "ui-state": [CREATE_TABLE, CREATE_FN, CREATE_ESM, PUT, rest("GET", "/_sluice/ui/state?minutes=5")],
    "ui-log": [CREATE_FN, rest("GET", "/_sluice/ui/log?group=/aws/lambda/f1&stream=s")],
    # Raw bytes (written as latin-1): one bad sequence, one good one.
    "utf8": [CREATE_TABLE,
             ddb("PutItem", {"TableName": TABLE, "Item": dict(KEY, v={"S": "BAD"})}).replace("BAD", "bad\xff\xfe"),
             ddb("PutItem", {"TableName": TABLE, "Item": dict(KEY, v={"S": "GOOD"})})
             .replace("GOOD", "\u00e9\u4e2d\U0001F600".encode("utf-8").decode("latin-1"))],
}


def raw(method, path, body="", headers=()):
    return "%s %s\n%s\n%s" % (method, path, "".join(h + "\n" for h in headers), body)


MKB = raw("PUT", "/bk1")
PUTO = raw("PUT", "/bk1/dir/k%20x", "hello", ["Content-Type: text/plain", "x-amz-meta-owner: me"])
CHUNKED = ("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n")
S3_SEEDS = {
    "CreateBucket": [MKB, raw("PUT", "/bk2", "<CreateBucketConfiguration><LocationConstraint>eu-west-1"
                                          "</LocationConstraint></CreateBucketConfiguration>")],
    "HeadBucket": [MKB, raw("HEAD", "/bk1")],
    "ListBuckets": [MKB, raw("GET", "/")],
    "DeleteBucket": [MKB, PUTO, raw("DELETE", "/bk1")],
    "GetBucketLocation": [MKB, raw("GET", "/bk1?location")],
    "BucketTagging": [MKB, raw("PUT", "/bk1?tagging", "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag>"
                                                    "</TagSet></Tagging>"), raw("GET", "/bk1?tagging")],
    "BucketVersioning": [MKB, raw("PUT", "/bk1?versioning", "<VersioningConfiguration><Status>Enabled</Status>"
                                                          "</VersioningConfiguration>"),
                         raw("GET", "/bk1?versioning")],
    "BucketPolicy": [MKB, raw("PUT", "/bk1?policy", '{"Version":"2012-10-17"}'), raw("GET", "/bk1?policy")],
    "PutObject": [MKB, PUTO, raw("GET", "/bk1/dir/k%20x", headers=["Range: bytes=1-3"])],
    "PutObjectChunked": [MKB, raw("PUT", "/bk1/c", CHUNKED, ["Content-Encoding: aws-chunked",
                                                             "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                                                             "x-amz-trailer: x-amz-checksum-crc32"])],
    "HeadObject": [MKB, PUTO, raw("HEAD", "/bk1/dir/k%20x", headers=["x-amz-checksum-mode: ENABLED"])],
    "ListObjectsV2": [MKB, PUTO, raw("GET", "/bk1?list-type=2&prefix=d&delimiter=/&max-keys=1&encoding-type=url")],
    "ListObjects": [MKB, PUTO, raw("GET", "/bk1?marker=a&max-keys=1")],
    "CopyObject": [MKB, PUTO, raw("PUT", "/bk1/copy", headers=["x-amz-copy-source: /bk1/dir/k%20x"])],
    "DeleteObjects": [MKB, PUTO, raw("POST", "/bk1?delete", "<Delete><Object><Key>dir/k x</Key></Object></Delete>")],
    "Multipart": [MKB, raw("POST", "/bk1/m?uploads"), raw("PUT", "/bk1/m?partNumber=1&uploadId=none", "p1"),
                  raw("GET", "/bk1/m?uploadId=none"),
                  raw("POST", "/bk1/m?uploadId=none", "<CompleteMultipartUpload><Part><PartNumber>1"
                                                          "</PartNumber><ETag>x</ETag></Part>"
                                                          "</CompleteMultipartUpload>")],
    "BucketConfig": [MKB, raw("PUT", "/bk1?cors", "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod>"
                                                "</CORSRule></CORSConfiguration>"), raw("GET", "/bk1?cors"),
                     raw("DELETE", "/bk1?publicAccessBlock"), raw("GET", "/bk1?publicAccessBlock"),
                     raw("GET", "/bk1?encryption"), raw("PUT", "/bk1?acl", headers=["x-amz-acl: public-read"]),
                     raw("GET", "/bk1?acl"), raw("GET", "/bk1?versions&key-marker=a&max-keys=1")],
    "ObjectTagging": [MKB, raw("PUT", "/bk1/t", "v", ["x-amz-tagging: a=1&b=%20"]), raw("GET", "/bk1/t?tagging"),
                      raw("PUT", "/bk1/t?tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>"
                                                   "</TagSet></Tagging>"), raw("DELETE", "/bk1/t?tagging"),
                      raw("GET", "/bk1/t?retention")],
    "VirtualHost": [raw("PUT", "/", headers=["Host: bk3.localhost:4566"]),
                    raw("PUT", "/k", "v", ["Host: bk3.s3.localhost"])],
}


# Seeds that are not one operation each (so not in the dictionary).
S3_FLOWS = {
    # A multipart upload by its real id (captured from the reply).
    "multipart-flow": [MKB, raw("POST", "/bk1/m?uploads"),
                       raw("PUT", "/bk1/m?partNumber=1&uploadId=@UploadId@", "p1"),
                       raw("GET", "/bk1/m?uploadId=@UploadId@&max-parts=1&part-number-marker=0"),
                       raw("GET", "/bk1?uploads&max-uploads=1"),
                       raw("POST", "/bk1/m?uploadId=@UploadId@", "<CompleteMultipartUpload><Part><PartNumber>1"
                                                                  "</PartNumber><ETag>x</ETag></Part>"
                                                                  "</CompleteMultipartUpload>"),
                       raw("DELETE", "/bk1/m?uploadId=@UploadId@")],
}


def ssm(op, body):
    return json_req("AmazonSSM." + op, body, "1.1")


PUT_PARAM = ssm("PutParameter", {"Name": "/app/p", "Value": "v1", "Type": "String"})
PUT_SECRET = ssm("PutParameter", {"Name": "/app/s", "Value": "pw", "Type": "SecureString"})
SSM_SEEDS = {
    "PutParameter": [PUT_PARAM, ssm("PutParameter", {"Name": "/app/p", "Value": "v2", "Overwrite": True,
                                                      "AllowedPattern": "^v\\d$", "Tier": "Intelligent-Tiering"})],
    "GetParameter": [PUT_PARAM, PUT_SECRET, ssm("GetParameter", {"Name": "/app/p:1"}),
                     ssm("GetParameter", {"Name": "arn:aws:ssm:us-east-1:000000000000:parameter/app/s",
                                          "WithDecryption": True})],
    "GetParameters": [PUT_PARAM, ssm("GetParameters", {"Names": ["/app/p", "/nope", "bad name"]})],
    "GetParametersByPath": [PUT_PARAM, PUT_SECRET, ssm("GetParametersByPath", {
        "Path": "/app", "Recursive": True, "MaxResults": 1,
        "ParameterFilters": [{"Key": "Type", "Values": ["String"]}]})],
    "DescribeParameters": [PUT_PARAM, ssm("DescribeParameters", {
        "ParameterFilters": [{"Key": "Name", "Option": "BeginsWith", "Values": ["/app"]},
                             {"Key": "tag:k", "Values": ["v"]}], "MaxResults": 1})],
    "GetParameterHistory": [PUT_PARAM, ssm("GetParameterHistory", {"Name": "/app/p", "MaxResults": 1})],
    "DeleteParameter": [PUT_PARAM, ssm("DeleteParameter", {"Name": "/app/p"})],
    "DeleteParameters": [PUT_PARAM, ssm("DeleteParameters", {"Names": ["/app/p", "/nope"]})],
    "LabelParameterVersion": [PUT_PARAM, ssm("LabelParameterVersion", {"Name": "/app/p", "Labels": ["prod"]}),
                              ssm("GetParameter", {"Name": "/app/p:prod"})],
    "UnlabelParameterVersion": [PUT_PARAM, ssm("UnlabelParameterVersion", {
        "Name": "/app/p", "ParameterVersion": 1, "Labels": ["prod"]})],
    "AddTagsToResource": [PUT_PARAM, ssm("AddTagsToResource", {
        "ResourceType": "Parameter", "ResourceId": "/app/p", "Tags": [{"Key": "k", "Value": "v"}]}),
        ssm("ListTagsForResource", {"ResourceType": "Parameter", "ResourceId": "/app/p"})],
    "RemoveTagsFromResource": [PUT_PARAM, ssm("RemoveTagsFromResource", {
        "ResourceType": "Parameter", "ResourceId": "app/p", "TagKeys": ["k"]})],
}


# CloudFormation (query protocol, 2010-05-15): stacks and change sets of an
# SSM parameter, JSON and YAML (the deployer does not run in the fuzzer:
# operations stay queued).
CFN_FORM = "POST /\nContent-Type: application/x-www-form-urlencoded\n\nVersion=2010-05-15&"
CFN_JSON = ("%7B%22Resources%22%3A%7B%22P%22%3A%7B%22Type%22%3A%22AWS%3A%3ASSM%3A%3AParameter%22%2C"
            "%22Properties%22%3A%7B%22Type%22%3A%22String%22%2C%22Value%22%3A%7B%22Ref%22%3A%22V%22%7D%7D%7D%7D%2C"
            "%22Parameters%22%3A%7B%22V%22%3A%7B%22Type%22%3A%22String%22%2C%22Default%22%3A%22x%22%7D%7D%7D")
CFN_YAML = "Resources%3A%0A%20%20M%3A%0A%20%20%20%20Type%3A%20AWS%3A%3ACDK%3A%3AMetadata%0A"


def cfn(query):
    return CFN_FORM + query


CFN_SEEDS = {
    "CreateStack": [cfn("Action=CreateStack&StackName=s1&TemplateBody=" + CFN_JSON +
                        "&Parameters.member.1.ParameterKey=V&Parameters.member.1.ParameterValue=y"
                        "&Tags.member.1.Key=k&Tags.member.1.Value=v"),
                    cfn("Action=DescribeStacks&StackName=s1"), cfn("Action=DescribeStackEvents&StackName=s1"),
                    cfn("Action=GetTemplate&StackName=s1"), cfn("Action=DeleteStack&StackName=s1")],
    "ChangeSet": [cfn("Action=CreateChangeSet&StackName=s2&ChangeSetName=c1&ChangeSetType=CREATE"
                      "&Parameters=&Tags=&Capabilities.member.1=CAPABILITY_IAM&TemplateBody=" + CFN_YAML),
                  cfn("Action=DescribeChangeSet&StackName=s2&ChangeSetName=c1"),
                  cfn("Action=ListChangeSets&StackName=s2"),
                  cfn("Action=ExecuteChangeSet&StackName=s2&ChangeSetName=c1"),
                  cfn("Action=DeleteChangeSet&StackName=s2&ChangeSetName=c1")],
    "ValidateTemplate": [cfn("Action=ValidateTemplate&TemplateBody=" + CFN_YAML),
                         cfn("Action=GetTemplateSummary&TemplateBody=" + CFN_JSON),
                         cfn("Action=ListStacks&StackStatusFilter.member.1=CREATE_COMPLETE"),
                         cfn("Action=ListExports")],
}


def dictionary():
    words = set()
    for table in (DDB_SEEDS, LAMBDA_SEEDS, LOGS_SEEDS, CW_SEEDS, SQS_SEEDS, S3_SEEDS, SSM_SEEDS):
        for name in table:
            words.add(name.split("-")[0])
    for op in DDB_SEEDS:
        words.add("DynamoDB_20120810." + op)
        words.add("DynamoDBStreams_20120810." + op)
    for op in LOGS_SEEDS:
        words.add("Logs_20140328." + op)
    for op in SQS_SEEDS:
        words.add("AmazonSQS." + op.replace("query-", ""))
        words.add("Action=" + op.replace("query-", ""))
    for op in SSM_SEEDS:
        words.add("AmazonSSM." + op)
    for op in CW_SEEDS:
        words.add("GraniteServiceVersion20100801." + op.replace("query-", ""))
        words.add("Action=" + op.replace("query-", ""))
    for op in IAM_SEEDS:
        words.add("Action=" + op)
    for op in CFN_SEEDS:
        words.add("Action=" + op)
    words.update(["Version=2010-05-15", "StackName=", "TemplateBody=", "ChangeSetName=", "ChangeSetType="])
    words.update(["Version=2010-05-08", "RoleName=", "PolicyArn=", "PolicyDocument=",
                  "AssumeRolePolicyDocument=", "Tags.member.1.Key=", "Marker=", "MaxItems="])
    words.update([
        "--next--", "X-Amz-Target: ", "@LatestStreamArn@", "@StreamArn@", "@UUID@",
        "@ShardIterator@", "@NextShardIterator@", "@ShardId@", "@RevisionId@", "@nextToken@", "Content-Type: ", "application/x-amz-json-1.0",
        "application/x-amz-json-1.1", "application/json", "application/x-www-form-urlencoded",
        "X-Amz-Invocation-Type: ", "X-Amz-Log-Type: ", "X-Amz-Client-Context: ",
        "GET ", "POST ", "PUT ", "DELETE ", "/2015-03-31/functions", "/2015-03-31/functions/",
        "/2015-03-31/event-source-mappings", "/2017-10-31/functions/", "/2019-09-30/functions/",
        "/2019-09-25/functions/", "/2017-03-31/tags/", "/2016-08-19/account-settings",
        "/configuration", "/code", "/versions", "/aliases", "/policy", "/concurrency",
        "/provisioned-concurrency", "/invocations", "/event-invoke-config", "/_sluice/",
        "/_sluice/ui/state", "/_sluice/ui/log?group=", "&stream=", "minutes=",
        "?Qualifier=", "$LATEST", ":live", "Version=2010-08-01", "Version=2012-11-05",
        "QueueUrl", "QueueName", "MessageBody", "ReceiptHandle", "MessageAttributes", "Entries",
        "TableName", "KeySchema", "AttributeDefinitions", "Item", "Key", "Keys", "RequestItems",
        "TransactItems", "ExpressionAttributeNames", "ExpressionAttributeValues",
        "UpdateExpression", "ConditionExpression", "KeyConditionExpression", "FilterExpression",
        "ProjectionExpression", "ReturnValues", "ExclusiveStartKey", "StreamArn", "ShardIterator",
        "FunctionName", "Runtime", "Handler", "Code", "ZipFile", "Environment", "Variables",
        "logGroupName", "logStreamName", "logEvents", "nextToken", "limit",
        "MetricDataQueries", "MetricStat", "Dimensions", "Statistics",
        '{"S":"', '{"N":"', '{"B":"', '{"SS":[', '{"NS":[', '{"L":[', '{"M":{', '{"BOOL":true}',
        '{"NULL":true}', "\\u0000", "\\ud800", "\\udc80", "\\u00e9", "\xff", "\xc0\x80",
        "\xed\xa0\x80", "\xf4\x90\x80\x80", "1e400", "-0", "9999999999999999999999",
        "HEAD ", "?list-type=2", "?uploads", "?uploadId=", "&partNumber=", "?delete", "?tagging",
        "?versioning", "?policy", "?location", "Range: bytes=", "x-amz-meta-", "x-amz-copy-source: ",
        "?cors", "?acl", "?versions", "?encryption", "?publicAccessBlock", "x-amz-tagging: ", "x-amz-acl: ",
        "Content-Encoding: aws-chunked", "x-amz-checksum-crc32: ", "x-amz-trailer: ", "Host: ",
        ".localhost", "<Part>", "<PartNumber>", "<Key>", "<Object>", "\r\n0\r\n",
    ])
    lines = []
    for w in sorted(words):
        esc = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c)
                      if ord(c) < 256 else c for c in w)
        lines.append('"%s"' % esc)
    return "\n".join(lines) + "\n"


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    os.makedirs(CORPUS)
    n = 0
    for prefix, table in (("ddb", DDB_SEEDS), ("lambda", LAMBDA_SEEDS), ("logs", LOGS_SEEDS),
                          ("cw", CW_SEEDS), ("sqs", SQS_SEEDS), ("sqs", SQS_FLOWS), ("iam", IAM_SEEDS),
                          ("admin", ADMIN_SEEDS), ("s3", S3_SEEDS), ("s3", S3_FLOWS), ("ssm", SSM_SEEDS),
                          ("cfn", CFN_SEEDS)):
        for name, reqs in table.items():
            with open(os.path.join(CORPUS, "%s-%s" % (prefix, name)), "wb") as f:
                f.write(SEP.join(reqs).encode("latin-1" if name == "utf8" else "utf-8"))
            n += 1
    with open(DICT, "w") as f:
        f.write("# libFuzzer dictionary of tests/fuzz/fuzz_router.c, written by\n"
                "# tools/fuzz_router_seeds.py: operation names, paths, members.\n")
        f.write(dictionary())
    print("wrote %d seeds to %s and %s" % (n, CORPUS, DICT))


if __name__ == "__main__":
    main()
