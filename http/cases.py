"""Case commands and case reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.case import GuidanceCase
from ledger.case.commands import (
    AcceptCase,
    AnnotateCase,
    ArchiveCase,
    BookGuidance,
    CorrectRecord,
    DispatchCase,
    RateService,
    RecordFollowUp,
    RecordService,
    RefuseCase,
    RemakePenalty,
    RevokePenalty,
    TrackRectification,
    WithdrawCase,
)
from ledger.case.values import ApplicantKind
from ledger.errors import CaseNotFound
from ledger.history import EventView, describe
from ledger.identifiers import mask_id_number, mask_personal
from ledger.scope import Reach, Scope, scope_for, sees_case
from ledger.values import local_instant
from ledger_http.common import schemas as s
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS

AnyRequest = Request[AuthUser, Any, Any]


def _case_command(cls: type, data: Any, case_id: UUID) -> Any:
    return cls(case_id=case_id, **msgspec.structs.asdict(data))


def visible_case(request: AnyRequest, case: GuidanceCase) -> Scope:
    """The caller's scope over the case; unit staff see only the cases
    dispatched to their unit, administrators none (others: 404, as for an
    unknown id)."""
    user = request.user
    if not sees_case(user.role, user.unit, case.units):
        raise CaseNotFound(f"没有编号为{case.id}的案件")
    return scope_for(user.role, user.unit, Reach.CASES)


def case_view(case: GuidanceCase, scope: Scope) -> s.CaseView:
    applicant = case.applicant
    if applicant.kind is ApplicantKind.INDIVIDUAL and scope.masks_ids:
        applicant = msgspec.structs.replace(applicant, id_number=mask_id_number(applicant.id_number))
    return s.CaseView(
        id=case.id, version=case.version, state=case.state, state_label=case.state.label, applied_at=case.applied_at,
        applicant=applicant, contact=case.contact, service_types=case.service_types, needs=case.needs,
        notes=case.notes, channel=case.channel, urgency=case.urgency,
        application_number=str(case.application_number) if case.application_number else None, due=case.due,
        refusal_reason=case.refusal_reason, refusal_notice=case.refusal_notice, referral=case.referral,
        assignments=case.assignments, lead_unit=case.lead_unit, service_form=case.service_form,
        agreed_time=case.agreed_time, opinion=case.opinion, rating=case.rating, follow_ups=case.follow_ups,
        rectifications=case.rectifications, reversals=case.reversals, withdrawal_reason=case.withdrawal_reason,
        archive_number=str(case.archive_number) if case.archive_number else None,
        corrections=case.corrections, annotations=case.annotations,
    )


class CaseController(Controller):
    path = "/cases"
    tags = ["cases"]

    @post("/", responses=ERRORS, operation_id="bookGuidance", status_code=201, sync_to_thread=True)
    def book(self, request: AnyRequest, data: JSONBody[s.BookBody]) -> Response[s.CommandResult]:
        """预约申请: register a booking (registrar)."""
        return execute(request, BookGuidance(**msgspec.structs.asdict(data)), status=201)

    @post("/{case_id:uuid}/accept", responses=ERRORS, operation_id="acceptCase", status_code=200, sync_to_thread=True)
    def accept(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.AcceptBody]) -> Response[s.CommandResult]:
        """受理: number the application form and compute the due time(s)."""
        return execute(request, _case_command(AcceptCase, data, case_id))

    @post("/{case_id:uuid}/refuse", responses=ERRORS, operation_id="refuseCase", status_code=200, sync_to_thread=True)
    def refuse(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.RefuseBody]) -> Response[s.CommandResult]:
        """不予受理, with the one-time notice and a referral."""
        return execute(request, _case_command(RefuseCase, data, case_id))

    @post("/{case_id:uuid}/dispatch", responses=ERRORS, operation_id="dispatchCase", status_code=200, sync_to_thread=True)
    def dispatch(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.DispatchBody]) -> Response[s.CommandResult]:
        """统筹派单 (again with a reason to re-dispatch)."""
        return execute(request, _case_command(DispatchCase, data, case_id))

    @post("/{case_id:uuid}/serve", responses=ERRORS, operation_id="recordService", status_code=200, sync_to_thread=True)
    def serve(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.ServeBody]) -> Response[s.CommandResult]:
        """指导服务意见书: record the service and its opinion."""
        return execute(request, _case_command(RecordService, data, case_id))

    @post("/{case_id:uuid}/rate", responses=ERRORS, operation_id="rateService", status_code=200, sync_to_thread=True)
    def rate(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.RateBody]) -> Response[s.CommandResult]:
        """服务满意度评价 (on-site form or 电话回访)."""
        return execute(request, _case_command(RateService, data, case_id))

    @post("/{case_id:uuid}/follow-ups", responses=ERRORS, operation_id="recordFollowUp", status_code=200, sync_to_thread=True)
    def follow_up(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.FollowUpBody]) -> Response[s.CommandResult]:
        """回访."""
        return execute(request, _case_command(RecordFollowUp, data, case_id))

    @post("/{case_id:uuid}/rectifications", responses=ERRORS, operation_id="trackRectification", status_code=200, sync_to_thread=True)
    def rectification(
        self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.RectificationBody]
    ) -> Response[s.CommandResult]:
        """跟踪整改落实情况."""
        return execute(request, _case_command(TrackRectification, data, case_id))

    @post("/{case_id:uuid}/penalty-revocations", responses=ERRORS, operation_id="revokePenalty", status_code=200, sync_to_thread=True)
    def revoke(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.RevokeBody]) -> Response[s.CommandResult]:
        """撤销行政处罚 (issuing unit only; written explanation mandatory)."""
        return execute(request, _case_command(RevokePenalty, data, case_id))

    @post("/{case_id:uuid}/penalty-remakes", responses=ERRORS, operation_id="remakePenalty", status_code=200, sync_to_thread=True)
    def remake(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.RemakeBody]) -> Response[s.CommandResult]:
        """重新作出行政处罚决定 (issuing unit only; written explanation mandatory)."""
        return execute(request, _case_command(RemakePenalty, data, case_id))

    @post("/{case_id:uuid}/withdraw", responses=ERRORS, operation_id="withdrawCase", status_code=200, sync_to_thread=True)
    def withdraw(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.WithdrawBody]) -> Response[s.CommandResult]:
        """撤回 (the applicant withdraws; voluntary)."""
        return execute(request, _case_command(WithdrawCase, data, case_id))

    @post("/{case_id:uuid}/archive", responses=ERRORS, operation_id="archiveCase", status_code=200, sync_to_thread=True)
    def archive(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.ArchiveBody]) -> Response[s.CommandResult]:
        """回访归档 (after a completeness check)."""
        return execute(request, _case_command(ArchiveCase, data, case_id))

    @post("/{case_id:uuid}/corrections", responses=ERRORS, operation_id="correctRecord", status_code=200, sync_to_thread=True)
    def correct(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.CorrectBody]) -> Response[s.CommandResult]:
        """更正: a new event naming the event it corrects (basis = why)."""
        return execute(request, _case_command(CorrectRecord, data, case_id))

    @post("/{case_id:uuid}/annotations", responses=ERRORS, operation_id="annotateCase", status_code=200, sync_to_thread=True)
    def annotate(self, request: AnyRequest, case_id: FromPath[UUID], data: JSONBody[s.AnnotateBody]) -> Response[s.CommandResult]:
        """批注 (accepted also after archiving)."""
        return execute(request, _case_command(AnnotateCase, data, case_id))

    @get("/{case_id:uuid}", responses=ERRORS, operation_id="getCase", sync_to_thread=True)
    def get_case(
        self,
        request: AnyRequest,
        case_id: FromPath[UUID],
        as_of: datetime | None = QueryParameter(name="as_of", default=None, description="recording time (ISO 8601)"),
    ) -> s.CaseView:
        """The case now, or as the ledger knew it at ``as_of``."""
        ledger = request.app.state.ledger
        if as_of is not None:
            as_of = local_instant("as_of", as_of)
        case = ledger.get_case(case_id) if as_of is None else ledger.case_as_of(case_id, as_of)
        scope = visible_case(request, ledger.get_case(case_id) if as_of is not None else case)
        return case_view(case, scope)

    @get("/{case_id:uuid}/history", responses=ERRORS, operation_id="getCaseHistory", sync_to_thread=True)
    def history(self, request: AnyRequest, case_id: FromPath[UUID]) -> list[EventView]:
        """Every event: actor, role, unit, business and recording time, basis, data."""
        ledger = request.app.state.ledger
        case = ledger.get_case(case_id)
        scope = visible_case(request, case)
        views = [describe(e) for e in ledger.history(case.id)]
        if scope.masks_ids:
            individual = case.applicant.kind is ApplicantKind.INDIVIDUAL
            views = [msgspec.structs.replace(v, data=mask_personal(v.data, individual=individual)) for v in views]
        return views
