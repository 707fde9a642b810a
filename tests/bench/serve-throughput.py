#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Throughput of `pochta-cli serve` next to Postfix's smtp-sink, both
driven by Postfix's smtp-source in the same run (DESIGN.md §5): 20,000
messages of 1 KB on one lock-step connection and on four, messages per
second and the ratio Pochta / smtp-sink; then POP3 RETR of 1 KB messages
per second, and the resident memory of 1,000 idle sessions.  Pochta
stores every message (counted back with POP3 STAT) and records the
transcript (written as JSON at the end).

A benchmark, not a test: it prints figures and fails only when something
does not work at all.  Exit 77 (skipped) without Postfix's programs
(build-aux/install-deps installs the postfix package; its daemon is never
started, only smtp-sink and smtp-source run, as plain programs on
127.0.0.1 ephemeral ports)."""
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CLI = os.environ.get("POCHTA_CLI") or sys.argv[1]
MESSAGES = int(os.environ.get("POCHTA_BENCH_MESSAGES", "20000"))
ROUNDS = int(os.environ.get("POCHTA_BENCH_ROUNDS", "3"))
IDLE_SESSIONS = 1000
SENDER = "Ivanov@comp1.otd1.constr.org"
RECIPIENT = "Petrov@comp3.otd2.constr.org"


def find_postfix_tool(name):
    for path in (shutil.which(name), "/usr/sbin/" + name, "/usr/lib/postfix/sbin/" + name):
        if path and os.access(path, os.X_OK):
            return path
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Serve:
    """pochta-cli serve on ephemeral ports; the listening lines parsed."""

    def __init__(self, scratch):
        self.transcript = os.path.join(scratch, "transcript.json")
        self.proc = subprocess.Popen(
            [CLI, "serve", "--smtp-port", "0", "--pop3-port", "0",
             "--max-sessions", str(IDLE_SESSIONS + 100), "--transcript", self.transcript],
            stdout=subprocess.PIPE, text=True)
        self.ports = {}
        while len(self.ports) < 2:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("pochta-cli serve printed no listening lines")
            words = line.split()
            self.ports[words[1]] = int(words[3].rsplit(":", 1)[1])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=120)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def smtp_source(source, port, sessions):
    """Seconds smtp-source takes for MESSAGES messages on `sessions`
    connections, each sending its share lock-step."""
    per_session = MESSAGES // sessions
    args = [source, "-s", str(sessions), "-m", str(per_session * sessions), "-d",
            "-l", "1024", "-f", SENDER, "-t", RECIPIENT, "127.0.0.1:%d" % port]
    start = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError("smtp-source failed: %s" % done.stderr[-500:])
    return elapsed


def pop3_read_responses(sock, count, multi):
    """Reads count responses (multi-line ones end with CRLF.CRLF); returns
    the bytes.  Scans the stream in bulk, not line by line, so that the
    client is not the bottleneck."""
    data = bytearray()
    end = b"\r\n.\r\n" if multi else b"\r\n"
    done, pos = 0, 0
    while done < count:
        found = data.find(end, pos)
        if found < 0:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("POP3 server closed the connection")
            pos = max(0, len(data) - len(end))
            data += chunk
            continue
        done += 1
        pos = found + len(end)
    return bytes(data)


def pop3_command(sock, line, multi=False):
    sock.sendall(line + b"\r\n")
    reply = pop3_read_responses(sock, 1, multi)
    if not reply.startswith(b"+OK"):
        raise RuntimeError("%r: %r" % (line, reply[:80]))
    return reply


def pop3_retr_rates(port, count, batch=50):
    """RETR of the first `count` messages, lock-step and then pipelined
    in groups of `batch` (RFC 2449 §6.6); messages per second of each."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        pop3_read_responses(sock, 1, False)
        pop3_command(sock, b"USER Petrov")
        pop3_command(sock, b"PASS petrov123")
        total = int(pop3_command(sock, b"STAT").split()[1])
        n = min(count, total)
        start = time.monotonic()
        for i in range(1, n + 1):
            pop3_command(sock, b"RETR %d" % i, multi=True)
        lockstep = n / (time.monotonic() - start)
        start = time.monotonic()
        for first in range(1, n + 1, batch):
            last = min(first + batch, n + 1)
            sock.sendall(b"".join(b"RETR %d\r\n" % i for i in range(first, last)))
            pop3_read_responses(sock, last - first, True)
        pipelined = n / (time.monotonic() - start)
        pop3_command(sock, b"QUIT")
        return total, lockstep, pipelined


def idle_sessions_rss(serve):
    """RSS growth of the server with IDLE_SESSIONS clients connected and
    greeted, doing nothing."""
    before = rss_kib(serve.proc.pid)
    socks = []
    try:
        for _ in range(IDLE_SESSIONS):
            s = socket.create_connection(("127.0.0.1", serve.ports["smtp"]))
            socks.append(s)
        for s in socks:
            if not s.recv(512).startswith(b"220"):
                raise RuntimeError("an idle session got no greeting")
        after = rss_kib(serve.proc.pid)
    finally:
        for s in socks:
            s.close()
    return before, after


def main():
    source, sink = find_postfix_tool("smtp-source"), find_postfix_tool("smtp-sink")
    if source is None or sink is None:
        print("smtp-source or smtp-sink missing: install Debian's postfix package "
              "(build-aux/install-deps)")
        return 77
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * IDLE_SESSIONS)), hard))

    scratch = tempfile.mkdtemp(prefix="pochta-bench-")
    sink_port = free_port()
    sink_args = [sink, "127.0.0.1:%d" % sink_port, "256"]
    if os.geteuid() == 0:
        sink_args[1:1] = ["-u", "nobody"]
    sink_proc = subprocess.Popen(sink_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve = None
    try:
        wait_for_port(sink_port)
        serve = Serve(scratch)
        # The machine is shared: each figure is the best of ROUNDS runs,
        # smtp-sink's and Pochta's taken in turn.
        print("%d messages of 1 KB, smtp-source lock-step, best of %d (messages/s)"
              % (MESSAGES, ROUNDS))
        print("%-14s %12s %12s %8s" % ("connections", "smtp-sink", "pochta", "ratio"))
        for sessions in (1, 4):
            sink_rate = pochta_rate = 0.0
            for _ in range(ROUNDS):
                sink_rate = max(sink_rate, MESSAGES / smtp_source(source, sink_port, sessions))
                pochta_rate = max(pochta_rate,
                                  MESSAGES / smtp_source(source, serve.ports["smtp"], sessions))
            print("%-14d %12.0f %12.0f %8.2f" % (sessions, sink_rate, pochta_rate,
                                                 pochta_rate / sink_rate), flush=True)
        stored, lockstep, pipelined = pop3_retr_rates(serve.ports["pop3"], MESSAGES)
        expected = 2 * ROUNDS * MESSAGES
        print("stored in Petrov's mailbox: %d (expected %d)" % (stored, expected))
        print("POP3 RETR of 1 KB messages: %.0f/s lock-step, %.0f/s pipelined"
              % (lockstep, pipelined))
        before, after = idle_sessions_rss(serve)
        print("RSS: %d KiB before, %d KiB with %d idle sessions (%.1f KiB each)"
              % (before, after, IDLE_SESSIONS, (after - before) / IDLE_SESSIONS))
        status = serve.stop()
        size = os.path.getsize(serve.transcript) if os.path.exists(serve.transcript) else 0
        print("serve exited with %d; transcript %.1f MB" % (status, size / 1e6))
        return 0 if status == 0 and stored == expected and size > 0 else 1
    finally:
        if serve is not None:
            serve.kill()
        sink_proc.terminate()
        sink_proc.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
