#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pochta-cli network, from outside: the built-in constr-org network as
constr-org.md describes it, a network file, and clear errors."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)
HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, LANGUAGE="C", LC_ALL="C.UTF-8"))


def section(stdout, title):
    """The lines of one section, without their indentation."""
    lines = stdout.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    out = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        out.append(re.sub(r" +", " ", line.strip()))
    return out


class ConstrOrgTest(unittest.TestCase):
    def setUp(self):
        self.result = run("network")
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.out = self.result.stdout

    def test_heading(self):
        self.assertTrue(self.out.startswith("Network constr-org: constr.org enterprise, domain constr.org\n"))

    def test_hosts(self):
        self.assertEqual(section(self.out, "Hosts:"), [
            "comp1.otd1.constr.org 192.0.2.11 otd1 rfc821 smtp:25 pop3:110",
            "comp2.otd1.constr.org 192.0.2.12 otd1 modern smtp:25 pop3:110",
            "comp3.otd2.constr.org 198.51.100.13 otd2 seed smtp:25 pop3:110",
            "comp4.otd2.constr.org 198.51.100.14 otd2 modern smtp:25 pop3:110",
            "mail.constr.org 203.0.113.1 - modern smtp:25 pop3:110",
        ])

    def test_users_lists_mx_links(self):
        self.assertEqual(section(self.out, "Users")[0], "Ivanov@comp1.otd1.constr.org Ivan Ivanov ivanov123")
        self.assertEqual(len(section(self.out, "Users")), 5)
        self.assertEqual(section(self.out, "Lists"), [
            "otd2@comp4.otd2.constr.org: Petrov@comp3.otd2.constr.org, Kuznetsova@comp3.otd2.constr.org, "
            "Smirnov@comp4.otd2.constr.org"])
        self.assertEqual(section(self.out, "MX records"), [
            "constr.org 10 mail.constr.org, 20 comp1.otd1.constr.org",
            "otd1.constr.org 10 comp1.otd1.constr.org",
            "otd2.constr.org 10 comp3.otd2.constr.org",
        ])
        self.assertEqual(section(self.out, "Links"), [
            "otd1-lan lan 1 ms comp1.otd1.constr.org, comp2.otd1.constr.org",
            "otd2-lan lan 1 ms comp3.otd2.constr.org, comp4.otd2.constr.org",
            "otd1-backbone point-to-point 20 ms otd1-lan, mail.constr.org",
            "otd2-backbone point-to-point 20 ms otd2-lan, mail.constr.org",
        ])
        self.assertEqual(section(self.out, "Departments:"), [
            "otd1 otd1.constr.org Department 1", "otd2 otd2.constr.org Department 2"])

    def test_by_id(self):
        self.assertEqual(run("network", "constr-org").stdout, self.out)


class FileTest(unittest.TestCase):
    def test_network_file(self):
        r = run("network", os.path.join(HERE, "..", "data", "scenarios", "backup.network"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Network backup: Backup MX, domain corp.test", r.stdout)
        self.assertEqual(section(r.stdout, "MX records"), ["corp.test 10 gw.corp.test, 20 backup.corp.test"])
        self.assertNotIn("Departments:", r.stdout)
        self.assertNotIn("Lists", r.stdout)

    def test_malformed_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".network", delete=False) as f:
            f.write("[Network]\nId=x\nDomain=x.test\n[Host a.x.test]\nAdress=192.0.2.1\n")
        try:
            r = run("network", f.name)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, "pochta-cli network: %s:5: unknown key 'Adress' in [Host a.x.test]\n" % f.name)
        finally:
            os.unlink(f.name)

    def test_unknown(self):
        r = run("network", "no-such-net")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-net: no such file, nor a built-in network (built-in: constr-org)", r.stderr)

    def test_usage(self):
        self.assertEqual(run("network", "a", "b").returncode, 2)
        self.assertEqual(run("network", "--bogus").returncode, 2)
        r = run("network", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("FILE|ID", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
