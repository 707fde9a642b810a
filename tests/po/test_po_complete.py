#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every language of po/LINGUAS translates every message: the catalogue
is checked with msgfmt --check --statistics (no fuzzy, no untranslated
message), and the messages are extracted again from the sources, as
`ninja pochta-pot` does, so that a string added to the code without a
translation fails too."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest

parser = argparse.ArgumentParser()
parser.add_argument("--source-root", required=True)
parser.add_argument("--po-dir", required=True)
parser.add_argument("--xgettext-arg", action="append", default=[])
# Desktop Entry syntax files whose names xgettext does not recognise
# (lessons/*.lesson), with their translatable keys.
parser.add_argument("--desktop-keyword", action="append", default=[])
parser.add_argument("--desktop-file", action="append", default=[])
ARGS, REST = parser.parse_known_args()


def run(*command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stderr}")
    return result


def languages():
    with open(os.path.join(ARGS.po_dir, "LINGUAS"), encoding="utf-8") as linguas:
        return [word for line in linguas if not line.startswith("#") for word in line.split()]


def statistics(po_file):
    """(translated, fuzzy, untranslated) as msgfmt --statistics counts them."""
    report = run("msgfmt", "--check", "--statistics", "-o", os.devnull, po_file).stderr
    counts = {}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", report):
        counts[kind] = int(number)
    return counts.get("translated", 0), counts.get("fuzzy", 0), counts.get("untranslated", 0)


def msgids(po_file, *filters):
    """The msgids msgattrib keeps with these filters, for the failure message."""
    text = run("msgattrib", "--no-wrap", *filters, po_file).stdout
    found = re.findall(r'^msgid "(.*)"$', text, re.MULTILINE)
    return [m for m in found if m]


class CatalogueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.pot = os.path.join(cls.tmp.name, "pochta.pot")
        run("xgettext", "--package-name=pochta", "-f", os.path.join(ARGS.po_dir, "POTFILES.in"),
            "-D", ARGS.source_root, "-o", cls.pot, *ARGS.xgettext_arg)
        if ARGS.desktop_file:
            run("xgettext", "--language=Desktop", "--from-code=UTF-8", "--join-existing", "-o", cls.pot,
                *("--keyword=" + k for k in ARGS.desktop_keyword), *ARGS.desktop_file)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_sources_have_messages(self):
        # A broken extraction would make every other check pass vacuously:
        # the interface, the knowledge base and the lessons are all there.
        with open(self.pot, encoding="utf-8") as pot:
            text = pot.read()
        self.assertGreater(len(re.findall(r"^msgid ", text, re.MULTILINE)), 300)
        self.assertIn("#: app/cli-explain.c:", text)
        self.assertIn("#: data/kb/smtp-replies.desktop.in:", text)

    def test_every_language(self):
        langs = languages()
        self.assertIn("ru", langs)
        for lang in langs:
            with self.subTest(lang=lang):
                po_file = os.path.join(ARGS.po_dir, lang + ".po")
                translated, fuzzy, untranslated = statistics(po_file)
                self.assertEqual(fuzzy, 0, f"{lang}.po: fuzzy: {msgids(po_file, '--only-fuzzy')}")
                self.assertEqual(untranslated, 0, f"{lang}.po: untranslated: {msgids(po_file, '--untranslated')}")

                # The sources as they are now: a message the catalogue lacks
                # comes out untranslated (run `ninja pochta-update-po`).
                merged = os.path.join(self.tmp.name, lang + ".po")
                run("msgmerge", "--quiet", "--no-fuzzy-matching", "-o", merged, po_file, self.pot)
                translated, fuzzy, untranslated = statistics(merged)
                self.assertEqual(untranslated, 0,
                                 f"{lang}.po lacks messages of the sources: {msgids(merged, '--untranslated')}")
                self.assertGreater(translated, 100)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + REST, verbosity=2)
