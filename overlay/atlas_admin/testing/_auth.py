"""Credentials like Atlas: OAuth 2.0 client credentials for service accounts, HTTP Digest for API keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping

import attrs

DIGEST_REALM = "MMS Public API"
_DIGEST_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@attrs.define
class IssuedToken:
    client_id: str
    expires_at: float
    revoked: bool = False


@attrs.define
class AuthResult:
    """Who made a request, or why nobody did (``principal is None``)."""

    principal: str | None
    detail: str = ""
    stale_nonce: bool = False


class TokenRefused(Exception):
    """The token endpoint refuses a request; ``body`` is the OAuth error document."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``(user, password)`` from an ``Authorization: Basic ...`` header."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def parse_digest(header: str) -> dict[str, str]:
    """The parameters of an ``Authorization: Digest ...`` header."""
    return {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _DIGEST_PARAM.finditer(header)
    }


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class Authenticator:
    """Issues, revokes and checks credentials; all state is in memory."""

    def __init__(
        self,
        *,
        service_accounts: Mapping[str, str],
        api_keys: Mapping[str, str],
        token_lifetime: float,
        token_request_limit: int | None,
        token_request_window: float,
        nonce_lifetime: float,
        clock: Callable[[], float],
    ) -> None:
        self.service_accounts = dict(service_accounts)
        self.api_keys = dict(api_keys)
        self.token_lifetime = token_lifetime
        self.token_request_limit = token_request_limit
        self.token_request_window = token_request_window
        self.nonce_lifetime = nonce_lifetime
        self.clock = clock
        self.tokens: dict[str, IssuedToken] = {}
        self._token_requests: dict[str, list[float]] = {}
        self._nonces: dict[str, float] = {}  # nonce -> issued at

    # --- OAuth --------------------------------------------------------------------------------------
    def issue_token(self, basic: tuple[str, str] | None, form: Mapping[str, str]) -> dict[str, object]:
        """The token response for a client-credentials grant, or `TokenRefused`."""
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if not client_id or self.service_accounts.get(client_id) != secret:
            raise TokenRefused(401, "invalid_client", "Invalid client credentials.")
        if form.get("grant_type") != "client_credentials":
            raise TokenRefused(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported.")
        now = self.clock()
        if self.token_request_limit is not None:
            # Atlas caps how many tokens one service account may request per window.
            recent = [t for t in self._token_requests.get(client_id, []) if now - t < self.token_request_window]
            if len(recent) >= self.token_request_limit:
                self._token_requests[client_id] = recent
                raise TokenRefused(429, "rate_limit_exceeded", "Too many token requests for this client.")
            recent.append(now)
            self._token_requests[client_id] = recent
        token = "eyFake." + secrets.token_urlsafe(32)
        self.tokens[token] = IssuedToken(client_id=client_id, expires_at=now + self.token_lifetime)
        return {"access_token": token, "expires_in": int(self.token_lifetime), "token_type": "Bearer"}

    def revoke_token(self, basic: tuple[str, str] | None, form: Mapping[str, str]) -> None:
        """Revoke ``form["token"]`` (RFC 7009: unknown tokens are not an error), or `TokenRefused`."""
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if not client_id or self.service_accounts.get(client_id) != secret:
            raise TokenRefused(401, "invalid_client", "Invalid client credentials.")
        issued = self.tokens.get(form.get("token", ""))
        if issued is not None and issued.client_id == client_id:
            issued.revoked = True

    def expire_tokens(self) -> None:
        now = self.clock()
        for issued in self.tokens.values():
            issued.expires_at = min(issued.expires_at, now - 1)

    # --- checking a request -------------------------------------------------------------------------
    def authenticate(self, method: str, raw_path: str, authorization: str | None) -> AuthResult:
        if not authorization:
            return AuthResult(None, "Missing credentials: send a Bearer token or use HTTP Digest.")
        scheme, _, value = authorization.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            issued = self.tokens.get(value.strip())
            if issued is None:
                return AuthResult(None, "The access token is not valid.")
            if issued.revoked:
                return AuthResult(None, "The access token has been revoked.")
            if self.clock() >= issued.expires_at:
                return AuthResult(None, "The access token has expired.")
            return AuthResult(issued.client_id)
        if scheme == "digest":
            return self._check_digest(method, raw_path, parse_digest(value))
        return AuthResult(None, f"Unsupported authorization scheme {scheme!r}.")

    def _check_digest(self, method: str, raw_path: str, params: dict[str, str]) -> AuthResult:
        username, nonce = params.get("username", ""), params.get("nonce", "")
        issued_at = self._nonces.get(nonce)
        if issued_at is None:
            return AuthResult(None, "Unknown digest nonce.")
        if self.clock() - issued_at > self.nonce_lifetime:
            del self._nonces[nonce]
            return AuthResult(None, "Stale digest nonce.", stale_nonce=True)
        password = self.api_keys.get(username)
        if password is None:
            return AuthResult(None, "Invalid API key.")
        if params.get("uri", "").split("?")[0] != raw_path.split("?")[0]:
            return AuthResult(None, "Digest uri does not match the request.")
        ha1 = _md5(f"{username}:{params.get('realm', '')}:{password}")
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        if params.get("qop") == "auth":
            expected = _md5(f"{ha1}:{nonce}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}")
        else:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        if params.get("realm") != DIGEST_REALM or not secrets.compare_digest(expected, params.get("response", "")):
            return AuthResult(None, "Invalid API key or digest response.")
        return AuthResult(username)

    def digest_challenge(self, stale: bool = False) -> str:
        """A fresh ``WWW-Authenticate`` value; its nonce stays valid for ``nonce_lifetime`` seconds."""
        now = self.clock()
        if len(self._nonces) > 10_000:
            # Bound memory under benchmarks: forget nonces that can no longer be used.
            self._nonces = {n: t for n, t in self._nonces.items() if now - t <= self.nonce_lifetime}
        nonce = secrets.token_hex(16)
        self._nonces[nonce] = now
        return (
            f'Digest realm="{DIGEST_REALM}", domain="", nonce="{nonce}", algorithm=MD5, qop="auth", '
            f"stale={'true' if stale else 'false'}"
        )
