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

AnyRequest = Request[AuthUser, Any, Any]


def execute(request: AnyRequest, command: Command, status: int = 200) -> Response[s.CommandResult]:
    """Run one ledger command (dispatched by its type) as the authenticated
    user, honouring Idempotency-Key."""
    state = request.app.state
    ctx = Context(actor=request.user.actor, request_id=request.headers.get("x-request-id") or uuid.uuid4().hex)

    def run() -> bytes:
        r = state.ledger.execute(ctx, command)
        return msgspec.json.encode(
            s.CommandResult(
                case_id=r.case_id, version=r.version, notification_id=r.notification_id, number=r.number,
                record_id=r.record_id, pending=r.pending,
            )
        )

    fingerprint = type(command).__name__.encode() + b"|" + msgspec.json.encode(command)
    body = state.idempotency.run(request.user.username, request.headers.get("idempotency-key"), fingerprint, run)
    return Response(content=body, media_type="application/json", status_code=status)
