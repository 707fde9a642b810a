#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pochta-cli export, checked from outside: a transcript written by hand
in the documented JSON (derived fields left out) comes out in every
format; the JSON round trip is exact; bad files get clear errors."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)

T0 = 1021371300000000  # 2002-05-14 10:15:00 UTC, in microseconds


def line(time, direction, text, **extra):
    return dict(kind="line", time=T0 + time, connection=1, direction=direction, text=text, **extra)


TRANSCRIPT = {
    "format": "pochta-transcript",
    "version": 1,
    "connections": [{
        "id": 1, "protocol": "smtp",
        "client_host": "comp1.otd1.constr.org", "client_address": "192.0.2.11",
        "client_port": 40001,
        "server_host": "comp3.otd2.constr.org", "server_address": "198.51.100.13",
        "server_port": 25,
        "open_time": T0, "close_time": T0 + 9000, "open_index": 1, "close_index": 8,
    }],
    "items": [
        {"kind": "mta", "time": T0, "host": "comp1.otd1.constr.org", "event": "queued",
         "text": "1 message"},
        line(1000, "server", "220 comp3.otd2.constr.org Simple Mail Transfer Service Ready",
             state_after="GREETING"),
        line(2000, "client", "HELO comp1.otd1.constr.org", state_before="GREETING",
             state_after="READY"),
        line(3000, "server", "250 comp3.otd2.constr.org"),
        line(4000, "client", "RCPT TO:<Sidirov@comp3.otd2.constr.org>"),
        line(5000, "server", "503 Need MAIL before RCPT"),
        line(6000, "client", "QUIT"),
        line(7000, "server", "221 comp3.otd2.constr.org Service closing transmission channel"),
    ],
}

EXPECTED_TEXT = """\
# 10:15:00.000 comp1.otd1.constr.org queued: 1 message
# connection 1: comp1.otd1.constr.org (192.0.2.11) -> comp3.otd2.constr.org:25 smtp, 10:15:00.000
  1  S: 220 comp3.otd2.constr.org Simple Mail Transfer Service Ready
  2  C: HELO comp1.otd1.constr.org
  3  S: 250 comp3.otd2.constr.org
  4  C: RCPT TO:<Sidirov@comp3.otd2.constr.org>
  5  S: 503 Need MAIL before RCPT
  6  C: QUIT
  7  S: 221 comp3.otd2.constr.org Service closing transmission channel
# connection 1 closed, 10:15:00.009
"""


class ExportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.input = self.path("in.json")
        self.write_json(self.input, TRANSCRIPT)

    def tearDown(self):
        self.dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def write_json(self, path, document):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f)

    def run_cli(self, *args):
        return subprocess.run([CLI, "export", *args], capture_output=True,
                              env=dict(os.environ, LANGUAGE="C", LC_ALL="C.UTF-8"))

    def export(self, fmt, *extra, source=None):
        out = self.path("out." + fmt)
        result = self.run_cli(source or self.input, "--format", fmt, "-o", out, *extra)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        with open(out, "rb") as f:
            return f.read()

    def test_text(self):
        self.assertEqual(self.export("txt").decode(), EXPECTED_TEXT)

    def test_text_in_another_zone(self):
        text = self.export("text", "--utc-offset", "240").decode()
        self.assertTrue(text.startswith("# 14:15:00.000 comp1.otd1.constr.org queued"))

    def test_json_fills_in_and_round_trips(self):
        first = self.export("json")
        document = json.loads(first)
        reply = document["items"][5]
        self.assertEqual(reply["code"], 503)
        self.assertEqual(reply["reply_class"], "permanent")
        self.assertEqual(reply["line_number"], 5)
        self.assertEqual(document["items"][4]["verb"], "RCPT")
        again = self.path("again.json")
        with open(again, "wb") as f:
            f.write(first)
        self.assertEqual(self.export("json", source=again), first)

    def test_html(self):
        html = self.export("html", "--title", "RCPT before MAIL").decode()
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertIn("<title>RCPT before MAIL</title>", html)
        self.assertIn('<tr class="c5"><td class="n">5</td>', html)
        self.assertNotIn("<script", html)

    def test_pcap(self):
        data = self.export("pcap")
        magic, major, minor = struct.unpack("=IHH", data[:8])
        self.assertEqual((magic, major, minor), (0xA1B2C3D4, 2, 4))
        self.assertEqual(struct.unpack("=I", data[20:24])[0], 1)  # Ethernet

    def test_svg(self):
        root = ET.fromstring(self.export("svg"))
        self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")

    def test_pdf(self):
        data = self.export("pdf")
        self.assertTrue(data.startswith(b"%PDF-"))
        self.assertIn(b"/CreationDate (20020514101500Z)", data)

    def test_png(self):
        data = self.export("png")
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", data[16:24])
        self.assertGreater(width, 600)
        self.assertGreater(height, 300)

    def test_same_bytes_twice(self):
        for fmt in ("txt", "json", "html", "pcap", "svg", "pdf", "png"):
            self.assertEqual(self.export(fmt), self.export(fmt), fmt)

    def test_file_that_disagrees_with_itself(self):
        broken = json.loads(json.dumps(TRANSCRIPT))
        broken["items"][5]["code"] = 550
        bad = self.path("bad.json")
        self.write_json(bad, broken)
        result = self.run_cli(bad, "--format", "txt", "-o", self.path("x"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("items[5].code: 550, but the transcript makes it 503",
                      result.stderr.decode())
        self.assertFalse(os.path.exists(self.path("x")))

    def test_not_a_transcript(self):
        bad = self.path("bad.json")
        self.write_json(bad, {"format": "something-else"})
        result = self.run_cli(bad, "--format", "txt", "-o", self.path("x"))
        self.assertEqual(result.returncode, 1)
        self.assertIn('format: "something-else", expected "pochta-transcript"',
                      result.stderr.decode())

    def test_missing_file(self):
        result = self.run_cli(self.path("nothing.json"), "--format", "txt", "-o", self.path("x"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("nothing.json", result.stderr.decode())

    def test_usage_errors(self):
        for args in ([self.input, "-o", self.path("x")],
                     [self.input, "--format", "jpeg", "-o", self.path("x")],
                     ["--format", "txt", "-o", self.path("x")]):
            result = self.run_cli(*args)
            self.assertEqual(result.returncode, 2, args)
            self.assertIn("pochta-cli export:", result.stderr.decode())

    def test_no_such_connection(self):
        result = self.run_cli(self.input, "--format", "svg", "--connection", "2",
                              "-o", self.path("x"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("the transcript has no connection 2", result.stderr.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
