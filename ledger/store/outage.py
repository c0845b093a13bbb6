"""When the database cannot serve: which errors mean "try again later".

A request that cannot reach the database within ``Settings.db_timeout``
(``LEDGER_DB_TIMEOUT``), or finds it read-only (a standby, or
``default_transaction_read_only``) or full (disk full, out of memory or of
connections), is answered 503 with ``Retry-After`` (http/common/outage.py),
not 500: nothing was written (a save is one transaction, written whole or not
at all) and the same request may simply be sent again.

``outage_of(exc)`` names the kind of outage behind an exception — looking
through the chain of causes, because the library and the group commit wrap
psycopg's errors in their own (``eventsourcing.persistence``) — or None for
an error that is not an outage (a bug, a conflict) and keeps its own status.

``within(seconds)`` retries a store operation on lost connections until a
deadline instead of the library's ten tries (``@retry(max_attempts=10)``, each
waiting up to the pool's timeout: 50 s and more when the server is down).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

F = TypeVar("F", bound=Callable[..., Any])

UNREACHABLE, READ_ONLY, FULL = "unreachable", "read_only", "full"

MESSAGES = {
    UNREACHABLE: "数据库暂时无法连接，本次操作未执行，请稍后重试",
    READ_ONLY: "数据库当前为只读状态（维护或切换中），本次操作未保存，请稍后重试",
    FULL: "数据库存储空间或资源已满，本次操作未保存，请联系管理员后重试",
}

# SQLSTATE classes: 08 connection exception, 53 insufficient resources
# (53100 disk full, 53200 out of memory, 53300 too many connections),
# 57P01-57P03 the server shutting down or starting, 25006 read-only
# transaction, 40001 / 40P01 are conflicts (not outages), 57014 a query
# cancelled by statement_timeout.
_READ_ONLY_STATES = {"25006"}
_FULL_PREFIXES = ("53",)
_UNREACHABLE_STATES = {"57P01", "57P02", "57P03", "57014", "55P03"}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def outage_of(exc: BaseException) -> str | None:
    """``unreachable``, ``read_only`` or ``full`` when ``exc`` (or what caused
    it) says the database cannot serve now; None otherwise."""
    chain = _chain(exc)
    for e in chain:  # the most specific first: a read-only or full server answered
        state = getattr(e, "sqlstate", None)
        if isinstance(e, pg_errors.ReadOnlySqlTransaction) or state in _READ_ONLY_STATES:
            return READ_ONLY
        if isinstance(e, pg_errors.DiskFull) or (state and state.startswith(_FULL_PREFIXES)):
            return FULL
        if "read-only transaction" in str(e):  # translated by the library: only the text is left
            return READ_ONLY
        if "No space left on device" in str(e) or "database or disk is full" in str(e):
            return FULL
    for e in chain:
        state = getattr(e, "sqlstate", None)
        if isinstance(e, (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError)) and (
            state is None or state.startswith("08") or state in _UNREACHABLE_STATES
        ):
            return UNREACHABLE
        if state in _UNREACHABLE_STATES:
            return UNREACHABLE
        if isinstance(e, (OperationalError, InterfaceError)):  # the library's, for a lost connection or timeout
            return UNREACHABLE
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):  # busy beyond its timeout
            return UNREACHABLE
    return None


def no_connection(exc: BaseException) -> bool:
    """The server could not be reached at all (no connection within the
    bound, or the connection broke): not a lock timeout or another answer
    from a server that is there. What queued behind such a failure would
    only wait out the same bound (ledger/store/group_commit.py)."""
    chain = _chain(exc)
    if any(getattr(e, "sqlstate", None) for e in chain if not str(getattr(e, "sqlstate", "")).startswith("08")):
        return False  # the server answered (a lock timeout, a constraint …)
    return any(isinstance(e, (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError)) for e in chain)


def retry_after(kind: str, timeout: float) -> int:
    """Seconds for ``Retry-After``: a restart or a failover takes a while."""
    return max(1, round(timeout)) if kind == UNREACHABLE else 30


def within(
    seconds: Callable[[Any], float], wait: float = 0.2, on_lost: Callable[[Any], None] | None = None
) -> Callable[[F], F]:
    """Retry a recorder method on a lost connection (the library's
    ``InterfaceError``/``OperationalError``) while ``seconds(self)`` have not
    passed since the first try; then let the error through. A stale pooled
    connection after a restart fails at once and the next try gets a new
    one (``on_lost(self)``, after the first failure: e.g. check the pool's
    idle connections, so the others the server ended are not tried one by
    one); a server that is down makes each try wait for the pool's timeout,
    so the call ends about one bound after it began."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def retrying(self: Any, *args: Any, **kwargs: Any) -> Any:
            deadline = time.monotonic() + seconds(self)
            checked = False
            while True:
                try:
                    return fn(self, *args, **kwargs)
                except (InterfaceError, OperationalError) as e:
                    if outage_of(e) in (READ_ONLY, FULL):
                        raise  # the server answered: trying again now changes nothing
                    if on_lost is not None and not checked:
                        checked = True
                        try:
                            on_lost(self)
                        except Exception:  # noqa: BLE001 - only a help for the next try
                            pass
                        time.sleep(0.02)  # let the check take the idle connections out first
                        if time.monotonic() < deadline:
                            continue
                    pause = wait * (1 + 0.1 * (random.random() - 0.5))
                    if time.monotonic() + pause >= deadline:
                        raise
                    time.sleep(pause)

        return retrying  # type: ignore[return-value]

    return decorate
