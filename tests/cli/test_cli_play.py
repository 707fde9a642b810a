#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pochta-cli play, checked from outside: the thesis lines in order, the
CRAM-MD5 response recomputed with Python's own hmac, determinism, and
clear usage errors."""
import base64
import hmac
import os
import re
import subprocess
import sys
import unittest

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True,
                          env=dict(os.environ, LANGUAGE="C", LC_ALL="C.UTF-8"))


def wire_lines(stdout):
    """The numbered transcript lines as (number, 'C'|'S', text)."""
    out = []
    for line in stdout.splitlines():
        m = re.match(r"^ *(\d+)  ([CS]): ?(.*)$", line)
        if m:
            out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


class PlayTest(unittest.TestCase):
    def setUp(self):
        self.result = run("play")
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.lines = wire_lines(self.result.stdout)

    def test_numbering_is_consecutive(self):
        self.assertEqual([n for n, _, _ in self.lines], list(range(1, len(self.lines) + 1)))

    def test_thesis_lines_in_order(self):
        expected = [
            ("S", "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready"),
            ("C", "EHLO comp1.otd1.constr.org"),
            ("S", "250-comp3.otd2.constr.org says hello"),
            ("S", "250-HELP"),
            ("S", "250-AUTH CRAM-MD5 DIGEST-MD5"),
            ("S", "250-SIZE 10240000"),
            ("S", "250-ETRN"),
            ("S", "250-TURN"),
            ("S", "250 VRFY"),
            ("C", "AUTH CRAM-MD5"),
        ]
        got = [(d, t) for _, d, t in self.lines]
        self.assertEqual(got[:len(expected)], expected)
        tail = [
            ("C", "VRFY Petrov"),
            ("S", "250 Ivan Petrov <Petrov@comp3.otd2.constr.org>"),
            ("C", "RCPT TO:<Petrov@comp3.otd2.constr.org>"),
            ("S", "250 OK"),
            ("C", "RCPT TO:<Kuznetsova@comp3.otd2.constr.org>"),
            ("S", "250 OK"),
            ("C", "RCPT TO:<Sidirov@comp3.otd2.constr.org>"),
            ("S", "550 No such user here"),
            ("C", "DATA"),
            ("S", "354 Start mail input; end with <CRLF>.<CRLF>"),
        ]
        start = got.index(("C", "VRFY Petrov"))
        self.assertEqual(got[start:start + len(tail)], tail)
        self.assertEqual(got[-4:], [
            ("C", "."),
            ("S", "250 OK"),
            ("C", "QUIT"),
            ("S", "221 comp3.otd2.constr.org Service closing transmission channel"),
        ])
        self.assertIn(("C", "Hello!"), got)
        self.assertIn(("C", "Test mail."), got)
        mail = [t for d, t in got if t.startswith("MAIL FROM:")]
        self.assertEqual(len(mail), 1)
        # RFC 1870 §6: the client declares the size because SIZE is offered.
        self.assertRegex(mail[0], r"^MAIL FROM:<Ivanov@comp1\.otd1\.constr\.org> SIZE=\d+$")

    def test_cram_md5_response_is_hmac_of_the_challenge(self):
        got = [(d, t) for _, d, t in self.lines]
        i = got.index(("C", "AUTH CRAM-MD5"))
        direction, challenge_line = got[i + 1]
        self.assertEqual(direction, "S")
        self.assertTrue(challenge_line.startswith("334 "))
        challenge = base64.b64decode(challenge_line[4:], validate=True)
        # RFC 2195 §2: <random.timestamp@host>
        self.assertRegex(challenge.decode(), r"^<\d+\.\d+@comp3\.otd2\.constr\.org>$")
        digest = hmac.new(b"ivanov123", challenge, "md5").hexdigest()
        self.assertEqual(got[i + 2], ("C", base64.b64encode(b"Ivanov " + digest.encode()).decode()))
        self.assertEqual(got[i + 3], ("S", "235 Authentication successful"))

    def test_outcomes(self):
        out = self.result.stdout
        self.assertRegex(out, r"Petrov@comp3\.otd2\.constr\.org +delivered +250 OK")
        self.assertRegex(out, r"Kuznetsova@comp3\.otd2\.constr\.org +delivered +250 OK")
        self.assertRegex(out, r"Sidirov@comp3\.otd2\.constr\.org +refused +550 No such user here")

    def test_same_seed_same_bytes(self):
        self.assertEqual(run("play").stdout, self.result.stdout)
        other = run("play", "--seed", "7")
        self.assertEqual(other.returncode, 0)
        self.assertNotEqual(other.stdout, self.result.stdout)

    def test_show_message(self):
        shown = run("play", "--show-message")
        self.assertEqual(shown.returncode, 0)
        text = shown.stdout
        received = text.index("Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])")
        self.assertIn("\tby comp3.otd2.constr.org with ESMTPA id ", text[received:])
        # The stored copy: Received: first, then the client's own header.
        self.assertTrue(text[received:].split("\n")[3].startswith("From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>"))
        self.assertTrue(text.rstrip("\n").endswith("Hello!\nTest mail.\nIvanov"))


class UsageTest(unittest.TestCase):
    def test_no_command(self):
        r = run()
        self.assertEqual(r.returncode, 2)
        self.assertIn("Usage: pochta-cli COMMAND", r.stderr)

    def test_unknown_command(self):
        r = run("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", r.stderr)

    def test_extra_argument(self):
        r = run("play", "extra")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli play:", r.stderr)

    def test_bad_option(self):
        r = run("play", "--seed", "many")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli play:", r.stderr)

    def test_help(self):
        r = run("play", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--show-message", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
