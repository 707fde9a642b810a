#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""swaks against `pochta-cli serve --all`: --auth CRAM-MD5 and --auth
DIGEST-MD5 (Debian's libauthen-sasl-perl) on comp3, whose seed profile
offers exactly those, relaying to comp4; --pipeline on comp4, whose
modern profile offers PIPELINING.  What arrived is read back over POP3
byte for byte; the transcript shows the pipelined commands in one go."""
import json
import subprocess
import unittest

from serve_helper import (COMP3, COMP4, Server, main, pop3_messages, require_program, strip_trace,
                          wait_for_messages)

# swaks ends the data with CRLF itself.
BODY = "Sent by swaks.\r\n.A dot first."


class SwaksTest(unittest.TestCase):
    def setUp(self):
        self.swaks = require_program("swaks", "swaks")
        self.server = Server("--all", listeners=10)
        self.addCleanup(self.server.close)

    def swaks_run(self, host, recipient, subject, *args):
        # --data with only the header lines and body swaks is told to send,
        # so that what arrives can be compared exactly.
        data = "From: <swaks@example.org>\r\nSubject: %s\r\n\r\n%s" % (subject, BODY)
        done = subprocess.run(
            [self.swaks, "--server", "127.0.0.1", "--port", str(self.server.port("smtp", host)),
             "--from", "swaks@example.org", "--to", recipient, "--helo", "swaks.example.org",
             "--data", data, "--timeout", "20", *args],
            stdin=subprocess.DEVNULL, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        return data.encode() + b"\r\n", done.stdout

    def assert_arrived(self, host, user, letter, hops):
        stored = wait_for_messages(self.server.port("pop3", host), user, 1)
        self.assertEqual(len(stored), 1)
        self.assertEqual(strip_trace(stored[0]), (["Return-Path"] + ["Received"] * hops, letter))

    def test_auth_cram_md5(self):
        letter, out = self.swaks_run(COMP3, "Smirnov@" + COMP4, "cram",
                                     "--auth", "CRAM-MD5", "--auth-user", "Ivanov",
                                     "--auth-password", "ivanov123")
        self.assertIn("<-  235 Authentication successful", out)
        self.assert_arrived(COMP4, "Smirnov", letter, hops=2)

    def test_auth_digest_md5(self):
        # RFC 2831 §2.1.2: the digest-uri names the server, which checks
        # it (checklist A13); swaks would name 127.0.0.1, the address it
        # was given, so it is told the simulated host's name.
        letter, out = self.swaks_run(COMP3, "Petrov@" + COMP3, "digest",
                                     "--auth", "DIGEST-MD5", "--auth-user", "Petrov",
                                     "--auth-password", "petrov123",
                                     "--auth-extra", "dmd5-host=" + COMP3)
        # RFC 2831 §2.1.3 over RFC 4954: rspauth in a second 334, then 235.
        self.assertIn("<-  235 Authentication successful", out)
        self.assertEqual(out.count("<-  334 "), 2)
        self.assert_arrived(COMP3, "Petrov", letter, hops=1)

    def test_auth_wrong_password(self):
        done = subprocess.run(
            [self.swaks, "--server", "127.0.0.1", "--port", str(self.server.port("smtp", COMP3)),
             "--to", "Petrov@" + COMP3, "--auth", "CRAM-MD5", "--auth-user", "Ivanov",
             "--auth-password", "wrong", "--timeout", "20", "--from", "swaks@example.org"],
            stdin=subprocess.DEVNULL,
            capture_output=True, text=True)
        self.assertEqual(done.returncode, 28, done.stdout)  # swaks: AUTH failed
        self.assertIn("<** 535", done.stdout)
        self.assertEqual(pop3_messages(self.server.port("pop3", COMP3), "Petrov"), [])

    def test_pipeline(self):
        letter, out = self.swaks_run(COMP4, "Smirnov@" + COMP4, "pipelined", "--pipeline")
        self.assertIn("PIPELINING", out)
        self.assert_arrived(COMP4, "Smirnov", letter, hops=1)
        status, err = self.server.stop()
        self.assertEqual(status, 0, err)
        with open(self.server.transcript) as f:
            items = json.load(f)["items"]
        # MAIL, RCPT and DATA went out in one write, before any reply: in
        # the transcript they follow each other with no server line between.
        lines = [(i["direction"], i["text"].split(":")[0].split(" ")[0])
                 for i in items if i["kind"] == "line"]
        start = lines.index(("client", "MAIL"))
        self.assertEqual(lines[start:start + 3],
                         [("client", "MAIL"), ("client", "RCPT"), ("client", "DATA")])


if __name__ == "__main__":
    main()
