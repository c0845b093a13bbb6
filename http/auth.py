"""Authentication: argon2 password hashes, bearer tokens (JWT), throttled logins.

Password hashes live in the ``credentials`` table (migrations/*/…_http.sql),
never in the event log. argon2-cffi is the reference binding of the password
hashing competition's winner; its defaults follow RFC 9106.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.settings import Settings
from ledger.values import Actor, Role
from projections.db import ViewDB

MAX_FAILURES = 5
TOKEN_CACHE_SIZE = 4096
FAILURE_WINDOW = 15 * 60  # seconds


class AuthUser(msgspec.Struct, frozen=True):
    """The authenticated user; every event's actor comes from here."""

    username: str
    display_name: str
    role: Role
    unit: str

    @property
    def actor(self) -> Actor:
        return Actor(id=self.username, name=self.display_name, role=self.role, unit=self.unit)


class TooManyAttempts(LedgerError):
    code = "too_many_attempts"


class CredentialStore:
    def __init__(self, settings: Settings) -> None:
        self.db = ViewDB(settings)
        self.hasher = PasswordHasher()

    def set_password(self, username: str, password: str) -> None:
        if len(password or "") < 10:
            raise InvalidInput.one("password", "password_too_short", "密码至少10位")
        hashed = self.hasher.hash(password)
        conn = self.db.connect()
        try:
            with self.db.transaction(conn) as cur:
                cur.execute("DELETE FROM credentials WHERE username = %s", (username,))
                cur.execute(
                    "INSERT INTO credentials (username, password_hash, updated_at) VALUES (%s, %s, %s)",
                    (username, hashed, datetime.now(timezone.utc).isoformat()),
                )
        finally:
            conn.close()

    def verify(self, username: str, password: str) -> bool:
        with self.db.reading() as cur:
            hashed = cur.scalar("SELECT password_hash FROM credentials WHERE username = %s", (username,))
        if hashed is None:
            # spend the same time as a real check, so usernames can't be probed
            self.hasher.hash(password or "x")
            return False
        try:
            return self.hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self.db.close()


class LoginThrottle:
    """At most MAX_FAILURES failed logins per username in FAILURE_WINDOW."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, username: str) -> None:
        with self._lock:
            window = self._recent(username)
            if len(window) >= MAX_FAILURES:
                wait = int(window[0] + FAILURE_WINDOW - time.monotonic()) + 1
                raise TooManyAttempts(f"登录失败次数过多，请{wait // 60 + 1}分钟后再试")

    def failed(self, username: str) -> None:
        with self._lock:
            self._recent(username).append(time.monotonic())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)

    def _recent(self, username: str) -> deque[float]:
        window = self._failures[username]
        while window and window[0] < time.monotonic() - FAILURE_WINDOW:
            window.popleft()
        return window


def token_secret(settings: Settings, environ: dict[str, str]) -> str:
    """LEDGER_SECRET, or for the embedded store a secret kept beside its file."""
    secret = environ.get("LEDGER_SECRET", "")
    if secret:
        return secret
    if settings.backend == "postgres":
        raise RuntimeError("LEDGER_SECRET must be set when the ledger runs on PostgreSQL")
    path = Path(settings.sqlite_path + ".secret")
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class CachedToken(Token):
    """A bearer token whose verified claims are remembered by the encoded string.

    Every request presents the same token for hours; checking its HMAC
    signature and parsing its claims again each time was about a tenth of the
    server's CPU per command. A remembered token is the same string already
    verified with the same secret, so only its expiry is checked again."""

    _verified: ClassVar[dict[tuple[str, str, str], CachedToken]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def decode(cls, encoded_token: str, secret: str, algorithm: str, *args: Any, **kwargs: Any) -> "CachedToken":
        key = (encoded_token, secret, algorithm)
        token = cls._verified.get(key)
        if token is not None and kwargs.get("verify_exp", True) and token.exp <= datetime.now(timezone.utc):
            with cls._lock:
                cls._verified.pop(key, None)
            token = None
        if token is None:
            token = super().decode(encoded_token, secret, algorithm, *args, **kwargs)
            with cls._lock:
                if len(cls._verified) >= TOKEN_CACHE_SIZE:
                    cls._verified.clear()  # simplest bound: tokens are re-verified once after a flush
                cls._verified[key] = token
        return token


async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthUser | None:
    """Each request checks the user, so a disabled user is out at once (in
    another process of the same store: within ``LEDGER_USER_CACHE_SECONDS``)."""
    ledger = connection.app.state.ledger
    try:
        user = ledger.current_user(token.sub)
    except NotFound:
        raise NotAuthorizedException("用户不存在") from None
    if not user.active:
        raise NotAuthorizedException("用户已停用")
    return AuthUser(username=user.username, display_name=user.display_name, role=user.role, unit=user.unit)
