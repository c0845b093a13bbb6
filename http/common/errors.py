"""Domain errors → HTTP statuses, with a stable English code and a Chinese message."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec

from ledger import errors as e
from ledger_http.common.auth import TooManyAttempts


class FieldProblem(msgspec.Struct):
    field: str
    code: str
    message: str


class ErrorBody(msgspec.Struct, omit_defaults=True):
    code: str
    message: str
    errors: list[FieldProblem] = []
    current_version: int | None = None


STATUS = (
    (e.InvalidInput, 422),
    (e.NotFound, 404),
    (e.NotAllowed, 403),
    (e.WrongState, 409),
    (e.Conflict, 409),
    (e.Incomplete, 409),
)


def ledger_error(request: Request[Any, Any, Any], exc: e.LedgerError) -> Response[ErrorBody]:
    status = 429 if isinstance(exc, TooManyAttempts) else next((s for cls, s in STATUS if isinstance(exc, cls)), 400)
    body = ErrorBody(code=exc.code, message=exc.message)
    if isinstance(exc, e.InvalidInput):
        body.errors = [FieldProblem(f.field, f.code, f.message) for f in exc.errors]
    if isinstance(exc, e.Conflict):
        body.current_version = exc.current_version
    return Response(body, status_code=status)


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorBody]:
    problems = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            problems.append(
                FieldProblem(
                    field=str(item.get("key") or item.get("source") or "body"),
                    code="invalid_value",
                    message=f"字段格式错误：{item.get('message', '')}",
                )
            )
    return Response(
        ErrorBody(code="invalid_request", message=f"请求数据格式错误：{exc.detail}", errors=problems), status_code=400
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    codes = {400: "invalid_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             413: "body_too_large", 429: "too_many_requests"}
    messages = {400: "请求数据格式错误（无法解析）", 401: "请先登录（缺少或无效的令牌）", 403: "无权执行此操作", 404: "资源不存在", 405: "不支持的请求方法",
                413: "请求体过大", 429: "请求过于频繁"}
    status = exc.status_code
    return Response(
        ErrorBody(code=codes.get(status, "http_error"), message=messages.get(status, str(exc.detail))),
        status_code=status,
        headers=getattr(exc, "headers", None),
    )


# Documented on every operation, so the OpenAPI schema says what errors look like.
ERRORS = {
    status: ResponseSpec(data_container=ErrorBody, description=text)
    for status, text in (
        (400, "请求格式错误 invalid_request"),
        (401, "未登录或令牌无效 not_authenticated"),
        (403, "无权操作 not_allowed / role_not_allowed / unit_scope"),
        (404, "不存在 not_found / case_not_found"),
        (409, "状态不允许或并发冲突 wrong_state / conflict (current_version)"),
        (413, "请求体过大 body_too_large"),
        (422, "字段错误 invalid_input (errors: field, code, message)"),
        (429, "登录失败次数过多 too_many_attempts"),
        (503, "数据库暂时无法服务（附 Retry-After）database_unavailable / database_read_only / database_full"),
    )
}

HANDLERS = {e.LedgerError: ledger_error, ValidationException: validation_error, HTTPException: http_error}
