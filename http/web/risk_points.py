"""The register of legal-risk points in the workbench (seed 002 第二十条, 第二十二条):

- ``/w/risk-points``: every authority's register; ``/w/risk-points/{authority}``:
  its grading rule (the matrix), its editions and each point with its grade
  and the grade's reasons; the XLSX/DOCX/PDF of the list in force;
- ``…/draft``: 拟定 an edition or add a point to a draft; ``…/import``: draft
  an edition from CSV/XLSX; ``…/editions/{version}/solicit``: 征求意见;
  ``…/editions/{version}/publish``: 公布 (date and channels);
- ``/w/risk-points/warnings``: the authority's warnings queue, each known
  (知悉) or acted on (介入处置) with what was done.

Thin pages over the API's commands and the risk-points view; forms POST →
redirect → GET; errors beside fields."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.errors import FieldError, InvalidInput, LedgerError
from ledger.risk_points.commands import (
    CiteRiskPoints,
    DraftRiskEdition,
    HandleRiskWarning,
    PublishRiskEdition,
    SolicitRiskOpinion,
)
from ledger.risk_points.values import (
    RecordKind,
    RiskEdition,
    RiskGrade,
    RiskLikelihood,
    RiskPoint,
    RiskPublication,
    RiskSeverity,
    RiskSolicitation,
    WarningAction,
    WarningRule,
)
from ledger.scope import Reach, Scope
from ledger.values import CST, Role
from ledger_http.common.commanding import run_command
from ledger_http.risk_points import import_command
from ledger_http.web.admin.catalogue import a_date, import_errors
from ledger_http.web.admin.common import flash, form_errors, take_flash
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    caught_up,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)

VIEW = "risk_points"
BASE = "/w/risk-points"
POINT_FIELDS = ("code", "category", "point", "manifestation", "cause", "harm", "severity", "likelihood", "basis",
                "measures", "grade", "grade_reason", "citation_threshold")
EDITION_FIELDS = ("version", "title", "effective_from", "document_number")
CHANNELS = ("门户网站", "微博", "微信公众号", "政务服务大厅公示栏")


def _today() -> date:
    return datetime.now(CST).date()


def _readers(user: Any) -> Scope:
    """The lists are published law: every signed-in role reads them."""
    return Scope(user.role, Reach.CASES, None)


def _may_edit(user: Any, authority: str) -> bool:
    return user.role is Role.ADMINISTRATOR or (user.role is Role.UNIT_STAFF and user.unit == authority)


def _point_of(values: dict[str, str], errors: list[FieldError]) -> RiskPoint | None:
    """The form's new point, or None with its problems (the enums and the number)."""
    def enum(cls: Any, name: str, label: str) -> Any:
        try:
            return cls(values[name])
        except ValueError:
            errors.append(FieldError(f"point.{name}", "required", f"请选择{label}"))
            return None

    severity = enum(RiskSeverity, "severity", "危害程度")
    likelihood = enum(RiskLikelihood, "likelihood", "发生概率")
    grade = RiskGrade(values["grade"]) if values["grade"] in {g.value for g in RiskGrade} else None
    threshold = None
    if values["citation_threshold"].strip():
        if values["citation_threshold"].strip().isdigit():
            threshold = int(values["citation_threshold"])
        else:
            errors.append(FieldError("point.citation_threshold", "not_a_number", "预警阈值应为正整数"))
    if severity is None or likelihood is None:
        return None
    return RiskPoint(code=values["code"], category=values["category"], point=values["point"],
                     manifestation=values["manifestation"], cause=values["cause"], harm=values["harm"],
                     severity=severity, likelihood=likelihood, basis=values["basis"], measures=values["measures"],
                     grade=grade, grade_reason=values["grade_reason"], citation_threshold=threshold)


def _beside(errors: dict[str, str], index: int) -> dict[str, str]:
    """The command's errors on ``edition.points[index].x`` shown beside the new point's field ``point.x``."""
    out = {}
    for field, message in errors.items():
        m = re.match(r"(?:edition\.)?points\[(\d+)\]\.(\w+)", field)
        if m and int(m[1]) == index:
            out[f"point.{m[2]}"] = message
        elif m:
            out.setdefault("", f"草案中已有的风险点有误：{message}")
        else:
            out[field.removeprefix("edition.")] = message
    return out


def _box(state: Any, user: Any, kind: RecordKind, record_id: Any, units: tuple[str, ...]) -> dict[str, Any]:
    scope = page_scope(user, Reach.CASES)
    cited = state.views.record_risk_citations(scope, record_id=record_id)
    officer = user.role is Role.UNIT_STAFF and user.unit in units
    done = {c["point_code"] for c in cited}
    options = [p for p in state.views.risk_points(scope, authority=user.unit) if p["code"] not in done] if officer else []
    return {"kind": kind.value, "record_id": str(record_id), "cited": cited, "options": options, "officer": officer,
            "authority": user.unit}


async def risk_box(request: AnyRequest, user: Any, kind: RecordKind, record_id: Any, units: tuple[str, ...]) -> dict[str, Any]:
    """The "风险点" box of a record's page (a case, a guidance, a mediation):
    the points it cites and, for an officer of its unit, the unit's points in
    force it may still cite."""
    await caught_up(request, VIEW)  # the user's own citation, just made
    return await in_thread(_box, request.app.state, user, kind, record_id, units)


class RiskPointPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/risk-points")
    async def registers(self, request: AnyRequest) -> Template:
        user = page_user(request)
        await caught_up(request, VIEW)
        listed = await in_thread(request.app.state.views.risk_registers, _readers(user))
        own = user.unit if user.role is Role.UNIT_STAFF else None
        return page(request, user, "risk_points.html", registers=listed, own=own, quote=quote,
                    notice=take_flash(request))

    @post("/risk-points/citations")
    async def cite(self, request: AnyRequest) -> Redirect | Template:
        """The box's form: cite the chosen points, back to the record's page."""
        user = page_user(request)
        form = await request.form()
        kind, record_id = str(form.get("record_kind", "")), str(form.get("record_id", ""))
        back = str(form.get("back", ""))
        back = back if back.startswith("/w/") else "/w/"
        codes = tuple(str(c) for c in form.getall("codes")) if hasattr(form, "getall") else ()
        try:
            command = CiteRiskPoints(record_kind=RecordKind(kind), record_id=uuid.UUID(record_id), codes=codes)
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except (ValueError, LedgerError) as e:
            message = e.errors[0].message if isinstance(e, InvalidInput) else getattr(e, "message", "记录无效")
            return page(request, user, "message.html", status=422, title="未能引用风险点",
                        message=f"{message}。请返回重新选择。")
        flash(request, f"已引用风险点{'、'.join(codes)}")
        return Redirect(path=back)

    # ----------------------------------------------------------- warnings

    @get("/risk-points/warnings")
    async def warnings(self, request: AnyRequest) -> Template:
        return await self._warnings(request, {}, {})

    async def _warnings(self, request: AnyRequest, values: dict[str, str], errors: dict[str, str],
                        status: int = 200) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        await caught_up(request, VIEW)
        asked = str(request.query_params.get("authority") or values.get("authority") or "").strip()
        authority = scope.unit or asked
        views = request.app.state.views
        registers = await in_thread(views.risk_registers, scope)
        warnings = await in_thread(views.risk_warnings, scope, authority=authority) if authority else []
        return page(request, user, "risk_points_warnings.html", status=status, authority=authority,
                    registers=registers, warnings=warnings, values=values, errors=errors,
                    may_handle=user.role is Role.UNIT_STAFF and user.unit == authority, actions=list(WarningAction),
                    key=values.get("idempotency_key") or uuid.uuid4(), notice=take_flash(request), quote=quote)

    @post("/risk-points/warnings")
    async def handle_warning(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("authority", "code", "rule", "window", "action", "note",
                                                      "idempotency_key")}
        try:
            if values["action"] not in {a.value for a in WarningAction}:
                raise InvalidInput.one("action", "required", "请选择处理方式")
            command = HandleRiskWarning(authority=values["authority"], code=values["code"],
                                        rule=WarningRule(values["rule"]), window=values["window"],
                                        action=WarningAction(values["action"]), note=values["note"])
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._warnings(request, values, form_errors(e), status=422)
        except (LedgerError, ValueError) as e:
            return await self._warnings(request, values, {"": getattr(e, "message", str(e))}, status=403)
        flash(request, f"已记录对风险点{values['code']}预警的处理")
        return Redirect(path=f"{BASE}/warnings")

    # ----------------------------------------------------------- register

    @get("/risk-points/{authority:str}")
    async def register(self, request: AnyRequest, authority: FromPath[str]) -> Template:
        user = page_user(request)
        await caught_up(request, VIEW)
        views, scope = request.app.state.views, _readers(user)
        editions = await in_thread(views.risk_editions, scope, authority=authority)
        rule = await in_thread(views.risk_rule, scope, authority=authority)
        in_force = await in_thread(views.risk_points, scope, authority=authority)
        solicitations = await in_thread(views.risk_solicitations, scope, authority=authority)
        by_version: dict[str, list[dict[str, Any]]] = {}
        for s in solicitations:
            by_version.setdefault(s["version"], []).append(s)
        current = in_force[0]["version"] if in_force else None
        return page(request, user, "risk_points_register.html", status=200 if editions else 404, authority=authority,
                    editions=list(reversed(editions)), rule=rule, current=current, solicitations=by_version,
                    may_edit=_may_edit(user, authority), notice=take_flash(request), quote=quote)

    # ------------------------------------------------------------- drafts

    @get("/risk-points/{authority:str}/draft")
    async def draft_form(self, request: AnyRequest, authority: FromPath[str]) -> Template:
        version = str(request.query_params.get("version") or "")
        values: dict[str, str] = {"version": version}
        if version:
            found = await in_thread(request.app.state.views.risk_edition, _readers(page_user(request)),
                                    authority=authority, version=version)
            if found is not None:
                values.update(title=found["title"], effective_from=found["effective_from"],
                              document_number=found["document_number"] or "")
        return await self._draft_page(request, authority, values, {})

    async def _draft_page(self, request: AnyRequest, authority: str, values: dict[str, str], errors: dict[str, str],
                          status: int = 200) -> Template:
        user = page_user(request)
        version = values.get("version", "").strip()
        found = await in_thread(request.app.state.views.risk_edition, _readers(user), authority=authority,
                                version=version) if version else None
        rule = await in_thread(request.app.state.views.risk_rule, _readers(user), authority=authority)
        return page(request, user, "risk_points_draft.html", status=status, authority=authority, values=values,
                    errors=errors, draft=found, rule=rule, severities=list(RiskSeverity),
                    likelihoods=list(RiskLikelihood), grades=list(RiskGrade),
                    key=values.get("idempotency_key") or uuid.uuid4(), quote=quote)

    @post("/risk-points/{authority:str}/draft")
    async def draft(self, request: AnyRequest, authority: FromPath[str]) -> Template | Redirect:
        """The draft's points so far plus the new one, re-drafted as one edition."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in (*EDITION_FIELDS, *POINT_FIELDS, "idempotency_key")}
        ledger = request.app.state.ledger
        register = await in_thread(ledger.risk_register, authority, for_update=False)
        version = values["version"].strip()
        existing = register.editions.get(version) if register is not None else None
        if existing is not None and version in register.publications:
            existing = None  # the command refuses it, beside the version
        points = tuple(existing.points) if existing is not None else ()
        problems: list[FieldError] = []
        try:
            effective_from = a_date("effective_from", values["effective_from"], "生效日期", required=True)
        except InvalidInput as e:
            problems += e.errors
            effective_from = None
        new = _point_of(values, problems)
        if problems or effective_from is None or new is None:
            return await self._draft_page(request, authority, values, form_errors(InvalidInput(problems)), status=422)
        command = DraftRiskEdition(authority=authority, edition=RiskEdition(
            version=values["version"], title=values["title"], effective_from=effective_from,
            points=(*points, new), document_number=values["document_number"]))
        try:
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._draft_page(request, authority, values, _beside(form_errors(e), len(points)), status=422)
        except LedgerError as e:
            return await self._draft_page(request, authority, values, {"": e.message}, status=403)
        flash(request, f"已将风险点{new.code}加入{authority}违法风险点草案“{version}”，共{len(points) + 1}项")
        return Redirect(path=f"{BASE}/{quote(authority)}")

    @get("/risk-points/{authority:str}/import")
    async def import_form(self, request: AnyRequest, authority: FromPath[str]) -> Template:
        return self._import_page(request, authority, {}, {}, [])

    def _import_page(self, request: AnyRequest, authority: str, values: dict[str, str], errors: dict[str, str],
                     rows: list[dict[str, str]], status: int = 200) -> Template:
        return page(request, page_user(request), "risk_points_import.html", status=status, authority=authority,
                    values=values, errors=errors, row_errors=rows, key=values.get("idempotency_key") or uuid.uuid4(),
                    quote=quote)

    @post("/risk-points/{authority:str}/import")
    async def import_edition(self, request: AnyRequest, authority: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in (*EDITION_FIELDS, "idempotency_key")}
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        try:
            effective_from = a_date("effective_from", values["effective_from"], "生效日期", required=True)
            if not data:
                raise InvalidInput.one("file", "no_file", "请选择要导入的CSV或XLSX文件")
            edition_of = partial(RiskEdition, version=values["version"], title=values["title"],
                                 effective_from=effective_from, document_number=values["document_number"])

            def run() -> bytes:
                command = import_command(request.app.state.ledger, authority, data, edition_of, basis=None)
                return run_command(request.app.state, user, command, form_key(form))

            remember(request, await in_thread(run))
        except InvalidInput as e:
            errors, rows = import_errors([FieldError(f.field.removeprefix("edition."), f.code, f.message)
                                          for f in e.errors])
            return self._import_page(request, authority, values, errors, rows, status=422)
        except LedgerError as e:
            return self._import_page(request, authority, values, {"": e.message}, [], status=403)
        flash(request, f"已导入{authority}违法风险点草案“{values['version'].strip()}”")
        return Redirect(path=f"{BASE}/{quote(authority)}")

    # ------------------------------------------------ solicitation, publication

    @get("/risk-points/{authority:str}/editions/{version:str}/solicit")
    async def solicit_form(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> Template:
        return self._step_page(request, "solicit", authority, version, {"solicited_on": _today().isoformat()}, {})

    def _step_page(self, request: AnyRequest, step: str, authority: str, version: str, values: dict[str, str],
                   errors: dict[str, str], status: int = 200) -> Template:
        return page(request, page_user(request), f"risk_points_{step}.html", status=status, authority=authority,
                    version=version, values=values, errors=errors, channels=CHANNELS,
                    key=values.get("idempotency_key") or uuid.uuid4(), quote=quote)

    @post("/risk-points/{authority:str}/editions/{version:str}/solicit")
    async def solicit(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        names = ("consulted", "method", "subject", "opinion", "answer", "solicited_on", "idempotency_key")
        values = {k: str(form.get(k, "")) for k in names}
        try:
            on = a_date("solicitation.solicited_on", values["solicited_on"], "征求日期", required=True)
            command = SolicitRiskOpinion(authority=authority, version=version, solicitation=RiskSolicitation(
                consulted=values["consulted"], method=values["method"], subject=values["subject"],
                opinion=values["opinion"], answer=values["answer"], solicited_on=on))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            errors = {k.removeprefix("solicitation."): v for k, v in form_errors(e).items()}
            return self._step_page(request, "solicit", authority, version, values, errors, status=422)
        except LedgerError as e:
            return self._step_page(request, "solicit", authority, version, values, {"": e.message}, status=403)
        flash(request, f"已记录“{version}”的征求意见情况")
        return Redirect(path=f"{BASE}/{quote(authority)}")

    @get("/risk-points/{authority:str}/editions/{version:str}/publish")
    async def publish_form(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> Template:
        return self._step_page(request, "publish", authority, version, {"published_on": _today().isoformat()}, {})

    @post("/risk-points/{authority:str}/editions/{version:str}/publish")
    async def publish(self, request: AnyRequest, authority: FromPath[str], version: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("published_on", "other_channels", "idempotency_key")}
        chosen = [str(c) for c in form.getall("channels")] if hasattr(form, "getall") else []
        values["channels"] = "|".join(chosen)
        channels = (*chosen, *(c.strip() for c in re.split(r"[；;、,，\n]+", values["other_channels"]) if c.strip()))
        try:
            on = a_date("publication.published_on", values["published_on"], "公布日期", required=True)
            command = PublishRiskEdition(authority=authority, version=version,
                                         publication=RiskPublication(published_on=on, channels=channels))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            errors = {k.removeprefix("publication."): v for k, v in form_errors(e).items()}
            return self._step_page(request, "publish", authority, version, values, errors, status=422)
        except LedgerError as e:
            return self._step_page(request, "publish", authority, version, values, {"": e.message}, status=403)
        flash(request, f"已公布{authority}违法风险点清单“{version}”")
        return Redirect(path=f"{BASE}/{quote(authority)}")
