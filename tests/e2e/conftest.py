"""Fixtures for the end-to-end tests: the real Litestar app over a migrated
store, its projection runners started (``TestClient`` as a context manager),
the demo users seeded, and a small client that logs in as any of them.

The ledger runs on the real clock, so request bodies omit ``business_time``
(the server's now) or give past times.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.application import Ledger
from ledger.demo import DEMO_PASSWORD, seed_demo
from ledger.settings import Settings
from ledger.store.migrate import migrate
from ledger_http.app import create_app

PG_SECRET = "e2e-test-secret-not-for-production-0123456789"


class Api:
    """The app, its ledger and a client; ``as_(username)`` logs in once per user."""

    def __init__(self, client: TestClient, app: Litestar, ledger: Ledger, settings: Settings) -> None:
        self.client = client
        self.app = app
        self.ledger = ledger
        self.settings = settings
        self._tokens: dict[str, str] = {}

    # ---------------------------------------------------------------- auth

    def login(self, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        return self.client.post("/auth/login", json={"username": username, "password": password})

    def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        if username not in self._tokens:
            r = self.login(username, password)
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["access_token"]
        return self._tokens[username]

    def headers(self, username: str | None, **extra: str) -> dict[str, str]:
        h = dict(extra)
        if username is not None:
            h["Authorization"] = f"Bearer {self.token(username)}"
        return h

    # ------------------------------------------------------------- requests

    def get(self, username: str | None, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers(username), **kw.pop("headers", {})}
        return self.client.get(path, headers=headers, **kw)

    def post(self, username: str | None, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        headers = {**self.headers(username), **kw.pop("headers", {})}
        return self.client.post(path, json=json, headers=headers, **kw)

    def ok(self, username: str, path: str, json: Any = None, status: int = 200, **kw: Any) -> dict[str, Any]:
        """POST a command that must succeed; returns its CommandResult."""
        r = self.post(username, path, json, **kw)
        assert r.status_code == status, f"{path}: {r.status_code} {r.text}"
        return r.json()

    # --------------------------------------------------------------- helpers

    def head(self) -> int:
        """The position of the last event in the ledger's notification log."""
        return self.ledger.recorder.max_notification_id() or 0

    def book(self, **over: Any) -> dict[str, Any]:
        from tests.e2e import payloads as p

        return self.ok(p.REGISTRAR, "/cases", p.book(**over), status=201)


@contextmanager
def running_api(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, *, seed: bool = True, **app_kwargs: Any
) -> Iterator[Api]:
    if settings.backend == "postgres":
        monkeypatch.setenv("LEDGER_SECRET", PG_SECRET)  # required on PostgreSQL
    else:
        monkeypatch.delenv("LEDGER_SECRET", raising=False)  # a secret file beside the SQLite store
    monkeypatch.delenv("LEDGER_TOKEN_HOURS", raising=False)
    ledger = Ledger(settings)
    try:
        app = create_app(settings, ledger=ledger, **app_kwargs)
        if seed:
            seed_demo(ledger, app.state.credentials)
        with TestClient(app) as client:
            yield Api(client, app, ledger, settings)
    finally:
        ledger.close()


@pytest.fixture
def make_api(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``with make_api(settings, token_hours=…) as api:`` for a custom app."""
    return lambda settings, **kw: running_api(settings, monkeypatch, **kw)


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite store with the demo users and case, made once per
    session (argon2 hashing and migrations take seconds); tests get a copy."""
    path = tmp_path_factory.mktemp("seeded") / "ledger.sqlite3"
    settings = Settings(backend="sqlite", sqlite_path=str(path))
    migrate(settings)
    ledger = Ledger(settings)
    try:
        app = create_app(settings, ledger=ledger, projections="off")
        seed_demo(ledger, app.state.credentials)
        app.state.views.close()
        app.state.credentials.close()
        app.state.idempotency.close()
    finally:
        ledger.close()
    return path


@pytest.fixture
def api(seeded_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The app on a fresh copy of the seeded SQLite store."""
    target = tmp_path / "ledger.sqlite3"
    with closing(sqlite3.connect(seeded_sqlite)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    with running_api(Settings(backend="sqlite", sqlite_path=str(target)), monkeypatch, seed=False) as a:
        yield a


@pytest.fixture
def store_api(store_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The app on SQLite and on PostgreSQL, demo users seeded."""
    with running_api(store_settings, monkeypatch) as a:
        yield a
