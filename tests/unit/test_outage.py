"""Which errors mean the database cannot serve (503), the bound's setting, and
the recorder's retry that ends at the bound (ledger/store/outage.py)."""

from __future__ import annotations

import time

import psycopg
import pytest
from eventsourcing.persistence import InternalError, OperationalError, ProgrammingError
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from ledger.settings import Settings
from ledger.store.outage import FULL, READ_ONLY, UNREACHABLE, no_connection, outage_of, retry_after, within


def test_outages_are_told_from_other_errors() -> None:
    assert outage_of(PoolTimeout("couldn't get a connection after 2.00 sec")) == UNREACHABLE
    assert outage_of(psycopg.OperationalError("connection refused")) == UNREACHABLE
    assert outage_of(OperationalError("server closed the connection unexpectedly")) == UNREACHABLE
    assert outage_of(pg_errors.AdminShutdown("terminating connection due to administrator command")) == UNREACHABLE
    assert outage_of(pg_errors.DiskFull("could not extend file: No space left on device")) == FULL
    assert outage_of(pg_errors.TooManyConnections("sorry, too many clients already")) == FULL
    assert outage_of(pg_errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction")) == READ_ONLY
    try:  # wrapped by the library, as the group commit does: the cause tells
        try:
            raise pg_errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction")
        except psycopg.Error as e:
            raise InternalError(str(e)) from e
    except InternalError as wrapped:
        assert outage_of(wrapped) == READ_ONLY
    # not outages: they keep their own status (409, 500)
    assert outage_of(pg_errors.UniqueViolation("duplicate key")) is None
    assert outage_of(pg_errors.SerializationFailure("could not serialize")) is None
    assert outage_of(ProgrammingError("syntax error")) is None
    assert outage_of(ValueError("a bug")) is None


def test_retry_after_is_a_whole_number_of_seconds() -> None:
    assert retry_after(UNREACHABLE, 0.3) == 1
    assert retry_after(UNREACHABLE, 5.0) == 5
    assert retry_after(READ_ONLY, 5.0) == 30


def test_the_bound_is_a_positive_number_of_seconds_and_bounds_every_connection() -> None:
    assert Settings.from_env({}).db_timeout == 5.0
    assert Settings.from_env({}).idempotency_days == 7.0
    settings = Settings.from_env({"LEDGER_DSN": "postgresql://u@h/d", "LEDGER_DB_TIMEOUT": "2.5"})
    assert settings.db_timeout == 2.5 and Settings.from_env(settings.to_env()) == settings
    assert settings.pg_connect_kwargs()["connect_timeout"] == 3 and settings.pg_connect_kwargs()["tcp_user_timeout"] == 2500
    assert Settings.from_env({"LEDGER_DB_TIMEOUT": "0.5"}).pg_connect_kwargs()["connect_timeout"] == 2  # libpq's least
    assert settings.eventsourcing_env()["POSTGRES_CONNECT_TIMEOUT"] == "3"
    assert settings.request_bound == 30.0 and Settings(backend="sqlite", db_timeout=10).request_bound == 120.0
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ValueError, match="LEDGER_DB_TIMEOUT"):
            Settings.from_env({"LEDGER_DB_TIMEOUT": bad})
    with pytest.raises(ValueError, match="LEDGER_IDEMPOTENCY_DAYS"):
        Settings.from_env({"LEDGER_IDEMPOTENCY_DAYS": "0"})


class _Store:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls, self.checked = failures, error, 0, 0

    @within(lambda self: 0.5, wait=0.05, on_lost=lambda self: setattr(self, "checked", self.checked + 1))
    def read(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "rows"


def test_a_lost_connection_is_retried_until_the_bound_then_given_up() -> None:
    store = _Store(3, OperationalError("server closed the connection unexpectedly"))
    assert store.read() == "rows" and store.calls == 4 and store.checked == 1  # the pool checked once

    down = _Store(10**6, OperationalError("connection refused"))
    started = time.monotonic()
    with pytest.raises(OperationalError):
        down.read()
    assert 0.4 < time.monotonic() - started < 0.8  # about one bound, not ten tries of the pool's timeout

    read_only = _Store(10**6, OperationalError("cannot execute INSERT in a read-only transaction"))
    with pytest.raises(OperationalError):
        read_only.read()
    assert read_only.calls == 1  # the server answered: no point trying again


def test_only_a_missing_connection_fails_the_saves_queued_behind_it() -> None:
    def wrapped(cause: BaseException) -> OperationalError:
        try:
            raise OperationalError(str(cause)) from cause
        except OperationalError as e:
            return e

    assert no_connection(wrapped(PoolTimeout("couldn't get a connection after 2.00 sec")))
    assert no_connection(wrapped(psycopg.OperationalError("connection refused")))
    assert not no_connection(wrapped(pg_errors.LockNotAvailable("canceling statement due to lock timeout")))
    assert not no_connection(wrapped(pg_errors.UniqueViolation("duplicate key")))
    assert not no_connection(ValueError("not a database error"))
