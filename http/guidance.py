"""Administrative guidance (行政指导, issue 17): its commands and reads.

Each command's body is its command Struct without ``guidance_id`` (taken
from the path), generated like the case bodies so the two never drift apart.
Reads apply the cases' rule (``Reach.CASES``): the starting unit's staff see
its guidance, registrar, dispatcher, supervisor and auditor every unit's;
anyone else is answered as for an unknown id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.guidance import AdministrativeGuidance, GuidanceNotFound
from ledger.guidance.commands import (
    AcceptGuidance,
    DeliverGuidanceOpinion,
    IssueCorrectionOrder,
    IssueGuidanceOpinion,
    MarkTypicalGuidance,
    RecordCommitment,
    RecordGuidanceEffect,
    RecordGuidanceFollowUp,
    RecordInterview,
    RecordSimpleGuidance,
    RegisterGuidanceRecord,
    StartGuidance,
    TerminateGuidance,
    TrackCommitment,
    TrackCorrectionOrder,
)
from ledger.guidance.values import (
    Addressee,
    AddresseeKind,
    Commitment,
    CorrectionOrder,
    Delivery,
    End,
    FollowUpVisit,
    GuidanceOpinion,
    GuidanceRecord,
    GuidanceState,
    Interview,
    Matter,
    Officer,
    SimpleGuidance,
    Stage,
    TypicalMark,
    Way,
)
from ledger.history import EventView, describe
from ledger.identifiers import mask_id_number, mask_personal
from ledger.scope import Reach, Scope, scope_for, sees
from ledger.values import CST, local_instant
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads
from ledger_http.common.schemas import CommandResult, command_body

AnyRequest = Request[AuthUser, Any, Any]

StartBody = command_body(StartGuidance, "StartGuidanceBody", exclude=())
OpinionBody = command_body(IssueGuidanceOpinion, "IssueGuidanceOpinionBody", exclude=("guidance_id",))
DeliveryBody = command_body(DeliverGuidanceOpinion, "DeliverGuidanceOpinionBody", exclude=("guidance_id",))
RecordBody = command_body(RegisterGuidanceRecord, "RegisterGuidanceRecordBody", exclude=("guidance_id",))
SimpleBody = command_body(RecordSimpleGuidance, "RecordSimpleGuidanceBody", exclude=("guidance_id",))
InterviewBody = command_body(RecordInterview, "RecordInterviewBody", exclude=("guidance_id",))
CommitmentBody = command_body(RecordCommitment, "RecordCommitmentBody", exclude=("guidance_id",))
TrackingBody = command_body(TrackCommitment, "TrackCommitmentBody", exclude=("guidance_id",))
AcceptanceBody = command_body(AcceptGuidance, "AcceptGuidanceBody", exclude=("guidance_id",))
TerminationBody = command_body(TerminateGuidance, "TerminateGuidanceBody", exclude=("guidance_id",))
EffectBody = command_body(RecordGuidanceEffect, "RecordGuidanceEffectBody", exclude=("guidance_id",))
FollowUpBody = command_body(RecordGuidanceFollowUp, "RecordGuidanceFollowUpBody", exclude=("guidance_id",))
TypicalBody = command_body(MarkTypicalGuidance, "MarkTypicalGuidanceBody", exclude=("guidance_id",))
CorrectionBody = command_body(IssueCorrectionOrder, "IssueCorrectionOrderBody", exclude=("guidance_id",))
CorrectionTrackingBody = command_body(TrackCorrectionOrder, "TrackCorrectionOrderBody", exclude=("guidance_id",))


class GuidanceView(msgspec.Struct):
    """One act of guidance now. ``end``: accepted, or the termination's
    reason and time — nothing more about the party (guidance is voluntary)."""

    id: UUID
    version: int
    unit: str
    state: GuidanceState
    state_label: str
    state_since: datetime
    started_by: str
    started_at: datetime
    way: Way
    way_label: str
    addressee: Addressee | None
    officers: tuple[Officer, ...]
    matter: Matter
    method: str
    stage: Stage
    legal_basis: str
    opinion: GuidanceOpinion | None
    opinion_number: str | None  # as printed: 2026年第1号
    delivery: Delivery | None
    record: GuidanceRecord | None
    record_number: str | None
    simple: SimpleGuidance | None
    interview: Interview | None
    commitment: Commitment | None
    end: End | None
    effect: str | None
    follow_ups: tuple[FollowUpVisit, ...]
    typical: TypicalMark | None
    correction: CorrectionOrder | None = None  # 责令改正通知书
    correction_number: str | None = None


class GuidanceMethods(msgspec.Struct):
    unit: str
    methods: tuple[str, ...]


def _command(cls: type, data: Any, guidance_id: UUID) -> Any:
    return cls(guidance_id=guidance_id, **msgspec.structs.asdict(data))


def _individual(guidance: AdministrativeGuidance) -> bool:
    return guidance.addressee is not None and guidance.addressee.kind is AddresseeKind.INDIVIDUAL


def visible_guidance(request: AnyRequest, guidance_id: UUID) -> tuple[AdministrativeGuidance, Scope]:
    """The guidance and the caller's scope over it; a guidance the caller may
    not read is answered as unknown (404), as commands answer it."""
    user = request.user
    guidance = request.app.state.ledger.get_guidance(guidance_id)
    if not sees(user.role, user.unit, Reach.CASES, [guidance.unit]):
        raise GuidanceNotFound(f"没有编号为{guidance_id}的行政指导")
    return guidance, scope_for(user.role, user.unit, Reach.CASES)


def guidance_view(g: AdministrativeGuidance, scope: Scope) -> GuidanceView:
    addressee = g.addressee
    if addressee is not None and _individual(g) and scope.masks_ids:
        addressee = msgspec.structs.replace(addressee, id_number=mask_id_number(addressee.id_number))
    return GuidanceView(
        id=g.id, version=g.version, unit=g.unit, state=g.state, state_label=g.state.label, state_since=g.state_since,
        started_by=g.started_by, started_at=g.started_at, way=g.way, way_label=g.way.label, addressee=addressee,
        officers=g.officers, matter=g.matter, method=g.method, stage=g.stage, legal_basis=g.legal_basis,
        opinion=g.opinion, opinion_number=str(g.opinion.number) if g.opinion else None, delivery=g.delivery,
        record=g.record, record_number=str(g.record.number) if g.record else None, simple=g.simple, interview=g.interview,
        commitment=g.commitment, end=g.end, effect=g.effect, follow_ups=g.follow_ups, typical=g.typical,
        correction=g.correction, correction_number=str(g.correction.number) if g.correction else None,
    )


@get("/guidance-methods", responses=ERRORS, operation_id="listGuidanceMethods", sync_to_thread=True)
def guidance_methods(
    request: AnyRequest,
    unit: str | None = QueryParameter(name="unit", default=None, description="the unit (default: the caller's)"),
) -> GuidanceMethods:
    """行政指导方式: the unit's authority's list of methods (what ``method`` may be)."""
    unit = unit or request.user.unit
    return GuidanceMethods(unit=unit, methods=request.app.state.ledger.guidance_methods(unit))


class GuidanceController(Controller):
    path = "/guidance"
    tags = ["guidance"]

    @post("/", responses=ERRORS, operation_id="startGuidance", status_code=201, sync_to_thread=True)
    def start(self, request: AnyRequest, data: JSONBody[StartBody]) -> Response[CommandResult]:
        """启动行政指导 (unit staff; officers of the same unit). ``case_id`` of the result is the guidance's id."""
        return execute(request, StartGuidance(**msgspec.structs.asdict(data)), status=201)

    @post("/{guidance_id:uuid}/opinion", responses=ERRORS, operation_id="issueGuidanceOpinion", status_code=200, sync_to_thread=True)
    def opinion(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[OpinionBody]) -> Response[CommandResult]:
        """行政指导意见书 (written way); ``number`` is the letter's."""
        return execute(request, _command(IssueGuidanceOpinion, data, guidance_id))

    @post("/{guidance_id:uuid}/delivery", responses=ERRORS, operation_id="deliverGuidanceOpinion", status_code=200, sync_to_thread=True)
    def delivery(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[DeliveryBody]) -> Response[CommandResult]:
        """送达 the 意见书 (the guidance is then given)."""
        return execute(request, _command(DeliverGuidanceOpinion, data, guidance_id))

    @post("/{guidance_id:uuid}/record", responses=ERRORS, operation_id="registerGuidanceRecord", status_code=200, sync_to_thread=True)
    def record(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[RecordBody]) -> Response[CommandResult]:
        """行政指导登记文书 (its own ``number``)."""
        return execute(request, _command(RegisterGuidanceRecord, data, guidance_id))

    @post("/{guidance_id:uuid}/simple", responses=ERRORS, operation_id="recordSimpleGuidance", status_code=200, sync_to_thread=True)
    def simple(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[SimpleBody]) -> Response[CommandResult]:
        """简易形式 (口头、电话、短信/微信、发放材料), with its situation."""
        return execute(request, _command(RecordSimpleGuidance, data, guidance_id))

    @post("/{guidance_id:uuid}/interview", responses=ERRORS, operation_id="recordGuidanceInterview", status_code=200, sync_to_thread=True)
    def interview(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[InterviewBody]) -> Response[CommandResult]:
        """约谈 (for an interview method)."""
        return execute(request, _command(RecordInterview, data, guidance_id))

    @post("/{guidance_id:uuid}/commitments", responses=ERRORS, operation_id="recordGuidanceCommitment", status_code=200, sync_to_thread=True)
    def commitment(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[CommitmentBody]) -> Response[CommandResult]:
        """整改承诺书 (劝导警示/规劝), once."""
        return execute(request, _command(RecordCommitment, data, guidance_id))

    @post("/{guidance_id:uuid}/commitments/tracking", responses=ERRORS, operation_id="trackGuidanceCommitment", status_code=200, sync_to_thread=True)
    def tracking(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[TrackingBody]) -> Response[CommandResult]:
        """跟踪整改承诺事项: the same items, with their statuses and evidence."""
        return execute(request, _command(TrackCommitment, data, guidance_id))

    @post("/{guidance_id:uuid}/correction-order", responses=ERRORS, operation_id="issueCorrectionOrder", status_code=200, sync_to_thread=True)
    def correction_order(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[CorrectionBody]) -> Response[CommandResult]:
        """责令改正通知书 (劝导警示/规劝), once: the problems, the legal basis, what must be corrected by ``due_on``; ``number`` is its own."""
        return execute(request, _command(IssueCorrectionOrder, data, guidance_id))

    @post("/{guidance_id:uuid}/correction-order/tracking", responses=ERRORS, operation_id="trackCorrectionOrder", status_code=200, sync_to_thread=True)
    def correction_tracking(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[CorrectionTrackingBody]) -> Response[CommandResult]:
        """跟踪责令改正事项: the order's items, with their statuses and evidence."""
        return execute(request, _command(TrackCorrectionOrder, data, guidance_id))

    @post("/{guidance_id:uuid}/acceptance", responses=ERRORS, operation_id="acceptGuidance", status_code=200, sync_to_thread=True)
    def acceptance(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[AcceptanceBody]) -> Response[CommandResult]:
        """The party accepts the guidance (once it was given)."""
        return execute(request, _command(AcceptGuidance, data, guidance_id))

    @post("/{guidance_id:uuid}/termination", responses=ERRORS, operation_id="terminateGuidance", status_code=200, sync_to_thread=True)
    def termination(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[TerminationBody]) -> Response[CommandResult]:
        """终止行政指导: only the reason and the time are kept."""
        return execute(request, _command(TerminateGuidance, data, guidance_id))

    @post("/{guidance_id:uuid}/effect", responses=ERRORS, operation_id="recordGuidanceEffect", status_code=200, sync_to_thread=True)
    def effect(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[EffectBody]) -> Response[CommandResult]:
        """指导取得的效益、效果 (again to revise it)."""
        return execute(request, _command(RecordGuidanceEffect, data, guidance_id))

    @post("/{guidance_id:uuid}/follow-ups", responses=ERRORS, operation_id="recordGuidanceFollowUp", status_code=200, sync_to_thread=True)
    def follow_up(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[FollowUpBody]) -> Response[CommandResult]:
        """回访 (after the guidance was given)."""
        return execute(request, _command(RecordGuidanceFollowUp, data, guidance_id))

    @post("/{guidance_id:uuid}/typical", responses=ERRORS, operation_id="markTypicalGuidance", status_code=200, sync_to_thread=True)
    def typical(self, request: AnyRequest, guidance_id: FromPath[UUID], data: JSONBody[TypicalBody]) -> Response[CommandResult]:
        """典型事例 for the year-end summary, with the reason."""
        return execute(request, _command(MarkTypicalGuidance, data, guidance_id))

    @get("/", responses=ERRORS, operation_id="listGuidance", sync_to_thread=True)
    def listing(
        self,
        request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None, max_length=80),
        state_: GuidanceState | None = QueryParameter(name="state", default=None),
        way: Way | None = QueryParameter(name="way", default=None),
        method: str | None = QueryParameter(name="method", default=None, max_length=40),
        open_only: bool = QueryParameter(name="open", default=False),
        typical: bool | None = QueryParameter(name="typical", default=None),
        started_from: datetime | None = QueryParameter(name="started_from", default=None,
                                                       description="inclusive (a time without offset is China time)"),
        started_to: datetime | None = QueryParameter(name="started_to", default=None, description="exclusive"),
        limit: int = QueryParameter(name="limit", default=100, ge=1, le=500),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=2**31),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """行政指导台账: the acts of guidance (newest first) within the caller's scope — as the
        workbench's list shows them; an individual's resident ID masked for roles that mask."""
        scope = scope_of(request)
        wait_for_reads(request, ("guidance",), wait_for)
        bounds = {field: local_instant(field, value).astimezone(CST).isoformat() if value else None
                  for field, value in (("started_from", started_from), ("started_to", started_to))}
        return request.app.state.views.guidance_list(
            scope, unit=unit, state=state_.value if state_ else None, way=way.value if way else None, method=method,
            open_only=open_only, typical=typical, limit=limit, offset=offset, **bounds)

    @get("/{guidance_id:uuid}", responses=ERRORS, operation_id="getGuidance", sync_to_thread=True)
    def get_guidance(self, request: AnyRequest, guidance_id: FromPath[UUID]) -> GuidanceView:
        """The guidance now (resident ID numbers masked for roles that mask them)."""
        return guidance_view(*visible_guidance(request, guidance_id))

    @get("/{guidance_id:uuid}/history", responses=ERRORS, operation_id="getGuidanceHistory", sync_to_thread=True)
    def history(self, request: AnyRequest, guidance_id: FromPath[UUID]) -> list[EventView]:
        """Every event: actor, role, unit, business and recording time, basis, data."""
        guidance, scope = visible_guidance(request, guidance_id)
        views = [describe(e) for e in request.app.state.ledger.history(guidance.id)]
        if scope.masks_ids:
            individual = _individual(guidance)
            views = [msgspec.structs.replace(v, data=mask_personal(v.data, individual=individual)) for v in views]
        return views
