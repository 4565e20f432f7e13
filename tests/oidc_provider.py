"""A small, real OpenID Connect provider for the tests (never shipped): authorization code flow with PKCE.

It runs on a free localhost port in a thread, with its own RSA key published as a JWKS, a
discovery document, a login page people (or Playwright) fill in, a token endpoint that
checks the client's secret, the code, the redirect URI and the PKCE verifier, and an
end-session endpoint. ID tokens are signed with joserfc (Authlib's JOSE library).

A test can tell it to misbehave on the next tokens it issues (`provider.misbehave = ...`):
"wrong_audience", "bad_signature" (signed with another key under the published key id),
"expired", "replay_nonce" (the nonce of the first sign-in it saw) or "wrong_issuer".
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import threading
import time
from base64 import urlsafe_b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

KEY_ID = "test-provider-key-1"
CLIENT_ID = "bksbmis-test-client"
CLIENT_SECRET = "test-client-secret-not-a-real-one"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    claims: dict[str, Any]


@dataclass
class TestProvider:
    url: str = ""
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    misbehave: str = ""
    nonces_seen: list[str] = field(default_factory=list)
    signed_out: list[str] = field(default_factory=list)
    tokens_issued: int = 0
    key: RSAKey = field(default_factory=lambda: _new_key())
    grants: dict[str, Grant] = field(default_factory=dict)

    def add_account(self, username: str, **claims: Any) -> None:
        """An account people can sign in as: its username is the preferred_username claim."""
        self.accounts[username] = {"sub": f"sub-{username}", "preferred_username": username, **claims}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 600,
            "nonce": grant.nonce,
            **grant.claims,
        }
        key = self.key
        if self.misbehave == "wrong_audience":
            claims["aud"] = "some-other-application"
        elif self.misbehave == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        elif self.misbehave == "replay_nonce":
            claims["nonce"] = self.nonces_seen[0]
        elif self.misbehave == "wrong_issuer":
            claims["iss"] = "https://impostor.example"
        elif self.misbehave == "bad_signature":
            key = _new_key()
        self.tokens_issued += 1
        return jwt.encode({"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}, claims, key)


def _new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})


def _pkce_challenge(verifier: str) -> str:
    return urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


class _Handler(BaseHTTPRequestHandler):
    provider: TestProvider

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/.well-known/openid-configuration":
            self._json(200, self._discovery())
        elif parts.path == "/jwks":
            self._json(200, {"keys": [self.provider.key.as_dict(private=False)]})
        elif parts.path == "/authorize":
            self._login_page(query)
        elif parts.path == "/logout":
            self.provider.signed_out.append(query.get("client_id", ""))
            back = html.escape(query.get("post_logout_redirect_uri", ""))
            self._html(200, f"<h1>You have signed out of Test College</h1><p><a href='{back}'>Back to the app</a></p>")
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        path = urlsplit(self.path).path
        if path == "/authorize":
            self._authorize(form)
        elif path == "/token":
            self._token(form)
        else:
            self._json(404, {"error": "not_found"})

    def _discovery(self) -> dict[str, Any]:
        base = self.provider.url
        return {
            "issuer": base,
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "jwks_uri": base + "/jwks",
            "end_session_endpoint": base + "/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def _login_page(self, query: dict[str, str]) -> None:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            self._html(400, "<h1>Unknown application</h1>")
            return
        hidden = "".join(
            f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>" for k, v in query.items()
        )
        self._html(
            200,
            "<h1>Sign in to Test College</h1><form method='post' action='/authorize'>"
            f"{hidden}<label for='u'>Email or username</label><input id='u' name='username'>"
            "<button type='submit'>Next</button></form>",
        )

    def _authorize(self, form: dict[str, str]) -> None:
        claims = self.provider.accounts.get(form.get("username", ""))
        if claims is None:
            self._html(200, "<h1>Sign in to Test College</h1><p role='alert'>No such account.</p>")
            return
        if form.get("code_challenge_method") != "S256" or not form.get("code_challenge"):
            self._redirect(form["redirect_uri"], {"error": "invalid_request", "state": form.get("state", "")})
            return
        nonce = form.get("nonce", "")
        self.provider.nonces_seen.append(nonce)
        code = secrets.token_urlsafe(24)
        self.provider.grants[code] = Grant(
            client_id=form["client_id"],
            redirect_uri=form["redirect_uri"],
            nonce=nonce,
            code_challenge=form["code_challenge"],
            claims=dict(claims),
        )
        self._redirect(form["redirect_uri"], {"code": code, "state": form.get("state", "")})

    def _token(self, form: dict[str, str]) -> None:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            self._json(401, {"error": "invalid_client"})
            return
        grant = self.provider.grants.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant.redirect_uri
            or _pkce_challenge(form.get("code_verifier", "")) != grant.code_challenge
        ):
            self._json(400, {"error": "invalid_grant"})
            return
        body = {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 600,
            "id_token": self.provider.id_token(grant),
        }
        self._json(200, body)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _html(self, status: int, body: str) -> None:
        data = f"<!doctype html><html lang='en'><title>Test College</title><body>{body}</body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, to: str, params: dict[str, str]) -> None:
        self.send_response(302)
        self.send_header("Location", f"{to}{'&' if '?' in to else '?'}{urlencode(params)}")
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def running_provider() -> Iterator[TestProvider]:
    """The provider on a free localhost port, until the block ends."""
    provider = TestProvider()
    handler = type("Handler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
