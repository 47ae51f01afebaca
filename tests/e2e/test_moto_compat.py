#!/usr/bin/env python3
"""Compatibility with moto's server mode (issue 15): POST /moto-api/reset
resets like /_sluice/reset, and --default-account / SLUICE_DEFAULT_ACCOUNT
set the account of access keys that are not 12 digits.

Run: SLUICE_BIN=build/sluice python3 tests/e2e/test_moto_compat.py -v
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (exits 77 without boto3)
from harness import Server, sluice_bin  # noqa: E402

MOTO_ACCOUNT = "123456789012"


def make_table(ddb, name):
    return ddb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")["TableDescription"]


class DefaultAccountFlag(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=["--default-account", MOTO_ACCOUNT]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def test_a_plain_key_acts_in_the_default_account(self):
        sts = self.server.client("sts", access_key="testing")
        self.assertEqual(sts.get_caller_identity()["Account"], MOTO_ACCOUNT)
        desc = make_table(self.server.client("dynamodb", access_key="testing"), "t-default")
        self.assertIn(":%s:table/t-default" % MOTO_ACCOUNT, desc["TableArn"])

    def test_a_twelve_digit_key_still_names_its_account(self):
        sts = self.server.client("sts", access_key="111122223333")
        self.assertEqual(sts.get_caller_identity()["Account"], "111122223333")

    def test_moto_reset_wipes_state_and_answers_as_moto(self):
        ddb = self.server.client("dynamodb", access_key="testing")
        make_table(ddb, "t-reset")
        resp = self.server.request("POST", "/moto-api/reset")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.json(), {"status": "ok"})
        self.assertNotIn("t-reset", ddb.list_tables()["TableNames"])

    def test_moto_reset_wants_post(self):
        resp = self.server.request("GET", "/moto-api/reset")
        self.assertEqual(resp.status, 405)


class DefaultAccountEnvironment(unittest.TestCase):
    def test_environment_variable(self):
        server = Server(env={"SLUICE_DEFAULT_ACCOUNT": "210987654321"}).start()
        try:
            sts = server.client("sts", access_key="test")
            self.assertEqual(sts.get_caller_identity()["Account"], "210987654321")
        finally:
            server.stop()
            server.cleanup()

    def test_without_the_flag_the_account_is_zeros(self):
        server = Server().start()
        try:
            sts = server.client("sts", access_key="test")
            self.assertEqual(sts.get_caller_identity()["Account"], "000000000000")
        finally:
            server.stop()
            server.cleanup()

    def test_a_bad_account_is_refused_at_start(self):
        for bad in ["12345", "12345678901a", "1234567890123", ""]:
            p = subprocess.run([sluice_bin(), "--in-memory", "--port", "0", "--default-account", bad],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("--default-account must be 12 digits", p.stderr)


if __name__ == "__main__":
    harness.main()
