#!/usr/bin/env python3
"""sigref: an independent reference implementation of signetd's detection
contract (/work/shared/spec/detection.md, "the spec"), used to check the
daemon's --replay output.  Python 3 standard library only.  It does not read
or call the C code: it is written from the spec alone, so that a mistake
made twice is unlikely.

    sigref.py run STREAM [options]           print what the daemon must find
    sigref.py compare STREAM ALERTS [opts]   exit 0 if the daemon's JSON
                                             output ALERTS agrees, else 1

Readings of the spec where it leaves room (the daemon must agree, or the
lead changes this file):

 R1  Framing: a stream whose first byte is a digit is octet counted
     ("LEN SP MSG", nothing between frames); otherwise messages end at LF,
     CRLF or NUL and empty lines are skipped.  A syslog header (RFC 5424
     "<PRI>1 TS HOST APP PROCID MSGID SD", RFC 3164 "<PRI>Mmm dd hh:mm:ss
     HOST TAG: ") is stripped; the rest must be one JSON value.
 R2  Shape: {"records":[...]} is an envelope and each element is a record;
     a record with "category" and an object "properties" is MDE; one with an
     object "winlog" is Winlogbeat 7/8; one with "event_data"/"event_id" is
     Winlogbeat 6 (channel log_name, computer computer_name); one with
     "EventID" is NXLog (CE and Agent 6 alike, no EventData.* prefix).
     Sysmon means the channel is exactly "Microsoft-Windows-Sysmon/Operational".
     EventID may be a JSON integer or a string of digits.
 R3  Time: UtcTime when the key holds a string, else the forwarder time
     (NXLog EventTime, Winlogbeat @timestamp).  A present but unparsable
     UtcTime makes the record invalid: no fallback.  Accepted syntax:
     YYYY-MM-DD, "T" or space, hh:mm:ss, optional fraction of 1+ digits
     (truncated to microseconds), optional "Z" or +hh:mm / +hhmm; no zone
     means UTC (also for NXLog's collector-local EventTime).  Field ranges are
     checked (month 1-12, day within the month, hour <= 23, minute and second
     <= 59, offset hour <= 23); anything else, or a non-string, is invalid.
 R4  A record without a device (DeviceId/DeviceName, computer name) or
     without a valid time normalizes to nothing.  The MDE certificate row
     takes only DeviceId (the DeviceName fallback is written for network rows
     only).  A cert fact without sha1 is ignored, including the one a Sysmon
     EID 7 yields: an EID 7 without SHA1 in Hashes is still a `load' for
     imageload but is not indexed under its path either.  Ignored facts do
     not move the watermark.
 R5  sha1 is taken when it is exactly 40 hex digits (any case, lowered).
     Hashes is split at "," and "="; the algorithm name compares
     case-insensitively.
 R6  MDE booleans: JSON true/false, JSON integers 1/0, strings
     "true"/"false"/"1"/"0".  Everything else (incl. 1.0, "True") is unknown.
     Sysmon Signed/Initiated are true only as "true" or JSON true; a missing
     Signed or SignatureStatus therefore makes an EID 7 fact bad.
 R7  pid: a JSON integer or a string of digits; anything else is unknown
     and counts as "not 0 or 4".
 R8  Sysmon net key: the sha1 of the newest proc with the same (device,
     lower(ProcessGuid)) received before it AND still held (time >= watermark
     - W); when that proc has no sha1, or there is none, the path key
     "path:" + ASCII-lower(Image); no Image, no key.
 R9  Held: state of time t is held while t >= max - L - W (evicted when
     strictly older); a record is late when strictly older than that.  The
     record's own time is merged into max before it is matched (the order
     cannot change a result).
 R10 Bad facts are kept even after a later good fact for the same key; a
     net matches any held bad fact within +-W (inclusive).  Pending
     qualifying nets match the first bad fact that arrives within +-W.
 R11 imageload: Signature must be a non-empty string other than "?" ("-"
     qualifies); SignatureStatus compares case-sensitively with the list.
     Group key (ImageLoaded as written, case kept; Signature; Signed as a
     boolean).  A missing ImageLoaded is "".  hosts counts distinct devices.
     A qualifying load whose window end the watermark has reached
     (max - L >= window_end) is late.  Reports: every (window, group) with
     1 <= executions < T; first-seen alerts: every (window, group) with at
     least one non-late load.
 R12 Addresses: IPv4-mapped IPv6 is replaced by its IPv4 address before the
     public test and when rendered; IPv6 renders compressed lower case.  A
     zone id ("%") or any non-string is unparsable.  --internal replaces the
     whole list.
"""

import argparse
import collections
import io
import ipaddress
import itertools
import json
import re
import sys

SEC = 1000000
UNITS = {"us": 1, "ms": 1000, "s": SEC, "m": 60 * SEC, "h": 3600 * SEC,
         "d": 86400 * SEC}

DEFAULT_INTERNAL = (
    "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,"
    "172.16.0.0/12,192.0.0.0/24,192.0.2.0/24,192.168.0.0/16,198.18.0.0/15,"
    "198.51.100.0/24,203.0.113.0/24,224.0.0.0/4,240.0.0.0/4,"
    "::/128,::1/128,100::/64,2001:db8::/32,fc00::/7,fe80::/10,ff00::/8")
DEFAULT_STATUSES = "Invalid,Expired,Revoked,Untrusted"
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"

_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def ascii_lower(s):
    """lower() of ASCII letters only, as the spec asks (section 8)."""
    return s.translate(_LOWER)


def parse_duration(s):
    """"24h", "5m", "1d", "250ms", "30" (seconds) -> microseconds."""
    m = re.fullmatch(r"\s*(\d+)\s*(us|ms|s|m|h|d)?\s*", s)
    if m is None:
        raise argparse.ArgumentTypeError("bad duration: %r" % s)
    return int(m.group(1)) * UNITS[m.group(2) or "s"]


# ---------------------------------------------------------------- time

_TS = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)"
                 r"(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?")
_MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_from_civil(y, m, d):
    """Days since 1970-01-01 (proleptic Gregorian), H. Hinnant's method."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_time(v):
    """ISO-8601-ish timestamp -> integer microseconds since the epoch, or
    None (reading R3)."""
    if not isinstance(v, str):
        return None
    m = _TS.fullmatch(v)
    if m is None:
        return None
    y, mo, d, hh, mi, ss = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    if not 1 <= mo <= 12 or hh > 23 or mi > 59 or ss > 59:
        return None
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    if not 1 <= d <= _MDAYS[mo - 1] + (1 if mo == 2 and leap else 0):
        return None
    frac = m.group(7) or ""
    us = int((frac + "000000")[:6])
    t = ((_days_from_civil(y, mo, d) * 24 + hh) * 60 + mi) * 60 + ss
    t = t * SEC + us
    z = m.group(8)
    if z and z != "Z":
        oh, om = int(z[1:3]), int(z[-2:])
        if oh > 23 or om > 59:
            return None
        off = (oh * 60 + om) * 60 * SEC
        t = t - off if z[0] == "+" else t + off
    return t


def format_time(t):
    """Microseconds -> "YYYY-MM-DDThh:mm:ss.ffffffZ" (for messages only)."""
    days, rem = divmod(t, 86400 * SEC)
    # civil_from_days, the inverse of _days_from_civil
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    y += m <= 2
    s, us = divmod(rem, SEC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (
        y, m, d, s // 3600, s // 60 % 60, s % 60, us)


# ---------------------------------------------------------------- framing

_RFC5424 = re.compile(rb"<\d{1,3}>1 \S+ \S+ \S+ \S+ \S+ ")
_RFC3164 = re.compile(rb"<\d{1,3}>[A-Z][a-z][a-z] [ \d]\d \d\d:\d\d:\d\d "
                      rb"\S+ [^\s:\[]+(?:\[[^\]\s]*\])?: ?")


def split_messages(f, stats):
    """Reading R1: yield each message (bytes) of a binary stream f."""
    first = f.read(1)
    if first.isdigit():
        yield from _octet_frames(f, first, stats)
        return
    for line in itertools.chain([first + f.readline()], f):
        for part in line.rstrip(b"\n").split(b"\0"):
            if part.endswith(b"\r"):
                part = part[:-1]
            if part:
                yield part


def _octet_frames(f, digit, stats):
    while digit:
        ln = digit
        while True:
            c = f.read(1)
            if c == b" ":
                break
            if not c.isdigit() or len(ln) > 9:
                stats["bad_frame"] += 1
                return
            ln += c
        msg = f.read(int(ln))
        if len(msg) < int(ln):
            stats["truncated"] += 1
            return
        yield msg
        digit = f.read(1)
        if digit and not digit.isdigit():
            stats["bad_frame"] += 1
            return


def strip_syslog(msg):
    """Drop an RFC 5424 or RFC 3164 header, if there is one."""
    if not msg.startswith(b"<"):
        return msg
    m = _RFC5424.match(msg)
    if m is not None:
        rest = msg[m.end():]
        if rest.startswith(b"-"):
            rest = rest[1:]
        else:
            # structured data: [id k="v" ...][...], quotes may hide "]"
            i, n = 0, len(rest)
            while i < n and rest[i:i + 1] == b"[":
                i += 1
                while i < n and rest[i:i + 1] != b"]":
                    if rest[i:i + 1] == b"\\":
                        i += 1
                    elif rest[i:i + 1] == b'"':
                        i += 1
                        while i < n and rest[i:i + 1] != b'"':
                            i += 2 if rest[i:i + 1] == b"\\" else 1
                    i += 1
                i += 1
            rest = rest[i:]
        if rest.startswith(b" "):
            rest = rest[1:]
        if rest.startswith(b"\xef\xbb\xbf"):
            rest = rest[3:]
        return rest
    m = _RFC3164.match(msg)
    if m is not None:
        return msg[m.end():]
    return msg


# ---------------------------------------------------------------- decoding

class Ev:
    """A normalized event.  kind: cert, proc, net, load."""
    __slots__ = ("kind", "device", "time", "sha1", "path", "bad", "guid",
                 "image", "pid", "rip", "qual", "outbound", "source",
                 "sig", "signed", "status")

    def __init__(self, kind, device, time, source):
        self.kind = kind
        self.device = device
        self.time = time
        self.source = source
        self.sha1 = self.path = self.guid = self.image = self.pid = None
        self.rip = self.sig = self.status = None
        self.bad = self.qual = self.outbound = self.signed = False


def _sha1(v):
    if isinstance(v, str) and len(v) == 40:
        v = ascii_lower(v)
        if all(c in "0123456789abcdef" for c in v):
            return v
    return None


def _hashes_sha1(v):
    if not isinstance(v, str):
        return None
    for part in v.split(","):
        alg, eq, val = part.partition("=")
        if eq and ascii_lower(alg.strip()) == "sha1":
            return _sha1(val.strip())
    return None


def _mde_bool(v):
    if v is True or v == "true" or v == "1" or (type(v) is int and v == 1):
        return True
    if v is False or v == "false" or v == "0" or (type(v) is int and v == 0):
        return False
    return None


def _sysmon_true(v):
    return v is True or v == "true"


def _pid(v):
    if type(v) is int:
        return v
    if isinstance(v, str) and v.isascii() and v.isdigit():
        return int(v)
    return None


def _str(v):
    return v if isinstance(v, str) else None


def _eid(v):
    if type(v) is int:
        return v
    if isinstance(v, str) and v.isascii() and v.isdigit():
        return int(v)
    return None


class Decoder:
    def __init__(self, internal, stats):
        self.v4 = [n for n in internal if n.version == 4]
        self.v6 = [n for n in internal if n.version == 6]
        self.stats = stats

    def address(self, v):
        """Reading R12: (public?, rendering) or (False, None)."""
        if not isinstance(v, str) or "%" in v:
            self.stats["bad_address"] += 1
            return False, None
        try:
            a = ipaddress.ip_address(v)
        except ValueError:
            self.stats["bad_address"] += 1
            return False, None
        if a.version == 6 and a.ipv4_mapped is not None:
            a = a.ipv4_mapped
        nets = self.v4 if a.version == 4 else self.v6
        return not any(a in n for n in nets), str(a)

    def records(self, obj):
        if isinstance(obj, dict) and isinstance(obj.get("records"), list):
            return obj["records"]
        return [obj]

    def normalize(self, r):
        """One decoded record -> a normalized event or None (R2).  A load
        stands for its cert fact too (see Engine.feed)."""
        if not isinstance(r, dict):
            return None
        if "category" in r and isinstance(r.get("properties"), dict):
            return self.mde(r)
        if isinstance(r.get("winlog"), dict):
            w = r["winlog"]
            return self.sysmon(w.get("channel"), w.get("computer_name"),
                               w.get("event_id"), w.get("event_data"),
                               r.get("@timestamp"))
        if "event_data" in r or "event_id" in r:
            return self.sysmon(r.get("log_name"), r.get("computer_name"),
                               r.get("event_id"), r.get("event_data"),
                               r.get("@timestamp"))
        if "EventID" in r:
            return self.sysmon(r.get("Channel"), r.get("Hostname"),
                               r.get("EventID"), r, r.get("EventTime"))
        return None

    def mde(self, r):
        cat = r.get("category")
        p = r["properties"]
        t = parse_time(p.get("Timestamp"))
        if cat == "AdvancedHunting-DeviceNetworkEvents":
            dev = _str(p.get("DeviceId"))
            if not dev and isinstance(p.get("DeviceName"), str):
                dev = ascii_lower(p["DeviceName"])
            if not dev or t is None:
                return None
            e = Ev("net", dev, t, "mde")
            e.image = _str(p.get("InitiatingProcessFolderPath"))
            e.pid = _pid(p.get("InitiatingProcessId"))
            e.sha1 = _sha1(p.get("InitiatingProcessSHA1"))
            e.outbound = p.get("ActionType") == "ConnectionSuccess"
            pub, e.rip = self.address(p.get("RemoteIP"))
            e.qual = e.outbound and e.pid not in (0, 4) and pub
            return e
        if cat == "AdvancedHunting-DeviceFileCertificateInfo":
            dev = _str(p.get("DeviceId"))
            sha1 = _sha1(p.get("SHA1"))
            if not dev or t is None or sha1 is None:
                return None
            e = Ev("cert", dev, t, "mde")
            e.sha1 = sha1
            e.bad = (_mde_bool(p.get("IsSigned")) is False
                     or _mde_bool(p.get("IsTrusted")) is False)
            return e
        return None

    def sysmon(self, channel, computer, eid, data, fwd_time):
        if channel != SYSMON_CHANNEL or not isinstance(data, dict):
            return None
        eid = _eid(eid)
        if eid not in (1, 3, 7):
            return None
        if not isinstance(computer, str) or not computer:
            return None
        dev = ascii_lower(computer)
        if isinstance(data.get("UtcTime"), str):
            t = parse_time(data["UtcTime"])
        else:
            t = parse_time(fwd_time)
        if t is None:
            self.stats["bad_time"] += 1
            return None
        if eid == 1:
            e = Ev("proc", dev, t, "sysmon")
            g = _str(data.get("ProcessGuid"))
            e.guid = ascii_lower(g) if g else None
            e.sha1 = _hashes_sha1(data.get("Hashes"))
            return e
        if eid == 3:
            e = Ev("net", dev, t, "sysmon")
            g = _str(data.get("ProcessGuid"))
            e.guid = ascii_lower(g) if g else None
            e.image = _str(data.get("Image"))
            e.pid = _pid(data.get("ProcessId"))
            e.outbound = _sysmon_true(data.get("Initiated"))
            pub, e.rip = self.address(data.get("DestinationIp"))
            e.qual = e.outbound and e.pid not in (0, 4) and pub
            return e
        e = Ev("load", dev, t, "sysmon")
        e.path = _str(data.get("ImageLoaded"))
        e.sha1 = _hashes_sha1(data.get("Hashes"))
        e.signed = _sysmon_true(data.get("Signed"))
        e.status = data.get("SignatureStatus")
        e.sig = data.get("Signature")
        e.bad = not e.signed or e.status != "Valid"
        return e


# ---------------------------------------------------------------- engine

class Engine:
    def __init__(self, opt, stats):
        self.W = opt.window
        self.L = opt.lateness
        self.R = opt.period
        self.T = opt.threshold
        self.statuses = opt.statuses
        self.stats = stats
        self.max = None
        self.procs = {}                             # (dev, guid) -> (t, sha1)
        self.bad = collections.defaultdict(list)    # (dev, key) -> [t]
        # (dev, key) -> [(t, ip, image)] of qualifying nets not yet matched
        self.pending = collections.defaultdict(list)
        self.matched = collections.Counter()        # (dev, key, ip) -> n
        self.images = {}        # (dev, key, ip) -> image of the last match
        self.windows = {}       # (wstart, image, sig, signed) -> [n, {dev}, {st}]
        self.accepted = 0

    def floor(self):
        """Oldest event time still held (R9)."""
        return self.max - self.L - self.W

    def feed(self, e):
        if self.max is not None and e.time < self.floor():
            self.stats["late"] += 1
            return
        if self.max is None or e.time > self.max:
            self.max = e.time
        self.accepted += 1
        self.stats[e.kind] += 1
        if e.kind == "proc":
            if e.guid is not None:
                self.procs[(e.device, e.guid)] = (e.time, e.sha1)
        elif e.kind == "net":
            self.net(e)
        elif e.kind == "cert":
            if e.bad:
                self.bad_fact(e.device, e.time, [e.sha1])
        else:
            self.load(e)
            if e.bad and e.sha1 is not None:
                keys = [e.sha1]
                if e.path is not None:
                    keys.append("path:" + ascii_lower(e.path))
                self.bad_fact(e.device, e.time, keys)
        if self.accepted % 20000 == 0:
            self.sweep()

    def net_key(self, e):
        if e.source == "mde":
            return e.sha1
        if e.guid is not None:
            p = self.procs.get((e.device, e.guid))
            if p is not None and p[0] >= self.floor() and p[1] is not None:
                return p[1]
        if e.image is not None:
            return "path:" + ascii_lower(e.image)
        return None

    def net(self, e):
        if not e.qual:
            return
        key = self.net_key(e)
        if key is None:
            self.stats["net_nokey"] += 1
            return
        k = (e.device, key)
        fl = self.floor()
        for c in self.bad.get(k, ()):
            if c >= fl and abs(e.time - c) <= self.W:
                self.match((e.device, key, e.rip), e.image)
                self.stats["match_fact_first"] += 1
                return
        self.pending[k].append((e.time, e.rip, e.image))

    def match(self, group, image):
        self.matched[group] += 1
        self.images[group] = image

    def bad_fact(self, dev, t, keys):
        fl = self.floor()
        for key in keys:
            k = (dev, key)
            waiting = self.pending.get(k)
            if waiting:
                keep = []
                for n in waiting:
                    if n[0] < fl:
                        continue
                    if abs(n[0] - t) <= self.W:
                        self.match((dev, key, n[1]), n[2])
                        self.stats["match_net_first"] += 1
                    else:
                        keep.append(n)
                self.pending[k] = keep
            self.bad[k].append(t)

    def load(self, e):
        sig = e.sig
        if not isinstance(sig, str) or sig in ("", "?"):
            return
        if e.status not in self.statuses:
            return
        ws = e.time - e.time % self.R
        if self.max - self.L >= ws + self.R:
            self.stats["late_load"] += 1
            return
        g = (ws, e.path if e.path is not None else "", sig, e.signed)
        w = self.windows.get(g)
        if w is None:
            w = self.windows[g] = [0, set(), set()]
        w[0] += 1
        w[1].add(e.device)
        w[2].add(e.status)

    def sweep(self):
        """Drop what is no longer held; keeps memory flat on big corpora."""
        fl = self.floor()
        for k in list(self.bad):
            self.bad[k] = [t for t in self.bad[k] if t >= fl]
            if not self.bad[k]:
                del self.bad[k]
        for k in list(self.pending):
            self.pending[k] = [x for x in self.pending[k] if x[0] >= fl]
            if not self.pending[k]:
                del self.pending[k]
        for k in [k for k, v in self.procs.items() if v[0] < fl]:
            del self.procs[k]

    # results
    def netjoin(self):
        return dict(self.matched)

    def il_alerts(self):
        return collections.Counter(self.windows.keys())

    def il_reports(self):
        out = collections.Counter()
        for (ws, img, sig, signed), (n, hosts, st) in self.windows.items():
            if n < self.T:
                out[(ws, img, sig, signed, n, len(hosts),
                     tuple(sorted(st)))] += 1
        return out


def run_stream(path, opt):
    with open(path, "rb") as f:
        return run_file(f, opt)


def run_data(data, opt):
    return run_file(io.BytesIO(data), opt)


def run_file(f, opt):
    """A binary stream -> (engine with the results, counters)."""
    stats = collections.Counter()
    dec = Decoder(opt.internal, stats)
    eng = Engine(opt, stats)
    for msg in split_messages(f, stats):
        stats["messages"] += 1
        body = strip_syslog(msg)
        try:
            obj = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            stats["bad_json"] += 1
            continue
        for r in dec.records(obj):
            stats["records"] += 1
            e = dec.normalize(r)
            if e is None:
                stats["skipped"] += 1
            else:
                eng.feed(e)
    return eng, stats


# ---------------------------------------------------------------- daemon output

def parse_iso(v):
    t = parse_time(v)
    if t is None:
        raise ValueError("bad time %r" % (v,))
    return t


def load_daemon(path):
    """The daemon's JSON lines -> (netjoin sums, imageload alerts, reports)."""
    nj = collections.Counter()
    ila = collections.Counter()
    ilr = collections.Counter()
    problems = []
    with open(path, "rb") as f:
        for no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line.decode("utf-8"))
                kind, rule = o.get("kind"), o.get("rule")
                if kind == "alert" and rule == "netjoin":
                    k = (o["device"]["id"], o["key"],
                         o["network"]["remote_ip"])
                    c = o["count"]
                    if type(c) is not int or c < 1:
                        raise ValueError("count %r" % (c,))
                    nj[k] += c
                elif kind == "alert" and rule == "imageload":
                    s = o["signature"]
                    ila[(parse_iso(o["window_start"]), o["image_loaded"],
                         s["signer"], s["signed"])] += 1
                elif kind == "report" and rule == "imageload":
                    ilr[(parse_iso(o["window_start"]), o["image_loaded"],
                         o["signature"], o["signed"], o["executions"],
                         o["hosts"], tuple(sorted(o["statuses"])))] += 1
            except (ValueError, KeyError, TypeError, AttributeError) as ex:
                problems.append("%s:%d: %s" % (path, no, ex))
    return nj, ila, ilr, problems


def compare(eng, daemon, out, limit=40):
    nj, ila, ilr, problems = daemon
    diffs = list(problems)
    ref = eng.netjoin()
    for k in sorted(set(ref) | set(nj)):
        if ref.get(k, 0) != nj.get(k, 0):
            diffs.append("netjoin device=%s key=%s remote_ip=%s: "
                         "reference %d, daemon %d"
                         % (k + (ref.get(k, 0), nj.get(k, 0))))
    for what, r, d in (("imageload alert", eng.il_alerts(), ila),
                       ("imageload report", eng.il_reports(), ilr)):
        for k in sorted(set(r) | set(d), key=repr):
            if r.get(k, 0) != d.get(k, 0):
                diffs.append("%s %s %s: reference %d, daemon %d"
                             % (what, format_time(k[0]), k[1:],
                                r.get(k, 0), d.get(k, 0)))
    for line in diffs[:limit]:
        print(line, file=out)
    if len(diffs) > limit:
        print("... %d differences in all" % len(diffs), file=out)
    return not diffs


def summary(eng):
    nj = [{"device": d, "key": k, "remote_ip": ip, "count": n,
           "image": eng.images[(d, k, ip)]}
          for (d, k, ip), n in sorted(eng.netjoin().items())]
    al = [{"window_start": format_time(ws), "image_loaded": img,
           "signer": sig, "signed": sg}
          for ws, img, sig, sg in sorted(eng.il_alerts(), key=repr)]
    rp = [{"window_start": format_time(ws), "image_loaded": img,
           "signature": sig, "signed": sg, "executions": n, "hosts": h,
           "statuses": list(st)}
          for ws, img, sig, sg, n, h, st in sorted(eng.il_reports(),
                                                   key=repr)]
    return {"netjoin": nj, "imageload_alerts": al, "imageload_reports": rp}


def options(argv):
    ap = argparse.ArgumentParser(prog="sigref.py", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("run", "compare"))
    ap.add_argument("stream")
    ap.add_argument("alerts", nargs="?")
    ap.add_argument("--window", "-W", type=parse_duration, default="24h")
    ap.add_argument("--suppress", "-S", type=parse_duration, default="1h",
                    help="accepted for symmetry; sums do not depend on it")
    ap.add_argument("--lateness", "-L", type=parse_duration, default="5m")
    ap.add_argument("--period", "-R", type=parse_duration, default="1h")
    ap.add_argument("--threshold", "-T", type=int, default=10)
    ap.add_argument("--statuses", default=DEFAULT_STATUSES)
    ap.add_argument("--internal", default=DEFAULT_INTERNAL)
    ap.add_argument("-v", "--verbose", action="store_true")
    opt = ap.parse_args(argv)
    if (opt.mode == "compare") != (opt.alerts is not None):
        ap.error("compare takes STREAM ALERTS, run takes STREAM")
    if opt.period <= 0 or opt.window < 0 or opt.lateness < 0:
        ap.error("period must be > 0, window and lateness >= 0")
    opt.statuses = [s.strip() for s in opt.statuses.split(",") if s.strip()]
    try:
        opt.internal = [ipaddress.ip_network(c.strip(), strict=False)
                        for c in opt.internal.split(",") if c.strip()]
    except ValueError as ex:
        ap.error(str(ex))
    return opt


def main(argv):
    opt = options(argv)
    try:
        eng, stats = run_stream(opt.stream, opt)
        daemon = load_daemon(opt.alerts) if opt.mode == "compare" else None
    except OSError as ex:
        print("sigref: %s" % ex, file=sys.stderr)
        return 2
    if opt.verbose:
        print("sigref: " + " ".join("%s %d" % kv for kv in
                                    sorted(stats.items())), file=sys.stderr)
    if daemon is None:
        json.dump(summary(eng), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if compare(eng, daemon, sys.stdout):
        if opt.verbose:
            print("sigref: daemon agrees (%d netjoin groups, %d imageload "
                  "groups)" % (len(eng.netjoin()), len(eng.windows)),
                  file=sys.stderr)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
