"""The reads behind the oversight pages, on SQLite and PostgreSQL: one
filing as the filings list shows it, the units a supervisor may filter by,
both within the reader's scope; and who may read the ledger's digest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from ledger.errors import NotAllowed
from ledger.scope import Reach, scope_for
from ledger.settings import Settings
from ledger.supervision.commands import DeclareMajorDecision, FileMajorDecision
from ledger.values import Role
from projections.runner import Runner
from projections.supervision import SupervisionProjection
from projections.views import Views
from tests.builders import FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, ctx
from tests.legal_review_builders import passed_review

SUPERVISION_ALL = scope_for(Role.SUPERVISOR, "市司法局执法监督科", Reach.SUPERVISION)
MARKET_SCOPE = scope_for(Role.UNIT_STAFF, MARKET, Reach.SUPERVISION)
FIRE_SCOPE = scope_for(Role.UNIT_STAFF, FIRE, Reach.SUPERVISION)


@pytest.fixture
def views(store_settings: Settings) -> Iterator[Views]:
    v = Views(store_settings)
    yield v
    v.close()


def caught_up(settings: Settings) -> None:
    runner = Runner(settings, SupervisionProjection(), batch_size=10)
    try:
        runner.catch_up()
    finally:
        runner.close()


def declare(ledger, staff, number: str, decided_on: date) -> str:  # noqa: ANN001 - fixtures
    result = ledger.declare_major_decision(ctx(staff), DeclareMajorDecision(
        decision_number=number, decided_on=decided_on, party="某公司", summary="罚款",
        legal_review_id=passed_review(ledger, staff)))
    return str(result.record_id)


def test_one_filing_reads_as_in_the_list_and_only_within_the_scope(ledger, store_settings, views) -> None:
    late = declare(ledger, MARKET_STAFF, "市监罚〔2026〕1号", date(2026, 10, 1))
    ledger.file_major_decision(ctx(MARKET_STAFF), FileMajorDecision(filing_id=UUID(late), filed_on=date(2026, 11, 2),
                                                                    reference="备2026-1"))
    open_ = declare(ledger, FIRE_STAFF, "消罚〔2026〕7号", date(2026, 11, 20))
    caught_up(store_settings)

    listed = {r["filing_id"]: r for r in views.filings(SUPERVISION_ALL, today="2026-11-26")}
    for filing_id in (late, open_):
        assert views.filing(SUPERVISION_ALL, filing_id, today="2026-11-26") == listed[filing_id]
    assert listed[late]["late"] is True and listed[late]["days_left"] is None
    # 2026-11-20 + 15 days = 12-05, a Saturday: due the next working day, Monday 12-07
    assert listed[open_]["due_on"] == "2026-12-07" and listed[open_]["days_left"] == 11

    assert views.filing(MARKET_SCOPE, late) is not None
    assert views.filing(MARKET_SCOPE, open_) is None  # another unit's: as if unknown
    assert views.filing(FIRE_SCOPE, late) is None
    assert views.filing(SUPERVISION_ALL, "00000000-0000-0000-0000-000000000000") is None


def test_the_units_to_filter_by_are_those_with_filings_within_the_scope(ledger, store_settings, views) -> None:
    declare(ledger, MARKET_STAFF, "市监罚〔2026〕2号", date(2026, 11, 2))
    declare(ledger, MARKET_STAFF, "市监罚〔2026〕3号", date(2026, 11, 3))
    declare(ledger, FIRE_STAFF, "消罚〔2026〕8号", date(2026, 11, 4))
    caught_up(store_settings)

    assert views.filing_units(SUPERVISION_ALL) == sorted([FIRE, MARKET])
    assert views.filing_units(MARKET_SCOPE) == [MARKET]
    assert views.filing_units(FIRE_SCOPE) == [FIRE]


@pytest.mark.parametrize("role", list(Role))
def test_only_supervisors_and_auditors_read_the_ledger_digest(role: Role) -> None:
    if role in (Role.SUPERVISOR, Role.AUDITOR):
        assert scope_for(role, "某单位", Reach.INTEGRITY).unit is None
    else:
        with pytest.raises(NotAllowed) as refused:
            scope_for(role, "某单位", Reach.INTEGRITY)
        assert refused.value.code == "role_not_allowed"
        assert refused.value.message == "只有执法监督和审计人员可以获取账本摘要"
