#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Nothing lost (DESIGN.md §5): 200 concurrent clients send 50 messages
each to `pochta-cli serve`; exactly 10,000 messages are in the maildrops,
counted with POP3 STAT, each intact.  With --maildir, the server is
killed with SIGKILL in the middle of such a load and started again on
the same directory: every message that got 250 after DATA is there, and
no file in new/ or cur/ is partial."""
import hashlib
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest

from serve_helper import COMP3, Server, main, pop3_login

CLIENTS = 200
PER_CLIENT = 50
USERS = ("Petrov", "Kuznetsova")


def letter(client, number):
    """A letter whose body says who sent it and whose last line is the
    SHA-256 of the lines above, so that a cut or changed one shows."""
    lines = [b"Subject: load %d/%d" % (client, number), b"X-Load-Id: %d-%d" % (client, number),
             b""]
    lines += [b"line %d of %d-%d: %s" % (i, client, number, b"x" * (i * 7 % 60))
              for i in range(12)]
    lines.append(b".dot-started line of %d-%d" % (client, number))
    body = b"\r\n".join(lines) + b"\r\n"
    return body + b"sha256 " + hashlib.sha256(body).hexdigest().encode() + b"\r\n"


def intact(message):
    """The load id of a stored message whose checksum holds, else None."""
    body, sep, last = message.rstrip(b"\r\n").rpartition(b"\r\n")
    start = body.find(b"Subject: load ")
    if not sep or start < 0 or not last.startswith(b"sha256 "):
        return None
    text = body[start:] + b"\r\n"
    if hashlib.sha256(text).hexdigest().encode() != last[7:]:
        return None
    return text.split(b"X-Load-Id: ", 1)[1].split(b"\r\n", 1)[0].decode()


def stuffed(data):
    """RFC 5321 §4.5.2: a line starting with "." gets another one."""
    return b"\r\n".join(b"." + line if line.startswith(b".") else line
                        for line in data.split(b"\r\n"))


class Client(threading.Thread):
    """One SMTP client sending its letters lock-step over one connection;
    acked holds the ids that got 250 after DATA."""

    def __init__(self, port, number):
        super().__init__(daemon=True)
        self.port, self.number = port, number
        self.acked = []
        self.error = None

    def reply(self, f):
        while True:
            line = f.readline()
            if not line:
                raise ConnectionError("connection closed")
            if line[3:4] != b"-":
                return line

    def expect(self, f, code):
        line = self.reply(f)
        if not line.startswith(code):
            raise AssertionError("client %d: %r" % (self.number, line))

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
                f = sock.makefile("rwb")
                self.expect(f, b"220")
                f.write(b"EHLO load%d.example.org\r\n" % self.number)
                f.flush()
                self.expect(f, b"250")
                for n in range(PER_CLIENT):
                    user = USERS[(self.number + n) % 2]
                    f.write(b"MAIL FROM:<load%d@example.org>\r\n" % self.number)
                    f.write(b"RCPT TO:<%s@%s>\r\nDATA\r\n" % (user.encode(), COMP3.encode()))
                    f.flush()
                    for code in (b"250", b"250", b"354"):
                        self.expect(f, code)
                    f.write(stuffed(letter(self.number, n)) + b".\r\n")
                    f.flush()
                    self.expect(f, b"250")
                    self.acked.append("%d-%d" % (self.number, n))
                f.write(b"QUIT\r\n")
                f.flush()
                self.expect(f, b"221")
        except Exception as error:  # recorded: the kill -9 test expects some
            self.error = error


def run_load(port, stop_after=None):
    clients = [Client(port, i) for i in range(CLIENTS)]
    for c in clients:
        c.start()
    if stop_after is not None:
        stop_after(clients)
    for c in clients:
        c.join(timeout=300)
    return clients


def maildrop(port, user):
    """STAT's count and every message, read over POP3."""
    box = pop3_login(port, user)
    try:
        count, _ = box.stat()
        messages = [b"".join(l + b"\r\n" for l in box.retr(i)[1]) for i in range(1, count + 1)]
        return count, messages
    finally:
        box.quit()


class NothingLostTest(unittest.TestCase):
    def test_ten_thousand_messages_from_two_hundred_clients(self):
        server = Server()
        self.addCleanup(server.close)
        clients = run_load(server.port("smtp"))
        errors = [c.error for c in clients if c.error is not None]
        self.assertEqual(errors, [])
        sent = {i for c in clients for i in c.acked}
        self.assertEqual(len(sent), CLIENTS * PER_CLIENT)
        total, ids = 0, []
        for user in USERS:
            count, messages = maildrop(server.port("pop3"), user)
            total += count
            ids += [intact(m) for m in messages]
        self.assertEqual(total, 10000)
        self.assertNotIn(None, ids)
        self.assertEqual(sorted(ids), sorted(sent))
        status, err = server.stop()
        self.assertEqual(status, 0, err)

    def test_kill_9_loses_no_acknowledged_message(self):
        root = tempfile.mkdtemp(prefix="pochta-maildir-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        server = Server("--maildir", root)
        self.addCleanup(server.close)

        def kill_mid_load(clients):
            # Mid-load: once a good share of the messages got their 250.
            end = time.monotonic() + 120
            while sum(len(c.acked) for c in clients) < 1500 and time.monotonic() < end:
                time.sleep(0.01)
            server.proc.send_signal(signal.SIGKILL)

        clients = run_load(server.port("smtp"), stop_after=kill_mid_load)
        server.proc.wait()
        acked = {i for c in clients for i in c.acked}
        self.assertGreaterEqual(len(acked), 1500)
        self.assertLess(len(acked), CLIENTS * PER_CLIENT)

        # On disk: every file in new/ and cur/ is whole.
        on_disk = []
        for user in USERS:
            for sub in ("new", "cur"):
                folder = os.path.join(root, COMP3, user, sub)
                for name in os.listdir(folder) if os.path.isdir(folder) else []:
                    with open(os.path.join(folder, name), "rb") as f:
                        on_disk.append(intact(f.read().replace(b"\n", b"\r\n")))
        self.assertNotIn(None, on_disk)
        self.assertLessEqual(acked, set(on_disk))

        # Started again on the same Maildirs, POP3 sees all of them.
        again = Server("--maildir", root)
        self.addCleanup(again.close)
        total, ids = 0, []
        for user in USERS:
            count, messages = maildrop(again.port("pop3"), user)
            total += count
            ids += [intact(m) for m in messages]
        self.assertEqual(total, len(on_disk))
        self.assertNotIn(None, ids)
        self.assertLessEqual(acked, set(ids))
        status, err = again.stop()
        self.assertEqual(status, 0, err)


if __name__ == "__main__":
    main()
