#!/usr/bin/env python3
"""bench.py: signetd's benchmark (issue 7), driven by `make bench'.

Generates seeded corpora with tools/siggen, then measures, each figure the
median of --runs runs and each run compared with the yajl ceiling measured
in that same run:

  ceiling    yajl's callback parse rate over the corpus (bench/yajl_ceiling)
  replay     signetd --replay per source shape, and its peak RSS
  tcp        a sender process -> signetd's TCP listener, LF and octet
             counting, until signetd has processed the last message
  rsyslog    the same stream into rsyslogd (imtcp -> omfile)
  udp        the highest paced datagram rate signetd takes without loss
  latency    send -> alert written, p50 and p99, at half the TCP rate
  memory     RSS per signature fact and per waiting group at 1M and 10M
  isolation  replay rate with a dead webhook output vs none
  profile    perf (cpu-clock samples) and callgrind on a short replay

Prints one table and writes it to bench/results.md; the profile goes to
bench/profile.txt. How each figure is taken is said where it is taken and
in the README's "Benchmark" section. Python 3 standard library only.
"""

import argparse
import datetime
import hashlib
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

# (row name, siggen --shapes)
SHAPES = (("MDE", "mde"),
          ("NXLog", "nxlog,nxlog6"),
          ("Winlogbeat", "winlogbeat,winlogbeat6"),
          ("mixed", "mde,nxlog,nxlog6,winlogbeat,winlogbeat6"))

TARGET_REPLAY = 0.7         # x ceiling
TARGET_TCP = 1.5            # x rsyslog
TARGET_UDP = 150000         # datagrams/s without loss
TARGET_P99_US = 1000
TARGET_FACT = 64            # bytes of RSS
TARGET_GROUP = 160
TARGET_ISOLATION = 0.95     # dead webhook rate / none

PROBE_EVERY = 200           # lines between two latency probe pairs
POLL = 0.002                # end-of-run polling interval, seconds


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def die(msg):
    log(msg)
    sys.exit(1)


def kv(line):
    """`name 12 other 3' -> {name: 12, other: 3} (numbers only)."""
    return {k: int(v) for k, v in re.findall(r"([a-z_]+) (\d+)", line)}


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_rate(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    return "%.0fk" % (x / 1e3) if x >= 1e4 else "%.0f" % x


def fmt_count(n):
    if n >= 1000000 and n % 1000000 == 0:
        return "%dM" % (n // 1000000)
    if n >= 1000 and n % 1000 == 0:
        return "%dk" % (n // 1000)
    return str(n)


def env_clean():
    e = dict(os.environ)
    e.pop("JOURNAL_STREAM", None)   # signetd would log in journal form
    return e


def wait4(p, timeout=None):
    """Reap `p' and return (exit code, rusage); rusage has ru_maxrss."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG if deadline else 0)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, ru
        if deadline and time.monotonic() > deadline:
            raise TimeoutError("pid %d did not exit" % p.pid)
        time.sleep(0.005)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "State"):
                out[k] = v.strip()
    return out


def proc_rchar(pid):
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


class Daemon:
    """signetd in the foreground; its stderr is read by a thread, which
    parses each counters block (SIGUSR1, and the one printed at exit)."""

    def __init__(self, b, conf, name):
        self.b = b
        self.lines = []
        self.blocks = []
        self.cond = threading.Condition()
        self.cur = None
        self.listening = 0
        self.p = subprocess.Popen(
            [b.signetd, "-c", conf], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=env_clean())
        b.procs.append(self.p)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        self.name = name

    def _read(self):
        for raw in self.p.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            now = time.monotonic()
            with self.cond:
                self.lines.append(line)
                if line.startswith("signetd: listening:"):
                    self.listening += 1
                elif line.startswith("signetd: messages "):
                    self.cur = {"t": now, "messages": kv(line)}
                elif self.cur is not None:
                    m = re.match(r"signetd: (listen|output) ([^:]+): (.*)",
                                 line)
                    if m:
                        self.cur["%s %s" % (m.group(1), m.group(2))] = \
                            kv(m.group(3))
                    else:
                        self.cur[line.split(":")[1].strip()] = kv(line)
                    if line.startswith("signetd: output "):
                        self.blocks.append(self.cur)
                        self.cur = None
                self.cond.notify_all()

    def ready(self, nlisten=1, timeout=10):
        with self.cond:
            if not self.cond.wait_for(
                    lambda: self.listening >= nlisten or
                    self.p.poll() is not None, timeout):
                raise RuntimeError("signetd did not start listening")
            if self.listening < nlisten:
                raise RuntimeError("signetd exited: %s" %
                                   "\n".join(self.lines[-5:]))

    def counters(self, timeout=5):
        """SIGUSR1, then the block it prints."""
        with self.cond:
            n = len(self.blocks)
        self.p.send_signal(signal.SIGUSR1)
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.blocks) > n,
                                      timeout):
                raise RuntimeError("no counters from signetd")
            return self.blocks[-1]

    def wait_messages(self, n, timeout):
        """Poll the counters until `messages' reaches n: the time the
        block saying so was received (all n are then processed: the
        pipeline is synchronous and SIGUSR1 is handled between reads)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            c = self.counters()
            if c["messages"]["messages"] >= n:
                return c["t"], c
            time.sleep(POLL)
        raise RuntimeError("signetd got %d of %d messages" %
                           (c["messages"]["messages"], n))

    def stop(self, timeout=30):
        """SIGTERM by PID; the counters printed at exit."""
        with self.cond:
            n = len(self.blocks)
        if self.p.returncode is not None:
            # Reaped already (it exited early): no rusage to report.
            self.cpu = 0.0
            self.t.join(5)
            self.b.procs.remove(self.p)
            return self.blocks[-1] if len(self.blocks) > n else None
        self.p.send_signal(signal.SIGTERM)
        _, ru = wait4(self.p, timeout)
        self.cpu = ru.ru_utime + ru.ru_stime
        self.t.join(5)
        self.b.procs.remove(self.p)
        with self.cond:
            return self.blocks[-1] if len(self.blocks) > n else None


class Bench:

    def __init__(self, o):
        self.o = o
        self.build = os.path.abspath(o.build)
        self.work = os.path.abspath(o.work)
        self.signetd = os.path.abspath(o.signetd or
                                       os.path.join(self.build, "signetd"))
        self.siggen = os.path.join(TOP, "tools", "siggen")
        self.procs = []
        self.rows = []
        self.notes = []
        self.res = {}
        os.makedirs(self.work, exist_ok=True)
        os.makedirs(os.path.join(self.work, "out"), exist_ok=True)
        self.load0 = os.getloadavg()[0]
        self.phases = []
        if self.load0 > 0.5:
            msg = ("the machine was busy at the start (load average %.1f "
                   "on %d cores): the rates are low and noisy; the ratios "
                   "to the ceiling of the same run suffer less" % (
                       self.load0, os.cpu_count()))
            log("WARNING: " + msg)
            self.notes.append(msg)

    def tool(self, name):
        return os.path.join(self.build, name)

    def path(self, *names):
        return os.path.join(self.work, *names)

    # -- set-up

    def check_binary(self):
        with open(self.signetd, "rb") as f:
            blob = f.read()
        if b"__asan_init" in blob or b"__ubsan_handle" in blob:
            msg = ("%s is built with sanitizers: its speed is the "
                   "sanitizers', not signetd's" % self.signetd)
            if not self.o.allow_sanitized:
                die("REFUSING: " + msg + " (make bench builds an "
                    "optimized copy in bench/build; --allow-sanitized "
                    "to go on anyway)")
            log("WARNING: " + msg)
            self.notes.append("WARNING: " + msg)

    def prepare(self):
        """Generate (or reuse) the corpora and take the memory figures.

        Neither is timed, so they share the two cores: the jobs go, longest
        first, to two slots (threads that wait on a child each). The memory
        runs only read VmRSS, which does not depend on the CPU they get;
        the 10M-entry runs take minutes, the other jobs fill the second
        slot meanwhile. Nothing is timed until all of them are done."""
        with open(self.siggen, "rb") as f:
            gen_hash = hashlib.sha256(f.read()).hexdigest()[:16]
        self.corpus = {}
        jobs = []       # (rough cost in µs, label, function)
        wanted = list(SHAPES)
        if "profile" in self.o.only:
            wanted.append(("profile", SHAPES[-1][1]))
        for name, shapes in wanted:
            n = {"mixed": self.o.mixed_events,
                 "profile": self.o.callgrind_events}.get(name, self.o.events)
            path = self.path("corpus-%s.jsonl" % name.lower())
            args = ["--seed", str(self.o.seed), "--events", str(n),
                    "--shapes", shapes]
            key = "%s %s\n" % (gen_hash, " ".join(args))
            self.corpus[name] = path
            try:
                with open(path + ".key") as f:
                    if f.read() == key and os.path.exists(path):
                        continue
            except OSError:
                pass
            jobs.append((45 * n, "siggen %s %d" % (name, n),
                         lambda p=path, a=args, k=key: self.generate(p, a, k)))
        self.mem = {}
        if "memory" in self.o.only:
            jobs.append((0, "memory base", lambda: self.mem_job("facts", 0)))
            for n in self.o.mem_sizes:
                jobs.append((11 * n, "memory facts %d" % n,
                             lambda n=n: self.mem_job("facts", n)))
                jobs.append((25 * n, "memory groups %d" % n,
                             lambda n=n: self.mem_job("groups", n)))
        jobs.sort(key=lambda j: -j[0])
        slots = threading.BoundedSemaphore(2)
        errors = []

        def run(label, fn):
            try:
                t = time.monotonic()
                what = fn()
                log("%s: done in %.0fs%s" % (label, time.monotonic() - t,
                                             "; " + what if what else ""))
            except Exception as e:      # reported by the main thread
                errors.append("%s: %s" % (label, e))
            finally:
                slots.release()

        threads = []
        for _, label, fn in jobs:
            slots.acquire()
            if errors:
                slots.release()
                break
            t = threading.Thread(target=run, args=(label, fn), daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        if errors:
            die("; ".join(errors))
        self.size = {}
        for name, path in self.corpus.items():
            self.size[name] = self.count_lines(path)
        self.tcp_corpus()

    def generate(self, path, args, key):
        p = subprocess.Popen([sys.executable, self.siggen] + args +
                             ["-o", path + ".tmp"])
        self.procs.append(p)
        rc = p.wait()
        self.procs.remove(p)
        if rc != 0:
            raise RuntimeError("siggen failed for %s" % path)
        os.replace(path + ".tmp", path)
        with open(path + ".key", "w") as f:
            f.write(key)

    def count_lines(self, path):
        """Lines and bytes; reading it warms the page cache too."""
        n = 0
        with open(path, "rb") as f:
            while True:
                blk = f.read(1 << 24)
                if not blk:
                    break
                n += blk.count(b"\n")
        return {"lines": n, "bytes": os.path.getsize(path)}

    def tcp_corpus(self):
        """The TCP rows use the head of the mixed corpus: loopback TCP is
        slow in this VM, and the 10 minutes have to hold."""
        src = self.corpus["mixed"]
        n = min(self.o.tcp_lines, self.size["mixed"]["lines"])
        path = self.path("corpus-tcp.jsonl")
        key = "%s %d %d\n" % (src, n, os.path.getmtime(src))
        try:
            with open(path + ".key") as f:
                fresh = f.read() == key and os.path.exists(path)
        except OSError:
            fresh = False
        if not fresh:
            with open(src, "rb") as f, open(path, "wb") as out:
                for i, line in enumerate(f):
                    if i >= n:
                        break
                    out.write(line)
            with open(path + ".key", "w") as f:
                f.write(key)
        self.corpus["tcp"] = path
        self.size["tcp"] = self.count_lines(path)

    def conf(self, name, listen=None, outputs=None, extra=None):
        """A configuration file: the defaults of etc/signetd.conf, alerts
        as JSON lines to a file in the work directory (never a tty)."""
        out = self.path("out", name + ".alerts")
        if os.path.exists(out):
            os.unlink(out)
        # The bench may run as root: the daemon refuses that unless told.
        text = ["[signetd]", "stats_interval = 1d", "stop_timeout = 1s",
                "allow_root = yes"]
        text += extra or []
        for i, (proto, port, opts) in enumerate(listen or ()):
            text += ["[listen l%d]" % i, "proto = %s" % proto,
                     "address = 127.0.0.1", "port = %d" % port] + opts
        text += outputs or ["[output alerts]", "type = file",
                            "format = json", "path = " + out]
        path = self.path("out", name + ".conf")
        with open(path, "w") as f:
            f.write("\n".join(text) + "\n")
        return path, out

    # -- ceiling and replay

    def warm(self, path):
        """Read the corpus just before it is timed: this VM reclaims cold
        page cache (kdamond), and a cold read would be timed as parsing."""
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass

    def clock(self, wall, ru):
        """The time a one-core figure is taken on: CPU time (user + sys)
        by default, which equals wall time on an idle machine and does
        not count the time other jobs held the core; --clock wall."""
        cpu = ru.ru_utime + ru.ru_stime
        return {"wall": wall, "cpu": cpu,
                "secs": cpu if self.o.clock == "cpu" else wall}

    def ceiling(self, corpus):
        self.warm(corpus)
        t = time.monotonic()
        p = subprocess.Popen([self.tool("yajl_ceiling"), corpus],
                             stdout=subprocess.PIPE)
        self.procs.append(p)
        out = p.stdout.read().decode()
        rc, ru = wait4(p)
        wall = time.monotonic() - t
        self.procs.remove(p)
        if rc != 0:
            die("yajl_ceiling %s: exit %d" % (corpus, rc))
        c = kv(out)
        if c["bad"]:
            log("ceiling: yajl refused %d lines of %s" % (c["bad"], corpus))
        r = self.clock(wall, ru)
        r.update(records=c["records"], lines=c["lines"], bytes=c["bytes"])
        return r

    def replay(self, conf, corpus):
        self.warm(corpus)
        t = time.monotonic()
        p = subprocess.Popen([self.signetd, "-c", conf, "--replay", corpus],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env_clean())
        self.procs.append(p)
        err = p.stderr.read().decode()
        rc, ru = wait4(p)
        wall = time.monotonic() - t
        self.procs.remove(p)
        if rc != 0:
            die("signetd --replay %s: exit %d\n%s" % (corpus, rc, err))
        c = {}
        for line in err.splitlines():
            m = re.match(r"signetd: (replay|state|output [^:]+): (.*)", line)
            if m:
                c[m.group(1)] = kv(m.group(2))
        r = self.clock(wall, ru)
        r.update(maxrss=ru.ru_maxrss * 1024, c=c)
        return r

    def bench_replay(self):
        """Per shape and run: the ceiling, then the replay, same corpus."""
        conf, _ = self.conf("replay")
        res = {name: {"ceil": [], "rep": []} for name, _ in SHAPES}
        for run in range(self.o.replay_runs):
            for name, _ in SHAPES:
                corpus = self.corpus[name]
                ce = self.ceiling(corpus)
                rp = self.replay(conf, corpus)
                if rp["c"]["replay"]["records"] != ce["records"]:
                    log("replay %s: signetd counted %d records, the "
                        "ceiling %d" % (name, rp["c"]["replay"]["records"],
                                        ce["records"]))
                res[name]["ceil"].append(ce)
                res[name]["rep"].append(rp)
                log("run %d %s: ceiling %s/s (wall %s/s), replay %s/s "
                    "(wall %s/s)" % (
                        run + 1, name, fmt_rate(ce["records"] / ce["secs"]),
                        fmt_rate(ce["records"] / ce["wall"]),
                        fmt_rate(ce["records"] / rp["secs"]),
                        fmt_rate(ce["records"] / rp["wall"])))
        self.res["replay"] = res
        for name, _ in SHAPES:
            r = res[name]
            recs = r["ceil"][0]["records"]
            nbytes = self.size[name]["bytes"]
            cr = median([recs / c["secs"] for c in r["ceil"]])
            self.row("ceiling", "yajl callback parse", name,
                     "%s ev/s, %.0f MB/s" % (fmt_rate(cr),
                                             cr * nbytes / recs / 1e6),
                     "1.00", "", "")
            rr = median([recs / p["secs"] for p in r["rep"]])
            ratio = median([c["secs"] / p["secs"]
                            for c, p in zip(r["ceil"], r["rep"])])
            rss = median([p["maxrss"] for p in r["rep"]])
            self.row("replay", "signetd --replay", name,
                     "%s ev/s, %.0f MB/s; peak RSS %.0f MB" % (
                         fmt_rate(rr), rr * nbytes / recs / 1e6, rss / 2**20),
                     "%.2f x ceiling" % ratio,
                     ">= %.1f x ceiling" % TARGET_REPLAY,
                     ratio >= TARGET_REPLAY)
            r["rate"] = rr
            r["ceil_rate"] = cr

    # -- TCP: signetd and rsyslog

    def send_tcp(self, port, corpus, octet, rate=None, alerts=None):
        cmd = [self.tool("tcp_send")]
        if octet:
            cmd.append("-o")
        if rate:
            cmd += ["-r", "%.0f" % rate]
        if alerts:
            cmd += ["-t", alerts]
        cmd += ["127.0.0.1", str(port), corpus]
        r = subprocess.run(cmd, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("tcp_send: %s" % r.stderr.decode())
        out = r.stdout.decode()
        s = kv(out)
        s["start"] = float(re.search(r"start ([\d.]+)", out).group(1))
        s["end"] = float(re.search(r"end ([\d.]+)", out).group(1))
        for k in ("p50", "p99", "max"):
            m = re.search(k + r" ([\d.]+)", out)
            if m:
                s[k] = float(m.group(1))
        return s

    def tcp_signetd(self, corpus, octet, nlines):
        port = free_port(socket.SOCK_STREAM)
        conf, _ = self.conf("tcp", listen=[("tcp", port, [])])
        d = Daemon(self, conf, "tcp")
        try:
            d.ready()
            s = self.send_tcp(port, corpus, octet)
            t_end, _ = d.wait_messages(nlines, 120)
        finally:
            c = d.stop()
        secs = t_end - s["start"]
        return {"secs": secs, "sender": s["end"] - s["start"], "c": c,
                "busy": d.cpu / secs}

    def tcp_rsyslog(self, corpus, octet, nlines):
        port = free_port(socket.SOCK_STREAM)
        wd = self.path("rsyslog")
        shutil.rmtree(wd, ignore_errors=True)
        os.makedirs(wd)
        out = os.path.join(wd, "out.log")
        with open(os.path.join(HERE, "rsyslog.conf")) as f:
            text = f.read()
        for k, v in (("@WORKDIR@", wd), ("@PORT@", str(port)),
                     ("@OUTFILE@", out)):
            text = text.replace(k, v)
        conf = os.path.join(wd, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(text)
        p = subprocess.Popen([self.o.rsyslogd, "-n", "-f", conf, "-i",
                              os.path.join(wd, "rsyslogd.pid")],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(wd, "stderr"), "wb"))
        self.procs.append(p)
        try:
            self.wait_listen(port, p)
            s = self.send_tcp(port, corpus, octet)
            seen, t_end, off = 0, None, 0
            deadline = time.monotonic() + 120
            fd = None
            while time.monotonic() < deadline:
                if fd is None and os.path.exists(out):
                    fd = os.open(out, os.O_RDONLY)
                if fd is not None:
                    while True:
                        blk = os.read(fd, 1 << 22)
                        if not blk:
                            break
                        seen += blk.count(b"\n")
                    if seen >= nlines:
                        t_end = time.monotonic()
                        break
                time.sleep(POLL)
            if fd is not None:
                os.close(fd)
            if t_end is None:
                raise RuntimeError("rsyslog wrote %d of %d lines" %
                                   (seen, nlines))
        finally:
            p.send_signal(signal.SIGTERM)
            _, ru = wait4(p, 30)
            self.procs.remove(p)
        secs = t_end - s["start"]
        return {"secs": secs, "sender": s["end"] - s["start"],
                "busy": (ru.ru_utime + ru.ru_stime) / secs}

    def wait_listen(self, port, p, timeout=10):
        """A TCP socket on `port' in LISTEN state (without connecting)."""
        want = ":%04X " % port
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open("/proc/net/tcp") as f:
                for line in f:
                    fields = line.split()
                    if want in line and fields[3] == "0A" and \
                            fields[1].endswith(want.strip()):
                        return
            if p.poll() is not None:
                raise RuntimeError("exited before listening on %d" % port)
            time.sleep(0.01)
        raise RuntimeError("nothing listens on %d" % port)

    def tcp_null(self, corpus):
        """The same sender into a reader that only reads: what loopback
        TCP itself allows on this machine."""
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        done = {}

        def sink():
            c, _ = srv.accept()
            buf = bytearray(1 << 20)
            while c.recv_into(buf):
                pass
            done["t"] = time.monotonic()
            c.close()

        t = threading.Thread(target=sink, daemon=True)
        t.start()
        s = self.send_tcp(port, corpus, False)
        t.join(120)
        srv.close()
        return {"secs": done["t"] - s["start"]}

    def bench_tcp(self):
        """Per run: the ceiling of the TCP corpus, loopback into a null
        reader, then signetd and rsyslog with each framing."""
        corpus = self.corpus["tcp"]
        nlines = self.size["tcp"]["lines"]
        nbytes = self.size["tcp"]["bytes"]
        keys = ("ceil", "null", "lf", "octet", "rs_lf", "rs_octet")
        res = {k: [] for k in keys}
        have_rs = self.o.rsyslogd and os.path.exists(self.o.rsyslogd)
        if not have_rs:
            self.notes.append("rsyslogd not found: no rsyslog rows")
        for run in range(self.o.runs):
            res["ceil"].append(self.ceiling(corpus))
            res["null"].append(self.tcp_null(corpus))
            for fr in ("lf", "octet"):
                res[fr].append(self.tcp_signetd(corpus, fr == "octet",
                                                nlines))
                if have_rs:
                    res["rs_" + fr].append(self.tcp_rsyslog(
                        corpus, fr == "octet", nlines))
            log("run %d tcp: null reader %.2fs; signetd lf %.2fs octet "
                "%.2fs; rsyslog %s" % (
                    run + 1, res["null"][-1]["secs"], res["lf"][-1]["secs"],
                    res["octet"][-1]["secs"],
                    "lf %.2fs octet %.2fs" % (res["rs_lf"][-1]["secs"],
                                              res["rs_octet"][-1]["secs"])
                    if have_rs else "n/a"))
        self.res["tcp"] = res
        recs = res["ceil"][0]["records"]
        label = "TCP %s lines" % fmt_rate(nlines)

        def rate_row(what, key, extra="", target="", met=""):
            rate = median([recs / x["secs"] for x in res[key]])
            rc = median([c["secs"] / x["secs"]
                         for c, x in zip(res["ceil"], res[key])])
            busy = median([x.get("busy") for x in res[key]])
            self.row("tcp", what, label, "%s ev/s, %.0f MB/s%s" % (
                fmt_rate(rate), rate * nbytes / recs / 1e6,
                "; CPU %.0f%% of the run" % (100 * busy) if busy else ""),
                "%.2f x ceiling%s" % (rc, extra), target, met)
            return rate

        rate_row("yajl callback parse (ceiling of the TCP rows)", "ceil")
        rate_row("loopback TCP into a null reader (LF)", "null")
        for fr, name in (("lf", "LF"), ("octet", "octet-counted")):
            if not have_rs:
                res[fr + "_rate"] = rate_row(
                    "signetd TCP ingest, %s" % name, fr, "; rsyslog n/a",
                    ">= %.1f x rsyslog" % TARGET_TCP, None)
                continue
            vs = median([y["secs"] / x["secs"] for x, y in
                         zip(res[fr], res["rs_" + fr])])
            res[fr + "_rate"] = rate_row(
                "signetd TCP ingest, %s" % name, fr,
                "; %.2f x rsyslog" % vs, ">= %.1f x rsyslog" % TARGET_TCP,
                vs >= TARGET_TCP)
            rate_row("rsyslog imtcp -> omfile, %s" % name, "rs_" + fr)

    # -- UDP

    def udp_drops(self, port):
        want = ":%04X" % port
        with open("/proc/net/udp") as f:
            for line in f:
                fields = line.split()
                if len(fields) > 12 and fields[1].endswith(want):
                    return int(fields[-1])
        return None

    def udp_step(self, corpus, rate, secs):
        port = free_port(socket.SOCK_DGRAM)
        conf, _ = self.conf("udp", listen=[("udp", port, ["rcvbuf = 4M"])])
        d = Daemon(self, conf, "udp")
        try:
            d.ready()
            r = subprocess.run([self.tool("udp_send"), "-r", str(rate),
                                "-d", "%.3f" % secs, "127.0.0.1", str(port),
                                corpus], capture_output=True, check=True)
            s = kv(r.stdout.decode())
            s["rate"] = float(re.search(r"rate ([\d.]+)",
                                        r.stdout.decode()).group(1))
            # quiet: the datagram count stopped moving
            last = -1
            while True:
                time.sleep(0.05)
                c = d.counters()
                n = c["listen l0"]["datagrams"]
                if n == last:
                    break
                last = n
            kdrops = self.udp_drops(port)
        finally:
            d.stop()
        lost = s["sent"] - n
        return {"sent": s["sent"], "achieved": s["rate"], "got": n,
                "lost": lost, "so_rxq_ovfl": c["listen l0"]["kernel_drops"],
                "proc_drops": kdrops,
                "ok": lost == 0 and not kdrops and
                not c["listen l0"]["kernel_drops"]}

    def bench_udp(self):
        corpus = self.corpus["mixed"]
        nlines = self.size["mixed"]["lines"]
        best = []
        self.res["udp"] = steps = []
        for run in range(self.o.runs):
            top = 0
            for rate in self.o.udp_rates:
                secs = min(self.o.udp_secs, nlines / rate)
                s = self.udp_step(corpus, rate, secs)
                s["rate"] = rate
                s["run"] = run + 1
                steps.append(s)
                log("run %d udp %d/s (sent at %.0f/s): %d sent, %d lost, "
                    "kernel drops %s/%s" % (
                        run + 1, rate, s["achieved"], s["sent"], s["lost"],
                        s["so_rxq_ovfl"], s["proc_drops"]))
                if s["achieved"] < 0.97 * rate:
                    self.notes.append("UDP: the sender reached only %.0f/s "
                                      "of %d/s" % (s["achieved"], rate))
                if not s["ok"]:
                    break
                top = rate
            best.append(top)
        m = median(best)
        first_loss = [s for s in steps if not s["ok"]]
        detail = ""
        if first_loss:
            x = first_loss[0]
            detail = "; at %s/s: %d of %d lost" % (
                fmt_rate(x["rate"]), x["lost"], x["sent"])
        self.row("udp", "UDP, highest rate without loss", "mixed",
                 "%s dgram/s (runs: %s)%s" % (
                     fmt_rate(m), ", ".join(fmt_rate(b) for b in best),
                     detail), "", ">= %s/s" % fmt_rate(TARGET_UDP),
                 m >= TARGET_UDP)

    # -- latency

    def probe_corpus(self, nlines):
        """The first `nlines' of the mixed corpus, and every PROBE_EVERY
        lines a probe pair: an unsigned MDE fact, then a qualifying
        connection of the same file (an alert at once), with a sha1 of
        its own that tcp_send recognises."""
        src = self.corpus["mixed"]
        path = self.path("latency.jsonl")
        start = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
        total = self.size["mixed"]["lines"]
        span = 3 * 86400.0      # siggen's default --span
        probes = 0
        with open(src, "rb") as f, open(path, "wb") as out:
            for i, line in enumerate(f):
                if i >= nlines:
                    break
                out.write(line)
                if i % PROBE_EVERY != PROBE_EVERY - 1:
                    continue
                # siggen's event times grow linearly with the line number
                t = start + datetime.timedelta(seconds=span * i / total)
                ts = t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
                sha1 = "ffffbe4c%032x" % probes
                out.write((
                    '{"category":"AdvancedHunting-DeviceFileCertificateInfo",'
                    '"properties":{"Timestamp":"%s","DeviceId":"benchprobe",'
                    '"SHA1":"%s","IsSigned":false,"IsTrusted":false}}\n'
                    '{"category":"AdvancedHunting-DeviceNetworkEvents",'
                    '"properties":{"Timestamp":"%s","DeviceId":"benchprobe",'
                    '"ActionType":"ConnectionSuccess","RemoteIP":"81.2.69.142",'
                    '"RemotePort":443,"InitiatingProcessId":4242,'
                    '"InitiatingProcessSHA1":"%s"}}\n' % (ts, sha1, ts, sha1)
                ).encode())
                probes += 1
        return path, probes

    def bench_latency(self):
        tcp = self.res.get("tcp")
        if self.o.latency_rate:
            rate = self.o.latency_rate
        elif tcp:
            recs = tcp["ceil"][0]["records"]
            lines = self.size["tcp"]["lines"]
            # half the maximum TCP rate, in messages (lines) per second
            rate = 0.5 * tcp["lf_rate"] * lines / recs
        else:
            log("latency: no TCP rate to halve (run tcp too, or give "
                "--latency-rate)")
            return
        n = int(min(self.size["mixed"]["lines"], rate * self.o.latency_secs))
        corpus, probes = self.probe_corpus(n)
        res = []
        for run in range(self.o.runs):
            port = free_port(socket.SOCK_STREAM)
            conf, alerts = self.conf(
                "latency", listen=[("tcp", port, [])],
                outputs=["[output alerts]", "type = file", "format = text",
                         "path = " + self.path("out", "latency.alerts")])
            alerts = self.path("out", "latency.alerts")
            d = Daemon(self, conf, "latency")
            try:
                d.ready()
                s = self.send_tcp(port, corpus, False, rate=rate,
                                  alerts=alerts)
            finally:
                d.stop()
            s["rate"] = s["messages"] / (s["end"] - s["start"])
            s["busy"] = d.cpu / (s["end"] - s["start"])
            res.append(s)
            log("run %d latency at %s msg/s: %d/%d probes, p50 %s p99 %s "
                "max %s us" % (run + 1, fmt_rate(s["rate"]), s["seen"],
                               s["probes"], s.get("p50"), s.get("p99"),
                               s.get("max")))
        self.res["latency"] = res
        p50 = median([s.get("p50") for s in res])
        p99 = median([s.get("p99") for s in res])
        seen = sum(s["seen"] for s in res)
        allp = sum(s["probes"] for s in res)
        self.row("latency", "event -> alert written, TCP at half rate",
                 "mixed + %d probes" % probes,
                 "p50 %.0f us, p99 %.0f us (runs: %s) at %s msg/s, "
                 "signetd CPU %.0f%%; %d/%d alerts seen" % (
                     p50 or 0, p99 or 0, ", ".join(
                         "%.0f" % s.get("p99", -1) for s in res),
                     fmt_rate(median([s["rate"] for s in res])),
                     100 * median([s["busy"] for s in res]), seen, allp),
                 "", "p99 <= %d us" % TARGET_P99_US,
                 p99 is not None and p99 <= TARGET_P99_US and seen == allp)

    # -- memory

    def mem_job(self, kind, n):
        r = self.mem["%s %d" % (kind, n)] = self.mem_run(kind, n)
        return "signetd used %.0fs of CPU" % r["cpu"]

    def mem_run(self, kind, n):
        """RSS of signetd --replay - holding n entries: memgen writes them,
        then waits; once signetd has read everything and sleeps on the
        empty pipe, its VmRSS is what the entries cost (plus the base)."""
        conf, _ = self.conf("mem-%s-%d" % (kind, n),
                            extra=["state_memory = %s" % self.o.mem_budget])
        g = subprocess.Popen([self.tool("memgen"), kind, str(n)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(g)
        p = subprocess.Popen([self.signetd, "-c", conf, "--replay", "-"],
                             stdin=g.stdout, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env_clean())
        self.procs.append(p)
        g.stdout.close()
        m = re.search(rb"bytes (\d+)", g.stderr.readline())
        if m is None:
            raise RuntimeError("memgen %s %d failed" % (kind, n))
        nbytes = int(m.group(1))
        idle = 0
        while idle < 3:
            time.sleep(0.02)
            st = proc_status(p.pid)
            if proc_rchar(p.pid) >= nbytes and st["State"].startswith("S"):
                idle += 1
            else:
                idle = 0
        rss = int(st["VmRSS"].split()[0]) * 1024
        hwm = int(st["VmHWM"].split()[0]) * 1024
        g.send_signal(signal.SIGTERM)
        wait4(g, 10)
        self.procs.remove(g)
        err = p.stderr.read().decode()
        _, ru = wait4(p, 120)
        self.procs.remove(p)
        c = {}
        for line in err.splitlines():
            mm = re.match(r"signetd: (replay|state|netjoin): (.*)", line)
            if mm:
                c.setdefault(mm.group(1), {}).update(kv(mm.group(2)))
        return {"rss": rss, "hwm": hwm, "c": c,
                "cpu": ru.ru_utime + ru.ru_stime}

    def bench_memory(self):
        """The figures were taken in prepare(); here they become rows."""
        base = self.mem["facts 0"]
        for kind, label, target in (("facts", "signature fact", TARGET_FACT),
                                    ("groups", "waiting group",
                                     TARGET_GROUP)):
            for n in self.o.mem_sizes:
                r = self.mem["%s %d" % (kind, n)]
                per = (r["rss"] - base["rss"]) / n
                st = r["c"].get("state", {})
                own = st.get("bytes", 0) / n
                ev = st.get("evictions", 0)
                log("memory %s %d: RSS %.0f MB (+%.1f B each), signetd's "
                    "own count %.1f B each" % (kind, n, r["rss"] / 2**20,
                                               per, own))
                self.row("memory", "RSS per %s" % label,
                         "%s entries" % fmt_count(n),
                         "%.0f B (RSS %.0f MB; signetd counts %.0f B)%s" % (
                             per, r["rss"] / 2**20, own,
                             "; %d evicted" % ev if ev else ""),
                         "", "<= %d B" % target, per <= target and not ev)
        self.row("memory", "RSS of signetd when idle", "",
                 "%.1f MB" % (base["rss"] / 2**20), "", "", "")

    # -- isolation

    def webhook_conf(self, name, port):
        out = self.path("out", name + ".alerts")
        return self.conf(name, outputs=[
            "[output alerts]", "type = file", "format = json",
            "path = " + out, "[output hook]", "type = webhook",
            "format = json", "url = http://127.0.0.1:%d/alerts" % port])

    def piped_replay(self, conf, corpus):
        """signetd --replay - fed by cat: the rate until signetd has taken
        the last block (cat exits), so an output that waits at exit for
        stop_timeout does not count, while one that slows the pipeline
        does."""
        t = time.monotonic()
        cat = subprocess.Popen(["cat", corpus], stdout=subprocess.PIPE)
        self.procs.append(cat)
        p = subprocess.Popen([self.signetd, "-c", conf, "--replay", "-"],
                             stdin=cat.stdout, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env_clean())
        self.procs.append(p)
        cat.stdout.close()
        wait4(cat)
        secs = time.monotonic() - t
        rc, ru = wait4(p, 120)
        self.procs.remove(cat)
        self.procs.remove(p)
        return secs

    def bench_isolation(self):
        port = free_port(socket.SOCK_STREAM)    # nothing listens: refused
        conf, _ = self.webhook_conf("isolation-check", port)
        r = subprocess.run([self.signetd, "-t", "-c", conf],
                           capture_output=True, env=env_clean())
        if r.returncode != 0:
            why = r.stderr.decode().strip().splitlines()
            self.notes.append("isolation: `signetd -t' refuses type = "
                              "webhook: %s" % (why[0] if why else "?"))
            self.row("isolation", "replay with a dead webhook vs none",
                     "mixed", "n/a (no webhook output in this build)", "",
                     ">= %.2f x" % TARGET_ISOLATION, None)
            return
        corpus = self.corpus["mixed"]
        recs = self.ceiling(corpus)["records"]
        none, _ = self.conf("isolation-none")
        hook, _ = self.webhook_conf("isolation-hook", port)
        a, b = [], []
        for run in range(self.o.runs):
            a.append(self.piped_replay(none, corpus))
            b.append(self.piped_replay(hook, corpus))
            log("run %d isolation: none %.2fs, dead webhook %.2fs" % (
                run + 1, a[-1], b[-1]))
        ratio = median([x / y for x, y in zip(a, b)])
        self.row("isolation", "replay with a dead webhook vs none", "mixed",
                 "%s ev/s vs %s ev/s" % (fmt_rate(recs / median(b)),
                                         fmt_rate(recs / median(a))),
                 "%.3f x" % ratio, ">= %.2f x" % TARGET_ISOLATION,
                 ratio >= TARGET_ISOLATION)

    # -- profile

    def bench_profile(self):
        """perf samples of a replay and of live TCP ingest (the two
        differ), and callgrind's exact call tree on a short replay."""
        text = ["signetd profile, %s, %s, corpus %s" % (
            datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            self.describe_build(), os.path.basename(self.corpus["mixed"]))]
        perf = shutil.which("perf")
        if perf:
            r = subprocess.run([perf, "stat", "-e", "instructions", "true"],
                               capture_output=True)
            hw = b"not supported" not in r.stderr and r.returncode == 0
            text += ["", "perf: hardware counters %s; sampling on the "
                     "cpu-clock software timer at 2 kHz, self time." % (
                         "available" if hw else
                         "not supported in this VM")]
            text += self.perf_replay(perf) + self.perf_live(perf)
        vg = shutil.which("valgrind")
        if vg:
            text += self.callgrind(vg)
        text += ["", "libyajl is stripped: its static functions show as "
                 "addresses (the lexer and the string scanner)."]
        with open(self.o.profile_out, "w") as f:
            f.write("\n".join(text) + "\n")
        log("profile written to %s" % self.o.profile_out)

    def perf_report(self, perf, data, title):
        out = []
        for what, sort in (("function", "dso,symbol"), ("library", "dso")):
            rep = subprocess.run(
                [perf, "report", "-i", data, "--stdio", "--no-children",
                 "--percent-limit", "0.2", "--sort", sort],
                capture_output=True)
            lines = [re.sub(r"[\s-]+$", "", x)
                     for x in rep.stdout.decode().splitlines()
                     if x.strip() and not x.startswith("#")]
            out += ["", "== perf, %s: self time by %s, top 15" % (
                title, what)] + lines[:15]
        return out

    def perf_replay(self, perf):
        conf, _ = self.conf("profile")
        data = self.path("perf-replay.data")
        r = subprocess.run([perf, "record", "-e", "cpu-clock", "-F", "2000",
                            "-o", data, "--", self.signetd, "-c", conf,
                            "--replay", self.corpus["mixed"]],
                           capture_output=True, env=env_clean())
        if r.returncode != 0:
            return ["", "perf record failed: " +
                    r.stderr.decode().strip()[:300]]
        return self.perf_report(perf, data, "signetd --replay")

    def perf_live(self, perf):
        """perf attached to the daemon while tcp_send pushes the corpus."""
        port = free_port(socket.SOCK_STREAM)
        conf, _ = self.conf("profile-live", listen=[("tcp", port, [])])
        data = self.path("perf-live.data")
        d = Daemon(self, conf, "profile-live")
        pr = None
        try:
            d.ready()
            pr = subprocess.Popen([perf, "record", "-e", "cpu-clock", "-F",
                                   "2000", "-o", data, "-p", str(d.p.pid)],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            self.procs.append(pr)
            time.sleep(0.5)
            self.send_tcp(port, self.corpus["tcp"], False)
            d.wait_messages(self.size["tcp"]["lines"], 120)
        finally:
            if pr is not None:
                pr.send_signal(signal.SIGINT)
                wait4(pr, 30)
                self.procs.remove(pr)
            d.stop()
        return self.perf_report(perf, data, "live TCP ingest (LF, bulk)")

    def callgrind(self, vg):
        conf, _ = self.conf("profile")
        small = self.corpus["profile"]
        out = self.path("callgrind.out")
        subprocess.run([vg, "--tool=callgrind", "--callgrind-out-file=" + out,
                        self.signetd, "-c", conf, "--replay", small],
                       capture_output=True, env=env_clean())
        text = []
        skip = ("below main", "libc_start", "ld-linux", "_dl_")
        for title, incl in (("inclusive", "yes"), ("self", "no")):
            rep = subprocess.run(["callgrind_annotate", "--inclusive=" + incl,
                                  out], capture_output=True)
            lines = rep.stdout.decode().splitlines()
            total = [x.strip() for x in lines if "PROGRAM TOTALS" in x]
            body = []
            for x in lines:
                # one line per function with its object file; the lines
                # without one are inlined code charged to a header
                m = re.match(r"\s*([\d,]+ \(\s*[\d.]+%\))\s+(\S+) \[(.*)\]$",
                             x)
                if not m or any(k in x for k in skip):
                    continue
                fn = m.group(2)
                fn = re.sub(r"^.*/(src/[^/]+:)", r"\1", fn)
                fn = re.sub(r"^\./[^:]*/", "", fn)
                body.append("%-22s %-40s %s" % (
                    m.group(1), fn, os.path.basename(m.group(3))))
            text += ["", "== callgrind, signetd --replay of %s (siggen, "
                     "%d events over 3 days; the state stays small, so "
                     "what grows with it weighs less than in the perf "
                     "runs), instructions, %s cost, top 15 (start-up "
                     "frames left out)" % (
                         os.path.basename(small), self.o.callgrind_events,
                         title)]
            text += total + body[:15]
        return text

    # -- report

    def row(self, section, what, corpus, result, ratio, target, met):
        self.rows.append((section, what, corpus, result, ratio, target, met))

    def describe_build(self):
        return "signetd %s" % self.o.cflags

    def machine(self):
        cpu = "?"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        try:
            with open("/etc/debian_version") as f:
                deb = "Debian " + f.read().strip()
        except OSError:
            deb = platform.platform()
        try:
            with open("/proc/sys/net/core/rmem_max") as f:
                rmem = int(f.read())
        except OSError:
            rmem = 0
        return "%s, %d cores, %.0f GiB, %s, Linux %s, rmem_max %d" % (
            cpu, os.cpu_count(), mem / 2**30, deb, platform.release(), rmem)

    def corpus_desc(self):
        parts = []
        for name, _ in SHAPES:
            if name in self.size:
                c = self.res.get("replay", {}).get(name, {}).get("ceil")
                recs = c[0]["records"] if c else 0
                parts.append("%s %s(%s lines, %.0f MB)" % (
                    name, "%s events " % fmt_rate(recs) if recs else "",
                    fmt_rate(self.size[name]["lines"]),
                    self.size[name]["bytes"] / 1e6))
        if "tcp" in self.size:
            parts.append("TCP rows: the first %s lines of mixed (%.0f MB)" % (
                fmt_rate(self.size["tcp"]["lines"]),
                self.size["tcp"]["bytes"] / 1e6))
        return "; ".join(parts)

    def table(self, elapsed):
        def met(m):
            return "-" if m is None or m == "" else ("yes" if m else "NO")
        head = ["## signetd benchmark", "",
                "Measured %s on %s." % (
                    datetime.datetime.now().strftime("%Y-%m-%d"),
                    self.machine()),
                "Command: `%s` (%s, medians of %d runs, %d for the ceiling "
                "and replay rows, %.0f s in all; "
                "load average %.1f before, %.1f after)." % (
                    self.o.command, self.describe_build(), self.o.runs,
                    self.o.replay_runs, elapsed, self.load0,
                    os.getloadavg()[0]),
                "Phases: %s; CPU time of all the bench's processes %.0f s."
                % (", ".join("%s %.0f s" % x for x in self.phases),
                   self.cpu_children()),
                "Corpora (tools/siggen --seed %d, LF, no syslog header): %s."
                % (self.o.seed, self.corpus_desc()),
                "An event is one record (an MDE envelope holds several); "
                "ratios are to the yajl ceiling of the same corpus in the "
                "same run. The ceiling and replay rows are timed on %s; "
                "TCP, UDP and latency on the wall clock." % (
                    "CPU time (user + sys: the wall time of an idle "
                    "machine, without the time other jobs took)"
                    if self.o.clock == "cpu" else "the wall clock"), "",
                "| measure | corpus | result | ratio | target | met |",
                "|---|---|---|---|---|---|"]
        body = ["| %s | %s | %s | %s | %s | %s |" % (
            r[1], r[2], r[3], r[4] or "", r[5] or "", met(r[6]))
            for r in self.rows]
        notes = [""] + ["- " + n for n in self.notes] if self.notes else []
        return "\n".join(head + body + notes) + "\n"

    def cpu_children(self):
        import resource
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    def cleanup(self):
        for p in list(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()


def options(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "build"),
                    help="where signetd and the bench tools were built")
    ap.add_argument("--signetd", help="default: BUILD/signetd")
    ap.add_argument("--work", default=os.path.join(HERE, "work"),
                    help="corpora (kept and reused) and outputs")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--events", type=int, default=200000,
                    help="events per single-shape corpus")
    ap.add_argument("--mixed-events", type=int, default=400000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--replay-runs", type=int, default=5,
                    help="runs of the ceiling and replay rows, which are "
                    "short and the yardstick of every ratio")
    ap.add_argument("--tcp-lines", type=int, default=200000,
                    help="the TCP rows send this many lines of the mixed "
                    "corpus")
    ap.add_argument("--udp-rates", default="10000,25000,50000,75000,"
                    "100000,125000,150000,200000,250000,300000",
                    help="steps, up to the first with a loss")
    ap.add_argument("--udp-secs", type=float, default=2.0)
    ap.add_argument("--latency-secs", type=float, default=3.0)
    ap.add_argument("--latency-rate", type=float, default=0,
                    help="messages/s of the latency row (default: half "
                    "the median LF TCP rate, which needs the tcp row): "
                    "to compare two builds at the same rate")
    ap.add_argument("--mem-sizes", default="1000000,10000000")
    ap.add_argument("--mem-budget", default="64G")
    ap.add_argument("--callgrind-events", type=int, default=20000)
    ap.add_argument("--only", default="replay,tcp,udp,latency,memory,"
                    "isolation,profile")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, one run: a smoke test of the bench")
    ap.add_argument("--rsyslogd", default=shutil.which("rsyslogd") or
                    "/usr/sbin/rsyslogd")
    ap.add_argument("--allow-sanitized", action="store_true")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="what the ceiling and replay rows are timed on")
    ap.add_argument("--cflags", default=os.environ.get("BENCH_CFLAGS",
                                                       "-O2 -g"))
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--results", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--profile-out", default=os.path.join(HERE,
                                                          "profile.txt"))
    if "--quick" in argv:
        ap.set_defaults(events=20000, mixed_events=40000, runs=1,
                        replay_runs=1,
                        tcp_lines=20000,
                        mem_sizes="100000,1000000", udp_secs=0.5,
                        latency_secs=1.0, callgrind_events=2000)
    o = ap.parse_args(argv)
    o.udp_rates = [int(x) for x in o.udp_rates.split(",")]
    o.mem_sizes = [int(x) for x in o.mem_sizes.split(",")]
    o.only = set(o.only.split(","))
    return o


def main(argv):
    o = options(argv)
    b = Bench(o)
    t = time.monotonic()
    try:
        for tool in ("yajl_ceiling", "tcp_send", "udp_send", "memgen"):
            if not os.access(b.tool(tool), os.X_OK):
                die("%s is missing: run `make bench' (it builds them)" %
                    b.tool(tool))
        b.check_binary()
        log("== corpora and memory (not timed)")
        t1 = time.monotonic()
        b.prepare()
        b.phases.append(("corpora+memory", time.monotonic() - t1))
        sections = ("replay", "tcp", "udp", "latency", "memory",
                    "isolation", "profile")
        for s in sections:
            if s in o.only:
                log("== %s" % s)
                t1 = time.monotonic()
                getattr(b, "bench_" + s)()
                b.phases.append((s, time.monotonic() - t1))
    finally:
        b.cleanup()
    text = b.table(time.monotonic() - t)
    print(text)
    with open(o.results, "w") as f:
        f.write(text)
    log("table written to %s" % o.results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
