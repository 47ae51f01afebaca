#!/usr/bin/env python3
"""Event source mappings, control plane, through boto3 and the aws CLI:
Create / Get / Update / Delete / ListEventSourceMappings with their
defaults, every validation error (docs/aws-reference.md D1), states settling
(D2), the duplicate 409, qualified FunctionArns, List filters and
pagination, and mappings surviving a restart.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_esm_api.py -v
"""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
import test_dynamodb as T  # noqa: E402  (helpers; importing it runs no tests)

ACCT = "000000000000"
REGION = "us-east-1"
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
NOT_FOUND = "The resource you requested does not exist."
BAD_FILTER = "Invalid filter pattern definition."
ARN_PATTERN = ("arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:"
               "(\\d{12})?:(.*)")
DUP_MSG = ('The event source arn (" %s ") and function (" %s ") provided mapping already exists. '
           'Please update or delete the existing mapping with UUID %s')
RECORD_AGE_MSG = ("MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 "
                  "(inclusive)")


def fn_arn(name, qualifier=None):
    arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCT, name)
    return arn + ":" + qualifier if qualifier else arn


def vmsg(value, field, constraint):
    return ("1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s"
            % ("null" if value is None else "'%s'" % value, field, constraint))


def strip(resp):
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


class EsmTestCase(T.DdbTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam_nv = cls.server.client("lambda", parameter_validation=False)

    def setUp(self):
        super().setUp()
        self.create_function("fn")
        self.stream = self.create_table("tbl", stream="NEW_AND_OLD_IMAGES")["LatestStreamArn"]

    def esm(self, fn="fn", stream=None, **kw):
        kw.setdefault("StartingPosition", "TRIM_HORIZON")
        return self.lam.create_event_source_mapping(EventSourceArn=stream or self.stream,
                                                    FunctionName=fn, **kw)

    def wait_state(self, uuid, state, timeout=2.0):
        deadline = time.monotonic() + timeout
        while True:
            got = self.lam.get_event_source_mapping(UUID=uuid)
            if got["State"] == state:
                return got
            if time.monotonic() > deadline:
                self.fail("mapping %s stayed %s, wanted %s" % (uuid, got["State"], state))
            time.sleep(0.05)

    def wait_gone(self, uuid, timeout=2.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.lam.get_event_source_mapping(UUID=uuid)
            except harness.ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ResourceNotFoundException")
                return
            if time.monotonic() > deadline:
                self.fail("mapping %s not deleted" % uuid)
            time.sleep(0.05)


class CreateTests(EsmTestCase):
    def test_create_defaults_and_settle(self):
        t0 = time.time()
        r = self.esm()
        self.assertStatus(r, 202)
        uuid = r["UUID"]
        self.assertRegex(uuid, UUID_RE)
        lm = r["LastModified"]   # botocore parses the epoch number into a datetime
        self.assertLess(abs(lm.timestamp() - t0), 5)
        got = strip(r)
        del got["LastModified"]
        self.assertEqual(got, {
            "UUID": uuid,
            "EventSourceMappingArn": "arn:aws:lambda:%s:%s:event-source-mapping:%s" % (REGION, ACCT, uuid),
            "EventSourceArn": self.stream,
            "FunctionArn": fn_arn("fn"),
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 0,
            "ParallelizationFactor": 1,
            "MaximumRecordAgeInSeconds": -1,
            "MaximumRetryAttempts": -1,
            "BisectBatchOnFunctionError": False,
            "TumblingWindowInSeconds": 0,
            "FunctionResponseTypes": [],
            "DestinationConfig": {"OnFailure": {}},
            "LastProcessingResult": "No records processed",
            "State": "Creating",
            "StateTransitionReason": "User action",
        })
        g = self.wait_state(uuid, "Enabled", timeout=1.0)
        self.assertStatus(g, 200)
        self.assertEqual(g["StateTransitionReason"], "User action")
        self.assertEqual(g["BatchSize"], 100)
        self.assertNotIn("FilterCriteria", g)

    def test_raw_wire_shape(self):
        # LastModified is an epoch-seconds number on the wire.
        body = {"EventSourceArn": self.stream, "FunctionName": "fn", "StartingPosition": "LATEST"}
        r = self.server.request("POST", "/2015-03-31/event-source-mappings/", body=body,
                                headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 202, r)
        doc = r.json()
        self.assertIsInstance(doc["LastModified"], (int, float))
        self.assertEqual(doc["StartingPosition"], "LATEST")
        r = self.server.request("GET", "/2015-03-31/event-source-mappings/%s" % doc["UUID"])
        self.assertEqual(r.status, 200)
        r = self.server.request("GET", "/2015-03-31/event-source-mappings/nope")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("x-amzn-ErrorType"), "ResourceNotFoundException")

    def test_create_disabled(self):
        r = self.esm(Enabled=False)
        self.assertEqual(r["State"], "Creating")
        self.wait_state(r["UUID"], "Disabled", timeout=1.0)

    def test_all_settings_stored(self):
        pattern = json.dumps({"eventName": ["INSERT"]})
        r = self.esm(StartingPosition="LATEST", BatchSize=10000, MaximumBatchingWindowInSeconds=300,
                     ParallelizationFactor=10, MaximumRecordAgeInSeconds=60,
                     MaximumRetryAttempts=10000, BisectBatchOnFunctionError=True,
                     TumblingWindowInSeconds=900, FunctionResponseTypes=["ReportBatchItemFailures"],
                     FilterCriteria={"Filters": [{"Pattern": pattern}]},
                     DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:dlq"}})
        g = self.wait_state(r["UUID"], "Enabled")
        for src in (r, g):
            self.assertEqual(src["StartingPosition"], "LATEST")
            self.assertEqual(src["BatchSize"], 10000)
            self.assertEqual(src["MaximumBatchingWindowInSeconds"], 300)
            self.assertEqual(src["ParallelizationFactor"], 10)
            self.assertEqual(src["MaximumRecordAgeInSeconds"], 60)
            self.assertEqual(src["MaximumRetryAttempts"], 10000)
            self.assertEqual(src["BisectBatchOnFunctionError"], True)
            self.assertEqual(src["TumblingWindowInSeconds"], 900)
            self.assertEqual(src["FunctionResponseTypes"], ["ReportBatchItemFailures"])
            self.assertEqual(src["FilterCriteria"], {"Filters": [{"Pattern": pattern}]})
            self.assertEqual(src["DestinationConfig"],
                             {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:dlq"}})
        # Lower bounds too.
        self.create_function("fn2")
        r = self.esm("fn2", BatchSize=1, MaximumRecordAgeInSeconds=-1, MaximumRetryAttempts=-1,
                     ParallelizationFactor=1, TumblingWindowInSeconds=0, MaximumBatchingWindowInSeconds=0,
                     DestinationConfig={"OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:t"}})
        self.assertEqual(r["BatchSize"], 1)
        self.assertEqual(r["DestinationConfig"]["OnFailure"]["Destination"],
                         "arn:aws:sns:us-east-1:000000000000:t")

    def test_range_errors(self):
        cases = [
            ("BatchSize", 0, "batchSize", "Member must have value greater than or equal to 1"),
            ("BatchSize", 10001, "batchSize", "Member must have value less than or equal to 10000"),
            ("MaximumBatchingWindowInSeconds", -1, "maximumBatchingWindowInSeconds",
             "Member must have value greater than or equal to 0"),
            ("MaximumBatchingWindowInSeconds", 301, "maximumBatchingWindowInSeconds",
             "Member must have value less than or equal to 300"),
            ("ParallelizationFactor", 0, "parallelizationFactor",
             "Member must have value greater than or equal to 1"),
            ("ParallelizationFactor", 11, "parallelizationFactor",
             "Member must have value less than or equal to 10"),
            ("MaximumRetryAttempts", -2, "maximumRetryAttempts",
             "Member must have value greater than or equal to -1"),
            ("MaximumRetryAttempts", 10001, "maximumRetryAttempts",
             "Member must have value less than or equal to 10000"),
            ("MaximumRecordAgeInSeconds", -2, "maximumRecordAgeInSeconds",
             "Member must have value greater than or equal to -1"),
            ("MaximumRecordAgeInSeconds", 604801, "maximumRecordAgeInSeconds",
             "Member must have value less than or equal to 604800"),
            ("TumblingWindowInSeconds", -1, "tumblingWindowInSeconds",
             "Member must have value greater than or equal to 0"),
            ("TumblingWindowInSeconds", 901, "tumblingWindowInSeconds",
             "Member must have value less than or equal to 900"),
        ]
        for key, value, field, constraint in cases:
            with self.subTest(key=key, value=value):
                self.assertAwsError(self.lam_nv.create_event_source_mapping, "ValidationException", 400,
                                    vmsg(value, field, constraint), EventSourceArn=self.stream,
                                    FunctionName="fn", StartingPosition="LATEST", **{key: value})
        # Two at once: reported together.
        self.assertAwsError(
            self.lam_nv.create_event_source_mapping, "ValidationException", 400,
            "2 validation errors detected: Value '0' at 'batchSize' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1; Value '11' at 'parallelizationFactor' "
            "failed to satisfy constraint: Member must have value less than or equal to 10",
            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="LATEST", BatchSize=0,
            ParallelizationFactor=11)
        for age in (0, 1, 59):
            self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                                RECORD_AGE_MSG, EventSourceArn=self.stream, FunctionName="fn",
                                StartingPosition="LATEST", MaximumRecordAgeInSeconds=age)
        self.assertEqual(self.lam.list_event_source_mappings()["EventSourceMappings"], [])

    def test_starting_position(self):
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "InvalidParameterValueException", 400,
                            vmsg(None, "startingPosition", "Member must not be null."),
                            EventSourceArn=self.stream, FunctionName="fn")
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "ValidationException", 400,
                            vmsg("OLDEST", "startingPosition",
                                 "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"),
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="OLDEST")
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            "Unsupported starting position for arn type: %s" % self.stream,
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="AT_TIMESTAMP",
                            StartingPositionTimestamp=1700000000)

    def test_function_response_types(self):
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "ValidationException", 400,
                            vmsg("[Foo]", "functionResponseTypes",
                                 "Member must satisfy constraint: [Member must satisfy enum value set: "
                                 "[ReportBatchItemFailures]]"),
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="LATEST",
                            FunctionResponseTypes=["Foo"])
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "ValidationException", 400,
                            vmsg("[ReportBatchItemFailures, ReportBatchItemFailures]", "functionResponseTypes",
                                 "Member must have length less than or equal to 1"),
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="LATEST",
                            FunctionResponseTypes=["ReportBatchItemFailures", "ReportBatchItemFailures"])

    def test_event_source_errors(self):
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "InvalidParameterValueException", 400,
                            "Unrecognized event source.", FunctionName="fn", StartingPosition="LATEST")
        for arn in ("arn:aws:sqs:us-east-1:000000000000:q",
                    "arn:aws:kinesis:us-east-1:000000000000:stream/k",
                    "arn:aws:dynamodb:us-east-1:000000000000:table/t"):
            self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                                "Unrecognized event source.", EventSourceArn=arn, FunctionName="fn",
                                StartingPosition="LATEST")
        missing = self.stream.replace("/stream/", "/stream/x")
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            "Stream not found: %s" % missing, EventSourceArn=missing, FunctionName="fn",
                            StartingPosition="LATEST")
        # A stream of another region is not found from here.
        other = self.server.client("dynamodb", region="eu-west-1")
        arn = self.create_table("tbl", stream="KEYS_ONLY", client=other)["LatestStreamArn"]
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            "Stream not found: %s" % arn, EventSourceArn=arn, FunctionName="fn",
                            StartingPosition="LATEST")
        self.assertAwsError(self.lam.create_event_source_mapping, "ValidationException", 400,
                            vmsg("not-an-arn", "eventSourceArn",
                                 "Member must satisfy regular expression pattern: " + ARN_PATTERN),
                            EventSourceArn="not-an-arn", FunctionName="fn", StartingPosition="LATEST")

    def test_function_errors(self):
        for name in ("nope", "fn:nope", "fn:7", fn_arn("nope"), "000000000000:function:fn:live"):
            with self.subTest(name=name):
                self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException",
                                    400, "Function does not exist", EventSourceArn=self.stream,
                                    FunctionName=name, StartingPosition="LATEST")
        self.assertAwsError(self.lam.create_event_source_mapping, "ValidationException", 400,
                            message_re=r"at 'functionName' failed to satisfy constraint: Member must "
                                       r"satisfy regular expression pattern",
                            EventSourceArn=self.stream, FunctionName="bad name!", StartingPosition="LATEST")
        self.assertAwsError(self.lam.create_event_source_mapping, "ResourceNotFoundException", 404,
                            "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
                            EventSourceArn=self.stream,
                            FunctionName="arn:aws:lambda:eu-west-1:000000000000:function:fn",
                            StartingPosition="LATEST")
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "ValidationException", 400,
                            vmsg(None, "functionName", "Member must not be null"),
                            EventSourceArn=self.stream, StartingPosition="LATEST")

    def test_qualified_function_arns(self):
        self.lam.publish_version(FunctionName="fn")
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        cases = [("fn:live", fn_arn("fn", "live")), ("fn:1", fn_arn("fn", "1")),
                 ("fn:$LATEST", fn_arn("fn", "$LATEST")), (fn_arn("fn", "live"), None),
                 ("fn", fn_arn("fn")), ]
        seen = set()
        for name, want in cases:
            with self.subTest(name=name):
                if want in seen or want is None:
                    # Same resolved ARN as an earlier mapping: a duplicate.
                    self.assertAwsError(self.lam.create_event_source_mapping, "ResourceConflictException", 409,
                                        message_re="provided mapping already exists",
                                        EventSourceArn=self.stream, FunctionName=name,
                                        StartingPosition="LATEST")
                    continue
                r = self.esm(name)
                self.assertEqual(r["FunctionArn"], want)
                seen.add(want)
        self.assertEqual(len(self.lam.list_event_source_mappings()["EventSourceMappings"]), 4)

    def test_filter_criteria_errors(self):
        p = json.dumps({"eventName": ["INSERT"]})
        bad = ['{"eventName": "INSERT"}', "{}", "not json", '{"a": []}', '{"a": [{"numeric": [">", "1"]}]}',
               '{"a": [{"regex": "x"}]}', '["INSERT"]']
        for pat in bad:
            with self.subTest(pattern=pat):
                self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                                    BAD_FILTER, EventSourceArn=self.stream, FunctionName="fn",
                                    StartingPosition="LATEST", FilterCriteria={"Filters": [{"Pattern": pat}]})
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            BAD_FILTER, EventSourceArn=self.stream, FunctionName="fn",
                            StartingPosition="LATEST", FilterCriteria={"Filters": [{"Pattern": p}] * 6})
        long_pattern = '{"a": ["%s"]}' % ("x" * 4090)
        self.assertEqual(len(long_pattern), 4101)
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            BAD_FILTER, EventSourceArn=self.stream, FunctionName="fn",
                            StartingPosition="LATEST", FilterCriteria={"Filters": [{"Pattern": long_pattern}]})
        ok = '{"a": ["%s"]}' % ("x" * 4085)
        self.assertEqual(len(ok), 4096)
        r = self.esm(FilterCriteria={"Filters": [{"Pattern": p}] * 4 + [{"Pattern": ok}]})
        self.assertEqual(len(r["FilterCriteria"]["Filters"]), 5)
        self.assertEqual(r["FilterCriteria"]["Filters"][4]["Pattern"], ok)

    def test_destination_errors(self):
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            "Unsupported DestinationConfig parameter for given event source mapping type.",
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="LATEST",
                            DestinationConfig={"OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}})
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            message_re=r"^The destination ARN arn:aws:lambda:us-east-1:000000000000:function:fn "
                                       r"is not supported",
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="LATEST",
                            DestinationConfig={"OnFailure": {"Destination": fn_arn("fn")}})
        r = self.esm(DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})
        self.assertEqual(r["DestinationConfig"], {"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})

    def test_wrong_json_types(self):
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "InvalidRequestContentException", 400,
                            message_re="BatchSize", EventSourceArn=self.stream, FunctionName="fn",
                            StartingPosition="LATEST", BatchSize="ten")

    def test_duplicate(self):
        first = self.esm()["UUID"]
        self.assertAwsError(self.lam.create_event_source_mapping, "ResourceConflictException", 409,
                            DUP_MSG % (self.stream, "fn", first), EventSourceArn=self.stream,
                            FunctionName="fn", StartingPosition="LATEST")
        # Any spelling of the same function; the message quotes it as given.
        self.assertAwsError(self.lam.create_event_source_mapping, "ResourceConflictException", 409,
                            DUP_MSG % (self.stream, fn_arn("fn"), first), EventSourceArn=self.stream,
                            FunctionName=fn_arn("fn"), StartingPosition="LATEST")
        # Another function on the same stream, and the same function on another stream, are fine.
        self.create_function("other")
        self.assertStatus(self.esm("other"), 202)
        s2 = self.create_table("tbl2", stream="KEYS_ONLY")["LatestStreamArn"]
        self.assertStatus(self.esm("fn", stream=s2), 202)
        self.assertEqual(len(self.lam.list_event_source_mappings()["EventSourceMappings"]), 3)

    def test_deleting_the_function_keeps_its_mappings(self):
        uuid = self.esm()["UUID"]
        self.lam.delete_function(FunctionName="fn")
        g = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(g["FunctionArn"], fn_arn("fn"))


class UpdateDeleteTests(EsmTestCase):
    def maybe_in_use(self, uuid, state, **kw):
        """An update right after a change: the manager settles states within
        milliseconds, so this may already succeed; when it is refused, it
        must be with ResourceInUseException and the state named. (The refusal
        itself is asserted deterministically in tests/unit/test_esm_api.c,
        where no manager runs.)"""
        try:
            r = self.lam.update_event_source_mapping(UUID=uuid, **kw)
        except harness.ClientError as e:
            err = e.response["Error"]
            self.assertEqual((err["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]),
                             ("ResourceInUseException", 400))
            self.assertEqual(err["Message"], "Cannot update the event source mapping %s because it is "
                             "in use (state: %s)." % (uuid, state))
            return
        self.assertEqual(r["State"], "Updating")
        self.wait_state(uuid, "Enabled")

    def test_update_settings_and_function(self):
        uuid = self.esm()["UUID"]
        self.maybe_in_use(uuid, "Creating", BatchSize=100)
        before = self.wait_state(uuid, "Enabled")
        time.sleep(0.01)
        self.lam.publish_version(FunctionName="fn")
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        r = self.lam.update_event_source_mapping(UUID=uuid, FunctionName="fn:live", BatchSize=5,
                                                 MaximumRetryAttempts=3)
        self.assertStatus(r, 202)
        self.assertEqual(r["UUID"], uuid)
        self.assertEqual(r["State"], "Updating")
        self.assertEqual(r["FunctionArn"], fn_arn("fn", "live"))
        self.assertEqual(r["BatchSize"], 5)
        self.assertEqual(r["MaximumRetryAttempts"], 3)
        self.assertEqual(r["StartingPosition"], "TRIM_HORIZON")
        self.assertEqual(r["ParallelizationFactor"], 1)
        self.assertGreater(r["LastModified"], before["LastModified"])
        self.maybe_in_use(uuid, "Updating", BatchSize=5)
        g = self.wait_state(uuid, "Enabled")
        self.assertEqual(g["FunctionArn"], fn_arn("fn", "live"))
        self.assertEqual(g["BatchSize"], 5)

    def test_disable_enable(self):
        uuid = self.esm()["UUID"]
        self.wait_state(uuid, "Enabled")
        r = self.lam.update_event_source_mapping(UUID=uuid, Enabled=False)
        self.assertEqual(r["State"], "Disabling")
        self.wait_state(uuid, "Disabled")
        r = self.lam.update_event_source_mapping(UUID=uuid, BatchSize=7)
        self.assertEqual(r["State"], "Updating")
        self.wait_state(uuid, "Disabled")   # stays disabled
        r = self.lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        self.assertEqual(r["State"], "Enabling")
        self.assertEqual(self.wait_state(uuid, "Enabled")["BatchSize"], 7)

    def test_update_filters_and_destination(self):
        p = json.dumps({"eventName": ["REMOVE"]})
        uuid = self.esm(FilterCriteria={"Filters": [{"Pattern": p}]},
                        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:q"}})["UUID"]
        self.wait_state(uuid, "Enabled")
        self.assertAwsError(self.lam.update_event_source_mapping, "InvalidParameterValueException", 400,
                            BAD_FILTER, UUID=uuid, FilterCriteria={"Filters": [{"Pattern": "{}"}]})
        r = self.lam.update_event_source_mapping(UUID=uuid, FilterCriteria={"Filters": []},
                                                 DestinationConfig={"OnFailure": {}})
        self.assertNotIn("FilterCriteria", r)
        self.assertEqual(r["DestinationConfig"], {"OnFailure": {}})
        g = self.wait_state(uuid, "Enabled")
        self.assertNotIn("FilterCriteria", g)

    def test_update_errors(self):
        uuid = self.esm()["UUID"]
        self.wait_state(uuid, "Enabled")
        self.assertAwsError(self.lam_nv.update_event_source_mapping, "ValidationException", 400,
                            vmsg(20000, "batchSize", "Member must have value less than or equal to 10000"),
                            UUID=uuid, BatchSize=20000)
        self.assertAwsError(self.lam.update_event_source_mapping, "InvalidParameterValueException", 400,
                            RECORD_AGE_MSG, UUID=uuid, MaximumRecordAgeInSeconds=30)
        self.assertAwsError(self.lam.update_event_source_mapping, "InvalidParameterValueException", 400,
                            "Function does not exist", UUID=uuid, FunctionName="ghost")
        self.create_function("g2")
        other = self.esm("g2")["UUID"]
        self.assertAwsError(self.lam.update_event_source_mapping, "ResourceConflictException", 409,
                            DUP_MSG % (self.stream, "g2", other), UUID=uuid, FunctionName="g2")
        # Updating to its own function is not a duplicate.
        self.assertEqual(self.lam.update_event_source_mapping(UUID=uuid, FunctionName="fn")["State"], "Updating")
        self.assertAwsError(self.lam.update_event_source_mapping, "ResourceNotFoundException", 404,
                            NOT_FOUND, UUID="00000000-0000-0000-0000-000000000000", BatchSize=5)
        # Nothing changed by the refused requests.
        g = self.wait_state(uuid, "Enabled")
        self.assertEqual((g["BatchSize"], g["MaximumRecordAgeInSeconds"], g["FunctionArn"]),
                         (100, -1, fn_arn("fn")))

    def test_delete(self):
        uuid = self.esm()["UUID"]
        self.wait_state(uuid, "Enabled")
        r = self.lam.delete_event_source_mapping(UUID=uuid)
        self.assertStatus(r, 202)
        self.assertEqual(r["State"], "Deleting")
        self.assertEqual(r["UUID"], uuid)
        self.assertEqual(r["FunctionArn"], fn_arn("fn"))
        self.wait_gone(uuid, timeout=1.0)
        for op, kw in ((self.lam.get_event_source_mapping, {}),
                       (self.lam.update_event_source_mapping, {"BatchSize": 5}),
                       (self.lam.delete_event_source_mapping, {})):
            self.assertAwsError(op, "ResourceNotFoundException", 404, NOT_FOUND, UUID=uuid, **kw)
        self.assertEqual(self.lam.list_event_source_mappings()["EventSourceMappings"], [])
        # The pair may be mapped again: a new UUID.
        self.assertNotEqual(self.esm()["UUID"], uuid)

    def test_delete_right_after_create(self):
        # Refused while Creating (ResourceInUse) or accepted once settled;
        # either way the mapping is gone after a delete that was accepted.
        uuid = self.esm()["UUID"]
        try:
            r = self.lam.delete_event_source_mapping(UUID=uuid)
        except harness.ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "ResourceInUseException")
            self.assertEqual(e.response["Error"]["Message"], "Cannot delete the event source mapping %s "
                             "because it is in use (state: Creating)." % uuid)
            self.wait_state(uuid, "Enabled")
            r = self.lam.delete_event_source_mapping(UUID=uuid)
        self.assertEqual(r["State"], "Deleting")
        self.wait_gone(uuid)

    def test_other_account_cannot_see(self):
        uuid = self.esm()["UUID"]
        other = self.server.client("lambda", access_key="111111111111")
        self.assertAwsError(other.get_event_source_mapping, "ResourceNotFoundException", 404, NOT_FOUND, UUID=uuid)
        self.assertAwsError(other.delete_event_source_mapping, "ResourceNotFoundException", 404, NOT_FOUND,
                            UUID=uuid)
        self.assertEqual(other.list_event_source_mappings()["EventSourceMappings"], [])


class ListTests(EsmTestCase):
    def test_filters(self):
        self.lam.publish_version(FunctionName="fn")
        self.lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
        self.create_function("other")
        s2 = self.create_table("tbl2", stream="KEYS_ONLY")["LatestStreamArn"]
        a = self.esm("fn")["UUID"]
        b = self.esm("fn:live")["UUID"]
        c = self.esm("other")["UUID"]
        d = self.esm("fn", stream=s2)["UUID"]

        def uuids(**kw):
            return sorted(m["UUID"] for m in self.lam.list_event_source_mappings(**kw)["EventSourceMappings"])

        self.assertEqual(uuids(), sorted([a, b, c, d]))
        self.assertEqual(uuids(EventSourceArn=self.stream), sorted([a, b, c]))
        self.assertEqual(uuids(EventSourceArn=s2), [d])
        self.assertEqual(uuids(FunctionName="fn"), sorted([a, b, d]))
        self.assertEqual(uuids(FunctionName=fn_arn("fn")), sorted([a, b, d]))
        self.assertEqual(uuids(FunctionName="000000000000:function:fn"), sorted([a, b, d]))
        self.assertEqual(uuids(FunctionName="fn:live"), [b])
        self.assertEqual(uuids(FunctionName=fn_arn("fn", "live")), [b])
        self.assertEqual(uuids(FunctionName="other", EventSourceArn=self.stream), [c])
        self.assertEqual(uuids(FunctionName="other", EventSourceArn=s2), [])
        self.assertEqual(uuids(FunctionName="ghost"), [])
        self.assertEqual(uuids(EventSourceArn=self.stream.replace("/stream/", "/stream/x")), [])
        one = self.lam.list_event_source_mappings(FunctionName="other")["EventSourceMappings"][0]
        self.assertEqual(one, strip(self.lam.get_event_source_mapping(UUID=c)))

    def test_pagination(self):
        names = ["f%d" % i for i in range(5)]
        for n in names:
            self.create_function(n)
        made = sorted(self.esm(n)["UUID"] for n in names)
        got, marker, pages = [], None, 0
        while True:
            kw = {"MaxItems": 2}
            if marker:
                kw["Marker"] = marker
            r = self.lam.list_event_source_mappings(**kw)
            pages += 1
            self.assertLessEqual(len(r["EventSourceMappings"]), 2)
            got += [m["UUID"] for m in r["EventSourceMappings"]]
            marker = r.get("NextMarker")
            if not marker:
                break
        self.assertEqual(got, made)
        self.assertEqual(pages, 3)
        paginator = self.lam.get_paginator("list_event_source_mappings")
        self.assertEqual([m["UUID"] for p in paginator.paginate(PaginationConfig={"PageSize": 3})
                          for m in p["EventSourceMappings"]], made)
        self.assertAwsError(self.lam_nv.list_event_source_mappings, "ValidationException", 400,
                            vmsg("0", "maxItems", "Member must have value greater than or equal to 1"),
                            MaxItems=0)
        self.assertAwsError(self.lam_nv.list_event_source_mappings, "ValidationException", 400,
                            vmsg("10001", "maxItems", "Member must have value less than or equal to 10000"),
                            MaxItems=10001)


class CliTests(EsmTestCase):
    def aws(self, *args):
        p = self.server.cli(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.json

    def test_cli_round_trip(self):
        r = self.aws("lambda", "create-event-source-mapping", "--function-name", "fn",
                     "--event-source-arn", self.stream, "--starting-position", "LATEST",
                     "--batch-size", "25", "--filter-criteria",
                     json.dumps({"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]}))
        self.assertEqual(r["State"], "Creating")
        self.assertEqual(r["BatchSize"], 25)
        self.assertIsInstance(r["LastModified"], (int, float))   # epoch seconds, as AWS sends them
        uuid = r["UUID"]
        self.wait_state(uuid, "Enabled")
        g = self.aws("lambda", "get-event-source-mapping", "--uuid", uuid)
        self.assertEqual(g["State"], "Enabled")
        l = self.aws("lambda", "list-event-source-mappings", "--function-name", "fn")
        self.assertEqual([m["UUID"] for m in l["EventSourceMappings"]], [uuid])
        u = self.aws("lambda", "update-event-source-mapping", "--uuid", uuid, "--no-enabled")
        self.assertEqual(u["State"], "Disabling")
        self.wait_state(uuid, "Disabled")
        p = self.server.cli("lambda", "create-event-source-mapping", "--function-name", "fn",
                            "--event-source-arn", self.stream, "--starting-position", "LATEST")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ResourceConflictException", p.stderr)
        self.assertIn("UUID %s" % uuid, p.stderr)
        d = self.aws("lambda", "delete-event-source-mapping", "--uuid", uuid)
        self.assertEqual(d["State"], "Deleting")
        self.wait_gone(uuid)


def esm_arn(uuid):
    return "arn:aws:lambda:%s:%s:event-source-mapping:%s" % (REGION, ACCT, uuid)


class TagTests(EsmTestCase):
    """Tags on a mapping (Terraform's aws_lambda_event_source_mapping reads
    them with ListTags on every refresh)."""

    def test_tags_on_create_and_tag_untag_list(self):
        uuid = self.esm(Tags={"team": "data", "env": "dev"})["UUID"]
        arn = esm_arn(uuid)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"team": "data", "env": "dev"})
        # the configuration carries no tags (the model has no member for them)
        self.assertNotIn("Tags", self.lam.get_event_source_mapping(UUID=uuid))
        self.assertStatus(self.lam.tag_resource(Resource=arn, Tags={"env": "prod", "x": "1"}), 204)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"team": "data", "env": "prod", "x": "1"})
        self.assertStatus(self.lam.untag_resource(Resource=arn, TagKeys=["team", "nosuch"]), 204)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"env": "prod", "x": "1"})
        # an update keeps them
        self.wait_state(uuid, "Enabled")
        self.lam.update_event_source_mapping(UUID=uuid, BatchSize=7)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"env": "prod", "x": "1"})

    def test_untagged_mapping_lists_empty(self):
        uuid = self.esm()["UUID"]
        self.assertEqual(self.lam.list_tags(Resource=esm_arn(uuid))["Tags"], {})
        # a function's tags are its own
        self.lam.tag_resource(Resource=fn_arn("fn"), Tags={"f": "1"})
        self.assertEqual(self.lam.list_tags(Resource=esm_arn(uuid))["Tags"], {})
        self.assertEqual(self.lam.list_tags(Resource=fn_arn("fn"))["Tags"], {"f": "1"})

    def test_unknown_mapping(self):
        arn = esm_arn("00000000-1111-2222-3333-444444444444")
        for call, kw in ((self.lam.list_tags, {}), (self.lam.tag_resource, {"Tags": {"a": "b"}}),
                         (self.lam.untag_resource, {"TagKeys": ["a"]})):
            self.assertAwsError(call, "ResourceNotFoundException", 404, NOT_FOUND, Resource=arn, **kw)
        # another region's mapping is not this one
        uuid = self.esm()["UUID"]
        other = esm_arn(uuid).replace(REGION, "eu-west-1")
        self.assertAwsError(self.lam.list_tags, "ResourceNotFoundException", 404, NOT_FOUND, Resource=other)

    def test_deleted_mapping_loses_its_tags(self):
        uuid = self.esm(Tags={"a": "b"})["UUID"]
        self.wait_state(uuid, "Enabled")
        self.lam.delete_event_source_mapping(UUID=uuid)
        self.wait_gone(uuid)
        self.assertAwsError(self.lam.list_tags, "ResourceNotFoundException", 404, NOT_FOUND,
                            Resource=esm_arn(uuid))

    def test_bad_tags_on_create(self):
        self.assertAwsError(self.lam_nv.create_event_source_mapping, "InvalidRequestContentException", 400,
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="LATEST",
                            Tags={"a": 1})
        too_many = {"k%d" % i: "v" for i in range(51)}
        self.assertAwsError(self.lam.create_event_source_mapping, "InvalidParameterValueException", 400,
                            "Number of tags exceeds resource tag limit: a resource can have at most 50 tags.",
                            EventSourceArn=self.stream, FunctionName="fn", StartingPosition="LATEST",
                            Tags=too_many)
        self.assertEqual(self.lam.list_event_source_mappings()["EventSourceMappings"], [])

    def test_malformed_mapping_arn(self):
        for bad in ("arn:aws:lambda:%s:%s:event-source-mapping:not-a-uuid" % (REGION, ACCT),
                    "arn:aws:lambda:%s::event-source-mapping:00000000-1111-2222-3333-444444444444" % REGION):
            self.assertAwsError(self.lam.list_tags, "InvalidParameterValueException", 400,
                                "Unsupported resource type for tagging or invalid arn: " + bad, Resource=bad)


class RestartTests(EsmTestCase):
    server_kwargs = {"in_memory": False}

    def test_mappings_survive_restart(self):
        p = json.dumps({"eventName": ["MODIFY"]})
        a = self.esm(BatchSize=42, FilterCriteria={"Filters": [{"Pattern": p}]}, Tags={"team": "data"})["UUID"]
        self.lam.tag_resource(Resource=esm_arn(a), Tags={"more": "yes"})
        b = self.esm("fn", stream=self.create_table("tbl2", stream="KEYS_ONLY")["LatestStreamArn"],
                     Enabled=False)["UUID"]
        before_a = strip(self.wait_state(a, "Enabled"))
        before_b = strip(self.wait_state(b, "Disabled"))
        self.server.restart()
        self.lam = self.server.client("lambda")
        type(self).lam = self.lam
        self.assertEqual(strip(self.lam.get_event_source_mapping(UUID=a)), before_a)
        self.assertEqual(strip(self.lam.get_event_source_mapping(UUID=b)), before_b)
        self.assertEqual(len(self.lam.list_event_source_mappings()["EventSourceMappings"]), 2)
        self.assertEqual(self.lam.list_tags(Resource=esm_arn(a))["Tags"], {"team": "data", "more": "yes"})
        self.assertEqual(self.lam.list_tags(Resource=esm_arn(b))["Tags"], {})


if __name__ == "__main__":
    harness.main()
