#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pochta-cli play, checked from outside: the thesis lines in order (the
seed-session lesson run through the simulation), the CRAM-MD5 response
recomputed with Python's own hmac, determinism, quizzes read from stdin,
the Russian lesson, exports, and clear usage errors."""
import base64
import hmac
import os
import re
import subprocess
import sys
import unittest

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)
LESSONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lessons")


def run(*args, stdin_text=None, env=None):
    """Runs pochta-cli; stdin is empty (or stdin_text), never the terminal."""
    return subprocess.run([CLI, *args], capture_output=True, text=True,
                          input=stdin_text if stdin_text is not None else "",
                          env=dict(os.environ, LANGUAGE="C", LC_ALL="C.UTF-8", **(env or {})))


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
        # The thesis' own line: its client declares no SIZE (RFC 1870 §6
        # makes SIZE= optional).
        self.assertEqual(mail, ["MAIL FROM:<Ivanov@comp1.otd1.constr.org>"])
        self.assertEqual(got[got.index(("C", mail[0])) + 1], ("S", "250 OK"))
        # The thesis' numbering: the greeting is line 1, QUIT's reply 40.
        self.assertEqual(self.lines[0][0], 1)
        self.assertEqual(self.lines[-1], (40, "S", "221 comp3.otd2.constr.org Service closing transmission channel"))

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

    def test_explanations_cite_the_numbered_lines(self):
        # Explanations are wrapped for the terminal: compare words.
        out = " ".join(self.result.stdout.split())
        self.assertIn("Line 1: comp3 greets with 220", out)
        self.assertIn("Lines 3–9: a multi-line 250 reply", out)
        # The lesson says why the thesis' own fred exchange cannot be checked.
        self.assertIn("fred", out)
        self.assertIn("never published", out)
        # Explanations come before the lines they explain.
        self.assertLess(out.index("Line 24: DATA"), out.index(" 24 C: DATA"))

    def test_show_message(self):
        shown = run("play", "--show-message")
        self.assertEqual(shown.returncode, 0)
        text = shown.stdout
        received = text.index("Received: from comp1.otd1.constr.org (comp1.otd1.constr.org [192.0.2.11])")
        self.assertIn("\tby comp3.otd2.constr.org with ESMTPA id ", text[received:])
        # The stored copy: Received: first, then the client's own header.
        self.assertTrue(text[received:].split("\n")[3].startswith("From: Ivan Ivanov <Ivanov@comp1.otd1.constr.org>"))
        self.assertTrue(text.rstrip("\n").endswith("Hello!\nTest mail.\nIvanov"))


class LessonTest(unittest.TestCase):
    def test_quizzes_read_from_stdin_and_score(self):
        # Four quizzes: CRAM-MD5 (by number), VRFY (free text), 550 (wrong),
        # "250 after the dot" (by its text, any case).
        r = run("play", stdin_text="1\nvrfy petrov\n1\n250 AFTER THE DOT\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("Right."), 3)
        self.assertIn("Not quite: the answer is 550.", r.stdout)
        self.assertIn("Hint: A 5yz code is a permanent refusal", r.stdout)
        self.assertIn("Score: 3 of 4 questions answered right.", r.stdout)

    def test_all_shows_answers_and_asks_nothing(self):
        r = run("play", "--all", stdin_text="2\n2\n2\n2\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("Your answer:", r.stdout)
        self.assertNotIn("Score:", r.stdout)
        self.assertIn("Answer: 550", r.stdout)
        self.assertEqual(wire_lines(r.stdout), wire_lines(run("play").stdout))

    def test_pipelined_recipients_get_their_own_replies(self):
        # RFC 2920: MAIL, RCPT, RCPT and DATA go as one group and their
        # replies come back in order; each RCPT's line is its own reply.
        r = run("play", "--all", "--lang", "en", "pipelining")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"Nobody@comp4\.otd2\.constr\.org +refused +550 5\.1\.1 ")
        self.assertRegex(r.stdout, r"Smirnov@comp4\.otd2\.constr\.org +delivered +250 2\.1\.5 ")
        self.assertNotRegex(r.stdout, r"(delivered|refused) +250 2\.1\.0 Sender OK")

    def test_by_id_and_by_file_agree(self):
        lesson = os.path.join(LESSONS, "seed-session.lesson")
        by_file = run("play", "--all", "--lang", "en", lesson)
        self.assertEqual(by_file.returncode, 0, by_file.stderr)
        self.assertEqual(by_file.stdout, run("play", "--all", "--lang", "en", "seed-session").stdout)

    def test_russian(self):
        r = run("play", "--all", "--lang", "ru")
        self.assertEqual(r.returncode, 0, r.stderr)
        # The wire stays English whatever the language.
        self.assertEqual(wire_lines(r.stdout), wire_lines(run("play", "--all").stdout))
        if re.search("[а-яА-Я]", r.stdout) is None:
            self.skipTest("po/ru.po has no translation of the lesson yet")
        self.assertIn("Сеанс SMTP", r.stdout)

    def test_export_json_is_deterministic(self):
        import json
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            paths = [os.path.join(tmp, name) for name in ("a.json", "b.json")]
            for path in paths:
                r = run("play", "--all", "--export", "json", "-o", path)
                self.assertEqual(r.returncode, 0, r.stderr)
            with open(paths[0], "rb") as a, open(paths[1], "rb") as b:
                first = a.read()
                self.assertEqual(first, b.read())
            doc = json.loads(first)
            lines = [i["text"] for i in doc["items"] if i["kind"] == "line"]
            self.assertEqual(lines[0], "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready")
            self.assertEqual(len(lines), 40)

    def test_failed_expectation(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "wrong.lesson")
            with open(path, "w") as f:
                f.write("[Lesson]\nId=wrong\nTitle=Wrong\nNetwork=constr-org\n\n"
                        "[Step 01]\nConnection=comp1.otd1.constr.org -> comp3.otd2.constr.org:25\n"
                        "Send=RCPT TO:<Petrov@comp3.otd2.constr.org>\nExpect=250\n")
            r = run("play", "--all", path)
            self.assertEqual(r.returncode, 1)
            self.assertIn(path + ":9: [Step 01] expected 250, got 503 Bad sequence of commands", r.stderr)
            # The lines are still shown.
            self.assertIn("RCPT TO:<Petrov@comp3.otd2.constr.org>", r.stdout)


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
        r = run("play", "seed-session", "extra")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli play:", r.stderr)

    def test_unknown_lesson(self):
        r = run("play", "no-such-lesson")
        self.assertEqual(r.returncode, 1)
        # The built-in lessons are listed sorted, the thesis session among them.
        self.assertRegex(r.stderr, r"no-such-lesson: no such file, nor a built-in lesson "
                                   r"\(built-in: ([a-z0-9-]+, )*seed-session(, [a-z0-9-]+)*\)")

    def test_bad_language(self):
        r = run("play", "--lang", "de")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli play: --lang is ru or en", r.stderr)

    def test_export_needs_output(self):
        r = run("play", "--export", "json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--export and -o go together", r.stderr)
        r = run("play", "--export", "doc", "-o", "x.doc")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--export is one of", r.stderr)

    def test_bad_option(self):
        r = run("play", "--seed", "many")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli play:", r.stderr)

    def test_help(self):
        r = run("play", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--show-message", r.stdout)
        self.assertIn("--all", r.stdout)
        self.assertIn("--lang", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
