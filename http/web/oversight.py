"""Oversight in the workbench: the major penalty decisions and their filing
(备案, due 15 days after the decision) with overdue and due-soon marks — 登记
and 报送备案 by the deciding unit's staff — and 账本校验: the digest of the
sealed chain a supervisor keeps outside the system, and the check that
today's log extends a digest kept earlier.

Reads are the API's (``views.filings`` as ``GET /supervision/filings``;
``current_digest`` / ``extends`` as ``GET /ledger/digest`` and
``/ledger/consistency``), scoped by the same rule (``Reach.SUPERVISION``,
``Reach.INTEGRITY``); writes are the API's commands."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.envelope import make_envelope
from ledger.errors import FieldError, InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.history import describe, event_label
from ledger.scope import Reach
from ledger.supervision import MajorDecisionFiling
from ledger.supervision.commands import DeclareMajorDecision, FileMajorDecision
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.integrity import Digest
from ledger_http.web.pages import (
    PAGE,
    PAGE_HEADERS,
    AnyRequest,
    PageRefused,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)
from projections.seal import current_digest, extends

# The view's filing statuses (``views.filings(status=)``), as the filter offers them.
FILING_STATUSES = {"open": "未备案", "overdue": "已逾期", "filed": "已备案", "late": "逾期备案"}
DUE_SOON_DAYS = 3  # an open filing due within this many days is marked 即将到期
DECLARE_FIELDS = ("decision_number", "decided_on", "party", "summary", "basis", "case_id", "legal_review_id")
HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_POSITION = 2**62  # as the API's consistency check


def filing_mark(row: dict[str, Any]) -> tuple[str, str]:
    """A filing's state in words (never colour alone) and the class that
    colours it; from the view's flags (``late`` is the ledger's own)."""
    if row["filed_on"]:
        return ("逾期备案", "late") if row["late"] else ("已备案", "done")
    days = row["days_left"]
    if row["overdue"]:
        return f"已逾期{-days}天", "overdue"
    if days <= DUE_SOON_DAYS:
        return ("今天到期" if days == 0 else f"即将到期（剩{days}天）"), "soon"
    return f"未备案（剩{days}天）", "open"


def a_date(field: str, text: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        message = f"请填写{label}" if not text.strip() else f"{label}应为日期（年-月-日）"
        raise InvalidInput.one(field, "invalid_date", message) from None


def declare_command(values: dict[str, str], user: AuthUser, ledger: Any) -> DeclareMajorDecision:
    """The form into the API's command. A date or case number that cannot
    make a command is reported together with the other fields' errors,
    which the filing's own decision gives (asked without saving)."""
    problems: list[FieldError] = []
    try:
        decided_on: date | None = a_date("decided_on", values["decided_on"], "处罚决定日期")
    except InvalidInput as e:
        decided_on, problems = None, [*problems, *e.errors]
    case_id: UUID | None = None
    if values["case_id"].strip():
        try:
            case_id = UUID(values["case_id"].strip())
        except ValueError:
            problems.append(FieldError("case_id", "invalid", "关联案件编号格式不正确（应为案件页地址中的编号）"))
    review_id: UUID | None = None
    if values.get("legal_review_id", "").strip():
        try:
            review_id = UUID(values["legal_review_id"].strip())
        except ValueError:
            problems.append(FieldError("legal_review_id", "unknown_review",
                                       f"本单位没有编号为“{values['legal_review_id'].strip()}”的法制审核（如 法审〔2026〕3号）"))
    if problems:
        try:
            MajorDecisionFiling.declare(
                make_envelope(user.actor, "form-check", datetime.now(CST)), ledger.calendar(for_update=False).view(),
                decision_number=values["decision_number"], decided_on=decided_on or datetime.now(CST).date(),
                party=values["party"], summary=values["summary"])
        except InvalidInput as e:
            problems += [f for f in e.errors if not (decided_on is None and f.field == "decided_on")
                         and not (f.field == "legal_review_id" and values.get("legal_review_id", "").strip())]
        except LedgerError:
            pass  # e.g. not unit staff: the command itself will say so once the form is complete
        raise InvalidInput(problems)
    assert decided_on is not None
    return DeclareMajorDecision(decision_number=values["decision_number"], decided_on=decided_on,
                                party=values["party"], summary=values["summary"],
                                basis=values["basis"].strip() or None, case_id=case_id, legal_review_id=review_id)


def _review_cited(request: AnyRequest, user: AuthUser, values: dict[str, str]) -> dict[str, str]:
    """The form with the review's short number (法审〔2026〕3号, as its page
    shows it) replaced by the review's id; an id, or a number of no review,
    is left as typed (the command's check names it). The form keeps what was typed."""
    typed = values.get("legal_review_id", "").strip()
    if not typed or _is_uuid(typed):
        return values
    found = request.app.state.views.legal_review_id_of(page_scope(user, Reach.SUPERVISION), typed)
    return {**values, "legal_review_id": found} if found else values


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def kept_digest(values: dict[str, str]) -> tuple[int, str]:
    """The position and digest a supervisor kept, both checked at once.
    Spaces and capitals are accepted: a digest copied from paper or
    split into groups is still the digest."""
    problems: list[FieldError] = []
    position_text = values["position"].strip()
    if not position_text:
        problems.append(FieldError("position", "required", "请填写保存摘要时的位置（通知编号）"))
    elif not position_text.isdigit() or int(position_text) > MAX_POSITION:
        problems.append(FieldError("position", "invalid", "位置应为不小于0的整数（通知编号）"))
    digest = re.sub(r"\s+", "", values["digest"]).lower()
    if not digest:
        problems.append(FieldError("digest", "required", "请填写当时保存的摘要"))
    elif not HEX64.fullmatch(digest):
        problems.append(FieldError("digest", "invalid",
                                   f"摘要应为64位十六进制字符（0–9、a–f），您填写的是{len(digest)}位"
                                   if len(digest) != 64 else "摘要只能包含0–9和a–f"))
    if problems:
        raise InvalidInput(problems)
    return int(position_text), digest


class OversightPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    # ------------------------------------------------------------ filings

    @get("/filings")
    async def filings(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        q = request.query_params
        status = q.get("status") if q.get("status") in FILING_STATUSES else None
        # unit staff read their own unit's: the form offers no unit to them
        unit = (str(q.get("unit") or "").strip() or None) if scope.unit is None else None
        offset = int(q["offset"]) if str(q.get("offset") or "").isdigit() else 0
        views = request.app.state.views
        await caught_up(request, "supervision")
        try:
            rows = await in_thread(views.filings, scope, unit=unit, status=status, limit=PAGE + 1, offset=offset)
        except NotAllowed as e:
            raise PageRefused(user, e.message) from None
        units = await in_thread(views.filing_units, scope) if scope.unit is None else []
        shown = [{**r, "mark": filing_mark(r), "may_file": may_file(user, r)} for r in rows[:PAGE]]

        def at(o: int) -> str:
            return "?" + urlencode({k: v for k, v in (("status", status), ("unit", unit), ("offset", o)) if v})

        return page(request, user, "filings.html", rows=shown, statuses=FILING_STATUSES, chosen=status, unit=unit,
                    units=units, own_unit=scope.unit, offset=offset, page_size=PAGE, declares=user.role is Role.UNIT_STAFF,
                    previous=at(max(offset - PAGE, 0)) if offset else None,
                    next=at(offset + PAGE) if len(rows) > PAGE else None)

    @get("/filings/new")
    async def declare_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        page_scope(user, Reach.SUPERVISION)
        values = dict.fromkeys(DECLARE_FIELDS, "") | {"case_id": str(request.query_params.get("case_id") or ""),
                                                      "legal_review_id": str(request.query_params.get("legal_review_id") or "")}
        return page(request, user, "filings_new.html", values=values, errors={}, key=uuid.uuid4())

    @post("/filings/new")
    async def declare(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in DECLARE_FIELDS}
        try:
            command = declare_command(await in_thread(_review_cited, request, user, values), user, request.app.state.ledger)
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return page(request, user, "filings_new.html", status=422, values=values, errors=field_errors(e),
                        key=form.get("idempotency_key") or uuid.uuid4())
        except NotFound as e:  # the linked case is unknown to this user
            return page(request, user, "filings_new.html", status=422, values=values, errors={"case_id": e.message},
                        key=form.get("idempotency_key") or uuid.uuid4())
        except LedgerError as e:
            return page(request, user, "filings_new.html", status=403 if isinstance(e, NotAllowed) else 409,
                        values=values, errors={"": e.message}, key=uuid.uuid4())
        return Redirect(path=f"/w/filings/{result['record_id']}")

    @get("/filings/{filing_id:uuid}")
    async def filing(self, request: AnyRequest, filing_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await self._filing_page(request, user, filing_id, {}, {})

    @post("/filings/{filing_id:uuid}/file")
    async def file(self, request: AnyRequest, filing_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("filed_on", "reference", "basis")}
        try:
            command = FileMajorDecision(filing_id=filing_id, filed_on=a_date("filed_on", values["filed_on"], "备案日期"),
                                        reference=values["reference"], basis=values["basis"].strip() or None)
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._filing_page(request, user, filing_id, values, field_errors(e), status=422,
                                           key=str(form.get("idempotency_key") or ""))
        except LedgerError as e:
            return await self._filing_page(request, user, filing_id, values, {"": e.message},
                                           status=403 if isinstance(e, NotAllowed) else 409)
        return Redirect(path=f"/w/filings/{filing_id}")

    async def _filing_page(self, request: AnyRequest, user: AuthUser, filing_id: UUID, values: dict[str, str],
                           errors: dict[str, str], status: int = 200, key: str = "") -> Template:
        scope = page_scope(user, Reach.SUPERVISION)
        await caught_up(request, "supervision")
        row = await in_thread(request.app.state.views.filing, scope, str(filing_id))
        if row is None:
            return page(request, user, "message.html", status=404, title="备案事项不存在",
                        message="没有该重大行政处罚决定备案事项，或您无权查看。")
        events = [{"view": d, "label": event_label(d.event, d.aggregate),
                   "business": d.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if d.business_time else "—",
                   "recorded": d.recorded_at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")}
                  for d in map(describe, await in_thread(request.app.state.ledger.events.get, filing_id))]
        values = {"filed_on": datetime.now(CST).date().isoformat(), "reference": "", "basis": ""} | values
        return page(request, user, "filings_detail.html", status=status, filing=row, mark=filing_mark(row),
                    events=events, values=values, errors=errors, key=key or uuid.uuid4(), may_file=may_file(user, row))

    # ---------------------------------------------------------- integrity

    @get("/integrity")
    async def integrity(self, request: AnyRequest) -> Template:
        """The digest to keep, and (when a kept one is given) the check."""
        user = page_user(request)
        page_scope(user, Reach.INTEGRITY)
        settings = request.app.state.settings
        position, digest = await in_thread(current_digest, settings)
        head = Digest(notification_id=position, digest=digest)
        q = request.query_params
        values = {k: str(q.get(k) or "") for k in ("position", "digest")}
        check, errors = None, {}
        if "position" in q or "digest" in q:
            try:
                at, kept = kept_digest(values)
                ok, recomputed = await in_thread(extends, settings, at, kept)
                check = {"position": at, "digest": kept, "extends": ok, "recomputed": recomputed,
                         "beyond": at > position}
            except InvalidInput as e:
                errors = field_errors(e)
        return page(request, user, "integrity.html", status=422 if errors else 200, head=head, check=check,
                    values=values, errors=errors, taken=datetime.now(CST).strftime("%Y-%m-%d %H:%M:%S"))


def may_file(user: AuthUser, row: dict[str, Any]) -> bool:
    """Whether to offer 报送备案: a hint only (the filing itself decides)."""
    return user.role is Role.UNIT_STAFF and user.unit == row["unit"] and not row["filed_on"]
