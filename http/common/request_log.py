"""Every request once: its request id, its metrics, its log line, and — when
it showed resident IDs in full — its row in the access log.

``request_log`` is the app's outermost own middleware (ledger_http.app). It

- takes the client's ``X-Request-ID`` (a safe token of at most 64 characters)
  or makes one, hands it on to the handlers (a command's events carry it:
  ``commanding.execute`` reads the header) and returns it on the response;
- times the request and counts it by route template and status
  (ledger_http.metrics);
- writes one log line per request (JSON with ``LEDGER_LOG_FORMAT=json``);
- watches the one masking rule (``ledger.scope.DISCLOSURE``): if the response
  showed an unmasked resident ID, its row is appended to the access log
  (ledger/store/access_log.py) *before* the response leaves; if the log
  cannot be written, the response is refused with 503 rather than shown
  unrecorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from litestar._asgi.utils import wrap_in_exception_handler

from ledger.scope import DISCLOSURE, Disclosure
from ledger.store.access_log import Access, masked_text, utc_now

log = logging.getLogger("ledger.requests")

REQUEST_ID: ContextVar[str | None] = ContextVar("ledger_request_id", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
LOG_UNAVAILABLE = json.dumps(
    {"code": "access_log_unavailable", "message": "个人信息访问记录暂时无法写入，含完整身份证号的内容暂不提供，请稍后重试"},
    ensure_ascii=False,
).encode("utf-8")


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _SAFE_ID.match(text) else None
    return None


def _who(scope: dict[str, Any], state: Any = None) -> tuple[str, str]:
    """The account and unit of the request: the bearer token's user (API),
    or the page session's account (its unit looked up with ``state``: the
    directory's cached read every page makes anyway)."""
    user = scope.get("user")
    if user is not None and hasattr(user, "username"):
        return user.username, user.unit
    session = scope.get("session")
    if isinstance(session, dict) and session.get("u"):
        username, unit = str(session["u"]), ""
        if state is not None:
            try:
                unit = state.ledger.current_user(username).unit
            except Exception:  # noqa: BLE001 - signed out meanwhile: the account still names who
                pass
        return username, unit
    return "", ""


def request_log(app: Any) -> Any:
    """The middleware (a factory Litestar calls with the next app)."""
    # What is inside raises (the authentication's 401 does) and Litestar's
    # handler at the top would answer past this middleware's ``send``: answer
    # errors inside it instead, as Litestar does itself between a route and
    # the middleware that wraps ``send`` (litestar._asgi.routing_trie.mapping).
    app = wrap_in_exception_handler(app)

    async def middleware(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = list(scope.get("headers") or ())
        rid = request_id_of(headers)
        if rid is None:
            rid = uuid.uuid4().hex
            headers = [(n, v) for n, v in headers if n != b"x-request-id"] + [(b"x-request-id", rid.encode())]
            scope["headers"] = headers
        rid_token = REQUEST_ID.set(rid)
        disclosure = Disclosure()
        disclosure_token = DISCLOSURE.set(disclosure)
        state = scope["app"].state
        outcome: dict[str, Any] = {"status": 500, "recorded": False, "refused": False}

        async def record() -> bool:
            """Append the access row; False if it could not be written."""
            username, unit = await asyncio.to_thread(_who, scope, state)
            access = Access(
                at=utc_now(), username=username, role=disclosure.role or "", unit=unit or disclosure.unit or "",
                method=scope["method"], route=scope.get("path_template") or scope["path"], path=scope["path"],
                query=masked_text(scope.get("query_string", b"").decode("latin-1")),
                record=masked_text(json.dumps({k: str(v) for k, v in (scope.get("path_params") or {}).items()},
                                              ensure_ascii=False, sort_keys=True)),
                status=outcome["status"], request_id=rid,
            )
            try:
                await asyncio.wrap_future(state.access_log.record(access))
                return True
            except Exception:  # noqa: BLE001 - the response is refused instead
                log.exception("access log not written; response refused")
                return False

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (b"x-request-id", rid.encode())]}
                if disclosure.shown and message["status"] < 400 and not outcome["recorded"]:
                    outcome["recorded"] = True
                    if not await record():
                        outcome["refused"], outcome["status"] = True, 503
                        await send({"type": "http.response.start", "status": 503, "headers": [
                            (b"content-type", b"application/json"), (b"retry-after", b"5"),
                            (b"x-request-id", rid.encode())]})
                        await send({"type": "http.response.body", "body": LOG_UNAVAILABLE})
                        return
            elif message["type"] == "http.response.body":
                if outcome["refused"]:
                    return
                # a streamed export may decide to unmask while it streams: log before the chunk leaves
                if disclosure.shown and outcome["status"] < 400 and not outcome["recorded"]:
                    outcome["recorded"] = True
                    if not await record():
                        raise RuntimeError("access log not written: the export is cut off")
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or "(unmatched)"
            metrics = getattr(state, "metrics", None)
            if metrics is not None:
                metrics.observe_request(scope["method"], route, outcome["status"], seconds)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %s %.1f ms", scope["method"], scope["path"], outcome["status"], seconds * 1000,
                    extra={"method": scope["method"], "route": route, "path": scope["path"], "status": outcome["status"],
                           "duration_ms": round(seconds * 1000, 2), "user": _who(scope)[0] or None,
                           "disclosed": outcome["recorded"]},
                )
            DISCLOSURE.reset(disclosure_token)
            REQUEST_ID.reset(rid_token)

    return middleware


def outermost(app_config: Any) -> Any:
    """An ``on_app_init`` hook that puts ``request_log`` before every other
    middleware — the authentication's too, which inserts itself first — so
    that a refused token (401) is counted, logged and given its request id."""
    app_config.middleware.insert(0, request_log)
    return app_config


# ------------------------------------------------------------------ logging

# Attributes every LogRecord has; the others were passed as ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the
    request id of the request being served, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = REQUEST_ID.get()
        if rid is not None:
            out["request_id"] = rid
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def log_config(fmt: str) -> dict[str, Any]:
    """uvicorn's ``log_config`` for ``ledger serve``: ``json`` (one object a
    line, for a log shipper) or ``text``. In JSON mode uvicorn's own access
    lines are off: ``ledger.requests`` writes one line per request with the
    route, status, duration and request id."""
    if fmt not in ("json", "text"):
        raise ValueError(f"LEDGER_LOG_FORMAT must be json or text, got {fmt!r}")
    formatter = {"()": JsonFormatter} if fmt == "json" else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["main"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [] if fmt == "json" else ["main"], "level": "INFO", "propagate": False},
            "ledger": {"handlers": ["main"], "level": "INFO", "propagate": False},
            # one line per request: JSON only (in text mode uvicorn's access line says it)
            "ledger.requests": {"handlers": ["main"], "level": "INFO" if fmt == "json" else "WARNING", "propagate": False},
            "projections": {"handlers": ["main"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["main"], "level": "WARNING"},
    }
