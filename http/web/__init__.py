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
from pathlib import Path

from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

HERE = Path(__file__).resolve().parent
SESSION_HOURS = 8
# The workbench's paths: everything else is the JSON API (bearer tokens, no
# cookies, so no CSRF), excluded from the session and CSRF middleware.
PAGE_PATHS = r"^/(?!$|login$|logout$|w(?:/|$)|static/)"


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)


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
