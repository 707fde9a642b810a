#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`pochta-cli serve`'s options and limits, seen from a socket: the
listening lines (port 0 shows the real port, --all one pair per host),
--max-sessions (421 4.3.2), --idle-timeout (421 4.4.2, RFC 5321
§4.5.3.2.7; POP3 logged out without a word, RFC 1939 §3), SIGINT and
SIGTERM (421 to every session, the transcript written, exit 0),
--greet-delay (the early talker noted in the transcript), --busy-poll
(spinning after activity only), the warning for an address that is not
loopback, and usage errors."""
import json
import re
import signal
import socket
import subprocess
import time
import unittest

from serve_helper import CLI, COMP3, COMP4, Server, main


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock, sock.makefile("rb")


class ListeningTest(unittest.TestCase):
    def test_port_zero_prints_the_real_port(self):
        server = Server()
        self.addCleanup(server.close)
        self.assertEqual(len(server.lines), 2)
        for line, protocol in zip(server.lines, ("smtp", "pop3")):
            self.assertRegex(line, r"^listening %s comp3\.otd2\.constr\.org 127\.0\.0\.1:[1-9]\d*$"
                             % protocol)
        sock, f = connect(server.port("smtp"))
        self.assertTrue(f.readline().startswith(b"220 comp3.otd2.constr.org "))
        sock.close()

    def test_all_gives_every_host_a_pair(self):
        server = Server("--all", listeners=10)
        self.addCleanup(server.close)
        hosts = ["comp1.otd1.constr.org", "comp2.otd1.constr.org", COMP3, COMP4,
                 "mail.constr.org"]
        self.assertEqual(sorted(server.ports), sorted((p, h) for h in hosts
                                                      for p in ("smtp", "pop3")))
        self.assertEqual(len(set(server.ports.values())), 10)
        for host in hosts:
            sock, f = connect(server.port("smtp", host))
            self.assertTrue(f.readline().startswith(b"220 " + host.encode()), host)
            sock.close()

    def test_usage_errors(self):
        for args, message in ((["--host", COMP3, "--all"], "exclude each other"),
                              (["--smtp-port", "70000"], "0 to 65535"),
                              (["--listen", "localhost"], "numeric"),
                              (["--host", "nowhere.example"], "no host nowhere.example"),
                              (["--transcript-limit", "0"], "positive number of lines"),
                              (["--busy-poll", "-1"], "0 to 10000 microseconds"),
                              (["--busy-poll", "10001"], "0 to 10000 microseconds")):
            done = subprocess.run([CLI, "serve", *args], capture_output=True, text=True,
                                  timeout=10, env={"LANGUAGE": "C", "LC_ALL": "C.UTF-8"})
            self.assertNotEqual(done.returncode, 0, args)
            self.assertIn(message, done.stderr, args)

    def test_warning_for_an_address_not_loopback(self):
        # 0.0.0.0 is not loopback; the test still only connects to 127.0.0.1.
        server = Server("--listen", "0.0.0.0")
        self.addCleanup(server.close)
        self.assertTrue(server.lines[0].startswith("listening smtp %s 0.0.0.0:" % COMP3))
        server.stop()
        self.assertIn("warning: 0.0.0.0 is not a loopback address", server.stopped[1])


class LimitsTest(unittest.TestCase):
    def test_max_sessions(self):
        server = Server("--max-sessions", "2")
        self.addCleanup(server.close)
        first = connect(server.port("smtp"))
        second = connect(server.port("pop3"))
        self.assertTrue(first[1].readline().startswith(b"220 "))
        self.assertTrue(second[1].readline().startswith(b"+OK "))
        third, f = connect(server.port("smtp"))
        self.assertEqual(f.readline(),
                         b"421 4.3.2 comp3.otd2.constr.org Too many sessions, try again later\r\n")
        self.assertEqual(f.readline(), b"")
        fourth, f = connect(server.port("pop3"))
        self.assertEqual(f.readline(), b"-ERR [SYS/TEMP] too many sessions, try again later\r\n")
        # A session that ends makes room again.
        first[0].sendall(b"QUIT\r\n")
        self.assertTrue(first[1].readline().startswith(b"221 "))
        self.assertEqual(first[1].readline(), b"")
        time.sleep(0.1)
        fifth, f = connect(server.port("smtp"))
        self.assertTrue(f.readline().startswith(b"220 "))
        for sock in (second[0], third, fourth, fifth):
            sock.close()
        server.stop()
        with open(server.transcript) as t:
            events = [i["event"] for i in json.load(t)["items"] if i["kind"] == "mta"]
        self.assertEqual(events.count("too-many-sessions"), 2)

    def test_idle_timeout(self):
        server = Server("--idle-timeout", "1", "--host", COMP4)
        self.addCleanup(server.close)
        smtp, smtp_f = connect(server.port("smtp", COMP4))
        pop3, pop3_f = connect(server.port("pop3", COMP4))
        start = time.monotonic()
        self.assertTrue(smtp_f.readline().startswith(b"220 "))
        self.assertTrue(pop3_f.readline().startswith(b"+OK "))
        self.assertEqual(smtp_f.readline(), b"421 4.4.2 comp4.otd2.constr.org Idle timeout, "
                                            b"closing transmission channel\r\n")
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        self.assertEqual(smtp_f.readline(), b"")
        self.assertEqual(pop3_f.readline(), b"")  # RFC 1939 §3: no reply
        smtp.close()
        pop3.close()

    def test_idle_timeouts_of_sessions_opened_apart(self):
        """One timer serves every session: after the first session's
        timeout it waits for the next one's, which comes later."""
        server = Server("--idle-timeout", "1")
        self.addCleanup(server.close)
        first, first_f = connect(server.port("smtp"))
        start = time.monotonic()
        first_f.readline()
        time.sleep(0.6)
        second, second_f = connect(server.port("smtp"))
        second_f.readline()
        self.assertTrue(first_f.readline().startswith(b"421 comp3.otd2.constr.org Idle timeout"))
        first_ended = time.monotonic() - start
        self.assertTrue(second_f.readline().startswith(b"421 comp3.otd2.constr.org Idle timeout"))
        second_ended = time.monotonic() - start
        self.assertGreaterEqual(first_ended, 0.9)
        self.assertLess(first_ended, 1.5)
        self.assertGreaterEqual(second_ended, 1.5)
        first.close()
        second.close()

    def test_activity_postpones_the_idle_timeout(self):
        server = Server("--idle-timeout", "1")
        self.addCleanup(server.close)
        sock, f = connect(server.port("smtp"))
        f.readline()
        for _ in range(3):
            time.sleep(0.5)
            sock.sendall(b"NOOP\r\n")
            self.assertEqual(f.readline(), b"250 OK\r\n")
        self.assertTrue(f.readline().startswith(b"421 comp3.otd2.constr.org Idle timeout"))
        sock.close()


class BackPressureTest(unittest.TestCase):
    def test_client_that_reads_late_gets_everything(self):
        """RFC 2920 §3.2: the server may stop reading while its replies
        wait; they all arrive, in order, once the client reads."""
        server = Server()
        self.addCleanup(server.close)
        body = b"".join(b"line %04d %s\r\n" % (i, b"x" * 90) for i in range(100))
        sock, f = connect(server.port("smtp"))
        f.readline()
        count = 200
        sock.sendall(b"HELO late.example.org\r\n")
        f.readline()
        for _ in range(count):
            sock.sendall(b"MAIL FROM:<late@example.org>\r\nRCPT TO:<Petrov@%s>\r\nDATA\r\n"
                         % COMP3.encode())
            self.assertEqual([f.readline()[:3] for _ in range(3)], [b"250", b"250", b"354"])
            sock.sendall(body + b".\r\n")
            self.assertEqual(f.readline()[:3], b"250")
        sock.close()
        # 200 RETRs in one write, a megabyte and more of answers, read
        # only after a pause.
        # A small receive buffer, so that the server's writes block.
        pop3 = socket.socket()
        pop3.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        pop3.settimeout(10)
        pop3.connect(("127.0.0.1", server.port("pop3")))
        pf = pop3.makefile("rb")
        pf.readline()
        pop3.sendall(b"USER Petrov\r\nPASS petrov123\r\n" +
                     b"".join(b"RETR %d\r\n" % i for i in range(1, count + 1)) + b"QUIT\r\n")
        time.sleep(0.5)
        self.assertTrue(pf.readline().startswith(b"+OK"))
        self.assertTrue(pf.readline().startswith(b"+OK"))
        for i in range(1, count + 1):
            self.assertTrue(pf.readline().startswith(b"+OK"), i)
            lines = []
            while True:
                line = pf.readline()
                if line == b".\r\n":
                    break
                lines.append(line)
            self.assertTrue(b"".join(lines).endswith(body), i)
        self.assertTrue(pf.readline().startswith(b"+OK"))
        self.assertEqual(pf.readline(), b"")
        pop3.close()


class SignalTest(unittest.TestCase):
    def check_signal(self, sig):
        server = Server()
        self.addCleanup(server.close)
        smtp, smtp_f = connect(server.port("smtp"))
        pop3, pop3_f = connect(server.port("pop3"))
        smtp_f.readline()
        pop3_f.readline()
        smtp.sendall(b"HELO signal.example.org\r\n")
        smtp_f.readline()
        status, err = server.stop(sig)
        self.assertEqual(status, 0, err)
        # comp3's seed profile has no enhanced status codes.
        self.assertEqual(smtp_f.readline(), b"421 comp3.otd2.constr.org Service not available, "
                                            b"closing transmission channel\r\n")
        self.assertEqual(smtp_f.readline(), b"")
        self.assertEqual(pop3_f.readline(), b"")
        with open(server.transcript) as f:
            transcript = json.load(f)
        self.assertEqual([c["client_host"] for c in transcript["connections"]],
                         ["127.0.0.1", "127.0.0.1"])
        self.assertNotIn(-1, [c["close_time"] for c in transcript["connections"]])
        texts = [i["text"] for i in transcript["items"] if i["kind"] == "line"]
        self.assertEqual(texts[-1], "421 comp3.otd2.constr.org Service not available, "
                                    "closing transmission channel")
        smtp.close()
        pop3.close()

    def test_sigterm(self):
        self.check_signal(signal.SIGTERM)

    def test_sigint(self):
        self.check_signal(signal.SIGINT)


class TranscriptLimitTest(unittest.TestCase):
    def test_lines_stop_at_the_limit(self):
        # A server that runs for days keeps a bounded transcript: after the
        # limit only MTA events, with a note saying so.
        server = Server("--transcript-limit", "6")
        self.addCleanup(server.close)
        sock, f = connect(server.port("smtp"))
        self.assertTrue(f.readline().startswith(b"220 "))
        for command in (b"HELO limit.example.org", b"NOOP", b"NOOP", b"NOOP", b"QUIT"):
            sock.sendall(command + b"\r\n")
            self.assertTrue(f.readline()[:1] in (b"2",))
        sock.close()
        status, err = server.stop()
        self.assertEqual(status, 0, err)
        self.assertIn("the transcript holds 6 lines, its limit", err)
        with open(server.transcript) as t:
            items = json.load(t)["items"]
        lines = [i["text"] for i in items if i["kind"] == "line"]
        self.assertEqual(lines, ["220 comp3.otd2.constr.org Simple Mail Transfer Service Ready",
                                 "HELO limit.example.org",
                                 "250 comp3.otd2.constr.org says hello",
                                 "NOOP", "250 OK", "NOOP"])
        notes = [i["text"] for i in items if i["kind"] == "note"]
        self.assertEqual(notes, ["transcript limit of 6 lines reached: later lines are not "
                                 "recorded, MTA events still are"])


    def test_limit_inside_a_block_of_content_lines(self):
        # Content lines that arrive in one read are recorded as one block;
        # the limit still falls on the right line inside one.
        server = Server("--transcript-limit", "23")
        self.addCleanup(server.close)
        sock, f = connect(server.port("smtp"))
        self.assertTrue(f.readline().startswith(b"220 "))
        sock.sendall(b"HELO limit.example.org\r\n")
        f.readline()
        for content in ((b"a", b"b", b"c"), (b"c1", b"c2", b"c3", b"c4", b"c5")):
            for command, reply in ((b"MAIL FROM:<x@limit.example.org>", b"250"),
                                   (b"RCPT TO:<Petrov@comp3.otd2.constr.org>", b"250"),
                                   (b"DATA", b"354")):
                sock.sendall(command + b"\r\n")
                self.assertTrue(f.readline().startswith(reply), command)
            sock.sendall(b"".join(line + b"\r\n" for line in content) + b".\r\n")
            self.assertTrue(f.readline().startswith(b"250 "))
        sock.close()
        status, err = server.stop()
        self.assertEqual(status, 0, err)
        with open(server.transcript) as t:
            items = json.load(t)["items"]
        lines = [i["text"] for i in items if i["kind"] == "line"]
        self.assertEqual(len(lines), 23)
        self.assertEqual(lines[9:13], ["a", "b", "c", "."])
        self.assertEqual(lines[20:], ["c1", "c2", "c3"])
        # The note comes right after the 23rd line.
        kinds = [(i["kind"], i["text"]) for i in items]
        at = kinds.index(("line", "c3"))
        self.assertEqual(kinds[at + 1][0], "note")


class BusyPollTest(unittest.TestCase):
    """What the main loop's poll did, from the debug line serve logs when
    it stops (busy-poll.h)."""
    DEBUG = {"G_MESSAGES_DEBUG": "pochta-cli"}

    def poll_stats(self, server):
        status, err = server.stop()
        self.assertEqual(status, 0, err)
        found = re.search(r"busy poll: (\d+) polls, (\d+) spun, (\d+) of them caught something, "
                          r"(\d+) slept", err)
        self.assertIsNotNone(found, err)
        return [int(n) for n in found.groups()]

    def noops(self, server, count):
        sock, f = connect(server.port("smtp"))
        self.assertTrue(f.readline().startswith(b"220 "))
        for _ in range(count):
            sock.sendall(b"NOOP\r\n")
            self.assertEqual(f.readline(), b"250 OK\r\n")
        sock.close()

    def test_lock_step_client_is_caught_spinning(self):
        # The longest window, so that even on a loaded machine some of
        # 200 commands arrive while the loop still asks.
        server = Server("--busy-poll", "10000", env=self.DEBUG)
        self.addCleanup(server.close)
        self.noops(server, 200)
        polls, spun, caught, slept = self.poll_stats(server)
        self.assertGreater(caught, 0)
        self.assertLessEqual(caught, spun)
        self.assertLessEqual(caught + slept, polls)

    def test_zero_is_the_plain_poll(self):
        server = Server("--busy-poll", "0", env=self.DEBUG)
        self.addCleanup(server.close)
        self.noops(server, 20)
        self.assertEqual(self.poll_stats(server), [0, 0, 0, 0])


class GreetDelayTest(unittest.TestCase):
    def test_early_talker(self):
        server = Server("--greet-delay", "500")
        self.addCleanup(server.close)
        start = time.monotonic()
        sock, f = connect(server.port("smtp"))
        sock.sendall(b"HELO early.example.org\r\n")
        self.assertTrue(f.readline().startswith(b"220 "))
        self.assertGreaterEqual(time.monotonic() - start, 0.45)
        self.assertEqual(f.readline(), b"250 comp3.otd2.constr.org says hello\r\n")
        sock.sendall(b"QUIT\r\n")
        self.assertTrue(f.readline().startswith(b"221 "))
        sock.close()
        server.stop()
        with open(server.transcript) as t:
            items = json.load(t)["items"]
        early = [i for i in items if i["kind"] == "mta" and i["event"] == "early-talker"]
        self.assertEqual(len(early), 1)
        self.assertRegex(early[0]["text"], r"^127\.0\.0\.1:\d+ sent 24 octets before the greeting")
        self.assertLess(items.index(early[0]),
                        [n for n, i in enumerate(items) if i["kind"] == "line"][0])

    def test_patient_client_is_not_noted(self):
        server = Server("--greet-delay", "200")
        self.addCleanup(server.close)
        sock, f = connect(server.port("smtp"))
        self.assertTrue(f.readline().startswith(b"220 "))
        sock.close()
        server.stop()
        with open(server.transcript) as t:
            events = [i["event"] for i in json.load(t)["items"] if i["kind"] == "mta"]
        self.assertNotIn("early-talker", events)


if __name__ == "__main__":
    main()
