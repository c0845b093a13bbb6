"""Administrative guidance on real stores (SQLite and PostgreSQL): a written
guidance's whole lifecycle saved, reloaded and replayed equal; numbers
gap-free per unit, kind and year, also when a refused command came between."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ledger.application import Ledger
from ledger.errors import InvalidInput
from ledger.guidance.commands import (
    AcceptGuidance,
    MarkTypicalGuidance,
    RecordGuidanceEffect,
    RecordGuidanceFollowUp,
)
from ledger.guidance.values import FollowUpVisit, GuidanceState, VisitMethod
from ledger.numbering import FormCounter
from ledger.values import CST, FormKind
from tests.builders import ctx, fixed_clock
from tests.guidance_builders import (
    ANSWER_AT,
    LATER,
    SUN,
    WANG,
    ZHAO,
    deliver_cmd,
    make_head,
    opinion_cmd,
    record_cmd,
    seed_directory,
    start_cmd,
)


def test_a_written_guidance_lives_its_whole_life_and_reloads_equal(ledger, store_settings):
    seed_directory(ledger)
    gid = ledger.execute(ctx(WANG), start_cmd()).case_id
    assert ledger.execute(ctx(WANG), opinion_cmd(gid)).number == "2026年第1号"
    ledger.execute(ctx(WANG), deliver_cmd(gid))
    assert ledger.execute(ctx(ZHAO), record_cmd(gid)).number == "2026年第1号"
    ledger.execute(ctx(WANG), AcceptGuidance(guidance_id=gid, business_time=ANSWER_AT))
    ledger.execute(ctx(WANG), RecordGuidanceEffect(guidance_id=gid, business_time=LATER, effect="按期办理许可延续"))
    ledger.execute(
        ctx(WANG),
        RecordGuidanceFollowUp(
            guidance_id=gid,
            business_time=LATER,
            visit=FollowUpVisit(on=LATER.date(), method=VisitMethod.VISIT, findings="已取得延续后的许可证"),
        ),
    )
    make_head(ledger, WANG)
    result = ledger.execute(ctx(WANG), MarkTypicalGuidance(guidance_id=gid, business_time=LATER, reason="可作示范"))
    assert result.version == 8

    # a fresh process on the same store: decoded from the stored JSON, not the cache
    reopened = Ledger(store_settings, clock=fixed_clock())
    try:
        g = reopened.get_guidance(gid)
        names = [e.__class__.__name__ for e in reopened.events.get(gid)]
    finally:
        reopened.close()
    assert names == [
        "Started", "OpinionIssued", "OpinionDelivered", "RecordRegistered", "Ended", "EffectRecorded", "FollowedUp",
        "MarkedTypical",
    ]
    original = ledger.get_guidance(gid)
    assert {k: v for k, v in vars(g).items() if not k.startswith("_")} == {
        k: v for k, v in vars(original).items() if not k.startswith("_")
    }
    assert g.state is GuidanceState.ACCEPTED and g.end.accepted and g.end.reason is None
    assert str(g.opinion.number) == "2026年第1号" and g.opinion.number.unit == WANG.unit
    assert g.delivery.receiver == "刘芳" and g.record.place == "人民西路88号"
    assert g.addressee.id_number and g.officers[1].name == "赵静"
    assert g.effect == "按期办理许可延续" and g.typical.by == "wanglei"
    assert g.record.guided_at.tzinfo is not None and g.record.guided_at.utcoffset() == timedelta(hours=8)


def test_numbers_are_gap_free_per_unit_and_year_across_refusals(ledger):
    seed_directory(ledger)
    market = [ledger.execute(ctx(WANG), start_cmd()).case_id for _ in range(3)]
    fire = ledger.execute(ctx(SUN), start_cmd(officers=("sunhao",))).case_id
    numbers = [ledger.execute(ctx(WANG), opinion_cmd(market[0])).number]
    with pytest.raises(InvalidInput):  # refused: takes no number
        ledger.execute(ctx(WANG), opinion_cmd(market[1], opinion=""))
    numbers += [ledger.execute(ctx(WANG), opinion_cmd(g)).number for g in market[1:]]
    assert numbers == ["2026年第1号", "2026年第2号", "2026年第3号"]
    assert ledger.execute(ctx(SUN), opinion_cmd(fire)).number == "2026年第1号"
    counter = ledger.repository.get(FormCounter.create_id(WANG.unit, FormKind.GUIDANCE_OPINION, 2026))
    assert counter.last == 3
    # the record's series is its own
    ledger.execute(ctx(WANG), deliver_cmd(market[2]))
    assert ledger.execute(ctx(WANG), record_cmd(market[2])).number == "2026年第1号"


def test_a_new_year_starts_the_series_again(store_settings):
    new_year = datetime(2027, 1, 4, 9, 0, tzinfo=CST)
    app = Ledger(store_settings, clock=fixed_clock(new_year + timedelta(days=1)))
    try:
        seed_directory(app)
        old = app.execute(ctx(WANG), start_cmd()).case_id
        new = app.execute(ctx(WANG), start_cmd(business_time=new_year)).case_id
        assert app.execute(ctx(WANG), opinion_cmd(old)).number == "2026年第1号"
        assert app.execute(ctx(WANG), opinion_cmd(new, business_time=new_year + timedelta(hours=1))).number == (
            "2027年第1号"
        )
    finally:
        app.close()
