"""The case page: the current state (or the state as of a chosen moment),
how the due time was counted, the forms the user may open next, and the
timeline of every event with its position in the sealed chain; the case's
offline-verifiable bundle."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.params import FromPath
from litestar.response import Template

from ledger.case import AFTER_SERVICE, TERMINAL, GuidanceCase
from ledger.case.values import ApplicantKind, CaseState, DocumentKind
from ledger.documents.drawing import available
from ledger.errors import CaseNotFound
from ledger.history import describe
from ledger.identifiers import mask_personal
from ledger.risk_points.values import RecordKind
from ledger.scope import Reach, Scope, scope_for, sees_case
from ledger.values import Role
from ledger.workdays import explain_due
from ledger_http.cases import case_view
from ledger_http.common.auth import AuthUser
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, caught_up, in_thread, local_moment, page, page_user
from ledger_http.web.risk_points import risk_box
from ledger_http.web.timeline import entries
from projections.seal import export_case

ARCHIVABLE = (CaseState.RATED, CaseState.REFUSED, CaseState.WITHDRAWN)
READ_ONLY = (Role.AUDITOR, Role.ADMINISTRATOR)


def next_steps(user: AuthUser, case: GuidanceCase) -> list[tuple[str, str, bool]]:
    """The forms to offer on the case page, (label, path, the main next step?):
    a hint only (the ledger decides whether the step is allowed, and says why not)."""
    role, state, base = user.role, case.state, f"/w/cases/{case.id}"
    mine = user.unit in case.units
    offers = {
        (Role.REGISTRAR, CaseState.APPLIED): [("受理或不予受理", "accept")],
        (Role.DISPATCHER, CaseState.ACCEPTED): [("派单", "dispatch")],
        (Role.DISPATCHER, CaseState.DISPATCHED): [("重新派单", "dispatch")],
        (Role.UNIT_STAFF, CaseState.DISPATCHED): [("填写指导服务意见书", "serve")] if mine else [],
        (Role.REGISTRAR, CaseState.SERVED): [("电话回访评价", "rate")],
        (Role.UNIT_STAFF, CaseState.SERVED): [("现场满意度评价", "rate")] if mine else [],
    }
    main = offers.get((role, state), [])
    steps = list(main)
    if state in AFTER_SERVICE and (role is Role.REGISTRAR or (role is Role.UNIT_STAFF and mine)):
        steps.append(("回访", "follow-up"))
    if state in AFTER_SERVICE and role is Role.UNIT_STAFF and mine:
        steps += [("整改跟踪", "rectification"), ("撤销或重新作出行政处罚", "reversal")]
    if role is Role.REGISTRAR and state not in TERMINAL:
        steps.append(("撤回", "withdraw"))
    if role not in READ_ONLY:
        steps += [("更正记录", "correct"), ("批注", "annotate")]
    return [(label, f"{base}/{path}", (label, path) in main) for label, path in steps]


def visible_case(request: AnyRequest, user: AuthUser, case_id: UUID, as_of: datetime | None = None) -> GuidanceCase:
    """The case (as of a moment), or CaseNotFound if unknown or not visible
    to this user (the same answer, so ids cannot be probed)."""
    ledger = request.app.state.ledger
    case = ledger.case_as_of(case_id, as_of) if as_of else ledger.get_case(case_id)
    if not sees_case(user.role, user.unit, ledger.get_case(case_id).units if as_of else case.units):
        raise CaseNotFound(f"没有编号为{case_id}的案件")
    return case


def _timeline(request: AnyRequest, case: GuidanceCase, scope: Scope, as_of: datetime | None) -> list[dict[str, Any]]:
    ledger, views = request.app.state.ledger, request.app.state.views
    history = [describe(e) for e in ledger.history(case.id) if e.originator_version <= case.version]
    individual = case.applicant.kind is ApplicantKind.INDIVIDUAL
    mask = (lambda d: mask_personal(d, individual=individual)) if scope.masks_ids else None
    return entries(history, views.case_chain(case.id), masked=mask)


def _documents(request: AnyRequest, user: AuthUser, case: GuidanceCase, scope: Scope) -> tuple[list[Any], list[Any]]:
    """The documents the case can issue now — (kind, label, about), one per
    reversal where several — and those it issued, newest first."""
    ledger = request.app.state.ledger
    papers = []
    for kind in available(case, ledger.letters_of(case)):
        if kind is DocumentKind.REVERSAL_STATEMENT and len(case.reversals) > 1:
            papers += [(kind.value, f"{kind.label}（{r.decision.number}）", r.decision.number) for r in case.reversals]
        else:
            papers.append((kind.value, kind.label, ""))
    return papers, request.app.state.views.documents_issued(scope, case_id=case.id)


async def case_page(request: AnyRequest, user: AuthUser, case_id: UUID, *, as_of_text: str = "",
                    banner: str | None = None, status: int = 200) -> Template:
    """The case page; ``banner`` tells why the user was brought back here
    (e.g. the case changed while they filled a form)."""
    as_of = local_moment(as_of_text)
    try:
        case = await in_thread(visible_case, request, user, case_id, as_of)
    except CaseNotFound:
        return page(request, user, "message.html", status=404, title="案件不存在",
                    message="没有该案件，或您无权查看；若选择了查看时刻，该时刻尚未登记此案。")
    scope = scope_for(user.role, user.unit, Reach.CASES)
    events = await in_thread(_timeline, request, case, scope, as_of)
    due_lines = ()
    if case.due is not None:
        calendar = await in_thread(request.app.state.ledger.calendar, for_update=False)
        due_lines = explain_due(case.due, calendar.view())
    live = as_of is None
    papers, issued = await in_thread(_documents, request, user, case, scope) if live else ([], [])
    can_archive = live and user.role is Role.REGISTRAR and case.state in ARCHIVABLE
    individual = case.applicant.kind is ApplicantKind.INDIVIDUAL
    return page(request, user, "case.html", status=status, case=case_view(case, scope), events=events,
                actions=next_steps(user, case) if live else [], banner=banner, due_lines=due_lines,
                as_of=as_of_text if as_of else "", as_of_bad=bool(as_of_text) and as_of is None,
                can_archive=can_archive, checks=case.completeness() if can_archive else (),
                bundle=scope.reads_stored_events(individual), sealed=sum(1 for e in events if e["chain"]),
                papers=papers, issued=issued, issues=user.role not in READ_ONLY,
                mediation_right=await in_thread(right_notice_reminder, request.app.state, case) if live else None,
                risk=await risk_box(request, user, RecordKind.SERVICE if case.opinion is not None else RecordKind.CASE,
                                    case.id, case.units) if live else None)


def right_notice_reminder(state: Any, case: Any) -> Any:
    """第十五条: whether this served 纠纷化解 case still owes the notice of the right to mediation (ledger_http.web.mediation)."""
    from ledger_http.web.mediation import right_notice_reminder as reminder

    return reminder(state, case)


class CasePages(Controller):
    path = "/w/cases/{case_id:uuid}"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def case(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        # the documents issued are listed from their view, the right-to-mediation notice from the mediation view
        await caught_up(request, "cases", "documents", "mediation")
        return await case_page(request, user, case_id, as_of_text=str(request.query_params.get("as_of") or "")[:32])

    @get("/bundle")
    async def bundle(self, request: AnyRequest, case_id: FromPath[UUID]) -> Response[bytes] | Template:
        """The case's events and their chain positions as stored, for
        ``tools/verify_bundle.py`` to check offline."""
        user = page_user(request)
        try:
            case = await in_thread(visible_case, request, user, case_id)
        except CaseNotFound:
            return page(request, user, "message.html", status=404, title="案件不存在", message="没有该案件，或您无权查看。")
        scope = scope_for(user.role, user.unit, Reach.CASES)
        if not scope.reads_stored_events(case.applicant.kind is ApplicantKind.INDIVIDUAL):
            return page(request, user, "message.html", status=403, title="不能导出",
                        message="本案申请人为个人，校验包含完整身份证号，只有登记受理和执法监督人员可以导出。")
        try:
            body = await in_thread(export_case, request.app.state.settings, case_id)
        except ValueError:
            return page(request, user, "message.html", status=409, title="尚未封存",
                        message="本案的记录尚未写入校验链，请稍后再试。")
        return Response(msgspec.json.encode(body), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.json"'})
