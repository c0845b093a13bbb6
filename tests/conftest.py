"""Shared fixtures: stores on SQLite and on a real PostgreSQL server.

PostgreSQL tests use ``LEDGER_TEST_PG_DSN`` (default: the local server).
When it is unreachable they skip — unless ``LEDGER_REQUIRE_PG=1`` (as in CI),
when they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from ledger.application import Ledger
from ledger.settings import Settings
from ledger.store.migrate import migrate
from tests.builders import fixed_clock

PG_DSN = os.environ.get("LEDGER_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("LEDGER_REQUIRE_PG", "") in ("1", "yes", "true")


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as e:
        return str(e)


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    problem = _pg_available()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (LEDGER_REQUIRE_PG=1) but unreachable at {PG_DSN}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {PG_DSN}: {problem}")
    return PG_DSN


@pytest.fixture
def pg_settings(pg_dsn: str) -> Iterator[Settings]:
    """A fresh schema, migrated, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    settings = Settings(backend="postgres", dsn=pg_dsn, pg_schema=schema)
    migrate(settings)
    yield settings
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def sqlite_settings(tmp_path) -> Settings:
    settings = Settings(backend="sqlite", sqlite_path=str(tmp_path / "ledger.sqlite3"))
    migrate(settings)
    return settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request) -> Settings:
    name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    return request.getfixturevalue(name)


@pytest.fixture
def ledger(store_settings: Settings) -> Iterator[Ledger]:
    """The application on SQLite and on PostgreSQL."""
    app = Ledger(store_settings, clock=fixed_clock())
    yield app
    app.close()


@pytest.fixture
def memory_ledger() -> Iterator[Ledger]:
    """The application on the library's in-memory store, for fast rule tests."""
    app = Ledger(Settings(backend="sqlite"), env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=fixed_clock())
    yield app
    app.close()
