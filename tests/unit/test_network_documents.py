"""The 特邀行政执法监督员聘任书 (seed 003 二): what it says, drawn purely from
the supervisor and one term (number, 聘期 from–to, the 司法局 as issuer with
the seal's place, no resident ID or mobile), a term from 29 February, a
renewal's letter; and who may issue it, on an in-memory ledger — the 司法局
only, never for a supervisor not yet appointed or dismissed, nothing
written when refused."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta

import docx
import pytest

from ledger.application import Ledger
from ledger.case.values import CASE_DOCUMENTS, DocumentFormat, DocumentKind
from ledger.documents import Layout
from ledger.documents.network_papers import IssueAppointmentLetter, appointment_paper, issuer_of
from ledger.errors import InvalidInput, NotAllowed, NotFound, WrongState
from ledger.network import InvitedSupervisor
from ledger.network.commands import DismissSupervisor, RenewSupervisor
from ledger.network.values import term_end
from ledger.settings import Settings
from tests.builders import AUDITOR, T0, VALID_RIC, ctx
from tests.network_builders import BUREAU, HEAD, SOUTH, appointed_supervisor, at, seed_network, supervisor_cmd


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + timedelta(hours=1))


@pytest.fixture
def ledger(clock: Clock):
    app = Ledger(Settings(backend="sqlite"), env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    seed_network(app)
    yield app
    app.close()


def text_of(paper) -> str:
    return "".join(p.heading + p.text for p in paper.parts)


def log_length(ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def test_the_letter_names_its_number_the_term_and_the_bureau_and_no_personal_numbers(ledger):
    supervisor = ledger.network_record(InvitedSupervisor, appointed_supervisor(ledger, date(2026, 11, 2)))
    paper = appointment_paper(supervisor, 1, at(date(2026, 11, 2)))
    assert paper.kind == DocumentKind.APPOINTMENT_LETTER.value and paper.layout is Layout.LETTER
    assert paper.title == "特邀行政执法监督员聘任书"
    assert paper.number == "2026年第1号" == str(supervisor.term.letter)
    body = text_of(paper)
    assert "兹聘任李明同志（如皋市长江化工有限公司，企业负责人或员工）为司法局特邀行政执法监督员。" in body
    assert "聘期一年，自2026年11月2日起至2027年11月1日止。" in body  # the day before the anniversary
    assert "续聘" not in body
    # 由司法局统一发放: the bureau signs (the seal's place beside it), not its department
    assert (paper.signer, paper.unit, paper.date) == ("司法局", "司法局", "2026年11月2日")
    assert VALID_RIC not in body and "13812345678" not in body


def test_a_term_from_29_february_ends_on_28_february_and_a_prefix_gives_the_letters_number(ledger):
    supervisor = ledger.network_record(InvitedSupervisor, appointed_supervisor(ledger, date(2028, 2, 29)))
    paper = appointment_paper(supervisor, 1, at(date(2026, 11, 2)), prefix="皋司聘")
    assert "自2028年2月29日起至2029年2月28日止" in text_of(paper)
    assert paper.number == "皋司聘〔2026〕1号"


def test_a_renewal_has_its_own_letter_from_the_day_after_the_first_term(ledger, clock):
    start = T0.date()
    supervisor_id = appointed_supervisor(ledger, start)
    last = term_end(start)
    clock.now = at(last, 16)  # renewed on the term's last day
    ledger.execute(ctx(BUREAU), RenewSupervisor(supervisor_id=supervisor_id))
    supervisor = ledger.network_record(InvitedSupervisor, supervisor_id)
    second = ledger.appointment_paper_of(supervisor, 2)
    nxt = last + timedelta(days=1)
    assert second.number == f"{last.year}年第1号" and second.date == f"{last.year}年{last.month}月{last.day}日"
    assert f"自{nxt.year}年{nxt.month}月{nxt.day}日起" in text_of(second) and "（续聘）" in text_of(second)
    first = ledger.appointment_paper_of(supervisor, 1)  # the first term's letter still reads as it did
    assert first.number == f"{start.year}年第1号" and "2026年11月2日起至2027年11月1日止" in text_of(first)


@pytest.mark.parametrize("unit,issuer", [("市司法局执法监督科", "市司法局"), ("如皋市司法局", "如皋市司法局"),
                                         ("执法监督科", "执法监督科")])
def test_the_issuer_is_the_bureau_the_department_belongs_to(unit, issuer):
    assert issuer_of(unit) == issuer


def test_the_appointment_letter_is_not_one_of_a_cases_documents():
    assert DocumentKind.APPOINTMENT_LETTER not in CASE_DOCUMENTS


def test_issuing_records_the_files_hash_on_the_supervisor_and_gives_the_same_bytes_again(ledger):
    supervisor_id = appointed_supervisor(ledger)
    one = ledger.issue_appointment_letter(ctx(BUREAU), IssueAppointmentLetter(supervisor_id=supervisor_id,
                                                                              format=DocumentFormat.DOCX))
    assert one.body.startswith(b"PK") and one.issued.sha256 == hashlib.sha256(one.body).hexdigest()
    assert one.issued.about == "2026年第1号" and one.result.record_id == supervisor_id
    two = ledger.issue_appointment_letter(ctx(BUREAU), IssueAppointmentLetter(supervisor_id=supervisor_id, term=1,
                                                                              format=DocumentFormat.DOCX))
    assert two.body == one.body  # drawn from the same events: the same file
    text = "".join(p.text for p in docx.Document(io.BytesIO(one.body)).paragraphs)
    assert "2026年第1号" in text and "聘期一年，自2026年11月2日起至2027年11月1日止。" in text and "司法局" in text
    supervisor = ledger.network_record(InvitedSupervisor, supervisor_id)
    assert [d.sha256 for d in supervisor.documents] == [one.issued.sha256] * 2
    assert [type(e).__name__ for e in ledger.history(supervisor_id)][-2:] == ["DocumentIssued", "DocumentIssued"]


def test_only_the_bureau_issues_and_only_for_an_appointed_supervisor_nothing_written_otherwise(ledger):
    appointed = appointed_supervisor(ledger)
    nominated = ledger.execute(ctx(HEAD), supervisor_cmd(id_number="110105198001010016", employer="如皋某电子公司")).record_id
    before = log_length(ledger)
    with pytest.raises(NotAllowed):
        ledger.issue_appointment_letter(ctx(HEAD), IssueAppointmentLetter(supervisor_id=appointed))
    with pytest.raises(NotAllowed):
        ledger.issue_appointment_letter(ctx(AUDITOR), IssueAppointmentLetter(supervisor_id=appointed))
    with pytest.raises(NotFound):  # another 司法所's supervisor is unknown to its staff
        ledger.issue_appointment_letter(ctx(SOUTH), IssueAppointmentLetter(supervisor_id=appointed))
    with pytest.raises(WrongState) as not_yet:
        ledger.issue_appointment_letter(ctx(BUREAU), IssueAppointmentLetter(supervisor_id=nominated))
    assert not_yet.value.code == "not_appointed"
    with pytest.raises(InvalidInput) as no_term:
        ledger.issue_appointment_letter(ctx(BUREAU), IssueAppointmentLetter(supervisor_id=appointed, term=2))
    assert [(e.field, e.code) for e in no_term.value.errors] == [("term", "unknown_term")]
    assert log_length(ledger) == before
    ledger.execute(ctx(BUREAU), DismissSupervisor(supervisor_id=appointed, reason="本人申请"))
    before = log_length(ledger)
    with pytest.raises(WrongState) as ended:
        ledger.issue_appointment_letter(ctx(BUREAU), IssueAppointmentLetter(supervisor_id=appointed))
    assert ended.value.code == "already_ended" and log_length(ledger) == before
