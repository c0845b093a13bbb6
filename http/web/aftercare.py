"""After the service, and at any time: 回访 (follow-ups), 整改跟踪
(rectification items with their due dates, statuses and evidence), 撤回
(withdrawal), 更正 (a correction naming the entry it corrects) and 批注
(remarks). The same commands as the API, through ``run_step``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case import CORRECTABLE
from ledger.case.commands import AnnotateCase, CorrectRecord, RecordFollowUp, TrackRectification, WithdrawCase
from ledger.case.values import (
    FieldChange,
    FollowUp,
    FollowUpMethod,
    Rectification,
    RectificationItem,
    RectificationStatus,
)
from ledger.errors import InvalidInput
from ledger.history import describe, event_label
from ledger.values import CST
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, in_thread, page_user
from ledger_http.web.steps import run_step, step_form
from ledger_http.web.timeline import field_path_label

ITEM_ROWS = 3  # blank rows offered below the items already tracked


def a_date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.one(field, "invalid_date", "请填写日期（年-月-日）") from None


def rectification_rows(values: dict[str, Any]) -> list[dict[str, str]]:
    """The item rows of the form, up to the last one with anything in it: a
    blank row in between is sent as it is (the ledger names its row)."""
    rows = []
    i = 0
    while f"description_{i}" in values:
        rows.append({k: str(values.get(f"{k}_{i}") or "").strip() for k in ("description", "due_on", "status", "evidence")})
        i += 1
    while rows and not (rows[-1]["description"] or rows[-1]["due_on"] or rows[-1]["evidence"]):
        rows.pop()  # the status select always sends a value; a row is blank without the rest
    return rows


def _events(request: AnyRequest, case_id: UUID) -> list[tuple[int, str, str]]:
    """(version, label, event name) of each entry, for choosing one."""
    return [(d.version, event_label(d.event, d.aggregate), d.event) for d in map(describe, request.app.state.ledger.history(case_id))]


class AftercarePages(Controller):
    path = "/w/cases/{case_id:uuid}"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    # ------------------------------------------------------------ 回访

    @get("/follow-up")
    async def follow_up_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        return await step_form(request, page_user(request), case_id, "follow_up.html", values={"on": str(datetime.now(CST).date())},
                               **follow_up_context())

    @post("/follow-up")
    async def follow_up(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        def build(v: dict[str, Any]) -> RecordFollowUp:
            if v.get("method") not in FollowUpMethod._value2member_map_:
                raise InvalidInput.one("follow_up.method", "required", "请选择回访方式")
            status = v.get("rectification_status")
            return RecordFollowUp(case_id=case_id, follow_up=FollowUp(
                on=a_date("follow_up.on", str(v.get("on") or "")), method=FollowUpMethod(v["method"]),
                findings=str(v.get("findings") or ""),
                rectification_status=RectificationStatus(status) if status in RectificationStatus._value2member_map_ else None))

        return await run_step(request, page_user(request), case_id, "follow_up.html", await request.form(), build,
                              follow_up_context())

    # -------------------------------------------------------- 整改跟踪

    @get("/rectification")
    async def rectification_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        """Opened on a decision already tracked (``?decision=``), its items
        are filled in to be updated; otherwise a new list."""
        user = page_user(request)
        decision = str(request.query_params.get("decision") or "")
        case = await in_thread(request.app.state.ledger.get_case, case_id)
        values: dict[str, Any] = {"penalty_decision": decision}
        tracked = next((r for r in case.rectifications if (r.penalty_decision or "") == decision), None)
        items = tracked.items if tracked else ()
        for i, item in enumerate(items):
            values |= {f"description_{i}": item.description, f"due_on_{i}": str(item.due_on),
                       f"status_{i}": item.status.value, f"evidence_{i}": item.evidence}
        return await step_form(request, user, case_id, "rectification.html", values=values,
                               **rectification_context(len(items) + ITEM_ROWS))

    @post("/rectification")
    async def rectification(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        form = await request.form()

        def build(v: dict[str, Any]) -> TrackRectification:
            items = []
            for i, row in enumerate(rectification_rows(v)):
                status = row["status"] or RectificationStatus.OPEN.value
                if status not in RectificationStatus._value2member_map_:
                    raise InvalidInput.one(f"items[{i}].status", "invalid", "请选择整改状态")
                items.append(RectificationItem(description=row["description"], due_on=a_date(f"items[{i}].due_on", row["due_on"]),
                                               status=RectificationStatus(status), evidence=row["evidence"]))
            return TrackRectification(case_id=case_id, rectification=Rectification(
                penalty_decision=str(v.get("penalty_decision") or "").strip() or None, items=tuple(items)))

        rows = sum(1 for k in form if k.startswith("description_"))
        return await run_step(request, page_user(request), case_id, "rectification.html", form, build,
                              rectification_context(max(rows, ITEM_ROWS)))

    # ------------------------------------------------------------ 撤回

    @get("/withdraw")
    async def withdraw_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        return await step_form(request, page_user(request), case_id, "withdraw.html")

    @post("/withdraw")
    async def withdraw(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        return await run_step(request, page_user(request), case_id, "withdraw.html", await request.form(),
                              lambda v: WithdrawCase(case_id=case_id, reason=str(v.get("reason") or "")), {})

    # ------------------------------------------------------------ 批注

    @get("/annotate")
    async def annotate_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        about = str(request.query_params.get("about") or "")
        events = await in_thread(_events, request, case_id)
        return await step_form(request, page_user(request), case_id, "annotate.html", values={"about_version": about},
                               events=events)

    @post("/annotate")
    async def annotate(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        def build(v: dict[str, Any]) -> AnnotateCase:
            about = str(v.get("about_version") or "")
            return AnnotateCase(case_id=case_id, note=str(v.get("note") or ""), about_version=int(about) if about.isdigit() else None)

        events = await in_thread(_events, request, case_id)
        return await run_step(request, page_user(request), case_id, "annotate.html", await request.form(), build,
                              {"events": events})

    # ------------------------------------------------------------ 更正

    @get("/correct")
    async def correct_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        """First the entry to correct (``?version=``), then its fields."""
        version = str(request.query_params.get("version") or "")
        events = await in_thread(_events, request, case_id)
        return await step_form(request, page_user(request), case_id, "correct.html", values={"corrects_version": version},
                               **correct_context(events, version))

    @post("/correct")
    async def correct(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        form = await request.form()
        events = await in_thread(_events, request, case_id)

        def build(v: dict[str, Any]) -> CorrectRecord:
            version = str(v.get("corrects_version") or "")
            if not version.isdigit():
                raise InvalidInput.one("corrects_version", "required", "请选择要更正的记录")
            fields = [f for f in form.getall("field", []) if f]
            changes = tuple(FieldChange(field=f, old="", new=str(v.get(f"new_{f}") or "")) for f in fields)
            return CorrectRecord(case_id=case_id, corrects_version=int(version), changes=changes,
                                 basis=str(v.get("reason") or "") or None)

        return await run_step(request, page_user(request), case_id, "correct.html", form, build,
                              correct_context(events, str(form.get("corrects_version") or "")))


def follow_up_context() -> dict[str, Any]:
    return {"methods": list(FollowUpMethod), "statuses": list(RectificationStatus)}


def rectification_context(rows: int) -> dict[str, Any]:
    return {"rows": range(rows), "statuses": list(RectificationStatus)}


def correct_context(events: list[tuple[int, str, str]], version: str) -> dict[str, Any]:
    """The entries that have correctable fields, and the fields of the one chosen."""
    correctable = [(v, label) for v, label, name in events if CORRECTABLE.get(name)]
    chosen = next((name for v, _, name in events if str(v) == version), None)
    fields = [(f, field_path_label(f)) for f in CORRECTABLE.get(chosen or "", ())]
    return {"correctable": correctable, "fields": fields}
