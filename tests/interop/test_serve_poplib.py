#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Python's poplib against `pochta-cli serve` (comp3): USER/PASS, APOP
(the digest over the greeting's timestamp, RFC 1939 §7), TOP, UIDL
stable across sessions, DELE then QUIT persists, RSET restores.  The
maildrop is filled through the simulated host's SMTP port; what poplib
retrieves is compared byte for byte."""
import hashlib
import poplib
import smtplib
import time
import unittest

from serve_helper import COMP3, PASSWORDS, Server, main, pop3_login, strip_trace

LETTERS = [
    b"Subject: first\r\n\r\nOne.\r\n",
    b"Subject: second\r\nX-Lines: 3\r\n\r\nTwo,\r\n.with a dot,\r\nthree.\r\n",
    b"Subject: third\r\n\r\nThree.\r\n",
]


class PoplibTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.addCleanup(self.server.close)
        with smtplib.SMTP("127.0.0.1", self.server.port("smtp"), timeout=10) as client:
            for letter in LETTERS:
                client.sendmail("sender@example.org", ["Petrov@" + COMP3], letter)
        self.port = self.server.port("pop3")

    def login(self):
        box = pop3_login(self.port, "Petrov")
        self.addCleanup(box.close)
        return box

    def test_user_pass_stat_list_retr(self):
        box = self.login()
        count, octets = box.stat()
        self.assertEqual(count, 3)
        _, listing, _ = box.list()
        sizes = [int(line.split()[1]) for line in listing]
        self.assertEqual(sum(sizes), octets)
        for i, letter in enumerate(LETTERS, 1):
            _, lines, size = box.retr(i)
            stored = b"".join(line + b"\r\n" for line in lines)
            # RFC 1939 §11: LIST's size is the exact octet count, CRLF as two.
            self.assertEqual(len(stored), sizes[i - 1])
            self.assertEqual(strip_trace(stored), (["Return-Path", "Received"], letter))
        box.quit()

    def test_wrong_password(self):
        box = poplib.POP3("127.0.0.1", self.port, timeout=10)
        box.user("Petrov")
        with self.assertRaises(poplib.error_proto) as caught:
            box.pass_("wrong")
        self.assertEqual(caught.exception.args[0], b"-ERR [AUTH] invalid user name or password")
        box.quit()

    def test_apop(self):
        box = poplib.POP3("127.0.0.1", self.port, timeout=10)
        timestamp = box.timestamp.search(box.getwelcome()).group(1)
        self.assertTrue(timestamp.endswith(b"@" + COMP3.encode() + b">"))
        response = box.apop("Petrov", PASSWORDS["Petrov"])
        self.assertTrue(response.startswith(b"+OK"))
        self.assertEqual(box.stat()[0], 3)
        box.quit()
        # RFC 1939 §7: the timestamp differs on every greeting; the digest
        # is the MD5 of timestamp and secret, as computed here.
        box = poplib.POP3("127.0.0.1", self.port, timeout=10)
        fresh = box.timestamp.search(box.getwelcome()).group(1)
        self.assertNotEqual(fresh, timestamp)
        digest = hashlib.md5(fresh + PASSWORDS["Petrov"].encode()).hexdigest()
        self.assertTrue(box._shortcmd("APOP Petrov " + digest).startswith(b"+OK"))
        box.quit()

    def test_apop_wrong_secret(self):
        box = poplib.POP3("127.0.0.1", self.port, timeout=10)
        with self.assertRaises(poplib.error_proto):
            box.apop("Petrov", "wrong")
        box.quit()

    def test_top(self):
        box = self.login()
        _, lines, _ = box.top(2, 0)
        stored = b"".join(line + b"\r\n" for line in lines)
        header = LETTERS[1].split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        self.assertEqual(strip_trace(stored)[1], header)
        _, lines, _ = box.top(2, 2)
        body_two = b"".join(line + b"\r\n" for line in lines)
        self.assertTrue(strip_trace(body_two)[1].endswith(b"\r\n\r\nTwo,\r\n.with a dot,\r\n"))
        box.quit()

    def test_uidl_stable_across_sessions(self):
        box = self.login()
        _, first, _ = box.uidl()
        self.assertEqual(box.uidl(2), b"+OK " + first[1])
        box.quit()
        box = self.login()
        _, second, _ = box.uidl()
        box.quit()
        self.assertEqual(first, second)
        uids = [line.split()[1] for line in first]
        self.assertEqual(len(set(uids)), 3)
        for uid in uids:
            self.assertTrue(1 <= len(uid) <= 70 and all(0x21 <= c <= 0x7E for c in uid))

    def test_dele_then_quit_persists(self):
        box = self.login()
        _, before, _ = box.uidl()
        box.dele(1)
        self.assertEqual(box.stat()[0], 2)
        box.quit()
        box = self.login()
        _, after, _ = box.uidl()
        self.assertEqual([line.split()[1] for line in after],
                         [line.split()[1] for line in before[1:]])
        _, lines, _ = box.retr(1)
        self.assertEqual(strip_trace(b"".join(l + b"\r\n" for l in lines))[1], LETTERS[1])
        box.quit()

    def test_dele_then_rset_restores(self):
        box = self.login()
        box.dele(1)
        box.dele(3)
        self.assertEqual(box.stat()[0], 1)
        box.rset()
        self.assertEqual(box.stat()[0], 3)
        box.quit()
        box = self.login()
        self.assertEqual(box.stat()[0], 3)
        box.quit()

    def test_dele_without_quit_keeps_the_message(self):
        box = self.login()
        box.dele(1)
        box.close()  # RFC 1939 §6: no QUIT, no UPDATE
        # The lock is released once the server has read the end of the
        # connection; until then a login answers [IN-USE] (RFC 2449 §8.1.2).
        for _ in range(100):
            try:
                box = self.login()
                break
            except poplib.error_proto as error:
                self.assertTrue(error.args[0].startswith(b"-ERR [IN-USE]"), error)
                time.sleep(0.02)
        self.assertEqual(box.stat()[0], 3)
        box.quit()


if __name__ == "__main__":
    main()
