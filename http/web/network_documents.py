"""An invited supervisor's page in the workbench and its 聘任书 (seed 003 二):

- ``/w/invited-supervisors/{id}``: the supervisor (附件3's columns, the
  resident ID and mobile masked as the API masks them), every term with its
  聘任书 number and 聘期, for the 司法局 the buttons that issue each term's
  聘任书 as PDF or DOCX, the documents issued (verifiable at
  ``/w/documents/verify``) and the record's history;
- ``POST /w/invited-supervisors/{id}/appointment-letter``: issue one (the
  ledger records ``DocumentIssued`` on the supervisor; the file comes back).

Thin: the rules (who issues, which terms exist) are the ledger's
(``ledger.documents.network_papers``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from ledger.case.values import DocumentFormat
from ledger.documents.drawing import day
from ledger.documents.network_papers import IssueAppointmentLetter
from ledger.errors import LedgerError, NotAllowed, NotFound
from ledger.history import describe, event_label
from ledger.identifiers import mask_id_number, mask_mobile
from ledger.network import InvitedSupervisor
from ledger.network.values import SupervisorState, reminder_on
from ledger.scope import Reach, sees
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import context_of
from ledger_http.documents import file_response
from ledger_http.web.network import _today
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, caught_up, in_thread, page, page_scope, page_user

# the supervisor's own events, as its page names them (the shared labels name the rest)
LABELS = {"Nominated": "司法所提名", "Appointed": "聘任", "Renewed": "续聘", "Dismissed": "解聘"}


def _supervisor(request: AnyRequest, user: AuthUser, supervisor_id: UUID) -> InvitedSupervisor:
    """The supervisor if the user may read it (another office's is unknown, as the API answers)."""
    record = request.app.state.ledger.network_record(InvitedSupervisor, supervisor_id)
    if not sees(user.role, user.unit, Reach.SUPERVISION, [record.office]):
        raise NotFound("没有该特邀行政执法监督员")
    return record


def _page_data(request: AnyRequest, user: AuthUser, supervisor_id: UUID) -> dict[str, Any]:
    scope = page_scope(user, Reach.SUPERVISION)
    record = _supervisor(request, user, supervisor_id)
    today = _today()
    current = len(record.terms)
    terms = [{"no": i, "letter": str(t.letter), "start": day(t.start), "end": day(t.end),
              "now": i == current and t.start <= today <= t.end and not record.ended,
              "reminder": i == current and reminder_on(t.end) <= today <= t.end}
             for i, t in enumerate(record.terms, 1)]
    events = []
    for e in request.app.state.ledger.history(record.id):
        v = describe(e)
        events.append({"label": LABELS.get(v.event) or event_label(v.event, v.aggregate), "who": v.actor_name, "unit": v.unit,
                       "when": v.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if v.business_time else "—"})
    return {
        "s": record, "state": record.status_on(today), "terms": terms, "events": events,
        "id_number": mask_id_number(record.id_number) if scope.masks_ids else record.id_number,
        "mobile": mask_mobile(record.mobile) if scope.masks_ids and record.mobile else record.mobile,
        "documents": request.app.state.views.documents_issued(scope, case_id=record.id),
        "issuing": user.role is Role.SUPERVISOR and not record.ended and bool(record.terms),
    }


class NetworkDocumentPages(Controller):
    path = "/w/invited-supervisors"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/{supervisor_id:uuid}")
    async def supervisor(self, request: AnyRequest, supervisor_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        page_scope(user, Reach.SUPERVISION)  # refused for the roles that read none of the network
        await caught_up(request, "documents")
        try:
            data = await in_thread(_page_data, request, user, supervisor_id)
        except NotFound:
            return page(request, user, "message.html", status=404, title="没有该记录", message="没有该特邀监督员，或您无权查看。")
        return page(request, user, "network_supervisor.html", SupervisorState=SupervisorState, **data)

    @post("/{supervisor_id:uuid}/appointment-letter", status_code=200)
    async def appointment_letter(self, request: AnyRequest, supervisor_id: FromPath[UUID]) -> Response[bytes] | Template:
        user = page_user(request)
        form = await request.form()
        fmt, term = str(form.get("format", "pdf")), str(form.get("term", "") or "")
        if fmt not in DocumentFormat._value2member_map_ or (term and not term.isdigit()):
            return page(request, user, "message.html", status=422, title="格式有误", message="文书格式应为 PDF 或 DOCX，届次应为数字。")
        command = IssueAppointmentLetter(supervisor_id=supervisor_id, term=int(term) if term else None,
                                         format=DocumentFormat(fmt))
        try:
            issued = await in_thread(request.app.state.ledger.issue_appointment_letter, context_of(user), command)
        except NotFound:
            return page(request, user, "message.html", status=404, title="没有该记录", message="没有该特邀监督员，或您无权查看。")
        except LedgerError as e:
            return page(request, user, "message.html", status=403 if isinstance(e, NotAllowed) else 409,
                        title="不能出具聘任书", message=e.message)
        request.set_session({**request.session, "n": issued.result.notification_id})
        return file_response(issued)
