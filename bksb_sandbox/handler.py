"""HTTP plumbing of the sandbox (a test double): parse, check, inject faults, answer.

Every api call passes, in order: latency (+ jitter), Basic auth (401),
disabled key or call (403), rate limit (429 + Retry-After), hang, random
503s, garbage; only then the call itself.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import sys
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from bksb_sandbox import control
from bksb_sandbox.messages import Request, Response, as_json, html, text

if TYPE_CHECKING:
    from bksb_sandbox.server import SandboxServer

MAX_BODY = 1_000_000


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive so pooled clients reuse it."""

    protocol_version = "HTTP/1.1"
    server_version = "bksb-sandbox/1.0"
    timeout = 60  # an idle kept-alive connection is closed after this long
    disable_nagle_algorithm = True  # headers and body go out in two writes

    @property
    def app(self) -> SandboxServer:
        app: SandboxServer = self.server.app  # type: ignore[attr-defined]
        return app

    def setup(self) -> None:
        super().setup()
        self.app.track_connection(self.connection, open_=True)

    def finish(self) -> None:
        self.app.track_connection(self.connection, open_=False)
        super().finish()

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: object) -> None:
        if self.app.config.log_requests:
            super().log_message(format, *args)

    def _handle(self) -> None:
        req = self._read_request()
        if req is None:
            return
        try:
            response = self._dispatch(req)
        except Exception:  # a bug in the double must not hang the client
            traceback.print_exc(file=sys.stderr)
            response = text(500, "Internal sandbox error.")
        self._send(response)

    def _read_request(self) -> Request | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._send(text(413, "Request body too large."))
            return None
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        host = self.headers.get("Host") or urlsplit(self.app.url).netloc
        return Request(
            method=self.command,
            path=unquote(parts.path),
            query=query,
            body=body,
            headers={k.lower(): v for k, v in self.headers.items()},
            base_url=f"http://{host}/",
        )

    def _dispatch(self, req: Request) -> Response:
        if req.path.startswith(control.PREFIX):
            return control.answer(self.app, req)
        if req.path.lower().startswith("/api/"):
            return self._api(req)
        if req.method == "GET" and req.path.startswith("/autologin/"):
            return self._counted("autologin", lambda: self.app.api.autologin_page(req.path[11:]))
        if req.path == "/":
            return html(200, "<!doctype html><title>bksb sandbox</title><p>bksb sandbox (test double)")
        return text(404, "Not found.")

    def _api(self, req: Request) -> Response:
        route = self.app.api.route(req.method, req.path)
        name = route.name if route else "unknown"
        return self._counted(name, lambda: self._checked_api(req, name))

    def _counted(self, name: str, answer: Callable[[], Response]) -> Response:
        stats = self.app.stats_counter
        stats.started(name)
        response = text(500, "Internal sandbox error.")
        try:
            response = answer()
        finally:
            stats.finished(response.status)
        return response

    def _checked_api(self, req: Request, name: str) -> Response:
        app, cfg = self.app, self.app.config
        app.pause(app.latency_seconds())
        key = self._access_key(req)
        if key is None:
            return text(
                401,
                "Authorization has been denied for this request.",
                **{"WWW-Authenticate": 'Basic realm="bksb sandbox"'},
            )
        if cfg.forbidden or name in cfg.forbidden_calls:
            return text(403, "This access key is not allowed to make this call.")
        if not app.limiter.allow(key, cfg.rate_limit):
            return text(429, "Too many requests.", **{"Retry-After": "1"})
        app.pause(cfg.hang_ms / 1000)
        if app.chance(cfg.error_rate):
            return text(503, "Service Unavailable")
        if cfg.garbage:
            return html(200, "<html>oops</html>")
        if name in cfg.malformed_calls:
            return as_json({"Message": "An error has occurred."})
        route = app.api.route(req.method, req.path)
        if route is None:
            return text(404, "No HTTP resource was found that matches the request URI.")
        return route.answer(app.api, req, route.pattern.fullmatch(req.path))  # type: ignore[arg-type]

    def _access_key(self, req: Request) -> str | None:
        """The Access Key ID if the Basic credentials are right, else None."""
        scheme, _, encoded = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            key, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        cfg = self.app.config
        good_key = hmac.compare_digest(key.encode(), cfg.access_key_id.encode())
        good_secret = hmac.compare_digest(secret.encode(), cfg.secret_access_key.encode())
        return key if sep and good_key and good_secret else None

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)
