"""A local HTTP server on 127.0.0.1 serving feeds (RSS, Atom, broken, slow, huge, redirects) and a
tiny fake Mastodon API, for the listening tests. Keep it small: the lead may merge the fakes later."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Blog vélo</title><link>https://blog.example/</link>
{items}
</channel></rss>"""
RSS_ITEM = ("<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>"
            "<pubDate>{date}</pubDate><author>{author}</author><description>{text}</description></item>")
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Forum</title><id>urn:forum</id><updated>2026-11-23T10:00:00Z</updated>
{items}
</feed>"""
ATOM_ENTRY = ("<entry><title>{title}</title><id>{guid}</id><link href=\"{link}\"/><updated>{date}</updated>"
              "<author><name>{author}</name></author><summary>{text}</summary></entry>")


def rss(entries) -> bytes:
    return RSS.format(items="\n".join(RSS_ITEM.format(**e) for e in entries)).encode()


def atom(entries) -> bytes:
    return ATOM.format(items="\n".join(ATOM_ENTRY.format(**e) for e in entries)).encode()


class FeedServer:
    """routes: path -> dict(body=bytes, etag=str, modified=str, status=int, location=str, delay=float,
    type=str). ``hits`` counts requests per path; ``headers`` keeps the last request's headers per path."""

    def __init__(self):
        self.routes: dict[str, dict] = {}
        self.hits: dict[str, int] = {}
        self.headers: dict[str, dict] = {}
        self.statuses: list[dict] = []  # the fake Mastodon's statuses, newest first
        self.token = "sekret"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                server.headers[path] = dict(self.headers)
                if path.startswith("/api/"):
                    return self.mastodon(path)
                route = server.routes.get(path)
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if route.get("delay"):
                    time.sleep(route["delay"])
                if route.get("etag") and self.headers.get("If-None-Match") == route["etag"]:
                    self.send_response(304)
                    self.end_headers()
                    return
                if route.get("modified") and self.headers.get("If-Modified-Since") == route["modified"]:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(route.get("status", 200))
                if route.get("location"):
                    self.send_header("Location", route["location"])
                if route.get("etag"):
                    self.send_header("ETag", route["etag"])
                if route.get("modified"):
                    self.send_header("Last-Modified", route["modified"])
                self.send_header("Content-Type", route.get("type", "application/rss+xml"))
                body = route.get("body", b"")
                if not route.get("no_length"):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if route.get("drip"):  # a byte at a time: alive, never done
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(route["drip"])
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass

            def mastodon(self, path):
                if path.startswith("/api/v2/search") and self.headers.get("Authorization") != f"Bearer {server.token}":
                    self.send_response(401)
                    self.end_headers()
                    return
                query = self.path.split("?", 1)[1] if "?" in self.path else ""
                since = next((p.split("=", 1)[1] for p in query.split("&") if p.startswith("since_id=")), None)
                statuses = [s for s in server.statuses if since is None or int(s["id"]) > int(since)]
                body = json.dumps({"statuses": statuses} if path.startswith("/api/v2/search") else statuses).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
