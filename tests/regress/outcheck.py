#!/usr/bin/env python3
"""Checks for the out-*.sh tests: what a receiver logged (hook.py) or
rsyslog wrote, against the alerts signetd wrote to a JSON-lines file.
Each subcommand prints what is wrong and exits 1, or exits 0.

  same LOG FILE [ordered]  the 2xx bodies of LOG (arrays flattened) are
                           the lines of FILE, each exactly once
  slack LOG FILE           every body is a Slack message for an alert
  teams LOG FILE           every body is a Teams Workflows card
  hmac LOG KEYFILE         every request carries a valid signature
  header LOG NAME VALUE    every request carries the header
  gap LOG SECONDS          the second request came SECONDS after the first
  count LOG N              LOG holds N requests
  syslog RAW PARSED FILE   rsyslog's raw and parsed lines hold each alert
                           once, RFC 5424 header, SD and JSON intact
  bsd RAW FILE             RFC 3164 lines, one per alert, JSON intact

Several checks may go in one run, separated by "+" (Python starts slowly
under load): each failure is printed, and the exit code is 1 if any.
"""
import hashlib
import hmac
import json
import re
import sys


class Failed(Exception):
    pass


def die(msg):
    raise Failed(msg)


def load_log(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_alerts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def key(a):
    return json.dumps(a, sort_keys=True)


def same(log, file, ordered=False):
    got = []
    for r in load_log(log):
        if r["status"] >= 300:
            continue
        b = json.loads(r["body"])
        got.extend(b if isinstance(b, list) else [b])
    want = load_alerts(file)
    if not want:
        die("no alerts in %s" % file)
    gk, wk = [key(a) for a in got], [key(a) for a in want]
    if ordered and gk != wk:
        die("alerts out of order or not the same: got %d, want %d" %
            (len(gk), len(wk)))
    if sorted(gk) != sorted(wk):
        dup = len(gk) - len(set(gk))
        die("got %d alerts (%d twice), want %d" % (len(gk), dup, len(wk)))


def want_str(v, what):
    if not isinstance(v, str) or not v:
        die("%s: not a non-empty string: %r" % (what, v))


def slack(log, file):
    recs = load_log(log)
    want = load_alerts(file)
    if len(recs) != len(want):
        die("%d slack messages for %d alerts" % (len(recs), len(want)))
    for r, a in zip(recs, want):
        m = json.loads(r["body"])
        if set(m) != {"text", "blocks"}:
            die("slack keys %s" % sorted(m))
        want_str(m["text"], "text")
        if a["severity"].upper() not in m["text"]:
            die("text lacks the severity: %s" % m["text"])
        if not isinstance(m["blocks"], list) or len(m["blocks"]) != 1:
            die("blocks: %r" % m["blocks"])
        s = m["blocks"][0]
        if s.get("type") != "section":
            die("block type %r" % s.get("type"))
        if s["text"].get("type") != "mrkdwn":
            die("section text type %r" % s["text"])
        want_str(s["text"].get("text"), "section text")
        f = s.get("fields")
        if not isinstance(f, list) or not 1 <= len(f) <= 10:
            die("fields: %r" % f)
        labels = {}
        for x in f:
            if set(x) != {"type", "text"} or x["type"] != "mrkdwn":
                die("field %r" % x)
            if len(x["text"]) > 2000:
                die("field longer than 2000 characters")
            mm = re.match(r"\*([^*]+)\*\n(.*)", x["text"], re.S)
            if not mm:
                die("field text %r" % x["text"])
            labels[mm.group(1)] = mm.group(2)
        if labels.get("Rule", "").split()[0] != a["rule"]:
            die("Rule field %r for %s" % (labels.get("Rule"), a["rule"]))
        if labels.get("Severity") != a["severity"]:
            die("Severity field %r" % labels.get("Severity"))


def teams(log, file):
    recs = load_log(log)
    want = load_alerts(file)
    if len(recs) != len(want):
        die("%d teams messages for %d alerts" % (len(recs), len(want)))
    for r, a in zip(recs, want):
        m = json.loads(r["body"])
        if m.get("type") != "message" or set(m) != {"type", "attachments"}:
            die("envelope %r" % sorted(m))
        at = m["attachments"]
        if not isinstance(at, list) or len(at) != 1:
            die("attachments %r" % at)
        at = at[0]
        if at.get("contentType") != \
                "application/vnd.microsoft.card.adaptive":
            die("contentType %r" % at.get("contentType"))
        if "contentUrl" not in at or at["contentUrl"] is not None:
            die("contentUrl %r" % at.get("contentUrl"))
        c = at.get("content")
        if c.get("type") != "AdaptiveCard" or c.get("version") != "1.4":
            die("card %r %r" % (c.get("type"), c.get("version")))
        if c.get("$schema") != \
                "http://adaptivecards.io/schemas/adaptive-card.json":
            die("$schema %r" % c.get("$schema"))
        b = c.get("body")
        if not isinstance(b, list) or len(b) != 2:
            die("body %r" % b)
        if b[0].get("type") != "TextBlock":
            die("first element %r" % b[0].get("type"))
        want_str(b[0].get("text"), "TextBlock text")
        if b[1].get("type") != "FactSet":
            die("second element %r" % b[1].get("type"))
        facts = {}
        for x in b[1].get("facts", []):
            if set(x) != {"title", "value"}:
                die("fact %r" % x)
            want_str(x["title"], "fact title")
            if not isinstance(x["value"], str):
                die("fact value %r" % x)
            facts[x["title"]] = x["value"]
        if facts.get("Severity") != a["severity"]:
            die("Severity fact %r" % facts.get("Severity"))
        dev = a.get("device", {}).get("name")
        if dev and facts.get("Device") != dev:
            die("Device fact %r, want %r" % (facts.get("Device"), dev))
        img = a.get("process", {}).get("image")
        if img and facts.get("Image") != img:
            die("Image fact %r, want %r" % (facts.get("Image"), img))


def check_hmac(log, keyfile):
    k = open(keyfile, "rb").read().rstrip(b"\r\n")
    recs = load_log(log)
    if not recs:
        die("no requests")
    for r in recs:
        h = {n.lower(): v for n, v in r["headers"].items()}
        ts = h.get("x-signetd-timestamp")
        sig = h.get("x-signetd-signature")
        if ts is None or sig is None:
            die("no signature headers")
        if abs(float(ts) - r["t"]) > 60:
            die("timestamp %s far from %s" % (ts, r["t"]))
        mac = hmac.new(k, ts.encode() + b"." + r["body"].encode("utf-8"),
                       hashlib.sha256).hexdigest()
        if sig != "sha256=" + mac:
            die("bad signature %s" % sig)


def header(log, name, value):
    for r in load_log(log):
        h = {n.lower(): v for n, v in r["headers"].items()}
        if h.get(name.lower()) != value:
            die("header %s is %r" % (name, h.get(name.lower())))


def gap(log, seconds):
    recs = load_log(log)
    if len(recs) < 2:
        die("%d requests, want at least 2" % len(recs))
    d = recs[1]["t"] - recs[0]["t"]
    if d < float(seconds):
        die("second request %.3f s after the first, want %s" % (d, seconds))


def count(log, n):
    c = len(load_log(log))
    if c != int(n):
        die("%d requests, want %s" % (c, n))


RFC5424 = re.compile(
    r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) "
    r"(\[signetd@32473(?: [a-z0-9_]+=\"(?:[^\"\\\]]|\\.)*\")*\]) (.*)$", re.S)


def syslog(raw, parsed, file):
    want = sorted(key(a) for a in load_alerts(file))
    got = []
    with open(raw, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = RFC5424.match(line)
            if not m:
                die("not RFC 5424 with our SD: %r" % line[:200])
            pri, ts, host, app, pid, msgid, sd, msg = m.groups()
            a = json.loads(msg)
            if app != "signetd" or not pid.isdigit():
                die("app %r pid %r" % (app, pid))
            if msgid not in ("netjoin", "imageload", "report"):
                die("msgid %r" % msgid)
            if not re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", ts):
                die("timestamp %r" % ts)
            sev = {"info": 6, "low": 5, "medium": 4, "high": 3,
                   "critical": 2}[a["severity"]]
            if int(pri) != 16 * 8 + sev:
                die("PRI %s for %s" % (pri, a["severity"]))
            if 'rule="%s"' % a["rule"] not in sd:
                die("SD lacks the rule: %s" % sd)
            if 'severity="%s"' % a["severity"] not in sd:
                die("SD lacks the severity: %s" % sd)
            got.append(key(a))
    if sorted(got) != want:
        die("rsyslog got %d alerts (%d distinct), want %d" %
            (len(got), len(set(got)), len(want)))
    # What rsyslog itself made of them: app-name|msgid|SD|MSG.
    n = 0
    with open(parsed, encoding="utf-8") as f:
        for line in f:
            app, msgid, sd, msg = line.rstrip("\n").split("|", 3)
            if app != "signetd" or not sd.startswith("[signetd@32473 "):
                die("rsyslog parsed app %r sd %r" % (app, sd[:80]))
            json.loads(msg)
            n += 1
    if n != len(want):
        die("rsyslog parsed %d messages, want %d" % (n, len(want)))


def run(cmd, args):
    {"same": lambda: same(args[0], args[1], len(args) > 2),
     "slack": lambda: slack(*args), "teams": lambda: teams(*args),
     "hmac": lambda: check_hmac(*args), "header": lambda: header(*args),
     "gap": lambda: gap(*args), "count": lambda: count(*args),
     "syslog": lambda: syslog(*args), "bsd": lambda: bsd(*args)}[cmd]()


RFC3164 = re.compile(
    r"<(\d{1,3})>([A-Z][a-z]{2}) ([ \d]\d) (\d\d:\d\d:\d\d) (\S+) "
    r"signetd\[(\d+)\]: (.*)$", re.S)


def bsd(raw, file):
    want = sorted(key(a) for a in load_alerts(file))
    got = []
    with open(raw, encoding="utf-8") as f:
        for line in f:
            m = RFC3164.match(line.rstrip("\n"))
            if not m:
                die("not RFC 3164: %r" % line[:120])
            a = json.loads(m.group(7))
            sev = {"info": 6, "low": 5, "medium": 4, "high": 3,
                   "critical": 2}[a["severity"]]
            if int(m.group(1)) != 4 * 8 + sev:
                die("PRI %s for %s" % (m.group(1), a["severity"]))
            got.append(key(a))
    if sorted(got) != want:
        die("got %d alerts, want %d" % (len(got), len(want)))


def main():
    groups, cur = [], []
    for a in sys.argv[1:] + ["+"]:
        if a == "+":
            if cur:
                groups.append(cur)
            cur = []
        else:
            cur.append(a)
    rc = 0
    for g in groups:
        try:
            run(g[0], g[1:])
        except (Failed, OSError, ValueError, KeyError, IndexError) as e:
            print("outcheck: %s: %s" % (" ".join(g[:2]), e))
            rc = 1
    sys.exit(rc)


if __name__ == "__main__":
    main()
