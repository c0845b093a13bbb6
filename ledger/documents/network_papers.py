"""The papers of the supervision network (``ledger.network``): the
《特邀行政执法监督员聘任书》 that the 司法局 hands every invited supervisor for
each one-year term (seed 003 二: 每届任期一年，由司法局统一发放).

The letter is drawn purely from the supervisor and one of its terms
(``appointment_paper``): the 聘任书's number from the 司法局's appointment
series (with the unit's 文号 prefix when its templates folder names one), who
is appointed (name, category, employer — never the resident ID or the mobile:
the paper does not need them), the term 聘期 from–to, what the supervisor does,
the 司法局 as the issuer with the seal's place, and the day it was appointed.
It is laid out as a GB/T 9704 letter like the other papers, then issued by the
documents' one step (``ledger.documents.service.issue_paper``) and recorded
as ``DocumentIssued`` on the supervisor, so ``/documents/verify`` finds it by
its SHA-256."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError

from ledger.case.values import DocumentFormat, DocumentKind
from ledger.commands import Command, Context
from ledger.documents import Layout, Paper, Part
from ledger.documents.drawing import day, doc_number
from ledger.documents.service import Issued, issue_paper, issued_file, number_prefix
from ledger.errors import InvalidInput, WrongState
from ledger.network import InvitedSupervisor
from ledger.network.service import NetworkCommands
from ledger.network.values import Term

TITLE = "特邀行政执法监督员聘任书"
# 二: what an invited supervisor is appointed to do, as the seed says it
DUTIES = ("应邀参与司法所组织的法治宣传和行政执法监督活动，及时掌握最新涉企法律法规、惠企政策以及行政执法改革措施，"
          "反映发现的不当行政执法行为和违法行政执法行为，提出意见和建议，发挥在企业和行政执法单位之间的桥梁纽带作用。")


class IssueAppointmentLetter(Command, frozen=True, kw_only=True):
    """出具 an invited supervisor's 聘任书 as DOCX or PDF; ``term``: which
    term's (1 = the first appointment, 2 = the first renewal…; default the latest)."""

    supervisor_id: UUID
    term: int | None = None
    format: DocumentFormat = DocumentFormat.PDF


def issuer_of(unit: str) -> str:
    """The 聘任书 is the 司法局's, not its department's: 市司法局执法监督科 signs
    as 市司法局 (a unit named without 司法局 signs as itself)."""
    head, found, _ = unit.partition("司法局")
    return head + found if found else unit


def appointment_paper(supervisor: InvitedSupervisor, term_no: int, appointed_at: datetime, prefix: str = "") -> Paper:
    """The 聘任书 of the supervisor's ``term_no``-th term (1-based), appointed
    (or renewed) at ``appointed_at``; pure."""
    term: Term = supervisor.terms[term_no - 1]
    issuer = issuer_of(term.letter.unit)
    again = "（续聘）" if term_no > 1 else ""
    parts = (
        Part(heading="", text=f"兹聘任{supervisor.name}同志（{supervisor.employer}，{supervisor.category.label}）"
                              f"为{issuer}特邀行政执法监督员{again}。"),
        Part(heading="", text=f"聘期一年，自{day(term.start)}起至{day(term.end)}止。"),
        Part(heading="", text=f"聘期内，特邀行政执法监督员{DUTIES}"),
        Part(heading="", text="特发此书。"),
    )
    return Paper(kind=DocumentKind.APPOINTMENT_LETTER.value, layout=Layout.LETTER, title=TITLE,
                 number=doc_number(term.letter, prefix), parts=parts, signer=issuer, unit=issuer,
                 date=day(appointed_at))


class NetworkDocumentCommands(NetworkCommands):
    def issue_appointment_letter(self, ctx: Context, cmd: IssueAppointmentLetter) -> Issued:
        """Draw, render and record one 聘任书 (``DocumentIssued`` on the supervisor)."""
        envelope = self._envelope(ctx, cmd)
        # another office's supervisor is unknown; who may issue is the aggregate's rule (the 司法局)
        supervisor: InvitedSupervisor = self._network_visible(ctx, InvitedSupervisor, cmd.supervisor_id)
        if not supervisor.terms:
            raise WrongState("该监督员尚未聘任，没有聘任书", code="not_appointed")
        term_no = cmd.term or len(supervisor.terms)
        if not 1 <= term_no <= len(supervisor.terms):
            raise InvalidInput.one("term", "unknown_term", f"该监督员只有{len(supervisor.terms)}届聘期")
        paper = self.appointment_paper_of(supervisor, term_no)
        term = supervisor.terms[term_no - 1]
        body, issued = issue_paper(paper, DocumentKind.APPOINTMENT_LETTER, cmd.format, paper.unit, supervisor.version,
                                   lambda code: f"{TITLE} {paper.number}\n文书码 {code}", about=str(term.letter))
        supervisor.issue_document(envelope, issued)
        result = self._saved(None, supervisor)
        return issued_file(msgspec.structs.replace(result, record_id=supervisor.id), body, issued)

    def appointment_paper_of(self, supervisor: InvitedSupervisor, term_no: int) -> Paper:
        """The paper of one term as the supervisor stands now: dated the day
        of the ``Appointed`` or ``Renewed`` event that began it."""
        moments = [e.envelope.business_time for e in self._supervisor_events(supervisor.id)
                   if type(e).__name__ in ("Appointed", "Renewed")]
        term = supervisor.terms[term_no - 1]
        return appointment_paper(supervisor, term_no, moments[term_no - 1], number_prefix(term.letter.unit))

    def _supervisor_events(self, supervisor_id: UUID) -> list:  # type: ignore[type-arg]
        try:
            return list(self.events.get(supervisor_id))
        except AggregateNotFoundError:  # pragma: no cover - the supervisor was just loaded
            return []
