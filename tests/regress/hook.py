#!/usr/bin/env python3
"""A webhook receiver for the out-*.sh tests, standard library only.

Listens on 127.0.0.1 (port 0: any free port, written to --port-file once
it listens), over TLS with --cert/--key. Each POST is logged as one JSON
line {"t": unix time, "path", "headers", "body", "status"} to --log, or,
with --by-path, to --log.NAME where NAME is the first path segment (so
one receiver serves several runs), and
answered with the next status of --answers (a comma-separated list; 200
once it runs out). A 429 or 503 carries Retry-After: --retry-after when
that is given. The first --stall requests get no answer at all (logged
with status 999). It stops by itself after --lifetime seconds.
"""
import argparse
import http.server
import json
import os
import ssl
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log", required=True)
    ap.add_argument("--answers", default="")
    ap.add_argument("--retry-after")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--by-path", action="store_true")
    ap.add_argument("--stall", type=int, default=0)
    a = ap.parse_args()
    answers = [int(x) for x in a.answers.split(",") if x]
    stalls = [a.stall]
    lock = threading.Lock()
    logs = {}

    def log_for(path):
        name = path.lstrip("/").split("/")[0].split("?")[0]
        f = a.log + "." + name if a.by_path else a.log
        if f not in logs:
            logs[f] = open(f, "a", encoding="utf-8")
        return logs[f]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            with lock:
                stall = stalls[0] > 0
                if stall:
                    stalls[0] -= 1
                    status = 999
                else:
                    status = answers.pop(0) if answers else 200
                rec = {"t": time.time(), "path": self.path,
                       "headers": dict(self.headers.items()),
                       "body": body.decode("utf-8", "replace"),
                       "status": status}
                log = log_for(self.path)
                log.write(json.dumps(rec) + "\n")
                log.flush()
            if stall:
                time.sleep(a.lifetime)
                return
            reply = b"ok" if status < 300 else b"no: test says %d" % status
            self.send_response(status)
            if status in (429, 503) and a.retry_after is not None:
                self.send_header("Retry-After", a.retry_after)
            self.send_header("Content-Length", str(len(reply)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply)
            self.close_connection = True

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, a.port_file)
    threading.Timer(a.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
