"""The Litestar app factory (imported as ``ledger_http.app``).

Only a health check for now; the case endpoints arrive with the HTTP issue.
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/health", operation_id="health", sync_to_thread=False)
def health() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[health])
