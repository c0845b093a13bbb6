"""Legal review before major decisions and credit repair in the workbench
(seed 003 七, 十):

- ``/w/legal-reviews``: reviews pending and all, the year-end indicators per
  unit; ``/w/legal-reviews/new``: 申请法制审核 with the draft decision;
  ``/w/legal-reviews/{id}``: the rounds, 审核 (通过 / 修改后通过 / 不通过,
  with reasons) and 重新送审, and — once passed — the way to declare the
  decision (``/w/filings/new?legal_review_id=…``).
- ``/w/credit-repairs``: the requests and a new one; ``/w/credit-repairs/{id}``:
  the guidance given and the outcome.

Thin pages: every rule is the ledger's (``ledger.legal_review``); lists come
from the legal-review view. Forms POST → redirect → GET; errors beside fields."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.catalogue.commands import FileListsWithJustice
from ledger.errors import FieldError, InvalidInput, LedgerError, NotFound
from ledger.history import describe, event_label
from ledger.legal_review import CreditRepair, LegalReview, threshold_for
from ledger.legal_review.commands import (
    ConcludeCreditRepair,
    GiveLegalReviewOpinion,
    GuideCreditRepair,
    RequestCreditRepair,
    RequestLegalReview,
    ResubmitLegalReview,
    SetReviewThreshold,
)
from ledger.legal_review.values import (
    CITABLE,
    DEFAULT_SOURCE,
    RESUBMITTABLE,
    DraftDecision,
    FilingReviewOutcome,
    MajorKind,
    PartyKind,
    RepairOutcome,
    RepairState,
    ReviewOutcome,
    ReviewState,
)
from ledger.scope import Reach
from ledger.supervision.commands import ReviewMajorDecisionFiling
from ledger.values import CST, Person, Role
from ledger_http.common.commanding import context_of, run_command
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)
from ledger_http.web.user_choices import active_users

VIEW = "legal_review"
DRAFT_FIELDS = ("party", "party_kind", "party_code", "facts", "legal_basis", "proposed", "kind", "amount_yuan")


def _today() -> date:
    return datetime.now(CST).date()


def _date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.one(field, "invalid_date", "请填写日期（年-月-日）") from None


def _enum(cls: Any, field: str, text: str, label: str) -> Any:
    if text in cls._value2member_map_:
        return cls(text)
    raise InvalidInput.one(field, "required", f"请选择{label}")


def _draft(values: dict[str, str]) -> DraftDecision:
    """The form's draft (field names ``draft.*`` as the ledger names them)."""
    problems: list[FieldError] = []
    party_kind = kind = None
    for field, cls, label in (("party_kind", PartyKind, "当事人类型"), ("kind", MajorKind, "决定类型")):
        try:
            chosen = _enum(cls, f"draft.{field}", values.get(field, ""), label)
        except InvalidInput as e:
            problems += e.errors
            continue
        if field == "party_kind":
            party_kind = chosen
        else:
            kind = chosen
    amount: Decimal | None = None
    if values.get("amount_yuan", "").strip():
        try:
            amount = Decimal(values["amount_yuan"].strip())
        except InvalidOperation:
            problems.append(FieldError("draft.amount_yuan", "invalid_amount", "罚款金额应为数字（元）"))
    if problems:
        raise InvalidInput(problems)
    return DraftDecision(party=values.get("party", ""), party_kind=party_kind, party_code=values.get("party_code", ""),
                         facts=values.get("facts", ""), legal_basis=values.get("legal_basis", ""),
                         proposed=values.get("proposed", ""), kind=kind, amount_yuan=amount)


def _officers(ledger: Any, text: str) -> tuple[Person, ...]:
    """其他承办人员 by user name (comma or space separated), named from the directory."""
    people = []
    for name in text.replace("，", ",").replace(" ", ",").split(","):
        if not name.strip():
            continue
        try:
            found = ledger.get_user(name.strip(), for_update=False)
        except NotFound:
            raise InvalidInput.one("officers", "unknown_user", f"没有用户名为“{name.strip()}”的人员") from None
        people.append(Person(id=found.username, name=found.display_name))
    return tuple(people)


# "Requested" names both aggregates' first event: each page says which request it was
FIRST = {LegalReview: "申请法制审核", CreditRepair: "受理信用修复指导申请"}


def _events(ledger: Any, user: Any, cls: type, record_id: UUID) -> list[dict[str, Any]]:
    return [{"view": d, "label": FIRST[cls] if d.event == "Requested" else
             (f"编号为{(d.data.get('number') or {}).get('text', '')}" if d.event == "Numbered" else event_label(d.event, d.aggregate)),
             "business": d.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if d.business_time else "—"}
            for d in map(describe, ledger.legal_review_history(context_of(user), cls, record_id))]


def _fields(errors: dict[str, str]) -> dict[str, str]:
    """``draft.facts`` → ``facts``: the form's fields carry the short names."""
    return {k.removeprefix("draft."): v for k, v in errors.items()}


class LegalReviewPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    # --------------------------------------------------------------- reviews

    @get("/legal-reviews")
    async def reviews(self, request: AnyRequest) -> Template:
        return await self._reviews(request, {}, {})

    async def _reviews(self, request: AnyRequest, values: dict[str, str], errors: dict[str, str],
                       status: int = 200) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        await caught_up(request, VIEW)
        views = request.app.state.views
        today = _today()
        year = int(request.query_params.get("year") or today.year) if str(request.query_params.get("year") or "").isdigit() else today.year
        pending = await in_thread(views.legal_reviews, scope, state=ReviewState.PENDING.value)
        reviews = await in_thread(views.legal_reviews, scope, limit=200)
        indicators = await in_thread(views.legal_review_indicators, scope, year, today=today.isoformat())
        ledger = request.app.state.ledger
        staff = user.role is Role.UNIT_STAFF
        catalogue = await in_thread(ledger.catalogue, user.unit) if staff else None
        threshold = await in_thread(ledger.review_threshold, user.unit) if staff else None
        return page(request, user, "legal_reviews.html", status=status, pending=pending, reviews=reviews,
                    indicators=indicators, year=year, may_request=staff, catalogue=catalogue,
                    threshold={"individual": threshold_for(threshold, PartyKind.INDIVIDUAL),
                               "organisation": threshold_for(threshold, PartyKind.ORGANISATION),
                               "source": threshold.source if threshold else DEFAULT_SOURCE},
                    supervisor=user.role is Role.SUPERVISOR, values={"filed_on": today.isoformat(), **values},
                    errors=errors, key=uuid.uuid4())

    @post("/legal-reviews/lists-filing")
    async def file_lists(self, request: AnyRequest) -> Template | Redirect:
        """四张清单报司法局备案 (seed 003 八): the unit's own lists."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            command = FileListsWithJustice(authority=user.unit, filed_on=_date("filed_on", values.get("filed_on", "")),
                                           reference=values.get("reference", ""))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._reviews(request, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._reviews(request, values, {"": e.message}, status=409)
        return Redirect(path="/w/legal-reviews")

    @post("/legal-reviews/thresholds")
    async def set_threshold(self, request: AnyRequest) -> Template | Redirect:
        """较大数额罚款标准 of one authority (the supervision department)."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            problems: list[FieldError] = []
            amounts: dict[str, Decimal] = {}
            for field in ("individual_yuan", "organisation_yuan"):
                try:
                    amounts[field] = Decimal(values.get(field, "").strip())
                except InvalidOperation:
                    problems.append(FieldError(field, "invalid_amount", "标准金额应为数字（元）"))
            if problems:
                raise InvalidInput(problems)
            command = SetReviewThreshold(unit=values.get("unit", ""), source=values.get("source", ""), **amounts)
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._reviews(request, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._reviews(request, values, {"": e.message}, status=409)
        return Redirect(path="/w/legal-reviews")

    @get("/legal-reviews/new")
    async def new(self, request: AnyRequest) -> Template:
        user = page_user(request)
        page_scope(user, Reach.SUPERVISION)
        return await self._new(request, user, {"party_kind": "organisation", "kind": "fine"}, {})

    async def _new(self, request: AnyRequest, user: Any, values: dict[str, str], errors: dict[str, str],
                   status: int = 200) -> Template:
        # the case's other officers, chosen from the unit's people (none of them may review it)
        people = await in_thread(active_users, request.app.state, user.unit, besides=user.username)
        chosen = [o for o in values.get("officers", "").split(",") if o]
        return page(request, user, "legal_review_new.html", status=status, values=values, errors=errors,
                    key=uuid.uuid4(), party_kinds=list(PartyKind), kinds=list(MajorKind), people=people,
                    chosen=chosen)

    @post("/legal-reviews/new")
    async def request_review(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        values["officers"] = ",".join(str(o) for o in form.getall("officers", []))  # a multiple select
        try:
            command = RequestLegalReview(draft=_draft(values),
                                         officers=await in_thread(_officers, request.app.state.ledger,
                                                                  values.get("officers", "")))
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._new(request, user, values, _fields(field_errors(e)), status=422)
        except LedgerError as e:
            return await self._new(request, user, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/legal-reviews/{result['record_id']}")

    @get("/legal-reviews/{review_id:uuid}")
    async def review(self, request: AnyRequest, review_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await self._review(request, user, review_id, {}, {})

    async def _review(self, request: AnyRequest, user: Any, review_id: UUID, values: dict[str, str],
                      errors: dict[str, str], status: int = 200) -> Template:
        scope = page_scope(user, Reach.SUPERVISION)
        ledger = request.app.state.ledger
        try:
            record = await in_thread(ledger.legal_review_visible, context_of(user), LegalReview, review_id)
        except NotFound:
            return page(request, user, "message.html", status=404, title="法制审核不存在", message="没有该法制审核，或您无权查看。")
        await caught_up(request, VIEW)
        rounds = await in_thread(request.app.state.views.legal_review_rounds, scope, str(review_id))
        staff = user.role is Role.UNIT_STAFF and user.unit == record.unit
        draft = record.current.draft
        defaults = {f: (getattr(draft, f).value if hasattr(getattr(draft, f), "value") else str(getattr(draft, f) or ""))
                    for f in DRAFT_FIELDS}
        return page(request, user, "legal_review.html", status=status, review=record, rounds=rounds,
                    events=await in_thread(_events, ledger, user, LegalReview, review_id), values={**defaults, **values},
                    errors=errors, key=uuid.uuid4(), outcomes=list(ReviewOutcome), party_kinds=list(PartyKind),
                    kinds=list(MajorKind), may_review=staff and record.state is ReviewState.PENDING,
                    may_resubmit=staff and record.state in RESUBMITTABLE and record.cited_by is None,
                    may_declare=staff and record.state in CITABLE and record.cited_by is None)

    @post("/legal-reviews/{review_id:uuid}/opinion")
    async def opinion(self, request: AnyRequest, review_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            command = GiveLegalReviewOpinion(
                review_id=review_id, outcome=_enum(ReviewOutcome, "outcome", values.get("outcome", ""), "审核结论"),
                opinion=values.get("opinion", ""), changes=values.get("changes", ""))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._review(request, user, review_id, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._review(request, user, review_id, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/legal-reviews/{review_id}")

    @post("/legal-reviews/{review_id:uuid}/resubmit")
    async def resubmit(self, request: AnyRequest, review_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            command = ResubmitLegalReview(review_id=review_id, draft=_draft(values), response=values.get("response", ""))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._review(request, user, review_id, values, _fields(field_errors(e)), status=422)
        except LedgerError as e:
            return await self._review(request, user, review_id, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/legal-reviews/{review_id}")

    # ------------------------------------------------------- filing review

    @get("/legal-reviews/filings")
    async def filings(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._filings(request, user, {}, {})

    async def _filings(self, request: AnyRequest, user: Any, values: dict[str, str], errors: dict[str, str],
                       status: int = 200) -> Template:
        scope = page_scope(user, Reach.SUPERVISION)
        await caught_up(request, VIEW)
        rows = await in_thread(request.app.state.views.legal_filings, scope)
        return page(request, user, "legal_review_filings.html", status=status, rows=rows, values=values, errors=errors,
                    key=uuid.uuid4(), outcomes=list(FilingReviewOutcome), supervisor=user.role is Role.SUPERVISOR)

    @post("/legal-reviews/filings/{filing_id:uuid}/review")
    async def filing_review(self, request: AnyRequest, filing_id: FromPath[UUID]) -> Template | Redirect:
        """备案审查 of one filed decision (the supervisor)."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            command = ReviewMajorDecisionFiling(
                filing_id=filing_id, outcome=_enum(FilingReviewOutcome, "outcome", values.get("outcome", ""), "审查结论"),
                finding=values.get("finding", ""))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._filings(request, user, {**values, "filing_id": str(filing_id)}, field_errors(e), status=422)
        except LedgerError as e:
            return await self._filings(request, user, values, {"": e.message}, status=409)
        return Redirect(path="/w/legal-reviews/filings")

    # --------------------------------------------------------- credit repair

    @get("/credit-repairs")
    async def repairs(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._repairs(request, user, {"requested_on": _today().isoformat()}, {})

    async def _repairs(self, request: AnyRequest, user: Any, values: dict[str, str], errors: dict[str, str],
                       status: int = 200) -> Template:
        scope = page_scope(user, Reach.SUPERVISION)
        await caught_up(request, VIEW)
        rows = await in_thread(request.app.state.views.credit_repairs, scope)
        return page(request, user, "legal_review_repairs.html", status=status, rows=rows, values=values, errors=errors,
                    key=uuid.uuid4(), may_request=user.role is Role.UNIT_STAFF)

    @post("/credit-repairs")
    async def request_repair(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            command = RequestCreditRepair(firm=values.get("firm", ""), uscc=values.get("uscc", ""),
                                          decision_number=values.get("decision_number", ""),
                                          requested_on=_date("requested_on", values.get("requested_on", "")),
                                          request=values.get("request", ""))
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._repairs(request, user, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._repairs(request, user, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/credit-repairs/{result['record_id']}")

    @get("/credit-repairs/{repair_id:uuid}")
    async def repair(self, request: AnyRequest, repair_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await self._repair(request, user, repair_id, {}, {})

    async def _repair(self, request: AnyRequest, user: Any, repair_id: UUID, values: dict[str, str],
                      errors: dict[str, str], status: int = 200) -> Template:
        page_scope(user, Reach.SUPERVISION)
        ledger = request.app.state.ledger
        try:
            record = await in_thread(ledger.legal_review_visible, context_of(user), CreditRepair, repair_id)
        except NotFound:
            return page(request, user, "message.html", status=404, title="信用修复申请不存在", message="没有该申请，或您无权查看。")
        open_ = record.state in (RepairState.REQUESTED, RepairState.GUIDED)
        staff = user.role is Role.UNIT_STAFF and user.unit == record.unit
        today = _today().isoformat()
        return page(request, user, "legal_review_repair.html", status=status, repair=record,
                    events=await in_thread(_events, ledger, user, CreditRepair, repair_id),
                    values={"given_on": today, "concluded_on": today, **values}, errors=errors, key=uuid.uuid4(),
                    outcomes=list(RepairOutcome), outcome_labels={o.value: o.label for o in RepairOutcome},
                    may_act=staff and open_)

    @post("/credit-repairs/{repair_id:uuid}/{step:str}")
    async def repair_step(self, request: AnyRequest, repair_id: FromPath[UUID], step: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            command: Any
            if step == "guide":
                command = GuideCreditRepair(repair_id=repair_id, given_on=_date("given_on", values.get("given_on", "")),
                                            officer=Person(id=user.actor.id, name=user.actor.name),
                                            content=values.get("content", ""))
            elif step == "conclude":
                command = ConcludeCreditRepair(
                    repair_id=repair_id, outcome=_enum(RepairOutcome, "outcome", values.get("outcome", ""), "办理结果"),
                    concluded_on=_date("concluded_on", values.get("concluded_on", "")), reason=values.get("reason", ""))
            else:
                return page(request, user, "message.html", status=404, title="页面不存在", message="没有该操作。")
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._repair(request, user, repair_id, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._repair(request, user, repair_id, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/credit-repairs/{repair_id}")
