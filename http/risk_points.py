"""The register of legal-risk points (行政相对人违法风险点, seed 002 第二十条,
第二十二条) over the JSON API: an authority's grading rule, its editions
(drafted, imported from CSV/XLSX, opinions solicited, published), the list in
force on a day and its XLSX; records citing the points they address; the
warnings raised and how they were handled.

The lists are published law, read by every signed-in user (and by anyone on
the public page); the editors are the authority's own staff and the
administrators. Citations and warnings are case data (``Reach.CASES``): a
unit's staff read their own unit's."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import partial
from typing import Any

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.case.values import DocumentFormat
from ledger.documents.risk_points import IssueRiskPointList, render_risk_points
from ledger.documents.service import MEDIA
from ledger.errors import InvalidInput, NotFound
from ledger.risk_points import is_editor, require_editor
from ledger.risk_points.commands import (
    CiteRiskPoints,
    DraftRiskEdition,
    HandleRiskWarning,
    PublishRiskEdition,
    SetRiskGradeRule,
    SolicitRiskOpinion,
)
from ledger.risk_points.importing import parse_points
from ledger.risk_points.values import DEFAULT_RULE, RiskEdition
from ledger.scope import Reach, Scope
from ledger.values import CST
from ledger_http.catalogue import _uploaded_file
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import context_of, execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import attachment, scope_of, wait_for_reads, xlsx_response
from ledger_http.common.schemas import CommandResult, command_body
from ledger_http.documents import file_response
from projections.risk_points.export import risk_points_xlsx

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("risk_points",)
WAIT = dict(name="wait_for", default=None, ge=0, le=2**62)

RuleBody = command_body(SetRiskGradeRule, "SetRiskGradeRuleBody", exclude=("authority",))
DraftBody = command_body(DraftRiskEdition, "DraftRiskEditionBody", exclude=("authority",))
SolicitBody = command_body(SolicitRiskOpinion, "SolicitRiskOpinionBody", exclude=("authority", "version"))
PublishBody = command_body(PublishRiskEdition, "PublishRiskEditionBody", exclude=("authority", "version"))
CiteBody = command_body(CiteRiskPoints, "CiteRiskPointsBody", exclude=())
HandleBody = command_body(HandleRiskWarning, "HandleRiskWarningBody", exclude=())


def today() -> date:
    return datetime.now(CST).date()


def risk_rule(ledger: Any, authority: str):
    register = ledger.risk_register(authority, for_update=False)
    return register.rule if register is not None else DEFAULT_RULE


def import_command(ledger: Any, authority: str, data: bytes, edition_of: Any, *, basis: str | None) -> DraftRiskEdition:
    """The command drafting the edition in ``data`` (CSV or XLSX, docs/RISK-POINTS.md),
    checked against the authority's rule; ``InvalidInput`` names every bad row and column."""
    edition = edition_of(points=parse_points(data, risk_rule(ledger, authority)))
    return DraftRiskEdition(authority=authority, edition=edition, basis=basis)


def published_list(views: Any, scope: Any, authority: str, on: date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The points in force on ``on`` and their edition's head, else 404."""
    points = views.risk_points(scope, authority=authority, as_of=on)
    if not points:
        raise NotFound(f"{authority}在{on}没有施行中的违法风险点清单", code="risk_list_not_found")
    head = {k: points[0][k] for k in ("version", "title", "effective_from", "document_number", "published_on",
                                       "channels")}
    return points, head


class RiskPointController(Controller):
    path = "/risk-points"
    tags = ["risk points"]

    # ------------------------------------------------------- citations, warnings

    @post("/citations", responses=ERRORS, operation_id="citeRiskPoints", status_code=201, sync_to_thread=True)
    def cite(self, request: AnyRequest, data: JSONBody[CiteBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """A booking, service, guidance or mediation cites the risk points it
        addresses (codes of its unit's list in force); an officer of its unit."""
        return execute(request, CiteRiskPoints(**msgspec.structs.asdict(data)), status=201)

    @get("/citations", responses=ERRORS, operation_id="listRiskCitations", sync_to_thread=True)
    def citations(
        self, request: AnyRequest,
        authority: str | None = QueryParameter(name="authority", default=None),
        start: date | None = QueryParameter(name="start", default=None),
        end: date | None = QueryParameter(name="end", default=None),
        record_id: str | None = QueryParameter(name="record_id", default=None),
        wait_for: int | None = QueryParameter(**WAIT),
    ) -> list[dict[str, Any]]:
        """Citations of an authority's points from ``start`` to ``end`` (days
        of citing, inclusive; default: this year), or one record's (``record_id``)."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, VIEWS, wait_for)
        views = request.app.state.views
        if record_id:
            return views.record_risk_citations(scope, record_id=record_id)
        authority = scope.unit_filter(authority) or request.user.unit  # a unit's staff: their own authority's
        day = today()
        return views.risk_citations(scope, authority=authority, start=start or date(day.year, 1, 1), end=end or day)

    @get("/warnings", responses=ERRORS, operation_id="listRiskWarnings", sync_to_thread=True)
    def warnings(
        self, request: AnyRequest,
        authority: str | None = QueryParameter(name="authority", default=None),
        on: date | None = QueryParameter(name="on", default=None, description="the day (default: today)"),
        wait_for: int | None = QueryParameter(**WAIT),
    ) -> list[dict[str, Any]]:
        """The warnings the rules raise on a day for an authority's points (a
        unit's staff: their own), open ones first, each with how it was handled."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, VIEWS, wait_for)
        authority = scope.unit_filter(authority) or request.user.unit
        if on is not None and not date(2000, 1, 1) <= on <= date(2100, 12, 31):
            # the rules look back 30 days and a quarter: at the calendar's ends there is no such day
            raise InvalidInput.one("on", "out_of_range", "日期应在2000年至2100年之间")
        return request.app.state.views.risk_warnings(scope, authority=authority, today=on or today())

    @post("/warnings/handlings", responses=ERRORS, operation_id="handleRiskWarning", status_code=201,
          sync_to_thread=True)
    def handle(self, request: AnyRequest, data: JSONBody[HandleBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """Record a warning as known (知悉) or acted on (介入处置), with what was done."""
        return execute(request, HandleRiskWarning(**msgspec.structs.asdict(data)), status=201)

    # ------------------------------------------------------------ registers

    @get("/", responses=ERRORS, operation_id="listRiskPointRegisters", sync_to_thread=True)
    def registers(self, request: AnyRequest, wait_for: int | None = QueryParameter(**WAIT)) -> list[dict[str, Any]]:
        """Every authority with a register: editions (drafts and published) and the one in force."""
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.risk_registers(_any_scope(request))

    @get("/{authority:str}", responses=ERRORS, operation_id="browseRiskPoints", sync_to_thread=True)
    def browse(
        self, request: AnyRequest, authority: FromPath[str],
        on: date | None = QueryParameter(name="on", default=None, description="the day (default: today)"),
        wait_for: int | None = QueryParameter(**WAIT),
    ) -> dict[str, Any]:
        """The list in force on a day (each point with its grade and the grade's
        reasons), the authority's grading rule and its editions."""
        wait_for_reads(request, VIEWS, wait_for)
        views, scope = request.app.state.views, _any_scope(request)
        day = on or today()
        editions = views.risk_editions(scope, authority=authority)
        if not editions:
            raise NotFound(f"{authority}尚未拟定违法风险点", code="risk_points_not_found")
        return {"authority": authority, "on": day, "rule": views.risk_rule(scope, authority=authority),
                "points": views.risk_points(scope, authority=authority, as_of=day),
                "editions": [{k: v for k, v in e.items() if k != "points"} for e in editions]}

    @get("/{authority:str}/list.xlsx", responses=ERRORS, operation_id="exportRiskPointsXlsx", sync_to_thread=True,
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def xlsx(self, request: AnyRequest, authority: FromPath[str],
             on: date | None = QueryParameter(name="on", default=None)) -> Response[bytes]:
        """The published list in force on a day as an Excel workbook."""
        points, head = published_list(request.app.state.views, _any_scope(request), authority, on or today())
        return xlsx_response(risk_points_xlsx(points, authority=authority, edition=head), f"{authority}违法风险点清单",
                             "risk-points", {})

    @get("/{authority:str}/list.docx", responses=ERRORS, operation_id="exportRiskPointsDocx", sync_to_thread=True,
         media_type=MEDIA[DocumentFormat.DOCX])
    def docx(self, request: AnyRequest, authority: FromPath[str],
             on: date | None = QueryParameter(name="on", default=None)) -> Response[bytes]:
        """The published list in force on a day as a Word document (the same edition, the same bytes)."""
        return _paper(request, authority, on, DocumentFormat.DOCX)

    @get("/{authority:str}/list.pdf", responses=ERRORS, operation_id="exportRiskPointsPdf", sync_to_thread=True,
         media_type=MEDIA[DocumentFormat.PDF])
    def pdf(self, request: AnyRequest, authority: FromPath[str],
            on: date | None = QueryParameter(name="on", default=None)) -> Response[bytes]:
        """The published list in force on a day as a PDF (the same edition, the same bytes)."""
        return _paper(request, authority, on, DocumentFormat.PDF)

    @get("/{authority:str}/editions/{version:str}", responses=ERRORS, operation_id="getRiskEdition",
         sync_to_thread=True)
    def edition(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str],
                wait_for: int | None = QueryParameter(**WAIT)) -> dict[str, Any]:
        """One edition with its points (and each grade's reasons) and the opinions solicited on it."""
        wait_for_reads(request, VIEWS, wait_for)
        views, scope = request.app.state.views, _any_scope(request)
        found = views.risk_edition(scope, authority=authority, version=version)
        if found is None:
            raise NotFound(f"{authority}没有违法风险点版本“{version}”", code="version_not_found")
        return {**found, "solicitations_list": views.risk_solicitations(scope, authority=authority, version=version)}

    @post("/{authority:str}/rule", responses=ERRORS, operation_id="setRiskGradeRule", status_code=200,
          sync_to_thread=True)
    def rule(self, request: AnyRequest, authority: FromPath[str], data: JSONBody[RuleBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """The authority's grading rule: every 危害程度 × 发生概率 → 高/中/低."""
        return execute(request, SetRiskGradeRule(authority=authority, **msgspec.structs.asdict(data)))

    @post("/{authority:str}/editions", responses=ERRORS, operation_id="draftRiskEdition", status_code=201,
          sync_to_thread=True)
    def draft(self, request: AnyRequest, authority: FromPath[str], data: JSONBody[DraftBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """拟定 (or re-draft, until published) an edition; a grade left empty is
        the rule's, one against the rule needs ``grade_reason``; no point without ``basis``."""
        return execute(request, DraftRiskEdition(authority=authority, **msgspec.structs.asdict(data)), status=201)

    @post("/{authority:str}/imports", responses=ERRORS, operation_id="importRiskEdition", status_code=201)
    async def import_edition(
        self, request: AnyRequest, authority: FromPath[str],
        version: str = QueryParameter(name="version", description="e.g. 2026版"),
        title: str = QueryParameter(name="title"),
        effective_from: date = QueryParameter(name="effective_from"),
        document_number: str = QueryParameter(name="document_number", default=""),
        basis: str | None = QueryParameter(name="basis", default=None),
    ) -> Response[CommandResult]:
        """Draft an edition from a CSV (UTF-8 or GBK) or XLSX file (docs/RISK-POINTS.md),
        the raw body or the ``file`` part of a multipart upload. If any row is
        invalid nothing is drafted and the 422 names every bad row and column."""
        require_editor(request.user.actor, authority)  # before reading the upload
        body = await _uploaded_file(request)
        edition_of = partial(RiskEdition, version=version, title=title, effective_from=effective_from,
                             document_number=document_number)

        def run() -> Response[CommandResult]:
            return execute(request, import_command(request.app.state.ledger, authority, body, edition_of, basis=basis),
                           status=201)

        return await anyio.to_thread.run_sync(run)

    @post("/{authority:str}/editions/{version:str}/solicitations", responses=ERRORS,
          operation_id="solicitRiskOpinion", status_code=201, sync_to_thread=True)
    def solicit(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str],
                data: JSONBody[SolicitBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """征求意见 on a draft: from whom, how, on what, the opinion and the answer to it."""
        return execute(request, SolicitRiskOpinion(authority=authority, version=version,
                                                   **msgspec.structs.asdict(data)), status=201)

    @post("/{authority:str}/editions/{version:str}/publication", responses=ERRORS,
          operation_id="publishRiskEdition", status_code=200, sync_to_thread=True)
    def publish(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str],
                data: JSONBody[PublishBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """公布 a draft (date, channels) once opinions were solicited on it."""
        return execute(request, PublishRiskEdition(authority=authority, version=version,
                                                   **msgspec.structs.asdict(data)))


def _paper(request: AnyRequest, authority: str, on: date | None, fmt: DocumentFormat) -> Response[bytes]:
    day, user = on or today(), request.user
    if is_editor(user.actor, authority):
        # the authority's own copy is issued: DocumentIssued on its register, so any copy verifies
        return file_response(request.app.state.ledger.issue_risk_point_list(
            context_of(user), IssueRiskPointList(authority=authority, on=day, format=fmt)))
    register = request.app.state.ledger.risk_register(authority, for_update=False)
    edition = register.edition_on(day) if register is not None else None
    if edition is None:
        raise NotFound(f"{authority}在{day}没有施行中的违法风险点清单", code="risk_list_not_found")
    body, name, media = render_risk_points(register, edition.version, fmt)  # the same bytes, not an issue
    return Response(body, media_type=media, headers={
        "X-Content-SHA256": hashlib.sha256(body).hexdigest(),
        "Content-Disposition": attachment(name, f"risk-points.{fmt.value}")})


def _any_scope(request: AnyRequest) -> Scope:
    """The lists are published law, read by every signed-in role (as the four
    lists are): a scope over every unit that only carries who reads."""
    return Scope(request.user.role, Reach.CASES, None)
