"""Typical and excellent cases in the workbench (seed 002 第二十九、三十一条):

- ``/w/typical-cases?year=``: the year's round — its state, the proposals in
  the reader's scope with the decisions, and for the reviewer (执法监督人员,
  for the 法治政府建设领导小组办公室) 开始评选, 评选 (入选 / 不入选 with the reason)
  and 结束评选; the published list, also as XLSX (``/typical-cases/list.xlsx``).
- ``/w/typical-cases/new``: 推荐 (the unit's head): the record by kind and
  id, chosen from the unit's finished records or typed, the distinction and
  the reason.

Thin pages: every rule is the ledger's (``ledger.typical_cases``); lists come
from the views. Forms POST → redirect → GET; errors beside fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.errors import FieldError, InvalidInput, LedgerError, NotFound
from ledger.scope import Reach
from ledger.typical_cases import REVIEWER_ROLE
from ledger.typical_cases.commands import (
    CloseTypicalCaseRound,
    DecideTypicalCase,
    OpenTypicalCaseReview,
    ProposeTypicalCase,
)
from ledger.typical_cases.values import Distinction, RecordKind, RoundState
from ledger.values import CST, Role
from ledger_http.common.commanding import run_command
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)

VIEW = "typical_cases"
DECISIONS = {"yes": True, "no": False}


def _year(text: Any, default: int) -> int:
    text = str(text or "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else default


def _enum(cls: Any, field: str, text: str, label: str) -> Any:
    if text in cls._value2member_map_:
        return cls(text)
    raise InvalidInput.one(field, "required", f"请选择{label}")


def _record_id(text: str) -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        raise InvalidInput.one("record_id", "invalid", "请选择或填写案件编号（系统编号）") from None


class TypicalCasePages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    # ---------------------------------------------------------------- the round

    @get("/typical-cases")
    async def cases(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._round(request, user, _year(request.query_params.get("year"), datetime.now(CST).year), {}, {})

    async def _round(self, request: AnyRequest, user: Any, year: int, values: dict[str, str], errors: dict[str, str],
                     status: int = 200) -> Template:
        scope = page_scope(user, Reach.CASES)
        await caught_up(request, VIEW)
        views = request.app.state.views
        rows = await in_thread(views.typical_cases, scope, year=year)
        rounds = await in_thread(views.typical_rounds, scope)
        current = next((r for r in rounds if r["year"] == year), None)
        years = sorted({r["year"] for r in rounds} | {year, datetime.now(CST).year}, reverse=True)
        reviewer = user.role is REVIEWER_ROLE
        state = current["state"] if current else None
        return page(request, user, "typical_cases.html", status=status, year=year, years=years, round=current,
                    rows=rows, published=[r for r in rows if r["published"]], values=values, errors=errors,
                    key=uuid.uuid4(), reviewer=reviewer, may_propose=user.role is Role.UNIT_STAFF,
                    may_open=reviewer and state == RoundState.COLLECTING.value,
                    may_decide=reviewer and state == RoundState.REVIEWING.value,
                    may_close=reviewer and state == RoundState.REVIEWING.value)

    @post("/typical-cases/{year:int}/{step:str}")
    async def round_step(self, request: AnyRequest, year: FromPath[int], step: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        expected = int(values["expected_version"]) if values.get("expected_version", "").isdigit() else None
        try:
            command: Any
            if step == "review":
                command = OpenTypicalCaseReview(year=year, expected_version=expected)
            elif step == "close":
                command = CloseTypicalCaseRound(year=year, expected_version=expected)
            elif step == "decide":
                problems = []
                if values.get("decision") not in DECISIONS:
                    problems.append(FieldError("decision", "required", "请选择入选或不入选"))
                try:
                    pid = UUID(values.get("proposal_id", ""))
                except ValueError:
                    problems.append(FieldError("proposal_id", "invalid", "没有该推荐"))
                if problems:
                    raise InvalidInput(problems)
                command = DecideTypicalCase(year=year, proposal_id=pid, selected=DECISIONS[values["decision"]],
                                            reason=values.get("reason", ""), expected_version=expected)
            else:
                return page(request, user, "message.html", status=404, title="页面不存在", message="没有该操作。")
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._round(request, user, year, values, _beside(values, field_errors(e)), status=422)
        except LedgerError as e:
            return await self._round(request, user, year, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/typical-cases?year={year}")

    # ---------------------------------------------------------------- proposing

    @get("/typical-cases/new")
    async def new(self, request: AnyRequest) -> Template:
        user = page_user(request)
        q = request.query_params
        return await self._new(request, user, {"kind": q.get("kind", ""), "record_id": q.get("record_id", ""),
                                               "distinction": Distinction.TYPICAL.value}, {})

    async def _new(self, request: AnyRequest, user: Any, values: dict[str, str], errors: dict[str, str],
                   status: int = 200) -> Template:
        scope = page_scope(user, Reach.CASES)
        views = request.app.state.views
        candidates: list[dict[str, Any]] = []
        if user.role is Role.UNIT_STAFF:  # the unit's finished records, newest first
            await caught_up(request, "cases", "guidance", "mediation")
            for r in await in_thread(views.registry_rows, scope, state="archived", limit=30):
                if not r.get("withdrawal_reason"):
                    candidates.append(dict(kind=RecordKind.CASE.value, id=r["case_id"], kind_label=RecordKind.CASE.label,
                                           title=f"{r.get('form_number') or ''} {r.get('needs') or ''}".strip()))
            for r in await in_thread(views.guidance_list, scope, state="accepted", limit=30):
                candidates.append(dict(kind=RecordKind.GUIDANCE.value, id=r["guidance_id"],
                                       kind_label=RecordKind.GUIDANCE.label,
                                       title=f"{r.get('method') or ''}：{r.get('matter') or ''}"))
            for r in await in_thread(views.mediation_list, scope, state="agreed", limit=30):
                candidates.append(dict(kind=RecordKind.MEDIATION.value, id=r["mediation_id"],
                                       kind_label=RecordKind.MEDIATION.label,
                                       title=f"{r.get('number') or ''} {r.get('matter') or ''}".strip()))
        return page(request, user, "typical_case_new.html", status=status, values=values, errors=errors,
                    key=uuid.uuid4(), kinds=list(RecordKind), distinctions=list(Distinction), candidates=candidates)

    @post("/typical-cases/new")
    async def propose(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            problems: list[FieldError] = []
            parsed: dict[str, Any] = {}
            for field, parse in (("kind", lambda v: _enum(RecordKind, "kind", v, "案件类型")),
                                 ("record_id", _record_id),
                                 ("distinction", lambda v: _enum(Distinction, "distinction", v, "推荐类别"))):
                try:
                    parsed[field] = parse(values.get(field, ""))
                except InvalidInput as e:
                    problems += e.errors
            if problems:
                raise InvalidInput(problems)
            command = ProposeTypicalCase(reason=values.get("reason", ""), **parsed)
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._new(request, user, values, field_errors(e), status=422)
        except NotFound as e:
            return await self._new(request, user, values, {"record_id": e.message}, status=404)
        except LedgerError as e:
            return await self._new(request, user, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/typical-cases?year={result.get('number') or ''}")


def _beside(values: dict[str, str], errors: dict[str, str]) -> dict[str, str]:
    """A decision's errors go beside that proposal's form (``reason`` → ``reason-<id>``)."""
    pid = values.get("proposal_id")
    if not pid:
        return errors
    return {(f"{k}-{pid}" if k in ("reason", "decision") else k): v for k, v in errors.items()}
