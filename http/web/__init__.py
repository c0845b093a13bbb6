"""The workbench (工作台): server-rendered pages for every role, served by
``ledger serve`` itself. Pages parse a form into the same command Struct the
API takes, call the same ledger command (``run_command``) and the same view
queries, then redirect (POST → redirect → GET) or re-render the form with the
field errors beside their fields. No rule lives here.

Sign-in keeps the user in an encrypted, HttpOnly, SameSite cookie session
(Litestar's client-side sessions); every form carries Litestar's CSRF token.
The session names the password generation it was opened under, so a password
change or reset ends it, like a token; a disabled user is out at once.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ledger.case.values import SCALE_LABELS, DocumentKind, Grade
from ledger.values import CST

HERE = Path(__file__).resolve().parent
SESSION_HOURS = 8
# The workbench's paths: everything else is the JSON API (bearer tokens, no
# cookies, so no CSRF), excluded from the session and CSRF middleware.
PAGE_PATHS = r"^/(?!$|login$|logout$|w(?:/|$)|static/)"


def _globals(engine: JinjaTemplateEngine) -> None:
    """What every template may call: a fresh idempotency key for a form,
    China time, annex 3's words for a grade of a scale."""
    globals_: dict[str, Any] = engine.engine.globals
    globals_.update(uuid=uuid.uuid4, cst=CST, grade=lambda scale, g: SCALE_LABELS[scale][Grade(g)], at_path=at_path, kind_label=lambda k: DocumentKind(k).label if k in DocumentKind._value2member_map_ else k,
                    as_list=lambda v: v if isinstance(v, list) else [] if v in (None, "") else [v])


def at_path(obj: Any, path: str) -> Any:
    """``obj.a.b`` for the path ``a.b`` (None where a step is missing)."""
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return obj


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_globals)


def static_router():  # noqa: ANN201 - a Litestar router
    return create_static_files_router(path="/static", directories=[HERE / "static"], include_in_schema=False)


def session_config(secret: str, secure: bool) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=hashlib.sha256(b"session|" + secret.encode()).digest(),
        key="ledger_session",
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
        exclude=PAGE_PATHS,
    )


def csrf_config(secret: str, secure: bool) -> CSRFConfig:
    return CSRFConfig(
        secret=hashlib.sha256(b"csrf|" + secret.encode()).hexdigest(),
        cookie_name="ledger_csrf",
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_secure=secure,
        exclude=PAGE_PATHS,
    )
