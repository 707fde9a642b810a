#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""curl against `pochta-cli serve` (comp3): an SMTP upload to several
--mail-rcpt, one of them refused, checked byte for byte in both
maildrops; POP3 list and retrieve with --login-options AUTH=CRAM-MD5,
compared with what poplib reads."""
import json
import os
import subprocess
import unittest

from serve_helper import COMP3, Server, main, pop3_messages, require_program, strip_trace

LETTER = (b"From: <curl@example.org>\r\nSubject: curl upload\r\n\r\n"
          b"Sent by curl.\r\n.A dot first.\r\nThe end.\r\n")


class CurlTest(unittest.TestCase):
    def setUp(self):
        self.curl = require_program("curl", "curl")
        self.server = Server()
        self.addCleanup(self.server.close)

    def run_curl(self, *args, input_bytes=None, check=True):
        done = subprocess.run([self.curl, "--silent", "--show-error", "--max-time", "20", *args],
                              input=input_bytes, capture_output=True)
        if check:
            self.assertEqual(done.returncode, 0, done.stderr)
        return done

    def upload(self, recipients):
        path = os.path.join(self.server.scratch, "letter.eml")
        with open(path, "wb") as f:
            f.write(LETTER)
        args = ["smtp://127.0.0.1:%d" % self.server.port("smtp"),
                "--mail-from", "curl@example.org", "--upload-file", path]
        for recipient in recipients:
            args += ["--mail-rcpt", recipient]
        return args

    def test_smtp_upload_to_several_recipients(self):
        self.run_curl(*self.upload(["Petrov@" + COMP3, "Kuznetsova@" + COMP3]))
        for user in ("Petrov", "Kuznetsova"):
            stored = pop3_messages(self.server.port("pop3"), user)
            self.assertEqual(len(stored), 1, user)
            self.assertEqual(strip_trace(stored[0]), (["Return-Path", "Received"], LETTER))

    def test_smtp_upload_with_a_refused_recipient(self):
        # curl gives up on the first refused RCPT unless told otherwise.
        done = self.run_curl(*self.upload(["Petrov@" + COMP3, "Sidirov@" + COMP3]),
                             check=False)
        self.assertEqual(done.returncode, 55, done.stderr)
        self.assertIn(b"550", done.stderr)
        self.assertEqual(pop3_messages(self.server.port("pop3"), "Petrov"), [])
        self.run_curl(*self.upload(["Petrov@" + COMP3, "Sidirov@" + COMP3]),
                      "--mail-rcpt-allowfails")
        stored = pop3_messages(self.server.port("pop3"), "Petrov")
        self.assertEqual([strip_trace(m)[1] for m in stored], [LETTER])

    def test_pop3_list_and_retrieve_with_cram_md5(self):
        self.run_curl(*self.upload(["Petrov@" + COMP3]))
        self.run_curl(*self.upload(["Petrov@" + COMP3]))
        expected = pop3_messages(self.server.port("pop3"), "Petrov")
        base = "pop3://127.0.0.1:%d/" % self.server.port("pop3")
        login = ["--user", "Petrov:petrov123", "--login-options", "AUTH=CRAM-MD5"]
        listing = self.run_curl(base, *login).stdout
        self.assertEqual(listing, b"".join(b"%d %d\r\n" % (i, len(m))
                                           for i, m in enumerate(expected, 1)))
        for i, message in enumerate(expected, 1):
            self.assertEqual(self.run_curl(base + str(i), *login).stdout, message)
        # A wrong password fails the login (curl's 67).
        done = self.run_curl(base, "--user", "Petrov:wrong", "--login-options", "AUTH=CRAM-MD5",
                             check=False)
        self.assertEqual(done.returncode, 67, done.stderr)
        # The transcript shows the mechanism curl was told to use.
        status, err = self.server.stop()
        self.assertEqual(status, 0, err)
        with open(self.server.transcript) as f:
            commands = [item["text"] for item in json.load(f)["items"]
                        if item["kind"] == "line" and item["direction"] == "client"]
        self.assertEqual(commands.count("AUTH CRAM-MD5"), 2 + len(expected))
        self.assertEqual(commands.count("USER Petrov"), 1)  # poplib's, above


if __name__ == "__main__":
    main()
