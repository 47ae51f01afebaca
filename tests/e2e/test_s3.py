#!/usr/bin/env python3
"""S3 end to end (api/s3*.c): buckets, objects, listings, copies, multipart
uploads, errors, presigned URLs in both signature versions, virtual-hosted
addressing, the aws CLI, and Lambda code read from S3 — through stock
boto3 and the aws CLI, whose default checksums (CRC32 header, or
aws-chunked with a trailer) must work unchanged. The JS SDK v3's
defaults are covered by tests/js/test/s3.test.mjs.
"""

import base64
import io
import json
import os
import urllib.request
import unittest
import zipfile
import zlib

import boto3
from botocore.config import Config

from harness import SluiceTestCase, ClientError


def code_zip(body="def handler(e, c):\n    return {'ok': True}\n"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", body)
    return buf.getvalue()


class S3Test(SluiceTestCase):
    def setUp(self):
        self.s3 = self.server.client("s3")

    def err(self, fn, *args, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kw)
        e = cm.exception.response
        return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e

    def bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    # -- buckets -----------------------------------------------------------
    def test_buckets(self):
        self.s3.create_bucket(Bucket="bk-one")
        # us-east-1's legacy answer: re-creating one's own bucket succeeds.
        self.s3.create_bucket(Bucket="bk-one")
        self.s3.head_bucket(Bucket="bk-one")
        names = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertIn("bk-one", names)
        self.assertIsNone(self.s3.get_bucket_location(Bucket="bk-one")["LocationConstraint"])
        eu = self.server.client("s3", region="eu-west-1")
        eu.create_bucket(Bucket="bk-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(eu.get_bucket_location(Bucket="bk-eu")["LocationConstraint"], "eu-west-1")
        code, status, _ = self.err(eu.create_bucket, Bucket="bk-eu",
                                   CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual((code, status), ("BucketAlreadyOwnedByYou", 409))
        other = self.server.client("s3", access_key="111122223333")
        code, status, _ = self.err(other.create_bucket, Bucket="bk-one")
        self.assertEqual((code, status), ("BucketAlreadyExists", 409))
        code, status, _ = self.err(eu.create_bucket, Bucket="bk-nolc")
        self.assertEqual((code, status), ("IllegalLocationConstraintException", 400))
        code, status, _ = self.err(self.s3.create_bucket, Bucket="Bad_Name")
        self.assertEqual((code, status), ("InvalidBucketName", 400))
        code, status, _ = self.err(self.s3.head_bucket, Bucket="bk-missing")
        self.assertEqual((code, status), ("404", 404))
        self.s3.put_object(Bucket="bk-one", Key="k", Body=b"x")
        code, status, e = self.err(self.s3.delete_bucket, Bucket="bk-one")
        self.assertEqual((code, status), ("BucketNotEmpty", 409))
        self.s3.delete_object(Bucket="bk-one", Key="k")
        self.s3.delete_bucket(Bucket="bk-one")
        code, status, e = self.err(self.s3.delete_bucket, Bucket="bk-one")
        self.assertEqual((code, status), ("NoSuchBucket", 404))
        self.assertEqual(e["Error"]["BucketName"], "bk-one")
        self.assertEqual(e["Error"]["Message"], "The specified bucket does not exist")

    def test_bucket_documents(self):
        b = self.bucket("bk-docs")
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket=b))
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        code, status, _ = self.err(self.s3.get_bucket_tagging, Bucket=b)
        self.assertEqual((code, status), ("NoSuchTagSet", 404))
        self.s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "a", "Value": "1 & 2"}]})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket=b)["TagSet"], [{"Key": "a", "Value": "1 & 2"}])
        self.s3.delete_bucket_tagging(Bucket=b)
        self.err(self.s3.get_bucket_tagging, Bucket=b)
        policy = json.dumps({"Version": "2012-10-17", "Statement": []})
        code, status, _ = self.err(self.s3.get_bucket_policy, Bucket=b)
        self.assertEqual((code, status), ("NoSuchBucketPolicy", 404))
        self.s3.put_bucket_policy(Bucket=b, Policy=policy)
        self.assertEqual(self.s3.get_bucket_policy(Bucket=b)["Policy"], policy)
        self.s3.delete_bucket_policy(Bucket=b)

    # -- subresources (api/s3_config.c) -------------------------------------
    def test_bucket_defaults(self):
        """What AWS answers for a bucket created today with nothing set."""
        b = self.bucket("bk-defaults")
        s3 = self.s3
        for fn, code in [(s3.get_bucket_cors, "NoSuchCORSConfiguration"),
                         (s3.get_bucket_website, "NoSuchWebsiteConfiguration"),
                         (s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration"),
                         (s3.get_bucket_replication, "ReplicationConfigurationNotFoundError"),
                         (s3.get_object_lock_configuration, "ObjectLockConfigurationNotFoundError"),
                         (s3.get_bucket_policy_status, "NoSuchBucketPolicy")]:
            got, status, e = self.err(fn, Bucket=b)
            self.assertEqual((got, status), (code, 404), fn)
        self.assertEqual(self.err(s3.get_bucket_cors, Bucket=b)[2]["Error"]["Message"],
                         "The CORS configuration does not exist")
        self.assertNotIn("LoggingEnabled", s3.get_bucket_logging(Bucket=b))
        self.assertNotIn("Status", s3.get_bucket_accelerate_configuration(Bucket=b))
        self.assertEqual(s3.get_bucket_request_payment(Bucket=b)["Payer"], "BucketOwner")
        n = s3.get_bucket_notification_configuration(Bucket=b)
        self.assertNotIn("QueueConfigurations", n)
        rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule, {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                "BucketKeyEnabled": False})
        self.assertEqual(s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"],
                         [{"ObjectOwnership": "BucketOwnerEnforced"}])
        self.assertEqual(s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"],
                         {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                          "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        acl = s3.get_bucket_acl(Bucket=b)
        self.assertEqual([g["Permission"] for g in acl["Grants"]], ["FULL_CONTROL"])
        self.assertEqual(acl["Grants"][0]["Grantee"]["ID"], acl["Owner"]["ID"])
        got, status, _ = self.err(s3.get_bucket_cors, Bucket="bk-none-such")
        self.assertEqual((got, status), ("NoSuchBucket", 404))

    def test_bucket_config_cycles(self):
        b = self.bucket("bk-cycles")
        s3 = self.s3
        cors = {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 30}]}
        s3.put_bucket_cors(Bucket=b, CORSConfiguration=cors)
        self.assertEqual(s3.get_bucket_cors(Bucket=b)["CORSRules"], cors["CORSRules"])
        s3.delete_bucket_cors(Bucket=b)
        self.assertEqual(self.err(s3.get_bucket_cors, Bucket=b)[0], "NoSuchCORSConfiguration")
        site = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "err.html"}}
        s3.put_bucket_website(Bucket=b, WebsiteConfiguration=site)
        got = s3.get_bucket_website(Bucket=b)
        self.assertEqual((got["IndexDocument"], got["ErrorDocument"]), (site["IndexDocument"], site["ErrorDocument"]))
        s3.delete_bucket_website(Bucket=b)
        self.assertEqual(self.err(s3.get_bucket_website, Bucket=b)[0], "NoSuchWebsiteConfiguration")
        rules = [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]
        s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
        self.assertEqual(s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"], rules)
        s3.delete_bucket_lifecycle(Bucket=b)
        self.assertEqual(self.err(s3.get_bucket_lifecycle_configuration, Bucket=b)[0],
                         "NoSuchLifecycleConfiguration")
        kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                  "KMSMasterKeyID": "alias/k"},
                          "BucketKeyEnabled": True}]}
        s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration=kms)
        self.assertEqual(s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"], kms)
        s3.delete_bucket_encryption(Bucket=b)
        # SSE-S3 cannot be turned off: deleting restores the default.
        rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
        self.assertEqual(s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"],
                         [{"ObjectOwnership": "ObjectWriter"}])
        s3.delete_bucket_ownership_controls(Bucket=b)
        self.assertEqual(self.err(s3.get_bucket_ownership_controls, Bucket=b)[:2],
                         ("OwnershipControlsNotFoundError", 404))
        pab = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": False}
        s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=pab)
        self.assertEqual(s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"], pab)
        s3.delete_public_access_block(Bucket=b)
        self.assertEqual(self.err(s3.get_public_access_block, Bucket=b)[:2],
                         ("NoSuchPublicAccessBlockConfiguration", 404))
        s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": b,
                                                                                "TargetPrefix": "logs/"}})
        self.assertEqual(s3.get_bucket_logging(Bucket=b)["LoggingEnabled"]["TargetPrefix"], "logs/")
        s3.put_bucket_accelerate_configuration(Bucket=b, AccelerateConfiguration={"Status": "Suspended"})
        self.assertEqual(s3.get_bucket_accelerate_configuration(Bucket=b)["Status"], "Suspended")
        s3.put_bucket_request_payment(Bucket=b, RequestPaymentConfiguration={"Payer": "Requester"})
        self.assertEqual(s3.get_bucket_request_payment(Bucket=b)["Payer"], "Requester")
        s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={})
        # Replication needs versioning, as on AWS.
        repl = {"Role": "arn:aws:iam::123456789012:role/r",
                "Rules": [{"ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {},
                           "DeleteMarkerReplication": {"Status": "Disabled"},
                           "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]}
        self.assertEqual(self.err(s3.put_bucket_replication, Bucket=b, ReplicationConfiguration=repl)[:2],
                         ("InvalidRequest", 400))
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_replication(Bucket=b, ReplicationConfiguration=repl)
        self.assertEqual(s3.get_bucket_replication(Bucket=b)["ReplicationConfiguration"]["Role"], repl["Role"])
        s3.delete_bucket_replication(Bucket=b)
        self.assertEqual(self.err(s3.get_bucket_replication, Bucket=b)[0], "ReplicationConfigurationNotFoundError")
        s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
        self.assertFalse(s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"])
        # A body without the document's element is refused.
        r = self.server.request("PUT", "/%s?cors" % b, body=b"<Nothing/>")
        self.assertEqual(r.status, 400)
        self.assertIn(b"<Code>MalformedXML</Code>", r.body)

    def test_acls(self):
        b = self.bucket("bk-acls")
        s3 = self.s3
        s3.put_bucket_acl(Bucket=b, ACL="public-read")
        grants = s3.get_bucket_acl(Bucket=b)["Grants"]
        self.assertEqual([g["Permission"] for g in grants], ["FULL_CONTROL", "READ"])
        self.assertEqual(grants[1]["Grantee"]["URI"], "http://acs.amazonaws.com/groups/global/AllUsers")
        s3.put_bucket_acl(Bucket=b, ACL="private")
        self.assertEqual(len(s3.get_bucket_acl(Bucket=b)["Grants"]), 1)
        s3.put_object(Bucket=b, Key="k", Body=b"x")
        acl = s3.get_object_acl(Bucket=b, Key="k")
        self.assertEqual([g["Permission"] for g in acl["Grants"]], ["FULL_CONTROL"])
        s3.put_object_acl(Bucket=b, Key="k", ACL="authenticated-read")
        grants = s3.get_object_acl(Bucket=b, Key="k")["Grants"]
        self.assertEqual(grants[1]["Grantee"]["URI"], "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
        self.assertEqual(self.err(s3.get_object_acl, Bucket=b, Key="none")[:2], ("NoSuchKey", 404))

    def test_object_tagging(self):
        b = self.bucket("bk-otags")
        s3 = self.s3
        s3.put_object(Bucket=b, Key="k", Body=b"x")
        self.assertEqual(s3.get_object_tagging(Bucket=b, Key="k")["TagSet"], [])
        self.assertNotIn("TagCount", s3.get_object(Bucket=b, Key="k"))
        tags = [{"Key": "team", "Value": "a&b"}, {"Key": "env", "Value": ""}]
        s3.put_object_tagging(Bucket=b, Key="k", Tagging={"TagSet": tags})
        self.assertEqual(s3.get_object_tagging(Bucket=b, Key="k")["TagSet"], tags)
        self.assertEqual(s3.head_object(Bucket=b, Key="k")["ResponseMetadata"]["HTTPHeaders"]
                         ["x-amz-tagging-count"], "2")
        self.assertEqual(s3.get_object(Bucket=b, Key="k")["TagCount"], 2)
        s3.delete_object_tagging(Bucket=b, Key="k")
        self.assertEqual(s3.get_object_tagging(Bucket=b, Key="k")["TagSet"], [])
        # The x-amz-tagging header of PutObject.
        s3.put_object(Bucket=b, Key="h", Body=b"x", Tagging="a=1&b=two%20words")
        self.assertEqual(s3.get_object_tagging(Bucket=b, Key="h")["TagSet"],
                         [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}])
        self.assertEqual(self.err(s3.put_object, Bucket=b, Key="bad", Body=b"x", Tagging="=v")[:2],
                         ("InvalidArgument", 400))
        code, status, _ = self.err(s3.put_object_tagging, Bucket=b, Key="none", Tagging={"TagSet": tags})
        self.assertEqual((code, status), ("NoSuchKey", 404))
        many = [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]
        self.assertEqual(self.err(s3.put_object_tagging, Bucket=b, Key="k", Tagging={"TagSet": many})[:2],
                         ("BadRequest", 400))
        dup = [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]
        self.assertEqual(self.err(s3.put_object_tagging, Bucket=b, Key="k", Tagging={"TagSet": dup})[:2],
                         ("InvalidTag", 400))

    def test_object_lock_absent(self):
        b = self.bucket("bk-nolock")
        self.s3.put_object(Bucket=b, Key="k", Body=b"x")
        for fn in (self.s3.get_object_retention, self.s3.get_object_legal_hold):
            code, status, e = self.err(fn, Bucket=b, Key="k")
            self.assertEqual((code, status), ("InvalidRequest", 400))
            self.assertEqual(e["Error"]["Message"], "Bucket is missing Object Lock Configuration")
        code, status, _ = self.err(self.s3.put_object_legal_hold, Bucket=b, Key="k", LegalHold={"Status": "ON"})
        self.assertEqual((code, status), ("InvalidRequest", 400))

    def test_list_object_versions(self):
        b = self.bucket("bk-versions")
        for k in ("a", "b/1", "b/2", "c"):
            self.s3.put_object(Bucket=b, Key=k, Body=k.encode())
        got = self.s3.list_object_versions(Bucket=b)
        self.assertEqual([v["Key"] for v in got["Versions"]], ["a", "b/1", "b/2", "c"])
        self.assertTrue(all(v["VersionId"] == "null" and v["IsLatest"] for v in got["Versions"]))
        self.assertFalse(got["IsTruncated"])
        page = self.s3.list_object_versions(Bucket=b, MaxKeys=2)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["NextKeyMarker"], "b/1")
        rest = self.s3.list_object_versions(Bucket=b, KeyMarker=page["NextKeyMarker"],
                                            VersionIdMarker=page["NextVersionIdMarker"])
        self.assertEqual([v["Key"] for v in rest["Versions"]], ["b/2", "c"])
        cp = self.s3.list_object_versions(Bucket=b, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in cp["CommonPrefixes"]], ["b/"])
        # What Terraform's force_destroy does: delete every listed version.
        self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]}
                                                             for v in got["Versions"]]})
        self.assertNotIn("Versions", self.s3.list_object_versions(Bucket=b))
        self.s3.delete_bucket(Bucket=b)

    # -- objects -----------------------------------------------------------
    def test_put_get_head_delete(self):
        b = self.bucket("bk-obj")
        data = bytes(range(256)) * 40
        r = self.s3.put_object(Bucket=b, Key="dir/a b+c.bin", Body=data, ContentType="application/x-test",
                               Metadata={"Owner": "me", "n": "1"})
        import hashlib
        self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        crc = base64.b64encode((zlib.crc32(data) & 0xffffffff).to_bytes(4, "big")).decode()
        self.assertEqual(r.get("ChecksumCRC32"), crc)
        g = self.s3.get_object(Bucket=b, Key="dir/a b+c.bin", ChecksumMode="ENABLED")
        self.assertEqual(g["Body"].read(), data)
        self.assertEqual(g["ContentType"], "application/x-test")
        self.assertEqual(g["Metadata"], {"owner": "me", "n": "1"})
        self.assertEqual(g["ContentLength"], len(data))
        self.assertEqual(g["ChecksumCRC32"], crc)
        h = self.s3.head_object(Bucket=b, Key="dir/a b+c.bin")
        self.assertEqual(h["ContentLength"], len(data))
        self.assertEqual(h["ETag"], r["ETag"])
        rg = self.s3.get_object(Bucket=b, Key="dir/a b+c.bin", Range="bytes=10-19")
        self.assertEqual(rg["Body"].read(), data[10:20])
        self.assertEqual(rg["ContentRange"], "bytes 10-19/%d" % len(data))
        self.assertEqual(rg["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="dir/a b+c.bin", Range="bytes=-5")["Body"].read(),
                         data[-5:])
        code, status, _ = self.err(self.s3.get_object, Bucket=b, Key="dir/a b+c.bin",
                                   Range="bytes=999999-")
        self.assertEqual((code, status), ("InvalidRange", 416))
        code, status, _ = self.err(self.s3.put_object, Bucket=b, Key="dir/a b+c.bin", Body=b"new",
                                   IfNoneMatch="*")
        self.assertEqual((code, status), ("PreconditionFailed", 412))
        self.s3.put_object(Bucket=b, Key="empty", Body=b"")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="empty")["Body"].read(), b"")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="empty")["ContentType"], "binary/octet-stream")
        self.s3.delete_object(Bucket=b, Key="dir/a b+c.bin")
        self.s3.delete_object(Bucket=b, Key="dir/a b+c.bin")   # idempotent
        code, status, e = self.err(self.s3.get_object, Bucket=b, Key="dir/a b+c.bin")
        self.assertEqual((code, status), ("NoSuchKey", 404))
        self.assertEqual(e["Error"]["Key"], "dir/a b+c.bin")
        code, status, _ = self.err(self.s3.head_object, Bucket=b, Key="nope")
        self.assertEqual((code, status), ("404", 404))
        code, status, _ = self.err(self.s3.put_object, Bucket="bk-missing", Key="k", Body=b"x")
        self.assertEqual((code, status), ("NoSuchBucket", 404))

    def test_checksums(self):
        b = self.bucket("bk-ck")
        for algo in ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"):
            with self.subTest(algo=algo):
                try:
                    r = self.s3.put_object(Bucket=b, Key=algo, Body=b"hello world", ChecksumAlgorithm=algo)
                except Exception as e:  # CRC32C / CRC64NVME need awscrt in botocore
                    if "awscrt" in str(e) or "MissingDependency" in type(e).__name__:
                        continue
                    raise
                self.assertIn("Checksum" + algo, r)
                g = self.s3.head_object(Bucket=b, Key=algo, ChecksumMode="ENABLED")
                self.assertEqual(g["Checksum" + algo], r["Checksum" + algo])
        code, status, _ = self.err(self.s3.put_object, Bucket=b, Key="bad", Body=b"hello",
                                   ChecksumCRC32="AAAAAA==")
        self.assertEqual((code, status), ("BadDigest", 400))
        code, status, _ = self.err(self.s3.put_object, Bucket=b, Key="bad", Body=b"hello",
                                   ContentMD5=base64.b64encode(b"0" * 16).decode())
        self.assertEqual((code, status), ("BadDigest", 400))

    def test_aws_chunked_trailer(self):
        b = self.bucket("bk-chunked")
        data = b"0123456789" * 1000
        crc = base64.b64encode((zlib.crc32(data) & 0xffffffff).to_bytes(4, "big")).decode()
        body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (
            4000, data[:4000], 6000, data[4000:], crc.encode())
        hdrs = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "x-amz-decoded-content-length": str(len(data)), "x-amz-trailer": "x-amz-checksum-crc32",
                "x-amz-sdk-checksum-algorithm": "CRC32"}
        r = self.server.request("PUT", "/%s/chunked" % b, body=body, headers=hdrs)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.header("x-amz-checksum-crc32"), crc)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="chunked")["Body"].read(), data)
        bad = body.replace(crc.encode(), b"AAAAAA==")
        r = self.server.request("PUT", "/%s/chunked2" % b, body=bad, headers=hdrs)
        self.assertEqual(r.status, 400, r.body)
        self.assertIn(b"<Code>BadDigest</Code>", r.body)
        r = self.server.request("PUT", "/%s/chunked3" % b, body=b"zz\r\nxx", headers=hdrs)
        self.assertEqual(r.status, 400, r.body)

    def test_list_objects(self):
        b = self.bucket("bk-list")
        keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "d e", "é"]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=k.encode())
        r = self.s3.list_objects_v2(Bucket=b)
        self.assertEqual([o["Key"] for o in r["Contents"]], sorted(keys, key=lambda k: k.encode()))
        self.assertEqual(r["KeyCount"], len(keys))
        r = self.s3.list_objects_v2(Bucket=b, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "b/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c", "d e", "é"])
        r = self.s3.list_objects_v2(Bucket=b, Prefix="a/", Delimiter="/")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["a/1", "a/2"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/b/"])
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=b, PaginationConfig={"PageSize": 2})
        got = [o["Key"] for p in pages for o in p.get("Contents", [])]
        self.assertEqual(got, sorted(keys, key=lambda k: k.encode()))
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=b, Delimiter="/",
                                                                   PaginationConfig={"PageSize": 1})
        items = []
        for p in pages:
            items += [o["Key"] for o in p.get("Contents", [])] + [c["Prefix"] for c in p.get("CommonPrefixes", [])]
        self.assertEqual(items, ["a/", "b/", "c", "d e", "é"])
        pages = self.s3.get_paginator("list_objects").paginate(Bucket=b, PaginationConfig={"PageSize": 3})
        got = [o["Key"] for p in pages for o in p.get("Contents", [])]
        self.assertEqual(got, sorted(keys, key=lambda k: k.encode()))
        r = self.s3.list_objects_v2(Bucket=b, StartAfter="b/4")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c", "d e", "é"])

    def test_copy_and_delete_objects(self):
        b = self.bucket("bk-copy")
        self.s3.put_object(Bucket=b, Key="src", Body=b"data", Metadata={"m": "1"}, ContentType="text/plain")
        r = self.s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"})
        self.assertIn("ETag", r["CopyObjectResult"])
        g = self.s3.get_object(Bucket=b, Key="dst")
        self.assertEqual((g["Body"].read(), g["Metadata"], g["ContentType"]), (b"data", {"m": "1"}, "text/plain"))
        self.s3.copy_object(Bucket=b, Key="dst2", CopySource="%s/src" % b, MetadataDirective="REPLACE",
                            Metadata={"x": "y"})
        self.assertEqual(self.s3.head_object(Bucket=b, Key="dst2")["Metadata"], {"x": "y"})
        code, status, _ = self.err(self.s3.copy_object, Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src"})
        self.assertEqual((code, status), ("InvalidRequest", 400))
        code, status, _ = self.err(self.s3.copy_object, Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "none"})
        self.assertEqual((code, status), ("NoSuchKey", 404))
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "src"}, {"Key": "dst"}, {"Key": "nope"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["dst", "nope", "src"])
        self.assertEqual([o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]], ["dst2"])

    def test_multipart(self):
        b = self.bucket("bk-mp")
        from boto3.s3.transfer import TransferConfig
        path = os.path.join(self.server.tmp, "big.bin")
        data = os.urandom(5 * 1024 * 1024) + b"tail" * 1000
        with open(path, "wb") as f:
            f.write(data)
        self.s3.upload_file(path, b, "big", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024,
                                                                    multipart_chunksize=5 * 1024 * 1024))
        h = self.s3.head_object(Bucket=b, Key="big")
        self.assertEqual(h["ContentLength"], len(data))
        self.assertTrue(h["ETag"].endswith('-2"'), h["ETag"])
        import hashlib
        parts = [data[:5 * 1024 * 1024], data[5 * 1024 * 1024:]]
        want = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        self.assertEqual(h["ETag"], '"%s-2"' % want)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="big")["Body"].read(), data)
        # By hand: ListParts, ListMultipartUploads, Abort, and the errors.
        up = self.s3.create_multipart_upload(Bucket=b, Key="m")["UploadId"]
        self.assertEqual([u["UploadId"] for u in self.s3.list_multipart_uploads(Bucket=b)["Uploads"]], [up])
        e1 = self.s3.upload_part(Bucket=b, Key="m", UploadId=up, PartNumber=1, Body=b"small")["ETag"]
        e2 = self.s3.upload_part(Bucket=b, Key="m", UploadId=up, PartNumber=2, Body=b"last")["ETag"]
        self.assertEqual([p["PartNumber"] for p in self.s3.list_parts(Bucket=b, Key="m", UploadId=up)["Parts"]],
                         [1, 2])
        code, status, _ = self.err(self.s3.complete_multipart_upload, Bucket=b, Key="m", UploadId=up,
                                   MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                              {"PartNumber": 2, "ETag": e2}]})
        self.assertEqual((code, status), ("EntityTooSmall", 400))
        code, status, _ = self.err(self.s3.complete_multipart_upload, Bucket=b, Key="m", UploadId=up,
                                   MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2},
                                                              {"PartNumber": 1, "ETag": e1}]})
        self.assertEqual((code, status), ("InvalidPartOrder", 400))
        code, status, _ = self.err(self.s3.complete_multipart_upload, Bucket=b, Key="m", UploadId=up,
                                   MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"00"'}]})
        self.assertEqual((code, status), ("InvalidPart", 400))
        r = self.s3.complete_multipart_upload(Bucket=b, Key="m", UploadId=up,
                                              MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}]})
        self.assertTrue(r["ETag"].endswith('-1"'))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="m")["Body"].read(), b"last")
        code, status, _ = self.err(self.s3.list_parts, Bucket=b, Key="m", UploadId=up)
        self.assertEqual((code, status), ("NoSuchUpload", 404))
        up = self.s3.create_multipart_upload(Bucket=b, Key="n")["UploadId"]
        self.s3.abort_multipart_upload(Bucket=b, Key="n", UploadId=up)
        code, status, _ = self.err(self.s3.abort_multipart_upload, Bucket=b, Key="n", UploadId=up)
        self.assertEqual((code, status), ("NoSuchUpload", 404))

    # -- addressing and presigning -------------------------------------------
    def test_virtual_hosted(self):
        vs = self.server.client("s3", s3={"addressing_style": "virtual"})
        vs.create_bucket(Bucket="bk-virtual")
        vs.put_object(Bucket="bk-virtual", Key="x/y", Body=b"v")
        self.assertEqual(vs.get_object(Bucket="bk-virtual", Key="x/y")["Body"].read(), b"v")
        self.assertEqual([o["Key"] for o in vs.list_objects_v2(Bucket="bk-virtual")["Contents"]], ["x/y"])
        r = self.server.request("GET", "/x/y", headers={"Host": "bk-virtual.s3.localhost:%d" % self.server.port})
        self.assertEqual((r.status, r.body), (200, b"v"))

    def test_presigned(self):
        b = self.bucket("bk-presign")
        self.s3.put_object(Bucket=b, Key="p q", Body=b"presigned")
        for sig in ("s3v4", "s3"):
            with self.subTest(sig=sig):
                c = self.server.client("s3", signature_version=sig)
                url = c.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p q"}, ExpiresIn=300)
                self.assertIn("X-Amz-Credential" if sig == "s3v4" else "AWSAccessKeyId", url)
                with urllib.request.urlopen(url) as resp:
                    self.assertEqual(resp.read(), b"presigned")
        c = self.server.client("s3", signature_version="s3v4")
        url = c.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "up"}, ExpiresIn=300)
        req = urllib.request.Request(url, data=b"uploaded", method="PUT")
        with urllib.request.urlopen(req) as resp:
            self.assertEqual(resp.status, 200)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="up")["Body"].read(), b"uploaded")

    # -- the aws CLI -----------------------------------------------------------
    def test_cli(self):
        self.bucket("bk-cli")
        src = os.path.join(self.server.tmp, "cli.txt")
        with open(src, "w") as f:
            f.write("from the cli\n")
        p = self.server.cli("s3", "cp", src, "s3://bk-cli/dir/cli.txt")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.server.cli("s3", "ls", "s3://bk-cli/dir/")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("cli.txt", p.stdout)
        p = self.server.cli("s3api", "put-object", "--bucket", "bk-cli", "--key", "api", "--body", src)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ETag", p.json)
        dst = os.path.join(self.server.tmp, "back.txt")
        p = self.server.cli("s3", "cp", "s3://bk-cli/api", dst)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(dst) as f:
            self.assertEqual(f.read(), "from the cli\n")

    # -- Lambda code from S3 --------------------------------------------------
    def test_lambda_code_from_s3(self):
        b = self.bucket("bk-code")
        self.s3.put_object(Bucket=b, Key="fn.zip", Body=code_zip())
        lam = self.server.client("lambda")
        r = lam.create_function(FunctionName="from-s3", Runtime="python3.12", Handler="index.handler",
                                Role="arn:aws:iam::000000000000:role/r",
                                Code={"S3Bucket": b, "S3Key": "fn.zip"})
        self.assertEqual(r["CodeSize"], len(code_zip()))
        out = lam.invoke(FunctionName="from-s3")
        self.assertEqual(json.loads(out["Payload"].read()), {"ok": True})
        with self.assertRaises(ClientError) as cm:
            lam.create_function(FunctionName="from-s3-missing", Runtime="python3.12", Handler="index.handler",
                                Role="arn:aws:iam::000000000000:role/r",
                                Code={"S3Bucket": b, "S3Key": "missing.zip"})
        e = cm.exception.response
        self.assertEqual(e["Error"]["Code"], "InvalidParameterValueException")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(e["Error"]["Message"], "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
                                                "S3 Error Message: The specified key does not exist.")
        self.s3.put_object(Bucket=b, Key="fn2.zip", Body=code_zip("def handler(e, c):\n    return 2\n"))
        lam.update_function_code(FunctionName="from-s3", S3Bucket=b, S3Key="fn2.zip")
        lam.get_waiter("function_updated_v2").wait(FunctionName="from-s3")
        self.assertEqual(json.loads(lam.invoke(FunctionName="from-s3")["Payload"].read()), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
