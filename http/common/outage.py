"""Outages answered: 503 with ``Retry-After`` instead of a hang or a 500,
and ``/health`` saying what is degraded.

Which errors are outages is ``ledger.store.outage``'s to say (an unreachable,
read-only or full database); any other error of the store stays a 500,
logged. The API gets the usual error body (``ErrorBody``: code, Chinese
message); the workbench's pages (``/w/…``, sign-in, the public pages) get a
readable page. Either way nothing was written: a save is all or nothing, and
an Idempotency-Key claim is released or resolved on the retry
(http/common/idempotency.py).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from litestar import MediaType, Request, Response
from litestar.response import Template

from ledger.settings import Settings
from ledger.store.outage import MESSAGES, outage_of, retry_after
from ledger.store.sql import ViewDB
from ledger_http.common.errors import ErrorBody

log = logging.getLogger(__name__)

CODES = {"unreachable": "database_unavailable", "read_only": "database_read_only", "full": "database_full"}
TITLES = {"unreachable": "数据库暂时无法连接", "read_only": "数据库只读", "full": "数据库空间已满"}
PAGE_MESSAGES = {
    "unreachable": "本次请求未执行，没有保存任何内容。请稍后刷新页面，或返回上一页再试。",
    "read_only": "数据库当前为只读状态（维护或切换中），本次请求没有保存任何内容。请稍后刷新页面，或返回上一页再试。",
    "full": "数据库存储空间或资源已满，本次请求没有保存任何内容。请联系系统管理员。",
}
PAGE_PREFIXES = ("/w/", "/public/")
PAGE_PATHS = ("/", "/w", "/login", "/logout")


class Outages:
    """The app's view of the database: the last outage a request met, and a
    probe for ``/health`` (bounded by ``Settings.db_timeout``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = ViewDB(settings)
        self._mutex = threading.Lock()
        self.last: tuple[str, float] | None = None  # kind, monotonic time
        self.answered = 0  # requests answered 503 (for tests and /health)

    def met(self, kind: str) -> None:
        with self._mutex:
            self.last = (kind, time.monotonic())
            self.answered += 1

    def probe(self) -> dict[str, Any]:
        """``ok``, or the kind of outage and why, as the database answers now."""
        started = time.monotonic()
        try:
            with self.db.reading() as cur:
                if self.settings.backend == "postgres":
                    read_only = cur.scalar("SELECT current_setting('transaction_read_only')") == "on"
                    if read_only:
                        return {"status": "read_only", "reason": MESSAGES["read_only"]}
                else:
                    cur.scalar("SELECT 1")
        except Exception as e:  # noqa: BLE001 - reported, not raised: /health must answer
            kind = outage_of(e) or "error"
            return {"status": kind, "reason": MESSAGES.get(kind, "数据库出错"), "error": f"{type(e).__name__}: {e}"[:300]}
        return {"status": "ok", "ms": round((time.monotonic() - started) * 1000, 1)}

    def close(self) -> None:
        self.db.close()


def health_report(state: Any) -> dict[str, Any]:
    """``/health``: ok or degraded, and why (the database, the freshness
    listener of the aggregate cache, the projection runners)."""
    outages: Outages = state.outages
    database = outages.probe()
    reasons: list[str] = []
    if database["status"] != "ok":
        reasons.append(f"database {database['status']}")
    freshness = state.ledger.freshness
    if freshness is None:
        listener = "off"  # SQLite, or no cache: every load asks the store
    elif not state.ledger._freshness_started:
        listener = "idle"  # starts with the first command
    else:
        listener = "listening" if freshness.listening else "polling"
        if listener == "polling":
            reasons.append("cache listener polling (LISTEN lost; every load asks the store)")
    projections = state.projections()
    if projections.get("failing"):
        reasons.append("projections failing: " + ", ".join(projections["failing"]))
    if projections.get("polling"):
        reasons.append("projections polling (LISTEN lost): " + ", ".join(projections["polling"]))
    if projections.get("mode") == "process" and not projections.get("running", True):
        reasons.append("projector process not running")
    report: dict[str, Any] = {"status": "degraded" if reasons else "ok", "database": database,
                              "listener": listener, "projections": projections}
    if reasons:
        report["reasons"] = reasons
    return report


def _is_page(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return path in PAGE_PATHS or path.startswith(PAGE_PREFIXES)


def store_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """An error of the store: 503 when it is an outage, else 500 (logged)."""
    kind = outage_of(exc)
    if kind is None:
        log.error("store error on %s %s", request.method, request.url.path, exc_info=exc)
        return Response({"status_code": 500, "detail": "Internal Server Error"}, status_code=500)
    settings: Settings = request.app.state.settings
    state = request.app.state
    if "outages" in state:
        state.outages.met(kind)
    log.warning("database %s on %s %s: %s", kind, request.method, request.url.path, exc)
    headers = {"Retry-After": str(retry_after(kind, settings.db_timeout))}
    if _is_page(request):
        return Template(
            template_name="message.html",
            context={"user": None, "menu": [], "path": request.url.path, "title": TITLES[kind],
                     "message": PAGE_MESSAGES[kind]},
            status_code=503, headers=headers, media_type=MediaType.HTML,
        )
    return Response(ErrorBody(code=CODES[kind], message=MESSAGES[kind]), status_code=503, headers=headers)


# The store's errors, whoever raised them: psycopg (views, credentials,
# idempotency), the library's (commands), SQLite busy beyond its timeout.
STORE_ERRORS = {psycopg.Error: store_error, PersistenceError: store_error, sqlite3.OperationalError: store_error}
