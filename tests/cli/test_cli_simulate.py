#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pochta-cli simulate, from outside: every letter submitted, stored and
fetched on a generated network, the same counts for the same seed, a
progress bar on a terminal only, and clear errors on bad input."""
import os
import pty
import re
import subprocess
import sys
import unittest

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, LANGUAGE="C", LC_ALL="C.UTF-8"))


class SimulateTest(unittest.TestCase):
    def test_every_letter_arrives(self):
        r = run("simulate", "--hosts", "30", "--letters", "200")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "Network: 30 hosts in 2 departments and a hub, 30 users (seed 1)")
        self.assertEqual(lines[1], "Letters: 200 submitted, 200 stored, 200 fetched, 0 bounced, 0 failed")
        # Each letter: its submission and comp-to-comp relay; one POP3
        # session per user with mail per round of fetching.
        self.assertRegex(lines[2], r"^Sessions: 400 SMTP, \d+ POP3, over [\d.]+ minutes of virtual time$")
        self.assertRegex(lines[3], r"^Cost: [\d.]+ s of CPU \(user [\d.]+ s, system [\d.]+ s\), "
                                   r"[\d.]+ s of wall time, peak RSS [\d.]+ MB$")
        # The cost depends on the malloc, so the report names it, as
        # --version does.
        version = run("--version").stdout.splitlines()
        self.assertEqual(lines[4], version[1])
        self.assertRegex(lines[4], r"^Memory allocator: (mimalloc \d+\.\d+\.\d+|the C library's malloc)$")
        self.assertNotIn("\r", r.stdout)

    def test_same_seed_same_counts(self):
        a = run("simulate", "--hosts", "12", "--letters", "60", "--seed", "5").stdout.splitlines()[:3]
        b = run("simulate", "--hosts", "12", "--letters", "60", "--seed", "5").stdout.splitlines()[:3]
        self.assertEqual(a, b)
        c = run("simulate", "--hosts", "12", "--letters", "60", "--seed", "6")
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertIn("60 stored, 60 fetched", c.stdout)

    def test_progress_bar_on_a_terminal(self):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(CLI, [CLI, "simulate", "--hosts", "10", "--letters", "50"])
        out = b""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertIn(b"\rSimulating [", out)
        self.assertIn(b"100%", out)
        self.assertIn(b"Letters: 50 submitted, 50 stored, 50 fetched", out)

    def test_bad_input(self):
        for args, message in [
            (["--hosts", "1"], "--hosts is a number from 2 to 60000"),
            (["--hosts", "70000"], "--hosts is a number from 2 to 60000"),
            (["--letters", "-5"], "--letters is a number from 0 to 100000000"),
            (["--seed", "-1"], "--seed is a number from 0 to 4294967295"),
            (["extra"], "simulate takes no arguments"),
        ]:
            r = run("simulate", *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("pochta-cli simulate: " + message, r.stderr)
        r = run("simulate", "--hosts", "many")
        self.assertEqual(r.returncode, 2)
        self.assertIn("pochta-cli simulate:", r.stderr)

    def test_help(self):
        r = run("simulate", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--letters", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
