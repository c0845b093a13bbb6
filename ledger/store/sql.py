"""Connections to the view store, on SQLite or PostgreSQL, with one SQL dialect.

Views live beside the events (the same SQLite file, the same PostgreSQL
schema). SQL is written once with ``%s`` placeholders and portable types
(TEXT, BIGINT, DOUBLE PRECISION); for SQLite the placeholders become ``?``.
Every view's rows and its tracking position commit in one transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool, PoolTimeout

from ledger.settings import Settings

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS view_tracking ("
    " view TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at TEXT NOT NULL)"
)

DDL_LOCK = 7_345_012_001  # the advisory lock the views' DDL takes turns on (PostgreSQL)


@dataclass(frozen=True)
class Table:
    """A view table: columns in order, the key, and secondary indexes."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return _column_names(self.columns)

    def ddl(self, suffix: str = "", keyed: bool = True) -> list[str]:
        """CREATE TABLE (with its primary key unless not ``keyed``: a bulk load
        adds it after, ``add_key``), then CREATE INDEX for each index."""
        cols = ", ".join(f"{c} {t}" for c, t in self.columns)
        key = f", PRIMARY KEY ({', '.join(self.key)})" if keyed else ""
        out = [f"CREATE TABLE IF NOT EXISTS {self.name}{suffix} ({cols}{key})"]
        for idx in self.indexes:
            out.append(
                f"CREATE INDEX IF NOT EXISTS {self.index_name(idx, suffix)} ON {self.name}{suffix} ({', '.join(idx)})"
            )
        return out

    def add_key(self, suffix: str = "") -> str:
        """The primary key added to a table made without it (PostgreSQL),
        named as CREATE TABLE would have named it."""
        key = ", ".join(self.key)
        return f"ALTER TABLE {self.name}{suffix} ADD CONSTRAINT {self.name}{suffix}_pkey PRIMARY KEY ({key})"

    def index_name(self, idx: tuple[str, ...], suffix: str = "") -> str:
        return f"{self.name}{suffix}_{'_'.join(idx)}_idx"

    def insert_sql(self, suffix: str = "") -> str:
        marks = ", ".join(["%s"] * len(self.columns))
        return f"INSERT INTO {self.name}{suffix} ({', '.join(self.column_names)}) VALUES ({marks})"


@lru_cache(maxsize=None)
def _column_names(columns: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(c for c, _ in columns)


def _use_wal(conn: sqlite3.Connection) -> None:
    """WAL mode, which a store keeps once set. Switching needs the database to
    itself and SQLite answers "locked" at once instead of waiting (seen when a
    projector's runners open their first connections together), so the mode is
    read first and the switch retried briefly."""
    for attempt in range(50):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == 49:
                raise
            time.sleep(0.02 * (attempt + 1))


class ViewDB:
    """Opens connections for views and runs portable SQL."""

    def __init__(self, settings: Settings, replica: bool = False) -> None:
        self.settings = settings
        self.backend = settings.backend
        self._pool: ConnectionPool | None = None
        # ``replica``: the queries' reading() connections go to the streaming
        # replica when there is one (LEDGER_READ_DSN; projections/views.py);
        # connect() and its transactions stay on the primary, the one that
        # takes writes, DDL and LISTEN/NOTIFY.
        self.read_dsn = (settings.read_dsn or settings.dsn) if replica else settings.dsn

    # -------------------------------------------------------------- connections

    def connect(self) -> Any:
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.settings.sqlite_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            _use_wal(conn)
            return conn
        # bounded (Settings.db_timeout): an unreachable server fails the caller, not hangs it
        conn = psycopg.connect(self.settings.dsn, autocommit=True, **self.settings.pg_connect_kwargs())
        self._configure(conn)
        return conn

    @contextmanager
    def transaction(self, conn: Any) -> Iterator[Cursor]:
        """One write transaction; on SQLite it takes the write lock at once."""
        if self.backend == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Cursor(self, conn.cursor())
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        else:
            with conn.transaction():
                with conn.cursor() as cur:
                    yield Cursor(self, cur)

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        """A cursor for queries: pooled connections on PostgreSQL, a fresh
        (cheap) connection on SQLite."""
        if self.backend == "sqlite":
            conn = self.connect()
            try:
                yield Cursor(self, conn.cursor())
            finally:
                conn.close()
            return
        if self._pool is None:
            # ``timeout``: how long a query waits for a connection (the server
            # down: 503 after one bound, ledger/store/outage.py). The pool's
            # own reconnection backs off to minutes (1, 2, 4 … s for 5 min);
            # giving up after one bound instead lets each waiting request
            # start a new attempt, so the first request after the server is
            # back gets a connection.
            self._pool = ConnectionPool(
                self.read_dsn, min_size=1, max_size=8,
                kwargs={"autocommit": True, **self.settings.pg_connect_kwargs()},
                configure=self._configure, open=True, timeout=self.settings.db_timeout,
                reconnect_timeout=self.settings.db_timeout,
                # a connection the server ended (a restart, a failover) is replaced before use,
                # instead of failing the request it is handed to (an empty query, ~0.1 ms)
                check=ConnectionPool.check_connection,
            )
        with self._pool.connection() as conn, conn.cursor() as cur:
            yield Cursor(self, cur)

    def wait_for_replica(self, conn: Any) -> bool:
        """Until the read replica has replayed what ``conn`` (on the primary)
        committed, e.g. the views' tables just created, so that the first
        queries find them there; bounded by ``db_timeout``: a replica that is
        down or far behind is the queries' to meet (503), not the caller's.
        Whether it got there (True at once without a replica)."""
        if self.backend != "postgres" or self.read_dsn == self.settings.dsn:
            return True
        lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        deadline = time.monotonic() + self.settings.db_timeout
        try:
            while True:
                with self.reading() as cur:  # NULL: not a standby, nothing to replay
                    if cur.scalar("SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)", (lsn,)):
                        return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)
        except (psycopg.Error, PoolTimeout):
            return False

    def _configure(self, conn: Any) -> None:
        conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.settings.pg_schema)))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def sql(self, statement: str) -> str:
        return statement.replace("%s", "?") if self.backend == "sqlite" else statement

    # ------------------------------------------------------------ event source

    @property
    def events_table(self) -> str:
        return self.settings.events_table

    def notifications_sql(self, with_limit: bool = True) -> str:
        if self.backend == "sqlite":
            stmt = (
                "SELECT rowid, originator_id, originator_version, topic, state, recorded_at "
                "FROM stored_events WHERE rowid > %s AND rowid <= %s ORDER BY rowid"
            )
        else:
            stmt = (
                "SELECT notification_id, originator_id, originator_version, topic, state, "
                "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                "FROM ledger_events WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id"
            )
        return stmt + (" LIMIT %s" if with_limit else "")

    def max_notification_sql(self) -> str:
        if self.backend == "sqlite":
            return "SELECT COALESCE(MAX(rowid), 0) FROM stored_events"
        return "SELECT COALESCE(MAX(notification_id), 0) FROM ledger_events"

    def utc_key(self, moment: str | datetime) -> str:
        """An instant in the exact text form ``recorded_at`` has in this store,
        so that text comparison is time comparison (naive means UTC)."""
        value = datetime.fromisoformat(moment.replace("Z", "+00:00")) if isinstance(moment, str) else moment
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        utc = value.astimezone(timezone.utc)
        if self.backend == "sqlite":
            return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def cutoff_sql(self) -> str:
        """The last notification recorded at or before a UTC instant (ISO text).
        recorded_at never decreases along the notification ids (writers take
        turns: migrations' 0003 and 0001), so it is the highest id among the
        events of the latest recorded_at not after the instant — two lookups
        in the recorded_at index instead of a scan of every event before."""
        if self.backend == "sqlite":
            table, nid, instant = "stored_events", "rowid", "%s"
        else:
            table, nid, instant = "ledger_events", "notification_id", "%s::timestamptz"
        return (f"SELECT COALESCE(MAX({nid}), 0) FROM {table} WHERE recorded_at = "
                f"(SELECT MAX(recorded_at) FROM {table} WHERE recorded_at <= {instant})")


class Cursor:
    """A thin wrapper that speaks ``%s`` on both backends."""

    def __init__(self, db: ViewDB, cursor: Any) -> None:
        self.db = db
        self.cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = (), binary: bool = False) -> Cursor:
        """``binary``: on PostgreSQL fetch results in binary format (bytea as
        raw bytes instead of hex text: much less to send and to parse)."""
        if binary and self.db.backend == "postgres":
            self.cursor.execute(self.db.sql(statement), tuple(params), binary=True)
        else:
            self.cursor.execute(self.db.sql(statement), tuple(params))
        return self

    def create(self, *statements: str) -> None:
        """Run ``CREATE … IF NOT EXISTS`` statements that several starters
        (runner threads, a projector process, a second `ledger project`) may
        run at once on a fresh store. PostgreSQL's IF NOT EXISTS is not safe
        against itself (the loser fails on pg_type's unique index), so there
        they take turns on an advisory lock, held until the transaction ends
        (so the tables are committed before the next one looks), or on a
        connection outside any transaction, around the statements."""
        if self.db.backend != "postgres":
            for statement in statements:
                self.execute(statement)
            return
        if self.cursor.connection.info.transaction_status != pq.TransactionStatus.IDLE:  # in a transaction
            self.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            for statement in statements:
                self.execute(statement)
            return
        self.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
        try:
            for statement in statements:
                self.execute(statement)
        finally:
            self.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))

    def columns(self, table: str) -> set[str]:
        """The columns a table has now (empty if there is no such table)."""
        if self.db.backend == "sqlite":
            return {r[1] for r in self.execute(f"PRAGMA table_info({table})").fetchall()}
        return {
            r[0]
            for r in self.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                (table,),
            ).fetchall()
        }

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(self.db.sql(statement), rows)

    def insert_rows(self, table: Table, rows: Sequence[Sequence[Any]], suffix: str = "") -> None:
        """Bulk insert: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        if self.db.backend == "sqlite":
            self.cursor.executemany(self.db.sql(table.insert_sql(suffix)), rows)
            return
        columns = ", ".join(table.column_names)
        with self.cursor.copy(f"COPY {table.name}{suffix} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.cursor.fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.cursor.fetchone()

    def scalar(self, statement: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(statement, params).fetchone()
        return row[0] if row else None

    def dicts(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.execute(statement, params)
        names = [d[0] for d in self.cursor.description]
        return [dict(zip(names, row)) for row in self.cursor.fetchall()]

    # ------------------------------------------------------------------ tracking

    def position(self, view: str, lock: bool = False) -> int:
        suffix = " FOR UPDATE" if lock and self.db.backend == "postgres" else ""
        value = self.scalar(f"SELECT position FROM view_tracking WHERE view = %s{suffix}", (view,))
        return int(value) if value is not None else 0

    def ensure_tracking(self, view: str, now_iso: str) -> None:
        """Create the view's tracking row (at 0) if missing, so that there is
        always a row for ``position(lock=True)`` to lock."""
        self.execute(
            "INSERT INTO view_tracking (view, position, updated_at) VALUES (%s, 0, %s) ON CONFLICT (view) DO NOTHING",
            (view, now_iso),
        )

    def set_position(self, view: str, position: int, now_iso: str) -> None:
        # UPDATE, never DELETE + INSERT: a runner blocked on this row's lock
        # must see the new position when it wakes, not a vanished row.
        self.execute("UPDATE view_tracking SET position = %s, updated_at = %s WHERE view = %s", (position, now_iso, view))
        if self.cursor.rowcount == 0:
            self.execute(
                "INSERT INTO view_tracking (view, position, updated_at) VALUES (%s, %s, %s)", (view, position, now_iso)
            )


def in_list(values: Sequence[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def where_in(db: ViewDB, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN values``: one array parameter on PostgreSQL (no long SQL to
    parse and plan), a list of placeholders on SQLite."""
    if db.backend == "postgres":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN {in_list(values)}", list(values)


def paging(limit: int | None, offset: int, params: list[Any]) -> str:
    """The page clause of a list query (``limit`` None: every row), its
    values appended to ``params``."""
    if limit is None:
        return ""
    params += [limit, offset]
    return " LIMIT %s OFFSET %s"


def like_literal(text: str) -> str:
    """``text`` for a LIKE pattern with ESCAPE '!': its %, _ and ! match themselves."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
