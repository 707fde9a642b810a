#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Debian's msmtp sends and fetchmail retrieves, both against `pochta-cli
serve` (comp3): msmtp with AUTH CRAM-MD5 from a configuration file, the
letter on its standard input; fetchmail from an rc file (mode 0600, as it
insists), no daemon, no syslog, each message handed to an MDA command
that writes it to a file.  What msmtp sent is what fetchmail's MDA got,
byte for byte; fetchmail deleted it on the server (DELE, QUIT)."""
import os
import subprocess
import unittest

from serve_helper import COMP3, Server, main, pop3_messages, require_program, strip_trace

# With Date: and Message-ID:, msmtp adds no header of its own.
LETTER = (b"From: <Ivanov@comp1.otd1.constr.org>\r\nTo: <Petrov@comp3.otd2.constr.org>\r\n"
          b"Date: Tue, 14 May 2002 10:15:00 +0400\r\nMessage-ID: <msmtp.1@comp1.otd1.constr.org>\r\n"
          b"Subject: msmtp to fetchmail\r\n\r\nHello!\r\n.A dot first.\r\nIvanov\r\n")


class MsmtpFetchmailTest(unittest.TestCase):
    def setUp(self):
        self.msmtp = require_program("msmtp", "msmtp")
        self.fetchmail = require_program("fetchmail", "fetchmail")
        self.server = Server()
        self.addCleanup(self.server.close)
        self.home = self.server.scratch
        self.env = dict(os.environ, HOME=self.home, FETCHMAILHOME=self.home, LC_ALL="C.UTF-8")

    def write_private(self, name, text):
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def send_with_msmtp(self):
        config = self.write_private("msmtprc", "\n".join([
            "account comp3",
            "host 127.0.0.1",
            "port %d" % self.server.port("smtp"),
            "domain msmtp.example.org",
            "tls off",
            "auth cram-md5",
            "user Ivanov",
            "password ivanov123",
            "from Ivanov@comp1.otd1.constr.org",
            "",
        ]))
        done = subprocess.run([self.msmtp, "--file", config, "--account", "comp3",
                               "Petrov@" + COMP3], input=LETTER, capture_output=True,
                              env=self.env, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_msmtp_sends(self):
        self.send_with_msmtp()
        stored = pop3_messages(self.server.port("pop3"), "Petrov")
        self.assertEqual(len(stored), 1)
        self.assertTrue(stored[0].startswith(b"Return-Path: <Ivanov@comp1.otd1.constr.org>\r\n"))
        self.assertEqual(strip_trace(stored[0]), (["Return-Path", "Received"], LETTER))
        self.assertIn(b" with ESMTPA ", stored[0])  # RFC 3848: authenticated

    def test_fetchmail_retrieves_to_an_mda(self):
        self.send_with_msmtp()
        on_server = pop3_messages(self.server.port("pop3"), "Petrov")
        out = os.path.join(self.home, "delivered.eml")
        rc = self.write_private("fetchmailrc", "\n".join([
            "poll 127.0.0.1 protocol POP3 port %d" % self.server.port("pop3"),
            "  user 'Petrov' there with password 'petrov123' is 'student' here",
            "  sslproto '' mda \"cat > %s\"" % out,
            "",
        ]))
        # --invisible: no Received: of fetchmail's own; --nosyslog: the
        # log goes to stderr.  Not a daemon: one poll and done.
        done = subprocess.run([self.fetchmail, "--fetchmailrc", rc, "--nosyslog", "--invisible",
                               "--nodetach", "--daemon", "0", "--all"],
                              capture_output=True, env=self.env, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        with open(out, "rb") as f:
            delivered = f.read()
        # The MDA gets the message with Unix line ends, as mail programs do.
        self.assertEqual(delivered, on_server[0].replace(b"\r\n", b"\n"))
        self.assertEqual(strip_trace(delivered.replace(b"\n", b"\r\n"))[1], LETTER)
        # fetchmail deleted it (DELE, then QUIT: RFC 1939 §6).
        self.assertEqual(pop3_messages(self.server.port("pop3"), "Petrov"), [])


if __name__ == "__main__":
    main()
