#!/usr/bin/env python3
"""`aws cloudformation deploy` of hand-written templates on sluice (issue 16).

Two templates, one JSON and one YAML (with the short forms !Ref, !GetAtt,
!Sub and !Join), describe the same stack: a DynamoDB table with a stream,
an IAM role, a python function with inline code (ZipFile), a version, an
alias, a mapping from the stream to the alias whose failed batches go to
an SQS queue (OnFailure), an S3 bucket, a log group and an SSM parameter
that holds the queue's URL. The aws CLI (v1, --endpoint-url) deploys both,
as a user would; the assertions are on what AWS shows: stack statuses,
outputs, events and their order, reasons, the change sets' outcomes, and
the resources as their own services describe them. Then, on the JSON
stack:

  * a deploy without --capabilities is refused (the role needs CAPABILITY_IAM);
  * a deploy with nothing changed is "No changes to deploy";
  * UpdateStack with a new BatchSize updates the mapping in place (same
    UUID, only the mapping touched);
  * a deploy that changes StartingPosition (create-only: replacement) on
    the same function: CloudFormation creates the new mapping before it
    deletes the old one, Lambda refuses a second mapping for the same
    stream and function (409 naming the existing UUID), the update fails
    and rolls back to UPDATE_ROLLBACK_COMPLETE, the mapping's event carries
    Lambda's message, and the old mapping goes on delivering;
  * DeleteStack removes every resource.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_cfn_cli.py -v
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import Server  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ACCOUNT = "000000000000"
REGION = "us-east-1"
# `aws cloudformation deploy` polls the stack every 30 s (its waiter's
# fixed delay), so one deploy takes 30 s or more; this bounds it.
DEPLOY_TIMEOUT = 240
# How long a state the test polls for may take: a stack operation, a
# delivery, a failure sent to the queue.
SETTLE_S = 60.0

# Fails a batch holding a key that starts with "bad": the mapping (no
# retries) then sends the batch's description to its OnFailure queue.
HANDLER = """\
def handler(event, context):
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]
    if any(k.startswith("bad") for k in keys):
        raise Exception("bad record in %s" % keys)
    return {"count": len(keys)}
"""

ASSUME = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                         "Action": "sts:AssumeRole"}]}

JSON_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "sluice e2e: a stream mapped to a function's alias, with its neighbours",
    "Parameters": {
        "BatchSize": {"Type": "Number", "Default": 10},
        "StartingPosition": {"Type": "String", "Default": "TRIM_HORIZON",
                             "AllowedValues": ["TRIM_HORIZON", "LATEST"]},
    },
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": ASSUME,
            "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                     ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}],
            "Policies": [{"PolicyName": "stream-and-queue", "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                                             "dynamodb:DescribeStream", "dynamodb:ListStreams"],
                               "Resource": {"Fn::GetAtt": ["Table", "StreamArn"]}},
                              {"Effect": "Allow", "Action": "sqs:SendMessage",
                               "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}]}}]}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Timeout": 10,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": HANDLER}}},
        "Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Alias": {"Type": "AWS::Lambda::Alias", "Properties": {
            "FunctionName": {"Ref": "Fn"}, "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
            "Name": "live"}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 3600}},
        "LogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "Fn"}]]}, "RetentionInDays": 7}},
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": "LogGroup", "Properties": {
            "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
            "FunctionName": {"Ref": "Alias"},
            "StartingPosition": {"Ref": "StartingPosition"},
            "BatchSize": {"Ref": "BatchSize"},
            "MaximumRetryAttempts": 0,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Queue", "Arn"]}}}}},
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Name": {"Fn::Sub": "/${AWS::StackName}/queue-url"}, "Value": {"Ref": "Queue"}}},
    },
    "Outputs": {
        "TableName": {"Value": {"Ref": "Table"}},
        "StreamArn": {"Value": {"Fn::GetAtt": ["Table", "StreamArn"]}},
        "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}},
        "FunctionName": {"Value": {"Ref": "Fn"}},
        "FunctionArn": {"Value": {"Fn::GetAtt": ["Fn", "Arn"]}},
        "Version": {"Value": {"Fn::GetAtt": ["Version", "Version"]}},
        "AliasArn": {"Value": {"Ref": "Alias"}},
        "MappingId": {"Value": {"Ref": "Mapping"}},
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
        "LogGroupArn": {"Value": {"Fn::GetAtt": ["LogGroup", "Arn"]}},
        "BucketName": {"Value": {"Ref": "Bucket"}},
        "BucketArn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}},
        "ParameterName": {"Value": {"Ref": "Param"}},
        "Where": {"Value": {"Fn::Join": [":", [{"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"},
                                               {"Ref": "AWS::StackName"}]]}},
    },
}

YAML_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Description: sluice e2e, the same stack in YAML with the short forms
Parameters:
  BatchSize:
    Type: Number
    Default: 10
  StartingPosition:
    Type: String
    Default: TRIM_HORIZON
    AllowedValues: [TRIM_HORIZON, LATEST]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
      BillingMode: PAY_PER_REQUEST
      StreamSpecification:
        StreamViewType: NEW_AND_OLD_IMAGES
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
      Policies:
        - PolicyName: stream-and-queue
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [dynamodb:GetRecords, dynamodb:GetShardIterator, dynamodb:DescribeStream,
                         dynamodb:ListStreams]
                Resource: !GetAtt Table.StreamArn
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: !GetAtt [Queue, Arn]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 10
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
%(handler)s
  Version:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Alias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt Version.Version
      Name: live
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 3600
  LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Join ['', [/aws/lambda/, !Ref Fn]]
      RetentionInDays: 7
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    DependsOn: LogGroup
    Properties:
      EventSourceArn: !GetAtt Table.StreamArn
      FunctionName: !Ref Alias
      StartingPosition: !Ref StartingPosition
      BatchSize: !Ref BatchSize
      MaximumRetryAttempts: 0
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt Queue.Arn
  Bucket:
    Type: AWS::S3::Bucket
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Name: !Sub /${AWS::StackName}/queue-url
      Value: !Ref Queue
Outputs:
  TableName: {Value: !Ref Table}
  StreamArn: {Value: !GetAtt Table.StreamArn}
  RoleArn: {Value: !GetAtt Role.Arn}
  FunctionName: {Value: !Ref Fn}
  FunctionArn: {Value: !GetAtt Fn.Arn}
  Version: {Value: !GetAtt Version.Version}
  AliasArn: {Value: !Ref Alias}
  MappingId: {Value: !Ref Mapping}
  QueueUrl: {Value: !Ref Queue}
  QueueArn: {Value: !GetAtt Queue.Arn}
  LogGroupArn: {Value: !GetAtt LogGroup.Arn}
  BucketName: {Value: !Ref Bucket}
  BucketArn: {Value: !GetAtt Bucket.Arn}
  ParameterName: {Value: !Ref Param}
  Where: {Value: !Join [':', [!Ref 'AWS::Region', !Ref 'AWS::AccountId', !Ref 'AWS::StackName']]}
  FunctionAndAlias:
    Value: !Sub
      - '${Fn.Arn} -> ${Name}'
      - Name: !Ref Alias
""" % {"handler": "\n".join("          " + line for line in HANDLER.rstrip("\n").split("\n"))}

JSON_STACK = "cli-json"
YAML_STACK = "cli-yaml"
# The order CloudFormation must follow, from the templates' references:
# (before, after) = after's create starts once before's create completed.
DEPENDENCIES = [("Role", "Fn"), ("Table", "Role"), ("Queue", "Role"), ("Fn", "Version"),
                ("Version", "Alias"), ("Fn", "LogGroup"), ("Alias", "Mapping"), ("Table", "Mapping"),
                ("Queue", "Mapping"), ("LogGroup", "Mapping"), ("Queue", "Param")]
RESOURCES = {"Table": "AWS::DynamoDB::Table", "Role": "AWS::IAM::Role", "Fn": "AWS::Lambda::Function",
             "Version": "AWS::Lambda::Version", "Alias": "AWS::Lambda::Alias", "Queue": "AWS::SQS::Queue",
             "LogGroup": "AWS::Logs::LogGroup", "Mapping": "AWS::Lambda::EventSourceMapping",
             "Bucket": "AWS::S3::Bucket", "Param": "AWS::SSM::Parameter"}


class CfnCli(unittest.TestCase):
    """One sluice; the JSON and the YAML stacks are deployed side by side
    in setUpClass (each `aws cloudformation deploy` spends most of its
    time in the CLI's 30 s polling delay)."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.start()
        cls.dir = tempfile.mkdtemp(prefix="sluice-cfn-cli-", dir=cls.server.tmp)
        cls.json_path = os.path.join(cls.dir, "stack.json")
        with open(cls.json_path, "w") as f:
            json.dump(JSON_TEMPLATE, f, indent=1)
        cls.yaml_path = os.path.join(cls.dir, "stack.yaml")
        with open(cls.yaml_path, "w") as f:
            f.write(YAML_TEMPLATE)
        cls.cfn, cls.lam = cls.server.client("cloudformation"), cls.server.client("lambda")
        for svc in ("dynamodb", "sqs", "s3", "logs", "ssm", "iam"):
            setattr(cls, svc, cls.server.client(svc))
        procs = {name: cls.aws_popen("cloudformation", "deploy", "--template-file", path,
                                     "--stack-name", name, "--capabilities", "CAPABILITY_IAM")
                 for name, path in ((JSON_STACK, cls.json_path), (YAML_STACK, cls.yaml_path))}
        cls.created = {}
        for name, p in procs.items():
            out, err = p.communicate(timeout=DEPLOY_TIMEOUT)
            cls.created[name] = (p.returncode, out, err)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()

    # -- the aws CLI ------------------------------------------------------------------
    @classmethod
    def aws_popen(cls, *args):
        """Starts `aws ARGS --endpoint-url …` (as harness.Server.cli runs it)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.path.join(cls.dir, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(cls.dir, "no-aws-credentials"),
            "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "", "AWS_EC2_METADATA_DISABLED": "true",
        })
        return subprocess.Popen(["aws"] + list(args) + ["--endpoint-url", cls.server.endpoint], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=cls.dir)

    def aws(self, *args, ok=True):
        """Runs `aws ARGS`; fails unless it exits 0 (OK) or non-zero (not
        OK). Returns (exit code, stdout, stderr)."""
        t0 = time.monotonic()
        p = self.aws_popen(*args)
        out, err = p.communicate(timeout=DEPLOY_TIMEOUT)
        sys.stderr.write("aws %s: exit %d in %.1f s\n" % (" ".join(args[:2]), p.returncode, time.monotonic() - t0))
        self.check_exit((p.returncode, out, err), ok, "aws " + " ".join(args))
        return p.returncode, out, err

    def check_exit(self, res, ok, what):
        rc, out, err = res
        if (rc == 0) != ok:
            self.fail("%s exited %d\n--- stdout\n%s\n--- stderr\n%s\n--- sluice\n%s"
                      % (what, rc, out[-4000:], err[-4000:], self.server.log_tail()))

    # -- CloudFormation, as AWS shows it -------------------------------------------------
    def stack(self, name):
        return self.cfn.describe_stacks(StackName=name)["Stacks"][0]

    def outputs(self, name):
        return {o["OutputKey"]: o["OutputValue"] for o in self.stack(name).get("Outputs", [])}

    def params(self, name):
        return {p["ParameterKey"]: p["ParameterValue"] for p in self.stack(name).get("Parameters", [])}

    def resources(self, name):
        r = self.cfn.describe_stack_resources(StackName=name)["StackResources"]
        return {x["LogicalResourceId"]: x for x in r}

    def events(self, name):
        """The stack's events, oldest first."""
        out, token = [], None
        while True:
            kw = {"StackName": name}
            if token:
                kw["NextToken"] = token
            r = self.cfn.describe_stack_events(**kw)
            out.extend(r["StackEvents"])
            token = r.get("NextToken")
            if not token:
                return list(reversed(out))

    def operation(self, name):
        """The events of the stack's last operation, oldest first: from its
        last stack event whose reason is "User Initiated"."""
        ev = self.events(name)
        starts = [i for i, e in enumerate(ev) if e["LogicalResourceId"] == e["StackName"]
                  and e.get("ResourceType") == "AWS::CloudFormation::Stack"
                  and e.get("ResourceStatusReason") == "User Initiated"]
        self.assertTrue(starts, "no User Initiated event:\n" + self.show(ev))
        return ev[starts[-1]:]

    @staticmethod
    def show(events):
        return "\n".join("  %-12s %-40s %s" % (e["LogicalResourceId"], e["ResourceStatus"],
                                               e.get("ResourceStatusReason") or "") for e in events)

    @staticmethod
    def at(events, logical, status):
        for i, e in enumerate(events):
            if e["LogicalResourceId"] == logical and e["ResourceStatus"] == status:
                return i
        return -1

    def wait_stack(self, name_or_id, timeout=SETTLE_S):
        """Until the stack is in no *_IN_PROGRESS status; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.stack(name_or_id)
            if not s["StackStatus"].endswith("_IN_PROGRESS"):
                return s
            if time.monotonic() > deadline:
                self.fail("stack %s still %s after %.0f s" % (name_or_id, s["StackStatus"], timeout))
            time.sleep(0.2)

    # -- what the stack does -------------------------------------------------------------
    def audit(self, stream_arn):
        r = self.server.request("GET", "/_sluice/streams/audit?stream_arn=" + urllib.parse.quote(stream_arn))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait(self, what, cond, timeout=SETTLE_S):
        deadline = time.monotonic() + timeout
        while True:
            v = cond()
            if v:
                return v
            if time.monotonic() > deadline:
                self.fail("%s: not within %.0f s" % (what, timeout))
            time.sleep(0.1)

    def delivered(self, out, key):
        """Writes KEY to the stack's table and waits until the audit shows
        one more record, delivered once, and nothing pending; returns the
        audit."""
        before = self.audit(out["StreamArn"])
        self.dynamodb.put_item(TableName=out["TableName"], Item={"pk": {"S": key}})
        last = [before]

        def done():
            a = last[0] = self.audit(out["StreamArn"])
            return a if (a["records"], a["delivered_once"], a["pending"]) == \
                (before["records"] + 1, before["delivered_once"] + 1, 0) else None
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            if done():
                return last[0]
            time.sleep(0.1)
        self.fail("%s not delivered within %.0f s: audit before %r, now %r" % (key, SETTLE_S, before, last[0]))

    def failure_in_queue(self, out, key):
        """Writes KEY (which the handler fails) and waits for the
        mapping's OnFailure record in the queue; returns it."""
        self.dynamodb.put_item(TableName=out["TableName"], Item={"pk": {"S": key}})
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            r = self.sqs.receive_message(QueueUrl=out["QueueUrl"], WaitTimeSeconds=2, MaxNumberOfMessages=1)
            if r.get("Messages"):
                return json.loads(r["Messages"][0]["Body"])
        self.fail("no OnFailure record for %s in %s" % (key, out["QueueUrl"]))

    # -- the checks shared by both templates ---------------------------------------------
    def check_created(self, name):
        """The stack created in setUpClass: status, events in dependency
        order, outputs, and each resource as its service shows it."""
        rc, out, err = self.created[name]
        self.check_exit(self.created[name], True, "aws cloudformation deploy (%s)" % name)
        self.assertIn("Successfully created/updated stack - %s" % name, out)
        s = self.stack(name)
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE")
        self.assertEqual(self.params(name), {"BatchSize": "10", "StartingPosition": "TRIM_HORIZON"})
        res = self.resources(name)
        self.assertEqual({k: (v["ResourceType"], v["ResourceStatus"]) for k, v in res.items()},
                         {k: (t, "CREATE_COMPLETE") for k, t in RESOURCES.items()})
        ev = self.operation(name)
        self.assertEqual((ev[0]["ResourceStatus"], ev[-1]["ResourceStatus"]),
                         ("CREATE_IN_PROGRESS", "CREATE_COMPLETE"), self.show(ev))
        for before, after in DEPENDENCIES:
            i, j = self.at(ev, before, "CREATE_COMPLETE"), self.at(ev, after, "CREATE_IN_PROGRESS")
            self.assertTrue(0 <= i < j, "%s created before %s starts:\n%s" % (before, after, self.show(ev)))

        out = self.outputs(name)
        fn = out["FunctionName"]
        self.assertTrue(fn.startswith(name + "-Fn-"), fn)
        fn_arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, fn)
        self.assertEqual(out["FunctionArn"], fn_arn)
        self.assertEqual((out["Version"], out["AliasArn"]), ("1", fn_arn + ":live"))
        self.assertEqual(out["Where"], "%s:%s:%s" % (REGION, ACCOUNT, name))
        self.assertEqual(res["Fn"]["PhysicalResourceId"], fn)
        cfg = self.lam.get_function_configuration(FunctionName=fn)
        self.assertEqual((cfg["Runtime"], cfg["Handler"], cfg["Role"], cfg["Timeout"]),
                         ("python3.12", "index.handler", out["RoleArn"], 10))
        role = out["RoleArn"].rsplit("/", 1)[1]
        self.assertEqual(self.iam.get_role(RoleName=role)["Role"]["Arn"], out["RoleArn"])
        self.assertEqual(self.iam.list_role_policies(RoleName=role)["PolicyNames"], ["stream-and-queue"])
        alias = self.lam.get_alias(FunctionName=fn, Name="live")
        self.assertEqual((alias["AliasArn"], alias["FunctionVersion"]), (fn_arn + ":live", "1"))
        t = self.dynamodb.describe_table(TableName=out["TableName"])["Table"]
        self.assertEqual((t["LatestStreamArn"], t["StreamSpecification"]["StreamViewType"]),
                         (out["StreamArn"], "NEW_AND_OLD_IMAGES"))
        m = self.lam.get_event_source_mapping(UUID=out["MappingId"])
        self.assertEqual((m["FunctionArn"], m["EventSourceArn"], m["StartingPosition"], m["BatchSize"],
                          m["DestinationConfig"]["OnFailure"]["Destination"]),
                         (fn_arn + ":live", out["StreamArn"], "TRIM_HORIZON", 10, out["QueueArn"]))
        self.assertEqual(res["Mapping"]["PhysicalResourceId"], out["MappingId"])
        q = self.sqs.get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["All"])["Attributes"]
        self.assertEqual((q["QueueArn"], q["MessageRetentionPeriod"]), (out["QueueArn"], "3600"))
        self.s3.head_bucket(Bucket=out["BucketName"])
        self.assertEqual(out["BucketArn"], "arn:aws:s3:::" + out["BucketName"])
        groups = self.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/" + fn)["logGroups"]
        self.assertEqual([(g["logGroupName"], g.get("retentionInDays"), g["arn"]) for g in groups],
                         [("/aws/lambda/" + fn, 7, out["LogGroupArn"])])
        self.assertEqual(out["ParameterName"], "/%s/queue-url" % name)
        p = self.ssm.get_parameter(Name=out["ParameterName"])["Parameter"]
        self.assertEqual((p["Type"], p["Value"]), ("String", out["QueueUrl"]))

        # It works: a record reaches the alias; a failing one ends in the queue.
        self.delivered(out, "ok-1")
        rec = self.failure_in_queue(out, "bad-1")
        self.assertEqual((rec["requestContext"]["functionArn"], rec["requestContext"]["condition"]),
                         (fn_arn + ":live", "RetryAttemptsExhausted"), rec)
        self.assertEqual(rec["DDBStreamBatchInfo"]["streamArn"], out["StreamArn"])
        return out

    def delete_and_check_gone(self, name, out):
        """DeleteStack, and nothing of the stack is left."""
        stack_id = self.stack(name)["StackId"]
        self.cfn.delete_stack(StackName=name)
        s = self.wait_stack(stack_id)
        self.assertEqual(s["StackStatus"], "DELETE_COMPLETE")
        with self.assertRaises(ClientError) as cm:
            self.stack(name)
        self.assertEqual(cm.exception.response["Error"]["Message"], "Stack with id %s does not exist" % name)
        ev = self.operation(stack_id)
        self.assertEqual(ev[-1]["ResourceStatus"], "DELETE_COMPLETE")
        for logical in RESOURCES:
            self.assertGreaterEqual(self.at(ev, logical, "DELETE_COMPLETE"), 0, "%s deleted:\n%s"
                                    % (logical, self.show(ev)))
        i, j = self.at(ev, "Mapping", "DELETE_COMPLETE"), self.at(ev, "Alias", "DELETE_IN_PROGRESS")
        self.assertTrue(i < j, "the mapping goes before the alias it uses:\n" + self.show(ev))
        fn = out["FunctionName"]
        gone = [
            (lambda: self.lam.get_function(FunctionName=fn), ("ResourceNotFoundException",)),
            (lambda: self.lam.get_event_source_mapping(UUID=out["MappingId"]), ("ResourceNotFoundException",)),
            (lambda: self.dynamodb.describe_table(TableName=out["TableName"]), ("ResourceNotFoundException",)),
            # The query protocol's code, or the JSON protocol's.
            (lambda: self.sqs.get_queue_attributes(QueueUrl=out["QueueUrl"]),
             ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")),
            (lambda: self.s3.head_bucket(Bucket=out["BucketName"]), ("404",)),
            (lambda: self.ssm.get_parameter(Name=out["ParameterName"]), ("ParameterNotFound",)),
            (lambda: self.iam.get_role(RoleName=out["RoleArn"].rsplit("/", 1)[1]), ("NoSuchEntity",)),
        ]
        for call, codes in gone:
            with self.assertRaises(ClientError) as cm:
                call()
            self.assertIn(cm.exception.response["Error"]["Code"], codes)
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/" + fn)["logGroups"], [])

    # -- the tests --------------------------------------------------------------------------
    def test_yaml_template(self):
        """The YAML stack (short forms) creates, works, and deletes."""
        out = self.check_created(YAML_STACK)
        self.assertEqual(out["FunctionAndAlias"], "%s -> %s:live" % (out["FunctionArn"], out["FunctionArn"]))
        self.delete_and_check_gone(YAML_STACK, out)

    def test_json_template_lifecycle(self):
        """The JSON stack: create, refused without capabilities, no
        change, in-place update, a replacement that rolls back, delete."""
        out = self.check_created(JSON_STACK)
        uuid = out["MappingId"]

        # A role in the template needs CAPABILITY_IAM.
        rc, so, se = self.aws("cloudformation", "deploy", "--template-file", self.json_path,
                              "--stack-name", "cli-nocap", ok=False)
        self.assertIn("InsufficientCapabilitiesException", se)
        self.assertIn("CAPABILITY_IAM", se)

        # Nothing changed: the change set fails with the reason the CLI
        # recognises, and the stack is left alone.
        self.aws("cloudformation", "deploy", "--template-file", self.json_path, "--stack-name", JSON_STACK,
                 "--capabilities", "CAPABILITY_IAM", "--no-fail-on-empty-changeset")
        # The CLI names its change set after the current second and leaves
        # a failed one in place: a second deploy in the same second would
        # collide with it (AlreadyExistsException), on AWS too.
        time.sleep(1.1)
        rc, so, se = self.aws("cloudformation", "deploy", "--template-file", self.json_path,
                              "--stack-name", JSON_STACK, "--capabilities", "CAPABILITY_IAM", ok=False)
        self.assertIn("No changes to deploy. Stack %s is up to date" % JSON_STACK, so + se)
        self.assertEqual(self.stack(JSON_STACK)["StackStatus"], "CREATE_COMPLETE")

        # A property that updates in place: same UUID, only the mapping touched.
        self.cfn.update_stack(StackName=JSON_STACK, UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"],
                              Parameters=[{"ParameterKey": "BatchSize", "ParameterValue": "5"},
                                          {"ParameterKey": "StartingPosition", "UsePreviousValue": True}])
        self.assertEqual(self.wait_stack(JSON_STACK)["StackStatus"], "UPDATE_COMPLETE")
        ev = self.operation(JSON_STACK)
        self.assertEqual({e["LogicalResourceId"] for e in ev} - {JSON_STACK}, {"Mapping"}, self.show(ev))
        self.assertEqual([e["ResourceStatus"] for e in ev if e["LogicalResourceId"] == "Mapping"],
                         ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"])
        self.assertEqual(self.outputs(JSON_STACK)["MappingId"], uuid)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["BatchSize"], 5)

        # StartingPosition is create-only: a replacement. The new mapping
        # (same stream, same alias) is created first, Lambda refuses it,
        # and the update rolls back. (A new second first: the failed change
        # set of the no-change deploy above is named after its second, and
        # the in-place update between took less than one.)
        time.sleep(1.1)
        rc, so, se = self.aws("cloudformation", "deploy", "--template-file", self.json_path,
                              "--stack-name", JSON_STACK, "--capabilities", "CAPABILITY_IAM",
                              "--parameter-overrides", "StartingPosition=LATEST", ok=False)
        self.assertIn("Failed to create/update the stack", so + se)
        s = self.wait_stack(JSON_STACK)
        self.assertEqual(s["StackStatus"], "UPDATE_ROLLBACK_COMPLETE")
        ev = self.operation(JSON_STACK)
        failed = [e for e in ev if e["LogicalResourceId"] == "Mapping" and e["ResourceStatus"].endswith("_FAILED")]
        self.assertTrue(failed, "the mapping's failure is an event:\n" + self.show(ev))
        reason = failed[0].get("ResourceStatusReason") or ""
        self.assertIn("provided mapping already exists", reason)
        self.assertIn(uuid, reason)
        self.assertEqual(failed[0]["ResourceStatus"], "UPDATE_FAILED")
        self.assertTrue(self.at(ev, JSON_STACK, "UPDATE_ROLLBACK_IN_PROGRESS") > self.at(ev, "Mapping", "UPDATE_FAILED"),
                        self.show(ev))
        rb = [e for e in ev if e["LogicalResourceId"] == JSON_STACK and e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"]
        self.assertIn("Mapping", rb[0].get("ResourceStatusReason") or "", self.show(ev))
        self.assertEqual(ev[-1]["ResourceStatus"], "UPDATE_ROLLBACK_COMPLETE")
        # Back where it was: the parameters, the one mapping, its settings.
        self.assertEqual(self.params(JSON_STACK), {"BatchSize": "5", "StartingPosition": "TRIM_HORIZON"})
        self.assertEqual(self.outputs(JSON_STACK)["MappingId"], uuid)
        ms = self.lam.list_event_source_mappings(EventSourceArn=out["StreamArn"])["EventSourceMappings"]
        self.assertEqual([(m["UUID"], m["StartingPosition"], m["BatchSize"]) for m in ms],
                         [(uuid, "TRIM_HORIZON", 5)])
        self.assertEqual(self.resources(JSON_STACK)["Mapping"]["PhysicalResourceId"], uuid)
        a = self.delivered(out, "ok-2")
        self.assertEqual(list(a["by_mapping"]), [uuid])

        self.delete_and_check_gone(JSON_STACK, out)


if __name__ == "__main__":
    harness.main()
