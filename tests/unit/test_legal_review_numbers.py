"""A legal review's short number (法审〔2026〕3号): given on request in the
same save from the requesting unit's 法制审核 series — gap-free per unit and
year, each unit its own — recorded as a new ``Numbered`` event (the existing
``Requested`` keeps its fields); a review recorded before numbers existed
reads by a short id; a review is numbered once."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest

from ledger.envelope import make_envelope
from ledger.errors import InvalidInput, WrongState
from ledger.legal_review import LEGAL_REVIEW_FORMAT, LegalReview, review_number_format
from ledger.numbering import DEFAULT_NUMBER_FORMAT, FormCounter
from ledger.values import CST, FormKind
from tests.builders import FIRE_STAFF, MARKET, MARKET_STAFF, ctx
from tests.legal_review_builders import draft, request_cmd


def test_reviews_are_numbered_in_their_units_series_in_the_same_save(memory_ledger):
    first = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd())
    second = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd())
    fire = memory_ledger.execute(ctx(FIRE_STAFF), request_cmd(officers=()))
    year = memory_ledger.repository.get(first.record_id).number.year  # the business year of the fixed clock
    assert (first.number, second.number, fire.number) == (f"法审〔{year}〕1号", f"法审〔{year}〕2号", f"法审〔{year}〕1号")
    review = memory_ledger.repository.get(second.record_id)
    assert str(review.number) == second.number and review.label == second.number
    assert review.number.unit == MARKET and review.number.kind is FormKind.LEGAL_REVIEW
    events = [type(e).__name__ for e in memory_ledger.history(second.record_id)]
    assert events == ["Requested", "Numbered"]  # a new event: Requested's fields are unchanged
    counter = memory_ledger.repository.get(FormCounter.create_id(MARKET, FormKind.LEGAL_REVIEW, year))
    assert counter.last == 2


def test_a_refused_request_takes_no_number(memory_ledger):
    with pytest.raises(InvalidInput):
        memory_ledger.execute(ctx(MARKET_STAFF), request_cmd(facts=" "))
    done = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd())
    assert done.number.endswith("〕1号")  # gap-free: the refusal took none


def test_a_review_without_a_number_reads_by_a_short_id_and_is_numbered_once():
    env = make_envelope(MARKET_STAFF, "t", datetime(2026, 11, 2, 9, tzinfo=CST))
    review = LegalReview.request(env, id=uuid4(), draft=draft(), officers=(), threshold=draft().amount_yuan)
    assert review.number is None and review.label == f"法制审核{str(review.id)[:8]}"
    counter = FormCounter(unit=MARKET, kind=FormKind.LEGAL_REVIEW, year=2026)
    assert str(review.give_number(env, counter)) == "法审〔2026〕1号"
    with pytest.raises(WrongState):
        review.give_number(env, counter)
    other = LegalReview.request(env, id=uuid4(), draft=draft(), officers=(), threshold=draft().amount_yuan)
    with pytest.raises(InvalidInput) as wrong:
        other.give_number(env, FormCounter(unit="消防救援支队", kind=FormKind.LEGAL_REVIEW, year=2026))
    assert [e.field for e in wrong.value.errors] == ["number"]


def test_a_unit_without_a_format_of_its_own_numbers_reviews_fa_shen():
    assert review_number_format(DEFAULT_NUMBER_FORMAT) == LEGAL_REVIEW_FORMAT == "法审〔{year}〕{seq}号"
    assert review_number_format("张市监法审〔{year}〕{seq}号") == "张市监法审〔{year}〕{seq}号"


def test_the_reversal_form_takes_a_review_by_its_number_or_its_id() -> None:
    import uuid

    import pytest

    from ledger.errors import InvalidInput
    from ledger_http.web.reversals import _review_id

    review = uuid.uuid4()
    numbered = {"法审〔2026〕3号": str(review)}.get
    assert _review_id(" 法审〔2026〕3号 ", numbered) == review
    assert _review_id(str(review), numbered) == review
    assert _review_id("", numbered) is None
    with pytest.raises(InvalidInput) as refused:
        _review_id("法审〔2000〕9号", numbered)
    assert refused.value.errors[0].field == "legal_review_id" and "法审〔2000〕9号" in refused.value.errors[0].message
