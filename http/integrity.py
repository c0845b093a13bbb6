"""Digests a supervisor keeps, and the proof that today's log extends them."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import QueryParameter

from ledger.scope import Reach
from ledger_http.common.auth import AuthUser
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of
from projections.seal import current_digest, extends

AnyRequest = Request[AuthUser, Any, Any]


class Digest(msgspec.Struct):
    notification_id: int
    digest: str
    algorithm: str = "sha256-chain/1"


class Consistency(msgspec.Struct):
    position: int
    digest_given: str
    digest_recomputed: str
    extends: bool


def _supervision(request: AnyRequest) -> None:
    """Supervisors and auditors only (``Reach.INTEGRITY``: the one rule the
    workbench's 账本校验 page applies too)."""
    scope_of(request, Reach.INTEGRITY)


class LedgerDigestController(Controller):
    path = "/ledger"
    tags = ["integrity"]

    @get("/digest", responses=ERRORS, operation_id="getLedgerDigest", sync_to_thread=True)
    def digest(self, request: AnyRequest) -> Digest:
        """The current head of the seal: keep it outside the system."""
        _supervision(request)
        position, digest = current_digest(request.app.state.settings)
        return Digest(notification_id=position, digest=digest)

    @get("/consistency", responses=ERRORS, operation_id="checkLedgerConsistency", sync_to_thread=True)
    def consistency(
        self,
        request: AnyRequest,
        position: int = QueryParameter(name="position", ge=0, le=2**62),
        digest: str = QueryParameter(name="digest", pattern="^[0-9a-fA-F]{64}$"),
    ) -> Consistency:
        """Does today's log extend a digest taken earlier at ``position``?"""
        _supervision(request)
        ok, recomputed = extends(request.app.state.settings, position, digest)
        return Consistency(position=position, digest_given=digest.lower(), digest_recomputed=recomputed, extends=ok)
