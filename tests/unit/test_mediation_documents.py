"""The papers of an administrative mediation, drawn from its events (pure):
the 笔录 of one session, the 协议书 with every party's particulars and
signature, the 终止调解告知书 with the way pointed to; masking by role; the
issue recorded on the mediation and refused to the read-only roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.case.values import DocumentFormat, DocumentKind
from ledger.documents.mediation import IssueMediationDocument, agreement, available, record, termination
from ledger.errors import InvalidInput, NotAllowed, WrongState
from ledger.mediation.commands import EndMediation
from ledger.mediation.values import Referral
from tests.builders import AUDITOR, SUPERVISOR, VALID_RIC, VALID_USCC, ctx
from tests.guidance_builders import WANG, seed_directory
from tests.mediation_builders import AGREE_AT, accepted, agree_cmd, session_cmd


@pytest.fixture
def app(memory_ledger):
    seed_directory(memory_ledger)
    return memory_ledger


def text(paper) -> str:
    return "\n".join([paper.title, paper.number, paper.addressee, *(f"{r.label} {r.value}" for r in paper.rows),
                      *(f"{p.heading} {p.text}" for p in paper.parts), *paper.signatures, paper.signer, paper.date])


def test_the_agreement_names_every_party_and_its_signature_and_masks_a_persons_id(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    app.execute(ctx(WANG), agree_cmd(mid))
    m = app.get_mediation(mid)
    assert available(m) == [(DocumentKind.MEDIATION_RECORD, 1), (DocumentKind.MEDIATION_AGREEMENT, None)]
    masked, full = text(agreement(m, True)), text(agreement(m, False))
    assert VALID_RIC not in masked and "110105********002X" in masked and VALID_USCC in masked
    assert VALID_RIC in full
    for words in ("当事人的基本情况", "一、调解事项", "二、查证的事实", "三、调解结果", "四、履行方式和期限",
                  "甲方：鲁味轩餐饮有限公司（已签名并盖章：刘芳）", "乙方：张华（已签名：张华）", "（行政调解专用章）",
                  "2026年11月4日", "2026年第1号"):
        assert words in full, words
    with pytest.raises(WrongState):
        termination(m, True)


def test_each_session_has_its_own_record_with_what_each_party_said(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    app.execute(ctx(WANG), session_cmd(mid, AGREE_AT - timedelta(hours=1)))
    m = app.get_mediation(mid)
    second = text(record(m, True, 2))
    assert "（第2次）" in second and "乙方张华陈述 夜间噪声仍影响休息" in second and "乙方张华申辩 更换后仍超标" in second
    assert "陈工（环保工程师）" in second and "争议焦点 噪声是否超标；赔偿数额" in second
    with pytest.raises(InvalidInput):
        record(m, True, 3)


def test_the_termination_notice_points_to_the_body_and_how_to_reach_it(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    app.execute(ctx(WANG), EndMediation(mediation_id=mid, business_time=AGREE_AT, referral=Referral.ARBITRATION,
                                        body="市劳动人事争议仲裁委员会", contact="人民路1号，0533-7654321",
                                        explanation="赔偿数额分歧过大"))
    paper = termination(app.get_mediation(mid), True)
    words = text(paper)
    assert paper.title == "终止调解告知书" and paper.addressee == "鲁味轩餐饮有限公司、张华："
    assert "仲裁" in words and "市劳动人事争议仲裁委员会" in words and "0533-7654321" in words
    assert "不作为对任何一方不利的依据" in words


def test_issuing_records_the_document_and_read_only_roles_cannot(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    issue = IssueMediationDocument(mediation_id=mid, kind=DocumentKind.MEDIATION_RECORD, session=1,
                                   format=DocumentFormat.DOCX)
    issued = app.issue_mediation_document(ctx(WANG), issue)
    m = app.get_mediation(mid)
    assert m.documents[-1].sha256 == issued.issued.sha256 and m.documents[-1].about == "1"
    again = app.issue_mediation_document(ctx(WANG), issue)  # the same events, the same reader: the same file
    assert again.issued.sha256 == issued.issued.sha256 and again.body.startswith(b"PK")
    unmasked = app.issue_mediation_document(ctx(SUPERVISOR), issue)  # a supervisor reads the resident ID in full
    assert unmasked.issued.sha256 != issued.issued.sha256
    with pytest.raises(NotAllowed):
        app.issue_mediation_document(ctx(AUDITOR), issue)
