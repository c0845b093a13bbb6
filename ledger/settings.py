"""Where the ledger is stored, read from the environment once.

- ``LEDGER_DSN`` (e.g. ``postgresql://postgres@127.0.0.1:5432/test``): PostgreSQL,
  the production store; ``LEDGER_PG_SCHEMA`` picks a schema (default ``public``).
  Concurrent saves share transactions (group commit, ledger/store/pg_recorder.py)
  unless ``LEDGER_GROUP_COMMIT=0``, which gives one transaction per save.
  ``LEDGER_READ_DSN`` (PostgreSQL only): a streaming replica the queries read
  the views from (ledger/store/sql.py ``ViewDB(settings, replica=True)``);
  commands and the projection runners stay on ``LEDGER_DSN``.
- otherwise SQLite, the embedded default: the file ``LEDGER_SQLITE``
  (default ``ledger.sqlite3`` in the working directory).
- ``LEDGER_DB_TIMEOUT`` (seconds, default 5): how long a request waits for the
  database (connecting, or a connection from a pool) before it is answered
  503 with ``Retry-After`` (ledger/store/outage.py).
- ``LEDGER_IDEMPOTENCY_DAYS`` (default 7): how long an ``Idempotency-Key``'s
  answer is kept; older keys are purged (lazily, or ``ledger idempotency purge``).
- ``LEDGER_REPORT_DAYS``: how the quarterly register report's periods count
  (seed 004 六: 5 days after a quarter starts, the office's 3 days):
  ``working`` days on the ledger's calendar (the default) or ``calendar`` days.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict

APP_NAME = "Ledger"  # the PostgreSQL event table is therefore `ledger_events`
EVENTS_TABLE = {"postgres": "ledger_events", "sqlite": "stored_events"}
REPORT_DAYS = ("working", "calendar")


@dataclass(frozen=True)
class Settings:
    backend: str  # "sqlite" or "postgres"
    sqlite_path: str = "ledger.sqlite3"
    dsn: str = ""
    pg_schema: str = "public"
    group_commit: bool = True  # PostgreSQL only
    report_days: str = "working"  # or "calendar" (LEDGER_REPORT_DAYS)
    db_timeout: float = 5.0  # seconds (LEDGER_DB_TIMEOUT)
    idempotency_days: float = 7.0  # LEDGER_IDEMPOTENCY_DAYS
    read_dsn: str = ""  # PostgreSQL only: a replica for the views' queries (LEDGER_READ_DSN)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        dsn = env.get("LEDGER_DSN", "").strip()
        report_days = env.get("LEDGER_REPORT_DAYS", "").strip().lower() or "working"
        if report_days not in REPORT_DAYS:
            raise ValueError(f"LEDGER_REPORT_DAYS must be one of {', '.join(REPORT_DAYS)}, got {report_days!r}")
        bounds = {"db_timeout": _positive(env, "LEDGER_DB_TIMEOUT", 5.0),
                  "idempotency_days": _positive(env, "LEDGER_IDEMPOTENCY_DAYS", 7.0)}
        if dsn:
            return cls(
                backend="postgres",
                dsn=dsn,
                pg_schema=env.get("LEDGER_PG_SCHEMA", "public") or "public",
                group_commit=env.get("LEDGER_GROUP_COMMIT", "1").strip().lower() not in ("0", "no", "false", "off"),
                report_days=report_days,
                read_dsn=env.get("LEDGER_READ_DSN", "").strip(),
                **bounds,
            )
        return cls(backend="sqlite", sqlite_path=env.get("LEDGER_SQLITE", "ledger.sqlite3"), report_days=report_days,
                   **bounds)

    def to_env(self) -> dict[str, str]:
        """The environment that gives these settings back through ``from_env``
        (for a child process, such as the projector of ``ledger serve``)."""
        bounds = {"LEDGER_DB_TIMEOUT": repr(self.db_timeout), "LEDGER_IDEMPOTENCY_DAYS": repr(self.idempotency_days)}
        if self.backend == "sqlite":
            return {"LEDGER_DSN": "", "LEDGER_SQLITE": self.sqlite_path, "LEDGER_REPORT_DAYS": self.report_days,
                    **bounds}
        return {"LEDGER_DSN": self.dsn, "LEDGER_PG_SCHEMA": self.pg_schema,
                "LEDGER_GROUP_COMMIT": "1" if self.group_commit else "0", "LEDGER_REPORT_DAYS": self.report_days,
                "LEDGER_READ_DSN": self.read_dsn, **bounds}

    def pg_connect_kwargs(self) -> dict[str, Any]:
        """What every PostgreSQL connection of ours is opened with, so that an
        unreachable or silent server fails within ``db_timeout`` instead of
        hanging: libpq's connect timeout (whole seconds, at least 2: libpq's
        and psycopg's rule) and the TCP user timeout (unacknowledged data on
        an established connection, e.g. a server that vanished mid-query);
        keepalives find a dead idle connection (a LISTEN) within a few bounds."""
        return pg_connect_kwargs(self.db_timeout)

    @property
    def request_bound(self) -> float:
        """Seconds after which a command still unanswered has certainly ended
        (every wait on the store is bounded by ``db_timeout``; a command makes
        a few, plus retries of lost races): an Idempotency-Key claimed longer
        ago and still without its answer was left by a process that died."""
        return max(30.0, 12 * self.db_timeout)

    @property
    def events_table(self) -> str:
        return EVENTS_TABLE[self.backend]

    def eventsourcing_env(self) -> dict[str, str]:
        """The library's own settings. Tables are created by ``migrations/``,
        never by the library (CREATE_TABLE off)."""
        if self.backend == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "10",
                "CREATE_TABLE": "no",
                "APPLICATION_RECORDER_TOPIC": "ledger.store.sqlite_recorder:LedgerSQLiteRecorder",
            }
        params = conninfo_to_dict(self.dsn)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": str(params.get("dbname", "postgres")),
            "POSTGRES_HOST": str(params.get("host", "127.0.0.1")),
            "POSTGRES_PORT": str(params.get("port", "5432")),
            "POSTGRES_USER": str(params.get("user", "postgres")),
            "POSTGRES_PASSWORD": str(params.get("password", "")),
            "POSTGRES_SCHEMA": self.pg_schema,
            "POSTGRES_LOCK_TIMEOUT": "10",
            # the library's pool: how long to wait for a connection (whole
            # seconds); the recorder adds pg_connect_kwargs (ledger/store/pg_recorder.py)
            "POSTGRES_CONNECT_TIMEOUT": str(max(1, math.ceil(self.db_timeout))),
            "POSTGRES_POOL_SIZE": "10",
            "POSTGRES_MAX_OVERFLOW": "20",
            "CREATE_TABLE": "no",
            "APPLICATION_RECORDER_TOPIC": "ledger.store.pg_recorder:"
            + ("GroupCommitPostgresRecorder" if self.group_commit else "LedgerPostgresRecorder"),
        }

    def yoyo_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.sqlite_path}"
        p = conninfo_to_dict(self.dsn)
        auth = quote(str(p.get("user", "postgres")))
        if p.get("password"):
            auth += ":" + quote(str(p["password"]))
        host = f"{p.get('host', '127.0.0.1')}:{p.get('port', '5432')}"
        return f"postgresql+psycopg://{auth}@{host}/{p.get('dbname', 'postgres')}?schema={self.pg_schema}"


def pg_connect_kwargs(timeout: float) -> dict[str, Any]:
    """See ``Settings.pg_connect_kwargs``."""
    return {"connect_timeout": max(2, math.ceil(timeout)), "tcp_user_timeout": int(timeout * 1000),
            "keepalives": 1, "keepalives_idle": max(1, math.ceil(timeout)), "keepalives_interval": 1,
            "keepalives_count": 3}


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {text!r}")
    return value
