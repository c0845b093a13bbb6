"""Outages are answered (issue 20, point 1), against the suite's real PostgreSQL.

The app reaches PostgreSQL through a TCP proxy in this process
(tests/tcp_proxy.py): silenced, the database does not answer; stopped, it
refuses; started again, it is back — and the same app, without a restart,
answers again. A private role whose sessions are read-only stands for a
standby. The LISTEN connections are killed with pg_terminate_backend.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ledger.application import Ledger
from ledger.settings import Settings
from ledger.store.outage import READ_ONLY, UNREACHABLE
from projections.cases import CasesProjection
from projections.supervise import RunnerThreads
from tests.builders import REGISTRAR, book_cmd, ctx
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

BOUND = 2.0  # LEDGER_DB_TIMEOUT for these tests (libpq's connect timeout is at least 2 s)
SLACK = 1.5  # what the answer may take beyond the bound (a retry's pause, the request itself)


def _until(check: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {check}")
        time.sleep(every)


def _head(dsn: str, schema: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(
            sql.SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}.ledger_events").format(sql.Identifier(schema))
        ).fetchone()[0]


def _timed(fn: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = fn()
    return r, time.monotonic() - started


def _unavailable(r: httpx.Response, code: str = "database_unavailable") -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) >= 1
    if r.headers["content-type"].startswith("application/json"):
        body = r.json()
        assert body["code"] == code
        assert "稍后重试" in body["message"]


@pytest.fixture
def proxy(pg_dsn: str) -> Iterator[TcpProxy]:
    target = conninfo_to_dict(pg_dsn)
    proxy = TcpProxy((str(target.get("host", "127.0.0.1")), int(target.get("port", 5432)))).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxied_api(pg_settings: Settings, proxy: TcpProxy, make_api: Callable[..., Any]) -> Iterator[Api]:
    settings = Settings(backend="postgres", dsn=proxy.dsn(pg_settings.dsn), pg_schema=pg_settings.pg_schema,
                        db_timeout=BOUND)
    with make_api(settings) as api:
        yield api


def test_an_unreachable_database_is_answered_503_within_the_bound_and_the_app_recovers_without_restart(
    proxied_api: Api, proxy: TcpProxy, pg_settings: Settings
) -> None:
    api = proxied_api
    first = api.book()  # also starts the cache's listener
    _until(lambda: api.client.get("/health").json()["listener"] == "listening", 10)
    api.token(p.DISPATCHER)
    head = _head(pg_settings.dsn, pg_settings.pg_schema)
    assert head == first["notification_id"]

    proxy.silence()  # a server that does not answer: every wait ends at the bound
    time.sleep(1.2)  # past the token cache (LEDGER_USER_CACHE_SECONDS): authentication asks the store too
    attempts = {
        "a command": lambda: api.post(p.REGISTRAR, "/cases", p.book()),
        "a command with an Idempotency-Key": lambda: api.post(
            p.REGISTRAR, "/cases", p.book(), headers={"Idempotency-Key": "outage-1"}),
        "a read": lambda: api.get(p.DISPATCHER, "/registry"),
        "a public page": lambda: api.client.get("/public/guidance-matters"),
    }
    for what, attempt in attempts.items():
        r, took = _timed(attempt)
        _unavailable(r)
        assert took < BOUND + SLACK, f"{what} took {took:.1f} s"
    page = api.client.get("/public/guidance-matters")
    assert page.headers["content-type"].startswith("text/html")
    assert "数据库暂时无法连接" in page.text and "请稍后刷新页面" in page.text

    health, took = _timed(lambda: api.client.get("/health"))
    assert took < BOUND + SLACK
    report = health.json()
    assert report["status"] == "degraded"
    assert report["database"]["status"] == UNREACHABLE and report["database"]["reason"].startswith("数据库暂时无法连接")
    assert "database unreachable" in report["reasons"]
    assert report["listener"] == "polling"  # its connection was cut: the cache is not trusted meanwhile

    proxy.stop()  # refused at once
    r, took = _timed(lambda: api.post(p.REGISTRAR, "/cases", p.book()))
    _unavailable(r)
    assert took < BOUND + SLACK

    assert _head(pg_settings.dsn, pg_settings.pg_schema) == head  # nothing written, not half of anything

    proxy.start()  # the database is back: the same app answers again
    def booked() -> dict[str, Any] | None:
        r = api.post(p.REGISTRAR, "/cases", p.book(), headers={"Idempotency-Key": "outage-1"})
        return r.json() if r.status_code == 201 else None

    again = _until(booked, 15, every=0.5)
    assert again["notification_id"] > head
    # the key claimed during the outage was released (nothing had been written), so the retry ran once
    assert _head(pg_settings.dsn, pg_settings.pg_schema) == again["notification_id"]
    # the projection runners reconnected by themselves: the registry shows the new case
    registry = _until(lambda: (r := api.get(p.DISPATCHER, "/registry", params={"wait_for": again["notification_id"]}))
                      .status_code == 200 and r.json(), 30, every=0.5)
    assert again["case_id"] in {row["case_id"] for row in registry}
    healthy = _until(lambda: (h := api.client.get("/health").json())["status"] == "ok" and h, 40, every=0.5)
    assert healthy["database"]["status"] == "ok" and healthy["listener"] == "listening"


@pytest.fixture
def private_role(pg_dsn: str) -> Iterator[str]:
    """A login role of this test alone (sessions of it can be made read-only)."""
    role = f"t_ro_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN SUPERUSER").format(sql.Identifier(role)))
    yield role
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        conn.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _read_only(pg_dsn: str, role: str, on: bool) -> None:
    """Every new session of ``role`` read-only (as on a standby), or not;
    its open sessions are ended so that the pools reconnect with it."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        if on:
            conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(sql.Identifier(role)))
        else:
            conn.execute(sql.SQL("ALTER ROLE {} RESET default_transaction_read_only").format(sql.Identifier(role)))
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))


def test_a_read_only_database_is_answered_503_not_500(
    pg_settings: Settings, private_role: str, make_api: Callable[..., Any]
) -> None:
    dsn = make_conninfo(pg_settings.dsn, user=private_role)
    settings = Settings(backend="postgres", dsn=dsn, pg_schema=pg_settings.pg_schema, db_timeout=BOUND)
    with make_api(settings) as api:
        api.book()
        head = _head(pg_settings.dsn, pg_settings.pg_schema)
        _read_only(pg_settings.dsn, private_role, True)
        for headers in ({}, {"Idempotency-Key": "read-only-1"}):
            r, took = _timed(lambda h=headers: api.post(p.REGISTRAR, "/cases", p.book(), headers=h))
            _unavailable(r, "database_read_only")
            assert "只读" in r.json()["message"] and took < BOUND + SLACK
        report = api.client.get("/health").json()
        assert report["status"] == "degraded" and report["database"]["status"] == READ_ONLY
        assert _head(pg_settings.dsn, pg_settings.pg_schema) == head

        _read_only(pg_settings.dsn, private_role, False)
        again = _until(lambda: (r := api.post(p.REGISTRAR, "/cases", p.book(), headers={"Idempotency-Key": "read-only-1"}))
                       .status_code == 201 and r.json(), 15, every=0.5)
        assert _head(pg_settings.dsn, pg_settings.pg_schema) == again["notification_id"]


def _terminate(dsn: str, pid: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_a_lost_listen_connection_falls_back_to_polling_and_the_views_stay_fresh(pg_settings: Settings) -> None:
    ledger = Ledger(pg_settings)
    runners = RunnerThreads(pg_settings, {"cases": CasesProjection}).start()
    try:
        runner = runners.runners["cases"]
        _until(lambda: runner.listening, 10)
        assert runners.status()["polling"] == []
        listened_on = runner.listener_pid
        _terminate(pg_settings.dsn, listened_on)
        _until(lambda: not runner.listening, 5, every=0.02)
        assert runners.status()["polling"] == ["cases"]  # what /health shows
        booked = ledger.execute(ctx(REGISTRAR), book_cmd())
        # polled: the view gets the new case although no notification can reach the runner
        _until(lambda: runner.position() >= booked.notification_id, 3, every=0.05)
        assert runner.error is None and runners.restarts["cases"] == 0  # not restarted: it polled
        _until(lambda: runner.listening, 10)  # and it listens again by itself
        assert runner.listener_pid != listened_on and runners.status()["polling"] == []

        # the cache's listener: reconnects by itself; meanwhile nothing cached is trusted
        freshness = ledger.freshness
        assert freshness is not None
        ledger.calendar(for_update=False)  # a load through the cache starts its listener
        _until(lambda: freshness.listening and freshness.backend_pid, 10)
        cached_on = freshness.backend_pid
        _terminate(pg_settings.dsn, cached_on)
        _until(lambda: freshness.listening and freshness.backend_pid != cached_on, 10, every=0.05)
    finally:
        runners.stop()
        ledger.close()
