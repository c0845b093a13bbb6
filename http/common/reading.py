"""Reading helpers every slice's reads share: the caller's scope (the one
rule of ``ledger.scope``), read-your-writes (``wait_for``), the cut-off of an
as-of read, and CSV and XLSX responses with their SHA-256."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Request, Response

from ledger.errors import Conflict, InvalidInput
from ledger.scope import Reach, Scope, scope_for
from ledger.values import CST
from ledger_http.common.auth import AuthUser
from projections import workbook
from projections.rebuild import content_hash, resolve_cutoff
from projections.runner import wait_for as wait_for_views

AnyRequest = Request[AuthUser, Any, Any]
WAIT_SECONDS = 5.0


def scope_of(request: AnyRequest, reach: Reach = Reach.CASES) -> Scope:
    """The caller's scope over one kind of data (``ledger.scope``: the one rule)."""
    return scope_for(request.user.role, request.user.unit, reach)


def wait_for_reads(request: AnyRequest, views: tuple[str, ...], notification_id: int | None) -> None:
    """Read your own writes: wait (bounded) until the views reach the command's notification."""
    if notification_id is not None and not wait_for_views(
        request.app.state.settings, views, notification_id, WAIT_SECONDS
    ):
        raise Conflict(f"读模型{WAIT_SECONDS:.0f}秒内未更新到通知{notification_id}，请稍后重试")


def cutoff_of(request: AnyRequest, as_of: str) -> int:
    """The notification id an ``as_of`` (ISO time or notification id) cuts at."""
    try:
        cutoff, _ = resolve_cutoff(request.app.state.settings, as_of)
    except (ValueError, OverflowError):
        raise InvalidInput.one("as_of", "invalid_as_of", "as_of 应为 ISO 8601 时间或通知序号") from None
    return cutoff


def csv_response(data: bytes, headers: dict[str, str]) -> Response[bytes]:
    """A CSV export with its SHA-256 in a header (to cite it in an inspection)."""
    return Response(
        data, media_type="text/csv; charset=utf-8", headers={**headers, "X-Content-SHA256": content_hash(data)}
    )


def attachment(filename: str, fallback: str) -> str:
    """A Content-Disposition naming the file in Chinese (RFC 6266 ``filename*``)
    with an ASCII ``fallback`` for older clients."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(data: bytes, name: str, ascii_name: str, headers: dict[str, str], cutoff: int | None = None) -> Response[bytes]:
    """An Excel export (``projections.workbook``) with its SHA-256, as a
    download named for what it holds and when (the cut-off, or now)."""
    stamp = f"asof-{cutoff}" if cutoff is not None else datetime.now(CST).strftime("%Y%m%d-%H%M")
    disposition = attachment(f"{name}-{stamp}.xlsx", f"{ascii_name}-{stamp}.xlsx")
    return Response(data, media_type=workbook.MEDIA_TYPE,
                    headers={**headers, "X-Content-SHA256": content_hash(data), "Content-Disposition": disposition})
