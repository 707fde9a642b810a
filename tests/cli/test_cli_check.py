#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pochta-cli check, from outside: files that pass, expectations that do
not hold (with the file, line, step, expected and actual reply), files
the loader refuses, built-in lessons by id, and usage errors."""
import os
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)
HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "..", "data", "scenarios")
LESSONS = os.path.join(HERE, "..", "..", "lessons")

HEAD = "[Scenario]\nId=t\nNetwork=constr-org\n"
THESIS_START = (HEAD + "\n[Step 01]\n"
                "Connection=comp1.otd1.constr.org -> comp3.otd2.constr.org:25\n"
                "Expect=220\n")


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, LANGUAGE="C", LC_ALL="C.UTF-8"))


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_passing_files(self):
        lesson = os.path.join(LESSONS, "seed-session.lesson")
        scenario = os.path.join(SCENARIOS, "relay-departments.scenario")
        r = run("check", lesson, scenario)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "%s: all 11 steps passed\n%s: all 2 steps passed\n" % (lesson, scenario))
        self.assertEqual(r.stderr, "")
        quiet = run("check", "--quiet", lesson)
        self.assertEqual((quiet.returncode, quiet.stdout, quiet.stderr), (0, "", ""))

    def test_builtin_by_id_and_other_seed(self):
        r = run("check", "seed-session")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "seed-session: all 11 steps passed\n")
        # Another seed gives another challenge; Respond= still answers it.
        r = run("check", "--seed", "99", "seed-session")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_expectation_fails_with_step_expected_and_actual(self):
        path = self.write("wrong.scenario", THESIS_START +
                          "\n[Step 02]\nSend=EHLO comp1.otd1.constr.org\nSend=VRFY Sidirov\nExpect=250\n"
                          "\n[Step 03]\nSend=QUIT\nExpect=221\n")
        r = run("check", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "%s:12: [Step 02] expected 250, got 550 No such user here\n" % path)
        self.assertEqual(r.stdout, "%s: 1 of 3 steps failed\n" % path)

    def test_regex_and_check_failures(self):
        path = self.write("checks.scenario", THESIS_START +
                          "\n[Step 02]\nSend=EHLO comp1.otd1.constr.org\nExpect=/^250 PIPELINING$/\n"
                          "Check=mailbox Petrov@comp3.otd2.constr.org 1\n"
                          "Check=no-line /^S: 250-AUTH /\n")
        r = run("check", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.splitlines(), [
            "%s:11: [Step 02] expected /^250 PIPELINING$/, got 250 VRFY" % path,
            "%s:12: [Step 02] Check=mailbox Petrov@comp3.otd2.constr.org 1 failed: there are 0" % path,
            "%s:13: [Step 02] Check=no-line /^S: 250-AUTH / failed: S: 250-AUTH CRAM-MD5 DIGEST-MD5" % path,
        ])

    def test_malformed_file(self):
        path = self.write("typo.lesson", "[Lesson]\nId=typo\nTitle=Typo\nNetwork=constr-org\n"
                                         "[Step 04]\nExpct=550\n")
        r = run("check", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "%s:6: unknown key 'Expct' in [Step 04]\n" % path)

    def test_network_beside_the_file_and_missing(self):
        path = self.write("nowhere.scenario", "[Scenario]\nId=n\nNetwork=nowhere.network\n[Step 01]\nDo=run\n")
        r = run("check", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "%s:3: no network 'nowhere.network' (built-in: constr-org; "
                                   "or a .network file's path)\n" % path)
        self.write("nowhere.network", "[Network]\nId=n\nDomain=n.test\n[Host a.n.test]\nAddress=192.0.2.1\n"
                                      "Profile=modern\nServices=smtp:25\n")
        r = run("check", path)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_one_bad_file_does_not_hide_the_others(self):
        good = os.path.join(SCENARIOS, "relay-departments.scenario")
        bad = self.write("bad.scenario", "nonsense\n")
        r = run("check", bad, good)
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:1: expected Key=value, a [group] or a # comment" % bad, r.stderr)
        self.assertIn("%s: all 2 steps passed" % good, r.stdout)

    def test_missing_file(self):
        r = run("check", "no-such.lesson")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such.lesson: no such file, nor a built-in lesson", r.stderr)


class UsageTest(unittest.TestCase):
    def test_no_file(self):
        r = run("check")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli check: check needs at least one lesson or scenario", r.stderr)

    def test_bad_options(self):
        self.assertEqual(run("check", "--lang", "fr", "seed-session").returncode, 2)
        self.assertEqual(run("check", "--seed", "-4", "seed-session").returncode, 2)
        self.assertEqual(run("check", "--frobnicate").returncode, 2)

    def test_help(self):
        r = run("check", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--quiet", r.stdout)
        self.assertIn("Expect=", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
