#!/usr/bin/env python3
"""CloudFormation end to end (issue 16): boto3's cloudformation client, its
waiters, and the aws CLI (create-stack, deploy, describe-stack-events,
delete-stack) against the real binary, with JSON and YAML templates of SSM
parameters, log groups and AWS::CDK::Metadata: create, describe, events
newest first, outputs and exports imported by a second stack, update in
place, replacement (the new resource made before the old one is deleted in
the cleanup), rollback of a failed create and of a failed update, delete,
DeletionPolicy Retain, change sets (the no-change one FAILED), TemplateURL
from sluice's own S3, and durability across a restart.

Shapes: botocore's cloudformation/2010-05-15 model; behaviour:
docs/cloudformation-reference.md (shared docs).

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_cloudformation.py -v
"""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import SluiceTestCase  # noqa: E402

ACCOUNT = "000000000000"
FAST = {"Delay": 1, "MaxAttempts": 60}


def param_tmpl(name, value, retain=False, extra=None):
    t = {"Description": "one parameter",
         "Resources": {"P": {"Type": "AWS::SSM::Parameter",
                             "Properties": {"Name": name, "Type": "String", "Value": value}}},
         "Outputs": {"Name": {"Value": {"Ref": "P"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-name"}}},
                     "Value": {"Value": {"Fn::GetAtt": ["P", "Value"]}}}}
    if retain:
        t["Resources"]["P"]["DeletionPolicy"] = "Retain"
    if extra:
        t["Resources"].update(extra)
    return json.dumps(t)


YAML = """\
AWSTemplateFormatVersion: '2010-09-09'
Description: logs and parameters
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Secret:
    Type: String
    NoEcho: true
    Default: hush
  Version:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /cfn-test/version
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /app/${Env}/logs
      RetentionInDays: !If [IsProd, 30, 7]
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /app/${Env}/group
      Type: String
      Value: !GetAtt Group.Arn
  CDKMetadata:
    Type: AWS::CDK::Metadata
    Properties:
      Analytics: v2:deflate64:abc
Outputs:
  GroupArn:
    Value: !GetAtt Group.Arn
  Version:
    Value: !Ref Version
"""


class CloudFormationTest(SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cf = cls.server.client("cloudformation")
        cls.ssm = cls.server.client("ssm")
        cls.logs = cls.server.client("logs")
        cls.s3 = cls.server.client("s3")

    # -- helpers -----------------------------------------------------------
    def wait(self, waiter, **kw):
        self.cf.get_waiter(waiter).wait(WaiterConfig=FAST, **kw)

    def wait_settled(self, name, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            s = self.cf.describe_stacks(StackName=name)["Stacks"][0]
            if not s["StackStatus"].endswith("_IN_PROGRESS") or s["StackStatus"] == "REVIEW_IN_PROGRESS":
                return s
            time.sleep(0.2)
        self.fail("stack %s still in progress" % name)

    def events(self, name):
        return self.cf.describe_stack_events(StackName=name)["StackEvents"]

    def value(self, name):
        return self.ssm.get_parameter(Name=name)["Parameter"]["Value"]

    def param_gone(self, name):
        self.assertAwsError(self.ssm.get_parameter, "ParameterNotFound", 400, Name=name)

    def groups(self, prefix):
        return [g["logGroupName"] for g in self.logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]]

    # -- create, describe, events, delete ------------------------------------
    def test_create_describe_events_delete(self):
        r = self.cf.create_stack(StackName="one", TemplateBody=param_tmpl("/one/p", "v1"))
        self.assertRegex(r["StackId"], r"^arn:aws:cloudformation:us-east-1:%s:stack/one/[0-9a-f-]{36}$" % ACCOUNT)
        self.wait("stack_create_complete", StackName="one")
        s = self.cf.describe_stacks(StackName="one")["Stacks"][0]
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE")
        self.assertEqual(s["Description"], "one parameter")
        outs = {o["OutputKey"]: o for o in s["Outputs"]}
        self.assertEqual(outs["Name"]["OutputValue"], "/one/p")
        self.assertEqual(outs["Name"]["ExportName"], "one-name")
        self.assertEqual(outs["Value"]["OutputValue"], "v1")
        self.assertEqual(self.value("/one/p"), "v1")

        ev = self.events("one")
        self.assertEqual((ev[0]["LogicalResourceId"], ev[0]["ResourceStatus"]), ("one", "CREATE_COMPLETE"))
        self.assertEqual(ev[-1]["ResourceStatusReason"], "User Initiated")
        self.assertEqual(ev[-1]["ResourceType"], "AWS::CloudFormation::Stack")
        p = [(e["ResourceStatus"], e.get("PhysicalResourceId"), e.get("ResourceStatusReason"))
             for e in reversed(ev) if e["LogicalResourceId"] == "P"]
        self.assertEqual(p, [("CREATE_IN_PROGRESS", None, None),
                             ("CREATE_IN_PROGRESS", "/one/p", "Resource creation Initiated"),
                             ("CREATE_COMPLETE", "/one/p", None)])
        self.assertRegex(ev[0 if ev[0]["LogicalResourceId"] == "P" else 1]["EventId"], r"^P-CREATE_COMPLETE-\d+$")
        times = [e["Timestamp"] for e in ev]
        self.assertEqual(times, sorted(times, reverse=True))

        res = self.cf.describe_stack_resources(StackName="one")["StackResources"]
        self.assertEqual([(x["LogicalResourceId"], x["PhysicalResourceId"], x["ResourceType"], x["ResourceStatus"])
                          for x in res], [("P", "/one/p", "AWS::SSM::Parameter", "CREATE_COMPLETE")])
        d = self.cf.describe_stack_resource(StackName="one", LogicalResourceId="P")["StackResourceDetail"]
        self.assertEqual(d["PhysicalResourceId"], "/one/p")
        self.assertEqual(len(self.cf.list_stack_resources(StackName="one")["StackResourceSummaries"]), 1)
        body = self.cf.get_template(StackName="one")["TemplateBody"]
        self.assertEqual(body["Resources"]["P"]["Properties"]["Value"], "v1")

        stack_id = s["StackId"]
        self.cf.delete_stack(StackName="one")
        self.wait("stack_delete_complete", StackName="one")
        self.param_gone("/one/p")
        self.assertAwsError(self.cf.describe_stacks, "ValidationError", 400, "Stack with id one does not exist",
                            StackName="one")
        # A deleted stack is still there by its ARN.
        s = self.cf.describe_stacks(StackName=stack_id)["Stacks"][0]
        self.assertEqual(s["StackStatus"], "DELETE_COMPLETE")
        self.assertIn("DELETE_COMPLETE", [x["StackStatus"] for x in
                                          self.cf.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]])

    def test_errors(self):
        self.assertAwsError(self.cf.describe_stacks, "ValidationError", 400, "Stack with id nope does not exist",
                            StackName="nope")
        self.cf.create_stack(StackName="dup", TemplateBody=param_tmpl("/dup", "v"))
        self.assertAwsError(self.cf.create_stack, "AlreadyExistsException", 400, "Stack [dup] already exists",
                            StackName="dup", TemplateBody=param_tmpl("/dup", "v"))
        self.wait("stack_create_complete", StackName="dup")
        self.assertAwsError(self.cf.update_stack, "ValidationError", 400, "No updates are to be performed.",
                            StackName="dup", TemplateBody=param_tmpl("/dup", "v"))
        role = json.dumps({"Resources": {"R": {"Type": "AWS::IAM::Role",
                                               "Properties": {"AssumeRolePolicyDocument": {}}}}})
        self.assertAwsError(self.cf.create_stack, "InsufficientCapabilitiesException", 400,
                            "Requires capabilities : [CAPABILITY_IAM]", StackName="iam", TemplateBody=role)
        self.assertAwsError(self.cf.create_stack, "ValidationError", 400, message_re="^Template format error",
                            StackName="bad", TemplateBody="{\"Resources\": 1}")
        self.assertAwsError(self.cf.create_stack, "ValidationError", 400,
                            "Unable to fetch parameters [/cfn-test/version] from parameter store for this account.",
                            StackName="y", TemplateBody=YAML)

    # -- YAML, parameters, conditions, the aws CLI -----------------------------
    def test_yaml_with_parameters_via_cli(self):
        self.ssm.put_parameter(Name="/cfn-test/version", Value="34", Type="String")
        path = os.path.join(self.server.tmp, "t.yaml")
        with open(path, "w") as f:
            f.write(YAML)
        p = self.server.cli("cloudformation", "create-stack", "--stack-name", "y", "--template-body",
                            "file://" + path, "--parameters", "ParameterKey=Env,ParameterValue=prod")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.wait("stack_create_complete", StackName="y")
        s = self.cf.describe_stacks(StackName="y")["Stacks"][0]
        params = {x["ParameterKey"]: x for x in s["Parameters"]}
        self.assertEqual(params["Env"]["ParameterValue"], "prod")
        self.assertEqual(params["Secret"]["ParameterValue"], "****")
        self.assertEqual(params["Version"]["ParameterValue"], "/cfn-test/version")
        self.assertEqual(params["Version"]["ResolvedValue"], "34")
        outs = {o["OutputKey"]: o["OutputValue"] for o in s["Outputs"]}
        self.assertEqual(outs["Version"], "34")
        arn = "arn:aws:logs:us-east-1:%s:log-group:/app/prod/logs:*" % ACCOUNT
        self.assertEqual(outs["GroupArn"], arn)
        self.assertEqual(self.value("/app/prod/group"), arn)
        g = self.logs.describe_log_groups(logGroupNamePrefix="/app/prod/logs")["logGroups"][0]
        self.assertEqual(g["retentionInDays"], 30)
        p = self.server.cli("cloudformation", "describe-stack-events", "--stack-name", "y")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.json["StackEvents"][0]["ResourceStatus"], "CREATE_COMPLETE")
        p = self.server.cli("cloudformation", "delete-stack", "--stack-name", "y")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.wait("stack_delete_complete", StackName="y")
        self.assertEqual(self.groups("/app/prod"), [])

    # -- exports and imports across stacks -------------------------------------
    def test_exports_and_imports(self):
        self.cf.create_stack(StackName="producer", TemplateBody=param_tmpl("/prod/p", "v"))
        self.wait("stack_create_complete", StackName="producer")
        consumer = json.dumps({"Resources": {"C": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": "/cons/p", "Type": "String", "Value": {"Fn::ImportValue": "producer-name"}}}}})
        self.cf.create_stack(StackName="consumer", TemplateBody=consumer)
        self.wait("stack_create_complete", StackName="consumer")
        self.assertEqual(self.value("/cons/p"), "/prod/p")
        exports = self.cf.list_exports()["Exports"]
        self.assertEqual([(e["Name"], e["Value"]) for e in exports], [("producer-name", "/prod/p")])
        self.assertEqual(self.cf.list_imports(ExportName="producer-name")["Imports"], ["consumer"])
        # The same template again is no change, the imported value included.
        r = self.cf.create_change_set(StackName="consumer", ChangeSetName="again", TemplateBody=consumer)
        self.assertEqual(self.cf.describe_change_set(ChangeSetName=r["Id"])["Status"], "FAILED")
        # The producer cannot go while its export is imported.
        self.cf.delete_stack(StackName="producer")
        s = self.wait_settled("producer")
        self.assertEqual(s["StackStatus"], "DELETE_FAILED")
        self.assertIn("Export producer-name cannot be deleted as it is in use by consumer", s["StackStatusReason"])
        # A second export of the same name fails that stack's create.
        dup = param_tmpl("/other/p", "v").replace("${AWS::StackName}-name", "producer-name")
        self.cf.create_stack(StackName="dupexp", TemplateBody=dup)
        s = self.wait_settled("dupexp")
        self.assertEqual(s["StackStatus"], "ROLLBACK_COMPLETE")
        reasons = [e.get("ResourceStatusReason", "") for e in self.events("dupexp")]
        self.assertTrue(any("Export with name producer-name is already exported by stack producer" in r
                            for r in reasons), reasons)
        self.param_gone("/other/p")

    # -- updates --------------------------------------------------------------
    def test_update_in_place_and_replacement(self):
        extra = {"G": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/upd/a",
                                                                    "RetentionInDays": 7}}}
        self.cf.create_stack(StackName="upd", TemplateBody=param_tmpl("/upd/p", "v1", extra=extra))
        self.wait("stack_create_complete", StackName="upd")
        # In place: the value and the retention change, the names stay.
        extra["G"]["Properties"]["RetentionInDays"] = 14
        self.cf.update_stack(StackName="upd", TemplateBody=param_tmpl("/upd/p", "v2", extra=extra))
        self.wait("stack_update_complete", StackName="upd")
        self.assertEqual(self.value("/upd/p"), "v2")
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/upd/a")["logGroups"][0]
                         ["retentionInDays"], 14)
        # Replacement: a new LogGroupName and a new parameter Name.
        extra["G"]["Properties"]["LogGroupName"] = "/upd/b"
        self.cf.update_stack(StackName="upd", TemplateBody=param_tmpl("/upd/q", "v2", extra=extra))
        self.wait("stack_update_complete", StackName="upd")
        self.assertEqual(self.groups("/upd/"), ["/upd/b"])
        self.param_gone("/upd/p")
        self.assertEqual(self.value("/upd/q"), "v2")
        ev = list(reversed(self.events("upd")))
        last = max(i for i, e in enumerate(ev) if e.get("ResourceStatusReason") == "User Initiated")
        seq = [(e["LogicalResourceId"], e["ResourceStatus"], e.get("PhysicalResourceId")) for e in ev[last:]]
        made = seq.index(("G", "UPDATE_COMPLETE", "/upd/b"))
        cleanup = seq.index(("upd", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", ev[0]["StackId"]))
        gone = seq.index(("G", "DELETE_COMPLETE", "/upd/a"))
        self.assertLess(made, cleanup)
        self.assertLess(cleanup, gone)
        self.assertEqual(seq[-1][1], "UPDATE_COMPLETE")
        res = {x["LogicalResourceId"]: x["PhysicalResourceId"]
               for x in self.cf.describe_stack_resources(StackName="upd")["StackResources"]}
        self.assertEqual(res, {"G": "/upd/b", "P": "/upd/q"})

    def test_table_gsi_added_and_removed_in_place(self):
        ddb = self.server.client("dynamodb")

        def tmpl(gsis):
            props = {"TableName": "cfn-gsi", "BillingMode": "PAY_PER_REQUEST",
                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}] +
                     [{"AttributeName": a, "AttributeType": "S"} for a in gsis]}
            if gsis:
                props["GlobalSecondaryIndexes"] = [
                    {"IndexName": "by-" + a, "KeySchema": [{"AttributeName": a, "KeyType": "HASH"}],
                     "Projection": {"ProjectionType": "ALL"}} for a in gsis]
            return json.dumps({"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": props}}})

        def table():
            return ddb.describe_table(TableName="cfn-gsi")["Table"]

        self.cf.create_stack(StackName="gsi", TemplateBody=tmpl([]))
        self.wait("stack_create_complete", StackName="gsi")
        table_id = table()["TableId"]
        for i in range(30):
            ddb.put_item(TableName="cfn-gsi", Item={"pk": {"S": "k%d" % i}, "a": {"S": "x%d" % (i % 2)},
                                                    "b": {"S": "y"}})
        # Two indexes added: one UpdateTable each, the table kept (no replacement).
        self.cf.update_stack(StackName="gsi", TemplateBody=tmpl(["a", "b"]))
        self.wait("stack_update_complete", StackName="gsi")
        t = table()
        self.assertEqual(t["TableId"], table_id)
        self.assertEqual(sorted(x["IndexName"] for x in t["GlobalSecondaryIndexes"]), ["by-a", "by-b"])
        r = ddb.query(TableName="cfn-gsi", IndexName="by-a", KeyConditionExpression="a = :v",
                      ExpressionAttributeValues={":v": {"S": "x1"}}, Select="COUNT")
        self.assertEqual(r["Count"], 15)
        # One removed, in place again.
        self.cf.update_stack(StackName="gsi", TemplateBody=tmpl(["b"]))
        self.wait("stack_update_complete", StackName="gsi")
        t = table()
        self.assertEqual(t["TableId"], table_id)
        self.assertEqual([x["IndexName"] for x in t["GlobalSecondaryIndexes"]], ["by-b"])
        self.assertEqual(sorted(a["AttributeName"] for a in t["AttributeDefinitions"]), ["b", "pk"])
        self.assertEqual([e["ResourceStatus"] for e in self.events("gsi") if e["LogicalResourceId"] == "T"][:2],
                         ["UPDATE_COMPLETE", "UPDATE_IN_PROGRESS"])
        self.cf.delete_stack(StackName="gsi")
        self.wait("stack_delete_complete", StackName="gsi")

    def test_failed_update_rolls_back(self):
        extra = {"G": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/rb/a"}}}
        self.cf.create_stack(StackName="rb", TemplateBody=param_tmpl("/rb/p", "v1", extra=extra))
        self.wait("stack_create_complete", StackName="rb")
        bad = json.loads(param_tmpl("/rb/p", "v2", extra={
            "G": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/rb/b"}},
            "Z": {"Type": "AWS::SSM::Parameter", "DependsOn": ["P", "G"],
                  "Properties": {"Name": "/rb/z", "Type": "Bogus", "Value": "x"}}}))
        self.cf.update_stack(StackName="rb", TemplateBody=json.dumps(bad))
        s = self.wait_settled("rb")
        self.assertEqual(s["StackStatus"], "UPDATE_ROLLBACK_COMPLETE")
        self.assertEqual(self.value("/rb/p"), "v1")
        self.assertEqual(self.groups("/rb/"), ["/rb/a"])
        self.param_gone("/rb/z")
        st = [e["ResourceStatus"] for e in self.events("rb") if e["LogicalResourceId"] == "rb"]
        self.assertEqual(st[:4], ["UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                                  "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_IN_PROGRESS"])
        z = [e for e in self.events("rb") if e["LogicalResourceId"] == "Z" and e["ResourceStatus"] == "CREATE_FAILED"]
        self.assertIn("(Service: Ssm, Status Code: 400", z[0]["ResourceStatusReason"])
        self.assertEqual(self.cf.get_template(StackName="rb")["TemplateBody"]["Resources"]["P"]["Properties"]
                         ["Value"], "v1")

    def test_failed_create_rolls_back_and_retain(self):
        t = json.loads(param_tmpl("/fc/p", "v", retain=True, extra={
            "Bad": {"Type": "AWS::SSM::Parameter", "DependsOn": "P",
                    "Properties": {"Name": "/fc/bad", "Type": "String", "Value": "x", "Tier": "Nope"}}}))
        self.cf.create_stack(StackName="fc", TemplateBody=json.dumps(t))
        s = self.wait_settled("fc")
        self.assertEqual(s["StackStatus"], "ROLLBACK_COMPLETE")
        st = {(e["LogicalResourceId"], e["ResourceStatus"]) for e in self.events("fc")}
        self.assertIn(("Bad", "CREATE_FAILED"), st)
        self.assertIn(("P", "DELETE_SKIPPED"), st)
        self.assertEqual(self.value("/fc/p"), "v")  # retained
        # DisableRollback keeps what was made.
        self.cf.create_stack(StackName="keep", TemplateBody=json.dumps(t).replace("/fc/", "/keep/"),
                             DisableRollback=True)
        self.assertEqual(self.wait_settled("keep")["StackStatus"], "CREATE_FAILED")
        self.assertEqual(self.value("/keep/p"), "v")

    def test_unsupported_type(self):
        t = json.dumps({"Resources": {"X": {"Type": "AWS::Made::Up", "Properties": {}}}})
        self.cf.create_stack(StackName="un", TemplateBody=t)
        self.assertEqual(self.wait_settled("un")["StackStatus"], "ROLLBACK_COMPLETE")
        x = [e for e in self.events("un") if e["ResourceStatus"] == "CREATE_FAILED"][0]
        self.assertIn("AWS::Made::Up", x["ResourceStatusReason"])

    # -- change sets ------------------------------------------------------------
    def test_change_sets(self):
        r = self.cf.create_change_set(StackName="cs", ChangeSetName="first", ChangeSetType="CREATE",
                                      TemplateBody=param_tmpl("/cs/p", "v1"))
        self.wait("change_set_create_complete", ChangeSetName=r["Id"])
        self.assertEqual(self.cf.describe_stacks(StackName="cs")["Stacks"][0]["StackStatus"], "REVIEW_IN_PROGRESS")
        d = self.cf.describe_change_set(ChangeSetName="first", StackName="cs")
        self.assertEqual([(c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"])
                          for c in d["Changes"]], [("Add", "P")])
        self.cf.execute_change_set(ChangeSetName=r["Id"])
        self.wait("stack_create_complete", StackName="cs")
        # Modify in place and by replacement, plus an Add and a Remove.
        t = json.loads(param_tmpl("/cs/p2", "v2"))
        t["Resources"]["M"] = {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "x"}}
        r = self.cf.create_change_set(StackName="cs", ChangeSetName="second", TemplateBody=json.dumps(t))
        self.wait("change_set_create_complete", ChangeSetName=r["Id"])
        ch = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]
              for c in self.cf.describe_change_set(ChangeSetName=r["Id"])["Changes"]}
        self.assertEqual(ch["M"]["Action"], "Add")
        self.assertEqual((ch["P"]["Action"], ch["P"]["Replacement"], ch["P"]["PhysicalResourceId"]),
                         ("Modify", "True", "/cs/p"))
        det = {x["Target"]["Name"]: x for x in ch["P"]["Details"]}
        self.assertEqual(det["Name"]["Target"]["RequiresRecreation"], "Always")
        self.assertEqual(det["Value"]["Target"]["RequiresRecreation"], "Never")
        self.assertEqual(det["Name"]["ChangeSource"], "DirectModification")
        self.assertEqual(self.cf.get_template(StackName="cs", ChangeSetName="second")["TemplateBody"]
                         ["Resources"]["M"]["Type"], "AWS::CDK::Metadata")
        names = [x["ChangeSetName"] for x in self.cf.list_change_sets(StackName="cs")["Summaries"]]
        self.assertEqual(names, ["first", "second"])
        self.cf.execute_change_set(ChangeSetName="second", StackName="cs")
        self.wait("stack_update_complete", StackName="cs")
        self.assertEqual(self.value("/cs/p2"), "v2")
        self.param_gone("/cs/p")
        # No change: FAILED with AWS's reason; the waiter fails.
        r = self.cf.create_change_set(StackName="cs", ChangeSetName="same", TemplateBody=json.dumps(t))
        d = self.cf.describe_change_set(ChangeSetName=r["Id"])
        self.assertEqual((d["Status"], d["ExecutionStatus"]), ("FAILED", "UNAVAILABLE"))
        self.assertEqual(d["StatusReason"], "The submitted information didn't contain changes. Submit different "
                                            "information to create a change set.")
        # Delete: by name, twice (the CDK CLI's way), then it is not found.
        self.cf.delete_change_set(ChangeSetName="same", StackName="cs")
        self.cf.delete_change_set(ChangeSetName="same", StackName="cs")
        self.assertAwsError(self.cf.describe_change_set, "ChangeSetNotFound", 404, ChangeSetName="same",
                            StackName="cs")

    def test_cli_deploy_json_and_yaml(self):
        self.ssm.put_parameter(Name="/cfn-test/version", Value="34", Type="String")
        yml = os.path.join(self.server.tmp, "d.yaml")
        with open(yml, "w") as f:
            f.write(YAML)
        p = self.server.cli("cloudformation", "deploy", "--template-file", yml, "--stack-name", "dy")
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        self.assertEqual(self.value("/app/dev/group"),
                         "arn:aws:logs:us-east-1:%s:log-group:/app/dev/logs:*" % ACCOUNT)
        time.sleep(1.1)  # the CLI names its change sets by the second
        p = self.server.cli("cloudformation", "deploy", "--template-file", yml, "--stack-name", "dy")
        self.assertEqual(p.returncode, 255, p.stdout)
        self.assertIn("No changes to deploy", p.stdout + p.stderr)
        time.sleep(1.1)
        p = self.server.cli("cloudformation", "deploy", "--template-file", yml, "--stack-name", "dy",
                            "--parameter-overrides", "Env=prod")
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        self.assertEqual(self.groups("/app/"), ["/app/prod/logs"])
        js = os.path.join(self.server.tmp, "d.json")
        with open(js, "w") as f:
            f.write(param_tmpl("/dj/p", "v"))
        p = self.server.cli("cloudformation", "deploy", "--template-file", js, "--stack-name", "dj")
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        self.assertEqual(self.value("/dj/p"), "v")

    # -- templates from S3, validation, termination protection -----------------
    def test_template_url_and_validate(self):
        self.s3.create_bucket(Bucket="tmpl")
        self.s3.put_object(Bucket="tmpl", Key="dir/t.json", Body=param_tmpl("/url/p", "v").encode())
        url = "%s/tmpl/dir/t.json" % self.endpoint
        v = self.cf.validate_template(TemplateURL=url)
        self.assertEqual(v["Description"], "one parameter")
        self.cf.create_stack(StackName="url", TemplateURL=url)
        self.wait("stack_create_complete", StackName="url")
        self.assertEqual(self.value("/url/p"), "v")
        self.assertAwsError(self.cf.create_stack, "ValidationError", 400,
                            "TemplateURL must reference a valid S3 object to which you have access.",
                            StackName="url2", TemplateURL="%s/tmpl/missing.json" % self.endpoint)
        self.assertAwsError(self.cf.create_stack, "ValidationError", 400, "TemplateURL must be a supported URL.",
                            StackName="url3", TemplateURL="s3://tmpl/dir/t.json")
        v = self.cf.validate_template(TemplateBody=YAML)
        self.assertEqual(sorted(p["ParameterKey"] for p in v["Parameters"]), ["Env", "Secret", "Version"])
        s = self.cf.get_template_summary(TemplateBody=YAML)
        self.assertEqual(sorted(s["ResourceTypes"]), ["AWS::CDK::Metadata", "AWS::Logs::LogGroup",
                                                      "AWS::SSM::Parameter"])
        self.cf.update_termination_protection(StackName="url", EnableTerminationProtection=True)
        self.assertAwsError(self.cf.delete_stack, "ValidationError", 400,
                            "Stack [url] cannot be deleted while TerminationProtection is enabled", StackName="url")
        self.assertTrue(self.cf.describe_stacks(StackName="url")["Stacks"][0]["EnableTerminationProtection"])


class CloudFormationRestartTest(SluiceTestCase):
    """Stacks are durable: they survive a restart of a data directory; an
    update killed in its cleanup pause (SLUICE_CFN_CLEANUP_DELAY_MS) has
    both halves of its replacement until then, and finishes the cleanup
    at the next start."""
    server_kwargs = {"in_memory": False, "env": {"SLUICE_CFN_CLEANUP_DELAY_MS": "4000"}}
    reset_between_tests = False

    def test_cleanup_pause_and_kill(self):
        cf, ssm = self.server.client("cloudformation"), self.server.client("ssm")
        cf.create_stack(StackName="pause", TemplateBody=param_tmpl("/pause/a", "v"))
        cf.get_waiter("stack_create_complete").wait(StackName="pause", WaiterConfig=FAST)
        cf.update_stack(StackName="pause", TemplateBody=param_tmpl("/pause/b", "v"))
        end = time.time() + 20
        while cf.describe_stacks(StackName="pause")["Stacks"][0]["StackStatus"] != \
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS" and time.time() < end:
            time.sleep(0.1)
        # Both halves exist during the pause.
        self.assertEqual(ssm.get_parameter(Name="/pause/a")["Parameter"]["Value"], "v")
        self.assertEqual(ssm.get_parameter(Name="/pause/b")["Parameter"]["Value"], "v")
        self.server.kill()
        self.server.start()
        cf, ssm = self.server.client("cloudformation"), self.server.client("ssm")
        cf.get_waiter("stack_update_complete").wait(StackName="pause", WaiterConfig=FAST)
        self.assertAwsError(ssm.get_parameter, "ParameterNotFound", 400, Name="/pause/a")
        self.assertEqual(ssm.get_parameter(Name="/pause/b")["Parameter"]["Value"], "v")

    def test_survives_restart(self):
        cf = self.server.client("cloudformation")
        cf.create_stack(StackName="dur", TemplateBody=param_tmpl("/dur/p", "v"))
        cf.get_waiter("stack_create_complete").wait(StackName="dur", WaiterConfig=FAST)
        self.server.restart()
        cf = self.server.client("cloudformation")
        s = cf.describe_stacks(StackName="dur")["Stacks"][0]
        self.assertEqual(s["StackStatus"], "CREATE_COMPLETE")
        self.assertEqual(len(cf.describe_stack_events(StackName="dur")["StackEvents"]), 5)
        cf.delete_stack(StackName="dur")
        cf.get_waiter("stack_delete_complete").wait(StackName="dur", WaiterConfig=FAST)


if __name__ == "__main__":
    unittest.main()
