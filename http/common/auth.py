"""Authentication: bearer tokens (JWT), sign-in and password changes,
throttled logins. The password hashes are kept by ``ledger.store.credentials``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

from ledger.errors import InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.settings import Settings
from ledger.store.credentials import MIN_PASSWORD
from ledger.values import Actor, Role

MAX_FAILURES = 5  # per username from one client address
MAX_ADDRESS_FAILURES = 30  # from one client address, whatever the usernames
MAX_THROTTLED_KEYS = 10_000  # the least recently failed are forgotten first
TOKEN_CACHE_SIZE = 4096
FAILURE_WINDOW = 15 * 60  # seconds
# Paths a user whose password was reset may use until they choose a new one.
OPEN_BEFORE_NEW_PASSWORD = frozenset({"/auth/password", "/auth/me"})


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


def client_address(request: Any) -> str:
    """The peer's address. Behind a reverse proxy this is the proxy's: run
    uvicorn with --forwarded-allow-ips for the proxy so that it is the client's."""
    return request.client.host if request.client else "unknown"


def sign_in(request: Any, username: str, password: str) -> Any:
    """The user whose password this is (throttled per username and address),
    or 401 with one message for every failure, so usernames cannot be probed."""
    state = request.app.state
    address = client_address(request)
    state.throttle.check(username, address)
    try:
        user = state.ledger.get_user(username, for_update=False)
    except NotFound:
        user = None
    if not state.credentials.verify(username, password) or user is None or not user.can_sign_in:
        state.throttle.failed(username, address)
        raise NotAuthorizedException("用户名或密码错误")
    state.throttle.succeeded(username, address)
    return user


def change_password(request: Any, username: str, new_password: str, current_password: str | None) -> Any:
    """Change one's own password (the current one must be given: a session
    left open is not enough), or reset another user's as administrator.
    Returns the ledger's result of recording it."""
    from ledger.commands import Context
    from ledger.directory.commands import RecordPasswordSet

    state = request.app.state
    me: AuthUser = request.user
    if username == me.username:
        address = client_address(request)
        state.throttle.check(username, address)
        if not current_password or not state.credentials.verify(username, current_password):
            state.throttle.failed(username, address)
            raise InvalidInput.one("current_password", "wrong_password", "当前密码不正确")
    elif me.role is not Role.ADMINISTRATOR:
        raise NotAllowed("只能修改自己的密码", code="own_password_only")
    state.ledger.get_user(username)
    check_password(new_password)
    state.credentials.set_password(username, new_password)
    ctx = Context(actor=me.actor, request_id=secrets.token_hex(16))
    return state.ledger.record_password_set(ctx, RecordPasswordSet(username=username))


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput.one("new_password", "password_too_short", f"密码至少{MIN_PASSWORD}位")


class LoginThrottle:
    """Failed logins in FAILURE_WINDOW: at most MAX_FAILURES per username from
    one client address (so that guessing from elsewhere cannot lock a clerk
    out of her own PC), and MAX_ADDRESS_FAILURES per address over all
    usernames (so that one address cannot spray guesses). Memory is bounded:
    each key keeps at most its limit of timestamps, and at most
    ``max_keys`` keys are kept, the least recently failed forgotten first."""

    def __init__(self, max_keys: int = MAX_THROTTLED_KEYS) -> None:
        self._failures: OrderedDict[tuple[str, ...], deque[float]] = OrderedDict()
        self._max_keys = max_keys
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[tuple[str, ...], int], ...]:
        return ((("user", username, address), MAX_FAILURES), (("address", address), MAX_ADDRESS_FAILURES))

    def check(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, limit in self._keys(username, address):
                window = self._recent(key, now)
                if window is not None and len(window) >= limit:
                    wait = int(window[0] + FAILURE_WINDOW - now) + 1
                    raise TooManyAttempts(f"登录失败次数过多，请{wait // 60 + 1}分钟后再试")

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, limit in self._keys(username, address):
                window = self._recent(key, now)
                if window is None:
                    window = self._failures[key] = deque(maxlen=limit)
                window.append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > self._max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop(("user", username, address), None)

    def __len__(self) -> int:
        return len(self._failures)

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float] | None:
        window = self._failures.get(key)
        if window is None:
            return None
        while window and window[0] < now - FAILURE_WINDOW:
            window.popleft()
        if not window:
            del self._failures[key]
            return None
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


def admitted(user: Any, generation: Any, path: str) -> AuthUser:
    """The user a token or session admits, or why it no longer does: the
    user was disabled, or the password changed since it was issued (its
    ``generation`` is the user's count of password changes then); a user whose
    password an administrator reset may only choose a new one."""
    if not user.can_sign_in:
        raise NotAuthorizedException("用户已停用或尚待确认")
    if generation != user.credential_generation:
        raise NotAuthorizedException("密码已更改，请重新登录")
    if user.must_change_password and path not in OPEN_BEFORE_NEW_PASSWORD:
        raise NotAllowed("管理员已重置您的密码，请先修改密码", code="password_change_required")
    return AuthUser(username=user.username, display_name=user.display_name, role=user.role, unit=user.unit)


async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthUser | None:
    """Each request checks the user, so a disabled user is out at once (in
    another process of the same store: within ``LEDGER_USER_CACHE_SECONDS``)."""
    ledger = connection.app.state.ledger
    try:
        user = ledger.current_user(token.sub)
    except NotFound:
        raise NotAuthorizedException("用户不存在") from None
    return admitted(user, token.extras.get("gen"), connection.scope["path"])
