#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Python's smtplib against `pochta-cli serve --all`: a plain send, AUTH
CRAM-MD5 (comp3's seed profile) and PLAIN and LOGIN (comp4's modern
one), several recipients with one refused, lines starting with a dot,
and the relay policy a real client meets (local delivery needs no AUTH,
relaying does).  What arrived is read back over POP3 and compared byte
for byte; the transcript shows the connections from 127.0.0.1."""
import json
import smtplib
import unittest

from serve_helper import (COMP3, COMP4, PASSWORDS, Server, main, pop3_messages, strip_trace,
                          wait_for_messages)

SENDER = "student@example.org"


def letter(subject, body):
    return ("From: <%s>\r\nSubject: %s\r\n\r\n%s" % (SENDER, subject, body)).encode()


class SmtplibTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--all", listeners=10)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        # Every test reads the maildrops it writes to from empty.
        for host, user in ((COMP3, "Petrov"), (COMP3, "Kuznetsova"), (COMP4, "Smirnov")):
            pop3_messages(self.server.port("pop3", host), user, delete=True)

    def smtp(self, host=COMP3):
        client = smtplib.SMTP("127.0.0.1", self.server.port("smtp", host), timeout=10)
        client.ehlo("student.example.org")
        return client

    def assert_delivered(self, host, user, message, hops=1):
        stored = wait_for_messages(self.server.port("pop3", host), user, 1)
        self.assertEqual(len(stored), 1)
        trace, rest = strip_trace(stored[0])
        self.assertEqual(trace, ["Return-Path"] + ["Received"] * hops)
        self.assertTrue(stored[0].startswith(b"Return-Path: <%s>\r\n" % SENDER.encode()))
        self.assertEqual(rest, message)

    def test_plain_send(self):
        message = letter("plain", "Hello!\r\nTest mail.\r\nIvanov\r\n")
        with self.smtp() as client:
            refused = client.sendmail(SENDER, ["Petrov@" + COMP3], message)
        self.assertEqual(refused, {})
        self.assert_delivered(COMP3, "Petrov", message)
        stored = pop3_messages(self.server.port("pop3"), "Petrov")[0]
        self.assertIn(b"Received: from student.example.org (student.example.org [127.0.0.1])", stored)
        self.assertIn(b"\tby comp3.otd2.constr.org with ESMTP", stored)

    def test_auth_cram_md5_relays_through_the_network(self):
        message = letter("cram", "Relayed by comp3 after CRAM-MD5.\r\n")
        with self.smtp() as client:
            self.assertEqual(client.esmtp_features["auth"].strip(), "CRAM-MD5 DIGEST-MD5")
            code, text = client.login("Ivanov", PASSWORDS["Ivanov"])
            self.assertEqual((code, text), (235, b"Authentication successful"))
            self.assertEqual(client.sendmail(SENDER, ["Smirnov@" + COMP4], message), {})
        # comp3 to comp4 over the simulated LAN: two Received: fields.
        self.assert_delivered(COMP4, "Smirnov", message, hops=2)

    def test_auth_plain(self):
        message = letter("plain auth", "PLAIN, RFC 4616.\r\n")
        with self.smtp(COMP4) as client:
            client.user, client.password = "Smirnov", PASSWORDS["Smirnov"]
            code, _ = client.auth("PLAIN", client.auth_plain)
            self.assertEqual(code, 235)
            client.sendmail(SENDER, ["Smirnov@" + COMP4], message)
        self.assert_delivered(COMP4, "Smirnov", message)

    def test_auth_login(self):
        message = letter("login auth", "LOGIN, draft-murchison-sasl-login.\r\n")
        with self.smtp(COMP4) as client:
            client.user, client.password = "Smirnov", PASSWORDS["Smirnov"]
            code, _ = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
            self.assertEqual(code, 235)
            client.sendmail(SENDER, ["Smirnov@" + COMP4], message)
        self.assert_delivered(COMP4, "Smirnov", message)

    def test_wrong_password_is_535(self):
        with self.smtp() as client:
            with self.assertRaises(smtplib.SMTPAuthenticationError) as caught:
                client.login("Ivanov", "not-the-password")
        self.assertEqual(caught.exception.smtp_code, 535)

    def test_one_recipient_refused(self):
        message = letter("three", "Two of three.\r\n")
        with self.smtp() as client:
            refused = client.sendmail(SENDER, ["Petrov@" + COMP3, "Sidirov@" + COMP3,
                                               "Kuznetsova@" + COMP3], message)
        self.assertEqual(refused, {"Sidirov@" + COMP3: (550, b"No such user here")})
        self.assert_delivered(COMP3, "Petrov", message)
        self.assert_delivered(COMP3, "Kuznetsova", message)

    def test_every_recipient_refused(self):
        with self.smtp() as client:
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as caught:
                client.sendmail(SENDER, ["Sidirov@" + COMP3, "Nobody@" + COMP3], b"x\r\n")
        self.assertEqual(caught.exception.recipients, {
            "Sidirov@" + COMP3: (550, b"No such user here"),
            "Nobody@" + COMP3: (550, b"No such user here"),
        })

    def test_lines_starting_with_a_dot(self):
        body = ".\r\n..\r\n.hidden\r\n. space\r\nend\r\n"
        message = letter("dots", body)
        with self.smtp() as client:
            client.sendmail(SENDER, ["Petrov@" + COMP3], message)
        self.assert_delivered(COMP3, "Petrov", message)

    def test_relaying_needs_auth(self):
        with self.smtp() as client:
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as caught:
                client.sendmail(SENDER, ["Smirnov@" + COMP4], b"x\r\n")
        self.assertEqual(caught.exception.recipients["Smirnov@" + COMP4][0], 550)

    def test_department_address_needs_no_auth(self):
        # comp3 is otd2.constr.org's MX: final for it, rewritten to comp4.
        message = letter("mx", "To the department's address.\r\n")
        with self.smtp() as client:
            self.assertEqual(client.sendmail(SENDER, ["Smirnov@otd2.constr.org"], message), {})
        self.assert_delivered(COMP4, "Smirnov", message, hops=2)


class TranscriptTest(unittest.TestCase):
    def test_connection_from_loopback_recorded(self):
        server = Server()
        try:
            with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=10) as client:
                client.sendmail(SENDER, ["Petrov@" + COMP3], letter("t", "x\r\n"))
                local_port = client.sock.getsockname()[1]
            status, err = server.stop()
            self.assertEqual(status, 0, err)
            with open(server.transcript) as f:
                transcript = json.load(f)
        finally:
            server.close()
        connection = transcript["connections"][0]
        self.assertEqual(connection["client_host"], "127.0.0.1")
        self.assertEqual(connection["client_port"], local_port)
        self.assertEqual(connection["server_host"], COMP3)
        self.assertEqual(connection["server_port"], 25)
        lines = [(i["direction"], i["text"]) for i in transcript["items"] if i["kind"] == "line"]
        self.assertEqual(lines[0], ("server", "220 comp3.otd2.constr.org Simple Mail Transfer "
                                              "Service Ready"))
        self.assertIn(("client", "ehlo [127.0.0.1]"), lines)
        self.assertIn(("client", "x"), lines)
        self.assertEqual(lines[-2:], [("client", "QUIT"), ("server", "221 comp3.otd2.constr.org "
                                                         "Service closing transmission channel")])
        content = [i for i in transcript["items"] if i["kind"] == "line" and i["in_data"]]
        self.assertEqual([i["text"] for i in content][-1], ".")


if __name__ == "__main__":
    main()
