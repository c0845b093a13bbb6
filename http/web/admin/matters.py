"""行政指导事项目录: the authorities' editions and methods, an edition's
matters, the import of an edition from CSV/XLSX and the list of guidance
methods — through the API's own parse and commands (``ledger_http.matters``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.envelope import make_envelope
from ledger.errors import FieldError, InvalidInput, LedgerError
from ledger.matters import GuidanceMatterCatalogue
from ledger.matters.commands import SetGuidanceMethods
from ledger.matters.values import MatterEdition
from ledger.values import CST
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.directory import directory_units
from ledger_http.matters import import_command, matter_summaries
from ledger_http.web.admin.catalogue import a_date, import_errors
from ledger_http.web.admin.common import flash, form_errors, take_flash
from ledger_http.web.pages import AnyRequest, caught_up, form_key, in_thread, page, page_user, remember

IMPORT_FIELDS = ("authority", "version", "title", "document_number", "effective_from", "effective_until",
                 "supersedes", "basis", "idempotency_key")
BASE = "/w/admin/guidance-matters"


class MatterPages(Controller):
    """行政指导事项目录."""

    path = "/"

    @get("/guidance-matters")
    async def catalogues(self, request: AnyRequest) -> Template:
        user = page_user(request)
        await caught_up(request, "audit")
        listed = await in_thread(matter_summaries, request.app.state)
        return page(request, user, "admin_matters.html", catalogues=listed, notice=take_flash(request), quote=quote)

    @get("/guidance-matters/import")
    async def import_form(self, request: AnyRequest) -> Template:
        return await self._import_page(request, {}, {}, [])

    async def _import_page(self, request: AnyRequest, values: dict[str, Any], errors: dict[str, str],
                           rows: list[dict[str, str]], status: int = 200) -> Template:
        user = page_user(request)
        units = await in_thread(directory_units, request.app.state, user.role)
        return page(request, user, "admin_matters_import.html", status=status, values=values, errors=errors,
                    row_errors=rows, units=units, key=values.get("idempotency_key") or uuid.uuid4())

    @post("/guidance-matters/import")
    async def import_edition(self, request: AnyRequest) -> Template | Redirect:
        """The API's import (same parse, same command): every row and column
        error listed, the form's own field errors beside their fields, nothing
        published unless all is well."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in IMPORT_FIELDS}
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        try:
            edition_of = matter_edition_of(values)
            if not data:
                raise InvalidInput.one("file", "no_file", "请选择要导入的CSV或XLSX文件")

            def publish() -> bytes:
                command = import_command(request.app.state.ledger, values["authority"], data, edition_of,
                                         basis=values["basis"].strip() or None)
                return run_command(request.app.state, user, command, form_key(form))

            remember(request, await in_thread(publish))
        except InvalidInput as e:
            problems = list(e.errors)
            if any(f.field.startswith("rows[") or f.field in ("file", "header") for f in problems):
                # the file was refused before the edition's own fields were looked at: ask them too
                problems += await in_thread(edition_problems, request.app.state.ledger, user, values)
            errors, rows = import_errors(problems)
            return await self._import_page(request, values, errors, rows, status=422)
        except LedgerError as e:
            return await self._import_page(request, values, {"": e.message}, [], status=403)
        catalogue = await in_thread(request.app.state.ledger.matter_catalogue, values["authority"])
        version = values["version"].strip()
        count = len(catalogue.editions[version].items)
        flash(request, f"已发布{values['authority']}行政指导事项目录“{version}”，共{count}项")
        return Redirect(path=f"{BASE}/{quote(values['authority'])}/{quote(version)}")

    @get("/guidance-matters/{authority:str}/methods")
    async def methods_form(self, request: AnyRequest, authority: FromPath[str]) -> Template:
        methods = await in_thread(request.app.state.ledger.authority_methods, authority)
        return self._methods_page(request, authority, {"methods": "\n".join(methods)}, {})

    def _methods_page(self, request: AnyRequest, authority: str, values: dict[str, str], errors: dict[str, str],
                      status: int = 200) -> Template:
        return page(request, page_user(request), "admin_matters_methods.html", status=status, authority=authority,
                    values=values, errors=errors, key=values.get("idempotency_key") or uuid.uuid4())

    @post("/guidance-matters/{authority:str}/methods")
    async def set_methods(self, request: AnyRequest, authority: FromPath[str]) -> Template | Redirect:
        """One method a line, in the order the officers' form offers them."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("methods", "basis", "idempotency_key")}
        methods = tuple(line.strip() for line in values["methods"].splitlines() if line.strip())
        command = SetGuidanceMethods(authority=authority, methods=methods, basis=values["basis"].strip() or None)
        try:
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            errors = {("methods" if k.startswith("methods") else k): v for k, v in form_errors(e).items()}
            return self._methods_page(request, authority, values, errors, status=422)
        except LedgerError as e:
            return self._methods_page(request, authority, values, {"": e.message}, status=403)
        flash(request, f"已设置{authority}的行政指导方式，共{len(methods)}种")
        return Redirect(path=BASE)

    @get("/guidance-matters/{authority:str}/{version:str}")
    async def edition(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> Template:
        user = page_user(request)
        catalogue = await in_thread(request.app.state.ledger.matter_catalogue, authority)
        if catalogue is None or version not in catalogue.editions:
            return page(request, user, "message.html", status=404, title="目录不存在",
                        message=f"{authority}没有发布行政指导事项目录版本“{version}”。")
        return page(request, user, "admin_matters_edition.html", authority=authority,
                    edition=catalogue.editions[version], until=catalogue.ends[version], notice=take_flash(request),
                    quote=quote)


def matter_edition_of(values: dict[str, Any]) -> Any:
    """The form's edition fields (the file gives the items)."""
    problems: list[FieldError] = []
    if not values["authority"]:
        problems.append(FieldError("authority", "required", "请选择发布单位"))
    dates: dict[str, date | None] = {}
    for field, label, required in (("effective_from", "生效日期", True), ("effective_until", "失效日期", False)):
        try:
            dates[field] = a_date(field, values[field], label, required=required)
        except InvalidInput as e:
            problems += e.errors
    if problems:
        raise InvalidInput(problems)
    return partial(MatterEdition, version=values["version"].strip(), title=values["title"].strip(),
                   document_number=values["document_number"].strip(), effective_from=dates["effective_from"],
                   effective_until=dates["effective_until"], supersedes=values["supersedes"].strip() or None)


def edition_problems(ledger: Any, user: AuthUser, values: dict[str, Any]) -> list[FieldError]:
    """The edition's own field errors (version, title, dates, supersedes) as
    the catalogue's decision finds them, asked on a copy that is never saved
    — so the clerk sees them with the file's errors, not one after the other."""
    try:
        edition_of = matter_edition_of(values)
    except InvalidInput as e:
        return list(e.errors)
    envelope = make_envelope(user.actor, "form-check", datetime.now(CST))
    catalogue = ledger.matter_catalogue(values["authority"]) or GuidanceMatterCatalogue(
        envelope=envelope, authority=values["authority"])
    try:
        catalogue.publish(envelope, edition_of(items=()))
    except InvalidInput as e:
        return [f for f in e.errors if f.field != "items"]
    except LedgerError:
        return []
    return []
