"""Administrative mediation (行政调解, issue 19): its commands, reads and documents.

Each command's body is its command Struct without ``mediation_id`` (taken
from the path). Reads apply the cases' rule (``Reach.CASES``): the unit's
staff see its mediations; registrar, dispatcher, supervisor and auditor every
unit's; anyone else is answered as for an unknown id. A person's resident ID
is masked for the roles that mask it, in the mediation, its history and its
documents.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.case.values import MEDIATION_DOCUMENTS, DocumentFormat, DocumentKind
from ledger.documents import mediation as papers
from ledger.documents.mediation import IssueMediationDocument
from ledger.history import EventView, describe
from ledger.identifiers import mask_id_number, mask_personal
from ledger.mediation import AdministrativeMediation, MediationNotFound
from ledger.mediation.commands import (
    AcceptMediation,
    ConcludeMediationAgreement,
    DeclineMediation,
    EndMediation,
    GiveMediationRightNotice,
    NotifyMediationRights,
    RecordMediationConsent,
    RecordMediationInvestigation,
    RecordMediationSession,
    SetMediationDeadline,
    StartMediation,
    WithdrawMediationConsent,
)
from ledger.mediation.values import (
    Acceptance,
    Agreement,
    Consent,
    Ending,
    Investigation,
    MediationState,
    Party,
    PartyKind,
    Procedure,
    RightsNotice,
    Session,
    StartWay,
    Withdrawal,
)
from ledger.scope import Reach, Scope, scope_for, sees
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import context_of, execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads
from ledger_http.common.schemas import CommandResult, command_body
from ledger_http.documents import file_response, kind_of

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("mediation",)
BODY = ("mediation_id",)

StartBody = command_body(StartMediation, "StartMediationBody", exclude=())
ConsentBody = command_body(RecordMediationConsent, "RecordMediationConsentBody", exclude=BODY)
WithdrawBody = command_body(WithdrawMediationConsent, "WithdrawMediationConsentBody", exclude=BODY)
AcceptBody = command_body(AcceptMediation, "AcceptMediationBody", exclude=BODY)
DeclineBody = command_body(DeclineMediation, "DeclineMediationBody", exclude=BODY)
RightsBody = command_body(NotifyMediationRights, "NotifyMediationRightsBody", exclude=BODY)
SessionBody = command_body(RecordMediationSession, "RecordMediationSessionBody", exclude=BODY)
InvestigationBody = command_body(RecordMediationInvestigation, "RecordMediationInvestigationBody", exclude=BODY)
AgreementBody = command_body(ConcludeMediationAgreement, "ConcludeMediationAgreementBody", exclude=BODY)
EndBody = command_body(EndMediation, "EndMediationBody", exclude=BODY)
DeadlineBody = command_body(SetMediationDeadline, "SetMediationDeadlineBody", exclude=())
RightNoticeBody = command_body(GiveMediationRightNotice, "GiveMediationRightNoticeBody", exclude=())


class MediationView(msgspec.Struct):
    """One mediation now (resident IDs masked for roles that mask them)."""

    id: UUID
    version: int
    unit: str
    number: str | None
    state: MediationState
    state_label: str
    state_since: datetime
    started_by: str
    started_at: datetime
    way: StartWay
    procedure: Procedure
    parties: tuple[Party, ...]
    matter: str
    dispute: str
    legal_basis: str
    source: str
    consents: tuple[Consent, ...]
    missing_consents: tuple[int, ...]
    acceptance: Acceptance | None
    rights: RightsNotice | None
    sessions: tuple[Session, ...]
    investigations: tuple[Investigation, ...]
    agreement: Agreement | None
    ending: Ending | None
    withdrawal: Withdrawal | None
    overdue: bool


class MediationDeadlineView(msgspec.Struct):
    authority: str
    working_days: int | None


def masked_parties(m: AdministrativeMediation, scope: Scope) -> tuple[Party, ...]:
    if not scope.masks_ids:
        return m.parties
    return tuple(msgspec.structs.replace(p, id_number=mask_id_number(p.id_number)) if p.kind is PartyKind.INDIVIDUAL
                 else p for p in m.parties)


def has_person(m: AdministrativeMediation) -> bool:
    return any(p.kind is PartyKind.INDIVIDUAL for p in m.parties)


def mediation_view(m: AdministrativeMediation, scope: Scope, today: date | None = None) -> MediationView:
    from ledger.mediation import overdue
    from ledger.values import CST

    today = today or datetime.now(CST).date()
    due = m.acceptance.due_on if m.acceptance else None
    return MediationView(
        id=m.id, version=m.version, unit=m.unit, number=m.number, state=m.state, state_label=m.state.label,
        state_since=m.state_since, started_by=m.started_by, started_at=m.started_at, way=m.way, procedure=m.procedure,
        parties=masked_parties(m, scope), matter=m.matter, dispute=m.dispute, legal_basis=m.legal_basis,
        source=m.source, consents=m.consents, missing_consents=tuple(m.missing_consents()), acceptance=m.acceptance,
        rights=m.rights, sessions=m.sessions, investigations=m.investigations, agreement=m.agreement, ending=m.ending,
        withdrawal=m.withdrawal,
        overdue=m.state in (MediationState.ACCEPTED, MediationState.MEDIATING) and overdue(due, today))


def visible_mediation(request: AnyRequest, mediation_id: UUID) -> tuple[AdministrativeMediation, Scope]:
    """The mediation and the caller's scope over it; one the caller may not read is answered as unknown (404)."""
    user = request.user
    scope = scope_for(user.role, user.unit, Reach.CASES)
    m = request.app.state.ledger.get_mediation(mediation_id)
    if not sees(user.role, user.unit, Reach.CASES, [m.unit]):
        raise MediationNotFound(f"没有编号为{mediation_id}的行政调解")
    return m, scope


def mediation_history(ledger: Any, m: AdministrativeMediation, scope: Scope) -> list[EventView]:
    """Every event of the mediation, a person's resident ID masked for roles that mask it."""
    views = [describe(e) for e in ledger.history(m.id)]
    if scope.masks_ids:
        views = [msgspec.structs.replace(v, data=mask_personal(v.data, individual=has_person(m))) for v in views]
    return views


def issue_for_mediation(state: Any, user: Any, mediation_id: UUID, kind: DocumentKind, fmt: DocumentFormat,
                        session: int | None = None) -> Any:
    """Issue a mediation's document as ``user`` (shared by the API and the workbench)."""
    return state.ledger.issue_mediation_document(context_of(user), IssueMediationDocument(
        mediation_id=mediation_id, kind=kind, format=fmt, session=session))


def _command(cls: type, data: Any, mediation_id: UUID) -> Any:
    return cls(mediation_id=mediation_id, **msgspec.structs.asdict(data))


WAIT = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)


class MediationController(Controller):
    path = "/mediations"
    tags = ["mediations"]

    @get("/", responses=ERRORS, operation_id="listMediations", sync_to_thread=True)
    def listing(
        self, request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None, max_length=80),
        state_: MediationState | None = QueryParameter(name="state", default=None),
        procedure: Procedure | None = QueryParameter(name="procedure", default=None),
        open_only: bool = QueryParameter(name="open", default=False),
        overdue_only: bool = QueryParameter(name="overdue", default=False),
        limit: int = QueryParameter(name="limit", default=100, ge=1, le=500),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=2**31),
        wait_for: int | None = WAIT,
    ) -> list[dict[str, Any]]:
        """The mediations (open: the queue, oldest first, with age and overdue), within the caller's scope."""
        scope = scope_of(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.mediation_list(
            scope, unit=unit, state=state_.value if state_ else None, procedure=procedure.value if procedure else None,
            open_only=open_only, overdue_only=overdue_only, limit=limit, offset=offset)

    @post("/", responses=ERRORS, operation_id="startMediation", status_code=201, sync_to_thread=True)
    def start(self, request: AnyRequest, data: JSONBody[StartBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """启动行政调解 (unit staff): ex officio or on application, two or more parties. ``case_id`` is the mediation's id."""
        return execute(request, StartMediation(**msgspec.structs.asdict(data)), status=201)

    @get("/{mediation_id:uuid}", responses=ERRORS, operation_id="getMediation", sync_to_thread=True)
    def one(self, request: AnyRequest, mediation_id: FromPath[UUID]) -> MediationView:
        """The mediation now."""
        return mediation_view(*visible_mediation(request, mediation_id))

    @get("/{mediation_id:uuid}/history", responses=ERRORS, operation_id="getMediationHistory", sync_to_thread=True)
    def history(self, request: AnyRequest, mediation_id: FromPath[UUID]) -> list[EventView]:
        """Every event: actor, role, unit, business and recording time, basis, data."""
        m, scope = visible_mediation(request, mediation_id)
        return mediation_history(request.app.state.ledger, m, scope)

    @post("/{mediation_id:uuid}/consents", responses=ERRORS, operation_id="recordMediationConsent", status_code=200, sync_to_thread=True)
    def consent(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[ConsentBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """A party's consent, with when and how it was given."""
        return execute(request, _command(RecordMediationConsent, data, mediation_id))

    @post("/{mediation_id:uuid}/consents/withdrawal", responses=ERRORS, operation_id="withdrawMediationConsent", status_code=200, sync_to_thread=True)
    def withdraw(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[WithdrawBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """A party withdraws its consent: the mediation ends, with the way pointed to."""
        return execute(request, _command(WithdrawMediationConsent, data, mediation_id))

    @post("/{mediation_id:uuid}/acceptance", responses=ERRORS, operation_id="acceptMediation", status_code=200, sync_to_thread=True)
    def accept(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[AcceptBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """受理 (every party consented), with the notice; ``number`` is the mediation's."""
        return execute(request, _command(AcceptMediation, data, mediation_id))

    @post("/{mediation_id:uuid}/refusal", responses=ERRORS, operation_id="declineMediation", status_code=200, sync_to_thread=True)
    def decline(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[DeclineBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """不予受理, with the reasons."""
        return execute(request, _command(DeclineMediation, data, mediation_id))

    @post("/{mediation_id:uuid}/rights", responses=ERRORS, operation_id="notifyMediationRights", status_code=200, sync_to_thread=True)
    def rights(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[RightsBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """告知权利义务和程序 (before any session)."""
        return execute(request, _command(NotifyMediationRights, data, mediation_id))

    @post("/{mediation_id:uuid}/sessions", responses=ERRORS, operation_id="recordMediationSession", status_code=200, sync_to_thread=True)
    def session(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[SessionBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """One session, as the next numbered 行政调解笔录 (``number``: 第N次)."""
        return execute(request, _command(RecordMediationSession, data, mediation_id))

    @post("/{mediation_id:uuid}/investigations", responses=ERRORS, operation_id="recordMediationInvestigation", status_code=200, sync_to_thread=True)
    def investigation(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[InvestigationBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """现场调查 or 听证 (general procedure)."""
        return execute(request, _command(RecordMediationInvestigation, data, mediation_id))

    @post("/{mediation_id:uuid}/agreement", responses=ERRORS, operation_id="concludeMediationAgreement", status_code=200, sync_to_thread=True)
    def agreement(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[AgreementBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """行政调解协议书: refused unless every party signed or sealed it."""
        return execute(request, _command(ConcludeMediationAgreement, data, mediation_id))

    @post("/{mediation_id:uuid}/termination", responses=ERRORS, operation_id="endMediation", status_code=200, sync_to_thread=True)
    def end(self, request: AnyRequest, mediation_id: FromPath[UUID], data: JSONBody[EndBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """经调解无法达成协议: ended, pointing to 行政复议, 诉讼 or 仲裁 (which body, how to reach it)."""
        return execute(request, _command(EndMediation, data, mediation_id))

    @get("/{mediation_id:uuid}/documents", responses=ERRORS, operation_id="listMediationDocuments", sync_to_thread=True)
    def documents(self, request: AnyRequest, mediation_id: FromPath[UUID], wait_for: int | None = WAIT) -> dict[str, Any]:
        """The documents the mediation can issue now (each session's 笔录, the 协议书, the 终止调解告知书) and those issued."""
        m, scope = visible_mediation(request, mediation_id)
        wait_for_reads(request, ("documents",), wait_for)
        return {"mediation_id": str(m.id), "version": m.version,
                "available": [{"kind": k.value, "label": k.label, "session": s} for k, s in papers.available(m)],
                "issued": request.app.state.views.documents_issued(scope, case_id=m.id)}

    @get("/{mediation_id:uuid}/documents/{kind:str}", responses=ERRORS, operation_id="issueMediationDocument", sync_to_thread=True)
    def document(
        self, request: AnyRequest, mediation_id: FromPath[UUID], kind: FromPath[str],
        format: DocumentFormat = QueryParameter(name="format", default=DocumentFormat.PDF),
        session: int | None = QueryParameter(name="session", default=None, ge=1, le=1000),
    ) -> Response[bytes]:
        """出具 a document (recorded as issued; SHA-256 in ``X-Content-SHA256``; verifiable at /documents/verify)."""
        visible_mediation(request, mediation_id)
        issued = issue_for_mediation(request.app.state, request.user, mediation_id,
                                     kind_of(kind, MEDIATION_DOCUMENTS), format, session)
        return file_response(issued)

    # ------------------------------------------------- the authority's period, 第十五条

    @get("/deadline", responses=ERRORS, operation_id="getMediationDeadline", sync_to_thread=True)
    def deadline(self, request: AnyRequest,
                 authority: str | None = QueryParameter(name="authority", default=None, max_length=80)) -> MediationDeadlineView:
        """The authority's period from 受理 to 结案 in working days (none: no period set)."""
        scope_of(request)
        authority = authority or request.user.unit
        return MediationDeadlineView(authority=authority,
                                     working_days=request.app.state.ledger.mediation_deadline(authority))

    @post("/deadline", responses=ERRORS, operation_id="setMediationDeadline", status_code=200, sync_to_thread=True)
    def set_deadline(self, request: AnyRequest, data: JSONBody[DeadlineBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """Set the authority's period (its own staff or an administrator)."""
        return execute(request, SetMediationDeadline(**msgspec.structs.asdict(data)))

    @get("/right-notices", responses=ERRORS, operation_id="listMediationRightNotices", sync_to_thread=True)
    def right_notices(self, request: AnyRequest, unit: str | None = QueryParameter(name="unit", default=None, max_length=80),
                      wait_for: int | None = WAIT) -> dict[str, Any]:
        """第十五条: the notices of the right to apply for mediation given, and those still owed (served 纠纷化解
        cases, declared major decisions)."""
        scope = scope_of(request)
        wait_for_reads(request, (*VIEWS, "cases", "supervision"), wait_for)
        views = request.app.state.views
        return {"given": views.right_notices(scope, unit=unit), "owed": views.right_notices_owed(scope, unit=unit)}

    @post("/right-notices", responses=ERRORS, operation_id="giveMediationRightNotice", status_code=201, sync_to_thread=True)
    def give_right_notice(self, request: AnyRequest, data: JSONBody[RightNoticeBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """Record the notice of the right to apply for mediation as given, once per source."""
        return execute(request, GiveMediationRightNotice(**msgspec.structs.asdict(data)), status=201)
