"""四张清单: the authorities' editions, an edition's items, and the import
of an edition from CSV/XLSX through the API's own parse and command."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.catalogue import DEFAULT_LISTS, Edition, FourListsCatalogue
from ledger.envelope import make_envelope
from ledger.errors import FieldError, InvalidInput, LedgerError
from ledger.values import CST
from ledger_http.catalogue import catalogue_summaries, import_command
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.directory import directory_units
from ledger_http.web.admin.common import flash, plain_key_error, take_flash
from ledger_http.web.pages import AnyRequest, caught_up, form_key, in_thread, page, page_user, remember


class CataloguePages(Controller):
    """四张清单."""

    path = "/"

    @get("/catalogues")
    async def catalogues(self, request: AnyRequest) -> Template:
        user = page_user(request)
        await caught_up(request, "audit")
        listed = await in_thread(catalogue_summaries, request.app.state)
        return page(request, user, "admin_catalogues.html", catalogues=listed, notice=take_flash(request),
                    quote=quote)

    @get("/catalogues/import")
    async def import_form(self, request: AnyRequest) -> Template:
        return await self._import_page(request, {}, {}, [])

    async def _import_page(self, request: AnyRequest, values: dict[str, Any], errors: dict[str, str],
                           rows: list[dict[str, str]], status: int = 200) -> Template:
        user = page_user(request)
        units = await in_thread(directory_units, request.app.state, user.role)
        return page(request, user, "admin_catalogue_import.html", status=status, values=values, errors=errors,
                    row_errors=rows, units=units, lists=DEFAULT_LISTS, key=values.get("idempotency_key") or uuid.uuid4())

    @post("/catalogues/import")
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
            edition_of = import_edition_of(values)
            if not data:
                raise InvalidInput.one("file", "no_file", "请选择要导入的CSV或XLSX文件")

            def publish() -> bytes:
                command = import_command(request.app.state.ledger, values["authority"], data, edition_of,
                                         basis=values["basis"].strip() or None, list_code=values["list"] or None)
                return run_command(request.app.state, user, command, form_key(form))

            remember(request, await in_thread(publish))
        except InvalidInput as e:
            problems = list(e.errors)
            if any(f.field.startswith("rows[") or f.field in ("file", "header", "list") for f in problems):
                # the file was refused before the edition's own fields were looked at: ask them too
                problems += await in_thread(edition_problems, request.app.state.ledger, user, values)
            errors, rows = import_errors(problems)
            return await self._import_page(request, values, errors, rows, status=422)
        except LedgerError as e:
            return await self._import_page(request, values, {"": e.message}, [], status=403)
        catalogue = await in_thread(request.app.state.ledger.catalogue, values["authority"])
        count = len(catalogue.editions[values["version"]].items)
        flash(request, f"已发布{values['authority']}四张清单“{values['version']}”，共{count}项")
        return Redirect(path=f"/w/admin/catalogues/{quote(values['authority'])}/{quote(values['version'])}")

    @get("/catalogues/{authority:str}/{version:str}")
    async def edition(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> Template:
        user = page_user(request)
        catalogue = await in_thread(request.app.state.ledger.catalogue, authority)
        if catalogue is None or version not in catalogue.editions:
            return page(request, user, "message.html", status=404, title="清单不存在",
                        message=f"{authority}没有发布版本“{version}”。")
        edition = catalogue.editions[version]
        names = {x.code: x.name for x in edition.lists}
        per_list = [(x.name, sum(1 for i in edition.items if i.list_code == x.code)) for x in edition.lists]
        return page(request, user, "admin_catalogue_edition.html", authority=authority, edition=edition,
                    until=catalogue.ends[version], names=names, per_list=[p for p in per_list if p[1]],
                    notice=take_flash(request))


IMPORT_FIELDS = ("authority", "version", "title", "document_number", "effective_from", "effective_until",
                 "supersedes", "list", "basis", "idempotency_key")


def a_date(field: str, text: str, label: str, *, required: bool) -> date | None:
    if not text.strip():
        if required:
            raise InvalidInput.one(field, "required", f"请填写{label}")
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.one(field, "invalid_date", f"{label}应为日期（年-月-日）") from None


def import_edition_of(values: dict[str, Any]) -> Any:
    """The form's edition fields (the file gives the items and lists)."""
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
    return partial(Edition, version=values["version"].strip(), title=values["title"].strip(),
                   document_number=values["document_number"].strip(), effective_from=dates["effective_from"],
                   effective_until=dates["effective_until"], supersedes=values["supersedes"].strip() or None)


def edition_problems(ledger: Any, user: AuthUser, values: dict[str, Any]) -> list[FieldError]:
    """The edition's own field errors (version, title, dates, supersedes) as
    the catalogue's decision finds them, asked on a copy that is never saved
    — so the clerk sees them with the file's errors, not one after the other."""
    try:
        edition_of = import_edition_of(values)
    except InvalidInput as e:
        return list(e.errors)
    catalogue = ledger.catalogue(values["authority"]) or FourListsCatalogue(authority=values["authority"])
    lists = catalogue.latest_lists() if catalogue.editions else DEFAULT_LISTS
    try:
        catalogue.publish(make_envelope(user.actor, "form-check", datetime.now(CST)), edition_of(lists=lists, items=()))
    except InvalidInput as e:
        return [f for f in e.errors if f.field != "items"]
    except LedgerError:
        return []
    return []


def import_errors(problems: list[FieldError]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Field errors beside the fields; the file's row/column errors as table rows."""
    errors: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for f in problems:
        m = re.match(r"rows\[(\d+)\]\.(.+)", f.field)
        if m:
            rows.append({"row": m[1], "column": m[2], "message": f.message.split("：", 1)[-1]})
        else:
            errors.setdefault("file" if f.field in ("header", "list") else f.field, f.message)
    if rows:
        errors.setdefault("file", f"文件中有{len(rows)}处错误（见上表），未导入任何事项；请修改后重新选择文件上传")
    return plain_key_error(errors), rows
