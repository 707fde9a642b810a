#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pochta-cli explain, checked from outside: every accepted form of code,
the entry's parts and RFC section, English by default and Russian with
LANGUAGE=ru (the knowledge base's texts from the merged data, the labels
and messages from the .mo built under the build directory's po/), wire
text left in English, and clear errors."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)
# The catalogues of the build directory (po/LANG/LC_MESSAGES/pochta.mo).
LOCALEDIR = os.environ.get("POCHTA_TEST_LOCALEDIR") or sys.argv.pop(1)


def run_cli(*args, language="C"):
    # Any UTF-8 locale lets gettext honour LANGUAGE; C.UTF-8 is always
    # there on glibc 2.35 and later, ru_RU.UTF-8 need not be.
    env = dict(os.environ, LANGUAGE=language, LC_ALL="C.UTF-8", POCHTA_LOCALEDIR=LOCALEDIR)
    env.pop("LANG", None)
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env)


def run(*args, language="C"):
    return run_cli("explain", *args, language=language)


def heading(stdout):
    return stdout.splitlines()[0]


def has_cyrillic(text):
    return re.search("[\u0400-\u04ff]", text) is not None


class EnglishTest(unittest.TestCase):
    def test_reply_code(self):
        r = run("550")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(heading(r.stdout), "550 \u2014 Requested action not taken: mailbox unavailable")
        for label in ("  Meaning", "  Likely cause", "  Next step", "  Defined in"):
            self.assertIn("\n" + label + "\n", r.stdout)
        self.assertIn("    RFC 5321 §4.2.3, §3.6.2\n", r.stdout)
        # The same code in answer to one command, one entry each.
        self.assertIn("See also: 550 EXPN, 550 RCPT, 550 VRFY", r.stdout)
        self.assertFalse(has_cyrillic(r.stdout))

    def test_reply_to_a_command(self):
        for args in (["550 RCPT"], ["550", "--command", "RCPT"], ["550", "-c", "rcpt"], ["  550   rcpt "]):
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(heading(r.stdout),
                                 "550 RCPT \u2014 Recipient refused: no such user, or relaying denied")
                # The thesis' refused recipient is the example.
                self.assertIn("Sidirov@comp3.otd2.constr.org", r.stdout)
                self.assertIn("RFC 5321 §3.3, §4.2.3", r.stdout)

    def test_every_form(self):
        cases = [
            ("5.1.1", "5.1.1 \u2014 Bad destination mailbox address"),
            ("334", "334 \u2014 SASL challenge"),
            ("334 CRAM-MD5", "334 CRAM-MD5 \u2014 CRAM-MD5: the challenge"),
            ("+OK", "+OK \u2014 Positive response"),
            ("+OK RETR", "+OK RETR \u2014 The message follows"),
            ("-ERR", "-ERR \u2014 Negative response"),
            ("-ERR [IN-USE]", "-ERR [IN-USE] \u2014 Maildrop in use [IN-USE]"),
            ("[LOGIN-DELAY]", "-ERR [LOGIN-DELAY] \u2014 Login too soon [LOGIN-DELAY]"),
            ("+", "+ \u2014 SASL continuation (POP3)"),
            ("*", "* \u2014 The client cancels the authentication"),
            ("220 CONNECT", "220 CONNECT \u2014 Greeting: service ready"),
        ]
        for query, expected in cases:
            with self.subTest(query=query):
                r = run(query)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(heading(r.stdout), expected)

    def test_several_codes(self):
        r = run("250", "354", "221")
        self.assertEqual(r.returncode, 0, r.stderr)
        headings = [line for line in r.stdout.splitlines() if "\u2014" in line]
        self.assertEqual([h.split()[0] for h in headings], ["250", "354", "221"])

    def test_lines_fit_a_terminal(self):
        # The texts are wrapped by characters, not bytes (Russian is two
        # bytes a letter in UTF-8); the heading is left whole.
        for query in ("550 RCPT", "535", "-ERR [IN-USE]"):
            for language in ("C", "ru"):
                r = run(query, language=language)
                lines = r.stdout.splitlines()
                self.assertGreater(len(lines), 10)
                for line in lines[1:]:
                    self.assertLessEqual(len(line), 76, line)

    def test_list(self):
        r = run("--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        for heading_text in ("SMTP reply codes", "Enhanced status codes", "POP3 responses", "SASL steps"):
            self.assertIn(heading_text, lines)
        entries = [line.split()[0] for line in lines if line.startswith("  ")]
        self.assertGreaterEqual(len(entries), 100)
        self.assertIn("  550 RCPT             Recipient refused: no such user, or relaying denied", lines)
        self.assertIn("  -ERR [IN-USE]        Maildrop in use [IN-USE]", lines)
        # Everything listed can be asked for.
        queries = [line[2:22].strip() for line in lines if line.startswith("  ")]
        r = run(*queries)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("\u2014"), len(queries))


class RussianTest(unittest.TestCase):
    def test_reply_in_russian(self):
        r = run("550", "RCPT", language="ru")
        # "RCPT" alone is no code: the 550 is explained, RCPT refused.
        self.assertEqual(r.returncode, 1)
        self.assertIn("RCPT", r.stderr)
        r = run("550 RCPT", language="ru")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(heading(r.stdout),
                         "550 RCPT \u2014 Получатель отклонён: нет такого пользователя или пересылка запрещена")
        # Labels from the .mo, texts from the knowledge base.
        for label in ("  Значение", "  Вероятная причина", "  Что делать дальше", "  Где определено"):
            self.assertIn("\n" + label + "\n", r.stdout)
        self.assertIn("См. также", run("550", language="ru").stdout)
        # Wire text and RFC sections stay as they are.
        self.assertIn("RCPT", r.stdout)
        self.assertIn("TO:<Sidirov@comp3.otd2.constr.org>", r.stdout)
        self.assertIn("RFC 5321 §3.3, §4.2.3", r.stdout)

    def test_every_listed_entry_is_russian(self):
        r = run("--list", language="ru")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Коды ответов SMTP", r.stdout)
        for line in r.stdout.splitlines():
            if line.startswith("  "):
                self.assertTrue(has_cyrillic(line[22:]), line)

    def test_errors_in_russian(self):
        r = run("999", language="ru")
        self.assertEqual(r.returncode, 1)
        self.assertIn("о «999» ничего не известно", r.stderr)
        r = run(language="ru")
        self.assertEqual(r.returncode, 2)
        self.assertIn("укажите хотя бы один код", r.stderr)

    def test_help_in_russian(self):
        r = run("--help", language="ru")
        self.assertEqual(r.returncode, 0)
        self.assertIn("Объясняет коды ответов SMTP", r.stdout)
        self.assertIn("--list", r.stdout)


class HtmlExportTest(unittest.TestCase):
    """pochta-cli export --format html: the knowledge base's explanation of
    each reply, once per reply, in the user's language."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.json = os.path.join(self.tmp.name, "thesis.json")
        r = run_cli("play", "--all", "--export", "json", "-o", self.json)
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        self.tmp.cleanup()

    def export(self, language):
        html = os.path.join(self.tmp.name, language + ".html")
        r = run_cli("export", self.json, "--format", "html", "-o", html, language=language)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(html, encoding="utf-8") as f:
            return f.read()

    def test_english(self):
        html = self.export("C")
        self.assertIn("<th>Explanation</th>", html)
        cells = re.findall(r'<td class="x">([^<]*)</td>', html)
        explained = [c for c in cells if c]
        # The thesis' refusal, explained once, and the greeting.
        self.assertEqual(sum(c.startswith("Recipient refused: no such user, or relaying denied.") for c in cells), 1)
        self.assertTrue(explained[0].startswith("Greeting: service ready."))
        # The seven-line EHLO reply is explained on its first line only.
        self.assertEqual(sum(c.startswith("EHLO accepted") for c in cells), 1)
        self.assertIn("Likely cause: ", explained[0])

    def test_russian(self):
        html = self.export("ru")
        self.assertIn("Получатель отклонён: нет такого пользователя или пересылка запрещена.", html)
        # The wire stays English.
        self.assertIn("550 No such user here", html)


class UsageTest(unittest.TestCase):
    def test_unknown_code(self):
        for query in ("999", "hello", "5.9", "-ERR [NO-SUCH-CODE]"):
            with self.subTest(query=query):
                r = run(query)
                self.assertEqual(r.returncode, 1)
                self.assertEqual(r.stdout, "")
                self.assertIn(f"pochta-cli explain: nothing is known about '{query}'.", r.stderr)
                # The message says what it does take.
                self.assertIn("an SMTP reply code (550)", r.stderr)
                self.assertIn("an enhanced status code (5.1.1)", r.stderr)
                self.assertIn("pochta-cli explain --list", r.stderr)

    def test_known_and_unknown(self):
        r = run("550", "999")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stdout.startswith("550 \u2014"))
        self.assertIn("'999'", r.stderr)

    def test_no_code(self):
        r = run()
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli explain:", r.stderr)
        self.assertIn("pochta-cli explain --help", r.stderr)

    def test_bad_option(self):
        r = run("--frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli explain:", r.stderr)

    def test_help(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--command=VERB", r.stdout)
        self.assertIn("--list", r.stdout)
        self.assertIn("Examples: 550", r.stdout)

    def test_listed_among_commands(self):
        env = dict(os.environ, LANGUAGE="C", LC_ALL="C.UTF-8")
        r = subprocess.run([CLI, "--help"], capture_output=True, text=True, env=env)
        self.assertRegex(r.stdout, r"\n  explain +Explain a reply code")


if __name__ == "__main__":
    unittest.main(verbosity=2)
