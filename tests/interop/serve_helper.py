# SPDX-License-Identifier: GPL-3.0-or-later
"""What the serve interop tests share: `pochta-cli serve` started on
ephemeral loopback ports (port 0, the ports read back from its listening
lines) and always stopped; finding a client program or skipping; POP3
and message helpers.  Tests never reach beyond 127.0.0.1."""
import os
import poplib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

CLI = os.environ.get("POCHTA_CLI") or sys.argv.pop(1)

# The built-in network's users (shared/reference/constr-org.md).
PASSWORDS = {
    "Ivanov": "ivanov123",
    "Sidorov": "sidorov123",
    "Petrov": "petrov123",
    "Kuznetsova": "kuznetsova123",
    "Smirnov": "smirnov123",
}
COMP3 = "comp3.otd2.constr.org"
COMP4 = "comp4.otd2.constr.org"


def require_program(name, package):
    """The program's path, or skips the test naming the Debian package
    (build-aux/install-deps installs them all)."""
    path = shutil.which(name) or next(
        (p for p in ("/usr/sbin/" + name,) if os.access(p, os.X_OK)), None)
    if path is None:
        raise unittest.SkipTest("%s not found: install Debian's %s" % (name, package))
    return path


class Server:
    """pochta-cli serve with the given options on ports picked by the
    system; ports[(protocol, host)] from its `listeners` listening lines
    (constr-org's 5 hosts have 10 with --all)."""

    def __init__(self, *options, listeners=2, env=None):
        self.scratch = tempfile.mkdtemp(prefix="pochta-serve-")
        self.transcript = os.path.join(self.scratch, "transcript.json")
        args = [CLI, "serve", "--smtp-port", "0", "--pop3-port", "0", *options]
        if "--transcript" not in options:
            args += ["--transcript", self.transcript]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=dict(os.environ, LANGUAGE="C", **(env or {})))
        self.ports = {}
        self.lines = []
        self.stopped = None
        while len(self.ports) < listeners:
            line = self.proc.stdout.readline()
            if not line:
                break
            if not line.startswith("listening "):
                continue
            self.lines.append(line.rstrip("\n"))
            _, protocol, host, endpoint = line.split()
            self.ports[(protocol, host)] = int(endpoint.rsplit(":", 1)[1])
        if len(self.ports) < listeners:
            self.stop()
            raise RuntimeError("serve printed too few listening lines: %s" % self.proc.stderr.read())

    def port(self, protocol, host=COMP3):
        return self.ports[(protocol, host)]

    def stop(self, sig=signal.SIGTERM):
        """Signals the server and waits; returns (exit status, stderr)."""
        if self.stopped is None:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
            try:
                _, err = self.proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                _, err = self.proc.communicate()
            self.stopped = (self.proc.returncode, err)
        return self.stopped

    def close(self):
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.scratch, ignore_errors=True)


def pop3_login(port, user):
    box = poplib.POP3("127.0.0.1", port, timeout=10)
    box.user(user)
    box.pass_(PASSWORDS[user])
    return box


def pop3_messages(port, user, delete=False):
    """Every message in user's maildrop, as bytes with CRLF lines."""
    box = pop3_login(port, user)
    try:
        count, _ = box.stat()
        out = []
        for i in range(1, count + 1):
            _, lines, _ = box.retr(i)
            out.append(b"".join(line + b"\r\n" for line in lines))
            if delete:
                box.dele(i)
        return out
    finally:
        box.quit()


def wait_for_messages(port, user, count, timeout=10.0):
    """Polls user's maildrop until it holds count messages (relayed mail
    crosses the simulated network in real time)."""
    end = time.monotonic() + timeout
    while True:
        messages = pop3_messages(port, user)
        if len(messages) >= count or time.monotonic() > end:
            return messages
        time.sleep(0.05)


def strip_trace(stored):
    """A delivered message minus the trace fields the simulated hosts put
    on top (RFC 5321 §4.4: Return-Path: at final delivery, one Received:
    per hop, each with its folded continuation lines); returns
    (trace field names in order, the rest)."""
    names = []
    rest = stored
    while True:
        line, sep, after = rest.partition(b"\r\n")
        if line.startswith(b"Return-Path:") or line.startswith(b"Received:"):
            names.append(line.split(b":", 1)[0].decode())
            rest = after
        elif names and line[:1] in (b" ", b"\t"):
            rest = after
        else:
            return names, rest


def main():
    """Runs the tests; exits 77 (meson's "skipped") when every one was
    skipped for a missing program, 1 on a failure."""
    result = unittest.main(argv=[sys.argv[0]], verbosity=2, exit=False).result
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        sys.exit(77)
    sys.exit(0 if result.wasSuccessful() else 1)
