"""Authentication, CSRF and security headers: middleware applied once to every route.

Modes: on a local bind with no password, no login (the machine's users are trusted, as with
`monitor` on the command line); with MONITOR_WEB_PASSWORD, one shared login (scrypt hash
kept in memory, constant-time check, failures rate limited, a signed HttpOnly SameSite=Lax
session cookie, Secure over https); with MONITOR_WEB_TRUST_PROXY_HEADER, the user an
authenticating proxy names in that header. A non-local bind with neither refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from fastapi import HTTPException, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.textclean import clean_text
from monitor.tokens import Signer, TokenError

LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost", "[::1]"})
SESSION_COOKIE = "monitor_session"
CSRF_COOKIE = "monitor_csrf"
SESSION_MAX_AGE = 12 * 3600
# Reachable without signing in: the health check, the login page, the style sheet, the icon,
# and the feedback links (their signed token is the authorisation).
PUBLIC_PREFIXES = ("/healthz", "/login", "/static/", "/favicon.ico", "/feedback/")
LOGIN_FAILURES = 5  # failed logins allowed per client per window
LOGIN_WINDOW = 300.0

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# The stored digest HTML (inline styles, no scripts), shown only in a sandboxed frame.
FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
)

AuthMode = Literal["none", "password", "proxy"]


def scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


@dataclass
class RateLimiter:
    """Failed attempts per key in a sliding window."""

    limit: int = LOGIN_FAILURES
    window: float = LOGIN_WINDOW
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, key: str) -> bool:
        with self._lock:
            recent = self._recent(key)
            return len(recent) >= self.limit

    def fail(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def _recent(self, key: str) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] < self.clock() - self.window:
            found.popleft()
        if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
            self._failures = {key: found}
        return found


@dataclass
class Auth:
    mode: AuthMode
    signer: Signer
    header: str | None = None
    secure_cookies: bool = False
    _salt: bytes = b""
    _hash: bytes = b""
    limiter: RateLimiter = field(default_factory=RateLimiter)

    @classmethod
    def from_settings(cls, settings: Settings, signer: Signer, host: str) -> Auth:
        """Raises ConfigError for a non-local bind without authentication."""
        password = _password(settings)
        secure = bool(settings.base_url and settings.base_url.startswith("https://"))
        if password:
            salt = secrets.token_bytes(16)
            return cls("password", signer, None, secure, salt, scrypt(password, salt))
        if settings.web_trust_proxy_header:
            return cls("proxy", signer, settings.web_trust_proxy_header.strip(), secure)
        if host not in LOCAL_HOSTS:
            raise ConfigError(
                f"MONITOR_WEB_BIND {settings.web_bind!r} is not a local address: set "
                "MONITOR_WEB_PASSWORD (or _FILE) or MONITOR_WEB_TRUST_PROXY_HEADER, "
                "or bind to 127.0.0.1"
            )
        return cls("none", signer, None, secure)

    def check_password(self, candidate: str) -> bool:
        return self.mode == "password" and hmac.compare_digest(
            scrypt(candidate[:1024], self._salt), self._hash
        )

    def user(self, request: Request) -> str | None:
        """Who is making the request, or None when nobody is signed in."""
        if self.mode == "none":
            return "local user"
        if self.mode == "proxy":
            assert self.header is not None
            value = (clean_text(request.headers.get(self.header)) or "").strip()
            return value[:200] or None
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            user, _ = self.signer.check_session(token, SESSION_MAX_AGE)
        except TokenError:
            return None
        return user

    def session_cookie(self, response: Response, user: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.signer.session_token(user, ""),
            max_age=SESSION_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )


def _password(settings: Settings) -> str | None:
    if settings.web_password is not None:
        return settings.web_password.get_secret_value() or None
    if settings.web_password_file is not None:
        try:
            return settings.web_password_file.read_text().rstrip("\r\n") or None
        except OSError as exc:
            raise ConfigError(f"cannot read MONITOR_WEB_PASSWORD_FILE: {exc}") from exc
    return None


def is_public(path: str) -> bool:
    return any(path == p or path.startswith(p) for p in PUBLIC_PREFIXES)


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser: a random value in a cookie, repeated in each form."""
    token: str = request.state.csrf
    return token


async def require_csrf(request: Request) -> None:
    """A dependency of every state-changing form route: the form's token must match the
    browser's cookie (compared in constant time)."""
    form = await request.form()
    sent = form.get("csrf")
    expected = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "the form's security token is missing or wrong: reload the page")


Handler = Callable[[Request], Awaitable[Response]]


def middleware(auth: Auth) -> Callable[[Request, Handler], Awaitable[Response]]:
    async def guard(request: Request, call_next: Handler) -> Response:
        path = request.url.path
        request.state.user = auth.user(request)
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None if cookie and 20 <= len(cookie) <= 100 else secrets.token_urlsafe(32)
        request.state.csrf = cookie if fresh is None else fresh
        if request.state.user is None and not is_public(path):
            response: Response
            if path.startswith("/api/") or path == "/metrics" or request.method != "GET":
                response = JSONResponse({"detail": "sign in first"}, status_code=401)
            elif auth.mode == "proxy":
                response = JSONResponse(
                    {"detail": f"no {auth.header} header from the proxy"}, status_code=401
                )
            else:
                response = RedirectResponse("/login", status_code=303)
        else:
            response = await call_next(request)
        if fresh is not None:
            response.set_cookie(
                CSRF_COOKIE,
                fresh,
                httponly=True,
                samesite="lax",
                secure=auth.secure_cookies,
                path="/",
            )
        headers = response.headers
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = CSP
            headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers.setdefault("Cache-Control", "no-store")
        return response

    return guard
