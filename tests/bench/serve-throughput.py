#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Throughput of `pochta-cli serve` next to Postfix's smtp-sink, both
driven by Postfix's smtp-source in the same run (DESIGN.md §5): 20,000
messages of 1 KB on one connection and on four, messages per second and
the ratio Pochta / smtp-sink, the best of three runs.

smtp-source speaks HELO and never pipelines (its manual says so under
BUGS), so every row is lock-step: it waits for each reply before the next
command.  The rows differ in the host Pochta serves: comp3 with the
thesis profile (RFC 821-era replies) and comp4 with the modern one
(enhanced status codes, queue ids in the 250 after DATA).  smtp-sink
answers the same either way; it runs with -p (no PIPELINING offered) for
the first, as it comes for the second.

Beside each rate stands the server's CPU time per message (user and
system, from /proc/PID/stat, in the best run): Pochta's main loop asks
its sockets again for up to 100 µs after activity before it sleeps
(--busy-poll, engine/busy-poll.h), which buys latency with CPU time that
the table shows.  POCHTA_BENCH_BUSY_POLL=N runs every Pochta server with
--busy-poll N instead (0: sleep at once, as smtp-sink does).

The one-connection rows run three times: with the scheduler free to put
the server and smtp-source anywhere, with both on one CPU, and with each
on its own CPU (see Placement below).  smtp-sink and Pochta always get
the same placement.

Every Pochta run gets a fresh server (started before the clock starts)
that must store every message and record the whole transcript: after
the run its mailbox is counted with POP3 STAT, it is stopped with
SIGTERM and must exit with 0, print no transcript-limit warning and
write a JSON transcript holding the lines of every message and session.
The server's --transcript-limit is raised for this, since 20,000
messages make about 520,000 lines, more than the default 500,000.

Then one more fresh server receives the messages (not timed) and gives
POP3 RETR of 1 KB messages per second and the resident memory of 1,000
idle sessions; it is checked the same way.

A benchmark, not a test: it prints figures and fails (exit 1) only when
something does not work at all.  Exit 77 (skipped) without Postfix's
programs (build-aux/install-deps installs the postfix package; its
daemon is never started, only smtp-sink and smtp-source run, as plain
programs on 127.0.0.1 ephemeral ports)."""
import collections
import json
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
BUSY_POLL = os.environ.get("POCHTA_BENCH_BUSY_POLL")
SENDER = "Ivanov@comp1.otd1.constr.org"

# How smtp-source meets both servers: smtp-sink's options, and the host
# Pochta serves with the mailbox the messages go to.
Mode = collections.namedtuple("Mode", "name sink_options host login password")
THESIS = Mode("thesis", ["-p"], "comp3.otd2.constr.org", "Petrov", "petrov123")
MODERN = Mode("modern", [], "comp4.otd2.constr.org", "Smirnov", "smirnov123")
# A 1 KB message from smtp-source is 26 lines (envelope, 19 content
# lines, replies); fewer than this many per message means lines are lost.
MIN_LINES_PER_MESSAGE = 20
# Room for every line of the RETR server too: its SMTP lines and two
# RETR passes of each message, about 80 lines a message.
TRANSCRIPT_LIMIT = 200 * MESSAGES + 10 * IDLE_SESSIONS
# In serve's stderr warning ("the transcript holds N lines, its limit").
LIMIT_WARNING = "its limit"


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


def cpu_seconds(pid):
    """User and system time the process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        # The command name may hold spaces; the fields after it do not.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarise_item(obj):
    """json object_hook: keeps only what the checks need of each item,
    so that a transcript of a million lines parses in little memory."""
    if "kind" in obj:
        return (obj["kind"], obj["connection"], obj["direction"], obj["verb"])
    return obj


def check_transcript(name, path, messages, sessions):
    """Number of lines in the transcript at `path`; fails unless it holds
    the lines of `messages` messages sent on `sessions` SMTP sessions."""
    with open(path) as f:
        transcript = json.load(f, object_hook=summarise_item)
    smtp = {c["id"] for c in transcript["connections"] if c["protocol"] == "smtp"}
    lines = [item for item in transcript["items"] if item[0] == "line"]
    verbs = collections.Counter(verb for _, connection, direction, verb in lines
                                if connection in smtp and direction == "client")
    if (verbs["DATA"] != messages or verbs["QUIT"] != sessions
            or len(lines) < MIN_LINES_PER_MESSAGE * messages):
        raise RuntimeError("%s: the transcript holds %d lines, %d DATA and %d QUIT; expected "
                           "%d messages (at least %d lines) on %d sessions"
                           % (name, len(lines), verbs["DATA"], verbs["QUIT"], messages,
                              MIN_LINES_PER_MESSAGE * messages, sessions))
    return len(lines)


class Serve:
    """A fresh pochta-cli serve on ephemeral ports, its stderr and its
    transcript in files named after the run."""

    def __init__(self, scratch, name, mode):
        self.name = name
        self.mode = mode
        self.transcript = os.path.join(scratch, name + ".json")
        self.stderr = os.path.join(scratch, name + ".stderr")
        with open(self.stderr, "w") as stderr:
            self.proc = subprocess.Popen(
                [CLI, "serve", "--host", mode.host, "--smtp-port", "0", "--pop3-port", "0",
                 "--max-sessions", str(IDLE_SESSIONS + 100),
                 "--transcript-limit", str(TRANSCRIPT_LIMIT), "--transcript", self.transcript]
                + (["--busy-poll", BUSY_POLL] if BUSY_POLL is not None else []),
                stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.ports = {}
        while len(self.ports) < 2:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("%s: pochta-cli serve printed no listening lines" % name)
            words = line.split()
            self.ports[words[1]] = int(words[3].rsplit(":", 1)[1])

    def finish(self, messages, sessions):
        """Checks that the server stored `messages` messages, stops it and
        checks its exit and its transcript; returns the transcript's lines."""
        stored = pop3_stat(self.ports["pop3"], self.mode)
        if stored != messages:
            raise RuntimeError("%s: %s's mailbox holds %d messages, %d were sent"
                               % (self.name, self.mode.login, stored, messages))
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=300)
        with open(self.stderr) as f:
            stderr = f.read().strip()
        if status != 0:
            raise RuntimeError("%s: serve exited with %d: %s" % (self.name, status, stderr))
        if LIMIT_WARNING in stderr:
            raise RuntimeError("%s: lines went unrecorded: %s" % (self.name, stderr))
        if not os.path.exists(self.transcript):
            raise RuntimeError("%s: serve wrote no transcript" % self.name)
        lines = check_transcript(self.name, self.transcript, messages, sessions)
        os.unlink(self.transcript)
        return lines

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# Where the scheduler may run the server and smtp-source.  On one
# lock-step connection this decides more than either program: a reply
# that wakes a process on another CPU costs far more than one that
# switches to it on the same CPU (on a virtual machine, an idle virtual
# CPU must be woken through the hypervisor).  Left to the scheduler, the
# two meet now on one CPU and now on two, and one run differs from the
# next more than smtp-sink from Pochta; so the one-connection rows are
# also run with both placements fixed.
Placement = collections.namedtuple("Placement", "name server_cpus client_cpus")


def placements(sessions):
    """The placements a row with `sessions` connections is run in."""
    cpus = sorted(os.sched_getaffinity(0))
    anywhere = Placement("any CPU", set(cpus), set(cpus))
    if sessions > 1 or len(cpus) < 2:
        return [anywhere]
    return [anywhere,
            Placement("same CPU", {cpus[0]}, {cpus[0]}),
            Placement("2 CPUs", {cpus[0]}, {cpus[1]})]


def smtp_source(source, port, sessions, messages, mode, cpus=None, server=None):
    """Seconds smtp-source takes for `messages` messages on `sessions`
    connections, each sending its share one message after the other, on
    the given CPUs (any when None), and the CPU seconds the server with
    pid `server` used meanwhile (0 when None)."""
    recipient = "%s@%s" % (mode.login, mode.host)
    args = [source, "-s", str(sessions), "-m", str(messages), "-d",
            "-l", "1024", "-f", SENDER, "-t", recipient, "127.0.0.1:%d" % port]
    pin = None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))
    cpu = cpu_seconds(server) if server is not None else 0.0
    start = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, preexec_fn=pin)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError("smtp-source failed: %s" % done.stderr[-500:])
    return elapsed, (cpu_seconds(server) - cpu if server is not None else 0.0)


def pochta_run(source, scratch, name, sessions, messages, mode, placement):
    """Seconds and server CPU seconds of one smtp-source run on a fresh
    server (its start-up not timed), and the lines its transcript
    recorded."""
    serve = Serve(scratch, name, mode)
    try:
        os.sched_setaffinity(serve.proc.pid, placement.server_cpus)
        seconds, cpu = smtp_source(source, serve.ports["smtp"], sessions, messages, mode,
                                   placement.client_cpus, serve.proc.pid)
        return seconds, cpu, serve.finish(messages, sessions)
    finally:
        serve.kill()


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


def pop3_login(port, mode):
    sock = socket.create_connection(("127.0.0.1", port))
    pop3_read_responses(sock, 1, False)
    pop3_command(sock, b"USER " + mode.login.encode())
    pop3_command(sock, b"PASS " + mode.password.encode())
    return sock


def pop3_stat(port, mode):
    """Messages in the mode's mailbox."""
    with pop3_login(port, mode) as sock:
        total = int(pop3_command(sock, b"STAT").split()[1])
        pop3_command(sock, b"QUIT")
        return total


def pop3_retr_rates(port, count, mode, batch=50):
    """RETR of the first `count` messages, lock-step and then pipelined
    in groups of `batch` (RFC 2449 §6.6); messages per second of each."""
    with pop3_login(port, mode) as sock:
        n = min(count, int(pop3_command(sock, b"STAT").split()[1]))
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
        return lockstep, pipelined


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


def throughput_table(source, sinks, scratch):
    """Prints the smtp-sink / Pochta table; returns the line counts of the
    Pochta runs' transcripts.  sinks maps a mode's name to its smtp-sink's
    port and process."""
    # The machine is shared: each figure is the best of ROUNDS runs,
    # smtp-sink's and Pochta's taken in turn.
    print("%d messages of 1 KB sent by smtp-source, best of %d (messages/s, and the server's "
          "CPU µs per message in that run)%s"
          % (MESSAGES, ROUNDS, "" if BUSY_POLL is None else "; pochta with --busy-poll " + BUSY_POLL))
    print("%-8s %11s %-9s %11s %6s %11s %6s %7s"
          % ("profile", "connections", "placement", "smtp-sink", "cpu", "pochta", "cpu", "ratio"))
    lines = []
    for mode in (THESIS, MODERN):
        sink_port, sink = sinks[mode.name]
        for sessions in (1, 4):
            messages = MESSAGES // sessions * sessions
            for placement in placements(sessions):
                os.sched_setaffinity(sink.pid, placement.server_cpus)
                sink_best = pochta_best = (0.0, 0.0)  # messages/s, CPU µs a message
                for attempt in range(ROUNDS):
                    seconds, cpu = smtp_source(source, sink_port, sessions, messages, mode,
                                               placement.client_cpus, sink.pid)
                    sink_best = max(sink_best, (messages / seconds, cpu * 1e6 / messages))
                    seconds, cpu, recorded = pochta_run(
                        source, scratch, "%s-%d-%s-%d" % (mode.name, sessions,
                                                           placement.name.replace(" ", ""), attempt),
                        sessions, messages, mode, placement)
                    pochta_best = max(pochta_best, (messages / seconds, cpu * 1e6 / messages))
                    lines.append(recorded)
                print("%-8s %11d %-9s %11.0f %6.1f %11.0f %6.1f %7.2f"
                      % (mode.name, sessions, placement.name, *sink_best, *pochta_best,
                         pochta_best[0] / sink_best[0]), flush=True)
    return lines


def start_sink(sink, mode):
    """smtp-sink on a free loopback port with the mode's options."""
    port = free_port()
    args = [sink] + mode.sink_options + ["127.0.0.1:%d" % port, "256"]
    if os.geteuid() == 0:
        args[1:1] = ["-u", "nobody"]
    return port, subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    source, sink = find_postfix_tool("smtp-source"), find_postfix_tool("smtp-sink")
    if source is None or sink is None:
        print("smtp-source or smtp-sink missing: install Debian's postfix package "
              "(build-aux/install-deps)")
        return 77
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * IDLE_SESSIONS)), hard))

    scratch = tempfile.mkdtemp(prefix="pochta-bench-")
    sinks = {mode.name: start_sink(sink, mode) for mode in (THESIS, MODERN)}
    serve = None
    try:
        for port, _ in sinks.values():
            wait_for_port(port)
        lines = throughput_table(source, sinks, scratch)
        print("each of the %d Pochta runs had a fresh server: every message stored (POP3 STAT), "
              "all its lines recorded (%d to %d; --transcript-limit %d, not reached)"
              % (len(lines), min(lines), max(lines), TRANSCRIPT_LIMIT))

        serve = Serve(scratch, "retr", THESIS)
        smtp_source(source, serve.ports["smtp"], 1, MESSAGES, THESIS)
        lockstep, pipelined = pop3_retr_rates(serve.ports["pop3"], MESSAGES, THESIS)
        print("POP3 RETR of 1 KB messages: %.0f/s lock-step, %.0f/s pipelined"
              % (lockstep, pipelined))
        before, after = idle_sessions_rss(serve)
        print("RSS: %d KiB before, %d KiB with %d idle sessions (%.1f KiB each)"
              % (before, after, IDLE_SESSIONS, (after - before) / IDLE_SESSIONS))
        recorded = serve.finish(MESSAGES, 1)
        print("the RETR server stored all %d messages and exited with 0; transcript of %d lines"
              % (MESSAGES, recorded))
        return 0
    except RuntimeError as error:
        print("serve-throughput: FAILED: %s" % error, file=sys.stderr)
        return 1
    finally:
        if serve is not None:
            serve.kill()
        for _, proc in sinks.values():
            proc.terminate()
            proc.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
