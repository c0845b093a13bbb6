"""Running a ledger command from HTTP (the API and, later, the pages): as
the authenticated user, dispatched by the command's type, honouring
``Idempotency-Key`` (a retried request gets the first answer, not a second
event)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response

from ledger.commands import Command, Context
from ledger_http.common import schemas as s
from ledger_http.common.auth import AuthUser
from ledger_http.metrics import counting_command

AnyRequest = Request[AuthUser, Any, Any]


def context_of(user: AuthUser, request_id: str | None = None) -> Context:
    """Who is asking (the authenticated user), under which request id (a new one by default)."""
    return Context(actor=user.actor, request_id=request_id or uuid.uuid4().hex)


def run_command(state: Any, user: AuthUser, command: Command, key: str | None, request_id: str | None = None) -> bytes:
    """Run ``command`` as ``user``; the CommandResult as JSON. A request
    carrying an already used ``key`` gets the first answer, not a second event."""
    ctx = context_of(user, request_id)

    def run() -> bytes:
        with counting_command(state, command):
            r = state.ledger.execute(ctx, command)
        return msgspec.json.encode(
            s.CommandResult(
                case_id=r.case_id, version=r.version, notification_id=r.notification_id, number=r.number,
                record_id=r.record_id, pending=r.pending,
            )
        )

    fingerprint = type(command).__name__.encode() + b"|" + msgspec.json.encode(command)
    # the request id its events carry: how a claim left by a dead process is resolved (idempotency.py)
    return state.idempotency.run(user.username, key, fingerprint, run, request_id=ctx.request_id)


def execute(request: AnyRequest, command: Command, status: int = 200) -> Response[s.CommandResult]:
    """Run one ledger command (dispatched by its type) as the authenticated
    user, honouring Idempotency-Key."""
    body = run_command(
        request.app.state, request.user, command, request.headers.get("idempotency-key"), request.headers.get("x-request-id")
    )
    return Response(content=body, media_type="application/json", status_code=status)
