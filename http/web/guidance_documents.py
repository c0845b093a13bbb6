"""An administrative guidance's paper in the workbench: the section of its
page with one button per document × format and the list of what was issued
(``guidance_documents_section`` for ``_guidance_documents.html``), the route
that issues one (the file comes back as a download and the issue is recorded
on the guidance), and the 责令改正通知书 form (劝导警示/规劝) with the tracking
of its items once it was issued. The commands, rules and scope are the API's."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case.values import GUIDANCE_DOCUMENTS, DocumentFormat, DocumentKind
from ledger.documents import guidance_papers
from ledger.envelope import make_envelope
from ledger.errors import Conflict, InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.guidance import AdministrativeGuidance, GuidanceNotFound
from ledger.guidance.commands import IssueCorrectionOrder, TrackCorrectionOrder
from ledger.guidance.values import ADMONITION_METHODS, GuidanceState, ItemStatus
from ledger.numbering import FormCounter
from ledger.scope import Reach, scope_for, sees
from ledger.values import CST, FormKind, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.documents import file_response, issue_for_guidance
from ledger_http.guidance import guidance_view
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    field_errors,
    form_key,
    in_thread,
    page,
    page_user,
    remember,
)
from projections.runner import wait_for as wait_for_views

ORDER_FIELDS = ("problems", "legal_basis", "items", "due_on")


def guidance_documents_section(request: AnyRequest, guidance: AdministrativeGuidance) -> dict[str, Any]:
    """What ``_guidance_documents.html`` draws: the documents the guidance can
    issue now (kind, label, number) — with buttons for those who may issue
    them — and those it issued, newest first. Blocking (the views): call it
    off the event loop. Waits (bounded) for the documents view to show the
    user's own last issue."""
    user = page_user(request)
    state = request.app.state
    position = request.session.get("n")
    if position:
        wait_for_views(state.settings, ("documents",), int(position), 5.0)
    scope = scope_for(user.role, user.unit, Reach.CASES)
    papers = [(k.value, k.label, guidance_papers.number_of(guidance, k)) for k in guidance_papers.available(guidance)]
    return {
        "guidance_id": str(guidance.id),
        "papers": papers,
        "formats": [f.value for f in (DocumentFormat.PDF, DocumentFormat.DOCX)],
        "can_issue": may_issue(user, guidance),
        "issued": state.views.documents_issued(scope, case_id=guidance.id),
    }


def may_issue(user: AuthUser, guidance: AdministrativeGuidance) -> bool:
    """Whether the guidance would let this user issue its paper (the buttons)."""
    try:
        guidance.check_issuer(make_envelope(user.actor, "page", datetime.now(CST)))
    except NotAllowed:
        return False
    return True


def may_order(user: AuthUser, guidance: AdministrativeGuidance) -> bool:
    """Whether the 责令改正通知书 form applies to this user and guidance."""
    return (user.role is Role.UNIT_STAFF and user.unit == guidance.unit and guidance.method in ADMONITION_METHODS
            and guidance.state not in (GuidanceState.TERMINATED,))


def _visible(request: AnyRequest, user: AuthUser, guidance_id: UUID) -> AdministrativeGuidance:
    guidance = request.app.state.ledger.get_guidance(guidance_id)
    if not sees(user.role, user.unit, Reach.CASES, [guidance.unit]):
        raise GuidanceNotFound(f"没有编号为{guidance_id}的行政指导")
    return guidance


def _day(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.one(field, "invalid_date", "请填写日期（年-月-日）") from None


def _version(form: FormMultiDict) -> int | None:
    text = str(form.get("expected_version") or "")
    return int(text) if text.isdigit() else None


def order_command(guidance_id: UUID, form: FormMultiDict) -> IssueCorrectionOrder:
    """The form's fields into the API's command; ``items``: one per line."""
    items = tuple(line.strip() for line in str(form.get("items") or "").splitlines() if line.strip())
    return IssueCorrectionOrder(
        guidance_id=guidance_id, expected_version=_version(form), problems=str(form.get("problems") or ""),
        legal_basis=str(form.get("legal_basis") or ""), items=items, due_on=_day("due_on", str(form.get("due_on") or "")),
    )


def tracking_command(guidance: AdministrativeGuidance, form: FormMultiDict) -> TrackCorrectionOrder:
    """The order's items with the statuses and evidence the form sets."""
    assert guidance.correction is not None
    items = []
    for i, item in enumerate(guidance.correction.items):
        status = str(form.get(f"items[{i}].status") or item.status.value)
        if status not in ItemStatus._value2member_map_:
            raise InvalidInput.one(f"items[{i}].status", "invalid", "请选择整改状态")
        items.append(type(item)(description=item.description, due_on=item.due_on, status=ItemStatus(status),
                                evidence=str(form.get(f"items[{i}].evidence") or "")))
    return TrackCorrectionOrder(guidance_id=guidance.id, expected_version=_version(form), items=tuple(items))


def _placed(errors: dict[str, str]) -> dict[str, str]:
    """Each error beside its field; one the form has no field for (the
    method, the time, an item's description) at the top."""
    placed: dict[str, str] = {}
    for field, message in errors.items():
        if field in ORDER_FIELDS or field.startswith("items[") and field.endswith((".status", ".evidence")):
            placed[field] = message
        elif field.startswith("items["):
            placed["items"] = message
        else:
            placed[""] = message if "" not in placed else f"{placed['']}；{message}"
    return placed


class GuidanceDocumentPages(Controller):
    path = "/w/guidance/{guidance_id:uuid}"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @post("/documents/{kind:str}", status_code=200)
    async def issue(self, request: AnyRequest, guidance_id: FromPath[UUID], kind: FromPath[str]) -> Response[bytes] | Template:
        """Issue one document (``format`` in the form) and send the file back."""
        user = page_user(request)
        form = await request.form()
        fmt = str(form.get("format") or "pdf")
        if kind not in {k.value for k in GUIDANCE_DOCUMENTS} or fmt not in DocumentFormat._value2member_map_:
            return page(request, user, "message.html", status=404, title="没有该文书", message="没有该文书或格式。")
        try:
            issued = await in_thread(issue_for_guidance, request.app.state, user, guidance_id, DocumentKind(kind),
                                     DocumentFormat(fmt))
        except GuidanceNotFound:
            return page(request, user, "message.html", status=404, title="行政指导不存在", message="没有该行政指导，或您无权查看。")
        except LedgerError as e:
            return page(request, user, "message.html", status=409, title="不能出具", message=e.message)
        # the file comes back instead of a page: remember its position, so
        # the guidance page lists this issue when the user returns to it
        request.set_session({**request.session, "n": issued.result.notification_id})
        return file_response(issued)

    # ------------------------------------------------ 责令改正通知书

    @get("/correction-order")
    async def order_form(self, request: AnyRequest, guidance_id: FromPath[UUID]) -> Template:
        """The order's form; once issued, the tracking of its items."""
        user = page_user(request)
        return await self._order_page(request, user, guidance_id, {}, {})

    @post("/correction-order")
    async def order(self, request: AnyRequest, guidance_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k) or "") for k in (*ORDER_FIELDS, "expected_version", "idempotency_key")}
        try:
            command = order_command(guidance_id, form)
        except InvalidInput as e:
            # the date cannot make a command: ask the guidance for the other fields' errors too
            return await self._order_page(request, user, guidance_id, values, await self._with_others(
                request, user, guidance_id, form, e), status=422)
        return await self._run(request, user, guidance_id, command, form, values)

    @post("/correction-order/tracking")
    async def track(self, request: AnyRequest, guidance_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(v) for k, v in form.items()}
        try:
            guidance = await in_thread(_visible, request, user, guidance_id)
            if guidance.correction is None:
                return await self._order_page(request, user, guidance_id, values, {"": "尚未下达责令改正通知书"}, status=409)
            command = tracking_command(guidance, form)
        except NotFound:
            return _not_found(request, user)
        except InvalidInput as e:
            return await self._order_page(request, user, guidance_id, values, _placed(field_errors(e)), status=422)
        return await self._run(request, user, guidance_id, command, form, values)

    # ---------------------------------------------------------- helpers

    async def _run(self, request: AnyRequest, user: AuthUser, guidance_id: UUID, command: Any, form: FormMultiDict,
                   values: dict[str, str]) -> Template | Redirect:
        try:
            body = await in_thread(run_command, request.app.state, user, command, form_key(form))
        except InvalidInput as e:
            return await self._order_page(request, user, guidance_id, values, _placed(field_errors(e)), status=422)
        except NotFound:
            return _not_found(request, user)
        except Conflict as e:
            return await self._order_page(request, user, guidance_id, {}, {"": e.message}, status=409)
        except LedgerError as e:
            return await self._order_page(request, user, guidance_id, values, {"": e.message}, status=409)
        remember(request, body)
        return Redirect(path=f"/w/guidance/{guidance_id}")

    async def _with_others(self, request: AnyRequest, user: AuthUser, guidance_id: UUID, form: FormMultiDict,
                           first: InvalidInput) -> dict[str, str]:
        """The date's error and the other fields' (the guidance decides on a
        copy, due today, with a counter of its own: nothing is saved)."""
        errors = list(first.errors)
        try:
            guidance = await in_thread(_visible, request, user, guidance_id)  # a copy of the cached one
            now = request.app.state.ledger.clock()
            envelope = make_envelope(user.actor, "form-check", now)
            counter = FormCounter(unit=user.unit, kind=FormKind.CORRECTION_ORDER, year=now.astimezone(CST).year)
            items = tuple(line for line in str(form.get("items") or "").splitlines())
            guidance.order_correction(envelope, counter, problems=str(form.get("problems") or ""),
                                      legal_basis=str(form.get("legal_basis") or ""), items=items,
                                      due_on=now.astimezone(CST).date())
        except InvalidInput as e:
            errors += [f for f in e.errors if f.field != "due_on"]
        except LedgerError:
            pass  # a refusal that does not depend on the fields: shown once the date is right
        return _placed({e.field: e.message for e in errors})

    async def _order_page(self, request: AnyRequest, user: AuthUser, guidance_id: UUID, values: dict[str, str],
                          errors: dict[str, str], status: int = 200) -> Template:
        try:
            guidance = await in_thread(_visible, request, user, guidance_id)
        except NotFound:
            return _not_found(request, user)
        scope = scope_for(user.role, user.unit, Reach.CASES)
        if not values and guidance.correction is None:
            values = {"legal_basis": guidance.legal_basis}
        order = guidance.correction
        if not may_order(user, guidance) and order is None:  # an order issued is shown to every reader
            errors = {"": "只有本行政指导实施单位的人员可以办理；责令改正通知书仅适用于劝导警示（规劝）方式的行政指导。"} | errors
            status = status if status != 200 else 403
        if order is not None:
            for i, item in enumerate(order.items):
                values.setdefault(f"items[{i}].status", item.status.value)
                values.setdefault(f"items[{i}].evidence", item.evidence)
        return page(request, user, "guidance_correction_order.html", status=status, g=guidance_view(guidance, scope),
                    order=order, values=values, errors=errors, statuses=list(ItemStatus),
                    allowed=may_order(user, guidance), key=values.get("idempotency_key") or uuid.uuid4(),
                    open=guidance.state in (GuidanceState.STARTED, GuidanceState.GIVEN))


def _not_found(request: AnyRequest, user: AuthUser) -> Template:
    return page(request, user, "message.html", status=404, title="行政指导不存在", message="没有该行政指导，或您无权查看。")
