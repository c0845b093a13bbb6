"""A guidance's paper on real stores (SQLite and PostgreSQL): the number
texts in the unit's formats and the issued documents reload equal in a fresh
process; the documents view finds each issue by its SHA-256, names the
guidance, and scopes it by the guidance's unit (a case's issues as before, by
the case's units); a rebuilt view equals the incrementally kept one."""

from __future__ import annotations

from ledger.application import Ledger
from ledger.case.values import DocumentFormat, DocumentKind
from ledger.commands import Context
from ledger.demo import record_demo_case
from ledger.directory.commands import SetNumberFormat
from ledger.documents.service import IssueDocument
from ledger.scope import Reach, Scope, console_scope
from ledger.values import FormKind, Role
from projections.documents import DOCUMENTS, DocumentsProjection
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.views import Views
from tests.builders import ADMIN, FIRE, MARKET, REGISTRAR, SUPERVISOR, ctx, fixed_clock
from tests.guidance_builders import RECORD_AT, seed_directory
from tests.unit.test_guidance_documents import SEED_004, issue, written


def caught_up(settings) -> None:
    runner = Runner(settings, DocumentsProjection())
    try:
        runner.catch_up()
    finally:
        runner.close()


def rows(views: Views) -> list[tuple]:
    columns = ", ".join(DOCUMENTS.column_names)
    with views.db.reading() as cur:
        return [tuple(r) for r in cur.execute(f"SELECT {columns} FROM {DOCUMENTS.name} ORDER BY notification_id").fetchall()]


def test_a_guidances_paper_is_kept_found_and_scoped_on_the_store(ledger, store_settings) -> None:
    seed_directory(ledger)
    for kind, pattern in SEED_004.items():
        ledger.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=kind, pattern=pattern))
    gid = written(ledger)
    opinion = issue(ledger, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF)
    record = issue(ledger, gid, DocumentKind.GUIDANCE_RECORD, DocumentFormat.DOCX, who=SUPERVISOR)
    case_id = record_demo_case(ledger, RECORD_AT)
    application = ledger.issue_document(Context(actor=REGISTRAR, request_id="t"), IssueDocument(
        case_id=case_id, kind=DocumentKind.APPLICATION, format=DocumentFormat.PDF))

    reopened = Ledger(store_settings, clock=fixed_clock())  # decoded from the stored JSON
    try:
        g = reopened.get_guidance(gid)
        assert (str(g.opinion.number), str(g.record.number)) == ("临人社行指〔2026〕1号", "临淄区人社局指导书〔2026〕1号")
        assert [d.sha256 for d in g.documents] == [opinion.issued.sha256, record.issued.sha256]
        assert reopened.number_format(MARKET, FormKind.GUIDANCE_RECORD) == SEED_004[FormKind.GUIDANCE_RECORD]
        again = issue(reopened, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF)
        assert again.body == opinion.body  # another process, the same bytes
    finally:
        reopened.close()

    caught_up(store_settings)
    views = Views(store_settings)
    try:
        (found,) = views.documents_issued(console_scope(Reach.CASES), sha256=record.issued.sha256)
        assert (found["guidance_id"], found["case_id"], found["subject"], found["owner_unit"]) == (str(gid), None,
                                                                                                  "guidance", MARKET)
        assert (found["kind"], found["actor_id"], found["unit"]) == ("guidance_record", SUPERVISOR.id, SUPERVISOR.unit)
        own, fire = (Scope(Role.UNIT_STAFF, Reach.CASES, unit) for unit in (MARKET, FIRE))
        # issued by the supervisor, still the market regulator's guidance's paper
        assert [r["sha256"] for r in views.documents_issued(own, sha256=record.issued.sha256)] == [record.issued.sha256]
        assert views.documents_issued(fire, sha256=record.issued.sha256) == []
        listed = views.documents_issued(own, case_id=gid)
        assert [r["sha256"] for r in listed] == [again.issued.sha256, record.issued.sha256, opinion.issued.sha256]
        (case_row,) = views.documents_issued(console_scope(Reach.CASES), sha256=application.issued.sha256)
        assert (case_row["case_id"], case_row["guidance_id"], case_row["subject"]) == (str(case_id), None, "case")
        # a rebuild from the log, and the fold as of its head, equal the view kept event by event
        incremental = rows(views)
        head = rebuild(store_settings, DocumentsProjection())
        assert rows(views) == incremental and len(incremental) == 4
        assert sorted(fold_as_of(store_settings, DocumentsProjection(), head).values()) == incremental
    finally:
        views.close()
