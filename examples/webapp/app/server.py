#!/usr/bin/env python3
"""The sample web app Hoist deploys: a tiny HTTP server on the Python standard library.

GET /              one line: the revision's version (app/VERSION), this host's name and the
                   deployment that installed it (from the file AfterInstall writes)
GET /health        200 "ok"
GET /version       the version alone
GET /static/NAME   a file of static/ (NAME has no slashes)

It logs requests (but not successful health checks) to a file, never to stdout, writes its pid file once it listens, and exits
cleanly on SIGTERM (removing the pid file if it is still its own).
"""

import argparse
import http.server
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


def read_text(path, default=""):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return default


def read_deployed_by(path):
    """KEY=value lines written by the AfterInstall hook."""
    values = {}
    for line in read_text(path).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


class RequestLog:
    """Appends one line per request to a file; safe to call from many threads."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.file = open(path, "a", buffering=1, encoding="utf-8")
        self.lock = threading.Lock()

    def write(self, text):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        with self.lock:
            self.file.write(f"{stamp} {text}\n")


def make_handler(app):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "webapp"
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/":
                self.send_text(200, app["banner"] + "\n")
            elif path == "/health":
                self.send_text(200, "ok\n")
            elif path == "/version":
                self.send_text(200, app["version"] + "\n")
            elif path.startswith("/static/"):
                self.send_static(path[len("/static/"):])
            else:
                self.send_text(404, "not found\n")

        def send_text(self, status, text):
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def send_static(self, name):
            path = os.path.join(app["static"], name)
            if not STATIC_NAME.match(name) or not os.path.isfile(path):
                self.send_text(404, "not found\n")
                return
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                shutil.copyfileobj(f, self.wfile)

        def log_request(self, code="-", size="-"):
            # Load balancers ask for /health several times a second; log only failures.
            if self.path == "/health" and str(code) == "200":
                return
            super().log_request(code, size)

        def log_message(self, format, *args):
            app["log"].write(f"{self.address_string()} {format % args}")

    return Handler


def write_pidfile(path):
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, path)


def remove_own_pidfile(path):
    if path and read_text(path) == str(os.getpid()):
        try:
            os.remove(path)
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--pidfile", help="written once the server listens")
    parser.add_argument("--log", default="/srv/webapp/logs/access.log", help="request log")
    parser.add_argument("--deployed-by", default="/srv/webapp/deployed-by",
                        help="KEY=value file naming the deployment (written by AfterInstall)")
    args = parser.parse_args()

    version = read_text(os.path.join(HERE, "VERSION"), "unknown")
    deployment = read_deployed_by(args.deployed_by).get("DEPLOYMENT_ID", "none")
    app = {
        "version": version,
        "banner": f"webapp version={version} host={socket.gethostname()} deployment={deployment}",
        "static": os.path.join(HERE, "static"),
        "log": RequestLog(args.log),
    }

    server = http.server.ThreadingHTTPServer((args.bind, args.port), make_handler(app))
    server.daemon_threads = True

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return, so it cannot run on the thread
        # that is serving.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.pidfile:
        write_pidfile(args.pidfile)
    app["log"].write(f"listening on {args.bind}:{args.port}: {app['banner']}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
        remove_own_pidfile(args.pidfile)
        app["log"].write("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
