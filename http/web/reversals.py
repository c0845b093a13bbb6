"""撤销或重新作出行政处罚 in the workbench: the officer gives the original
decision and its date; the page lists the items of the unit's four lists in
force on that date (every edition and revision as the catalogue has them),
each with its conditions to be confirmed one by one; then the outcome, the
written explanation and the legal reviewer. The list of the chosen item
decides the command (``REVERSAL_COMMANDS``); the case and the catalogue
check everything again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case.commands import REVERSAL_COMMANDS
from ledger.catalogue import ItemInForce
from ledger.errors import InvalidInput
from ledger.scope import Reach
from ledger.values import ListItemCited, PenaltyDecision, Person, Reversal
from ledger_http.common.auth import AuthUser
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, in_thread, page_scope, page_user
from ledger_http.web.steps import run_step, staff_by_unit, step_form


def item_key(found: ItemInForce) -> str:
    return f"{found.version}|{found.list.code}|{found.item.number}"


def decision_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def reversal_context(request: AnyRequest, user: AuthUser, decided_on: str) -> dict[str, Any]:
    """The unit's catalogue items in force on the decision date, and the
    people who may sign the legal review (the unit's other staff)."""
    catalogue = request.app.state.ledger.catalogue(user.unit)
    day = decision_day(decided_on)
    items = catalogue.items_on(day) if catalogue is not None and day is not None else []
    reviewers = [u for u in staff_by_unit(request.app.state).get(user.unit, []) if u.username != user.username]
    views = request.app.state.views
    return {"items": [(item_key(i), i) for i in items], "has_catalogue": catalogue is not None, "day": day,
            "reviewers": reviewers, "decided_on_bad": bool(decided_on) and day is None,
            # a review cited by its number (法审〔2026〕3号, as its page shows it), within the user's scope
            "review_numbered": lambda number: views.legal_review_id_of(page_scope(user, Reach.SUPERVISION), number)}


def build_reversal(case_id: UUID, user: AuthUser, v: dict[str, Any], context: dict[str, Any]) -> Any:
    day = decision_day(str(v.get("decided_on") or ""))
    if day is None:
        raise InvalidInput.one("decision.decided_on", "invalid_date", "请填写原处罚决定日期（年-月-日）")
    chosen = dict(context["items"]).get(str(v.get("item") or ""))
    if chosen is None:
        raise InvalidInput.one("cited.item_number", "required", "请选择适用的清单事项（须为原处罚决定日有效的事项）")
    key = item_key(chosen)
    ticked = [c for c in chosen.item.conditions if str(v.get(f"cond|{key}|{c}") or "") == "yes"]
    fine_text = str(v.get("new_fine_yuan") or "").strip()
    try:
        fine = Decimal(fine_text) if fine_text else None
    except InvalidOperation:
        raise InvalidInput.one("new_fine_yuan", "invalid_amount", "罚款金额应为数字（元）") from None
    reviewer_id = str(v.get("legal_reviewer") or "")
    reviewer = next((Person(id=u.username, name=u.display_name) for u in context["reviewers"] if u.username == reviewer_id), None)
    command = REVERSAL_COMMANDS[chosen.list.kind]
    return command(case_id=case_id, basis=str(v.get("basis") or "") or None, reversal=Reversal(
        decision=PenaltyDecision(number=str(v.get("decision_number") or ""), decided_on=day, issuing_unit=user.unit,
                                 four_lists_applied=v.get("four_lists_applied") == "yes"),
        cited=ListItemCited(list=chosen.list.kind, catalogue_version=chosen.version, item_number=chosen.item.number,
                            list_code=chosen.list.code if chosen.list.code != chosen.list.kind.value else ""),
        conditions_met=tuple(ticked), outcome=str(v.get("outcome") or ""), explanation=str(v.get("explanation") or ""),
        legal_reviewer=reviewer, new_sanction=str(v.get("new_sanction") or "") or None, new_fine_yuan=fine,
        major=v.get("major") == "yes", new_decision_number=str(v.get("new_decision_number") or ""),
        legal_review_id=_review_id(str(v.get("legal_review_id") or ""), context.get("review_numbered")),
    ))


def _review_id(text: str, numbered: Any = None) -> UUID | None:
    """The review a major reversal cites: by its number (法审〔2026〕3号) or,
    as before the numbers, by the id in its page's address."""
    text = text.strip()
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        found = numbered(text) if numbered is not None else None
        if found is None:
            raise InvalidInput.one("legal_review_id", "unknown_review",
                                   f"没有编号为“{text}”的法制审核（应为审核页显示的编号，如 法审〔2026〕3号）") from None
        return UUID(found)


class ReversalPages(Controller):
    path = "/w/cases/{case_id:uuid}/reversal"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        q = request.query_params
        values = {k: str(q.get(k) or "")[:200] for k in ("decision_number", "decided_on")}
        context = await in_thread(reversal_context, request, user, values["decided_on"])
        return await step_form(request, user, case_id, "reversal.html", values=values, **context)

    @post("/")
    async def record(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        context = await in_thread(reversal_context, request, user, str(form.get("decided_on") or ""))
        # a condition's check box is named after its item, so only the chosen item's count
        return await run_step(request, user, case_id, "reversal.html", form,
                              lambda v: build_reversal(case_id, user, v, context), context)
