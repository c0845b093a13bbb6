"""The supervision network (seed 003 一–三): quotas, contact points, invited
supervisors, pairings and the reports the 司法所 files.

Reads apply ``Reach.SUPERVISION``: a 司法所's staff read their own office's
records, the 司法局's supervisors and auditors every office's; other roles
are refused (403), another office's record is unknown (404). Resident ID
numbers (and a supervisor's mobile) are masked for the roles that mask them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.case.values import DocumentFormat
from ledger.documents.network_papers import IssueAppointmentLetter
from ledger.errors import InvalidInput
from ledger.history import describe
from ledger.identifiers import mask_person_fields
from ledger.network import ContactPoint, InvitedSupervisor, NetworkNotFound, NetworkReport, Pairing
from ledger.network.commands import (
    AdjustContactPoint,
    AppointSupervisor,
    DismissSupervisor,
    EndPairing,
    FileNetworkReport,
    ForwardNetworkReport,
    NominateContactPoint,
    NominateSupervisor,
    PairEnterprise,
    PlaqueContactPoint,
    RecordNetworkQuotas,
    RecordPairingVisit,
    RejectContactPoint,
    RemoveContactPoint,
    RenewSupervisor,
)
from ledger.scope import Reach, sees
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import context_of, execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads
from ledger_http.common.schemas import CommandResult, command_body
from ledger_http.documents import file_response

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("network",)

PlaqueBody = command_body(PlaqueContactPoint, "PlaqueContactPointBody", exclude=("contact_point_id",))
RejectBody = command_body(RejectContactPoint, "RejectContactPointBody", exclude=("contact_point_id",))
AdjustBody = command_body(AdjustContactPoint, "AdjustContactPointBody", exclude=("contact_point_id",))
RemoveBody = command_body(RemoveContactPoint, "RemoveContactPointBody", exclude=("contact_point_id",))
AppointBody = command_body(AppointSupervisor, "AppointSupervisorBody", exclude=("supervisor_id",))
RenewBody = command_body(RenewSupervisor, "RenewSupervisorBody", exclude=("supervisor_id",))
DismissBody = command_body(DismissSupervisor, "DismissSupervisorBody", exclude=("supervisor_id",))
VisitBody = command_body(RecordPairingVisit, "RecordPairingVisitBody", exclude=("pairing_id",))
EndBody = command_body(EndPairing, "EndPairingBody", exclude=("pairing_id",))
ForwardBody = command_body(ForwardNetworkReport, "ForwardNetworkReportBody", exclude=("report_id",))

Rows = list[dict[str, Any]]
WAIT = QueryParameter(name="wait_for", default=None, ge=0, le=2**62, description="wait until the views reach this notification")


def _with(cls: type, data: Any, **ids: Any) -> Any:
    return cls(**ids, **msgspec.structs.asdict(data))


def _record(request: AnyRequest, cls: type, record_id: UUID) -> Any:
    """The record, if the caller may read it (else unknown, as commands answer it)."""
    user = request.user
    scope_of(request, Reach.SUPERVISION)  # 403 for roles that read none of it
    record = request.app.state.ledger.network_record(cls, record_id)
    if not sees(user.role, user.unit, Reach.SUPERVISION, [record.office]):
        raise NetworkNotFound("没有该记录")
    return record


def _builtins(record: Any, masks: bool) -> dict[str, Any]:
    data = {k: v for k, v in vars(record).items() if not k.startswith("_")}
    data = msgspec.to_builtins(data, builtin_types=(), str_keys=True)
    data["id"] = str(record.id)
    data["version"] = record.version
    return mask_person_fields(data) if masks else data


def _history(request: AnyRequest, cls: type, record_id: UUID) -> Rows:
    record = _record(request, cls, record_id)
    masks = scope_of(request, Reach.SUPERVISION).masks_ids
    out = []
    for e in request.app.state.ledger.history(record.id):
        view = msgspec.to_builtins(describe(e))
        if masks and isinstance(view.get("data"), dict):
            mask_person_fields(view["data"])
        out.append(view)
    return out


class NetworkController(Controller):
    path = "/"
    tags = ["network"]

    # ------------------------------------------------------------ quotas

    @post("/network/quotas", responses=ERRORS, operation_id="recordNetworkQuotas", status_code=200, sync_to_thread=True)
    def record_quotas(self, request: AnyRequest, data: JSONBody[RecordNetworkQuotas]) -> Response[CommandResult]:
        """附件1: the year's quotas per town (the 司法局; again to revise)."""
        return execute(request, data)

    @get("/network/quotas/{year:int}", responses=ERRORS, operation_id="listNetworkQuotas", sync_to_thread=True)
    def quotas(self, request: AnyRequest, year: FromPath[int], wait_for: int | None = WAIT) -> Rows:
        """附件1 for ``year`` with the seats taken (a 司法所: its own town's line)."""
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.network_quotas(scope_of(request, Reach.SUPERVISION), year)

    # ------------------------------------------------------------ contact points

    @post("/contact-points", responses=ERRORS, operation_id="nominateContactPoint", status_code=201, sync_to_thread=True)
    def nominate_point(self, request: AnyRequest, data: JSONBody[NominateContactPoint]) -> Response[CommandResult]:
        """提名企业联系点 (a 司法所, within its town's quota; 附件2). ``record_id``: the contact point."""
        return execute(request, data, status=201)

    @get("/contact-points", responses=ERRORS, operation_id="listContactPoints", sync_to_thread=True)
    def points(self, request: AnyRequest, office: str | None = QueryParameter(name="office", default=None),
               year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
               point_state: str | None = QueryParameter(name="state", default=None), wait_for: int | None = WAIT) -> Rows:
        """The contact points (附件2's columns), within the caller's scope."""
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.contact_points(scope_of(request, Reach.SUPERVISION), office=office, year=year,
                                                      state=point_state)

    @get("/contact-points/{contact_point_id:uuid}", responses=ERRORS, operation_id="getContactPoint", sync_to_thread=True)
    def point(self, request: AnyRequest, contact_point_id: FromPath[UUID]) -> dict[str, Any]:
        """A contact point now."""
        return _builtins(_record(request, ContactPoint, contact_point_id), False)

    @get("/contact-points/{contact_point_id:uuid}/history", responses=ERRORS, operation_id="getContactPointHistory",
         sync_to_thread=True)
    def point_history(self, request: AnyRequest, contact_point_id: FromPath[UUID]) -> Rows:
        """Every event of the contact point."""
        return _history(request, ContactPoint, contact_point_id)

    @post("/contact-points/{contact_point_id:uuid}/plaque", responses=ERRORS, operation_id="plaqueContactPoint",
          status_code=200, sync_to_thread=True)
    def plaque(self, request: AnyRequest, contact_point_id: FromPath[UUID], data: JSONBody[PlaqueBody]) -> Response[CommandResult]:
        """审核通过并挂牌 (the 司法局), with the date: then published."""
        return execute(request, _with(PlaqueContactPoint, data, contact_point_id=contact_point_id))

    @post("/contact-points/{contact_point_id:uuid}/rejection", responses=ERRORS, operation_id="rejectContactPoint",
          status_code=200, sync_to_thread=True)
    def reject(self, request: AnyRequest, contact_point_id: FromPath[UUID], data: JSONBody[RejectBody]) -> Response[CommandResult]:
        """退回 a nomination, with the reason (the seat is free again)."""
        return execute(request, _with(RejectContactPoint, data, contact_point_id=contact_point_id))

    @post("/contact-points/{contact_point_id:uuid}/adjustment", responses=ERRORS, operation_id="adjustContactPoint",
          status_code=200, sync_to_thread=True)
    def adjust(self, request: AnyRequest, contact_point_id: FromPath[UUID], data: JSONBody[AdjustBody]) -> Response[CommandResult]:
        """动态调整: the enterprise's details now, with the reason."""
        return execute(request, _with(AdjustContactPoint, data, contact_point_id=contact_point_id))

    @post("/contact-points/{contact_point_id:uuid}/removal", responses=ERRORS, operation_id="removeContactPoint",
          status_code=200, sync_to_thread=True)
    def remove(self, request: AnyRequest, contact_point_id: FromPath[UUID], data: JSONBody[RemoveBody]) -> Response[CommandResult]:
        """动态调整: no longer a contact point, with the reason."""
        return execute(request, _with(RemoveContactPoint, data, contact_point_id=contact_point_id))

    # ------------------------------------------------------------ invited supervisors

    @post("/invited-supervisors", responses=ERRORS, operation_id="nominateInvitedSupervisor", status_code=201,
          sync_to_thread=True)
    def nominate_supervisor(self, request: AnyRequest, data: JSONBody[NominateSupervisor]) -> Response[CommandResult]:
        """提名特邀行政执法监督员 (a 司法所, within its town's quota for the category; 附件3)."""
        return execute(request, data, status=201)

    @get("/invited-supervisors", responses=ERRORS, operation_id="listInvitedSupervisors", sync_to_thread=True)
    def supervisors(self, request: AnyRequest, office: str | None = QueryParameter(name="office", default=None),
                    year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
                    category: str | None = QueryParameter(name="category", default=None),
                    expiring: bool = QueryParameter(name="expiring", default=False,
                                                    description="only terms ending within 30 days (the reminders)"),
                    wait_for: int | None = WAIT) -> Rows:
        """The invited supervisors with their term's end and reminder (resident IDs masked by role)."""
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.invited_supervisors(scope_of(request, Reach.SUPERVISION), office=office,
                                                           year=year, category=category, expiring_only=expiring)

    @get("/invited-supervisors/{supervisor_id:uuid}", responses=ERRORS, operation_id="getInvitedSupervisor",
         sync_to_thread=True)
    def supervisor(self, request: AnyRequest, supervisor_id: FromPath[UUID]) -> dict[str, Any]:
        """A supervisor now, with every term and its 聘任书 number."""
        record = _record(request, InvitedSupervisor, supervisor_id)
        return _builtins(record, scope_of(request, Reach.SUPERVISION).masks_ids)

    @get("/invited-supervisors/{supervisor_id:uuid}/history", responses=ERRORS,
         operation_id="getInvitedSupervisorHistory", sync_to_thread=True)
    def supervisor_history(self, request: AnyRequest, supervisor_id: FromPath[UUID]) -> Rows:
        """Every event of the supervisor (resident IDs masked by role)."""
        return _history(request, InvitedSupervisor, supervisor_id)

    @post("/invited-supervisors/{supervisor_id:uuid}/appointment", responses=ERRORS,
          operation_id="appointInvitedSupervisor", status_code=200, sync_to_thread=True)
    def appoint(self, request: AnyRequest, supervisor_id: FromPath[UUID], data: JSONBody[AppointBody]) -> Response[CommandResult]:
        """聘任 for one year from ``term_start``; ``number``: the 聘任书's."""
        return execute(request, _with(AppointSupervisor, data, supervisor_id=supervisor_id))

    @post("/invited-supervisors/{supervisor_id:uuid}/renewal", responses=ERRORS,
          operation_id="renewInvitedSupervisor", status_code=200, sync_to_thread=True)
    def renew(self, request: AnyRequest, supervisor_id: FromPath[UUID], data: JSONBody[RenewBody]) -> Response[CommandResult]:
        """续聘 for the next term (up to the current term's last day); ``number``: the new 聘任书's."""
        return execute(request, _with(RenewSupervisor, data, supervisor_id=supervisor_id))

    @post("/invited-supervisors/{supervisor_id:uuid}/appointment-letter", responses=ERRORS,
          operation_id="issueAppointmentLetter", status_code=200, sync_to_thread=True)
    def appointment_letter(self, request: AnyRequest, supervisor_id: FromPath[UUID],
                           format: str = QueryParameter(name="format", default="pdf", pattern="^(docx|pdf)$"),
                           term: int | None = QueryParameter(name="term", default=None, ge=1, le=100,
                                                             description="which term's (1 = the first; default the latest)"),
                           ) -> Response[bytes]:
        """出具 the 聘任书 of a term as PDF or DOCX (the 司法局; recorded as DocumentIssued on the supervisor)."""
        scope_of(request, Reach.SUPERVISION)  # 403 for roles that read none of it
        return file_response(request.app.state.ledger.issue_appointment_letter(
            context_of(request.user), IssueAppointmentLetter(supervisor_id=supervisor_id, term=term,
                                                             format=DocumentFormat(format))))

    @post("/invited-supervisors/{supervisor_id:uuid}/dismissal", responses=ERRORS,
          operation_id="dismissInvitedSupervisor", status_code=200, sync_to_thread=True)
    def dismiss(self, request: AnyRequest, supervisor_id: FromPath[UUID], data: JSONBody[DismissBody]) -> Response[CommandResult]:
        """不予聘任 or 解聘, with the reason."""
        return execute(request, _with(DismissSupervisor, data, supervisor_id=supervisor_id))

    # ------------------------------------------------------------ pairings

    @post("/pairings", responses=ERRORS, operation_id="pairEnterprise", status_code=201, sync_to_thread=True)
    def pair(self, request: AnyRequest, data: JSONBody[PairEnterprise]) -> Response[CommandResult]:
        """结对: a staff member of the caller's 司法所 with an enterprise (附件4)."""
        return execute(request, data, status=201)

    @get("/pairings", responses=ERRORS, operation_id="listPairings", sync_to_thread=True)
    def pairings(self, request: AnyRequest, office: str | None = QueryParameter(name="office", default=None),
                 staff: str | None = QueryParameter(name="staff", default=None), wait_for: int | None = WAIT) -> Rows:
        """The pairings with their visits and the 法治需求 collected."""
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.pairings(scope_of(request, Reach.SUPERVISION), office=office, staff=staff)

    @get("/pairings/check", responses=ERRORS, operation_id="checkPairings", sync_to_thread=True)
    def check(self, request: AnyRequest, office: str | None = QueryParameter(name="office", default=None),
              wait_for: int | None = WAIT) -> Rows:
        """所长、副所长不少于2家，一般司法干警不少于1家: each staff member of the office, ``short`` if below."""
        scope = scope_of(request, Reach.SUPERVISION)
        office = office or request.user.unit
        try:  # only a 司法所 has pairings to check
            request.app.state.ledger._require_justice_office(office, "office")
        except InvalidInput:
            raise NetworkNotFound(f"没有名为“{office}”的司法所") from None
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.pairing_check(scope, office)

    @post("/pairings/{pairing_id:uuid}/visits", responses=ERRORS, operation_id="recordPairingVisit", status_code=200,
          sync_to_thread=True)
    def visit(self, request: AnyRequest, pairing_id: FromPath[UUID], data: JSONBody[VisitBody]) -> Response[CommandResult]:
        """走访座谈 and the legal needs collected."""
        return execute(request, _with(RecordPairingVisit, data, pairing_id=pairing_id))

    @post("/pairings/{pairing_id:uuid}/end", responses=ERRORS, operation_id="endPairing", status_code=200,
          sync_to_thread=True)
    def end(self, request: AnyRequest, pairing_id: FromPath[UUID], data: JSONBody[EndBody]) -> Response[CommandResult]:
        """解除结对, with the reason."""
        return execute(request, _with(EndPairing, data, pairing_id=pairing_id))

    @get("/pairings/{pairing_id:uuid}", responses=ERRORS, operation_id="getPairing", sync_to_thread=True)
    def pairing(self, request: AnyRequest, pairing_id: FromPath[UUID]) -> dict[str, Any]:
        """A pairing now, with its visits."""
        return _builtins(_record(request, Pairing, pairing_id), False)

    # ------------------------------------------------------------ reports

    @post("/network-reports", responses=ERRORS, operation_id="fileNetworkReport", status_code=201, sync_to_thread=True)
    def file(self, request: AnyRequest, data: JSONBody[FileNetworkReport]) -> Response[CommandResult]:
        """立档建册 a contact point's or invited supervisor's report (the 司法所)."""
        return execute(request, data, status=201)

    @get("/network-reports", responses=ERRORS, operation_id="listNetworkReports", sync_to_thread=True)
    def reports(self, request: AnyRequest, office: str | None = QueryParameter(name="office", default=None),
                source: str | None = QueryParameter(name="source", default=None),
                forwarded: bool | None = QueryParameter(name="forwarded", default=None),
                wait_for: int | None = WAIT) -> Rows:
        """The reports filed, newest received first."""
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.network_reports(scope_of(request, Reach.SUPERVISION), office=office,
                                                       source=source, forwarded=forwarded)

    @get("/network-reports/{report_id:uuid}", responses=ERRORS, operation_id="getNetworkReport", sync_to_thread=True)
    def report(self, request: AnyRequest, report_id: FromPath[UUID]) -> dict[str, Any]:
        """A report now."""
        return _builtins(_record(request, NetworkReport, report_id), False)

    @post("/network-reports/{report_id:uuid}/forward", responses=ERRORS, operation_id="forwardNetworkReport",
          status_code=200, sync_to_thread=True)
    def forward(self, request: AnyRequest, report_id: FromPath[UUID], data: JSONBody[ForwardBody]) -> Response[CommandResult]:
        """及时向司法局反馈 (today)."""
        return execute(request, _with(ForwardNetworkReport, data, report_id=report_id))
